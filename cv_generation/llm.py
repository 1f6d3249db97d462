"""`--llm anthropic|google`: richer summaries written through cvchat's own provider layer (Claude or Gemini).

Only the prose changes: the summary is rewritten from the CV's own facts, so the JSON ground truth (skills, dates,
languages, degrees) stays exact. LLM output is not deterministic, unlike the template mode.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import msgspec

from cv_generation.model import CV
from cvchat.domain.ports import ChatTurn, LlmRequest, TextDelta
from cvchat.infrastructure.llm.factory import provider_factory
from cvchat.infrastructure.settings import Settings

_LANGUAGE = {"en": "English", "es": "Spanish", "de": "German", "fr": "French"}
SYSTEM = (
    "You write the professional summary of a CV. Write three sentences in the first person, in the language you are "
    "asked for, using only the facts given. Do not invent employers, skills, dates or numbers. Answer with the summary "
    "only."
)


def summary_prompt(cv: CV) -> str:
    """The facts a summary may use, and the language to write it in."""
    latest = cv.experience[0] if cv.experience else None
    job = f"{latest.title} at {latest.company}" if latest else "no job yet"
    languages = ", ".join(f"{s.language} ({s.level})" for s in cv.spoken_languages)
    return (
        f"Language: {_LANGUAGE[cv.language]}\n"
        f"Name: {cv.name}\nHeadline: {cv.headline}\nCurrent role: {job}\n"
        f"Years of experience: {cv.years_experience}\nSeniority: {cv.seniority}\n"
        f"Key skills: {', '.join(cv.skills[:6])}\nSpoken languages: {languages}\n"
        f"City: {cv.location.city}, {cv.location.country}"
    )


async def rewrite_summaries(cvs: Sequence[CV], provider_name: str) -> list[CV]:
    """Each CV with its summary written by the LLM (settings such as the key and model come from the environment)."""
    settings = msgspec.structs.replace(Settings.from_env(), llm_provider=provider_name)  # type: ignore[arg-type]
    provider = provider_factory(settings)()
    rewritten: list[CV] = []
    try:
        for cv in cvs:
            request = LlmRequest(system=SYSTEM, turns=[ChatTurn(role="user", text=summary_prompt(cv))])
            parts: list[str] = []
            async with contextlib.aclosing(provider.stream(request)) as stream:
                async for chunk in stream:
                    if isinstance(chunk, TextDelta):
                        parts.append(chunk.text)
            text = " ".join("".join(parts).split())
            rewritten.append(msgspec.structs.replace(cv, summary=text or cv.summary))
    finally:
        aclose = getattr(provider, "aclose", None)
        if aclose is not None:
            await aclose()
    return rewritten
