"""Normalise what people type in CV list filters (alemán, München, k8s, Ph.D.) to the canonical stored values."""

from __future__ import annotations

import unicodedata

from cvchat.domain.cvs import DegreeLevel, LanguageLevel
from cvchat.domain.errors import InvalidInputError
from cvchat.infrastructure.cvs.vocabulary import CITIES, COUNTRIES, LANGUAGE_NAMES, LEVEL_WORDS, SKILL_ALIASES, SKILLS


def fold(text: str) -> str:
    """Lower case without accents."""
    decomposed = unicodedata.normalize("NFKD", text.strip().lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


_LANGUAGES = {fold(name): code for code, names in LANGUAGE_NAMES.items() for name in (code, *names)}
_LEVELS = {fold(word): level for word, level in LEVEL_WORDS.items()} | {
    fold(level.value): level for level in LanguageLevel
}
_COUNTRIES = {fold(name): country for country, names in COUNTRIES.items() for name in (country, *names)}
_CITIES = {fold(name): city for city, (_country, names) in CITIES.items() for name in (city, *names)}
_SKILLS = {fold(skill): skill for skill in SKILLS} | {
    fold(alias): skill for skill, aliases in SKILL_ALIASES.items() for alias in aliases
}
_DEGREES = {
    **{fold(level.value): level for level in DegreeLevel},
    "ph.d.": DegreeLevel.PHD,
    "ph.d": DegreeLevel.PHD,
    "doctorate": DegreeLevel.PHD,
    "doctorado": DegreeLevel.PHD,
    "doktor": DegreeLevel.PHD,
    "promotion": DegreeLevel.PHD,
    "doctorat": DegreeLevel.PHD,
    "masters": DegreeLevel.MASTER,
    "msc": DegreeLevel.MASTER,
    "master's": DegreeLevel.MASTER,
    "bachelors": DegreeLevel.BACHELOR,
    "bsc": DegreeLevel.BACHELOR,
    "bachelor's": DegreeLevel.BACHELOR,
    "grado": DegreeLevel.BACHELOR,
    "licence": DegreeLevel.BACHELOR,
    "ausbildung": DegreeLevel.VOCATIONAL,
}


def language_code(value: str) -> str:
    code = _LANGUAGES.get(fold(value))
    if code is None:
        raise InvalidInputError(f"unknown language {value!r}: give an ISO code (de) or a name (German, alemán)")
    return code


def language_level(value: str) -> LanguageLevel:
    level = _LEVELS.get(fold(value))
    if level is None:
        raise InvalidInputError(f"unknown min_level {value!r}: use native, fluent, professional or basic")
    return level


def location(value: str) -> tuple[str | None, str | None]:
    """(city, None) or (None, country) for a city or country name in any of the four languages."""
    folded = fold(value)
    if folded in _CITIES:
        return _CITIES[folded], None
    if folded in _COUNTRIES:
        return None, _COUNTRIES[folded]
    return value.strip(), None  # an unknown place is matched as a city name as written


def skill(value: str) -> str:
    return _SKILLS.get(fold(value), value.strip())


def degree(value: str) -> DegreeLevel:
    level = _DEGREES.get(fold(value))
    if level is None:
        raise InvalidInputError(f"unknown degree {value!r}: use vocational, bachelor, master or phd")
    return level
