"""Vocabularies for the generator: names, places, companies, schools, role families, skills, aliases and templates."""

# ruff: noqa: E501  (sentence templates read better unbroken)

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from cv_generation.model import DegreeLevel, Lang, Seniority

# --- people -------------------------------------------------------------------------------------------------------
# Name origins are language codes; every string here is Windows-1252 encodable (no Polish ł/ń), for the PDF fonts.
FIRST_NAMES: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "en": (
        ("James", "Oliver", "Harry", "Jack", "Thomas", "Daniel", "Samuel", "Matthew", "Ryan", "Connor", "Liam", "Ben"),
        ("Emma", "Olivia", "Sophie", "Charlotte", "Emily", "Grace", "Hannah", "Chloe", "Lucy", "Megan", "Aoife", "Amy"),
    ),
    "es": (
        ("Alejandro", "Javier", "Pablo", "Sergio", "David", "Daniel", "Álvaro", "Adrián", "Jorge", "Iñigo", "Raúl", "Marc"),
        ("María", "Lucía", "Laura", "Marta", "Paula", "Elena", "Carmen", "Sara", "Nuria", "Irene", "Cristina", "Ainhoa"),
    ),
    "de": (
        ("Lukas", "Jonas", "Felix", "Maximilian", "Tobias", "Jan", "Niklas", "Sebastian", "Florian", "Moritz", "Jörg", "Stefan"),
        ("Anna", "Lena", "Julia", "Laura", "Sophie", "Katharina", "Lea", "Johanna", "Sarah", "Miriam", "Jana", "Sabine"),
    ),
    "fr": (
        ("Lucas", "Hugo", "Louis", "Théo", "Nicolas", "Julien", "Antoine", "Maxime", "Clément", "Mathieu", "Baptiste", "Rémi"),
        ("Camille", "Léa", "Manon", "Chloé", "Inès", "Sarah", "Julie", "Marion", "Pauline", "Élodie", "Océane", "Margaux"),
    ),
    "it": (
        ("Luca", "Marco", "Matteo", "Alessandro", "Davide", "Francesco", "Andrea", "Simone"),
        ("Giulia", "Chiara", "Francesca", "Sara", "Martina", "Valentina", "Elisa", "Federica"),
    ),
    "pt": (
        ("João", "Pedro", "Tiago", "Miguel", "Rui", "Diogo", "Gonçalo", "André"),
        ("Ana", "Inês", "Beatriz", "Mariana", "Catarina", "Joana", "Rita", "Sofia"),
    ),
    "nl": (
        ("Daan", "Sem", "Lars", "Thijs", "Bram", "Ruben", "Jeroen", "Sander"),
        ("Sanne", "Lotte", "Femke", "Eva", "Anouk", "Iris", "Lisa", "Fleur"),
    ),
    "pl": (
        ("Piotr", "Tomasz", "Krzysztof", "Marcin", "Michal", "Jakub", "Kamil", "Pawel"),
        ("Anna", "Katarzyna", "Magdalena", "Agnieszka", "Joanna", "Monika", "Aleksandra", "Zofia"),
    ),
}  # fmt: skip

SURNAMES: Final[dict[str, tuple[str, ...]]] = {
    "en": ("Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Evans", "Walker",
           "Wright", "Thompson", "Hughes", "Murphy", "O'Brien", "Kelly", "Clarke", "Campbell", "Robinson", "Hall"),
    "es": ("García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez", "Gómez",
           "Martín", "Jiménez", "Ruiz", "Hernández", "Díaz", "Moreno", "Muñoz", "Álvarez", "Romero", "Navarro",
           "Torres", "Domínguez", "Vázquez", "Ramos", "Gil", "Serrano", "Castillo", "Ortega", "Etxeberria"),
    "de": ("Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
           "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Schwarz", "Zimmermann",
           "Braun", "Krüger", "Hofmann", "Hartmann", "Lange", "Weiß", "Huber", "Gruber"),
    "fr": ("Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy", "Moreau",
           "Simon", "Laurent", "Lefèvre", "Michel", "Garcia", "David", "Bertrand", "Roux", "Vincent", "Fournier",
           "Morel", "Girard", "André", "Mercier", "Dupont", "Lambert", "Bonnet", "François"),
    "it": ("Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco",
           "Bruno", "Gallo", "Conti", "De Luca", "Costa"),
    "pt": ("Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins", "Jesus", "Sousa",
           "Fernandes", "Gonçalves", "Gomes", "Lopes", "Marques"),
    "nl": ("de Jong", "Jansen", "de Vries", "van den Berg", "van Dijk", "Bakker", "Janssen", "Visser", "Smit",
           "Meijer", "de Boer", "Mulder", "de Groot", "Bos", "Vos"),
    "pl": ("Nowak", "Kowalski", "Wójcik", "Kowalczyk", "Mazur", "Krawczyk", "Dudek", "Sikora", "Baran", "Kubiak",
           "Pawlak", "Michalski", "Wróbel", "Jankowski", "Kaczmarek"),
}  # fmt: skip

# Where a name origin usually grew up and studied.
ORIGIN_COUNTRIES: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "en": (("United Kingdom", 8), ("Ireland", 2)),
    "es": (("Spain", 1),),
    "de": (("Germany", 17), ("Austria", 3)),
    "fr": (("France", 9), ("Belgium", 1)),
    "it": (("Italy", 1),),
    "pt": (("Portugal", 1),),
    "nl": (("Netherlands", 1),),
    "pl": (("Poland", 1),),
}

# Origin of the candidate's name when it differs from the CV's language (English CVs are the most international).
FOREIGN_ORIGINS: Final[tuple[tuple[str, int], ...]] = (
    ("en", 3), ("es", 3), ("de", 3), ("fr", 3), ("it", 3), ("pt", 2), ("nl", 2), ("pl", 2),
)  # fmt: skip
SAME_ORIGIN_SHARE: Final[dict[Lang, float]] = {"en": 0.45, "es": 0.8, "de": 0.75, "fr": 0.8}

# --- places -------------------------------------------------------------------------------------------------------
CITIES: Final[dict[str, tuple[tuple[str, int], ...]]] = {
    "Germany": (("Berlin", 10), ("Munich", 7), ("Hamburg", 5), ("Cologne", 3), ("Frankfurt", 4), ("Stuttgart", 2)),
    "Spain": (("Madrid", 10), ("Barcelona", 9), ("Valencia", 4), ("Seville", 2), ("Bilbao", 2), ("Malaga", 3)),
    "France": (("Paris", 12), ("Lyon", 5), ("Toulouse", 3), ("Nantes", 3), ("Bordeaux", 2), ("Lille", 2)),
    "United Kingdom": (("London", 12), ("Manchester", 3), ("Edinburgh", 3), ("Cambridge", 2), ("Bristol", 2)),
    "Switzerland": (("Zurich", 6), ("Geneva", 3), ("Basel", 2), ("Lausanne", 2)),
    "Netherlands": (("Amsterdam", 8), ("Rotterdam", 3), ("Eindhoven", 2), ("Utrecht", 2)),
    "Portugal": (("Lisbon", 6), ("Porto", 4)),
    "Austria": (("Vienna", 5), ("Graz", 1)),
    "Ireland": (("Dublin", 6), ("Cork", 1)),
    "Belgium": (("Brussels", 5), ("Ghent", 1), ("Antwerp", 1)),
    "Italy": (("Milan", 4), ("Rome", 2), ("Turin", 1)),
    "Poland": (("Warsaw", 4), ("Krakow", 2)),
}

# Country of residence by CV language.
RESIDENCE: Final[dict[Lang, tuple[tuple[str, int], ...]]] = {
    "en": (("United Kingdom", 28), ("Ireland", 7), ("Netherlands", 12), ("Germany", 16), ("Switzerland", 6),
           ("Portugal", 8), ("Spain", 9), ("France", 6), ("Austria", 2), ("Belgium", 4), ("Poland", 2)),
    "es": (("Spain", 82), ("Germany", 4), ("United Kingdom", 4), ("Netherlands", 3), ("Portugal", 4), ("France", 3)),
    "de": (("Germany", 70), ("Austria", 12), ("Switzerland", 15), ("Netherlands", 3)),
    "fr": (("France", 75), ("Switzerland", 12), ("Belgium", 10), ("United Kingdom", 3)),
}  # fmt: skip

# The main language spoken in each country (used for "speaks the local language").
COUNTRY_LANGUAGE: Final[dict[str, str]] = {
    "Germany": "de", "Austria": "de", "Switzerland": "de", "Spain": "es", "France": "fr", "Belgium": "fr",
    "United Kingdom": "en", "Ireland": "en", "Netherlands": "nl", "Portugal": "pt", "Italy": "it", "Poland": "pl",
}  # fmt: skip

