"""Extracts a CV's structured profile from its text alone, in English, Spanish, German and French."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date
from typing import Final

import msgspec

from cvchat.domain.cvs import CvProfile, DegreeLevel, LanguageLevel, Location, SpokenLanguage
from cvchat.infrastructure.cvs import vocabulary as voc
from cvchat.infrastructure.cvs.pdf_text import PAGE_BREAK


def _fold(text: str) -> str:
    return text.replace("\u2019", "'").casefold()


def _alternation(words: Iterable[str]) -> str:
    """A regex alternation, longest first, so that the longest form wins at a position."""
    return "|".join(re.escape(word) for word in sorted(set(words), key=len, reverse=True))


# --- text structure --------------------------------------------------------------------------------------------------
_HEADINGS: Final[dict[str, tuple[str, frozenset[str]]]] = {}
for _lang, _sections in voc.SECTION_HEADINGS.items():
    for _kind, _titles in _sections.items():
        for _title in _titles:
            _kind_before, _langs = _HEADINGS.get(_fold(_title), (_kind, frozenset()))
            _HEADINGS[_fold(_title)] = (_kind_before, _langs | {_lang})

_FOOTER: Final = re.compile(
    r"^(?:(?P<name>.*?)\s*[·|•]\s*)?(?:page|página|pagina|seite|pág\.?)\s*\d+\s*(?:/|of|de|von|sur)\s*\d+$",
    re.IGNORECASE,
)
_PAGE_NUMBER: Final = re.compile(r"^[-\u2013\s]*\d{1,3}(?:\s*/\s*\d{1,3})?[-\u2013\s]*$")
_BULLET: Final = re.compile(r"^[•▪◦●■►▸‣\u2043∙*➢✓✔\uf0b7\uf0a7\uf076\uf0d8]\s*|^[-\u2013\u2014]\s+")


class _Block(msgspec.Struct):
    kind: str
    lines: list[str] = []
    langs: frozenset[str] = frozenset()


class _Sections(msgspec.Struct, kw_only=True):
    """A CV's lines grouped by section; `header` is what comes before the first heading."""

    blocks: list[_Block]
    footer_names: list[str]

    def lines(self, *kinds: str) -> list[str]:
        return [line for block in self.blocks if block.kind in kinds for line in block.lines]

    def has(self, kind: str) -> bool:
        return any(block.kind == kind for block in self.blocks)


def _heading(line: str) -> tuple[str, frozenset[str]] | None:
    key = _fold(line).strip(" :\u2014\u2013-_|•·*#=")
    return _HEADINGS.get(key) if len(key) <= 60 else None


def _split_sections(text: str) -> _Sections:
    blocks: list[_Block] = [_Block("header")]
    footer_names: list[str] = []
    for number, page in enumerate(text.split(PAGE_BREAK)):
        if number:
            # A page's first lines continue whichever section was open; decided once the block is read.
            blocks.append(_Block("continuation"))
        for raw in page.split("\n"):
            line = raw.strip()
            if not line or _PAGE_NUMBER.match(line) or _is_table_header(line):
                continue
            if footer := _FOOTER.match(line):
                if footer.group("name"):
                    footer_names.append(footer.group("name"))
                continue
            if heading := _heading(line):
                blocks.append(_Block(heading[0], [], heading[1]))
                continue
            head, colon, rest = line.partition(":")
            inline = _heading(head) if colon and rest.strip() else None
            if inline and blocks[-1].kind != "summary" and _fits_inline(inline[0], rest):
                blocks.append(_Block(inline[0], [rest.strip()], inline[1]))
                continue
            blocks[-1].lines.append(line)
    previous = "header"
    for block in blocks:
        if block.kind == "continuation":
            block.kind = previous
            # A column that overflows (two-column layouts) continues on the next page after the other column's
            # sections: jobs found there belong to the experience, whatever section the stream ended with.
            if previous in ("languages", "skills", "certifications", "contact", "education") and _looks_like_jobs(
                block.lines
            ):
                block.kind = "experience"
            elif (
                previous in ("languages", "skills", "certifications", "contact")
                and block.lines[:1] != []
                and (block.lines[0][:1].islower())
            ):
                block.kind = "other"  # the end of a sentence from the other column: no list item starts in lowercase
        previous = block.kind
    return _Sections(blocks=blocks, footer_names=footer_names)


def _is_table_header(line: str) -> bool:
    words = _fold(line).replace("/", " ").split()
    return len(words) >= 2 and all(word in voc.TABLE_LABELS for word in words)


