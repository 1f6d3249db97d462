"""The profile extractor's own vocabulary in English, Spanish, German and French: headings, dates, levels, places."""

# ruff: noqa: E501  (tables read better unbroken)

from __future__ import annotations

from typing import Final

from cvchat.domain.cvs import DegreeLevel, LanguageLevel

CV_LANGUAGES: Final[tuple[str, ...]] = ("en", "es", "de", "fr")

# --- section headings ---------------------------------------------------------------------------------------------
# Matched against a whole line, case-folded, without a trailing colon. `other` sections (projects, hobbies, ...)
# are recognised only so that their lines do not leak into the section above them.
SECTION_HEADINGS: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    "en": {
        "summary": ("Profile", "Summary", "About Me", "About", "Professional Summary", "Professional Profile",
                    "Career Summary", "Personal Statement", "Objective", "Career Objective", "Overview"),
        "experience": ("Experience", "Work Experience", "Professional Experience", "Employment", "Employment History",
                       "Work History", "Career History", "Career", "Relevant Experience", "Professional Background"),
        "education": ("Education", "Education and Training", "Education & Training", "Academic Background",
                      "Qualifications", "Academic Qualifications", "Studies", "Training"),
        "skills": ("Skills", "Technical Skills", "Core Skills", "Key Skills", "Skills & Expertise", "Skills and Expertise",
                   "Competencies", "Core Competencies", "Expertise", "Tech Stack", "Technologies", "Tools", "IT Skills"),
        "languages": ("Languages", "Language Skills", "Spoken Languages"),
        "certifications": ("Certifications", "Certificates", "Licenses & Certifications", "Licenses and Certifications",
                           "Certifications and Courses", "Courses and Certifications"),
        "contact": ("Contact", "Contact Details", "Contact Information", "Personal Details", "Personal Information"),
        "other": ("Projects", "Interests", "Hobbies", "References", "Publications", "Awards", "Volunteering",
                  "Volunteer Experience", "Achievements", "Activities"),
    },
    "es": {
        "summary": ("Perfil", "Perfil profesional", "Resumen", "Resumen profesional", "Sobre mí", "Acerca de mí",
                    "Extracto", "Objetivo profesional"),
        "experience": ("Experiencia", "Experiencia profesional", "Experiencia laboral", "Trayectoria profesional",
                       "Historial laboral"),
        "education": ("Formación", "Formación académica", "Educación", "Estudios", "Formación y estudios"),
        "skills": ("Habilidades", "Competencias", "Conocimientos técnicos", "Conocimientos", "Aptitudes",
                   "Competencias técnicas", "Habilidades técnicas", "Tecnologías", "Herramientas"),
        "languages": ("Idiomas", "Lenguas"),
        "certifications": ("Certificaciones", "Certificados", "Cursos y certificaciones"),
        "contact": ("Contacto", "Datos de contacto", "Datos personales", "Información personal"),
        "other": ("Proyectos", "Intereses", "Aficiones", "Referencias", "Publicaciones", "Premios", "Voluntariado"),
    },
    "de": {
        "summary": ("Profil", "Kurzprofil", "Über mich", "Zusammenfassung", "Persönliches Profil", "Berufsprofil"),
        "experience": ("Berufserfahrung", "Beruflicher Werdegang", "Berufliche Stationen", "Berufspraxis",
                       "Erfahrung", "Praxiserfahrung", "Werdegang", "Berufliche Erfahrung"),
        "education": ("Ausbildung", "Studium und Ausbildung", "Bildungsweg", "Bildung", "Studium", "Schulbildung",
                      "Akademischer Werdegang", "Aus- und Weiterbildung"),
        "skills": ("Kenntnisse", "Fähigkeiten", "IT-Kenntnisse", "Fachkenntnisse", "Kompetenzen", "Technische Kenntnisse",
                   "Fähigkeiten und Kenntnisse", "Kenntnisse und Fähigkeiten", "EDV-Kenntnisse", "Skills"),
        "languages": ("Sprachen", "Sprachkenntnisse", "Fremdsprachen"),
        "certifications": ("Zertifikate", "Zertifizierungen", "Weiterbildungen", "Zertifikate und Weiterbildungen"),
        "contact": ("Kontakt", "Kontaktdaten", "Persönliche Daten", "Angaben zur Person"),
        "other": ("Projekte", "Interessen", "Hobbys", "Hobbies", "Referenzen", "Publikationen", "Ehrenamt",
                  "Auszeichnungen"),
    },
    "fr": {
        "summary": ("Profil", "Résumé", "À propos", "A propos", "Profil professionnel", "Présentation", "Objectif"),
        "experience": ("Expérience professionnelle", "Expériences professionnelles", "Parcours professionnel",
                       "Expérience", "Expériences", "Parcours"),
        "education": ("Formation", "Études", "Formation et diplômes", "Formations", "Diplômes", "Cursus",
                      "Parcours académique"),
        "skills": ("Compétences", "Compétences techniques", "Savoir-faire", "Outils", "Technologies",
                   "Compétences clés"),
        "languages": ("Langues", "Langues étrangères", "Compétences linguistiques"),
        "certifications": ("Certifications", "Certificats", "Certifications et formations"),
        "contact": ("Contact", "Coordonnées", "Informations personnelles"),
        "other": ("Projets", "Centres d'intérêt", "Loisirs", "Références", "Publications", "Bénévolat", "Distinctions"),
    },
}  # fmt: skip

# Titles printed above a CV's name; never the name itself.
DOCUMENT_TITLES: Final[frozenset[str]] = frozenset(
    {"curriculum vitae", "curriculum vitæ", "cv", "resume", "currículum vítae", "currículum", "curriculum",
     "lebenslauf", "tabellarischer lebenslauf"}
)  # fmt: skip

# Labels of "label value" rows (the table layout, forms): the value follows the label on the same line.
FIELD_LABELS: Final[dict[str, tuple[str, ...]]] = {
    "name": ("Name", "Nombre", "Nom", "Full name", "Nombre completo", "Nom complet", "Vor- und Nachname"),
    "location": ("Location", "Address", "Ubicación", "Dirección", "Domicilio", "Localidad", "Wohnort", "Adresse",
                 "Anschrift", "Localisation", "Ville", "City", "Ciudad", "Residencia", "Lieu de résidence"),
}  # fmt: skip

# Column headers of CV tables: a line made only of these words is a table's header row, not content.
TABLE_LABELS: Final[frozenset[str]] = frozenset(
    {"period", "dates", "date", "position", "role", "title", "company", "employer", "responsibilities", "tasks",
     "degree", "institution", "school", "university", "language", "level", "periodo", "puesto", "funciones",
     "titulación", "centro", "idioma", "nivel", "empresa", "cargo", "fechas", "zeitraum", "aufgaben", "abschluss",
     "hochschule", "schule", "sprache", "niveau", "arbeitgeber", "unternehmen", "période", "poste", "missions",
     "diplôme", "établissement", "langue", "entreprise", "fonction"}
)  # fmt: skip

