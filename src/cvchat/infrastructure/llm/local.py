"""The `local` provider: answers offline from what the tools retrieved, with no network and no key."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any, TypeVar

import msgspec

from cvchat.application.tools import GET_CV, SEARCH_CVS, CvSummary, GetCvOutput, SearchCvsOutput
from cvchat.domain.cvs import CvProfile, LanguageLevel, Location
from cvchat.domain.ports import ChatTurn, Finish, LlmRequest, LlmStreamChunk, TextDelta, UsageReport
from cvchat.infrastructure.cvs.query import ParsedQuery, Vocabulary, cert_phrases, parse_query, phrase, role_of_title
from cvchat.infrastructure.cvs.tokenize import fold, light_stem, raw_tokens, word_list

MAX_NAMED = 5
"""Candidates an answer lists (the search may return more: the rest are counted in the lead line)."""
MAX_QUOTES = 2
MAX_LISTED = 10
"""Skills (and the like) an answer about one CV lists."""

# --- the fixed phrases, per answer language --------------------------------------------------------------------------
_PHRASES: dict[str, dict[str, str]] = {
    "en": {
        "quote": "“{}”",
        "lead_one": "One candidate matches {q}",
        "lead_many": "{n} candidates match {q}",
        "lead_at_least": "At least {n} candidates match {q}",
        "best": "; here are the {shown} best",
        "colon": ":",
        "none": "I found no candidate who matches {q}.",
        "none_who": "I found no candidate who {predicate}.",
        "no_index": "I found no candidate for that: no CVs have been indexed yet, so there is nothing to search.",
        "why": "Why:",
        "cv": "CV:",
        "speaks": "speaks {language} ({level})",
        "speaks_any": "speaks {language}",
        "languages_count": "speaks {n} languages ({names})",
        "languages": "languages: {items}",
        "years": "{n} years of experience",
        "years_one": "1 year of experience",
        "years_less": "less than a year of experience",
        "place": "based in {place}",
        "degree": "highest degree: {degree}",
        "seniority": "seniority: {value}",
        "role": "works as {title}",
        "skills": "skills: {items}",
        "certifications": "certified: {items}",
        "companies": "worked at {items}",
        "institutions": "studied at {items}",
        "cv_intro": "Here is what the CV of {name} says:",
        "cv_missing": "I found no CV with the id {cv_id}.",
    },
    "es": {
        "quote": "«{}»",
        "lead_one": "Un candidato coincide con {q}",
        "lead_many": "{n} candidatos coinciden con {q}",
        "lead_at_least": "Al menos {n} candidatos coinciden con {q}",
        "best": "; estos son los {shown} mejores",
        "colon": ":",
        "none": "No encontré ningún candidato que cumpla {q}.",
        "no_index": "No encontré ningún candidato: todavía no hay CVs indexados, así que no hay nada que buscar.",
        "why": "Por qué:",
        "cv": "CV:",
        "speaks": "habla {language} ({level})",
        "speaks_any": "habla {language}",
        "languages_count": "habla {n} idiomas ({names})",
        "languages": "idiomas: {items}",
        "years": "{n} años de experiencia",
        "years_one": "1 año de experiencia",
        "years_less": "menos de un año de experiencia",
        "place": "vive en {place}",
        "degree": "titulación más alta: {degree}",
        "seniority": "nivel: {value}",
        "role": "trabaja como {title}",
        "skills": "habilidades: {items}",
        "certifications": "certificaciones: {items}",
        "companies": "trabajó en {items}",
        "institutions": "estudió en {items}",
        "cv_intro": "Esto dice el CV de {name}:",
        "cv_missing": "No encontré ningún CV con el id {cv_id}.",
    },
    "de": {
        "quote": "„{}“",
        "lead_one": "Ein Kandidat passt zu {q}",
        "lead_many": "{n} Kandidaten passen zu {q}",
        "lead_at_least": "Mindestens {n} Kandidaten passen zu {q}",
        "best": "; hier sind die {shown} besten",
        "colon": ":",
        "none": "Ich habe keinen Kandidaten gefunden, der zu {q} passt.",
        "no_index": (
            "Ich habe keinen Kandidaten gefunden: Es sind noch keine Lebensläufe indexiert, es gibt nichts zu "
            "durchsuchen."
        ),
        "why": "Warum:",
        "cv": "Lebenslauf:",
        "speaks": "spricht {language} ({level})",
        "speaks_any": "spricht {language}",
        "languages_count": "spricht {n} Sprachen ({names})",
        "languages": "Sprachen: {items}",
        "years": "{n} Jahre Berufserfahrung",
        "years_one": "1 Jahr Berufserfahrung",
        "years_less": "weniger als ein Jahr Berufserfahrung",
        "place": "wohnt in {place}",
        "degree": "höchster Abschluss: {degree}",
        "seniority": "Senioritätsstufe: {value}",
        "role": "arbeitet als {title}",
        "skills": "Kenntnisse: {items}",
        "certifications": "Zertifizierungen: {items}",
        "companies": "arbeitete bei {items}",
        "institutions": "studierte an {items}",
        "cv_intro": "Das steht im Lebenslauf von {name}:",
        "cv_missing": "Ich habe keinen Lebenslauf mit der ID {cv_id} gefunden.",
    },
    "fr": {
        "quote": "« {} »",
        "lead_one": "Un candidat correspond à {q}",
        "lead_many": "{n} candidats correspondent à {q}",
        "lead_at_least": "Au moins {n} candidats correspondent à {q}",
        "best": " ; voici les {shown} meilleurs",
        "colon": " :",
        "none": "Je n'ai trouvé aucun candidat qui corresponde à {q}.",
        "no_index": "Je n'ai trouvé aucun candidat : aucun CV n'est encore indexé, il n'y a rien à chercher.",
        "why": "Pourquoi :",
        "cv": "CV :",
        "speaks": "parle {language} ({level})",
        "speaks_any": "parle {language}",
        "languages_count": "parle {n} langues ({names})",
        "languages": "langues : {items}",
        "years": "{n} ans d'expérience",
        "years_one": "1 an d'expérience",
        "years_less": "moins d'un an d'expérience",
        "place": "habite à {place}",
        "degree": "diplôme le plus élevé : {degree}",
        "seniority": "niveau : {value}",
        "role": "travaille comme {title}",
        "skills": "compétences : {items}",
        "certifications": "certifications : {items}",
        "companies": "a travaillé chez {items}",
        "institutions": "a étudié à {items}",
        "cv_intro": "Voici ce que dit le CV de {name} :",
        "cv_missing": "Je n'ai trouvé aucun CV avec l'identifiant {cv_id}.",
    },
}
_LANGUAGE_NAMES: dict[str, dict[str, str]] = {
    "en": {"de": "German", "en": "English", "es": "Spanish", "fr": "French", "it": "Italian", "pt": "Portuguese",
           "nl": "Dutch", "pl": "Polish", "ca": "Catalan"},
    "es": {"de": "alemán", "en": "inglés", "es": "español", "fr": "francés", "it": "italiano", "pt": "portugués",
           "nl": "neerlandés", "pl": "polaco", "ca": "catalán"},
    "de": {"de": "Deutsch", "en": "Englisch", "es": "Spanisch", "fr": "Französisch", "it": "Italienisch",
           "pt": "Portugiesisch", "nl": "Niederländisch", "pl": "Polnisch", "ca": "Katalanisch"},
    "fr": {"de": "allemand", "en": "anglais", "es": "espagnol", "fr": "français", "it": "italien", "pt": "portugais",
           "nl": "néerlandais", "pl": "polonais", "ca": "catalan"},
}  # fmt: skip
_LEVEL_NAMES: dict[str, dict[str, str]] = {
    "en": {"native": "native", "fluent": "fluent", "professional": "professional", "basic": "basic"},
    "es": {"native": "nativo", "fluent": "fluido", "professional": "profesional", "basic": "básico"},
    "de": {"native": "Muttersprache", "fluent": "fließend", "professional": "verhandlungssicher",
           "basic": "Grundkenntnisse"},
    "fr": {"native": "langue maternelle", "fluent": "courant", "professional": "professionnel", "basic": "notions"},
}  # fmt: skip
_DEGREE_NAMES: dict[str, dict[str, str]] = {
    "en": {"phd": "PhD", "master": "master's degree", "bachelor": "bachelor's degree", "vocational": "vocational"},
    "es": {"phd": "doctorado", "master": "máster", "bachelor": "grado", "vocational": "formación profesional"},
    "de": {"phd": "Promotion", "master": "Master", "bachelor": "Bachelor", "vocational": "Berufsausbildung"},
    "fr": {"phd": "doctorat", "master": "master", "bachelor": "licence", "vocational": "formation professionnelle"},
}

# Words that tell the question's language apart (folded); the highest count wins, English on a tie.
_MARKERS: dict[str, frozenset[str]] = {
    "en": frozenset(
        word_list(
            "who which what whom with and the of speaks speak knows know has have lives live living years experience "
            "candidates candidate them those these about does do is are anyone someone find show me any at least "
            "more than worked"
        )
    ),
    "es": frozenset(
        word_list(
            "quien quienes cual cuales que con y los las el del habla hablan hablar sabe saben tiene tienen anos "
            "experiencia candidatos candidato ellos ellas viven vive alguien busco para mas menos trabajado como "
            "lengua materna al"
        )
    ),
    "de": frozenset(
        word_list(
            "wer welche welcher welches was mit und der die das den dem von spricht sprechen hat haben kennt kennen "
            "jahre jahren erfahrung kandidaten kandidat davon ihnen wohnt wohnen lebt jemand ist sind ein eine "
            "mindestens nicht auch im als muttersprache"
        )
    ),
    "fr": frozenset(
        word_list(
            "qui quel quelle quels quelles lesquels lesquelles avec et les des du parle parlent connait ont ans annees "
            "experience candidats candidat eux habite habitent vit quelqu est sont au moins plus maternelle chez "
            "d'entre"
        )
    ),
}
_CHAR_HINTS: tuple[tuple[str, str], ...] = (("¿", "es"), ("¡", "es"), ("ñ", "es"), ("ß", "de"), ("ä", "de"),
                                            ("ö", "de"), ("ü", "de"), ("ç", "fr"), ("è", "fr"), ("ê", "fr"),
                                            ("à", "fr"), ("œ", "fr"), (" ?", "fr"))  # fmt: skip

# Words of a question that ask for nothing a CV must show: where people live, generic job words, generic verbs of
# achievement and references to earlier candidates ("viven", "wohnt", "engineers", "built", "ellos"). Folded.
_FILLER = frozenset(
    word_list(
        """
    live lives living lived based located reside resides residing currently current now city country area region
    town near around engineer engineers developer developers programmer programmers specialist specialists
    professional professionals role roles position positions job jobs team teams also only still ones
    vive viven vivan viva residen reside residente ubicado ubicada ubicados ubicadas basado basada basados basadas
    ellos ellas esos esas estos estas actualmente ciudad pais zona ingeniero ingeniera ingenieros ingenieras
    desarrollador desarrolladora desarrolladores desarrolladoras programador programadores especialista
    especialistas solo tambien
    wohnt wohnen lebt leben ansassig sitzt sitzen derzeit aktuell stadt land davon ihnen denen diese dieser diesen
    ingenieur ingenieurin ingenieure entwickler entwicklerin entwicklerinnen spezialist spezialisten nur auch
    habite habitent vit vivent reside residant base basee bases basees situe situee situes actuellement ville pays
    eux elles ceux celles ingenieure ingenieurs developpeur developpeuse developpeurs developpeuses specialiste
    specialistes seulement aussi
    built build building developed developing designed designing implemented created maintained managed led leading
    shipped delivered wrote written made done
    construido construyo desarrollado disenado implementado creado liderado gestionado
    gebaut entwickelt entworfen implementiert erstellt geleitet umgesetzt betreut
    construit developpe developpee concu implemente cree dirige gere mene realise
    run runs ran running production prod operate operates operated operating deployed deploying worked working
    work works used using use uses know knows knew experience experienced hands hands-on skilled proficient
    produccion operado operada ejecutado ejecutar trabajado trabaja usado usa experiencia conoce sabe
    produktion produktiv betrieben betreibt eingesetzt gearbeitet arbeitet nutzt erfahrung kennt kann
    exploite exploiter utilise utilisee travaille connait maitrise
        """
    )
)
_T = TypeVar("_T")
# "Who knows Rust?" restates as "no candidate who knows Rust"; "Who are …", "Who has …" do not read well that way.
_WHO = re.compile(r"^who\s+(?!(?:are|were|is|was|do|did|have)\b)([^?]+?)\s*[?.!]*$", re.IGNORECASE)
# Contact details are never quoted, even when their line holds a matching word (a city next to an e-mail address).
_CONTACT = re.compile(r"\S+@\S+|\+\d[\d\s()./-]{5,}\d")
_SEPARATOR = re.compile(r"\s*[·|•]\s*")


class LocalProvider:
    """A grounded, extractive answerer: it says only what the last `search_cvs` or `get_cv` result supports.

    It never calls tools (it ignores the ones offered) and never reads the corpus itself: the assistant's first
    search is its grounding. From that result it names the candidates whose profile meets every constraint of the
    question (as the search's own parser reads it: languages and levels, places, years, degree, seniority, role,
    skills, certificates, companies) and whose evidence shows every other content word of it, best first; for each,
    why (the matching profile facts and the search's evidence lines, quoted) and the CV link. The fixed phrases
    follow the question's language (en, es, de, fr); names, titles and quotes stay as the CVs write them.
    """

    name = "local"
    model = "local-extractive"

    def __init__(self, pace_ms: float = 0.0) -> None:
        self._pace_s = pace_ms / 1000

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        answer, read = compose_answer(request.turns)
        words = re.findall(r"\S+\s*", answer)
        yield UsageReport(input_tokens=sum(len(t.text.split()) for t in request.turns) + read)
        for word in words:
            if self._pace_s:
                await asyncio.sleep(self._pace_s)
            yield TextDelta(text=word)
        yield UsageReport(output_tokens=len(words))
        yield Finish(reason="end")


def compose_answer(turns: Sequence[ChatTurn]) -> tuple[str, int]:
    """The answer to the last user question from the last usable tool results, and how many words it read."""
    question = next((t.text.strip() for t in reversed(turns) if t.role == "user" and t.text.strip()), "")
    searched, cvs = _last_results(turns)
    lang = detect_language(question) if question else detect_language(searched.query if searched else "")
    phrases = _PHRASES[lang]
    if searched is not None:
        read = len(msgspec.json.encode(searched).split())
        return _search_answer(searched, lang), read
    if cvs:
        read = sum(len(msgspec.json.encode(cv).split()) for cv in cvs)
        return "\n\n".join(_cv_answer(cv, lang) for cv in cvs), read
    return phrases["no_index"], 0


def _last_results(turns: Sequence[ChatTurn]) -> tuple[SearchCvsOutput | None, list[GetCvOutput]]:
    """The last tool turn holding results this provider understands: its last search, else its CV reads."""
    for turn in reversed(turns):
        if turn.role != "tool":
            continue
        searches: list[SearchCvsOutput] = []
        cvs: list[GetCvOutput] = []
        for result in turn.tool_results:
            if result.get("name") == SEARCH_CVS and (found := _convert(result.get("output"), SearchCvsOutput)):
                searches.append(found)
            elif result.get("name") == GET_CV and (read := _convert(result.get("output"), GetCvOutput)):
                cvs.append(read)
        if searches:
            return searches[-1], []
        if cvs:
            return None, cvs
    return None, []


def _convert(output: Any, kind: type[_T]) -> _T | None:
    """A tool output read back into its Struct; None when it has another shape (a tool this provider cannot use)."""
    try:
        return msgspec.convert(output, kind)
    except msgspec.ValidationError:
        return None


def detect_language(text: str) -> str:
    """en, es, de or fr: the language whose marker words (and letters) the text has most of; English on a tie."""
    scores = dict.fromkeys(_PHRASES, 0)
    for token in re.findall(r"[\w']+", fold(text)):
        for lang, markers in _MARKERS.items():
            if token in markers:
                scores[lang] += 1
    lowered = text.casefold()
    for hint, lang in _CHAR_HINTS:
        if hint in lowered:
            scores[lang] += 2
    best = max(scores.values())
    return next(lang for lang, score in scores.items() if score == best) if best else "en"


# --- answers to a search -------------------------------------------------------------------------------------------
class _Question(msgspec.Struct, kw_only=True):
    """What a question asks, as the search's parser reads it, plus the content words no table recognises."""

    parsed: ParsedQuery
    free_terms: list[str]
    vocabulary: Vocabulary

    @property
    def has_constraints(self) -> bool:
        return self.parsed.has_constraints


def _read_question(query: str, results: Sequence[CvSummary]) -> _Question:
    vocabulary = Vocabulary()
    for hit in results:  # names only the CVs use (a skill like "Tokio") are then recognised in the question too
        vocabulary.add_profile(_profile(hit))
    parsed = parse_query(query, vocabulary)
    tokens = raw_tokens(query)
    recognised = {token for start, end, _ in vocabulary.match(tokens, with_weak=True) for token in tokens[start:end]}
    free = [term for term in parsed.terms if term not in recognised and not _is_filler(term)]
    return _Question(parsed=parsed, free_terms=list(dict.fromkeys(light_stem(t) for t in free)), vocabulary=vocabulary)


def _is_filler(term: str) -> bool:
    return term in _FILLER or light_stem(term) in _FILLER


def _profile(hit: CvSummary) -> CvProfile:
    return CvProfile(
        name=hit.name,
        title=hit.title,
        seniority=hit.seniority,
        location=hit.location or Location(),
        languages=hit.languages,
        skills=hit.skills,
        years_experience=hit.years_experience,
        highest_degree=hit.highest_degree,
        institutions=hit.institutions,
        certifications=hit.certifications,
        companies=hit.companies,
    )


def _search_answer(searched: SearchCvsOutput, lang: str) -> str:
    phrases = _PHRASES[lang]
    question = _read_question(searched.query, searched.results)
    matches = [(hit, facts) for hit in searched.results if (facts := _judge(hit, question, lang)) is not None]
    if not matches:
        return _no_candidate(searched.query, lang)
    count = len(matches)
    shown = min(count, MAX_NAMED)
    quoted = phrases["quote"].format(searched.query.strip())
    at_least = count == len(searched.results) >= searched.k
    lead_key = "lead_at_least" if at_least and count > 1 else "lead_one" if count == 1 else "lead_many"
    lead = phrases[lead_key].format(n=count, q=quoted)
    if shown < count:
        lead += phrases["best"].format(shown=shown)
    blocks = [lead + phrases["colon"]]
    for position, (hit, facts) in enumerate(matches[:shown], 1):
        blocks.append(_candidate(position, hit, facts, lang))
    return "\n\n".join(blocks)


def _no_candidate(query: str, lang: str) -> str:
    phrases = _PHRASES[lang]
    query = query.strip()
    if lang == "en" and (who := _WHO.match(query)):
        return phrases["none_who"].format(predicate=who.group(1))
    return phrases["none"].format(q=phrases["quote"].format(query))


def _candidate(position: int, hit: CvSummary, facts: list[str], lang: str) -> str:
    phrases = _PHRASES[lang]
    header = [part for part in (_title(hit), _place(hit.location)) if part]
    lines = [f"{position}. {hit.name}" + (f" — {', '.join(header)}" if header else "")]
    quotes = [phrases["quote"].format(line) for line in map(_quotable, hit.snippets[:MAX_QUOTES]) if line]
    why = [*facts, *quotes]
    if why:
        lines.append(f"   {phrases['why']} {'; '.join(why)}")
    lines.append(f"   {phrases['cv']} {hit.cv_url}")
    return "\n".join(lines)


def _quotable(snippet: str) -> str:
    """An evidence line as the CV writes it, but without contact details (e-mail addresses, phone numbers)."""
    line = snippet.strip().removeprefix("•").strip()
    if not _CONTACT.search(line):
        return line
    return " · ".join(part for part in _SEPARATOR.split(line) if part and not _CONTACT.search(part))


def _title(hit: CvSummary) -> str | None:
    if hit.title and hit.seniority and fold(hit.seniority) not in fold(hit.title):
        return f"{hit.title} ({hit.seniority})"
    return hit.title or hit.seniority


def _place(location: Location | None) -> str | None:
    if location is None:
        return None
    return ", ".join(part for part in (location.city, location.country) if part) or None


def _evidence(hit: CvSummary) -> set[str]:
    """Every (folded, lightly stemmed) word the search showed of this CV: evidence lines and profile fields."""
    texts: Iterable[str] = [
        *hit.snippets,
        hit.title or "",
        *hit.skills,
        *hit.certifications,
        *hit.companies,
        *hit.institutions,
    ]
    return {light_stem(token) for text in texts for token in raw_tokens(text)}


def _shows(evidence: set[str], name: str) -> bool:
    words = phrase(name)
    return bool(words) and all(light_stem(word) in evidence for word in words)


def _judge(hit: CvSummary, question: _Question, lang: str) -> list[str] | None:
    """The facts that make a CV match the question, or None when it does not (a constraint unmet or unknown)."""
    parsed, vocabulary, phrases = question.parsed, question.vocabulary, _PHRASES[lang]
    evidence = _evidence(hit)
    facts: list[str] = []
    spoken = {language.code: language for language in hit.languages}
    for need in parsed.languages:
        have = spoken.get(need.code)
        if have is None or (
            need.min_level is not None and (have.level is None or have.level.rank < need.min_level.rank)
        ):
            return None
        facts.append(_speaks(need.code, have.level, lang))
    if parsed.min_languages:
        if len(spoken) < parsed.min_languages:
            return None
        names = ", ".join(_LANGUAGE_NAMES[lang].get(code, code) for code in spoken)
        facts.append(phrases["languages_count"].format(n=len(spoken), names=names))
    if parsed.cities or parsed.countries:
        location = hit.location or Location()
        city = vocabulary.canonical_city(location.city)
        country = vocabulary.canonical_country(location.country) or vocabulary.city_country.get(city or "")
        if not ((city and city in parsed.cities) or (country and country in parsed.countries)):
            return None
        facts.append(phrases["place"].format(place=_place(location)))
    if parsed.degree is not None:
        if hit.highest_degree is None or hit.highest_degree.rank < parsed.degree.rank:
            return None
        facts.append(phrases["degree"].format(degree=_DEGREE_NAMES[lang][hit.highest_degree.value]))
    if parsed.seniorities:
        if hit.seniority not in parsed.seniorities:
            return None
        facts.append(phrases["seniority"].format(value=hit.seniority))
    if parsed.roles:
        if role_of_title(hit.title, vocabulary) not in parsed.roles:
            return None
        facts.append(phrases["role"].format(title=hit.title))
    if parsed.years is not None:
        if hit.years_experience is None or not parsed.years.contains(hit.years_experience):
            return None
        facts.append(_years(hit.years_experience, lang))
    for key, wanted, known in (
        ("skills", parsed.skills, hit.skills),
        ("certifications", parsed.certifications, hit.certifications),
        ("companies", parsed.companies, hit.companies),
        ("institutions", parsed.institutions, hit.institutions),
    ):
        if not wanted:
            continue
        listed = {fold(value): value for value in known}
        shown: list[str] = []
        for value in wanted:
            spellings = cert_phrases(value) if key == "certifications" else [phrase(value)]
            if fold(value) in listed:
                shown.append(listed[fold(value)])
            elif any(_shows(evidence, " ".join(words)) for words in spellings):
                shown.append(value)
            else:
                return None
        facts.append(phrases[key].format(items=", ".join(shown)))
    if question.free_terms:
        if any(term not in evidence for term in question.free_terms):
            return None
    elif not question.has_constraints:
        return None  # the question asks for nothing this provider can check
    return facts


def _rank(level: LanguageLevel | None) -> int:
    return 0 if level is None else level.rank


def _speaks(code: str, level: LanguageLevel | None, lang: str) -> str:
    language = _LANGUAGE_NAMES[lang].get(code, code)
    if level is None:
        return _PHRASES[lang]["speaks_any"].format(language=language)
    return _PHRASES[lang]["speaks"].format(language=language, level=_LEVEL_NAMES[lang][level.value])


def _language_item(code: str, level: LanguageLevel | None, lang: str) -> str:
    language = _LANGUAGE_NAMES[lang].get(code, code)
    return language if level is None else f"{language} ({_LEVEL_NAMES[lang][level.value]})"


def _years(years: float, lang: str) -> str:
    phrases = _PHRASES[lang]
    whole = math.floor(years + 1e-9)
    if whole < 1:
        return phrases["years_less"]
    return phrases["years_one"] if whole == 1 else phrases["years"].format(n=whole)


# --- answers about one CV ------------------------------------------------------------------------------------------
def _cv_answer(read: GetCvOutput, lang: str) -> str:
    phrases = _PHRASES[lang]
    cv = read.cv
    if not read.found or cv is None:
        return phrases["cv_missing"].format(cv_id=read.cv_id)
    facts: list[str] = []
    if cv.languages:
        items = ", ".join(_language_item(s.code, s.level, lang) for s in cv.languages)
        facts.append(phrases["languages"].format(items=items))
    if cv.years_experience is not None:
        facts.append(_years(cv.years_experience, lang))
    if cv.highest_degree is not None:
        facts.append(phrases["degree"].format(degree=_DEGREE_NAMES[lang][cv.highest_degree.value]))
    for key, values in (
        ("skills", cv.skills),
        ("certifications", cv.certifications),
        ("companies", cv.companies),
        ("institutions", cv.institutions),
    ):
        if values:
            facts.append(phrases[key].format(items=", ".join(values[:MAX_LISTED])))
    header = [part for part in (_title(cv), _place(cv.location)) if part]
    lines = [phrases["cv_intro"].format(name=cv.name)]
    if header:
        lines.append(", ".join(header))
    lines.extend(f"- {fact}" for fact in facts)
    lines.append(f"{phrases['cv']} {cv.cv_url}")
    return "\n".join(lines)