PHONE_FORMATS: Final[dict[str, str]] = {
    # `#` is a random digit. UK numbers use Ofcom's range reserved for fiction.
    "Germany": "+49 17# ### ####", "Austria": "+43 66# #######", "Switzerland": "+41 7# ### ## ##",
    "Spain": "+34 6## ### ###", "France": "+33 6 ## ## ## ##", "Belgium": "+32 4## ## ## ##",
    "United Kingdom": "+44 7700 900###", "Ireland": "+353 8# ### ####", "Netherlands": "+31 6 #### ####",
    "Portugal": "+351 9## ### ###", "Italy": "+39 3## ### ####", "Poland": "+48 5## ### ###",
}  # fmt: skip

EMAIL_DOMAINS: Final[tuple[str, ...]] = ("example.com", "example.org", "example.net")

# --- companies ----------------------------------------------------------------------------------------------------
COMPANY_STEMS: Final[tuple[str, ...]] = (
    "Veltrix", "Nubera", "Quantiva", "Helioform", "Kestrel", "Bluepeak", "Finlytics", "Mercatto", "Alpenrad",
    "Ondaverde", "Lumisio", "Corvana", "Tessaro", "Brightmoor", "Nordwind", "Silberfluss", "Sternkraft", "Altamar",
    "Solaria", "Cierzo", "Brisamar", "Clairvoie", "Ardoise", "Belvédère", "Vireo", "Trellis", "Oakbridge",
    "Fernhill", "Quayside", "Copperleaf", "Zentrix", "Datavia", "Cloudreef", "Pixelfjord", "Skyloft", "Orbitra",
    "Mosaiq", "Tidewell", "Kairon", "Zephra", "Lindenhof", "Feldmark", "Isarlicht", "Marisol", "Tramontana",
    "Alborada", "Montclair", "Lavandine", "Rivebleue", "Greywick", "Harrowgate", "Northlane", "Stellary",
    "Auravia", "Ventoro", "Granitio", "Calyxo", "Bergwerk", "Vallora", "Pontesa",
)  # fmt: skip

# Industry keys, with sector words for company names (English, then the local word by country language).
DOMAIN_SECTORS: Final[dict[str, tuple[tuple[str, ...], dict[str, str]]]] = {
    "fintech": (("Payments", "Finance", "Pay"), {"de": "Bank", "es": "Banca", "fr": "Finance"}),
    "ecommerce": (("Commerce", "Retail", "Shop"), {"de": "Handel", "es": "Comercio", "fr": "Commerce"}),
    "healthcare": (("Health", "Care", "Medical"), {"de": "Gesundheit", "es": "Salud", "fr": "Santé"}),
    "mobility": (("Mobility", "Motors"), {"de": "Mobilität", "es": "Movilidad", "fr": "Mobilité"}),
    "logistics": (("Logistics", "Freight"), {"de": "Logistik", "es": "Logística", "fr": "Logistique"}),
    "energy": (("Energy", "Power"), {"de": "Energie", "es": "Energía", "fr": "Énergie"}),
    "insurance": (("Insurance",), {"de": "Versicherung", "es": "Seguros", "fr": "Assurances"}),
    "media": (("Media", "Studios"), {"de": "Medien", "es": "Media", "fr": "Médias"}),
    "travel": (("Travel", "Trips"), {"de": "Reisen", "es": "Viajes", "fr": "Voyages"}),
    "saas": (("Software", "Cloud", "Systems", "Labs", "Analytics", "Technologies"), {}),
}

# The industry as written inside a sentence of each language (see the {domain} slot in the templates).
DOMAIN_WORDS: Final[dict[str, dict[Lang, str]]] = {
    "fintech": {"en": "fintech", "es": "fintech", "de": "Fintech", "fr": "de la fintech"},
    "ecommerce": {"en": "e-commerce", "es": "comercio electrónico", "de": "E-Commerce", "fr": "du e-commerce"},
    "healthcare": {"en": "healthcare", "es": "salud digital", "de": "Gesundheitswesen", "fr": "de la santé"},
    "mobility": {"en": "mobility", "es": "movilidad", "de": "Mobilität", "fr": "de la mobilité"},
    "logistics": {"en": "logistics", "es": "logística", "de": "Logistik", "fr": "de la logistique"},
    "energy": {"en": "energy", "es": "energía", "de": "Energie", "fr": "de l'énergie"},
    "insurance": {"en": "insurance", "es": "seguros", "de": "Versicherungen", "fr": "de l'assurance"},
    "media": {"en": "digital media", "es": "medios digitales", "de": "digitale Medien", "fr": "des médias"},
    "travel": {"en": "travel", "es": "turismo", "de": "Reisebranche", "fr": "du voyage"},
    "saas": {"en": "B2B SaaS", "es": "SaaS B2B", "de": "B2B-SaaS", "fr": "du SaaS B2B"},
}

LEGAL_FORMS: Final[dict[str, tuple[str, ...]]] = {
    "Germany": ("GmbH", "GmbH", "AG", "SE", "GmbH & Co. KG"), "Austria": ("GmbH", "AG"),
    "Switzerland": ("AG", "SA", "GmbH"), "Spain": ("S.L.", "S.L.", "S.A."), "France": ("SAS", "SAS", "SA"),
    "Belgium": ("SA", "NV", "SRL"), "United Kingdom": ("Ltd", "Ltd", "plc"), "Ireland": ("Ltd", "DAC"),
    "Netherlands": ("B.V.", "B.V.", "N.V."), "Portugal": ("Lda.", "S.A."), "Italy": ("S.r.l.", "S.p.A."),
    "Poland": ("Sp. z o.o.", "S.A."),
}  # fmt: skip

GROUP_PREFIX: Final[dict[str, str]] = {"es": "Grupo", "fr": "Groupe", "de": "Gruppe"}

# --- education ----------------------------------------------------------------------------------------------------
UNIVERSITIES: Final[dict[str, tuple[str, ...]]] = {
    "Germany": ("Technische Universität München", "Karlsruher Institut für Technologie", "RWTH Aachen",
                "Humboldt-Universität zu Berlin", "Technische Universität Berlin", "Universität Stuttgart",
                "Universität Hamburg", "Ludwig-Maximilians-Universität München", "Technische Universität Dresden",
                "Hochschule für Technik und Wirtschaft Berlin"),
    "Austria": ("Technische Universität Wien", "Universität Wien", "Technische Universität Graz",
                "Johannes Kepler Universität Linz"),
    "Switzerland": ("ETH Zürich", "EPFL", "Universität Zürich", "Université de Genève"),
    "Spain": ("Universidad Politécnica de Madrid", "Universitat Politècnica de Catalunya",
              "Universidad Complutense de Madrid", "Universidad de Granada", "Universitat de Barcelona",
              "Universidad de Sevilla", "Universidad Carlos III de Madrid", "Universitat Politècnica de València",
              "Universidad de Zaragoza", "Universidad del País Vasco"),
    "France": ("École Polytechnique", "Université Paris-Saclay", "INSA Lyon", "Sorbonne Université", "EPITA",
               "Université Grenoble Alpes", "Télécom Paris", "Université de Bordeaux", "Université de Lille",
               "CentraleSupélec"),
    "Belgium": ("KU Leuven", "Université libre de Bruxelles", "Université catholique de Louvain", "Universiteit Gent"),
    "United Kingdom": ("University of Edinburgh", "Imperial College London", "University of Manchester",
                       "University College London", "University of Bristol", "University of Warwick",
                       "King's College London", "University of Cambridge"),
    "Ireland": ("Trinity College Dublin", "University College Dublin", "University College Cork"),
    "Italy": ("Politecnico di Milano", "Sapienza Università di Roma", "Università di Bologna", "Politecnico di Torino"),
    "Portugal": ("Universidade de Lisboa", "Universidade do Porto", "Universidade de Coimbra",
                 "Universidade Nova de Lisboa"),
    "Netherlands": ("TU Delft", "Universiteit van Amsterdam", "Eindhoven University of Technology",
                    "Universiteit Utrecht"),
    "Poland": ("Politechnika Warszawska", "Uniwersytet Warszawski", "AGH University of Krakow",
               "Wroclaw University of Science and Technology"),
}  # fmt: skip

# Vocational schools and bootcamps, by the CV's language.
VOCATIONAL_SCHOOLS: Final[dict[Lang, tuple[str, ...]]] = {
    "en": ("Makers Academy", "Le Wagon", "Ironhack", "Northcoders", "Code Institute"),
    "es": ("IES Clara del Rey", "IES Jesús Marín", "Ironhack", "IES Abastos"),
    "de": ("IHK Berlin", "IHK München und Oberbayern", "IHK Frankfurt am Main", "IHK Hamburg"),
    "fr": ("IUT de Nantes", "IUT Lyon 1", "Le Wagon", "Lycée Jules Ferry"),
}

