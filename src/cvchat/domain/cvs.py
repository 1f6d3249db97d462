"""CVs and their structured profile, as extracted at ingestion from the text alone."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

import msgspec


class LanguageLevel(enum.StrEnum):
    """A spoken language's level, normalised across the CV languages (Muttersprache, nativo → native)."""

    NATIVE = "native"
    FLUENT = "fluent"
    PROFESSIONAL = "professional"
    BASIC = "basic"

    @property
    def rank(self) -> int:
        """Higher is better: basic 1 … native 4."""
        return _LEVEL_RANK[self]


_LEVEL_RANK = {LanguageLevel.BASIC: 1, LanguageLevel.PROFESSIONAL: 2, LanguageLevel.FLUENT: 3, LanguageLevel.NATIVE: 4}


class DegreeLevel(enum.StrEnum):
    """The highest degree, normalised (Ph.D., Doktor, doctorat → phd)."""

    VOCATIONAL = "vocational"
    BACHELOR = "bachelor"
    MASTER = "master"
    PHD = "phd"

    @property
    def rank(self) -> int:
        return _DEGREE_RANK[self]


_DEGREE_RANK = {DegreeLevel.VOCATIONAL: 1, DegreeLevel.BACHELOR: 2, DegreeLevel.MASTER: 3, DegreeLevel.PHD: 4}


class SpokenLanguage(msgspec.Struct, frozen=True, kw_only=True):
    code: str
    """ISO 639-1 (`de`, `es`, …)."""
    level: LanguageLevel | None = None


class Location(msgspec.Struct, frozen=True, kw_only=True):
    city: str | None = None
    country: str | None = None
    """English country name (Germany, Spain, …)."""


class CvProfile(msgspec.Struct, frozen=True, kw_only=True):
    """What ingestion extracts from a CV's text; new fields get defaults (profiles are stored as JSON)."""

    name: str | None = None
    title: str | None = None
    """The current job title, as written."""
    seniority: str | None = None
    """graduate, junior, mid, senior, staff or principal."""
    location: Location = Location()
    languages: list[SpokenLanguage] = []
    skills: list[str] = []
    """Canonical names (k8s → Kubernetes)."""
    years_experience: float | None = None
    highest_degree: DegreeLevel | None = None
    institutions: list[str] = []
    certifications: list[str] = []
    companies: list[str] = []
    cv_language: str | None = None
    """The language the CV is written in (ISO 639-1)."""


class Cv(msgspec.Struct, frozen=True, kw_only=True):
    """An ingested CV."""

    id: UUID
    source_filename: str
    content_hash: str
    text: str
    profile: CvProfile
    created_at: datetime
    pages: int = 0
    size_bytes: int = 0


class CvHit(msgspec.Struct, frozen=True, kw_only=True):
    """One CV found by a search, best first."""

    cv_id: UUID
    name: str
    source_filename: str
    score: float
    snippets: list[str] = []
    profile: CvProfile = CvProfile()