# Legal forms that a narrow cell may push onto a line of their own ("Lindenhof GmbH & Co." / "KG").
LEGAL_FORMS: Final[frozenset[str]] = frozenset(
    {"GmbH", "AG", "SE", "KG", "Co. KG", "GmbH & Co. KG", "S.L.", "S.A.", "SAS", "SA", "SARL", "SRL", "NV", "N.V.",
     "B.V.", "BV", "Ltd", "Ltd.", "plc", "PLC", "LLC", "Inc.", "Inc", "DAC", "Lda.", "S.r.l.", "S.p.A.", "Sp. z o.o."}
)  # fmt: skip

# Frequent short words, for telling the CV's own language (the accented forms are the strongest clues).
STOPWORDS: Final[dict[str, frozenset[str]]] = {
    "en": frozenset({"the", "and", "with", "of", "to", "for", "in", "on", "by", "at", "as", "my", "i", "from",
                     "years", "experience", "team", "teams", "built", "led", "worked", "per", "across", "using"}),
    "es": frozenset({"el", "la", "los", "las", "y", "con", "del", "para", "por", "en", "una", "un", "de", "al", "mis",
                     "años", "experiencia", "equipo", "equipos", "desarrollo", "gestión", "también", "más", "sobre"}),
    "de": frozenset({"und", "der", "die", "das", "mit", "von", "für", "im", "in", "ich", "auf", "zu", "bei", "den",
                     "dem", "des", "ein", "eine", "einer", "jahren", "berufserfahrung", "über", "pro", "durch"}),
    "fr": frozenset({"et", "le", "la", "les", "des", "du", "avec", "pour", "une", "un", "de", "en", "à", "au", "aux",
                     "sur", "ans", "expérience", "équipe", "équipes", "mise", "grâce", "chez", "d", "l"}),
}  # fmt: skip

# --- spoken languages ---------------------------------------------------------------------------------------------
# ISO 639-1 code -> the language's name in English, Spanish, German, French and in itself.
LANGUAGE_NAMES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("English", "inglés", "Englisch", "anglais"),
    "es": ("Spanish", "español", "castellano", "Spanisch", "espagnol", "Castilian"),
    "de": ("German", "alemán", "Deutsch", "allemand"),
    "fr": ("French", "francés", "Französisch", "français"),
    "it": ("Italian", "italiano", "Italienisch", "italien"),
    "pt": ("Portuguese", "portugués", "Portugiesisch", "portugais", "português"),
    "nl": ("Dutch", "neerlandés", "holandés", "Niederländisch", "Holländisch", "néerlandais", "Nederlands", "Flemish", "flamenco", "Flämisch", "flamand"),
    "pl": ("Polish", "polaco", "Polnisch", "polonais", "polski"),
    "ca": ("Catalan", "catalán", "Katalanisch", "català"),
    "eu": ("Basque", "euskera", "vasco", "Baskisch", "basque", "euskara"),
    "gl": ("Galician", "gallego", "Galicisch", "galicien", "galego"),
    "ru": ("Russian", "ruso", "Russisch", "russe", "русский"),
    "uk": ("Ukrainian", "ucraniano", "Ukrainisch", "ukrainien"),
    "zh": ("Chinese", "Mandarin", "chino", "mandarín", "Chinesisch", "chinois", "中文"),
    "ja": ("Japanese", "japonés", "Japanisch", "japonais", "日本語"),
    "ko": ("Korean", "coreano", "Koreanisch", "coréen"),
    "ar": ("Arabic", "árabe", "Arabisch", "arabe"),
    "hi": ("Hindi",),
    "tr": ("Turkish", "turco", "Türkisch", "turc", "Türkçe"),
    "sv": ("Swedish", "sueco", "Schwedisch", "suédois", "svenska"),
    "da": ("Danish", "danés", "Dänisch", "danois", "dansk"),
    "no": ("Norwegian", "noruego", "Norwegisch", "norvégien", "norsk"),
    "fi": ("Finnish", "finlandés", "Finnisch", "finnois", "suomi"),
    "el": ("Greek", "griego", "Griechisch", "grec"),
    "cs": ("Czech", "checo", "Tschechisch", "tchèque", "čeština"),
    "ro": ("Romanian", "rumano", "Rumänisch", "roumain", "română"),
    "hu": ("Hungarian", "húngaro", "Ungarisch", "hongrois", "magyar"),
    "he": ("Hebrew", "hebreo", "Hebräisch", "hébreu"),
    "lb": ("Luxembourgish", "luxemburgués", "Luxemburgisch", "luxembourgeois"),
}  # fmt: skip