def _fits_inline(kind: str, rest: str) -> bool:
    """`Languages: English, German` opens a section; `Languages: Python, Go` inside the skills does not."""
    if ". " in rest:
        return False
    if kind == "languages":
        return any(match.group("language") for match in _LANGUAGE_TOKEN.finditer(_fold(rest)))
    if kind == "skills":
        return _SKILL_RE.search(rest) is not None
    return kind == "certifications"


def _looks_like_jobs(lines: Sequence[str]) -> bool:
    return any(_RANGE.search(line) and _has_month(line) for line in lines) or any(
        _BULLET.match(line) and len(line) >= 50 for line in lines
    )


# --- dates and periods ------------------------------------------------------------------------------------------------
_MONTH_ALT: Final = _alternation(voc.MONTHS)
_YEAR: Final = r"(?:19[5-9]\d|20\d\d)"
_DATE: Final = (
    rf"(?:(?:{_MONTH_ALT})\.?\s*(?:de\s+|del\s+)?{_YEAR}|(?:0?[1-9]|1[0-2])\s*[/.]\s*{_YEAR}|{_YEAR}\s*[-/]\s*(?:0[1-9]|1[0-2])(?!\d)"
    rf"|{_YEAR})"
)
_PRESENT_ALT: Final = _alternation(voc.PRESENT_WORDS)
_RANGE: Final = re.compile(
    rf"(?<![\w/.])(?P<start>{_DATE})\s*(?:[-\u2013\u2014]+|\s(?:{_alternation(voc.RANGE_WORDS)})\s)\s*"
    rf"(?P<end>{_DATE}|(?:{_PRESENT_ALT})(?![\w]))"
    rf"|(?<![\w])(?:{_alternation(voc.SINCE_WORDS)})\s+(?P<since>{_DATE})(?![\w/])",
    re.IGNORECASE,
)
_MONTH_YEAR: Final = re.compile(
    rf"(?<!\w)(?P<month>{_MONTH_ALT})\.?\s*(?:de\s+|del\s+)?(?P<year>{_YEAR})", re.IGNORECASE
)
_NUMERIC: Final = re.compile(
    rf"(?P<month>0?[1-9]|1[0-2])\s*[/.]\s*(?P<year>{_YEAR})|(?P<year2>{_YEAR})\s*[-/]\s*(?P<month2>0[1-9]|1[0-2])"
)
_RANGE_IN_PARENS: Final = re.compile(rf"\(\s*(?:{_RANGE.pattern})\s*\)", re.IGNORECASE)
_YEAR_ONLY: Final = re.compile(_YEAR)
_OPEN_END: Final = re.compile(rf"[-\u2013\u2014]\s*$|^(?:{_PRESENT_ALT}|{_DATE})\s*$", re.IGNORECASE)


def _has_month(text: str) -> bool:
    return bool(_MONTH_YEAR.search(text) or _NUMERIC.search(text))


def _month_index(text: str) -> int | None:
    """`Jan 2020` -> a month count; a year alone is January of it (so `2018 - 2020` is two years)."""
    if match := _MONTH_YEAR.search(text):
        return int(match.group("year")) * 12 + voc.MONTHS[_fold(match.group("month"))] - 1
    if match := _NUMERIC.search(text):
        year, month = (match.group("year"), match.group("month")) if match.group("year") else match.group(2, 4)
        return int(year) * 12 + int(month) - 1
    if match := _YEAR_ONLY.search(text):
        return int(match.group(0)) * 12
    return None


def _period(match: re.Match[str], today: date) -> tuple[int, int] | None:
    """A range match as [start, end) month indexes; an ongoing period ends at `today`'s month."""
    now = today.year * 12 + today.month - 1
    if match.group("since"):
        start, end = _month_index(match.group("since")), now
    else:
        start = _month_index(match.group("start"))
        end_text = match.group("end")
        end = _month_index(end_text) if _YEAR_ONLY.search(end_text) else now
    if start is None or end is None:
        return None
    start, end = min(start, now), min(end, now)
    return (start, end) if start <= end else None


# --- experience -------------------------------------------------------------------------------------------------------
class _Job(msgspec.Struct, kw_only=True):
    title: str | None
    company: str | None
    start: int
    end: int
    ongoing: bool


