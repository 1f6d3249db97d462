"""Renders a CV to PDF bytes with fpdf2's core fonts, in five layouts; output is byte-for-byte reproducible."""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Final, cast

from fpdf import FPDF
from fpdf.enums import MethodReturnValue
from fpdf.fonts import FontFace

from cv_generation import data, i18n
from cv_generation.generate import gendered
from cv_generation.model import CV, Education, Experience, Layout, SpokenLanguage

# Fixed metadata: the creation date also seeds the file /ID, so both must not depend on the clock.
CREATION_DATE: Final = datetime(2026, 11, 1, tzinfo=UTC)
PRODUCER: Final = "cvchat cv_generation"
ENCODING: Final = "windows-1252"  # the core fonts' WinAnsi encoding: Latin-1 plus the en dash and bullet

Color = tuple[int, int, int]
BLACK: Final[Color] = (25, 25, 25)
GREY: Final[Color] = (95, 95, 95)
WHITE: Final[Color] = (255, 255, 255)
PALETTE: Final[tuple[Color, ...]] = ((31, 58, 96), (0, 105, 120), (128, 30, 50), (40, 90, 60), (70, 60, 110))
BULLET: Final = "\u2022"
MIDDOT: Final = "\u00b7"


class _Context:
    """Per-CV rendering choices (heading variants, aliases, colours), drawn from the CV itself so they are stable."""

    def __init__(self, cv: CV) -> None:
        rng = random.Random(f"cvgen-pdf:{cv.id}:{cv.name}")
        self.cv, self.lang = cv, cv.language
        self.headings = {section: rng.choice(variants) for section, variants in i18n.HEADINGS[cv.language].items()}
        self.aliases = {
            skill: rng.choice(data.SKILL_ALIASES[skill])
            for skill in cv.skills
            if skill in data.SKILL_ALIASES and rng.random() < 0.4
        }
        self.cert_names = {cert: _short_cert(cert) if rng.random() < 0.3 else cert for cert in cv.certifications}
        self.cefr = {
            spoken.language: rng.choice(i18n.CEFR[spoken.level])
            for spoken in cv.spoken_languages
            if i18n.CEFR[spoken.level] and rng.random() < 0.4
        }
        has_phd = any(e.degree_level == "phd" for e in cv.education)
        self.display_name = f"Dr. {cv.name}" if has_phd and cv.language == "de" and rng.random() < 0.6 else cv.name
        self.accent = rng.choice(PALETTE)
        names = sorted(self.aliases, key=len, reverse=True)
        self._alias_re = (
            re.compile(r"(?<![\w.#+-])(" + "|".join(re.escape(n) for n in names) + r")(?![\w#+])") if names else None
        )

    def heading(self, section: str) -> str:
        return self.headings[section]

    def skill(self, name: str) -> str:
        return self.aliases.get(name, name)

    def text(self, text: str) -> str:
        """Free text with this CV's skill aliases applied."""
        if self._alias_re is None:
            return text
        return self._alias_re.sub(lambda m: self.aliases[m.group(1)], text)

    def period(self, job: Experience) -> str:
        return i18n.date_range(self.lang, job.start, job.end)

    def degree_line(self, edu: Education) -> str:
        field = data.FIELDS.get(edu.field, {}).get(self.lang, edu.field)
        connector = ""
        for title, conn in data.DEGREES[self.lang][edu.degree_level]:
            if edu.degree in (gendered(title, False), gendered(title, True)):
                connector = conn
                break
        return " ".join(part for part in (edu.degree, connector, field) if part)

    def language(self, spoken: SpokenLanguage, *, capitalize: bool = True) -> tuple[str, str]:
        level = i18n.LEVELS[self.lang][spoken.level]
        if spoken.language in self.cefr:
            level = f"{level} ({self.cefr[spoken.language]})"
        return i18n.language_name(self.lang, spoken.language, capitalize=capitalize), level

    def location(self) -> str:
        loc = self.cv.location
        return f"{i18n.city_name(self.lang, loc.city)}, {i18n.country_name(self.lang, loc.country)}"

    def label(self, key: str) -> str:
        return i18n.LABELS[self.lang][key]