# Degree titles by level; each is (title, connector before the field). `{m|f}` marks a gendered ending.
DEGREES: Final[dict[Lang, dict[DegreeLevel, tuple[tuple[str, str], ...]]]] = {
    "en": {
        "bachelor": (("BSc", "in"), ("Bachelor of Science", "in"), ("BEng", "in"), ("BA", "in")),
        "master": (("MSc", "in"), ("Master of Science", "in"), ("MEng", "in"), ("MA", "in")),
        "phd": (("PhD", "in"), ("Ph.D.", "in"), ("Doctor of Philosophy", "in")),
        "vocational": (("Higher National Diploma", "in"), ("Bootcamp Certificate", "in")),
    },
    "es": {
        "bachelor": (("Grado", "en"), ("Licenciatura", "en"), ("Grado Universitario", "en")),
        "master": (("Máster", "en"), ("Máster Universitario", "en")),
        "phd": (("Doctorado", "en"), ("Ph.D.", "en"), ("Doctor{|a}", "en")),
        "vocational": (("Técnico Superior", "en"), ("Ciclo Formativo de Grado Superior", "en")),
    },
    "de": {
        "bachelor": (("B.Sc.", ""), ("Bachelor of Science", ""), ("Bachelor", "")),
        "master": (("M.Sc.", ""), ("Master of Science", ""), ("Diplom", "")),
        "phd": (("Promotion (Dr. rer. nat.)", "in"), ("Promotion (Dr.-Ing.)", "in"), ("Ph.D.", "in")),
        "vocational": (("Fachinformatiker{|in}", "für"),),
    },
    "fr": {
        "bachelor": (("Licence", "en"), ("Bachelor", "en"), ("Licence professionnelle", "en")),
        "master": (("Master", "en"), ("Diplôme d'ingénieur", "en"), ("Mastère spécialisé", "en")),
        "phd": (("Doctorat", "en"), ("Ph.D.", "en"), ("Thèse de doctorat", "en")),
        "vocational": (("BTS", ""), ("DUT", "")),
    },
}

# Fields of study: canonical English name -> as written in each language.
FIELDS: Final[dict[str, dict[Lang, str]]] = {
    "Computer Science": {"es": "Ingeniería Informática", "de": "Informatik", "fr": "informatique"},
    "Software Engineering": {"es": "Ingeniería del Software", "de": "Softwaretechnik", "fr": "génie logiciel"},
    "Computer Engineering": {"es": "Ingeniería de Computadores", "de": "Technische Informatik", "fr": "génie informatique"},
    "Telecommunications Engineering": {"es": "Ingeniería de Telecomunicación", "de": "Nachrichtentechnik", "fr": "télécommunications"},
    "Information Systems": {"es": "Sistemas de Información", "de": "Wirtschaftsinformatik", "fr": "systèmes d'information"},
    "Mathematics": {"es": "Matemáticas", "de": "Mathematik", "fr": "mathématiques"},
    "Statistics": {"es": "Estadística", "de": "Statistik", "fr": "statistique"},
    "Physics": {"es": "Física", "de": "Physik", "fr": "physique"},
    "Data Science": {"es": "Ciencia de Datos", "de": "Data Science", "fr": "science des données"},
    "Business Administration": {"es": "Administración y Dirección de Empresas", "de": "Betriebswirtschaftslehre", "fr": "gestion des entreprises"},
    "Economics": {"es": "Economía", "de": "Volkswirtschaftslehre", "fr": "économie"},
    "Industrial Engineering": {"es": "Ingeniería Industrial", "de": "Wirtschaftsingenieurwesen", "fr": "génie industriel"},
    "Interaction Design": {"es": "Diseño de Interacción", "de": "Interaktionsdesign", "fr": "design d'interaction"},
    "Graphic Design": {"es": "Diseño Gráfico", "de": "Kommunikationsdesign", "fr": "design graphique"},
    "Psychology": {"es": "Psicología", "de": "Psychologie", "fr": "psychologie"},
    "Cybersecurity": {"es": "Ciberseguridad", "de": "IT-Sicherheit", "fr": "cybersécurité"},
    "Electrical Engineering": {"es": "Ingeniería Eléctrica", "de": "Elektrotechnik", "fr": "génie électrique"},
    "Software Development": {"es": "Desarrollo de Aplicaciones Multiplataforma", "de": "Anwendungsentwicklung", "fr": "développement d'applications"},
    "Web Development": {"es": "Desarrollo de Aplicaciones Web", "de": "Anwendungsentwicklung (Web)", "fr": "développement web"},
    "Systems Administration": {"es": "Administración de Sistemas Informáticos en Red", "de": "Systemintegration", "fr": "administration des systèmes et réseaux"},
}  # fmt: skip
VOCATIONAL_FIELDS: Final[tuple[str, ...]] = ("Software Development", "Web Development", "Systems Administration")

# --- careers ------------------------------------------------------------------------------------------------------
# Inclusive range of `years_experience` for each seniority; graduates have under two years.
SENIORITY_YEARS: Final[dict[Seniority, tuple[int, int]]] = {
    "graduate": (0, 1),
    "junior": (1, 3),
    "mid": (3, 6),
    "senior": (6, 11),
    "staff": (9, 16),
    "principal": (12, 25),
}
SENIORITY_WEIGHTS: Final[dict[Seniority, int]] = {
    "graduate": 8, "junior": 17, "mid": 28, "senior": 28, "staff": 10, "principal": 9,
}  # fmt: skip

# A title's seniority word in each language; `{t}` is the base title.
SENIORITY_TITLE: Final[dict[Lang, dict[Seniority, str]]] = {
    "en": {"graduate": "Graduate {t}", "junior": "Junior {t}", "mid": "{t}", "senior": "Senior {t}",
           "staff": "Staff {t}", "principal": "Principal {t}"},
    "es": {"graduate": "{t} Trainee", "junior": "{t} Junior", "mid": "{t}", "senior": "{t} Senior",
           "staff": "{t} Staff", "principal": "{t} Principal"},
    "de": {"graduate": "{t} (Trainee)", "junior": "Junior {t}", "mid": "{t}", "senior": "Senior {t}",
           "staff": "Staff {t}", "principal": "Principal {t}"},
    "fr": {"graduate": "{t} débutant{|e}", "junior": "{t} junior", "mid": "{t}", "senior": "{t} senior",
           "staff": "{t} Staff", "principal": "{t} principal{|e}"},
}  # fmt: skip