# Level words, case-folded. Several words map to one level; the first level word after a language name wins.
LEVEL_WORDS: Final[dict[str, LanguageLevel]] = {
    # native
    "native": LanguageLevel.NATIVE, "native speaker": LanguageLevel.NATIVE, "mother tongue": LanguageLevel.NATIVE,
    "first language": LanguageLevel.NATIVE, "bilingual": LanguageLevel.NATIVE, "nativo": LanguageLevel.NATIVE,
    "nativa": LanguageLevel.NATIVE, "lengua materna": LanguageLevel.NATIVE, "idioma materno": LanguageLevel.NATIVE,
    "bilingüe": LanguageLevel.NATIVE, "muttersprache": LanguageLevel.NATIVE, "muttersprachlich": LanguageLevel.NATIVE,
    "muttersprachler": LanguageLevel.NATIVE, "muttersprachlerin": LanguageLevel.NATIVE, "zweisprachig": LanguageLevel.NATIVE,
    "erstsprache": LanguageLevel.NATIVE, "langue maternelle": LanguageLevel.NATIVE, "natif": LanguageLevel.NATIVE,
    "bilingue": LanguageLevel.NATIVE,
    # fluent
    "fluent": LanguageLevel.FLUENT, "fluency": LanguageLevel.FLUENT, "advanced": LanguageLevel.FLUENT,
    "proficient": LanguageLevel.FLUENT, "full professional proficiency": LanguageLevel.FLUENT,
    "business fluent": LanguageLevel.FLUENT, "fluido": LanguageLevel.FLUENT, "fluida": LanguageLevel.FLUENT,
    "avanzado": LanguageLevel.FLUENT, "alto": LanguageLevel.FLUENT, "fließend": LanguageLevel.FLUENT,
    "fliessend": LanguageLevel.FLUENT, "sehr gut": LanguageLevel.FLUENT, "sehr gute kenntnisse": LanguageLevel.FLUENT,
    "fortgeschritten": LanguageLevel.FLUENT, "courant": LanguageLevel.FLUENT, "couramment": LanguageLevel.FLUENT,
    "avancé": LanguageLevel.FLUENT, "courante": LanguageLevel.FLUENT,
    # professional
    "professional": LanguageLevel.PROFESSIONAL, "professional working proficiency": LanguageLevel.PROFESSIONAL,
    "working proficiency": LanguageLevel.PROFESSIONAL, "intermediate": LanguageLevel.PROFESSIONAL,
    "upper intermediate": LanguageLevel.PROFESSIONAL, "good": LanguageLevel.PROFESSIONAL,
    "conversational": LanguageLevel.PROFESSIONAL, "profesional": LanguageLevel.PROFESSIONAL,
    "intermedio": LanguageLevel.PROFESSIONAL, "medio": LanguageLevel.PROFESSIONAL, "intermedio-alto": LanguageLevel.PROFESSIONAL,
    "verhandlungssicher": LanguageLevel.PROFESSIONAL, "gut": LanguageLevel.PROFESSIONAL,
    "gute kenntnisse": LanguageLevel.PROFESSIONAL, "professionnel": LanguageLevel.PROFESSIONAL,
    "professionnelle": LanguageLevel.PROFESSIONAL, "opérationnel": LanguageLevel.PROFESSIONAL,
    "intermédiaire": LanguageLevel.PROFESSIONAL, "bon niveau": LanguageLevel.PROFESSIONAL,
    # basic
    "basic": LanguageLevel.BASIC, "elementary": LanguageLevel.BASIC, "beginner": LanguageLevel.BASIC,
    "limited working proficiency": LanguageLevel.BASIC, "elementary proficiency": LanguageLevel.BASIC,
    "básico": LanguageLevel.BASIC, "básica": LanguageLevel.BASIC, "bajo": LanguageLevel.BASIC,
    "principiante": LanguageLevel.BASIC, "elemental": LanguageLevel.BASIC, "grundkenntnisse": LanguageLevel.BASIC,
    "basiskenntnisse": LanguageLevel.BASIC, "grundlagen": LanguageLevel.BASIC, "anfänger": LanguageLevel.BASIC,
    "notions": LanguageLevel.BASIC, "débutant": LanguageLevel.BASIC, "scolaire": LanguageLevel.BASIC,
    "élémentaire": LanguageLevel.BASIC, "basique": LanguageLevel.BASIC,
}  # fmt: skip

# CEFR grades, used only when no level word is given: C2 and C1 read as fluent, B2 as professional, B1 and below basic.
CEFR_LEVELS: Final[dict[str, LanguageLevel]] = {
    "C2": LanguageLevel.FLUENT, "C1": LanguageLevel.FLUENT, "B2": LanguageLevel.PROFESSIONAL,
    "B1": LanguageLevel.BASIC, "A2": LanguageLevel.BASIC, "A1": LanguageLevel.BASIC,
}  # fmt: skip

# --- dates ----------------------------------------------------------------------------------------------------------
# Month words (case-folded, without a final dot) -> month number; abbreviations and full names in the four languages.
MONTHS: Final[dict[str, int]] = {
    # English
    "january": 1, "jan": 1, "february": 2, "feb": 2, "march": 3, "mar": 3, "april": 4, "apr": 4, "may": 5,
    "june": 6, "jun": 6, "july": 7, "jul": 7, "august": 8, "aug": 8, "september": 9, "sep": 9, "sept": 9,
    "october": 10, "oct": 10, "november": 11, "nov": 11, "december": 12, "dec": 12,
    # Spanish
    "enero": 1, "ene": 1, "febrero": 2, "marzo": 3, "abril": 4, "abr": 4, "mayo": 5, "junio": 6, "julio": 7,
    "agosto": 8, "ago": 8, "septiembre": 9, "setiembre": 9, "set": 9, "octubre": 10, "noviembre": 11,
    "diciembre": 12, "dic": 12,
    # German
    "januar": 1, "jänner": 1, "jän": 1, "februar": 2, "märz": 3, "mär": 3, "mrz": 3, "mai": 5, "juni": 6, "juli": 7,
    "oktober": 10, "okt": 10, "dezember": 12, "dez": 12,
    # French
    "janvier": 1, "janv": 1, "février": 2, "févr": 2, "fév": 2, "fevrier": 2, "mars": 3, "avril": 4, "avr": 4,
    "juin": 6, "juillet": 7, "juil": 7, "août": 8, "aout": 8, "septembre": 9, "octobre": 10, "novembre": 11,
    "décembre": 12, "déc": 12, "decembre": 12,
}  # fmt: skip

# "Until now" words closing an ongoing period (case-folded; both apostrophes).
PRESENT_WORDS: Final[tuple[str, ...]] = (
    "present", "current", "currently", "now", "today", "ongoing", "to date", "till date",
    "actualidad", "la actualidad", "actual", "presente", "hoy", "la fecha", "hoy en día",
    "heute", "bis heute", "jetzt", "aktuell", "derzeit", "laufend", "dato",
    "aujourd'hui", "aujourd\u2019hui", "ce jour", "à ce jour", "actuel", "actuellement", "présent", "en cours", "maintenant",
)  # fmt: skip

# Words opening an ongoing period without an end ("since 2020", "seit 03/2019").
SINCE_WORDS: Final[tuple[str, ...]] = ("since", "desde", "seit", "depuis")

# Words joining a period's two ends besides dashes.
RANGE_WORDS: Final[tuple[str, ...]] = (
    "to",
    "until",
    "till",
    "a",
    "hasta",
    "al",
    "bis",
    "à",
    "au",
    "jusqu'à",
    "jusqu\u2019à",
)