def _short_cert(name: str) -> str:
    """`Certified Kubernetes Administrator (CKA)` -> `CKA`; names without an abbreviation stay as they are."""
    match = re.search(r"\(([^()]+)\)$", name)
    return match.group(1) if match else name


def _denormalize(line: str) -> str:
    """Undo fpdf2's core-font normalisation of dry-run lines (cp1252 bytes as Latin-1), so `cell` can take them."""
    try:
        return line.encode("latin-1").decode(ENCODING)
    except (UnicodeEncodeError, UnicodeDecodeError):
        return line


class _Doc(FPDF):
    """An A4 page set with fixed metadata; pages are added only through `ensure_page`, which decorates them."""

    def __init__(self, ctx: _Context, decorate: Callable[[_Doc], None] | None = None) -> None:
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.core_fonts_encoding = ENCODING
        self.set_auto_page_break(False, margin=18)
        self.set_margins(15, 15, 15)
        self.set_creation_date(CREATION_DATE)
        self.set_producer(PRODUCER)
        self.set_creator("cvchat synthetic CV generator")
        self.set_author(ctx.cv.name)
        self.set_title(f"{ctx.cv.name} - {i18n.DOCUMENT_TITLE[ctx.lang]}")
        self.set_lang(ctx.lang)
        self.ctx = ctx
        self.bottom = self.h - 18
        self._decorate = decorate
        self.ensure_page(1)

    def ensure_page(self, number: int) -> None:
        while self.pages_count < number:
            self.page = self.pages_count
            self.add_page()
            if self._decorate is not None:
                self._decorate(self)
        self.page = number

    def font(self, size: float, style: str = "", color: Color = BLACK, family: str = "Helvetica") -> None:
        self.set_font(family, style, size)
        self.set_text_color(*color)

    def finish(self, family: str = "Helvetica") -> bytes:
        total = self.pages_count
        for number in range(1, total + 1):
            self.page = number
            self.font(7.5, "", GREY, family)
            self.set_xy(self.l_margin, self.h - 12)
            footer = f"{self.ctx.cv.name} {MIDDOT} " + self.ctx.label("page").format(p=number, n=total)
            self.cell(self.w - self.l_margin - self.r_margin, 4, footer, align="R")
        self.page = total
        return bytes(self.output())


