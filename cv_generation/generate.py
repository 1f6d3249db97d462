"""Builds one synthetic CV from (seed, index): every CV has its own random stream, so any subset is reproducible."""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Sequence
from typing import Final, TypeVar

from cv_generation import data
from cv_generation.i18n import city_name, join_list, years_phrase
from cv_generation.model import (
    CV,
    LANGS,
    LAYOUTS,
    Contact,
    DegreeLevel,
    Education,
    Experience,
    Lang,
    LanguageLevel,
    Layout,
    Location,
    Seniority,
    SpokenLanguage,
)

# Fixed "today", so that years of experience and the current job do not depend on when the generator runs.
REFERENCE_DATE: Final = "2026-11-01"
_TODAY: Final = 2026 * 12 + (11 - 1)  # month index of the reference date

_T = TypeVar("_T")
_GENDER = re.compile(r"\{([^{}|]*)\|([^{}|]*)\}")
_SLOT = re.compile(r"\{(\w+)\}")
_COMBOS: Final = tuple((lang, layout) for lang in LANGS for layout in LAYOUTS)


def cv_id(index: int) -> str:
    """`cv-0001` for index 1 (more digits past 9999)."""
    return f"cv-{index:04d}"


def month_index(ym: str) -> int:
    """`2020-01` -> a month count, so that differences are numbers of months."""
    year, month = ym.split("-")
    return int(year) * 12 + int(month) - 1


def month_str(index: int) -> str:
    """The inverse of `month_index`."""
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def experience_months(experience: Sequence[Experience], today: str = REFERENCE_DATE) -> int:
    """Months worked: the union of the jobs' periods, a current job (end None) running until `today`'s month.

    A period covers the months from `start` up to, not including, `end`. Overlapping jobs count once.
    """
    now = month_index(today[:7])
    covered: set[int] = set()
    for job in experience:
        end = now if job.end is None else month_index(job.end)
        covered.update(range(month_index(job.start), end))
    return len(covered)


def years_of_experience(experience: Sequence[Experience], today: str = REFERENCE_DATE) -> int:
    """Whole years worked, as `CV.years_experience` defines it."""
    return experience_months(experience, today) // 12


def seniority_fits(seniority: Seniority, years: int) -> bool:
    """Whether `years` of experience lies in the seniority's range (`data.SENIORITY_YEARS`)."""
    low, high = data.SENIORITY_YEARS[seniority]
    return low <= years <= high


def assignment(seed: int, index: int) -> tuple[Lang, Layout]:
    """Language and layout of CV `index`: each block of 20 CVs holds every (language, layout) pair once."""
    block, offset = divmod(index - 1, len(_COMBOS))
    order = random.Random(f"cvgen:{seed}:block:{block}").sample(_COMBOS, len(_COMBOS))
    return order[offset]


def gendered(text: str, female: bool) -> str:
    """Resolve `{m|f}` endings: `Ingenier{o|a}` -> `Ingeniero` / `Ingeniera`."""
    return _GENDER.sub(lambda m: m.group(2) if female else m.group(1), text)


def _weighted(rng: random.Random, pairs: Sequence[tuple[_T, int]]) -> _T:
    return rng.choices([value for value, _ in pairs], weights=[weight for _, weight in pairs])[0]


def _fmt_pct(lang: Lang, value: int) -> str:
    return f"{value}%" if lang == "en" else f"{value} %"


def _fmt_millions(lang: Lang, value: int) -> str:
    match lang:
        case "en":
            return f"{value} million"
        case "es":
            return "1 millón" if value == 1 else f"{value} millones"
        case "de":
            return f"{value} Mio."
        case _:
            return "1 million" if value == 1 else f"{value} millions"


def _ascii(text: str) -> str:
    text = text.replace("ß", "ss").replace("'", "")
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