# --- degrees ----------------------------------------------------------------------------------------------------------
# Regular expressions for degree titles; the longest match at a position wins, so "Ciclo Formativo de Grado Superior"
# is vocational although it contains "Grado". Case-sensitive: "MA" and "BA" must not match ordinary words.
DEGREE_PATTERNS: Final[tuple[tuple[str, DegreeLevel], ...]] = (
    # doctorate
    (r"Ph\.?\s?D\.?", DegreeLevel.PHD), (r"PHD", DegreeLevel.PHD), (r"D\.?Phil\.?", DegreeLevel.PHD),
    (r"Doctor of [A-Z]\w+", DegreeLevel.PHD), (r"[Dd]octorate", DegreeLevel.PHD), (r"[Dd]octorado", DegreeLevel.PHD),
    (r"Doctora?(?= en\b|\s*[),]|$)", DegreeLevel.PHD), (r"Doktor(?:at|and(?:in)?)?", DegreeLevel.PHD),
    (r"Promotion(?= \(Dr\.| in\b| zum\b|,)", DegreeLevel.PHD), (r"Dr\.[ -]?(?:rer\.\s?\w+\.|Ing\.|phil\.|sc\.\s?\w+\.|med\.)", DegreeLevel.PHD),
    (r"[Dd]octorat", DegreeLevel.PHD), (r"[Tt]hèse de doctorat", DegreeLevel.PHD), (r"[Tt]esis doctoral", DegreeLevel.PHD),
    # master
    (r"M\.?\s?Sc\.?", DegreeLevel.MASTER), (r"M\.S\.", DegreeLevel.MASTER), (r"Dipl\.-\w+\.", DegreeLevel.MASTER),
    (r"Ingenier[oa] Superior", DegreeLevel.MASTER), (r"[Ii]ngénieur diplômée?", DegreeLevel.MASTER), (r"MEng", DegreeLevel.MASTER), (r"M\.Eng\.", DegreeLevel.MASTER),
    (r"MA", DegreeLevel.MASTER), (r"M\.A\.", DegreeLevel.MASTER), (r"MBA", DegreeLevel.MASTER), (r"MRes", DegreeLevel.MASTER),
    (r"MPhil", DegreeLevel.MASTER), (r"LL\.?M\.?", DegreeLevel.MASTER), (r"[Mm]aster(?:'s|s)?(?: [Dd]egree)?", DegreeLevel.MASTER),
    (r"Master of [A-Z]\w+", DegreeLevel.MASTER), (r"[Mm]áster(?: [Uu]niversitario| [Oo]ficial)?", DegreeLevel.MASTER),
    (r"[Mm]astère(?: [Ss]pécialisé)?", DegreeLevel.MASTER), (r"Diplom(?:-\w+)?(?! ?\(FH\))", DegreeLevel.MASTER),
    (r"Magister", DegreeLevel.MASTER), (r"Staatsexamen", DegreeLevel.MASTER), (r"[Dd]iplôme d['\u2019]ingénieur", DegreeLevel.MASTER),
    (r"DEA", DegreeLevel.MASTER), (r"DESS", DegreeLevel.MASTER),
    # bachelor
    (r"B\.?\s?Sc\.?", DegreeLevel.BACHELOR), (r"B\.S\.", DegreeLevel.BACHELOR), (r"Ingenier[oa] Técnic[oa]", DegreeLevel.BACHELOR), (r"BEng", DegreeLevel.BACHELOR), (r"B\.Eng\.", DegreeLevel.BACHELOR),
    (r"BA", DegreeLevel.BACHELOR), (r"B\.A\.", DegreeLevel.BACHELOR), (r"BBA", DegreeLevel.BACHELOR), (r"BS", DegreeLevel.BACHELOR),
    (r"[Bb]achelor(?:'s|s)?(?: [Dd]egree)?", DegreeLevel.BACHELOR), (r"Bachelor of [A-Z]\w+", DegreeLevel.BACHELOR),
    (r"[Gg]rado(?: [Uu]niversitario)?(?= en\b)", DegreeLevel.BACHELOR), (r"Grado Universitario", DegreeLevel.BACHELOR),
    (r"Grado", DegreeLevel.BACHELOR), (r"[Ll]icenciatura", DegreeLevel.BACHELOR), (r"[Ll]icenciad[oa]", DegreeLevel.BACHELOR),
    (r"Diplom \(FH\)", DegreeLevel.BACHELOR), (r"[Ll]icence(?: [Pp]rofessionnelle)?", DegreeLevel.BACHELOR),
    (r"BUT", DegreeLevel.BACHELOR), (r"Laurea(?: [Tt]riennale)?", DegreeLevel.BACHELOR), (r"Ingeniería Técnica", DegreeLevel.BACHELOR),
    # vocational
    (r"Higher National (?:Diploma|Certificate)", DegreeLevel.VOCATIONAL), (r"HND", DegreeLevel.VOCATIONAL),
    (r"HNC", DegreeLevel.VOCATIONAL), (r"[Bb]ootcamp(?: [Cc]ertificate)?", DegreeLevel.VOCATIONAL), (r"[Aa]pprenticeship", DegreeLevel.VOCATIONAL),
    (r"Técnic[oa] Superior", DegreeLevel.VOCATIONAL), (r"Ciclo Formativo(?: de Grado (?:Superior|Medio))?", DegreeLevel.VOCATIONAL),
    (r"Formación Profesional", DegreeLevel.VOCATIONAL), (r"FP(?: ?I{1,2}| de Grado Superior)?", DegreeLevel.VOCATIONAL),
    (r"CFGS", DegreeLevel.VOCATIONAL), (r"Fachinformatiker(?:in)?", DegreeLevel.VOCATIONAL), (r"Berufsausbildung", DegreeLevel.VOCATIONAL),
    (r"Ausbildung zu[mr]?", DegreeLevel.VOCATIONAL), (r"Ausbildung als", DegreeLevel.VOCATIONAL), (r"IHK-Abschluss", DegreeLevel.VOCATIONAL),
    (r"Staatlich geprüfte[rs]?", DegreeLevel.VOCATIONAL), (r"BTS", DegreeLevel.VOCATIONAL), (r"DUT", DegreeLevel.VOCATIONAL),
    (r"CAP", DegreeLevel.VOCATIONAL), (r"BEP", DegreeLevel.VOCATIONAL), (r"Titre professionnel", DegreeLevel.VOCATIONAL),
)  # fmt: skip

# A name prefix that implies a doctorate.
DOCTOR_PREFIXES: Final[tuple[str, ...]] = ("Dr.", "Dr ", "Dra.", "Prof. Dr.", "Doktor")