class _Flow:
    """A column that text flows down, continuing at `top` on the next page when a line would cross the bottom."""

    def __init__(self, doc: _Doc, x: float, w: float, y: float, top: float = 15, family: str = "Helvetica") -> None:
        self.doc, self.x, self.w, self.y, self.top, self.family = doc, x, w, y, top, family
        self.page = 1  # every column starts on the first page, whatever the others have done

    def need(self, height: float) -> None:
        if self.y + height > self.doc.bottom:
            self.page += 1
            self.y = self.top
        self.doc.ensure_page(self.page)

    def space(self, height: float) -> None:
        self.y += height

    def text(
        self,
        text: str,
        size: float = 9.5,
        style: str = "",
        color: Color = BLACK,
        lh: float | None = None,
        indent: float = 0,
        bullet: str | None = None,
        align: str = "L",
    ) -> None:
        doc = self.doc
        lh = lh or size * 0.48
        doc.font(size, style, color, self.family)
        width = self.w - indent
        raw = cast(list[str], doc.multi_cell(width, lh, text, dry_run=True, output=MethodReturnValue.LINES))
        lines = [_denormalize(line) for line in raw]
        for number, line in enumerate(lines):
            self.need(lh)
            if bullet and number == 0:
                doc.set_xy(self.x + indent - 3.5, self.y)
                doc.cell(3.5, lh, bullet)
            doc.set_xy(self.x + indent, self.y)
            doc.cell(width, lh, line, align=align)
            self.y += lh

    def pair(self, left: str, right: str, size: float = 10, style: str = "B", color: Color = BLACK) -> None:
        """`left` in bold with `right` aligned right on the same line, or on the next one when both do not fit."""
        doc = self.doc
        doc.font(size - 1, "", GREY, self.family)
        right_w = doc.get_string_width(right) + 1
        doc.font(size, style, color, self.family)
        if doc.get_string_width(left) + right_w + 3 <= self.w:
            lh = size * 0.5
            self.need(lh * 2.5)
            doc.set_xy(self.x, self.y)
            doc.cell(self.w - right_w, lh, left)
            doc.font(size - 1, "", GREY, self.family)
            doc.set_xy(self.x + self.w - right_w, self.y)
            doc.cell(right_w, lh, right, align="R")
            self.y += lh
        else:
            self.need(size * 1.5)
            self.text(left, size, style, color)
            self.text(right, size - 1, "", GREY)

    def rule(self, color: Color, width: float = 0.3) -> None:
        self.need(1.5)
        self.doc.set_draw_color(*color)
        self.doc.set_line_width(width)
        self.doc.line(self.x, self.y, self.x + self.w, self.y)
        self.y += 1.5

    def sync_from_doc(self) -> None:
        self.page, self.y = self.doc.page, self.doc.y

    def sync_to_doc(self) -> None:
        self.doc.ensure_page(self.page)
        self.doc.set_xy(self.x, self.y)


# --- shared blocks -------------------------------------------------------------------------------------------------
def _heading(
    flow: _Flow, ctx: _Context, section: str, *, upper: bool, color: Color, rule: bool, size: float = 11.5
) -> None:
    text = ctx.heading(section)
    flow.space(2.5)
    flow.need(size * 0.5 + 14)  # keep a heading with the first lines of its section
    flow.text(text.upper() if upper else text, size, "B", color)
    if rule:
        flow.rule(color)
    flow.space(1)


def _jobs(flow: _Flow, ctx: _Context, *, compact: bool = False) -> None:
    for job in ctx.cv.experience:
        flow.need(18)
        flow.pair(job.title, ctx.period(job), size=9.5 if compact else 10.5)
        flow.text(job.company, 9 if compact else 9.5, "I", ctx.accent)
        flow.space(0.8)
        for line in job.description.splitlines():
            flow.text(ctx.text(line), 8.5 if compact else 9, indent=4, bullet=BULLET)
        flow.space(2.5)


def _education(flow: _Flow, ctx: _Context, *, compact: bool = False) -> None:
    for edu in ctx.cv.education:
        years = i18n.year_range(edu.start_year, edu.end_year)
        if compact:
            flow.text(ctx.degree_line(edu), 9, "B")
            flow.text(edu.institution, 8.5, "I", ctx.accent)
            flow.text(years, 8.5, "", GREY)
        else:
            flow.pair(ctx.degree_line(edu), years, size=10)
            flow.text(edu.institution, 9.5, "I", ctx.accent)
        flow.space(2)


def _skills_inline(flow: _Flow, ctx: _Context) -> None:
    flow.text(f"  {MIDDOT}  ".join(ctx.skill(s) for s in ctx.cv.skills), 9.5)


def _skills_list(flow: _Flow, ctx: _Context, color: Color = BLACK) -> None:
    for skill in ctx.cv.skills:
        flow.text(ctx.skill(skill), 9, color=color, indent=3.5, bullet=BULLET)


def _languages(flow: _Flow, ctx: _Context, *, stacked: bool = False, color: Color = BLACK) -> None:
    for spoken in ctx.cv.spoken_languages:
        name, level = ctx.language(spoken)
        if stacked:
            flow.text(name, 9, "B", color)
            flow.text(level, 8.5, "", color)
        else:
            flow.text(f"{name} {i18n.EN_DASH} {level}", 9.5, color=color)


