"""The `fake` provider: deterministic tokens with a set pause, and an optional failure, for tests and benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from cvchat.domain.errors import ProviderError
from cvchat.domain.ports import Finish, LlmRequest, LlmStreamChunk, TextDelta, UsageReport


class FakeProvider:
    """Streams `tokens` tokens (`tok0 tok1 ...`), sleeping `delay_ms` before each; fails after `fail_after` tokens."""

    name = "fake"
    model = "fake-1"

    def __init__(self, tokens: int, delay_ms: float, fail_after: int | None) -> None:
        self._tokens, self._delay_s, self._fail_after = tokens, delay_ms / 1000, fail_after

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        prompt_words = sum(len(t.text.split()) for t in request.turns) + len(request.system.split())
        yield UsageReport(input_tokens=prompt_words)
        for i in range(self._tokens):
            if self._fail_after is not None and i >= self._fail_after:
                raise ProviderError(
                    f"the fake provider failed after {self._fail_after} tokens (FAKE_LLM_FAIL_AFTER)",
                    code="provider_failed",
                    retryable=True,
                )
            if self._delay_s:
                await asyncio.sleep(self._delay_s)
            yield TextDelta(text=f"tok{i} ")
        yield UsageReport(output_tokens=self._tokens)
        yield Finish(reason="end")