# Both anchored at the end of the text before a period, with a greedy start, so the cue nearest to it wins.
_PROSE_CURRENT: Final = re.compile(
    r".*(?:^|\s)(?:work(?:ed)?|arbeite ich|arbeitete ich|trabajo|trabajé|je travaille"
    r"|j['\u2019]occupe actuellement le poste de|occupe le poste de)\s+"
    r"(?:as\s+|als\s+|como\s+|comme\s+|en tant que\s+)?(?P<title>.+?)\s+"
    r"(?:at|@|bei|en|chez|for|für|para)\s+(?P<company>.+?)[\s,]*$",
    re.IGNORECASE | re.DOTALL,
)
_PROSE_PAST: Final = re.compile(
    r".*(?:^|\s)(?:At|For|Bei|Für|En|Para|Chez)\s+(?P<company>.+?),?\s+(?:I\s+(?:worked|was\s+employed|served)\s+as"
    r"|war ich als|arbeitete ich als|trabajé como|j['\u2019]ai occupé le poste de|j['\u2019]ai travaillé comme)"
    r"\s+(?P<title>.+?)(?:\s+(?:tätig|beschäftigt))?[\s,]*$",
    re.DOTALL,
)


def _jobs(lines: Sequence[str], today: date) -> list[_Job]:
    lines = _merge_broken_ranges(lines)
    joined = " ".join(lines)
    ranges = sum(1 for _ in _RANGE.finditer(joined))
    long_lines = len(joined) > 60 * len(lines)
    if ranges and long_lines and sum(1 for _ in _RANGE_IN_PARENS.finditer(joined)) * 2 > ranges:
        return _prose_jobs(joined, today)
    return _listed_jobs(lines, today)


def _merge_broken_ranges(lines: Sequence[str]) -> list[str]:
    """`jul. 2025 -` + `Actualidad` (a table cell wraps the period) -> one line."""
    merged: list[str] = []
    for line in lines:
        if merged and merged[-1].rstrip().endswith(("\u2013", "-", "\u2014")) and _OPEN_END.match(line):
            merged[-1] = f"{merged[-1]} {line}"
        else:
            merged.append(line)
    return merged


def _prose_jobs(text: str, today: date) -> list[_Job]:
    jobs = []
    for match in _RANGE.finditer(text):
        period = _period(match, today)
        if period is None:
            continue
        window = text[max(0, match.start() - 300) : match.start()].rstrip(" (")
        title = company = None
        if (found := _PROSE_PAST.match(window)) or (found := _PROSE_CURRENT.match(window)):
            title, company = found.group("title"), found.group("company")
        jobs.append(_job(title, company, period, match, today))
    return jobs


def _job(title: str | None, company: str | None, period: tuple[int, int], match: re.Match[str], today: date) -> _Job:
    ongoing = match.group("since") is not None or not _YEAR_ONLY.search(match.group("end") or "")
    now = today.year * 12 + today.month - 1
    return _Job(
        title=_clean(title),
        company=_clean(company),
        start=period[0],
        end=period[1],
        ongoing=ongoing or period[1] >= now,
    )


def _clean(text: str | None) -> str | None:
    return (text or "").strip(" ,;|·\u2013\u2014-:(").strip() or None


def _listed_jobs(lines: Sequence[str], today: date) -> list[_Job]:
    jobs = []
    used: set[int] = set()
    for index, line in enumerate(lines):
        match = _RANGE.search(line)
        if match is None or (period := _period(match, today)) is None:
            continue
        before = line[: match.start()].strip(" ,;|·\u2013\u2014-:(")
        after = line[match.end() :].strip(" ,;|·\u2013\u2014-:)")
        following: list[str] = []
        for other in lines[index + 1 : index + 5]:
            if _BULLET.match(other) or _RANGE.search(other):
                break
            if following and (other in voc.LEGAL_FORMS or following[-1].endswith(("&", " Co."))):
                following[-1] = f"{following[-1]} {other}"  # a company name wrapped in a narrow cell
            else:
                following.append(other)
        else:
            following = following[:1]  # no bullet list after the header: only the next line is part of it
        title: str | None
        company: str | None
        if before and (split := _split_title_company(before))[1]:
            title, company = split
            used.add(index)
        elif before:
            title, company = before, (following[0] if following else after or None)
            used.update(range(index, index + 1 + bool(following)))
        elif after:
            title, company = _split_title_company(after)
        elif len(following) >= 2:
            title, company = " ".join(following[:-1]), following[-1]
            used.update(range(index, index + len(following) + 1))
        else:
            title, company = _free_line(lines, index - 1, used), (following[0] if following else None)
            if company is None and title is not None:  # "Company / Title / period" written upwards
                company = _free_line(lines, index - 2, used)
            used.update(range(index - 2 if company and not following else index - 1, index + 1 + bool(following)))
        if title and company is None:
            title, company = _split_title_company(title)
        jobs.append(_job(title, company, period, match, today))
    return jobs