# Words that make a phrase a school's name, and well-known names without such a word.
INSTITUTION_KEYWORDS: Final[tuple[str, ...]] = (
    "University", "Universität", "Universidad", "Universitat", "Université", "Universidade", "Università",
    "Universiteit", "Uniwersytet", "Hochschule", "Fachhochschule", "Institut", "Institute", "Instituto", "College",
    "School", "École", "Ecole", "Escuela", "Escola", "Academy", "Akademie", "Academia", "Polytechnique", "Politécnica",
    "Politècnica", "Politecnico", "Politechnika", "Polytechnic", "Technion", "IES", "IHK", "IUT", "Lycée",
    "Gymnasium", "Berufsschule", "Berufskolleg", "Conservatoire", "Campus",
)  # fmt: skip
KNOWN_INSTITUTIONS: Final[tuple[str, ...]] = (
    "ETH Zürich", "ETH Zurich", "EPFL", "INSA Lyon", "INSA Toulouse", "INSA Rennes", "EPITA", "EPITECH", "CentraleSupélec",
    "Télécom Paris", "Télécom SudParis", "Sorbonne Université", "Sciences Po", "HEC Paris", "ESSEC", "ESCP", "Mines ParisTech",
    "KU Leuven", "TU Delft", "TU Eindhoven", "TU München", "TU Berlin", "TU Wien", "TU Graz", "TU Dresden", "TU Darmstadt",
    "TUM", "RWTH Aachen", "KIT", "UCL", "MIT", "Le Wagon", "Ironhack", "Makers Academy", "Northcoders", "Code Institute",
    "42", "OpenClassrooms", "IE Business School", "ESADE", "IESE", "Imperial College London", "King's College London",
    "Trinity College Dublin", "University College Dublin", "University College Cork", "University College London",
    "AGH University of Krakow", "Sapienza Università di Roma", "Karlsruher Institut für Technologie",
)  # fmt: skip
# Words that may precede a keyword inside a school's name ("Technische Universität", "Imperial College").
INSTITUTION_PREFIX_WORDS: Final[frozenset[str]] = frozenset(
    {"Technische", "Technical", "Freie", "Imperial", "Trinity", "King's", "Queen's", "Karlsruher", "Johannes", "Kepler",
     "Eindhoven", "Wroclaw", "AGH", "Sapienza", "Royal", "Catholic", "Katholische", "Pontificia", "Humboldt",
     "Ludwig-Maximilians", "Goethe", "Heinrich-Heine", "Ruhr", "Leibniz", "Otto-Friedrich", "Friedrich-Alexander",
     "Julius-Maximilians", "Albert-Ludwigs", "Georg-August", "Pompeu", "Fabra", "Complutense", "Autónoma",
     "Zürcher", "Berner", "Erasmus", "Radboud", "Vrije", "Tilburg", "Maastricht", "Leiden", "Utrecht", "Aalto",
     "Chalmers", "Bocconi", "Jagiellonian", "Charles", "Masaryk", "Aristotle", "Stanford", "Harvard", "Columbia",
     "Cornell", "Carnegie", "Mellon", "Duke", "Yale", "Princeton", "Brown", "McGill", "Monash"}
)  # fmt: skip

# --- places -------------------------------------------------------------------------------------------------------
# Canonical English country -> names in English, Spanish, German, French and common short forms.
COUNTRIES: Final[dict[str, tuple[str, ...]]] = {
    "Germany": ("Germany", "Alemania", "Deutschland", "Allemagne", "DE"),
    "Spain": ("Spain", "España", "Spanien", "Espagne", "ES"),
    "France": ("France", "Francia", "Frankreich"),
    "United Kingdom": ("United Kingdom", "UK", "U.K.", "Great Britain", "England", "Scotland", "Wales", "Northern Ireland",
                       "Reino Unido", "Inglaterra", "Escocia", "Vereinigtes Königreich", "Großbritannien", "England",
                       "Schottland", "Royaume-Uni", "Angleterre", "Écosse"),
    "Switzerland": ("Switzerland", "Suiza", "Schweiz", "Suisse", "CH"),
    "Netherlands": ("Netherlands", "The Netherlands", "Holland", "Países Bajos", "Holanda", "Niederlande", "Pays-Bas", "Nederland", "NL"),
    "Portugal": ("Portugal",),
    "Austria": ("Austria", "Österreich", "Autriche"),
    "Ireland": ("Ireland", "Irlanda", "Irland", "Irlande"),
    "Belgium": ("Belgium", "Bélgica", "Belgien", "Belgique", "België"),
    "Italy": ("Italy", "Italia", "Italien", "Italie"),
    "Poland": ("Poland", "Polonia", "Polen", "Pologne", "Polska"),
    "Luxembourg": ("Luxembourg", "Luxemburgo", "Luxemburg"),
    "Denmark": ("Denmark", "Dinamarca", "Dänemark", "Danemark"),
    "Sweden": ("Sweden", "Suecia", "Schweden", "Suède"),
    "Norway": ("Norway", "Noruega", "Norwegen", "Norvège"),
    "Finland": ("Finland", "Finlandia", "Finnland", "Finlande"),
    "Czech Republic": ("Czech Republic", "Czechia", "República Checa", "Chequia", "Tschechien", "République tchèque"),
    "Greece": ("Greece", "Grecia", "Griechenland", "Grèce"),
    "Romania": ("Romania", "Rumanía", "Rumänien", "Roumanie"),
    "United States": ("United States", "USA", "U.S.A.", "US", "Estados Unidos", "EE. UU.", "EE.UU.", "Vereinigte Staaten", "États-Unis"),
    "Canada": ("Canada", "Canadá", "Kanada"),
    "Mexico": ("Mexico", "México", "Mexiko", "Mexique"),
    "Argentina": ("Argentina", "Argentinien", "Argentine"),
    "Brazil": ("Brazil", "Brasil", "Brasilien", "Brésil"),
}  # fmt: skip

