"""Recruiter questions (en, es, de, fr) parsed into structured constraints plus the free text left for ranking."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import msgspec

from cvchat.domain.cvs import CvProfile, DegreeLevel, LanguageLevel
from cvchat.infrastructure.cvs.tokenize import content_terms, fold, raw_tokens, word_list

# --- static vocabularies ---------------------------------------------------------------------------------------
# Names of spoken languages, written in the four query languages (folded by the matcher), and the "-phone" words.
LANGUAGE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "en": ("English", "inglés", "inglesa", "Englisch", "anglais", "anglaise", "anglophone", "englischsprachig"),
    "es": ("Spanish", "Castilian", "español", "española", "castellano", "Spanisch", "espagnol", "espagnole",
           "hispanophone", "hispanohablante", "spanischsprachig"),
    "de": ("German", "alemán", "alemana", "Deutsch", "allemand", "allemande", "germanophone", "deutschsprachig"),
    "fr": ("French", "francés", "francesa", "Französisch", "français", "française", "francophone",
           "französischsprachig"),
    "it": ("Italian", "italiano", "italiana", "Italienisch", "italien", "italienne"),
    "pt": ("Portuguese", "portugués", "portuguesa", "Portugiesisch", "portugais", "portugaise"),
    "nl": ("Dutch", "neerlandés", "holandés", "Niederländisch", "Holländisch", "néerlandais"),
    "pl": ("Polish", "polaco", "polaca", "Polnisch", "polonais", "polonaise"),
    "ca": ("Catalan", "catalán", "catalana", "Katalanisch", "catalan"),
}  # fmt: skip

LEVEL_WORDS: Final[dict[LanguageLevel, tuple[str, ...]]] = {
    LanguageLevel.NATIVE: (
        "native", "natively", "native speaker", "native speakers", "mother tongue", "first language", "bilingual",
        "nativo", "nativa", "nativos", "nativas", "lengua materna", "idioma materno", "bilingüe",
        "Muttersprache", "Muttersprachler", "Muttersprachlerin", "muttersprachlich", "Erstsprache", "zweisprachig",
        "langue maternelle", "natif", "native", "bilingue",
    ),
    LanguageLevel.FLUENT: (
        "fluent", "fluently", "fluency", "C1", "C2", "fluido", "fluida", "con fluidez", "fluidez", "fließend",
        "fliessend", "courant", "couramment", "parle couramment",
    ),
    LanguageLevel.PROFESSIONAL: (
        "professional", "professional working proficiency", "business", "B2", "profesional", "verhandlungssicher",
        "professionnel", "professionnelle",
    ),
    LanguageLevel.BASIC: ("basic", "A2", "B1", "básico", "básica", "Grundkenntnisse", "notions"),
}  # fmt: skip

COUNTRY_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "Germany": ("Germany", "Alemania", "Deutschland", "Allemagne"),
    "Spain": ("Spain", "España", "Spanien", "Espagne"),
    "France": ("France", "Francia", "Frankreich"),
    "United Kingdom": ("United Kingdom", "UK", "U.K.", "Great Britain", "Britain", "England", "Reino Unido",
                       "Inglaterra", "Vereinigtes Königreich", "Großbritannien", "England", "Royaume-Uni",
                       "Angleterre", "Grande-Bretagne"),
    "Switzerland": ("Switzerland", "Suiza", "Schweiz", "Suisse"),
    "Netherlands": ("Netherlands", "Holland", "Países Bajos", "Holanda", "Niederlande", "Pays-Bas"),
    "Portugal": ("Portugal",),
    "Austria": ("Austria", "Österreich", "Autriche"),
    "Ireland": ("Ireland", "Irlanda", "Irland", "Irlande"),
    "Belgium": ("Belgium", "Bélgica", "Belgien", "Belgique"),
    "Italy": ("Italy", "Italia", "Italien", "Italie"),
    "Poland": ("Poland", "Polonia", "Polen", "Pologne"),
    "United States": ("United States", "USA", "U.S.", "Estados Unidos", "Vereinigte Staaten", "États-Unis"),
}  # fmt: skip

# City -> (country, other spellings). Cities found in the corpus' profiles are added at run time.
CITY_WORDS: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "Berlin": ("Germany", ("Berlín",)),
    "Munich": ("Germany", ("Múnich", "München", "Munchen")),
    "Hamburg": ("Germany", ("Hamburgo", "Hambourg")),
    "Cologne": ("Germany", ("Colonia", "Köln")),
    "Frankfurt": ("Germany", ("Fráncfort", "Frankfurt am Main", "Francfort")),
    "Stuttgart": ("Germany", ()),
    "Düsseldorf": ("Germany", ()),
    "Leipzig": ("Germany", ()),
    "Madrid": ("Spain", ()),
    "Barcelona": ("Spain", ("Barcelone",)),
    "Valencia": ("Spain", ("Valence",)),
    "Seville": ("Spain", ("Sevilla", "Séville")),
    "Bilbao": ("Spain", ()),
    "Malaga": ("Spain", ("Málaga",)),
    "Zaragoza": ("Spain", ("Saragosse",)),
    "Paris": ("France", ("París",)),
    "Lyon": ("France", ("Lyons",)),
    "Toulouse": ("France", ()),
    "Nantes": ("France", ()),
    "Bordeaux": ("France", ("Burdeos",)),
    "Lille": ("France", ()),
    "Marseille": ("France", ("Marsella", "Marseilles")),
    "London": ("United Kingdom", ("Londres",)),
    "Manchester": ("United Kingdom", ()),
    "Edinburgh": ("United Kingdom", ("Edimburgo", "Édimbourg")),
    "Cambridge": ("United Kingdom", ()),
    "Bristol": ("United Kingdom", ()),
    "Zurich": ("Switzerland", ("Zúrich", "Zürich")),
    "Geneva": ("Switzerland", ("Ginebra", "Genf", "Genève")),
    "Basel": ("Switzerland", ("Basilea", "Bâle")),
    "Lausanne": ("Switzerland", ()),
    "Amsterdam": ("Netherlands", ("Ámsterdam",)),
    "Rotterdam": ("Netherlands", ("Róterdam",)),
    "Eindhoven": ("Netherlands", ()),
    "Utrecht": ("Netherlands", ()),
    "Lisbon": ("Portugal", ("Lisboa", "Lissabon", "Lisbonne")),
    "Porto": ("Portugal", ("Oporto",)),
    "Vienna": ("Austria", ("Viena", "Wien", "Vienne")),
    "Graz": ("Austria", ()),
    "Dublin": ("Ireland", ("Dublín",)),
    "Cork": ("Ireland", ()),
    "Brussels": ("Belgium", ("Bruselas", "Brüssel", "Bruxelles")),
    "Ghent": ("Belgium", ("Gante", "Gent", "Gand")),
    "Antwerp": ("Belgium", ("Amberes", "Antwerpen", "Anvers")),
    "Milan": ("Italy", ("Milán", "Mailand", "Milano")),
    "Rome": ("Italy", ("Roma", "Rom")),
    "Turin": ("Italy", ("Turín", "Torino")),
    "Warsaw": ("Poland", ("Varsovia", "Warschau", "Varsovie", "Warszawa")),
    "Krakow": ("Poland", ("Cracovia", "Krakau", "Cracovie", "Kraków")),
}

DEGREE_WORDS: Final[dict[DegreeLevel, tuple[str, ...]]] = {
    DegreeLevel.PHD: (
        "PhD", "Ph.D.", "PhDs", "doctorate", "doctoral", "doctoral degree", "doctorado", "doctora", "doctor",
        "doctores", "Promotion", "promoviert", "promovierte", "Doktor", "Doktorat", "Doktortitel", "Doktorgrad",
        "doctorat", "docteur", "docteurs",
    ),
    DegreeLevel.MASTER: (
        "master", "masters", "master's", "master degree", "masters degree", "MSc", "MEng", "MBA", "máster",
        "maestría", "Diplom", "Diplom-Ingenieur", "Masterabschluss", "mastère", "diplôme d'ingénieur",
    ),
    DegreeLevel.BACHELOR: (
        "bachelor", "bachelors", "bachelor's", "BSc", "BEng", "university degree", "college degree", "degree",
        "grado", "licenciatura", "licenciado", "licenciada", "título universitario", "titulación universitaria",
        "Bachelorabschluss", "Hochschulabschluss", "Studium", "licence", "diplôme universitaire",
    ),
    DegreeLevel.VOCATIONAL: (
        "vocational", "vocational training", "bootcamp", "HND", "técnico superior", "formación profesional",
        "ciclo formativo", "FP", "Fachinformatiker", "Fachinformatikerin", "Berufsausbildung", "BTS", "DUT",
    ),
}  # fmt: skip

SENIORITY_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "graduate": ("graduate", "graduates", "new grad", "entry level", "entry-level", "trainee", "intern",
                 "recién titulado", "recién titulada", "recién graduado", "becario", "Berufseinsteiger",
                 "Berufseinsteigerin", "Absolvent", "Absolventin", "Absolventen", "débutant", "débutante",
                 "débutants", "jeune diplômé", "jeune diplômée"),
    "junior": ("junior", "juniors", "jr"),
    "mid": ("mid", "mid-level", "mid level", "intermediate", "semi-senior", "semi senior", "confirmé", "confirmée",
            "confirmés", "confirmées"),
    "senior": ("senior", "seniors", "sr"),
    "staff": ("staff",),
    "principal": ("principal", "principals", "principale"),
}  # fmt: skip

# Role families by the words of a job title (used on both the question and the profile's title).
ROLE_WORDS: Final[dict[str, tuple[str, ...]]] = {
    "backend": ("backend", "back-end", "back end", "backend engineer", "backend developer", "software engineer",
                "softwareentwickler", "softwareentwicklerin", "ingeniero de software", "ingeniera de software",
                "ingénieur logiciel", "ingénieure logiciel", "desarrollador backend", "desarrolladora backend"),
    "frontend": ("frontend", "front-end", "front end", "web developer", "webentwickler", "webentwicklerin"),
    "fullstack": ("full stack", "full-stack", "fullstack"),
    "mobile": ("mobile", "mobile engineer", "mobile developer", "app developer", "ios developer",
               "android developer", "móvil", "desarrollador de apps", "desarrolladora de apps", "app-entwickler",
               "app-entwicklerin", "mobile-entwickler", "mobile-entwicklerin"),
    "devops": ("devops", "site reliability engineer", "sre", "platform engineer", "cloud engineer",
               "ingeniero de plataforma", "ingeniera de plataforma", "ingeniero cloud", "ingeniera cloud",
               "ingénieur cloud", "ingénieure cloud", "ingénieur sre", "ingénieure sre"),
    "data_science": ("data scientist", "data scientists", "data science", "machine learning engineer",
                     "ml engineer", "científico de datos", "científica de datos", "científicos de datos",
                     "ingeniero de machine learning", "ingeniera de machine learning",
                     "ingénieur machine learning", "ingénieure machine learning"),
    "data_engineering": ("data engineer", "data engineers", "analytics engineer", "ingeniero de datos",
                         "ingeniera de datos", "ingenieros de datos", "dateningenieur", "dateningenieurin",
                         "ingénieur data", "ingénieure data", "ingénieurs data"),
    "product": ("product manager", "product managers", "product owner", "product owners", "responsable de producto",
                "produktmanager", "produktmanagerin", "chef de produit", "cheffe de produit", "chefs de produit"),
    "design": ("product designer", "product designers", "ux designer", "ui/ux designer", "ux/ui", "ui/ux",
               "diseñador de producto", "diseñadora de producto", "diseñador ux/ui", "diseñadora ux/ui",
               "ux-designer", "ux-designerin", "product designerin", "designer ux/ui", "diseñador", "diseñadora",
               "designer", "designers"),
    "security": ("security engineer", "security engineers", "penetration tester", "pentester", "pentesters",
                 "cloud security engineer", "ingeniero de ciberseguridad", "ingeniera de ciberseguridad",
                 "analista de seguridad", "it-security-engineer", "security analyst", "penetrationstester",
                 "penetrationstesterin", "ingénieur cybersécurité", "ingénieure cybersécurité", "pentesteur",
                 "pentesteuse", "analyste sécurité", "ciberseguridad", "cybersécurité", "cybersecurity"),
}  # fmt: skip

# Canonical skill -> other spellings. Skills in the corpus' profiles are added at run time.
SKILL_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "Kubernetes": ("k8s",),
    "PostgreSQL": ("Postgres",),
    "JavaScript": ("JS",),
    "TypeScript": ("TS",),
    "Google Cloud Platform": ("GCP", "Google Cloud"),
    "AWS": ("Amazon Web Services",),
    "Microsoft Azure": ("Azure",),
    "Machine Learning": ("ML",),
    "Deep Learning": ("DL",),
    "Natural Language Processing": ("NLP",),
    "Go": ("Golang",),
    "Node.js": ("NodeJS", "Node"),
    "React": ("React.js", "ReactJS"),
    "Vue.js": ("Vue", "VueJS"),
    "Next.js": ("NextJS",),
    "scikit-learn": ("sklearn", "scikit"),
    ".NET": ("dotnet",),
    "Elasticsearch": ("Elastic",),
    "MongoDB": ("Mongo",),
    "Ruby on Rails": ("Rails", "RoR"),
    "Jetpack Compose": ("Compose",),
    "Hugging Face Transformers": ("HF Transformers", "Hugging Face"),
    "Site Reliability Engineering": ("SRE",),
    "Infrastructure as Code": ("IaC",),
    "Identity and Access Management": ("IAM",),
    "Penetration Testing": ("Pentesting",),
    "Kafka": ("Apache Kafka",),
    "Spark": ("Apache Spark", "PySpark"),
    "Airflow": ("Apache Airflow",),
    "Tailwind CSS": ("Tailwind",),
    "Argo CD": ("ArgoCD",),
    "Threat Modeling": ("Threat Modelling",),
    "CI/CD": ("CI/CD pipelines",),
    "Python": (),
    "Java": (),
    "C++": (),
    "C#": (),
    "C": (),
    "R": (),
    "Rust": (),
    "Scala": (),
    "Kotlin": (),
    "Swift": (),
    "PHP": (),
    "Ruby": (),
    "SQL": (),
    "Docker": (),
    "Terraform": (),
    "Linux": (),
    "Django": (),
    "Spring Boot": ("Spring",),
    "Scrum": ("Scrum Master",),
    "Angular": (),
    "TensorFlow": (),
    "PyTorch": (),
}

CERT_TRIGGERS: Final = frozenset(
    fold(w)
    for w in word_list(
        "certified certification certifications certificate certificates certificación certificaciones "
        "certificado certificada certificados certificadas Zertifikat Zertifikate zertifiziert zertifizierte "
        "zertifizierter Zertifizierung Zertifizierungen certifié certifiée certifiés certifiées"
    )
)
_CERT_FILLER: Final = frozenset(
    word_list("certified certification certificate professional associate specialty expert foundation")
)
_LEGAL_FORMS: Final = frozenset(
    word_list("gmbh ag se kg co sl sa sas ltd plc bv nv lda srl spa sp dac inc llc gruppe grupo groupe")
)

_NUMBER_WORDS: Final[dict[str, int]] = {
    **dict.fromkeys(("one", "a", "un", "una", "uno", "ein", "eine", "einem", "einen", "une"), 1),
    **dict.fromkeys(("two", "dos", "zwei", "deux"), 2),
    **dict.fromkeys(("three", "tres", "drei", "trois"), 3),
    **dict.fromkeys(("four", "cuatro", "vier", "quatre"), 4),
    **dict.fromkeys(("five", "cinco", "funf", "cinq"), 5),
    **dict.fromkeys(("six", "seis", "sechs"), 6),
    **dict.fromkeys(("seven", "siete", "sieben", "sept"), 7),
    **dict.fromkeys(("eight", "ocho", "acht", "huit"), 8),
    **dict.fromkeys(("nine", "nueve", "neun", "neuf"), 9),
    **dict.fromkeys(("ten", "diez", "zehn", "dix"), 10),
    **dict.fromkeys(("twelve", "doce", "zwolf", "douze"), 12),
    **dict.fromkeys(("fifteen", "quince", "funfzehn", "quinze"), 15),
    **dict.fromkeys(("twenty", "veinte", "zwanzig", "vingt"), 20),
}
_SPELLED: Final = sorted((w for w in _NUMBER_WORDS if len(w) > 2), key=len, reverse=True)
_N: Final = r"(\d+(?:[.,]\d+)?|" + "|".join(_SPELLED) + ")"
_YW: Final = r"(?:years?|yrs?|anos?|jahren?|jahr|j\.|ans|an|annees?)(?![a-z])"
_YEARS_PATTERNS: Final[tuple[tuple[str, re.Pattern[str]], ...]] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("range", rf"(?:between|entre|zwischen|von|from|de)\s+{_N}\s+(?:and|y|und|et|bis|to|a|à)\s+{_N}\s*\+?\s*{_YW}"),
        ("range", rf"{_N}\s*(?:-|\u2013|to|a|bis)\s*{_N}\s*{_YW}"),
        ("min", rf"(?:at least|minimum(?: of)?|min\.?|no less than|not less than|al menos|como minimo|minimo|"
                rf"por lo menos|mindestens|wenigstens|minimal|au moins|au minimum)\s+(?:de\s+)?{_N}\s*\+?\s*{_YW}"),
        ("gt", rf"(?:more than|over|above|upwards of|in excess of|mas de|sobre|uber|mehr als|plus de|au-dela de|"
               rf"au dela de|superieure? a)\s+{_N}\s*{_YW}"),
        ("lt", rf"(?:less than|under|fewer than|below|menos de|weniger als|unter|moins de|inferieure? a)"
               rf"\s+{_N}\s*{_YW}"),
        ("max", rf"(?:at most|up to|no more than|not more than|maximum(?: of)?|max\.?|como maximo|hasta|maximo|"
                rf"hochstens|bis zu|maximal|au plus|au maximum|jusqu'a|jusqu a)\s+(?:de\s+)?{_N}\s*{_YW}"),
        ("min", rf"{_N}\s*\+\s*{_YW}"),
        ("min", rf"{_N}\s*{_YW}\s*(?:or more|or longer|plus|o mas|oder mehr|ou plus|\+|minimum|mindestens|"
                rf"como minimo|au moins|y mas)"),
        ("min", rf"{_N}\s*{_YW}"),
    )
)  # fmt: skip
_MIN_LANGUAGES_RE: Final = re.compile(
    rf"(?:(?:at least|al menos|mindestens|au moins)\s+)?{_N}\s*\+?\s*(?:or more\s+|o mas\s+|oder mehr\s+)?"
    r"(?:languages|idiomas|lenguas|sprachen|langues)"
)
_POLYGLOT: Final = frozenset(("trilingual", "multilingual", "trilingue", "multilingue", "mehrsprachig", "polyglot"))


# --- parsed query ------------------------------------------------------------------------------------------------
class LanguageNeed(msgspec.Struct, frozen=True, kw_only=True):
    """A spoken language the candidate must have, at `min_level` or better (None: any level)."""

    code: str
    min_level: LanguageLevel | None = None


class YearsRange(msgspec.Struct, frozen=True, kw_only=True):
    """Years of experience; a strict bound excludes its value (more than 5 -> low=5, low_strict)."""

    low: float | None = None
    high: float | None = None
    low_strict: bool = False
    high_strict: bool = False

    def contains(self, years: float) -> bool:
        if self.low is not None and (years <= self.low if self.low_strict else years < self.low):
            return False
        return not (self.high is not None and (years >= self.high if self.high_strict else years > self.high))


class ParsedQuery(msgspec.Struct, frozen=True, kw_only=True):
    """What a question asks for: hard facts for the structured leg, `terms` for the lexical leg."""

    text: str
    terms: list[str] = []
    """Content tokens for BM25: skills, roles, companies and free words; not places, languages, degrees."""
    snippet_terms: list[str] = []
    """`terms` plus the spellings, in every CV language, of the facts asked for (alemán -> german, deutsch …)."""
    languages: list[LanguageNeed] = []
    min_languages: int | None = None
    cities: list[str] = []
    countries: list[str] = []
    degree: DegreeLevel | None = None
    """Minimum degree (a PhD satisfies "master")."""
    certifications: list[str] = []
    companies: list[str] = []
    institutions: list[str] = []
    skills: list[str] = []
    seniorities: list[str] = []
    roles: list[str] = []
    years: YearsRange | None = None

    @property
    def has_constraints(self) -> bool:
        return bool(
            self.languages
            or self.min_languages
            or self.cities
            or self.countries
            or self.degree
            or self.certifications
            or self.companies
            or self.institutions
            or self.skills
            or self.seniorities
            or self.roles
            or self.years
        )


# --- the phrase vocabulary ---------------------------------------------------------------------------------------
_Phrase = tuple[str, ...]
_Entry = tuple[str, str]  # (kind, canonical value)
_DROPPED_FROM_TERMS: Final = frozenset({"lang", "level", "city", "country", "degree"})


def phrase(text: str) -> _Phrase:
    """The folded token sequence the matcher compares (`München` -> ("munchen",))."""
    return tuple(raw_tokens(text))


def cert_phrases(name: str) -> list[_Phrase]:
    """The phrases that always name a certificate: its full name, without the abbreviation, and the abbreviation."""
    return _cert_aliases(name)[0]


def _cert_aliases(name: str) -> tuple[list[_Phrase], list[_Phrase]]:
    """A certification's always-matching phrases (full name, abbreviation) and the short forms that need a trigger."""
    exact = [phrase(name)]
    weak: list[_Phrase] = []
    match = re.search(r"\(([^()]+)\)\s*$", name)
    base = name[: match.start()].strip() if match else name
    if match:
        exact.append(phrase(base))
        abbreviation = phrase(match.group(1))
        if content_terms(abbreviation) == list(abbreviation[:1]) or len(abbreviation) > 1:
            exact.append(abbreviation)
    short = tuple(t for t in phrase(base) if t not in _CERT_FILLER)
    if len(short) >= 2:
        weak.append(short)
    return exact, weak


