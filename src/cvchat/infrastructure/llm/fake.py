"""The `fake` provider: deterministic tokens with a set pause, and an optional failure, for tests and benchmarks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from cvchat.domain.errors import ProviderError
from cvchat.domain.ports import Finish, LlmRequest, LlmStreamChunk, TextDelta, UsageReport


class FakeProvider:
    """Streams `tokens` tokens (`tok0 tok1 ...`), one every `delay_ms`; fails after `fail_after` tokens.

    Token i is due `(i + 1) * delay_ms` after the stream starts, as a remote model produces it whatever the client
    does: a busy event loop reads late tokens together, and its delays do not add up over the run. (Sleeping
    `delay_ms` after each token made a 100-token run take seconds longer under load, counted as service overhead.)
    """

    name = "fake"
    model = "fake-1"

    def __init__(self, tokens: int, delay_ms: float, fail_after: int | None) -> None:
        self._tokens, self._delay_s, self._fail_after = tokens, delay_ms / 1000, fail_after

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        prompt_words = sum(len(t.text.split()) for t in request.turns) + len(request.system.split())
        yield UsageReport(input_tokens=prompt_words)
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i in range(self._tokens):
            if self._fail_after is not None and i >= self._fail_after:
                raise ProviderError(
                    f"the fake provider failed after {self._fail_after} tokens (FAKE_LLM_FAIL_AFTER)",
                    code="provider_failed",
                    retryable=True,
                )
            if self._delay_s:
                await asyncio.sleep(max(0.0, start + (i + 1) * self._delay_s - loop.time()))
            yield TextDelta(text=f"tok{i} ")
        yield UsageReport(output_tokens=self._tokens)
        yield Finish(reason="end")