def _free_line(lines: Sequence[str], index: int, used: set[int]) -> str | None:
    """A line that belongs to no other job and is not a bullet, or None."""
    if index < 0 or index in used or _BULLET.match(lines[index]) or _RANGE.search(lines[index]):
        return None
    return lines[index]


_TITLE_COMPANY: Final = re.compile(
    r"^(?P<title>.+?)\s*(?:\s(?:at|@|bei|chez)\s|\s[|·\u2013\u2014]\s|,\s)\s*(?P<company>.+)$"
)


def _split_title_company(text: str) -> tuple[str | None, str | None]:
    if match := _TITLE_COMPANY.match(text):
        return match.group("title"), match.group("company")
    return text, None


def _years(jobs: Sequence[_Job]) -> float | None:
    """Months worked as the union of the jobs' periods, so overlapping jobs count once, in years."""
    if not jobs:
        return None
    covered: set[int] = set()
    for job in jobs:
        covered.update(range(job.start, job.end))
    return round(len(covered) / 12, 2)


# --- education --------------------------------------------------------------------------------------------------------
_DEGREE_RE: Final = re.compile(
    "|".join(
        f"(?P<d{number}>(?<![\\w.]){pattern}(?![\\w]))"
        for number, (pattern, _level) in sorted(
            enumerate(voc.DEGREE_PATTERNS), key=lambda item: len(item[1][0]), reverse=True
        )
    )
)
_DEGREE_GROUP_LEVEL: Final = {f"d{number}": level for number, (_pattern, level) in enumerate(voc.DEGREE_PATTERNS)}
_STUDY_VERBS: Final = re.compile(
    r"\b(?:studied|graduated|estudié|cursé|me gradué|studiert|abgeschlossen|suivi la formation|j['\u2019]ai étudié"
    r"|obtenu)\b",
    re.IGNORECASE,
)
_YEARS_ONLY_LINE: Final = re.compile(
    rf"^[\s(]*{_YEAR}(?:\s*[-\u2013\u2014/]\s*(?:{_YEAR}|{_PRESENT_ALT}))?[\s)]*$", re.I
)
_KNOWN_INSTITUTION: Final = re.compile(rf"(?<!\w)(?:{_alternation(voc.KNOWN_INSTITUTIONS)})(?!\w)")
_KEYWORDS: Final = frozenset(voc.INSTITUTION_KEYWORDS)
_KEYWORD_SUFFIXES: Final = ("hochschule", "schule", "akademie", "universität", "kolleg")


def _is_institution_word(token: str) -> bool:
    """`Universidad`, `Humboldt-Universität`, `Fachhochschule`, `IES`; not `Technologies`."""
    if not token[:1].isupper():
        return False
    return any(
        part.rstrip(".,") in _KEYWORDS or part.casefold().endswith(_KEYWORD_SUFFIXES) for part in token.split("-")
    )


_SMALL_NUMBER: Final = re.compile(r"\d{1,2}")  # "IUT Lyon 1", "Université Paris 8"
_NAME_LINKS: Final = frozenset(
    {"of", "for", "and", "the", "de", "del", "la", "las", "los", "y", "i", "di", "do", "da", "dos", "des", "du", "le",
     "les", "et", "zu", "für", "und", "am", "an", "der", "van", "den", "libre", "catholique", "&", "e", "d'", "l'"}
)  # fmt: skip


def _degree_levels(text: str) -> list[tuple[DegreeLevel, re.Match[str]]]:
    found = []
    for match in _DEGREE_RE.finditer(text):
        group = match.lastgroup
        if group is not None:
            found.append((_DEGREE_GROUP_LEVEL[group], match))
    return found


def _education(lines: Sequence[str]) -> tuple[DegreeLevel | None, list[str]]:
    levels: list[DegreeLevel] = []
    institutions: list[str] = []
    long_lines = sum(len(line) for line in lines) > 64 * max(1, len(lines))
    if any(_STUDY_VERBS.search(line) for line in lines) or (
        long_lines and not any(line[:1].isdigit() for line in lines)
    ):
        text = " ".join(lines)
        levels = [level for level, _ in _degree_levels(text)]
        institutions = _institutions_in(text)
    else:
        for entry in _education_entries(lines):
            degree_at = next((index for index, line in enumerate(entry) if _degree_levels(line)), None)
            for line in entry:
                levels.extend(level for level, _ in _degree_levels(line))
            if degree_at is None:
                institutions.extend(name for line in entry for name in _institutions_in(line))
                continue
            candidates = [
                line
                for line in entry[degree_at + 1 :]
                if not _YEARS_ONLY_LINE.match(line) and not _degree_levels(line) and _strip_years(line)
            ]
            if candidates:
                # A school's name may wrap onto a second line (and a degree onto the first candidate line).
                named = _institutions_in(" ".join(_strip_years(line) for line in candidates))
                institutions.extend(named[-1:] or [_strip_years(candidates[-1])])
            else:
                last_degree = _degree_levels(entry[degree_at])[-1][1]
                institutions.extend(_institutions_in(_strip_years(entry[degree_at][last_degree.end() :]))[:1])
    highest = max(levels, key=lambda level: level.rank) if levels else None
    return highest, _unique(name for name in institutions if name)


