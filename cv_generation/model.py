"""The synthetic CV record (msgspec Structs) written as `<id>.json`, and the corpus manifest.

Every Struct is keyword-only, so fields can be added later with defaults, and frozen, because a CV is a value.
"""

from __future__ import annotations

from typing import Literal

import msgspec

Lang = Literal["en", "es", "de", "fr"]
Layout = Literal["one_column", "two_column", "sidebar", "table", "narrative"]
DegreeLevel = Literal["bachelor", "master", "phd", "vocational"]
LanguageLevel = Literal["native", "fluent", "professional", "basic"]
Seniority = Literal["graduate", "junior", "mid", "senior", "staff", "principal"]

LANGS: tuple[Lang, ...] = ("en", "es", "de", "fr")
LAYOUTS: tuple[Layout, ...] = ("one_column", "two_column", "sidebar", "table", "narrative")
SENIORITIES: tuple[Seniority, ...] = ("graduate", "junior", "mid", "senior", "staff", "principal")


class Location(msgspec.Struct, kw_only=True, frozen=True):
    """Where the candidate lives; city and country are canonical English names (the PDF localizes them)."""

    city: str
    country: str


class Contact(msgspec.Struct, kw_only=True, frozen=True):
    """Fictional contact details (reserved example domains)."""

    email: str
    phone: str


class Experience(msgspec.Struct, kw_only=True, frozen=True):
    """One job. `start`/`end` are `YYYY-MM`; `end` is None for the current job.

    `title`, `company` and `description` are written as in the PDF, in the CV's language; `description` holds one
    achievement per line. Skill names in it are canonical (the PDF may use aliases).
    """

    company: str
    title: str
    start: str
    end: str | None
    description: str


class Education(msgspec.Struct, kw_only=True, frozen=True):
    """One degree. `degree` is the title as printed (localized); `degree_level` and `field` are canonical."""

    institution: str
    degree: str
    degree_level: DegreeLevel
    field: str
    start_year: int
    end_year: int


class SpokenLanguage(msgspec.Struct, kw_only=True, frozen=True):
    """A spoken language as an ISO 639-1 code with a canonical level."""

    language: str
    level: LanguageLevel


class CV(msgspec.Struct, kw_only=True, frozen=True):
    """Ground truth for one synthetic CV: free text as written, structured facts canonical."""

    id: str
    language: Lang
    layout: Layout
    name: str
    headline: str
    location: Location
    contact: Contact
    summary: str
    experience: list[Experience]
    education: list[Education]
    skills: list[str]
    spoken_languages: list[SpokenLanguage]
    certifications: list[str]
    role_family: str
    seniority: Seniority
    years_experience: int


class ManifestEntry(msgspec.Struct, kw_only=True, frozen=True):
    """One CV in the manifest; file names are relative to the manifest's folder, `pdf` is None with --no-pdf."""

    id: str
    json: str
    pdf: str | None
    language: Lang
    layout: Layout
    name: str
    role_family: str
    seniority: Seniority


class Manifest(msgspec.Struct, kw_only=True, frozen=True):
    """`manifest.json`: how the corpus was made and which files it has (no timestamps, so it is reproducible)."""

    generator: str
    version: int
    seed: int
    count: int
    reference_date: str
    cvs: list[ManifestEntry]