# Canonical English city -> (country, localized names). Cities written the same everywhere list no extra names.
CITIES: Final[dict[str, tuple[str, tuple[str, ...]]]] = {
    "Berlin": ("Germany", ("Berlín",)), "Munich": ("Germany", ("München", "Múnich", "Munich", "Muenchen")),
    "Hamburg": ("Germany", ("Hamburgo", "Hambourg")), "Cologne": ("Germany", ("Köln", "Colonia", "Koeln")),
    "Frankfurt": ("Germany", ("Frankfurt am Main", "Fráncfort", "Francfort", "Frankfurt a. M.")),
    "Stuttgart": ("Germany", ()), "Düsseldorf": ("Germany", ("Dusseldorf", "Duesseldorf")), "Leipzig": ("Germany", ()),
    "Dresden": ("Germany", ("Dresde",)), "Nuremberg": ("Germany", ("Nürnberg", "Núremberg", "Nuremberg")),
    "Hanover": ("Germany", ("Hannover", "Hanóver")), "Karlsruhe": ("Germany", ()), "Bonn": ("Germany", ()),
    "Madrid": ("Spain", ()), "Barcelona": ("Spain", ("Barcelone",)), "Valencia": ("Spain", ("València",)),
    "Seville": ("Spain", ("Sevilla", "Séville")), "Bilbao": ("Spain", ("Bilbo",)), "Malaga": ("Spain", ("Málaga",)),
    "Zaragoza": ("Spain", ("Saragosse", "Saragossa")), "Granada": ("Spain", ("Grenade",)),
    "Paris": ("France", ("París",)), "Lyon": ("France", ("Lyons",)), "Toulouse": ("France", ()),
    "Nantes": ("France", ()), "Bordeaux": ("France", ("Burdeos",)), "Lille": ("France", ()),
    "Marseille": ("France", ("Marsella", "Marseilles")), "Nice": ("France", ("Niza", "Nizza")),
    "Strasbourg": ("France", ("Straßburg", "Estrasburgo")), "Grenoble": ("France", ()), "Rennes": ("France", ()),
    "Montpellier": ("France", ()),
    "London": ("United Kingdom", ("Londres",)), "Manchester": ("United Kingdom", ()),
    "Edinburgh": ("United Kingdom", ("Edimburgo", "Édimbourg", "Edimburg")), "Cambridge": ("United Kingdom", ()),
    "Bristol": ("United Kingdom", ()), "Oxford": ("United Kingdom", ()), "Glasgow": ("United Kingdom", ()),
    "Birmingham": ("United Kingdom", ()), "Leeds": ("United Kingdom", ()),
    "Zurich": ("Switzerland", ("Zürich", "Zúrich", "Zuerich")), "Geneva": ("Switzerland", ("Genève", "Ginebra", "Genf")),
    "Basel": ("Switzerland", ("Basilea", "Bâle", "Bale")), "Lausanne": ("Switzerland", ()), "Bern": ("Switzerland", ("Berne", "Berna")),
    "Amsterdam": ("Netherlands", ("Ámsterdam",)), "Rotterdam": ("Netherlands", ("Róterdam",)),
    "Eindhoven": ("Netherlands", ()), "Utrecht": ("Netherlands", ()), "The Hague": ("Netherlands", ("Den Haag", "La Haya", "La Haye")),
    "Lisbon": ("Portugal", ("Lisboa", "Lissabon", "Lisbonne")), "Porto": ("Portugal", ("Oporto",)),
    "Vienna": ("Austria", ("Wien", "Viena", "Vienne")), "Graz": ("Austria", ()), "Linz": ("Austria", ()),
    "Salzburg": ("Austria", ("Salzburgo", "Salzbourg")),
    "Dublin": ("Ireland", ("Dublín",)), "Cork": ("Ireland", ()),
    "Brussels": ("Belgium", ("Bruselas", "Brüssel", "Bruxelles", "Brussel")), "Ghent": ("Belgium", ("Gent", "Gante", "Gand")),
    "Antwerp": ("Belgium", ("Antwerpen", "Amberes", "Anvers")), "Liège": ("Belgium", ("Lieja", "Lüttich")),
    "Milan": ("Italy", ("Milano", "Milán", "Mailand")), "Rome": ("Italy", ("Roma", "Rom")), "Turin": ("Italy", ("Torino", "Turín")),
    "Warsaw": ("Poland", ("Warszawa", "Varsovia", "Warschau", "Varsovie")), "Krakow": ("Poland", ("Kraków", "Cracovia", "Krakau", "Cracovie")),
    "Wroclaw": ("Poland", ("Wrocław", "Breslau", "Breslavia")),
    "Luxembourg": ("Luxembourg", ("Luxemburgo", "Luxemburg")),
    "Copenhagen": ("Denmark", ("København", "Copenhague", "Kopenhagen")), "Stockholm": ("Sweden", ("Estocolmo",)),
    "Oslo": ("Norway", ()), "Helsinki": ("Finland", ("Helsinki",)), "Prague": ("Czech Republic", ("Praha", "Praga", "Prag")),
    "Athens": ("Greece", ("Atenas", "Athen", "Athènes")), "Bucharest": ("Romania", ("Bucarest", "Bukarest")),
    "New York": ("United States", ("Nueva York", "New York City", "NYC")), "San Francisco": ("United States", ()),
    "Toronto": ("Canada", ()), "Montreal": ("Canada", ("Montréal",)), "Mexico City": ("Mexico", ("Ciudad de México", "CDMX")),
    "Buenos Aires": ("Argentina", ()), "São Paulo": ("Brazil", ("Sao Paulo",)),
}  # fmt: skip

# --- seniority ----------------------------------------------------------------------------------------------------
# Title words (case-folded) -> seniority; the most senior word in a title wins.
SENIORITY_WORDS: Final[dict[str, str]] = {
    "graduate": "graduate", "trainee": "graduate", "intern": "graduate", "internship": "graduate",
    "apprentice": "graduate", "entry-level": "graduate", "entry level": "graduate", "praktikant": "graduate",
    "praktikantin": "graduate", "werkstudent": "graduate", "werkstudentin": "graduate", "auszubildender": "graduate",
    "auszubildende": "graduate", "azubi": "graduate", "berufseinsteiger": "graduate", "berufseinsteigerin": "graduate",
    "becario": "graduate", "becaria": "graduate", "en prácticas": "graduate", "prácticas": "graduate",
    "recién titulado": "graduate", "recién titulada": "graduate", "débutant": "graduate", "débutante": "graduate",
    "stagiaire": "graduate", "alternant": "graduate", "alternante": "graduate", "apprenti": "graduate",
    "apprentie": "graduate", "jeune diplômé": "graduate", "jeune diplômée": "graduate",
    "junior": "junior", "jr.": "junior", "jr": "junior",
    "senior": "senior", "sr.": "senior", "sr": "senior", "sénior": "senior", "lead": "senior", "tech lead": "senior",
    "team lead": "senior", "leitender": "senior", "leitende": "senior", "confirmé": "senior", "confirmée": "senior",
    "expert": "senior", "experte": "senior", "experto": "senior", "experta": "senior",
    "staff": "staff",
    "principal": "principal", "principale": "principal", "distinguished": "principal", "fellow": "principal",
    "head of": "principal", "chief": "principal",
}  # fmt: skip
SENIORITY_RANK: Final[dict[str, int]] = {"graduate": 0, "junior": 1, "mid": 2, "senior": 3, "staff": 4, "principal": 5}

