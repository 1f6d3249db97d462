"""What the protocol dialects share: SSE frames tagged by role, the per-request context, and the dialect protocol."""

from __future__ import annotations

import json
import random
import string
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from tests.fakes.llm.scripts import HttpError, Reply, StreamError

FrameKind = Literal["head", "delta", "tail", "terminal"]
ProtocolName = Literal["anthropic", "gemini"]


@dataclass(frozen=True)
class Frame:
    """One SSE frame. `delta` frames carry content and are what faults count; `terminal` ends the message."""

    data: bytes
    kind: FrameKind


@dataclass(frozen=True)
class Route:
    """What a request asks for: `action` is `stream`, `unary` or `count_tokens`."""

    protocol: ProtocolName
    action: str
    model: str | None


@dataclass
class RenderContext:
    """Per-request values the dialects need: the model, the token counts and an id source."""

    model: str
    input_tokens: int
    rng: random.Random

    def random_id(self, prefix: str, length: int = 24) -> str:
        """An id like the APIs' (`msg_01...`, `toolu_01...`), reproducible for a given server seed."""
        alphabet = string.ascii_letters + string.digits
        return prefix + "".join(self.rng.choice(alphabet) for _ in range(length))


def compact_json(obj: Any) -> str:
    """JSON as the APIs send it: compact, UTF-8 rather than `\\u` escapes."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def output_tokens(reply: Reply, frames: list[Frame]) -> int:
    """The reply's output token count: given, or one per content delta."""
    if reply.output_tokens is not None:
        return reply.output_tokens
    return max(1, sum(1 for frame in frames if frame.kind == "delta"))


class Dialect(Protocol):
    """One wire protocol (Anthropic Messages, Gemini generateContent)."""

    name: ProtocolName

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Route | None:
        """The route for a request, or None when this dialect does not serve it."""
        ...

    def api_key(self, headers: dict[str, str]) -> str | None:
        """The API key the request carries."""
        ...

    def stream_headers(self, ctx: RenderContext) -> dict[str, str]:
        """Headers of a 200 streaming response."""
        ...

    def render_stream(self, reply: Reply, ctx: RenderContext, *, terminal: bool) -> list[Frame]:
        """Every frame of the streamed reply; without `terminal`, the terminal signal is left out."""
        ...

    def render_stream_error(self, fault: StreamError, ctx: RenderContext) -> bytes:
        """The error frame sent inside a 200 stream."""
        ...

    def render_unary(self, reply: Reply, ctx: RenderContext) -> Any:
        """The JSON body of a non-streaming answer."""
        ...

    def render_count_tokens(self, ctx: RenderContext) -> Any:
        """The JSON body of a token count."""
        ...

    def render_error(self, error: HttpError, ctx: RenderContext) -> tuple[dict[str, str], bytes]:
        """Headers and body of an HTTP error response."""
        ...

    def last_user_text(self, body: Any) -> str:
        """The text an echo answer repeats: the last user turn's text or tool result."""
        ...