def _education_entries(lines: Sequence[str]) -> Iterator[list[str]]:
    """Lines grouped by degree: an entry starts at each line that names a degree."""
    entry: list[str] = []
    for line in lines:
        if _degree_levels(line) and entry and any(_degree_levels(previous) for previous in entry):
            yield entry
            entry = []
        entry.append(line)
    if entry:
        yield entry


def _strip_years(text: str) -> str:
    text = _RANGE.sub(" ", text)
    return re.sub(rf"\(?\b{_YEAR}\b\)?", " ", text).strip(" ,;|·\u2013\u2014-()")


def _institutions_in(text: str) -> list[str]:
    """Schools named in running text or a table row: known names, or a capitalised phrase around a keyword."""
    found: list[tuple[int, str]] = [(match.start(), match.group(0)) for match in _KNOWN_INSTITUTION.finditer(text)]
    masked = _KNOWN_INSTITUTION.sub(lambda m: "\0" * len(m.group(0)), text)
    tokens = [(match.start(), match.end(), match.group(0)) for match in re.finditer(r"[^\s(),;:]+", masked)]
    index = 0
    while index < len(tokens):
        token = tokens[index][2]
        if "\0" in token or not _is_institution_word(token):
            index += 1
            continue
        first = index
        while first > 0 and tokens[first - 1][2].strip(".") in voc.INSTITUTION_PREFIX_WORDS:
            if masked[tokens[first - 1][1] : tokens[first][0]].strip():
                break
            first -= 1
        last = index
        while last + 1 < len(tokens):
            gap = masked[tokens[last][1] : tokens[last + 1][0]]
            word = tokens[last + 1][2]
            if (
                gap.strip()
                or "\0" in word
                or not (word[:1].isupper() or word in _NAME_LINKS or _SMALL_NUMBER.fullmatch(word))
            ):
                break
            last += 1
        while last > index and tokens[last][2] in _NAME_LINKS:
            last -= 1
        found.append((tokens[first][0], masked[tokens[first][0] : tokens[last][1]].rstrip(".")))
        index = last + 1
    return _unique(name for _, name in sorted(found))


# --- spoken languages ---------------------------------------------------------------------------------------------
_LANGUAGE_CODES: Final = {_fold(name): code for code, names in voc.LANGUAGE_NAMES.items() for name in names}
_LEVELS: Final = {_fold(word): level for word, level in voc.LEVEL_WORDS.items()}
_LANGUAGE_TOKEN: Final = re.compile(
    rf"(?<!\w)(?:(?P<language>{_alternation(_LANGUAGE_CODES)})|(?P<level>{_alternation(_LEVELS)})"
    r"|(?P<cefr>[ABC][12]))(?!\w)",
    re.IGNORECASE,
)


def _languages(lines: Sequence[str]) -> list[SpokenLanguage]:
    entries: dict[str, list[LanguageLevel | None]] = {}  # code -> [level word, CEFR level]
    current: str | None = None
    pending: LanguageLevel | None = None
    for match in _LANGUAGE_TOKEN.finditer(_fold(" \n ".join(lines))):
        if match.group("language"):
            current = _LANGUAGE_CODES[match.group("language")]
            entries.setdefault(current, [None, None])
            if pending is not None and entries[current][0] is None:
                entries[current][0], pending = pending, None
        elif match.group("level"):
            level = _LEVELS[match.group("level")]
            if current is not None and entries[current][0] is None:
                entries[current][0] = level
            else:
                pending = level
        elif current is not None and entries[current][1] is None:
            entries[current][1] = voc.CEFR_LEVELS[match.group("cefr").upper()]
    return [SpokenLanguage(code=code, level=word or cefr) for code, (word, cefr) in entries.items()]


# --- skills -----------------------------------------------------------------------------------------------------------
_SKILL_FORMS: Final[dict[str, str]] = {}
for _skill in voc.SKILLS:
    _SKILL_FORMS[_skill] = _skill
for _skill, _aliases in voc.SKILL_ALIASES.items():
    for _alias in _aliases:
        _SKILL_FORMS[_alias] = _skill
