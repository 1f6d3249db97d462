"""Localized words and formats for the four CV languages: headings, dates, levels, language and place names."""

from __future__ import annotations

from typing import Final

from cv_generation.model import Lang, LanguageLevel

# Each section heading has a few variants per language; a CV picks one per section.
HEADINGS: Final[dict[Lang, dict[str, tuple[str, ...]]]] = {
    "en": {
        "summary": ("Profile", "Summary", "About Me", "Professional Summary"),
        "experience": ("Experience", "Work Experience", "Professional Experience"),
        "education": ("Education", "Education and Training"),
        "skills": ("Skills", "Technical Skills", "Core Skills"),
        "languages": ("Languages",),
        "certifications": ("Certifications", "Certificates"),
        "contact": ("Contact", "Contact Details"),
    },
    "es": {
        "summary": ("Perfil", "Perfil profesional", "Resumen", "Sobre mí"),
        "experience": ("Experiencia", "Experiencia profesional", "Experiencia laboral"),
        "education": ("Formación", "Formación académica", "Educación"),
        "skills": ("Habilidades", "Competencias", "Conocimientos técnicos"),
        "languages": ("Idiomas",),
        "certifications": ("Certificaciones", "Certificados"),
        "contact": ("Contacto", "Datos de contacto"),
    },
    "de": {
        "summary": ("Profil", "Kurzprofil", "Über mich"),
        "experience": ("Berufserfahrung", "Beruflicher Werdegang", "Berufliche Stationen"),
        "education": ("Ausbildung", "Studium und Ausbildung", "Bildungsweg"),
        "skills": ("Kenntnisse", "Fähigkeiten", "IT-Kenntnisse", "Fachkenntnisse"),
        "languages": ("Sprachen", "Sprachkenntnisse"),
        "certifications": ("Zertifikate", "Zertifizierungen"),
        "contact": ("Kontakt", "Kontaktdaten"),
    },
    "fr": {
        "summary": ("Profil", "Résumé", "À propos"),
        "experience": ("Expérience professionnelle", "Expériences professionnelles", "Parcours professionnel"),
        "education": ("Formation", "Études", "Formation et diplômes"),
        "skills": ("Compétences", "Compétences techniques"),
        "languages": ("Langues",),
        "certifications": ("Certifications",),
        "contact": ("Contact", "Coordonnées"),
    },
}

SECTIONS: Final[tuple[str, ...]] = ("summary", "experience", "education", "skills", "languages", "certifications")

MONTHS: Final[dict[Lang, tuple[str, ...]]] = {
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
    "es": ("ene.", "feb.", "mar.", "abr.", "may.", "jun.", "jul.", "ago.", "sept.", "oct.", "nov.", "dic."),
    "de": ("Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt.", "Nov.", "Dez."),
    "fr": ("janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."),
}

PRESENT: Final[dict[Lang, str]] = {"en": "Present", "es": "Actualidad", "de": "heute", "fr": "aujourd'hui"}

EN_DASH: Final = "\u2013"  # in Windows-1252, so the core PDF fonts can draw it

LEVELS: Final[dict[Lang, dict[LanguageLevel, str]]] = {
    "en": {"native": "Native", "fluent": "Fluent", "professional": "Professional", "basic": "Basic"},
    "es": {"native": "Nativo", "fluent": "Fluido", "professional": "Profesional", "basic": "Básico"},
    "de": {
        "native": "Muttersprache",
        "fluent": "Fließend",
        "professional": "Verhandlungssicher",
        "basic": "Grundkenntnisse",
    },
    "fr": {"native": "Langue maternelle", "fluent": "Courant", "professional": "Professionnel", "basic": "Notions"},
}

# Levels may be followed by a CEFR grade in the PDF; native speakers get none.
CEFR: Final[dict[LanguageLevel, tuple[str, ...]]] = {
    "native": (),
    "fluent": ("C1", "C2"),
    "professional": ("B2", "C1"),
    "basic": ("A2", "B1"),
}

LANGUAGE_NAMES: Final[dict[Lang, dict[str, str]]] = {
    "en": {
        "en": "English", "es": "Spanish", "de": "German", "fr": "French", "it": "Italian",
        "pt": "Portuguese", "nl": "Dutch", "pl": "Polish", "ca": "Catalan",
    },
    "es": {
        "en": "inglés", "es": "español", "de": "alemán", "fr": "francés", "it": "italiano",
        "pt": "portugués", "nl": "neerlandés", "pl": "polaco", "ca": "catalán",
    },
    "de": {
        "en": "Englisch", "es": "Spanisch", "de": "Deutsch", "fr": "Französisch", "it": "Italienisch",
        "pt": "Portugiesisch", "nl": "Niederländisch", "pl": "Polnisch", "ca": "Katalanisch",
    },
    "fr": {
        "en": "anglais", "es": "espagnol", "de": "allemand", "fr": "français", "it": "italien",
        "pt": "portugais", "nl": "néerlandais", "pl": "polonais", "ca": "catalan",
    },
}  # fmt: skip