# --- skills ---------------------------------------------------------------------------------------------------------
# Canonical skill names; matched case-insensitively unless listed in CASE_SENSITIVE_SKILLS.
SKILLS: Final[tuple[str, ...]] = (
    # languages
    "Python", "Java", "Kotlin", "Scala", "Go", "Rust", "C", "C++", "C#", "F#", "Ruby", "PHP", "JavaScript",
    "TypeScript", "Swift", "Objective-C", "Dart", "R", "Julia", "MATLAB", "Perl", "Haskell", "Elixir", "Erlang",
    "Clojure", "Lua", "Bash", "PowerShell", "SQL", "HTML", "CSS", "Sass", "Groovy", "Solidity", "COBOL", "Fortran",
    # web and back-end frameworks
    "Django", "Flask", "FastAPI", "Celery", "SQLAlchemy", "Spring Boot", "Spring", "Hibernate", "Quarkus", "Micronaut",
    "Gradle", "Maven", "gRPC", "Node.js", "Express", "NestJS", "Deno", ".NET", "ASP.NET", "Entity Framework",
    "Ruby on Rails", "Sidekiq", "Symfony", "Doctrine", "Laravel", "Akka", "Tokio", "React", "Next.js", "Redux",
    "Angular", "RxJS", "Vue.js", "Nuxt", "Pinia", "Svelte", "SvelteKit", "jQuery", "Bootstrap", "Tailwind CSS",
    "Storybook", "Webpack", "Vite", "Jest", "Cypress", "Playwright", "Vitest", "Selenium", "JUnit", "pytest",
    "GraphQL", "REST", "Microservices", "WebSockets",
    # mobile
    "SwiftUI", "UIKit", "Combine", "Jetpack Compose", "Coroutines", "Android SDK", "Flutter", "React Native",
    "RxJava", "Firebase", "Fastlane", "Xcode", "Realm", "Bitrise", "Ionic", "Xamarin",
    # data stores
    "PostgreSQL", "MySQL", "MariaDB", "SQLite", "Oracle Database", "Microsoft SQL Server", "MongoDB", "Redis",
    "Elasticsearch", "OpenSearch", "Cassandra", "DynamoDB", "Neo4j", "CouchDB", "ClickHouse", "Memcached",
    # cloud, infrastructure, operations
    "AWS", "Google Cloud Platform", "Microsoft Azure", "Heroku", "Vercel", "Netlify", "OpenStack", "Docker",
    "Kubernetes", "Helm", "Terraform", "Pulumi", "Ansible", "Puppet", "Chef", "CloudFormation", "Azure DevOps",
    "Argo CD", "Jenkins", "GitHub Actions", "GitLab CI", "CircleCI", "Travis CI", "Git", "Linux", "Nginx",
    "Prometheus", "Grafana", "Datadog", "ELK Stack", "OpenTelemetry", "New Relic", "Istio", "Vault", "Consul",
    "Kafka", "RabbitMQ", "Serverless", "AWS Lambda",
    # data and machine learning
    "pandas", "NumPy", "SciPy", "scikit-learn", "PyTorch", "TensorFlow", "Keras", "JAX", "XGBoost", "LightGBM",
    "Hugging Face Transformers", "spaCy", "NLTK", "OpenCV", "MLflow", "Kubeflow", "LangChain", "tidyverse", "ggplot2",
    "Spark", "Hadoop", "Hive", "Flink", "Databricks", "BigQuery", "Snowflake", "Redshift", "Airflow", "dbt",
    "Delta Lake", "Tableau", "Power BI", "Looker", "Excel", "Jupyter",
    "Machine Learning", "Deep Learning", "Natural Language Processing", "Computer Vision", "Statistics",
    "Time Series Forecasting", "Data Modeling", "Data Governance", "Data Contracts", "Large Language Models",
    # practices
    "CI/CD", "TDD", "BDD", "Domain-Driven Design", "Event Sourcing", "Clean Architecture", "MVVM", "Unit Testing",
    "Agile", "Scrum", "Kanban", "SAFe", "Site Reliability Engineering", "Infrastructure as Code", "DevOps",
    # product and design
    "Jira", "Confluence", "Amplitude", "Mixpanel", "Google Analytics", "Productboard", "Miro", "Figma", "Sketch",
    "Adobe XD", "Adobe Photoshop", "Adobe Illustrator", "Framer", "User Research", "Usability Testing",
    "Design Thinking", "Jobs to Be Done", "Roadmapping", "OKRs", "Stakeholder Management", "A/B Testing",
    "Product Strategy", "Prototyping", "Design Systems", "Interaction Design", "Wireframing", "Accessibility",
    "Visual Design", "Web Performance",
    # security
    "Burp Suite", "Wireshark", "Metasploit", "Nmap", "Splunk", "OWASP ZAP", "Kali Linux", "Penetration Testing",
    "Threat Modeling", "Incident Response", "Vulnerability Management", "Identity and Access Management",
    "Cloud Security", "SIEM", "ISO 27001", "SOC 2", "NIS2", "GDPR",
)  # fmt: skip

# Other spellings -> canonical. Abbreviations that are ordinary words or ambiguous stay case-sensitive.
SKILL_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "Kubernetes": ("k8s", "K8s", "K8S", "kube"),
    "PostgreSQL": ("Postgres", "Postgre", "PostgresSQL", "psql", "Postgre SQL"),
    "JavaScript": ("JS", "ECMAScript", "ES6", "Javascript", "Vanilla JS"),
    "TypeScript": ("TS", "Typescript"),
    "Google Cloud Platform": ("GCP", "Google Cloud", "Google Cloud Platform (GCP)"),
    "AWS": ("Amazon Web Services", "Amazon AWS", "AWS Cloud"),
    "Microsoft Azure": ("Azure", "MS Azure", "Azure Cloud"),
    "Machine Learning": ("ML", "Maschinelles Lernen", "Aprendizaje automático", "Apprentissage automatique"),
    "Deep Learning": ("DL", "Aprendizaje profundo", "Apprentissage profond"),
    "Natural Language Processing": ("NLP", "PLN", "TAL"),
    "Computer Vision": ("Visión artificial", "Vision par ordinateur"),
    "Go": ("Golang",),
    "Node.js": ("NodeJS", "Node", "Node JS", "Nodejs", "Node.JS"),
    "React": ("React.js", "ReactJS", "React JS", "Reactjs"),
    "Vue.js": ("Vue", "VueJS", "Vue JS", "Vue 3", "Vuejs"),
    "Next.js": ("NextJS", "Next JS", "Nextjs"),
    "Nuxt": ("Nuxt.js", "NuxtJS"),
    "Express": ("Express.js", "ExpressJS"),
    "Angular": ("AngularJS", "Angular.js"),
    "scikit-learn": ("sklearn", "scikit learn", "Scikit-Learn"),
    ".NET": ("dotnet", ".NET Core", "dotnet core", ".Net"),
    "ASP.NET": ("ASP.NET Core",),
    "Elasticsearch": ("Elastic", "ElasticSearch", "Elastic Search"),
    "ELK Stack": ("ELK", "Elastic Stack"),
    "MongoDB": ("Mongo", "Mongo DB"),
    "Ruby on Rails": ("Rails", "RoR", "Ruby-on-Rails"),
    "Jetpack Compose": ("Compose",),
    "Hugging Face Transformers": ("HF Transformers", "Hugging Face", "HuggingFace", "Transformers"),
    "Site Reliability Engineering": ("SRE",),
    "Infrastructure as Code": ("IaC",),
    "Identity and Access Management": ("IAM",),
    "Penetration Testing": ("Pentesting", "Pentest", "Pen Testing", "Pruebas de penetración", "Penetrationstests", "Tests d'intrusion"),
    "Kafka": ("Apache Kafka",),
    "Spark": ("Apache Spark", "PySpark"),
    "Airflow": ("Apache Airflow",),
    "Flink": ("Apache Flink",),
    "Hadoop": ("Apache Hadoop",),
    "Tailwind CSS": ("Tailwind", "TailwindCSS"),
    "Argo CD": ("ArgoCD", "Argo"),
    "Threat Modeling": ("Threat Modelling",),
    "CI/CD": ("CI/CD pipelines", "CI-CD", "CICD", "CI / CD", "Continuous Integration", "Continuous Delivery"),
    "C#": ("C Sharp", "CSharp"),
    "C++": ("CPP", "Cpp"),
    "Objective-C": ("ObjC", "Objective C"),
    "Microsoft SQL Server": ("SQL Server", "MSSQL", "MS SQL", "T-SQL"),
    "Oracle Database": ("Oracle DB", "Oracle"),
    "Docker": ("Docker Compose", "docker-compose"),
    "Git": ("GitHub", "GitLab", "Bitbucket"),
    "GitHub Actions": ("GH Actions",),
    "GitLab CI": ("GitLab CI/CD",),
    "PyTorch": ("Torch",),
    "TensorFlow": ("TF", "Tensorflow", "TensorFlow.js"),
    "pandas": ("Pandas",),
    "NumPy": ("Numpy",),
    "Microservices": ("Microservicios", "Microservice architecture", "Microservices architecture"),
    "Domain-Driven Design": ("DDD", "Domain Driven Design"),
    "TDD": ("Test-Driven Development", "Test Driven Development"),
    "BDD": ("Behaviour-Driven Development", "Behavior-Driven Development"),
    "Unit Testing": ("Unit Tests",),
    "Agile": ("Agile methodologies", "Metodologías ágiles", "Agile Methoden", "Méthodes agiles"),
    "A/B Testing": ("A/B Tests", "AB Testing"),
    "OKRs": ("OKR",),
    "Power BI": ("PowerBI",),
    "Large Language Models": ("LLMs", "LLM"),
    "Adobe Photoshop": ("Photoshop",),
    "Adobe Illustrator": ("Illustrator",),
    "User Research": ("UX Research",),
    "Nginx": ("NGINX",),
    "AWS Lambda": ("Lambda",),
    "Bash": ("Shell scripting", "Shell"),
    "Redux": ("Redux Toolkit",),
    "Linux": ("GNU/Linux",),
    "Design Systems": ("Design System",),
}  # fmt: skip

