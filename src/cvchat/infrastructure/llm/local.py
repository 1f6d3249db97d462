"""The `local` provider: answers offline from what the tools retrieved, with no network and no key."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator

from cvchat.domain.ports import Finish, LlmRequest, LlmStreamChunk, TextDelta, UsageReport


class LocalProvider:
    """A grounded, extractive answerer: it only says what the retrieved CVs support.

    Until the CV corpus is searchable (issue #4) there is nothing to ground on, so it says so plainly.
    """

    name = "local"
    model = "local-extractive"

    def __init__(self, pace_ms: float = 0.0) -> None:
        self._pace_s = pace_ms / 1000

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        question = next((t.text for t in reversed(request.turns) if t.role == "user"), "")
        answer = (
            "I found no candidate for that yet: no CVs have been ingested, so there is nothing to search. "
            f"Your question was: {question.strip()}"
        )
        words = re.findall(r"\S+\s*", answer)
        yield UsageReport(input_tokens=len(question.split()))
        for word in words:
            if self._pace_s:
                await asyncio.sleep(self._pace_s)
            yield TextDelta(text=word)
        yield UsageReport(output_tokens=len(words))
        yield Finish(reason="end")