_SKILL_EXACT: Final = {form: skill for form, skill in _SKILL_FORMS.items() if form in voc.CASE_SENSITIVE_SKILLS}
_SKILL_FOLDED: Final = {_fold(f): s for f, s in _SKILL_FORMS.items() if f not in voc.CASE_SENSITIVE_SKILLS}
_SKILL_RE: Final = re.compile(
    r"(?<![\w.#+@])(?:"
    + "|".join(
        re.escape(form) if form in voc.CASE_SENSITIVE_SKILLS else f"(?i:{re.escape(form)})"
        for form in sorted(
            (f for f in _SKILL_FORMS if f not in voc.ONE_LETTER_SKILLS), key=lambda form: len(form), reverse=True
        )
    )
    + r")(?![\w#+]|\.\w)"
)
_ONE_LETTER: Final = re.compile(rf"(?<![\w'\u2019&.#+-])(?:{_alternation(voc.ONE_LETTER_SKILLS)})(?![\w'\u2019&#+-])")
_ITEM_BEFORE: Final = re.compile(
    r"(?:^|[,;:•·|/(]|\s(?:and|y|e|und|et|&|are|include|includes|son|incluyen|sont|incluent|comprennent|gehören"
    r"|umfassen|sind))\s*$",
    re.IGNORECASE,
)
_ITEM_AFTER: Final = re.compile(r"\s*(?:$|[,;•·|/)]|\.\s*$|(?:and|y|e|und|et|&)\s)", re.IGNORECASE)


def _skill_name(form: str) -> str:
    return _SKILL_EXACT.get(form) or _SKILL_FOLDED[_fold(form)]


def _skills(lines: Sequence[str]) -> list[str]:
    """Canonical skills in order of appearance."""
    joined = "\n".join(lines)
    # A wrapped list splits names across lines ("Interaction\nDesign"); table rows must not be joined, though
    # ("Tailwind" ending a row, "CSS" starting the next), so only matches that cross a line end are added.
    across = [
        (match.start(), joined.index("\n", match.start()), _skill_name(match.group(0)))
        for match in _SKILL_RE.finditer(joined.replace("\n", " "))
        if "\n" in joined[match.start() : match.end()]
    ]
    found: list[tuple[int, str]] = [(start, name) for start, _, name in across]  # (offset in `joined`, name)
    offset = 0
    for line in lines:
        for match in _SKILL_RE.finditer(line):
            start, name = offset + match.start(), _skill_name(match.group(0))
            # "GitHub" ending a line of "GitHub\nActions" is not Git; "CSS" after "Tailwind\n" is CSS.
            if not any(first <= start < line_end and name != other for first, line_end, other in across):
                found.append((start, name))
        found.extend((offset + position, letter) for position, letter in _one_letter_skills(line))
        offset += len(line) + 1
    return _unique(name for _, name in sorted(found))


def _one_letter_skills(line: str) -> Iterator[tuple[int, str]]:
    """R and C as a whole list item ("R, Python", "• C", "are R and Go") or in a line of skill names alone."""
    body = _BULLET.sub(lambda m: " " * len(m.group(0)), line)
    list_like = all(token in voc.ONE_LETTER_SKILLS for token in _SKILL_RE.sub(" ", body).split())
    for match in _ONE_LETTER.finditer(body):
        before, after = body[: match.start()], body[match.end() :]
        if list_like or (_ITEM_BEFORE.search(before) and _ITEM_AFTER.match(after)):
            yield match.start(), match.group(0)


# --- certifications -------------------------------------------------------------------------------------------------
def _cert_key(text: str) -> str:
    return re.sub(r"[\s\-\u2013\u2014:]+", " ", _fold(text)).strip()


_CERTS: Final[dict[str, str]] = {}
for _cert in voc.CERTIFICATIONS:
    _CERTS[_cert_key(_cert)] = _cert
    _CERTS.setdefault(_cert_key(re.sub(r"\s*\([^()]*\)$", "", _cert)), _cert)
    if _abbreviation := re.search(r"\(([^()]+)\)$", _cert):
        _CERTS.setdefault(_cert_key(_abbreviation.group(1)), _cert)
_CERT_INTRO: Final = re.compile(
    r"^[^:]{0,80}\b(?:certifications?|certificaciones|certificados|zertifizierungen|zertifikate|certificats?"
    r"|certificates?)\b[^:]{0,40}:\s*",
    re.IGNORECASE,
)
_CERT_SPLIT: Final = re.compile(r",\s+|;\s*|\s+(?:and|y|e|und|et)\s+(?=[A-Z0-9])")