CERTIFICATIONS_BY_SENIORITY: Final[dict[Seniority, tuple[int, int]]] = {
    "graduate": (0, 1), "junior": (0, 1), "mid": (0, 2), "senior": (0, 3), "staff": (1, 3), "principal": (0, 3),
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class RoleFamily:
    """A kind of job: its titles, a coherent skill set and the sentences its job descriptions are made of.

    A stack is `(main, fw, *lib)`; templates name slots `{main}`, `{fw}`, `{lib}` or a pool, and `{pct}`, `{num}`,
    `{users}`, `{domain}` for numbers and the industry. `{m|f}` marks a gendered ending.
    """

    key: str
    titles: dict[Lang, tuple[str, ...]]
    stacks: tuple[tuple[str, ...], ...]
    pools: dict[str, tuple[str, ...]]
    activities: dict[Lang, tuple[str, ...]]
    certifications: tuple[str, ...]
    fields: tuple[str, ...]
    degree_weights: dict[DegreeLevel, int]
    focus: dict[Lang, str]
    weight: int


_TECH_FIELDS = ("Computer Science", "Computer Science", "Software Engineering", "Computer Engineering",
                "Telecommunications Engineering", "Information Systems", "Mathematics", "Physics")  # fmt: skip
_TECH_DEGREES: dict[DegreeLevel, int] = {"vocational": 14, "bachelor": 46, "master": 36, "phd": 4}

ROLE_FAMILIES: Final[tuple[RoleFamily, ...]] = (
    RoleFamily(
        key="backend",
        titles={
            "en": ("Backend Engineer", "Backend Developer", "Software Engineer"),
            "es": ("Desarrollador{|a} Backend", "Ingenier{o|a} de Software", "Ingenier{o|a} Backend"),
            "de": ("Backend-Entwickler{|in}", "Softwareentwickler{|in}", "Backend Engineer"),
            "fr": ("Développeu{r|se} Backend", "Ingénieu{r|re} logiciel", "Développeu{r|se} back-end"),
        },
        stacks=(
            ("Python", "Django", "Celery"),
            ("Python", "FastAPI", "SQLAlchemy"),
            ("Java", "Spring Boot", "Hibernate"),
            ("Kotlin", "Spring Boot", "Gradle"),
            ("Go", "gRPC"),
            ("Node.js", "NestJS", "TypeScript"),
            ("C#", ".NET", "Entity Framework"),
            ("Ruby", "Ruby on Rails", "Sidekiq"),
            ("PHP", "Symfony", "Doctrine"),
            ("Scala", "Akka"),
            ("Rust", "Tokio"),
        ),
        pools={
            "db": ("PostgreSQL", "MySQL", "MongoDB", "Redis", "Elasticsearch", "Cassandra", "DynamoDB"),
            "infra": ("Docker", "Kubernetes", "AWS", "Google Cloud Platform", "Microsoft Azure", "Kafka", "RabbitMQ"),
            "practice": ("Microservices", "GraphQL", "CI/CD", "TDD", "Domain-Driven Design", "Event Sourcing"),
        },
        activities={
            "en": (
                "Designed and built REST APIs in {main} and {fw} serving {users} requests per day.",
                "Split a monolith into microservices deployed on {infra}.",
                "Reduced p95 latency by {pct} by optimising {db} queries and adding caching.",
                "Built event-driven integrations with {infra} and {db}.",
                "Introduced {practice}, cutting production incidents by {pct}.",
                "Maintained core billing services written in {main} with {lib}.",
            ),
            "es": (
                "Diseño y desarrollo de APIs REST en {main} y {fw} con {users} de peticiones diarias.",
                "División de un monolito en microservicios desplegados sobre {infra}.",
                "Reducción de la latencia p95 en un {pct} optimizando consultas en {db} y añadiendo caché.",
                "Desarrollo de integraciones orientadas a eventos con {infra} y {db}.",
                "Introducción de {practice}, reduciendo las incidencias en producción en un {pct}.",
                "Mantenimiento de los servicios de facturación escritos en {main} con {lib}.",
            ),
            "de": (
                "Konzeption und Entwicklung von REST-APIs mit {main} und {fw} für {users} Anfragen pro Tag.",
                "Aufteilung eines Monolithen in Microservices auf {infra}.",
                "Senkung der p95-Latenz um {pct} durch optimierte {db}-Abfragen und Caching.",
                "Aufbau ereignisgesteuerter Integrationen mit {infra} und {db}.",
                "Einführung von {practice}; {pct} weniger Produktionsstörungen.",
                "Weiterentwicklung der Abrechnungsservices in {main} mit {lib}.",
            ),
            "fr": (
                "Conception et développement d'API REST en {main} et {fw} traitant {users} de requêtes par jour.",
                "Découpage d'un monolithe en microservices déployés sur {infra}.",
                "Réduction de la latence p95 de {pct} grâce à l'optimisation des requêtes {db} et à la mise en cache.",
                "Mise en place d'intégrations orientées événements avec {infra} et {db}.",
                "Introduction de pratiques {practice}, avec {pct} d'incidents de production en moins.",
                "Maintenance des services de facturation écrits en {main} avec {lib}.",
            ),
        },
        certifications=(
            "AWS Certified Developer - Associate",
            "Oracle Certified Professional: Java SE 17 Developer",
            "Microsoft Certified: Azure Developer Associate",
            "Certified Kubernetes Application Developer (CKAD)",
        ),
        fields=_TECH_FIELDS,
        degree_weights=_TECH_DEGREES,
        focus={
            "en": "reliable, scalable systems",
            "es": "la fiabilidad y la escalabilidad de los sistemas",
            "de": "Skalierbarkeit und Zuverlässigkeit",
            "fr": "la fiabilité et la scalabilité des systèmes",
        },
        weight=18,
    ),
    RoleFamily(
        key="frontend",
        titles={
            "en": ("Frontend Engineer", "Frontend Developer", "Web Developer"),
            "es": ("Desarrollador{|a} Frontend", "Ingenier{o|a} Frontend"),
            "de": ("Frontend-Entwickler{|in}", "Webentwickler{|in}"),
            "fr": ("Développeu{r|se} Frontend", "Développeu{r|se} front-end"),
        },
        stacks=(
            ("TypeScript", "React", "Next.js", "Redux"),
            ("JavaScript", "React", "Redux"),
            ("TypeScript", "Angular", "RxJS"),
            ("JavaScript", "Vue.js", "Nuxt"),
            ("TypeScript", "Vue.js", "Pinia"),
            ("TypeScript", "Svelte", "SvelteKit"),
        ),
        pools={
            "styling": ("CSS", "Sass", "Tailwind CSS", "HTML", "Storybook", "Figma"),
            "tooling": ("Webpack", "Vite", "Jest", "Cypress", "Playwright", "Vitest"),
            "practice": ("Accessibility", "Web Performance", "Design Systems", "GraphQL", "CI/CD"),
        },
        activities={
            "en": (
                "Built a component library in {main} and {fw} used by {num} product teams.",
                "Improved Core Web Vitals by {pct} through code splitting and lazy loading with {tooling}.",
                "Led the migration of a legacy front end to {fw}.",
                "Championed {practice} across the web app together with the design team.",
                "Set up end-to-end tests with {tooling}, cutting regressions by {pct}.",
                "Implemented a new checkout flow with {fw}, {lib} and {styling}.",
            ),
            "es": (
                "Creación de una librería de componentes en {main} y {fw} utilizada por {num} equipos de producto.",
                "Mejora de los Core Web Vitals en un {pct} mediante code splitting y carga diferida con {tooling}.",
                "Liderazgo de la migración de un front end heredado a {fw}.",
                "Impulso de buenas prácticas de {practice} en la aplicación web junto al equipo de diseño.",
                "Configuración de tests end-to-end con {tooling}, reduciendo las regresiones en un {pct}.",
                "Implementación de un nuevo proceso de compra con {fw}, {lib} y {styling}.",
            ),
            "de": (
                "Aufbau einer Komponentenbibliothek mit {main} und {fw}, genutzt von {num} Produktteams.",
                "Verbesserung der Core Web Vitals um {pct} durch Code-Splitting und Lazy Loading mit {tooling}.",
                "Leitung der Migration eines Legacy-Frontends auf {fw}.",
                "Verankerung von {practice} in der Webanwendung in enger Zusammenarbeit mit dem Design.",
                "Aufbau von End-to-End-Tests mit {tooling}; {pct} weniger Regressionen.",
                "Umsetzung eines neuen Checkout-Prozesses mit {fw}, {lib} und {styling}.",
            ),
            "fr": (
                "Création d'une bibliothèque de composants en {main} et {fw} utilisée par {num} équipes produit.",
                "Amélioration des Core Web Vitals de {pct} grâce au code splitting et au lazy loading avec {tooling}.",
                "Pilotage de la migration d'un front-end historique vers {fw}.",
                "Diffusion des bonnes pratiques ({practice}) sur l'application web avec l'équipe design.",
                "Mise en place de tests de bout en bout avec {tooling}, réduisant les régressions de {pct}.",
                "Développement d'un nouveau tunnel d'achat avec {fw}, {lib} et {styling}.",
            ),
        },
        certifications=(
            "Meta Front-End Developer Professional Certificate",
            "Professional Scrum Developer (PSD)",
            "IAAP Web Accessibility Specialist (WAS)",
        ),
        fields=_TECH_FIELDS,
        degree_weights={"vocational": 20, "bachelor": 50, "master": 28, "phd": 2},
        focus={
            "en": "accessible and fast user interfaces",
            "es": "la accesibilidad y el rendimiento de las interfaces",
            "de": "Barrierefreiheit und Performance",
            "fr": "l'accessibilité et la performance des interfaces",
        },
        weight=14,
    ),
    RoleFamily(
        key="fullstack",
        titles={
            "en": ("Full Stack Engineer", "Full Stack Developer"),
            "es": ("Desarrollador{|a} Full Stack", "Ingenier{o|a} Full Stack"),
            "de": ("Full-Stack-Entwickler{|in}", "Fullstack Developer"),
            "fr": ("Développeu{r|se} Full Stack", "Ingénieu{r|re} Full Stack"),
        },
        stacks=(
            ("Node.js", "React", "TypeScript", "Next.js"),
            ("Python", "Vue.js", "Django"),
            ("Ruby", "React", "Ruby on Rails"),
            ("PHP", "Vue.js", "Laravel"),
            ("Java", "Angular", "Spring Boot"),
            ("C#", "React", ".NET"),
            ("Python", "React", "FastAPI"),
        ),
        pools={
            "db": ("PostgreSQL", "MySQL", "MongoDB", "Redis"),
            "infra": ("Docker", "AWS", "Google Cloud Platform", "Heroku", "Vercel", "Kubernetes"),
            "practice": ("GraphQL", "CI/CD", "TDD", "Agile"),
        },
        activities={
            "en": (
                "Delivered features end to end with {fw} on the front end and {main} on the back end.",
                "Designed the data model in {db} and the API layer for a {domain} product.",
                "Automated deployments to {infra}, shortening release cycles from weeks to days.",
                "Built internal tools with {lib} that saved the operations team {num} hours per week.",
                "Improved conversion by {pct} with A/B-tested checkout changes.",
            ),
            "es": (
                "Desarrollo de funcionalidades de principio a fin con {fw} en el front end y {main} en el back end.",
                "Diseño del modelo de datos en {db} y de la capa de API para un producto de {domain}.",
                "Automatización de despliegues en {infra}, pasando de ciclos de semanas a días.",
                "Creación de herramientas internas con {lib} que ahorraron {num} horas semanales al equipo de operaciones.",
                "Aumento de la conversión en un {pct} con cambios en el checkout validados mediante tests A/B.",
            ),
            "de": (
                "End-to-End-Entwicklung neuer Features mit {fw} im Frontend und {main} im Backend.",
                "Entwurf des Datenmodells in {db} und der API-Schicht für ein Produkt im Bereich {domain}.",
                "Automatisierung der Deployments auf {infra}; Releasezyklen von Wochen auf Tage verkürzt.",
                "Entwicklung interner Tools mit {lib}, die dem Operations-Team {num} Stunden pro Woche sparen.",
                "Steigerung der Conversion um {pct} durch per A/B-Test validierte Checkout-Änderungen.",
            ),
            "fr": (
                "Développement de fonctionnalités de bout en bout avec {fw} côté front et {main} côté back.",
                "Conception du modèle de données sous {db} et de la couche API d'un produit dans le secteur {domain}.",
                "Automatisation des déploiements sur {infra}, avec des cycles de livraison passés de semaines à jours.",
                "Création d'outils internes avec {lib} faisant gagner {num} heures par semaine à l'équipe des opérations.",
                "Hausse de la conversion de {pct} grâce à des évolutions du tunnel d'achat validées par A/B testing.",
            ),
        },
        certifications=(
            "AWS Certified Developer - Associate",
            "MongoDB Certified Developer Associate",
            "Professional Scrum Developer (PSD)",
        ),
        fields=_TECH_FIELDS,
        degree_weights={"vocational": 18, "bachelor": 50, "master": 30, "phd": 2},
        focus={
            "en": "end-to-end product delivery",
            "es": "la entrega de producto de principio a fin",
            "de": "Produktentwicklung von Anfang bis Ende",
            "fr": "la livraison de produits de bout en bout",
        },
        weight=10,
    ),
    RoleFamily(
        key="mobile",
        titles={
            "en": ("Mobile Engineer", "Mobile Developer", "App Developer"),
            "es": ("Desarrollador{|a} Móvil", "Desarrollador{|a} de Apps"),
            "de": ("Mobile-Entwickler{|in}", "App-Entwickler{|in}"),
            "fr": ("Développeu{r|se} mobile", "Ingénieu{r|re} mobile"),
        },
        stacks=(
            ("Swift", "SwiftUI", "UIKit", "Combine"),
            ("Kotlin", "Jetpack Compose", "Coroutines", "Android SDK"),
            ("Dart", "Flutter"),
            ("TypeScript", "React Native", "Redux"),
            ("Java", "Android SDK", "RxJava"),
        ),
        pools={
            "tooling": ("Firebase", "Fastlane", "GraphQL", "Xcode", "Gradle", "Realm", "Bitrise"),
            "practice": ("CI/CD", "MVVM", "Clean Architecture", "Unit Testing", "Accessibility"),
        },
        activities={
            "en": (
                "Shipped the {main} app built with {fw} to {users} users.",
                "Rewrote core screens in {fw}, reducing the crash rate by {pct}.",
                "Set up release automation with {tooling} and {practice}.",
                "Implemented offline sync and push notifications with {tooling}.",
                "Cut app start-up time by {pct} through profiling and lazy loading.",
            ),
            "es": (
                "Lanzamiento de la app en {main} con {fw} para {users} de usuarios.",
                "Reescritura de las pantallas principales en {fw}, reduciendo la tasa de fallos en un {pct}.",
                "Automatización de releases con {tooling} y {practice}.",
                "Implementación de sincronización offline y notificaciones push con {tooling}.",
                "Reducción del tiempo de arranque de la app en un {pct} mediante profiling y carga diferida.",
            ),
            "de": (
                "Veröffentlichung der {main}-App mit {fw} für {users} Nutzer.",
                "Neuentwicklung zentraler Screens in {fw}; Absturzrate um {pct} gesenkt.",
                "Automatisierung der Releases mit {tooling} und {practice}.",
                "Umsetzung von Offline-Synchronisierung und Push-Benachrichtigungen mit {tooling}.",
                "Verkürzung der App-Startzeit um {pct} durch Profiling und Lazy Loading.",
            ),
            "fr": (
                "Lancement de l'application {main} développée avec {fw} auprès de {users} d'utilisateurs.",
                "Réécriture des écrans principaux en {fw}, réduisant le taux de crash de {pct}.",
                "Automatisation des releases avec {tooling} et {practice}.",
                "Mise en place de la synchronisation hors ligne et des notifications push avec {tooling}.",
                "Réduction du temps de démarrage de l'application de {pct} grâce au profiling et au chargement différé.",
            ),
        },
        certifications=(
            "Google Associate Android Developer",
            "Meta iOS Developer Professional Certificate",
            "Professional Scrum Developer (PSD)",
        ),
        fields=_TECH_FIELDS,
        degree_weights={"vocational": 14, "bachelor": 52, "master": 32, "phd": 2},
        focus={
            "en": "polished mobile experiences",
            "es": "la calidad de la experiencia móvil",
            "de": "Performance und Nutzererlebnis",
            "fr": "la qualité de l'expérience mobile",
        },
        weight=8,
    ),
    RoleFamily(
        key="devops",
        titles={
            "en": ("DevOps Engineer", "Site Reliability Engineer", "Platform Engineer", "Cloud Engineer"),
            "es": ("Ingenier{o|a} DevOps", "Ingenier{o|a} de Plataforma", "Ingenier{o|a} Cloud"),
            "de": ("DevOps Engineer", "Cloud Engineer", "Platform Engineer", "Site Reliability Engineer"),
            "fr": ("Ingénieu{r|re} DevOps", "Ingénieu{r|re} Cloud", "Ingénieu{r|re} SRE"),
        },
        stacks=(
            ("AWS", "CloudFormation"),
            ("AWS", "Terraform"),
            ("Google Cloud Platform", "Terraform"),
            ("Microsoft Azure", "Azure DevOps"),
            ("OpenStack", "Ansible"),
        ),
        pools={
            "tools": (
                "Kubernetes",
                "Docker",
                "Terraform",
                "Ansible",
                "Helm",
                "Argo CD",
                "Jenkins",
                "GitLab CI",
                "GitHub Actions",
            ),
            "observability": ("Prometheus", "Grafana", "Datadog", "ELK Stack", "OpenTelemetry"),
            "lang": ("Python", "Bash", "Go"),
            "practice": ("CI/CD", "Infrastructure as Code", "Site Reliability Engineering", "Linux"),
        },
        activities={
            "en": (
                "Provisioned {main} infrastructure as code with {fw}, managing {num} environments.",
                "Operated production workloads on {main} with {tools}, reducing downtime by {pct}.",
                "Built CI/CD pipelines with {tools}, cutting deployment time from hours to minutes.",
                "Introduced monitoring and alerting with {observability}, reducing mean time to recovery by {pct}.",
                "Automated operational tasks with {lang} scripts, saving {num} hours per week.",
                "Cut {main} costs by {pct} through rightsizing and reserved capacity.",
            ),
            "es": (
                "Aprovisionamiento de infraestructura en {main} como código con {fw}, gestionando {num} entornos.",
                "Operación de cargas de producción en {main} con {tools}, reduciendo las caídas en un {pct}.",
                "Creación de pipelines de CI/CD con {tools}, reduciendo el tiempo de despliegue de horas a minutos.",
                "Implantación de monitorización y alertas con {observability}, reduciendo el MTTR en un {pct}.",
                "Automatización de tareas operativas con scripts en {lang}, ahorrando {num} horas semanales.",
                "Reducción de los costes de {main} en un {pct} mediante rightsizing y capacidad reservada.",
            ),
            "de": (
                "Bereitstellung der {main}-Infrastruktur als Code mit {fw} für {num} Umgebungen.",
                "Betrieb produktiver Workloads auf {main} mit {tools}; Ausfallzeiten um {pct} reduziert.",
                "Aufbau von CI/CD-Pipelines mit {tools}; Deployment-Dauer von Stunden auf Minuten verkürzt.",
                "Einführung von Monitoring und Alerting mit {observability}; MTTR um {pct} gesenkt.",
                "Automatisierung betrieblicher Aufgaben mit {lang}-Skripten; {num} Stunden pro Woche eingespart.",
                "Senkung der {main}-Kosten um {pct} durch Rightsizing und reservierte Kapazitäten.",
            ),
            "fr": (
                "Provisionnement de l'infrastructure {main} en tant que code avec {fw}, pour {num} environnements.",
                "Exploitation de charges de production sur {main} avec {tools}, réduisant les interruptions de {pct}.",
                "Création de pipelines CI/CD avec {tools}, réduisant le temps de déploiement de heures à minutes.",
                "Mise en place de la supervision et des alertes avec {observability}, réduisant le MTTR de {pct}.",
                "Automatisation des tâches d'exploitation avec des scripts {lang}, économisant {num} heures par semaine.",
                "Réduction des coûts {main} de {pct} grâce au rightsizing et aux capacités réservées.",
            ),
        },
        certifications=(
            "Certified Kubernetes Administrator (CKA)",
            "AWS Certified Solutions Architect - Associate",
            "AWS Certified DevOps Engineer - Professional",
            "HashiCorp Certified: Terraform Associate",
            "Google Cloud Professional Cloud Architect",
            "Microsoft Certified: Azure Administrator Associate",
            "Red Hat Certified Engineer (RHCE)",
        ),
        fields=_TECH_FIELDS,
        degree_weights={"vocational": 20, "bachelor": 48, "master": 30, "phd": 2},
        focus={
            "en": "automation and reliability",
            "es": "la automatización y la fiabilidad",
            "de": "Automatisierung und Zuverlässigkeit",
            "fr": "l'automatisation et la fiabilité",
        },
        weight=11,
    ),
    RoleFamily(
        key="data_science",
        titles={
            "en": ("Data Scientist", "Machine Learning Engineer"),
            "es": ("Científic{o|a} de Datos", "Data Scientist", "Ingenier{o|a} de Machine Learning"),
            "de": ("Data Scientist", "Machine Learning Engineer"),
            "fr": ("Data Scientist", "Ingénieu{r|re} Machine Learning"),
        },
        stacks=(
            ("Python", "scikit-learn", "pandas", "NumPy"),
            ("Python", "PyTorch", "NumPy"),
            ("Python", "TensorFlow", "pandas"),
            ("R", "tidyverse", "ggplot2"),
        ),
        pools={
            "ml": ("XGBoost", "LightGBM", "Hugging Face Transformers", "spaCy", "MLflow", "PyTorch"),
            "data": ("SQL", "Spark", "Databricks", "BigQuery", "Snowflake", "Airflow"),
            "method": (
                "Machine Learning",
                "Deep Learning",
                "Natural Language Processing",
                "Computer Vision",
                "Time Series Forecasting",
                "Statistics",
            ),
        },
        activities={
            "en": (
                "Built and deployed {method} models with {ml}, improving forecast accuracy by {pct}.",
                "Designed A/B tests and analysed the results in {main} for {num} product teams.",
                "Developed a churn prediction model with {fw} that reduced churn by {pct}.",
                "Built feature pipelines on {data} processing {users} events per day.",
                "Communicated model results to stakeholders through dashboards and workshops.",
            ),
            "es": (
                "Desarrollo y despliegue de modelos de {method} con {ml}, mejorando la precisión de las previsiones en un {pct}.",
                "Diseño de tests A/B y análisis de resultados en {main} para {num} equipos de producto.",
                "Desarrollo de un modelo de predicción de abandono con {fw} que redujo el churn en un {pct}.",
                "Construcción de pipelines de features sobre {data} procesando {users} de eventos diarios.",
                "Comunicación de resultados a negocio mediante dashboards y talleres.",
            ),
            "de": (
                "Entwicklung und Deployment von {method}-Modellen mit {ml}; Prognosegenauigkeit um {pct} verbessert.",
                "Konzeption von A/B-Tests und Auswertung in {main} für {num} Produktteams.",
                "Entwicklung eines Churn-Prognosemodells mit {fw}; Abwanderung um {pct} reduziert.",
                "Aufbau von Feature-Pipelines auf {data} mit {users} Events pro Tag.",
                "Vermittlung der Ergebnisse an Stakeholder über Dashboards und Workshops.",
            ),
            "fr": (
                "Développement et déploiement de modèles de {method} avec {ml}, améliorant la précision des prévisions de {pct}.",
                "Conception de tests A/B et analyse des résultats en {main} pour {num} équipes produit.",
                "Développement d'un modèle de prédiction de l'attrition avec {fw}, réduisant le churn de {pct}.",
                "Construction de pipelines de features sur {data} traitant {users} d'événements par jour.",
                "Restitution des résultats aux équipes métier via des tableaux de bord et des ateliers.",
            ),
        },
        certifications=(
            "AWS Certified Machine Learning - Specialty",
            "Google Cloud Professional Machine Learning Engineer",
            "TensorFlow Developer Certificate",
            "Microsoft Certified: Azure Data Scientist Associate",
        ),
        fields=("Mathematics", "Statistics", "Computer Science", "Physics", "Data Science", "Economics"),
        degree_weights={"bachelor": 15, "master": 55, "phd": 30},
        focus={
            "en": "data-driven decisions",
            "es": "la toma de decisiones basada en datos",
            "de": "Entscheidungen auf Basis von Daten",
            "fr": "la prise de décision fondée sur les données",
        },
        weight=10,
    ),
    RoleFamily(
        key="data_engineering",
        titles={
            "en": ("Data Engineer", "Analytics Engineer"),
            "es": ("Ingenier{o|a} de Datos", "Data Engineer"),
            "de": ("Data Engineer", "Dateningenieur{|in}"),
            "fr": ("Data Engineer", "Ingénieu{r|re} Data"),
        },
        stacks=(
            ("Python", "Airflow", "dbt"),
            ("Scala", "Spark", "Kafka"),
            ("Java", "Flink", "Kafka"),
            ("Python", "Spark", "Delta Lake"),
        ),
        pools={
            "data": ("SQL", "Snowflake", "BigQuery", "Databricks", "Redshift", "PostgreSQL", "dbt"),
            "infra": ("AWS", "Google Cloud Platform", "Docker", "Kubernetes", "Terraform"),
            "practice": ("Data Modeling", "Data Governance", "CI/CD", "Data Contracts"),
        },
        activities={
            "en": (
                "Built batch and streaming pipelines with {fw} and {data}, processing {users} records per day.",
                "Modelled the analytics warehouse in {data}, serving {num} teams.",
                "Migrated legacy ETL jobs to {fw} on {infra}, cutting runtimes by {pct}.",
                "Introduced data quality checks and {practice}, reducing broken dashboards by {pct}.",
                "Developed reusable {main} libraries for ingestion from {num} source systems.",
            ),
            "es": (
                "Construcción de pipelines batch y streaming con {fw} y {data}, procesando {users} de registros diarios.",
                "Modelado del data warehouse analítico en {data}, al servicio de {num} equipos.",
                "Migración de procesos ETL heredados a {fw} sobre {infra}, reduciendo los tiempos de ejecución en un {pct}.",
                "Introducción de controles de calidad de datos y {practice}, reduciendo los dashboards rotos en un {pct}.",
                "Desarrollo de librerías reutilizables en {main} para la ingesta desde {num} sistemas origen.",
            ),
            "de": (
                "Aufbau von Batch- und Streaming-Pipelines mit {fw} und {data} für {users} Datensätze pro Tag.",
                "Modellierung des Analytics-Warehouse in {data} für {num} Teams.",
                "Migration alter ETL-Jobs zu {fw} auf {infra}; Laufzeiten um {pct} verkürzt.",
                "Einführung von Datenqualitätsprüfungen und {practice}; {pct} weniger fehlerhafte Dashboards.",
                "Entwicklung wiederverwendbarer {main}-Bibliotheken für die Anbindung von {num} Quellsystemen.",
            ),
            "fr": (
                "Construction de pipelines batch et streaming avec {fw} et {data}, traitant {users} d'enregistrements par jour.",
                "Modélisation de l'entrepôt de données analytique sous {data}, au service de {num} équipes.",
                "Migration de traitements ETL historiques vers {fw} sur {infra}, réduisant les temps d'exécution de {pct}.",
                "Mise en place de contrôles qualité des données et de {practice}, avec {pct} de tableaux de bord en erreur en moins.",
                "Développement de bibliothèques {main} réutilisables pour l'ingestion depuis {num} systèmes sources.",
            ),
        },
        certifications=(
            "Google Cloud Professional Data Engineer",
            "Databricks Certified Data Engineer Associate",
            "SnowPro Core Certification",
            "AWS Certified Data Engineer - Associate",
        ),
        fields=("Computer Science", "Data Science", "Information Systems", "Mathematics", "Software Engineering"),
        degree_weights={"vocational": 5, "bachelor": 45, "master": 45, "phd": 5},
        focus={
            "en": "data quality and reliability",
            "es": "la calidad y la fiabilidad de los datos",
            "de": "Datenqualität und Zuverlässigkeit",
            "fr": "la qualité et la fiabilité des données",
        },
        weight=8,
    ),
    RoleFamily(
        key="product",
        titles={
            "en": ("Product Manager", "Product Owner"),
            "es": ("Product Manager", "Product Owner", "Responsable de Producto"),
            "de": ("Produktmanager{|in}", "Product Owner"),
            "fr": ("Chef{|fe} de produit", "Product Manager", "Product Owner"),
        },
        stacks=(),
        pools={
            "tools": (
                "Jira",
                "Confluence",
                "Amplitude",
                "Mixpanel",
                "Figma",
                "Productboard",
                "Google Analytics",
                "Miro",
                "SQL",
            ),
            "research": ("User Research", "Design Thinking", "Jobs to Be Done", "Usability Testing"),
            "agile": ("Scrum", "Kanban", "SAFe"),
            "practice": ("Roadmapping", "OKRs", "Stakeholder Management", "A/B Testing", "Product Strategy"),
        },
        activities={
            "en": (
                "Owned the roadmap of a {domain} product built by {num} engineers and designers.",
                "Ran product discovery with {research} and launched features that increased retention by {pct}.",
                "Defined OKRs and tracked adoption in {tools}, growing weekly active users by {pct}.",
                "Coordinated {num} cross-functional teams using {agile}.",
                "Introduced experimentation, running {num} A/B tests per quarter.",
            ),
            "es": (
                "Responsable del roadmap de un producto de {domain} desarrollado por {num} personas de ingeniería y diseño.",
                "Discovery de producto con {research} y lanzamiento de funcionalidades que aumentaron la retención en un {pct}.",
                "Definición de OKRs y seguimiento de la adopción en {tools}, con un aumento de usuarios activos semanales del {pct}.",
                "Coordinación de {num} equipos multidisciplinares con {agile}.",
                "Impulso de la experimentación, con {num} tests A/B por trimestre.",
            ),
            "de": (
                "Verantwortung für die Roadmap eines Produkts im Bereich {domain} mit {num} Personen aus Engineering und Design.",
                "Product Discovery mit {research} und Launch von Features, die die Retention um {pct} steigerten.",
                "Definition von OKRs und Tracking der Nutzung in {tools}; wöchentlich aktive Nutzer um {pct} gesteigert.",
                "Koordination von {num} cross-funktionalen Teams mit {agile}.",
                "Einführung einer Experimentierkultur mit {num} A/B-Tests pro Quartal.",
            ),
            "fr": (
                "Responsable de la roadmap d'un produit dans le secteur {domain}, avec {num} ingénieurs et designers.",
                "Discovery produit avec {research} et lancement de fonctionnalités ayant augmenté la rétention de {pct}.",
                "Définition des OKR et suivi de l'adoption dans {tools}, avec une hausse de {pct} des utilisateurs actifs hebdomadaires.",
                "Coordination de {num} équipes pluridisciplinaires en {agile}.",
                "Développement de l'expérimentation avec {num} tests A/B par trimestre.",
            ),
        },
        certifications=(
            "Certified Scrum Product Owner (CSPO)",
            "Professional Scrum Product Owner I (PSPO I)",
            "Project Management Professional (PMP)",
            "Professional Scrum Master I (PSM I)",
        ),
        fields=(
            "Business Administration",
            "Economics",
            "Computer Science",
            "Industrial Engineering",
            "Information Systems",
            "Psychology",
        ),
        degree_weights={"bachelor": 48, "master": 47, "phd": 5},
        focus={
            "en": "customer impact",
            "es": "el impacto en el cliente",
            "de": "Kundennähe und Wirkung",
            "fr": "la valeur apportée aux clients",
        },
        weight=8,
    ),
    RoleFamily(
        key="design",
        titles={
            "en": ("Product Designer", "UX Designer", "UI/UX Designer"),
            "es": ("Diseñador{|a} de Producto", "Diseñador{|a} UX/UI"),
            "de": ("Product Designer{|in}", "UX-Designer{|in}"),
            "fr": ("Product Designer", "Designer UX/UI"),
        },
        stacks=(),
        pools={
            "tools": ("Figma", "Sketch", "Adobe XD", "Adobe Photoshop", "Adobe Illustrator", "Framer", "Miro"),
            "research": ("User Research", "Usability Testing", "Design Thinking"),
            "practice": (
                "Prototyping",
                "Design Systems",
                "Interaction Design",
                "Wireframing",
                "Accessibility",
                "Visual Design",
            ),
            "web": ("HTML", "CSS"),
        },
        activities={
            "en": (
                "Designed end-to-end flows for a {domain} app in {tools}, from wireframes to high-fidelity prototypes.",
                "Built and maintained a design system used by {num} squads.",
                "Ran {research} sessions with {num} customers per sprint.",
                "Redesigned the onboarding, increasing activation by {pct}.",
                "Worked closely with engineers to ship accessible interfaces (WCAG 2.1 AA).",
            ),
            "es": (
                "Diseño de flujos completos para una app de {domain} en {tools}, desde wireframes hasta prototipos de alta fidelidad.",
                "Creación y mantenimiento de un design system utilizado por {num} squads.",
                "Sesiones de {research} con {num} clientes por sprint.",
                "Rediseño del onboarding, aumentando la activación en un {pct}.",
                "Colaboración estrecha con ingeniería para lanzar interfaces accesibles (WCAG 2.1 AA).",
            ),
            "de": (
                "Gestaltung kompletter User Flows für eine App im Bereich {domain} in {tools}, von Wireframes bis zu High-Fidelity-Prototypen.",
                "Aufbau und Pflege eines Designsystems für {num} Squads.",
                "Durchführung von {research} mit {num} Kunden pro Sprint.",
                "Neugestaltung des Onboardings; Aktivierungsrate um {pct} gesteigert.",
                "Enge Zusammenarbeit mit der Entwicklung für barrierefreie Oberflächen (WCAG 2.1 AA).",
            ),
            "fr": (
                "Conception de parcours complets pour une application dans le secteur {domain} sous {tools}, des wireframes aux prototypes haute fidélité.",
                "Création et maintenance d'un design system utilisé par {num} squads.",
                "Animation de sessions de {research} avec {num} clients par sprint.",
                "Refonte de l'onboarding, avec une hausse de l'activation de {pct}.",
                "Collaboration étroite avec les développeurs pour livrer des interfaces accessibles (WCAG 2.1 AA).",
            ),
        },
        certifications=(
            "Google UX Design Professional Certificate",
            "NN/g UX Certification",
            "Certified Usability Analyst (CUA)",
        ),
        fields=("Interaction Design", "Graphic Design", "Psychology", "Computer Science", "Interaction Design"),
        degree_weights={"bachelor": 60, "master": 38, "phd": 2},
        focus={
            "en": "user-centred design",
            "es": "el diseño centrado en el usuario",
            "de": "Nutzerzentrierung und Barrierefreiheit",
            "fr": "la conception centrée utilisateur",
        },
        weight=7,
    ),
    RoleFamily(
        key="security",
        titles={
            "en": ("Security Engineer", "Penetration Tester", "Cloud Security Engineer"),
            "es": ("Ingenier{o|a} de Ciberseguridad", "Pentester", "Analista de Seguridad"),
            "de": ("IT-Security-Engineer", "Penetrationstester{|in}", "Security Analyst"),
            "fr": ("Ingénieu{r|re} cybersécurité", "Pentesteu{r|se}", "Analyste sécurité"),
        },
        stacks=(),
        pools={
            "tools": ("Burp Suite", "Wireshark", "Metasploit", "Nmap", "Splunk", "OWASP ZAP", "Kali Linux"),
            "practice": (
                "Penetration Testing",
                "Threat Modeling",
                "Incident Response",
                "Vulnerability Management",
                "Identity and Access Management",
                "Cloud Security",
                "SIEM",
            ),
            "compliance": ("ISO 27001", "SOC 2", "NIS2"),
            "lang": ("Python", "Bash", "Go"),
            "infra": ("AWS", "Kubernetes", "Linux", "Microsoft Azure"),
        },
        activities={
            "en": (
                "Performed penetration tests of web and mobile applications with {tools}, finding {num} critical issues.",
                "Led the {compliance} certification, coordinating controls across {num} teams.",
                "Built detection rules in {tools} and handled incident response for production incidents.",
                "Hardened {infra} environments and automated security checks with {lang}.",
                "Ran threat modelling workshops and reduced open high-severity findings by {pct}.",
            ),
            "es": (
                "Pruebas de penetración de aplicaciones web y móviles con {tools}, detectando {num} vulnerabilidades críticas.",
                "Liderazgo de la certificación {compliance}, coordinando controles entre {num} equipos.",
                "Creación de reglas de detección en {tools} y respuesta a incidentes en producción.",
                "Bastionado de entornos {infra} y automatización de controles de seguridad con {lang}.",
                "Talleres de modelado de amenazas y reducción de hallazgos de severidad alta en un {pct}.",
            ),
            "de": (
                "Penetrationstests von Web- und Mobile-Anwendungen mit {tools}; {num} kritische Schwachstellen gefunden.",
                "Leitung der {compliance}-Zertifizierung mit Abstimmung der Kontrollen über {num} Teams.",
                "Entwicklung von Detection-Regeln in {tools} und Incident Response bei Produktionsvorfällen.",
                "Härtung von {infra}-Umgebungen und Automatisierung von Sicherheitsprüfungen mit {lang}.",
                "Threat-Modeling-Workshops; offene High-Severity-Findings um {pct} reduziert.",
            ),
            "fr": (
                "Tests d'intrusion d'applications web et mobiles avec {tools}, avec {num} vulnérabilités critiques identifiées.",
                "Pilotage de la certification {compliance}, en coordonnant les contrôles de {num} équipes.",
                "Création de règles de détection dans {tools} et réponse aux incidents de production.",
                "Durcissement des environnements {infra} et automatisation des contrôles de sécurité en {lang}.",
                "Ateliers de modélisation des menaces et réduction de {pct} des vulnérabilités critiques ouvertes.",
            ),
        },
        certifications=(
            "Certified Information Systems Security Professional (CISSP)",
            "Offensive Security Certified Professional (OSCP)",
            "CompTIA Security+",
            "Certified Information Security Manager (CISM)",
            "Certified Ethical Hacker (CEH)",
            "ISO/IEC 27001 Lead Auditor",
        ),
        fields=(
            "Computer Science",
            "Cybersecurity",
            "Mathematics",
            "Telecommunications Engineering",
            "Electrical Engineering",
        ),
        degree_weights={"vocational": 12, "bachelor": 43, "master": 40, "phd": 5},
        focus={
            "en": "security by design",
            "es": "la seguridad desde el diseño",
            "de": "Security by Design",
            "fr": "la sécurité dès la conception",
        },
        weight=6,
    ),
)

ROLE_FAMILY_KEYS: Final[tuple[str, ...]] = tuple(f.key for f in ROLE_FAMILIES)

# Extra sentences for jobs held at senior level or above.
LEADERSHIP: Final[dict[Lang, tuple[str, ...]]] = {
    "en": ("Mentored {num} colleagues and took part in hiring.", "Led a team of {num} people.",
           "Shaped the technical and product strategy across {num} teams."),
    "es": ("Mentorización de {num} compañeros y participación en los procesos de selección.",
           "Liderazgo de un equipo de {num} personas.",
           "Definición de la estrategia técnica y de producto entre {num} equipos."),
    "de": ("Mentoring von {num} Kolleginnen und Kollegen und Mitarbeit im Recruiting.",
           "Führung eines Teams von {num} Personen.",
           "Gestaltung der technischen und fachlichen Strategie über {num} Teams hinweg."),
    "fr": ("Mentorat de {num} collègues et participation aux recrutements.",
           "Management d'une équipe de {num} personnes.",
           "Définition de la stratégie technique et produit sur {num} équipes."),
}  # fmt: skip

# Summaries: {title} {years} {domain} {skills3} {skills2} {focus} {city} {field}; gendered endings as `{m|f}`.
SUMMARIES: Final[dict[Lang, tuple[str, ...]]] = {
    "en": (
        "{title} with {years} of experience in {domain}. Strong background in {skills3}, with a focus on {focus}.",
        "{title} with {years} of hands-on experience. I enjoy working with {skills2} and care deeply about {focus}.",
        "Experienced {title} ({years}) who has shipped products in {domain}. Core skills: {skills3}. "
        "Currently based in {city}.",
    ),
    "es": (
        "{title} con {years} de experiencia en el sector de {domain}. Sólida experiencia en {skills3}, "
        "con foco en {focus}.",
        "{title} con {years} de experiencia práctica. Disfruto trabajando con {skills2} y me importa especialmente "
        "{focus}.",
        "{title} con {years} de experiencia y productos lanzados en el sector de {domain}. "
        "Competencias principales: {skills3}. Actualmente en {city}.",
    ),
    "de": (
        "{title} mit {years} Berufserfahrung im Bereich {domain}. Fundierte Kenntnisse in {skills3} mit Schwerpunkt "
        "auf {focus}.",
        "{title} mit {years} praktischer Erfahrung. Ich arbeite gerne mit {skills2} und lege großen Wert auf {focus}.",
        "{title} mit {years} Erfahrung und Produkten im Bereich {domain}. Kernkompetenzen: {skills3}. "
        "Derzeit in {city}.",
    ),
    "fr": (
        "{title} avec {years} d'expérience dans le secteur {domain}. Solide expertise en {skills3}, avec un accent "
        "sur {focus}.",
        "{title} avec {years} d'expérience. J'aime travailler avec {skills2} et j'attache une grande importance à "
        "{focus}.",
        "{title} avec {years} d'expérience, ayant livré des produits dans le secteur {domain}. "
        "Compétences clés : {skills3}. Actuellement basé{|e} à {city}.",
    ),
}

GRADUATE_SUMMARIES: Final[dict[Lang, tuple[str, ...]]] = {
    "en": (
        "Recent graduate in {field} looking for a first role as {title}. Hands-on project experience with {skills3}.",
        "{title} at the start of my career, with a degree in {field} and a strong interest in {focus}. "
        "Skills: {skills3}.",
    ),
    "es": (
        "Recién titulad{o|a} en {field} en busca de un primer puesto como {title}. Experiencia práctica en proyectos "
        "con {skills3}.",
        "{title} al inicio de mi carrera, con formación en {field} y gran interés por {focus}. "
        "Competencias: {skills3}.",
    ),
    "de": (
        "Absolvent{|in} im Fach {field} auf der Suche nach einem Einstieg als {title}. Praktische Projekterfahrung "
        "mit {skills3}.",
        "{title} am Anfang meiner Laufbahn, mit einem Abschluss im Fach {field} und großem Interesse an {focus}. "
        "Kenntnisse: {skills3}.",
    ),
    "fr": (
        "Jeune diplômé{|e} en {field}, à la recherche d'un premier poste de {title}. Expérience pratique en projets "
        "avec {skills3}.",
        "{title} en début de carrière, diplômé{|e} en {field} et passionné{|e} par {focus}. Compétences : {skills3}.",
    ),
}

# --- aliases the PDF may use instead of the canonical names (the JSON always has the canonical ones) ---------------
SKILL_ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "Kubernetes": ("k8s", "K8s"),
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
    "scikit-learn": ("sklearn",),
    ".NET": ("dotnet",),
    "Elasticsearch": ("Elastic",),
    "MongoDB": ("Mongo",),
    "Ruby on Rails": ("Rails", "RoR"),
    "Jetpack Compose": ("Compose",),
    "Hugging Face Transformers": ("HF Transformers",),
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
}

# Degree levels as the PDF may abbreviate them, for the ingestion side to normalise.
DEGREE_ALIASES: Final[dict[DegreeLevel, tuple[str, ...]]] = {
    "phd": ("PhD", "Ph.D.", "Dr.", "Doctorate", "Doctorado", "Promotion", "Doctorat"),
    "master": ("MSc", "M.Sc.", "MA", "MEng", "Máster", "Master", "Diplom", "Diplôme d'ingénieur"),
    "bachelor": ("BSc", "B.Sc.", "BA", "BEng", "Grado", "Licenciatura", "Bachelor", "Licence"),
    "vocational": ("HND", "Bootcamp", "Técnico Superior", "Fachinformatiker", "BTS", "DUT"),
}