def _certifications(flow: _Flow, ctx: _Context, size: float = 9.5, color: Color = BLACK) -> None:
    for cert in ctx.cv.certifications:
        flow.text(ctx.cert_names[cert], size, color=color, indent=3.5, bullet=BULLET)


def _contact_line(ctx: _Context) -> str:
    contact = ctx.cv.contact
    return f"  {MIDDOT}  ".join((contact.email, contact.phone, ctx.location()))


# --- layouts -------------------------------------------------------------------------------------------------------
def _one_column(ctx: _Context) -> bytes:
    doc = _Doc(ctx)
    flow = _Flow(doc, 15, 180, 15)
    flow.text(ctx.display_name, 22, "B", lh=10)
    flow.text(ctx.text(ctx.cv.headline), 12.5, "", ctx.accent, lh=6.5)
    flow.text(_contact_line(ctx), 9, "", GREY)
    flow.space(2)
    flow.rule(ctx.accent, 0.6)

    def section(name: str) -> None:
        _heading(flow, ctx, name, upper=True, color=ctx.accent, rule=True)

    section("summary")
    flow.text(ctx.text(ctx.cv.summary), 9.5, lh=4.8)
    section("experience")
    _jobs(flow, ctx)
    section("education")
    _education(flow, ctx)
    section("skills")
    _skills_inline(flow, ctx)
    section("languages")
    _languages(flow, ctx)
    if ctx.cv.certifications:
        section("certifications")
        _certifications(flow, ctx)
    return doc.finish()


def _two_column(ctx: _Context) -> bytes:
    doc = _Doc(ctx)
    doc.set_fill_color(*ctx.accent)
    doc.rect(0, 0, doc.w, 34, style="F")
    head = _Flow(doc, 15, 180, 9)
    head.text(ctx.display_name, 21, "B", WHITE, lh=9.5)
    head.text(ctx.text(ctx.cv.headline), 12, "", WHITE, lh=6)
    head.y = 38
    head.text(_contact_line(ctx), 9, "", GREY)
    top = head.y + 3
    left = _Flow(doc, 15, 114, top)
    right = _Flow(doc, 137, 58, top)

    def section(flow: _Flow, name: str) -> None:
        _heading(flow, ctx, name, upper=False, color=ctx.accent, rule=True, size=12)

    section(left, "summary")
    left.text(ctx.text(ctx.cv.summary), 9.5, lh=4.8)
    section(left, "experience")
    _jobs(left, ctx, compact=True)
    section(right, "education")
    _education(right, ctx, compact=True)
    section(right, "skills")
    _skills_list(right, ctx)
    section(right, "languages")
    _languages(right, ctx, stacked=True)
    if ctx.cv.certifications:
        section(right, "certifications")
        _certifications(right, ctx, 8.5)
    for number in range(1, doc.pages_count + 1):  # the gutter rule, on every page
        doc.page = number
        doc.set_draw_color(200, 200, 200)
        doc.set_line_width(0.2)
        doc.line(132.5, top if number == 1 else 15, 132.5, doc.bottom)
    return doc.finish()