def _company_aliases(name: str) -> list[_Phrase]:
    full = phrase(name)
    bare = tuple(t for t in full if t not in _LEGAL_FORMS)
    return [full, bare] if bare and bare != full and (len(bare) > 1 or len(bare[0]) > 3) else [full]


class Vocabulary:
    """Phrases the parser recognises: static tables plus the skills, certificates, companies, institutions and
    cities of the profiles in the index (so a skill unknown to the tables is still matched once a CV has it)."""

    def __init__(self) -> None:
        self._phrases: dict[_Phrase, list[_Entry]] = {}
        self._weak: dict[_Phrase, list[_Entry]] = {}  # certificate short forms: only next to "certified" & co.
        self._max_len = 1
        self.city_country: dict[str, str] = {}
        self._city_canon: dict[str, str] = {}
        self._country_canon: dict[str, str] = {}
        self.spellings: dict[tuple[str, str], set[str]] = {}
        """(kind, canonical) -> folded tokens of every spelling, for snippets in any CV language."""
        self._load_static()

    def _add(self, words: Iterable[str] | _Phrase, kind: str, value: str, *, weak: bool = False) -> None:
        key = words if isinstance(words, tuple) else tuple(words)
        if not key:
            return
        table = self._weak if weak else self._phrases
        entries = table.setdefault(key, [])
        if (kind, value) not in entries:
            entries.append((kind, value))
        self._max_len = max(self._max_len, len(key))
        self.spellings.setdefault((kind, value), set()).update(key)

    def _load_static(self) -> None:
        for code, names in LANGUAGE_WORDS.items():
            for name in names:
                self._add(phrase(name), "lang", code)
        for level, words in LEVEL_WORDS.items():
            for word in words:
                self._add(phrase(word), "level", level.value)
        for country, names in COUNTRY_WORDS.items():
            self._country_canon[fold(country)] = country
            for name in names:
                self._add(phrase(name), "country", country)
                self._country_canon[fold(name)] = country
        for city, (country, names) in CITY_WORDS.items():
            self.add_city(city, country, names)
        for degree, words in DEGREE_WORDS.items():
            for word in words:
                self._add(phrase(word), "degree", degree.value)
        for seniority, words in SENIORITY_WORDS.items():
            for word in words:
                self._add(phrase(word), "seniority", seniority)
        for role, words in ROLE_WORDS.items():
            for word in words:
                self._add(phrase(word), "role", role)
        for skill, aliases in SKILL_ALIASES.items():
            self.add_skill(skill, aliases)

    # -- additions from profiles ------------------------------------------------------------------------------------
    def add_city(self, city: str, country: str | None, names: Iterable[str] = ()) -> None:
        canonical = self._city_canon.get(fold(city), city)
        if country:
            self.city_country.setdefault(canonical, self.canonical_country(country) or country)
        for name in (city, *names):
            self._city_canon[fold(name)] = canonical
            self._add(phrase(name), "city", canonical)

    def add_skill(self, skill: str, aliases: Iterable[str] = ()) -> None:
        for name in (skill, *aliases):
            words = phrase(name)
            if words and (content_terms(words) or len(words) > 1):
                self._add(words, "skill", skill)

    def add_certification(self, name: str) -> None:
        exact, weak = _cert_aliases(name)
        for words in exact:
            self._add(words, "cert", name)
        for words in weak:
            self._add(words, "cert", name, weak=True)

    def add_company(self, name: str) -> None:
        for words in _company_aliases(name):
            self._add(words, "company", name)

    def add_institution(self, name: str) -> None:
        self._add(phrase(name), "institution", name)

    def add_profile(self, profile: CvProfile) -> None:
        """Learn the names a profile uses; cheap enough to call for every CV added to the index."""
        for skill in profile.skills:
            if (("skill", skill)) not in self.spellings:
                self.add_skill(skill)
        for cert in profile.certifications:
            if ("cert", cert) not in self.spellings:
                self.add_certification(cert)
        for company in profile.companies:
            if ("company", company) not in self.spellings:
                self.add_company(company)
        for institution in profile.institutions:
            if ("institution", institution) not in self.spellings:
                self.add_institution(institution)
        if profile.location.city and fold(profile.location.city) not in self._city_canon:
            self.add_city(profile.location.city, profile.location.country)

    # -- canonical names --------------------------------------------------------------------------------------------
    def canonical_city(self, city: str | None) -> str | None:
        return None if not city else self._city_canon.get(fold(city), city)

    def canonical_country(self, country: str | None) -> str | None:
        return None if not country else self._country_canon.get(fold(country), country)

    # -- matching ---------------------------------------------------------------------------------------------------
    def _lookup(self, key: _Phrase, *, with_weak: bool) -> list[_Entry] | None:
        """Entries for a phrase, also when its last word is a plural (engineers, desarrolladores, chefs)."""
        last = key[-1]
        for form in (last, last[:-1] if last.endswith("s") else "", last[:-2] if last.endswith("es") else ""):
            if not form:
                continue
            candidate = (*key[:-1], form)
            entries = self._phrases.get(candidate) or (self._weak.get(candidate) if with_weak else None)
            if entries:
                return entries
        return None

    def match(self, tokens: list[str], *, with_weak: bool) -> list[tuple[int, int, list[_Entry]]]:
        """Greedy longest-first phrase matches as (start, end, entries); unmatched tokens are skipped."""
        found: list[tuple[int, int, list[_Entry]]] = []
        i = 0
        while i < len(tokens):
            for size in range(min(self._max_len, len(tokens) - i), 0, -1):
                key = tuple(tokens[i : i + size])
                entries = self._lookup(key, with_weak=with_weak)
                if entries:
                    found.append((i, i + size, entries))
                    i += size
                    break
            else:
                i += 1
        return found