def _certifications(lines: Sequence[str]) -> list[str]:
    items: list[str] = []
    bulleted = any(_BULLET.match(line) for line in lines)
    for line in lines:
        if bulleted and not _BULLET.match(line) and items:
            items[-1] = f"{items[-1]} {line}"
        else:
            items.append(_BULLET.sub("", line))
    # "I hold the following certifications: A, B and C." (the colon on the first line: table rows have their own)
    if not bulleted and items and _CERT_INTRO.match(items[0]):
        prose = _CERT_INTRO.sub("", " ".join(items)).rstrip(". ")
        items = _CERT_SPLIT.split(prose)
    result = []
    for item in items:
        item = re.sub(r"\s*\(\s*(?:19|20)\d\d\s*\)\s*$|\s*[-\u2013\u2014,]\s*(?:19|20)\d\d$", "", item).strip(" .;,")
        if len(item) >= 2:
            result.append(_CERTS.get(_cert_key(item), item))
    return _unique(result)


# --- name, title, seniority, place -----------------------------------------------------------------------------------
_HONORIFIC: Final = re.compile(
    r"^(?:(?:Prof\.|Dr\.(?:\s?-?\s?(?:rer\.\s?\w+\.|Ing\.|med\.|phil\.|jur\.))?|Dra\.|Dipl\.-\w+\.|Mag\.|Ing\.)\s*)+"
)
_NAME_SUFFIX: Final = re.compile(r",?\s+(?:Ph\.?\s?D\.?|MSc|M\.Sc\.|MBA|MA|BSc|B\.Sc\.|PMP)\.?$")
_PHD_SUFFIX: Final = re.compile(r",?\s+Ph\.?\s?D\.?$")
_NAME_PARTICLES: Final = frozenset(
    {"de", "del", "la", "las", "los", "van", "von", "der", "den", "da", "di", "dos", "das", "du", "le", "y", "e", "zu",
     "ten", "ter", "bin", "al", "el", "mc"}
)  # fmt: skip


def _name(sections: _Sections) -> tuple[str | None, bool]:
    """The candidate's name and whether it carries a doctor's title."""
    header = sections.lines("header")
    for line in header[:6]:
        if _fold(line) in voc.DOCUMENT_TITLES:
            continue
        first = re.split(r"\s+[|·•\u2013\u2014]\s+|\s+-\s+", line)[0]
        candidate = _NAME_SUFFIX.sub("", _HONORIFIC.sub("", first)).strip()
        has_doctorate = (first.startswith(("Dr", "Prof")) and candidate != first) or bool(_PHD_SUFFIX.search(first))
        if _looks_like_name(candidate) or (len(candidate.split()) == 1 and _looks_like_name(f"{candidate} X")):
            # A narrow column wraps long names; the footer or a "Name" row often repeats the whole of it.
            longer = [other for other in _name_evidence(sections) if other.startswith(f"{candidate} ")]
            return (longer[0] if longer else candidate), has_doctorate
        break
    evidence = _name_evidence(sections)
    return (evidence[0], False) if evidence else (None, False)


_NAME_LABEL: Final = re.compile(rf"^(?:{_alternation(voc.FIELD_LABELS['name'])})\s*:?\s+(.+)$", re.IGNORECASE)


def _name_evidence(sections: _Sections) -> list[str]:
    """Names written elsewhere: a "Name" row, the page footers."""
    found = [match.group(1) for line in sections.lines("header", "contact") if (match := _NAME_LABEL.match(line))]
    candidates = (_NAME_SUFFIX.sub("", _HONORIFIC.sub("", name)).strip() for name in found + sections.footer_names)
    return _unique(name for name in candidates if _looks_like_name(name))


def _looks_like_name(text: str) -> bool:
    words = text.split()
    if not 2 <= len(words) <= 6 or len(text) > 60 or _heading(text):
        return False
    return all(
        (word[:1].isupper() and re.fullmatch(r"[^\W\d_][\w'\u2019.-]*", word)) or word.casefold() in _NAME_PARTICLES
        for word in words
    )


def _headline(sections: _Sections, name: str | None) -> str | None:
    """The line under the name (`Senior Backend Engineer · Python, Go`), up to its first separator."""
    lines = [line for line in sections.lines("header") if _fold(line) not in voc.DOCUMENT_TITLES]
    for index, line in enumerate(lines):
        if name and name in line and index + 1 < len(lines):
            headline = re.split(r"\s+[·|•]\s+|\s+[-\u2013\u2014]\s+", lines[index + 1])[0].strip()
            return headline if headline and "@" not in headline and not re.search(r"\d{3}", headline) else None
    return None