def _sidebar(ctx: _Context) -> bytes:
    width = 66.0
    tint = tuple(int(c + (255 - c) * 0.86) for c in ctx.accent)

    def paint(doc: _Doc) -> None:
        doc.set_fill_color(*tint)
        doc.rect(0, 0, width, doc.h, style="F")

    doc = _Doc(ctx, paint)
    side = _Flow(doc, 8, width - 14, 16)
    side.text(ctx.display_name, 17, "B", ctx.accent, lh=7.5)
    side.space(1)
    side.text(ctx.text(ctx.cv.headline), 10, "", BLACK, lh=5)

    def side_section(name: str) -> None:
        _heading(side, ctx, name, upper=True, color=ctx.accent, rule=False, size=10)

    side_section("contact")
    for line in (ctx.cv.contact.email, ctx.cv.contact.phone, ctx.location()):
        side.text(line, 8.5)
    side_section("skills")
    _skills_list(side, ctx)
    side_section("languages")
    _languages(side, ctx, stacked=True)
    if ctx.cv.certifications:
        side_section("certifications")
        _certifications(side, ctx, 8.5)

    main = _Flow(doc, width + 9, doc.w - width - 9 - 14, 16)

    def section(name: str) -> None:
        _heading(main, ctx, name, upper=False, color=ctx.accent, rule=True, size=13)

    section("summary")
    main.text(ctx.text(ctx.cv.summary), 9.5, lh=4.8)
    section("experience")
    _jobs(main, ctx, compact=True)
    section("education")
    _education(main, ctx)
    return doc.finish()


def _table(ctx: _Context) -> bytes:
    doc = _Doc(ctx)
    doc.set_auto_page_break(True, margin=18)  # fpdf2's tables break pages themselves
    flow = _Flow(doc, 15, 180, 15)
    flow.text(i18n.DOCUMENT_TITLE[ctx.lang], 10, "", GREY)
    flow.text(ctx.display_name, 20, "B", lh=9)
    flow.text(ctx.text(ctx.cv.headline), 12, "", ctx.accent, lh=6.5)
    flow.space(2)
    head_style = FontFace(emphasis="BOLD", color=WHITE, fill_color=ctx.accent)
    light = tuple(int(c + (255 - c) * 0.9) for c in ctx.accent)

    def bar(name: str) -> None:
        flow.space(3)
        flow.need(30)
        doc.set_fill_color(*light)
        doc.rect(flow.x, flow.y, flow.w, 6.5, style="F")
        flow.y += 1
        flow.text(ctx.heading(name), 11, "B", ctx.accent, lh=5)
        flow.y += 1.5

    def table(widths: tuple[int, ...], rows: Sequence[tuple[str, ...]], header: tuple[str, ...] | None) -> None:
        flow.sync_to_doc()
        doc.font(8.5)
        with doc.table(
            width=int(flow.w),
            col_widths=widths,
            line_height=4.2,
            text_align="LEFT",
            first_row_as_headings=header is not None,
            headings_style=head_style,
            borders_layout="HORIZONTAL_LINES",
            padding=1.2,
        ) as tbl:
            for row in [header, *rows] if header else rows:
                cells = tbl.row()
                for value in row:
                    cells.cell(value)
        flow.sync_from_doc()

    contact = ctx.cv.contact
    table(
        (35, 145),
        [
            (ctx.label("name"), ctx.display_name),
            (ctx.label("email"), contact.email),
            (ctx.label("phone"), contact.phone),
            (ctx.label("location"), ctx.location()),
        ],
        None,
    )
    bar("summary")
    flow.text(ctx.text(ctx.cv.summary), 9.5, lh=4.8)
    bar("experience")
    jobs = [
        (
            ctx.period(job).replace(f" {i18n.EN_DASH} ", f" {i18n.EN_DASH}\n"),
            f"{job.title}\n{job.company}",
            "\n".join(f"{BULLET} {ctx.text(line)}" for line in job.description.splitlines()),
        )
        for job in ctx.cv.experience
    ]
    table((28, 52, 100), jobs, (ctx.label("period"), ctx.label("position"), ctx.label("tasks")))
    bar("education")
    studies = [(i18n.year_range(e.start_year, e.end_year), ctx.degree_line(e), e.institution) for e in ctx.cv.education]
    table((28, 82, 70), studies, (ctx.label("period"), ctx.label("degree"), ctx.label("institution")))
    bar("skills")
    skills = [ctx.skill(s) for s in ctx.cv.skills]
    columns = 4
    skills += [""] * (-len(skills) % columns)
    table((45, 45, 45, 45), [tuple(skills[i : i + columns]) for i in range(0, len(skills), columns)], None)
    bar("languages")
    table((60, 120), [ctx.language(s) for s in ctx.cv.spoken_languages], (ctx.label("language"), ctx.label("level")))
    if ctx.cv.certifications:
        bar("certifications")
        table((180,), [(ctx.cert_names[c],) for c in ctx.cv.certifications], None)
    return doc.finish()