COUNTRY_NAMES: Final[dict[str, dict[Lang, str]]] = {
    "Germany": {"en": "Germany", "es": "Alemania", "de": "Deutschland", "fr": "Allemagne"},
    "Spain": {"en": "Spain", "es": "España", "de": "Spanien", "fr": "Espagne"},
    "France": {"en": "France", "es": "Francia", "de": "Frankreich", "fr": "France"},
    "United Kingdom": {
        "en": "United Kingdom",
        "es": "Reino Unido",
        "de": "Vereinigtes Königreich",
        "fr": "Royaume-Uni",
    },
    "Switzerland": {"en": "Switzerland", "es": "Suiza", "de": "Schweiz", "fr": "Suisse"},
    "Netherlands": {"en": "Netherlands", "es": "Países Bajos", "de": "Niederlande", "fr": "Pays-Bas"},
    "Portugal": {"en": "Portugal", "es": "Portugal", "de": "Portugal", "fr": "Portugal"},
    "Austria": {"en": "Austria", "es": "Austria", "de": "Österreich", "fr": "Autriche"},
    "Ireland": {"en": "Ireland", "es": "Irlanda", "de": "Irland", "fr": "Irlande"},
    "Belgium": {"en": "Belgium", "es": "Bélgica", "de": "Belgien", "fr": "Belgique"},
    "Italy": {"en": "Italy", "es": "Italia", "de": "Italien", "fr": "Italie"},
    "Poland": {"en": "Poland", "es": "Polonia", "de": "Polen", "fr": "Pologne"},
}

# Only the cities whose name changes with the language; others are written the same everywhere.
CITY_NAMES: Final[dict[str, dict[Lang, str]]] = {
    "Munich": {"es": "Múnich", "de": "München"},
    "Hamburg": {"es": "Hamburgo", "fr": "Hambourg"},
    "Cologne": {"es": "Colonia", "de": "Köln"},
    "Frankfurt": {"es": "Fráncfort", "de": "Frankfurt am Main", "fr": "Francfort"},
    "Seville": {"es": "Sevilla", "de": "Sevilla", "fr": "Séville"},
    "Malaga": {"es": "Málaga", "de": "Málaga", "fr": "Malaga"},
    "Paris": {"es": "París"},
    "London": {"es": "Londres", "fr": "Londres"},
    "Edinburgh": {"es": "Edimburgo", "fr": "Édimbourg"},
    "Zurich": {"es": "Zúrich", "de": "Zürich"},
    "Geneva": {"es": "Ginebra", "de": "Genf", "fr": "Genève"},
    "Basel": {"es": "Basilea", "fr": "Bâle"},
    "Amsterdam": {"es": "Ámsterdam"},
    "Rotterdam": {"es": "Róterdam"},
    "Lisbon": {"es": "Lisboa", "de": "Lissabon", "fr": "Lisbonne"},
    "Porto": {"es": "Oporto"},
    "Vienna": {"es": "Viena", "de": "Wien", "fr": "Vienne"},
    "Dublin": {"es": "Dublín"},
    "Brussels": {"es": "Bruselas", "de": "Brüssel", "fr": "Bruxelles"},
    "Milan": {"es": "Milán", "de": "Mailand", "fr": "Milan"},
    "Warsaw": {"es": "Varsovia", "de": "Warschau", "fr": "Varsovie"},
}

LIST_AND: Final[dict[Lang, str]] = {"en": "and", "es": "y", "de": "und", "fr": "et"}


def month_year(lang: Lang, ym: str) -> str:
    """`2020-01` as `Jan 2020` / `ene. 2020` / `Jan. 2020` / `janv. 2020`."""
    year, month = ym.split("-")
    return f"{MONTHS[lang][int(month) - 1]} {year}"


def date_range(lang: Lang, start: str, end: str | None) -> str:
    """A job's period joined by an en dash, e.g. `Jan 2020 \u2013 Present` or `janv. 2020 \u2013 aujourd'hui`."""
    last = PRESENT[lang] if end is None else month_year(lang, end)
    return f"{month_year(lang, start)} {EN_DASH} {last}"


def year_range(start: int, end: int) -> str:
    """A degree's period joined by an en dash, e.g. `2014 \u2013 2018`."""
    return f"{start} {EN_DASH} {end}"


def city_name(lang: Lang, city: str) -> str:
    """The city as written in `lang` (canonical English when it has no own name)."""
    return CITY_NAMES.get(city, {}).get(lang, city)


def country_name(lang: Lang, country: str) -> str:
    """The country as written in `lang`."""
    return COUNTRY_NAMES[country][lang]