_SENIORITY_RE: Final = re.compile(rf"(?<!\w)(?:{_alternation(voc.SENIORITY_WORDS)})(?!\w)", re.IGNORECASE)


def _seniority(title: str | None, years: float | None) -> str | None:
    words = [voc.SENIORITY_WORDS[_fold(match.group(0))] for match in _SENIORITY_RE.finditer(title or "")]
    if words:
        return max(words, key=voc.SENIORITY_RANK.__getitem__)
    if years is None:
        return None
    if years < 1:
        return "graduate"
    if years < 3:
        return "junior"
    return "mid" if years < 7 else "senior"


_CITY_NAMES: Final = {_fold(name): city for city, (_country, names) in voc.CITIES.items() for name in (city, *names)}
_COUNTRY_NAMES: Final = {_fold(name): country for country, names in voc.COUNTRIES.items() for name in names}
_CITY_RE: Final = re.compile(
    rf"(?<![\w@.])(?:{_alternation(n for c, (_, ns) in voc.CITIES.items() for n in (c, *ns))})(?![\w@])"
)
_CITY_COUNTRY_RE: Final = re.compile(
    rf"(?:^|[·|•:]\s*|\s)(?P<city>[^\W\d_][^,·|•@\d]{{1,40}}?),\s*"
    rf"(?P<country>{_alternation(n for ns in voc.COUNTRIES.values() for n in ns)})(?![\w])"
)
_LOCATION_LABEL: Final = re.compile(rf"^(?:{_alternation(voc.FIELD_LABELS['location'])})\s*:?\s+", re.IGNORECASE)


def _location(sections: _Sections) -> Location:
    candidates = [_LOCATION_LABEL.sub("", line) for line in sections.lines("header", "contact")]
    for line in candidates:
        for segment in re.split(r"\s+[·|•]\s+", line):
            if match := _CITY_COUNTRY_RE.search(segment):
                country = _COUNTRY_NAMES[_fold(match.group("country"))]
                city_text = match.group("city").strip()
                known = _CITY_RE.search(city_text)
                city = _CITY_NAMES[_fold(known.group(0))] if known else city_text
                return Location(city=city, country=country)
    for line in candidates:
        if match := _CITY_RE.search(line):
            city = _CITY_NAMES[_fold(match.group(0))]
            return Location(city=city, country=voc.CITIES[city][0])
    return Location()


# --- the CV's own language --------------------------------------------------------------------------------------------
def _cv_language(sections: _Sections, text: str) -> str | None:
    scores = dict.fromkeys(voc.CV_LANGUAGES, 0.0)
    for block in sections.blocks:
        for lang in block.langs:
            scores[lang] += 3 / len(block.langs)
    for word in re.findall(r"[^\W\d_]+", _fold(text)):
        for lang, stopwords in voc.STOPWORDS.items():
            if word in stopwords:
                scores[lang] += 1
    best = max(scores, key=scores.__getitem__)
    return best if scores[best] > 0 else None


# --- the whole profile ------------------------------------------------------------------------------------------------
def extract_profile(text: str, today: date | None = None) -> CvProfile:
    """The structured profile of a CV from its text (as `extract_pdf_text` gives it), in en, es, de or fr.

    Args:
        text: the CV's text; pages separated by form feeds.
        today: the reference date for ongoing jobs (`Jan 2020 - Present`); defaults to the current date.
    """
    today = today or date.today()
    sections = _split_sections(text)
    name, has_doctorate = _name(sections)
    jobs = _jobs(sections.lines("experience"), today)
    years = _years(jobs)
    current = max(jobs, key=lambda job: (job.ongoing, job.start, job.end), default=None)
    title = current.title if current and current.title else _headline(sections, name)
    degree, institutions = _education(sections.lines("education"))
    if has_doctorate and (degree is None or degree.rank < DegreeLevel.PHD.rank):
        degree = DegreeLevel.PHD
    skill_lines = sections.lines("skills") if sections.has("skills") else text.split("\n")
    return CvProfile(
        name=name,
        title=title,
        seniority=_seniority(title, years),
        location=_location(sections),
        languages=_languages(sections.lines("languages")),
        skills=_skills(skill_lines),
        years_experience=years,
        highest_degree=degree,
        institutions=institutions,
        certifications=_certifications(sections.lines("certifications")),
        companies=_unique(job.company for job in jobs if job.company),
        cv_language=_cv_language(sections, text),
    )


def _unique(items: Iterable[str | None]) -> list[str]:
    return list(dict.fromkeys(item for item in items if item))