# Forms matched with their exact case: they are ordinary words or letters otherwise ("go", "compose", "elastic").
CASE_SENSITIVE_SKILLS: Final[frozenset[str]] = frozenset(
    {"Go", "R", "C", "Compose", "Combine", "Realm", "Swift", "Sketch", "Spark", "Elastic", "Node", "Rails", "Vue",
     "Helm", "Jest", "Miro", "Framer", "Vite", "Express", "Spring", "Chef", "Puppet", "Vault", "Consul", "Git", "Hive",
     "Excel", "Looker", "Torch", "Lambda", "Shell", "Oracle", "Argo", "Transformers", "TF", "ML", "DL", "JS", "TS",
     "IAM", "SRE", "IaC", "TAL", "PLN", "DDD", "OKR", "ELK", "REST", "Dart", "Ruby", "Rust", "Julia", "Perl", "Lua",
     "Groovy", "Ionic", "Amplitude", "Bootstrap", "Serverless", "Coroutines", "Statistics", "Accessibility", "BDD"}
)  # fmt: skip

# Skills of one letter: found only as a whole item of a list, never inside prose ("C'est", "R&D").
ONE_LETTER_SKILLS: Final[frozenset[str]] = frozenset({"R", "C"})

# --- certifications -----------------------------------------------------------------------------------------------
# Canonical names; an abbreviation in final parentheses is accepted on its own ("CKA").
CERTIFICATIONS: Final[tuple[str, ...]] = (
    "AWS Certified Cloud Practitioner", "AWS Certified Developer - Associate", "AWS Certified Solutions Architect - Associate",
    "AWS Certified Solutions Architect - Professional", "AWS Certified DevOps Engineer - Professional",
    "AWS Certified SysOps Administrator - Associate", "AWS Certified Machine Learning - Specialty",
    "AWS Certified Data Engineer - Associate", "AWS Certified Security - Specialty",
    "Certified Kubernetes Administrator (CKA)", "Certified Kubernetes Application Developer (CKAD)",
    "Certified Kubernetes Security Specialist (CKS)", "HashiCorp Certified: Terraform Associate",
    "Google Cloud Professional Cloud Architect", "Google Cloud Professional Data Engineer",
    "Google Cloud Professional Machine Learning Engineer", "Google Cloud Associate Cloud Engineer",
    "Google Associate Android Developer", "Google UX Design Professional Certificate",
    "Microsoft Certified: Azure Fundamentals", "Microsoft Certified: Azure Administrator Associate",
    "Microsoft Certified: Azure Developer Associate", "Microsoft Certified: Azure Data Scientist Associate",
    "Microsoft Certified: Azure Solutions Architect Expert", "Red Hat Certified Engineer (RHCE)",
    "Red Hat Certified System Administrator (RHCSA)", "Oracle Certified Professional: Java SE 17 Developer",
    "Oracle Certified Professional: Java SE 11 Developer", "MongoDB Certified Developer Associate",
    "Databricks Certified Data Engineer Associate", "SnowPro Core Certification", "TensorFlow Developer Certificate",
    "Meta Front-End Developer Professional Certificate", "Meta iOS Developer Professional Certificate",
    "Professional Scrum Developer (PSD)", "Professional Scrum Master I (PSM I)", "Professional Scrum Product Owner I (PSPO I)",
    "Certified ScrumMaster (CSM)", "Certified Scrum Product Owner (CSPO)", "Project Management Professional (PMP)",
    "PRINCE2 Practitioner", "PRINCE2 Foundation", "ITIL 4 Foundation", "TOGAF 9 Certified", "SAFe Agilist (SA)",
    "IAAP Web Accessibility Specialist (WAS)", "NN/g UX Certification", "Certified Usability Analyst (CUA)",
    "Certified Information Systems Security Professional (CISSP)", "Offensive Security Certified Professional (OSCP)",
    "CompTIA Security+", "CompTIA Network+", "CompTIA A+", "Certified Information Security Manager (CISM)",
    "Certified Information Systems Auditor (CISA)", "Certified Ethical Hacker (CEH)", "ISO/IEC 27001 Lead Auditor",
    "ISO/IEC 27001 Lead Implementer", "Cisco Certified Network Associate (CCNA)", "Cisco Certified Network Professional (CCNP)",
)  # fmt: skip