def _level_rank(level: LanguageLevel | None) -> int:
    return 0 if level is None else level.rank


def _parse_years(folded: str) -> tuple[YearsRange | None, str]:
    """The first years-of-experience phrase and the text without it."""
    text = folded
    for kind, pattern in _YEARS_PATTERNS:
        match = pattern.search(text)
        if match is None:
            continue
        numbers = [float(_NUMBER_WORDS[g] if g in _NUMBER_WORDS else g.replace(",", ".")) for g in match.groups()]
        rest = text[: match.start()] + " " + text[match.end() :]
        match kind:
            case "range":
                low, high = sorted(numbers)
                return YearsRange(low=low, high=high), rest
            case "min":
                return YearsRange(low=numbers[0]), rest
            case "gt":
                return YearsRange(low=numbers[0], low_strict=True), rest
            case "lt":
                return YearsRange(high=numbers[0], high_strict=True), rest
            case _:
                return YearsRange(high=numbers[0]), rest
    return None, text


def parse_query(text: str, vocabulary: Vocabulary) -> ParsedQuery:
    """Split a recruiter question into constraints and the words left for BM25 and snippets.

    Every constraint comes from a phrase table or a pattern; nothing is guessed. A level word ("fluent",
    "Muttersprache") attaches to the nearest language name within four tokens; a language with no level means any.
    """
    folded = fold(text)
    years, rest = _parse_years(folded)
    min_languages: int | None = None
    if match := _MIN_LANGUAGES_RE.search(rest):
        count = match.group(1)
        min_languages = _NUMBER_WORDS[count] if count in _NUMBER_WORDS else int(float(count.replace(",", ".")))
        rest = rest[: match.start()] + " " + rest[match.end() :]
    tokens = raw_tokens(rest)
    if min_languages is None and any(t in _POLYGLOT for t in tokens):
        min_languages = 3
    with_weak = any(t in CERT_TRIGGERS for t in tokens)
    matches = vocabulary.match(tokens, with_weak=with_weak)

    consumed: set[int] = set()
    languages: list[tuple[int, str]] = []
    levels: list[tuple[int, LanguageLevel]] = []
    found: dict[str, list[str]] = {}
    snippet_terms: list[str] = []
    for start, end, entries in matches:
        kinds = {kind for kind, _ in entries}
        if kinds & _DROPPED_FROM_TERMS:
            consumed.update(range(start, end))
        for kind, value in entries:
            if kind == "lang":
                languages.append((start, value))
            elif kind == "level":
                levels.append((start, LanguageLevel(value)))
            else:
                bucket = found.setdefault(kind, [])
                if value not in bucket:
                    bucket.append(value)
            snippet_terms.extend(sorted(vocabulary.spellings.get((kind, value), ())))

    needs: dict[str, LanguageNeed] = {}
    for _, code in languages:
        needs.setdefault(code, LanguageNeed(code=code))
    for position, level in levels:
        near = [(abs(p - position), code) for p, code in languages if abs(p - position) <= 4]
        if not near:
            continue
        code = min(near)[1]
        if _level_rank(level) > _level_rank(needs[code].min_level):
            needs[code] = LanguageNeed(code=code, min_level=level)

    cities = found.get("city", [])
    countries = [c for c in found.get("country", []) if c not in {vocabulary.city_country.get(x) for x in cities}]
    degrees = [DegreeLevel(d) for d in found.get("degree", [])]
    terms = content_terms(t for i, t in enumerate(tokens) if i not in consumed and t not in CERT_TRIGGERS)
    return ParsedQuery(
        text=text,
        terms=terms,
        snippet_terms=list(dict.fromkeys(content_terms([*terms, *snippet_terms]))),
        languages=list(needs.values()),
        min_languages=min_languages,
        cities=cities,
        countries=countries,
        degree=max(degrees, key=lambda d: d.rank) if degrees else None,
        certifications=found.get("cert", []),
        companies=found.get("company", []),
        institutions=found.get("institution", []),
        skills=found.get("skill", []),
        seniorities=found.get("seniority", []),
        roles=found.get("role", []),
        years=years,
    )


def role_of_title(title: str | None, vocabulary: Vocabulary) -> str | None:
    """The role family a job title names (`Desarrolladora Backend Senior` -> backend), if any."""
    if not title:
        return None
    for _, _, entries in vocabulary.match(raw_tokens(title), with_weak=False):
        for kind, value in entries:
            if kind == "role":
                return value
    return None