class _Builder:
    """One CV's random decisions, in a fixed order (changing the order changes every CV for a seed)."""

    def __init__(self, seed: int, index: int) -> None:
        self.rng = random.Random(f"cvgen:{seed}:cv:{index}")
        self.index = index
        self.lang, self.layout = assignment(seed, index)

    # --- person ---------------------------------------------------------------------------------------------------
    def person(self) -> None:
        rng, lang = self.rng, self.lang
        self.origin = lang if rng.random() < data.SAME_ORIGIN_SHARE[lang] else _weighted(rng, data.FOREIGN_ORIGINS)
        self.female = rng.random() < 0.5
        first = rng.choice(data.FIRST_NAMES[self.origin][1 if self.female else 0])
        surname = rng.choice(data.SURNAMES[self.origin])
        if self.origin == "es" and rng.random() < 0.7:
            surname = f"{surname} {rng.choice([s for s in data.SURNAMES['es'] if s != surname])}"
        elif self.origin == "pt" and rng.random() < 0.4:
            surname = f"{rng.choice(data.SURNAMES['pt'])} {surname}"
        self.first, self.surname = first, surname
        self.name = f"{first} {surname}"
        self.origin_country = _weighted(rng, data.ORIGIN_COUNTRIES[self.origin])
        self.country = _weighted(rng, data.RESIDENCE[lang])
        if self.origin != lang and rng.random() < 0.3:
            self.country = self.origin_country  # e.g. a Portuguese engineer in Lisbon writing in English
        self.city = _weighted(rng, data.CITIES[self.country])

    def contact(self) -> Contact:
        rng = self.rng
        first, last = _ascii(self.first), _ascii(self.surname).replace(" ", "")
        user = rng.choice((f"{first}.{last}", f"{first[0]}.{last}", f"{first}{last}", f"{first}_{last}"))
        if rng.random() < 0.3:
            user += str(rng.randint(1, 99))
        email = f"{user}@{rng.choice(data.EMAIL_DOMAINS)}"
        phone = "".join(str(rng.randint(0, 9)) if ch == "#" else ch for ch in data.PHONE_FORMATS[self.country])
        return Contact(email=email, phone=phone)

    # --- career ---------------------------------------------------------------------------------------------------
    def role(self) -> None:
        rng = self.rng
        self.family = rng.choices(data.ROLE_FAMILIES, weights=[f.weight for f in data.ROLE_FAMILIES])[0]
        self.seniority: Seniority = _weighted(rng, tuple(data.SENIORITY_WEIGHTS.items()))
        self.base_title = rng.choice(self.family.titles[self.lang])

    def skills(self) -> None:
        rng, family = self.rng, self.family
        slots: dict[str, list[str]] = {}
        skills: list[str] = []
        if family.stacks:
            stack = rng.choice(family.stacks)
            slots["main"], slots["fw"] = [stack[0]], [stack[1]]
            slots["lib"] = list(stack[2:]) or [stack[1]]
            skills.extend(stack)
        extra = {"graduate": 0, "junior": 0, "mid": 1, "senior": 1, "staff": 2, "principal": 2}[self.seniority]
        for pool, options in family.pools.items():
            count = min(len(options), rng.randint(1, 2) + (extra if rng.random() < 0.5 else 0))
            slots[pool] = rng.sample(options, count)
            skills.extend(slots[pool])
        self.slots = slots
        self.skill_list = list(dict.fromkeys(skills))

    def _fill(self, template: str, domain: str) -> str:
        rng, lang = self.rng, self.lang

        def slot(match: re.Match[str]) -> str:
            name = match.group(1)
            match name:
                case "pct":
                    return _fmt_pct(lang, rng.randrange(10, 65, 5))
                case "num":
                    return str(rng.randint(3, 12))
                case "users":
                    return _fmt_millions(lang, rng.choice((1, 2, 3, 5, 8, 10, 20, 50)))
                case "domain":
                    return data.DOMAIN_WORDS[domain][lang]
                case _:
                    return rng.choice(self.slots[name])

        return gendered(_SLOT.sub(slot, template), self.female)

    def _title(self, seniority: Seniority, base: str) -> str:
        return gendered(data.SENIORITY_TITLE[self.lang][seniority].replace("{t}", base), self.female)

    def _company(self, country: str, domain: str, taken: set[str]) -> str:
        rng = self.rng
        local = data.COUNTRY_LANGUAGE[country]
        english, by_lang = data.DOMAIN_SECTORS[domain]
        while True:
            stem = rng.choice(data.COMPANY_STEMS)
            legal = rng.choice(data.LEGAL_FORMS[country])
            roll = rng.random()
            if roll < 0.35:
                name = f"{stem} {rng.choice(english)} {legal}"
            elif roll < 0.6:
                name = f"{stem} {legal}"
            elif roll < 0.8 and local in by_lang:
                name = f"{stem} {by_lang[local]} {legal}"
            elif roll < 0.9 and local in data.GROUP_PREFIX:
                name = f"{data.GROUP_PREFIX[local]} {stem}"
            else:
                name = rng.choice((f"{stem}.io", f"{stem} Labs", f"{stem} {rng.choice(english)}"))
            if stem not in taken:
                taken.add(stem)
                return name

    def experience(self) -> list[Experience]:
        rng = self.rng
        low, high = data.SENIORITY_YEARS[self.seniority]
        months = rng.randint(3, 23) if self.seniority == "graduate" else rng.randint(low * 12, high * 12 + 11)
        max_jobs = {"graduate": 1, "junior": 2, "mid": 3, "senior": 4, "staff": 5, "principal": 6}[self.seniority]
        min_jobs = {"graduate": 1, "junior": 1, "mid": 2, "senior": 2, "staff": 3, "principal": 3}[self.seniority]
        jobs = max(1, min(rng.randint(min_jobs, max_jobs), months // 8))
        # Split `months` into `jobs` parts of at least 4 months each.
        cuts = sorted(rng.sample(range(1, months - 4 * jobs + jobs), jobs - 1)) if jobs > 1 else []
        spare = [b - a for a, b in zip([0, *cuts], [*cuts, months - 4 * jobs + jobs], strict=True)]
        lengths = [3 + s for s in spare]
        # Walk back from today: the newest job is usually ongoing; gaps between jobs are not counted.
        end = _TODAY if rng.random() < 0.85 else _TODAY - rng.randint(1, 8)
        periods: list[tuple[int, int]] = []
        for length in reversed(lengths):
            periods.append((end - length, end))
            end = end - length - (rng.choice((0, 0, 0, 1, 2, 3, 5)) if len(periods) < jobs else 0)
        periods.reverse()
        self.career_start = periods[0][0]
        self.domain = rng.choice(tuple(data.DOMAIN_WORDS))
        taken: set[str] = set()
        result: list[Experience] = []
        worked = 0
        for number, (start, stop) in enumerate(periods):
            current = number == len(periods) - 1
            # A past job shows the level reached by its end, as CVs list the last title held at a company.
            seniority = (
                self.seniority if current else _seniority_at((worked + stop - start) // 12, self.seniority, number)
            )
            base = self.base_title if current or rng.random() < 0.6 else rng.choice(self.family.titles[self.lang])
            country = self.country if number >= len(periods) - 2 or rng.random() < 0.5 else self.origin_country
            domain = self.domain if current else rng.choice(tuple(data.DOMAIN_WORDS))
            company = self._company(country, domain, taken)
            count = rng.randint(3, 4) if current else rng.randint(2, 3)
            sentences = rng.sample(self.family.activities[self.lang], count)
            lines = [self._fill(s, domain) for s in sentences]
            if seniority in ("senior", "staff", "principal") and rng.random() < 0.7:
                lines.append(self._fill(rng.choice(data.LEADERSHIP[self.lang]), domain))
            ongoing = current and stop == _TODAY
            result.append(
                Experience(
                    company=company,
                    title=self._title(seniority, base),
                    start=month_str(start),
                    end=None if ongoing else month_str(stop),
                    description="\n".join(lines),
                )
            )
            worked += stop - start
        self.current_title = result[-1].title
        return result[::-1]  # newest first, as CVs list them

    # --- education ------------------------------------------------------------------------------------------------
    def education(self) -> list[Education]:
        rng, lang, family = self.rng, self.lang, self.family
        top: DegreeLevel = _weighted(rng, tuple(family.degree_weights.items()))
        finish = self.career_start // 12 - (0 if self.career_start % 12 >= 6 else rng.choice((0, 1)))
        finish = min(finish, 2026)
        country = self.origin_country if rng.random() < 0.8 else self.country
        if top == "vocational":
            field = rng.choice(data.VOCATIONAL_FIELDS)
            school = rng.choice(data.VOCATIONAL_SCHOOLS[lang])
            self.field = field
            return [self._degree(school, "vocational", field, finish - rng.choice((2, 3)), finish)]
        chains: dict[DegreeLevel, list[DegreeLevel]] = {
            "bachelor": ["bachelor"],
            "master": ["bachelor", "master"],
            "phd": ["bachelor", "master", "phd"],
        }
        levels = chains[top]
        durations = {"bachelor": rng.choice((3, 4, 4)), "master": rng.choice((1, 2, 2)), "phd": rng.randint(3, 5)}
        field = rng.choice(family.fields)
        self.field = field
        entries: list[Education] = []
        end = finish
        for level in reversed(levels):
            start = end - durations[level]
            if level == "bachelor" and rng.random() < 0.3:
                field = rng.choice(family.fields)  # many change field between bachelor and master
            school = rng.choice(data.UNIVERSITIES[country])
            entries.append(self._degree(school, level, field, start, end))
            end = start if rng.random() < 0.7 else start - 1
        self.field = entries[0].field  # the highest degree's field
        return entries  # newest first

    def _degree(self, school: str, level: DegreeLevel, field: str, start: int, end: int) -> Education:
        title, _ = self.rng.choice(data.DEGREES[self.lang][level])
        return Education(
            institution=school,
            degree=gendered(title, self.female),
            degree_level=level,
            field=field,
            start_year=start,
            end_year=end,
        )

    # --- languages and certificates ---------------------------------------------------------------------------------
    def spoken(self) -> list[SpokenLanguage]:
        rng, lang = self.rng, self.lang
        levels: dict[str, LanguageLevel] = {self.origin: "native"}
        if self.origin == "es" and self.city == "Barcelona" and rng.random() < 0.5:
            levels["ca"] = "native"
        if lang not in levels:
            levels[lang] = "fluent" if rng.random() < 0.7 else "professional"
        if "en" not in levels and rng.random() < 0.95:
            levels["en"] = _weighted(rng, (("fluent", 45), ("professional", 40), ("basic", 15)))
        local = data.COUNTRY_LANGUAGE[self.country]
        if local not in levels and rng.random() < 0.6:
            levels[local] = _weighted(rng, (("professional", 40), ("basic", 60)))
        if len(levels) < 4 and rng.random() < 0.25:
            other = rng.choice([c for c in ("fr", "de", "es", "it", "pt") if c not in levels])
            levels[other] = _weighted(rng, (("professional", 30), ("basic", 70)))
        rank = {"native": 0, "fluent": 1, "professional": 2, "basic": 3}
        ordered = sorted(levels.items(), key=lambda item: rank[item[1]])[:4]
        return [SpokenLanguage(language=code, level=level) for code, level in ordered]

    def certifications(self) -> list[str]:
        low, high = data.CERTIFICATIONS_BY_SENIORITY[self.seniority]
        count = min(self.rng.randint(low, high), len(self.family.certifications))
        return self.rng.sample(self.family.certifications, count)

    # --- text -----------------------------------------------------------------------------------------------------
    def summary(self, years: int) -> str:
        rng, lang = self.rng, self.lang
        picks = rng.sample(self.skill_list, min(3, len(self.skill_list)))
        values = {
            "title": self.current_title,
            "years": years_phrase(lang, max(years, 1)),
            "domain": data.DOMAIN_WORDS[self.domain][lang],
            "skills3": join_list(lang, picks),
            "skills2": join_list(lang, picks[:2]),
            "focus": self.family.focus[lang],
            "city": city_name(lang, self.city),
            "field": data.FIELDS[self.field].get(lang, self.field),
        }
        pool = data.GRADUATE_SUMMARIES if self.seniority == "graduate" else data.SUMMARIES
        template = rng.choice(pool[lang])
        return gendered(_SLOT.sub(lambda m: values[m.group(1)], template), self.female)

    def headline(self) -> str:
        rng = self.rng
        if rng.random() < 0.5:
            return self.current_title
        return f"{self.current_title} \u00b7 {', '.join(self.skill_list[:2])}"


def _seniority_at(years: int, final: Seniority, number: int) -> Seniority:
    """A past job's level from the years worked by its end, never above the final level."""
    if years < 1:
        level: Seniority = "graduate" if number == 0 else "junior"
    elif years < 3:
        level = "junior"
    elif years < 6:
        level = "mid"
    elif years < 9:
        level = "senior"
    elif years < 12:
        level = "staff"
    else:
        level = "principal"
    order = data.SENIORITY_YEARS
    return level if list(order).index(level) <= list(order).index(final) else final


def generate_cv(seed: int, index: int) -> CV:
    """The CV number `index` (from 1) of the corpus for `seed`; independent of how many CVs are generated."""
    b = _Builder(seed, index)
    b.person()
    b.role()
    b.skills()
    experience = b.experience()
    education = b.education()
    years = years_of_experience(experience)
    return CV(
        id=cv_id(index),
        language=b.lang,
        layout=b.layout,
        name=b.name,
        headline=b.headline(),
        location=Location(city=b.city, country=b.country),
        contact=b.contact(),
        summary=b.summary(years),
        experience=experience,
        education=education,
        skills=b.skill_list,
        spoken_languages=b.spoken(),
        certifications=b.certifications(),
        role_family=b.family.key,
        seniority=b.seniority,
        years_experience=years,
    )
