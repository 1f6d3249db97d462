"""The assistant's CV tools: `search_cvs` and `get_cv` over the CvSearch port, with compact JSON outputs."""

from __future__ import annotations

import re
from typing import Annotated, Final
from uuid import UUID

import msgspec

from cvchat.application.assistant import ToolResult, fold_text
from cvchat.domain.cvs import Cv, CvHit, CvProfile, DegreeLevel, Location, SpokenLanguage
from cvchat.domain.events import Source
from cvchat.domain.ports import CvSearch

SEARCH_CVS: Final = "search_cvs"
GET_CV: Final = "get_cv"
MAX_QUERY_CHARS: Final = 1000
TOP_SKILLS: Final = 15
TOP_COMPANIES: Final = 5
CV_TEXT_CHARS: Final = 3000


def cv_url(cv_id: UUID) -> str:
    """The link to a CV's PDF (DESIGN.md section 2), as answers cite it."""
    return f"/api/cvs/{cv_id}/pdf"


class SearchCvsInput(msgspec.Struct, frozen=True, kw_only=True):
    """Find the CVs that best match a recruiter question."""

    query: Annotated[
        str,
        msgspec.Meta(
            min_length=1,
            max_length=MAX_QUERY_CHARS,
            description="The recruiter's question or the criteria, in any language (en, es, de, fr).",
        ),
    ]
    k: Annotated[int, msgspec.Meta(ge=1, le=20, description="How many CVs to return, best first.")] = 5


class GetCvInput(msgspec.Struct, frozen=True, kw_only=True):
    """Read one CV: its profile and the beginning of its text."""

    cv_id: Annotated[UUID, msgspec.Meta(description="The cv_id of a CV returned by search_cvs.")]


class CvSummary(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One CV as a tool shows it to the model: who, what the profile says, the evidence lines and the link.

    `omit_defaults` keeps the JSON short: it goes into every later prompt of the run.
    """

    cv_id: UUID
    name: str
    source_filename: str
    cv_url: str
    score: float | None = None
    snippets: list[str] = []
    """Lines of the CV with the question's terms (search results only)."""
    title: str | None = None
    seniority: str | None = None
    location: Location | None = None
    languages: list[SpokenLanguage] = []
    skills: list[str] = []
    """At most TOP_SKILLS, the ones the question names first."""
    years_experience: float | None = None
    highest_degree: DegreeLevel | None = None
    certifications: list[str] = []
    companies: list[str] = []
    institutions: list[str] = []


class SearchCvsOutput(msgspec.Struct, frozen=True, kw_only=True):
    """What `search_cvs` returns: the query it ran and the CVs found, best first."""

    query: str
    k: int
    results: list[CvSummary]


class GetCvOutput(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """What `get_cv` returns: the CV's summary and the start of its text, or `found: false`."""

    found: bool
    cv_id: UUID
    cv: CvSummary | None = None
    text: str | None = None
    """The first CV_TEXT_CHARS characters of the CV's text."""
    truncated: bool = False
    message: str | None = None


class SearchCvsTool:
    """`search_cvs`: hybrid search over the CV corpus; the assistant also runs it first on every question.

    `grounding_k` is how many CVs that first search asks for: more than an answer names, so the answer can leave
    out the ones that do not meet the question's constraints.
    """

    name = SEARCH_CVS
    description = (
        "Search the indexed CVs for candidates matching a recruiter question (skills, spoken languages and levels, "
        "city or country, years of experience, degree, seniority, certifications, companies, free text; any of "
        "en, es, de, fr). Returns the best CVs first, each with cv_id, name, profile fields, evidence snippets and "
        "cv_url, the link to cite."
    )
    input_type = SearchCvsInput

    def __init__(self, search: CvSearch, *, grounding_k: int = 8) -> None:
        self._search, self._grounding_k = search, grounding_k

    def grounding_input(self, query: str) -> SearchCvsInput:
        """The input of the search the assistant runs itself before the model's first round.

        A long chain of follow-ups keeps its end: the newest question matters most.
        """
        return SearchCvsInput(query=query.strip()[-MAX_QUERY_CHARS:].strip(), k=self._grounding_k)

    async def __call__(self, arguments: SearchCvsInput) -> ToolResult:
        hits = await self._search.search(arguments.query, arguments.k)
        output = SearchCvsOutput(
            query=arguments.query, k=arguments.k, results=[_hit_summary(hit, arguments.query) for hit in hits]
        )
        return ToolResult(
            output=msgspec.to_builtins(output), sources=[Source(cv_id=hit.cv_id, name=hit.name) for hit in hits]
        )


class GetCvTool:
    """`get_cv`: one CV's profile and the beginning of its text; an unknown id answers `found: false`."""

    name = GET_CV
    description = (
        "Read one CV by its cv_id (from search_cvs): the full structured profile and the first "
        f"{CV_TEXT_CHARS} characters of its text. Use it to check details the search snippets do not show."
    )
    input_type = GetCvInput

    def __init__(self, search: CvSearch) -> None:
        self._search = search

    async def __call__(self, arguments: GetCvInput) -> ToolResult:
        cv = await self._search.get(arguments.cv_id)
        if cv is None:
            missing = GetCvOutput(found=False, cv_id=arguments.cv_id, message="no CV has this id")
            return ToolResult(output=msgspec.to_builtins(missing))
        output = GetCvOutput(
            found=True,
            cv_id=cv.id,
            cv=_cv_summary(cv),
            text=cv.text[:CV_TEXT_CHARS],
            truncated=len(cv.text) > CV_TEXT_CHARS,
        )
        return ToolResult(output=msgspec.to_builtins(output), sources=[Source(cv_id=cv.id, name=_name(cv))])


def _name(cv: Cv) -> str:
    return cv.profile.name or cv.source_filename


def _hit_summary(hit: CvHit, query: str) -> CvSummary:
    return _summary(
        hit.cv_id, hit.name, hit.source_filename, hit.profile, query, score=hit.score, snippets=list(hit.snippets)
    )


def _cv_summary(cv: Cv) -> CvSummary:
    summary = _summary(cv.id, _name(cv), cv.source_filename, cv.profile, "")
    return msgspec.structs.replace(summary, institutions=list(cv.profile.institutions))


def _summary(
    cv_id: UUID,
    name: str,
    source_filename: str,
    profile: CvProfile,
    query: str,
    *,
    score: float | None = None,
    snippets: list[str] | None = None,
) -> CvSummary:
    location = profile.location if profile.location.city or profile.location.country else None
    return CvSummary(
        cv_id=cv_id,
        name=name,
        source_filename=source_filename,
        cv_url=cv_url(cv_id),
        score=score,
        snippets=snippets or [],
        title=profile.title,
        seniority=profile.seniority,
        location=location,
        languages=list(profile.languages),
        skills=_top_skills(profile.skills, query),
        years_experience=profile.years_experience,
        highest_degree=profile.highest_degree,
        certifications=list(profile.certifications),
        companies=list(profile.companies[:TOP_COMPANIES]),
    )


def _top_skills(skills: list[str], query: str) -> list[str]:
    """At most TOP_SKILLS skills, those the question names first, so a capped list never hides the evidence."""
    folded = fold_text(query)
    named = [s for s in skills if re.search(rf"(?<!\w){re.escape(fold_text(s))}(?!\w)", folded)] if folded else []
    rest = [s for s in skills if s not in named]
    return [*named, *rest][:TOP_SKILLS]