def _narrative(ctx: _Context) -> bytes:
    family = "Times"
    doc = _Doc(ctx)
    flow = _Flow(doc, 22, 166, 18, top=18, family=family)
    flow.text(ctx.display_name, 24, "B", align="C", lh=11)
    flow.text(ctx.text(ctx.cv.headline), 13, "I", ctx.accent, align="C", lh=6.5)
    flow.text(_contact_line(ctx), 10, "", GREY, align="C")
    flow.space(3)
    flow.rule(GREY, 0.2)
    prose = i18n.PROSE[ctx.lang]

    def section(name: str) -> None:
        _heading(flow, ctx, name, upper=False, color=ctx.accent, rule=False, size=14)

    def paragraph(text: str) -> None:
        flow.text(text, 11, lh=5.4)
        flow.space(2.5)

    section("summary")
    paragraph(ctx.text(ctx.cv.summary))
    section("experience")
    for job in ctx.cv.experience:
        key = "job_current" if job.end is None else "job_past"
        intro = prose[key].format(title=job.title, company=job.company, range=ctx.period(job))
        paragraph(f"{intro} {_tasks_prose(ctx, job)}")
    section("education")
    for edu in ctx.cv.education:
        field = data.FIELDS.get(edu.field, {}).get(ctx.lang, edu.field)
        values = {"start": edu.start_year, "end": edu.end_year, "institution": edu.institution}
        if ctx.lang == "fr":
            paragraph(prose["study"].format(degree=ctx.degree_line(edu), **values))
        else:
            paragraph(prose["study"].format(degree=edu.degree, field=field, **values))
    section("skills")
    paragraph(prose["skills"].format(items=i18n.join_list(ctx.lang, [ctx.skill(s) for s in ctx.cv.skills])))
    section("languages")
    spoken = []
    for item in ctx.cv.spoken_languages:
        name, level = ctx.language(item, capitalize=ctx.lang in ("en", "de"))
        spoken.append(f"{name} ({level if ctx.lang == 'de' else level.lower()})")
    paragraph(prose["languages"].format(items=i18n.join_list(ctx.lang, spoken)))
    if ctx.cv.certifications:
        section("certifications")
        names = [ctx.cert_names[c] for c in ctx.cv.certifications]
        paragraph(prose["certifications"].format(items=i18n.join_list(ctx.lang, names)))
    return doc.finish(family)


def _tasks_prose(ctx: _Context, job: Experience) -> str:
    """A job's achievements as running text: first-person sentences in English, a colon-led list elsewhere."""
    lines = [ctx.text(line) for line in job.description.splitlines()]
    if ctx.lang == "en":
        return " ".join(f"I {line[0].lower()}{line[1:]}" for line in lines)
    if ctx.lang in ("es", "fr"):
        lines = [line[0].lower() + line[1:] for line in lines]
    return i18n.PROSE[ctx.lang]["tasks"].format(tasks="; ".join(line.rstrip(".") for line in lines))


_LAYOUTS: Final[dict[Layout, Callable[[_Context], bytes]]] = {
    "one_column": _one_column,
    "two_column": _two_column,
    "sidebar": _sidebar,
    "table": _table,
    "narrative": _narrative,
}


def render_pdf(cv: CV) -> bytes:
    """The PDF of `cv` in its layout; the same CV always gives the same bytes (for a given fpdf2 version)."""
    return _LAYOUTS[cv.layout](_Context(cv))