def language_name(lang: Lang, code: str, *, capitalize: bool = True) -> str:
    """The name of language `code` written in `lang`, e.g. ("es", "de") -> "Alemán"."""
    name = LANGUAGE_NAMES[lang][code]
    return name[:1].upper() + name[1:] if capitalize else name


def join_list(lang: Lang, items: list[str]) -> str:
    """`A, B and C` in the CV's language (Spanish `y` becomes `e` before an i-sound)."""
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    conj = LIST_AND[lang]
    last = items[-1]
    if lang == "es" and last.lower().startswith(("i", "hi")) and not last.lower().startswith(("hie", "hia")):
        conj = "e"
    return f"{', '.join(items[:-1])} {conj} {last}"


def years_phrase(lang: Lang, years: int) -> str:
    """`7 years` / `7 años` / `7 Jahren` / `7 ans` (dative in German, as the templates need)."""
    match lang:
        case "en":
            return f"{years} year" if years == 1 else f"{years} years"
        case "es":
            return f"{years} año" if years == 1 else f"{years} años"
        case "de":
            return f"{years} Jahr" if years == 1 else f"{years} Jahren"
        case _:
            return f"{years} an" if years == 1 else f"{years} ans"


DOCUMENT_TITLE: Final[dict[Lang, str]] = {
    "en": "Curriculum Vitae",
    "es": "Currículum vítae",
    "de": "Lebenslauf",
    "fr": "Curriculum vitae",
}

# Column headers and field labels of the table layout, and the footer.
LABELS: Final[dict[Lang, dict[str, str]]] = {
    "en": {"period": "Period", "position": "Position", "tasks": "Responsibilities", "degree": "Degree",
           "institution": "Institution", "language": "Language", "level": "Level", "name": "Name",
           "email": "Email", "phone": "Phone", "location": "Location", "page": "Page {p} of {n}"},
    "es": {"period": "Periodo", "position": "Puesto", "tasks": "Funciones", "degree": "Titulación",
           "institution": "Centro", "language": "Idioma", "level": "Nivel", "name": "Nombre",
           "email": "Correo electrónico", "phone": "Teléfono", "location": "Ubicación", "page": "Página {p} de {n}"},
    "de": {"period": "Zeitraum", "position": "Position", "tasks": "Aufgaben", "degree": "Abschluss",
           "institution": "Hochschule / Schule", "language": "Sprache", "level": "Niveau", "name": "Name",
           "email": "E-Mail", "phone": "Telefon", "location": "Wohnort", "page": "Seite {p} von {n}"},
    "fr": {"period": "Période", "position": "Poste", "tasks": "Missions", "degree": "Diplôme",
           "institution": "Établissement", "language": "Langue", "level": "Niveau", "name": "Nom",
           "email": "E-mail", "phone": "Téléphone", "location": "Localisation", "page": "Page {p} sur {n}"},
}  # fmt: skip

# Sentences of the narrative layout.
PROSE: Final[dict[Lang, dict[str, str]]] = {
    "en": {
        "job_current": "I currently work as {title} at {company} ({range}).",
        "job_past": "At {company} I worked as {title} ({range}).",
        "tasks": "{tasks}",
        "study": "From {start} to {end} I studied {field} at {institution} ({degree}).",
        "skills": "My main skills are {items}.",
        "languages": "I speak {items}.",
        "certifications": "I hold the following certifications: {items}.",
    },
    "es": {
        "job_current": "Actualmente trabajo como {title} en {company} ({range}).",
        "job_past": "En {company} trabajé como {title} ({range}).",
        "tasks": "Mis principales aportaciones: {tasks}.",
        "study": "De {start} a {end} estudié {field} en {institution} ({degree}).",
        "skills": "Mis principales competencias son {items}.",
        "languages": "Hablo {items}.",
        "certifications": "Cuento con las siguientes certificaciones: {items}.",
    },
    "de": {
        "job_current": "Derzeit arbeite ich als {title} bei {company} ({range}).",
        "job_past": "Bei {company} war ich als {title} tätig ({range}).",
        "tasks": "Zu meinen Aufgaben gehörten: {tasks}.",
        "study": "Von {start} bis {end} habe ich {field} studiert ({degree}, {institution}).",
        "skills": "Zu meinen wichtigsten Kenntnissen gehören {items}.",
        "languages": "Ich spreche {items}.",
        "certifications": "Ich verfüge über folgende Zertifizierungen: {items}.",
    },
    "fr": {
        "job_current": "J'occupe actuellement le poste de {title} chez {company} ({range}).",
        "job_past": "Chez {company}, j'ai occupé le poste de {title} ({range}).",
        "tasks": "Mes principales réalisations : {tasks}.",
        "study": "De {start} à {end}, j'ai suivi la formation « {degree} » ({institution}).",
        "skills": "Mes principales compétences sont {items}.",
        "languages": "Je parle {items}.",
        "certifications": "Je suis titulaire des certifications suivantes : {items}.",
    },
}
