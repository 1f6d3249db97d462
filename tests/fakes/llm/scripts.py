"""Scripts: what the fake LLM server answers to one request, protocol-neutral and JSON-loadable."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field
from typing import Any, Literal, TypeAlias


def split_evenly(text: str, chunks: int) -> list[str]:
    """Split `text` into `chunks` pieces of nearly equal length in code points (empty pieces dropped)."""
    if chunks <= 1 or len(text) <= 1:
        return [text] if text else []
    size, extra = divmod(len(text), chunks)
    pieces: list[str] = []
    start = 0
    for i in range(chunks):
        end = start + size + (1 if i < extra else 0)
        if end > start:
            pieces.append(text[start:end])
        start = end
    return pieces


@dataclass(frozen=True)
class Text:
    """A text block, streamed as `chunks` deltas, or as exactly the given pieces when `text` is a sequence.

    Pieces may cut grapheme clusters (emoji with ZWJ, a letter and its combining accent) across frames, as real
    tokenizers do; a single code point is never split inside one JSON string, since JSON cannot carry half of it.
    """

    text: str | Sequence[str]
    _: KW_ONLY
    chunks: int = 3
    thought_signature: str | None = None
    """Gemini only: base64 `thoughtSignature` put on the first part of this block."""

    def pieces(self) -> list[str]:
        """The text deltas, in order."""
        if isinstance(self.text, str):
            return split_evenly(self.text, self.chunks)
        return [piece for piece in self.text if piece]

    @property
    def full_text(self) -> str:
        """The whole text of the block."""
        return self.text if isinstance(self.text, str) else "".join(self.text)


@dataclass(frozen=True)
class ToolCall:
    """A tool call: Anthropic `tool_use` block with its input streamed as partial JSON, Gemini `functionCall` part."""

    name: str
    args: Mapping[str, Any] = field(default_factory=dict)
    _: KW_ONLY
    id: str | None = None
    """Anthropic tool_use id (default: a generated `toolu_...`); Gemini `functionCall.id`, sent only when set."""
    chunks: int = 3
    """Anthropic: how many `input_json_delta` events carry the input JSON (after the usual empty first one)."""
    raw_args: str | None = None
    """Sent instead of `json.dumps(args)`: Anthropic streams it verbatim as partial JSON (malformed tool input);
    Gemini puts it in `args` as a JSON string instead of an object."""
    signed: bool = True
    """Gemini only: put a `thoughtSignature` on the functionCall part, as thinking models do."""
    thought_signature: str | None = None
    """Gemini only: the base64 signature to send (default: one derived from the call's name and position)."""


Block: TypeAlias = Text | ToolCall


@dataclass(frozen=True, kw_only=True)
class Cut:
    """Close the socket mid-body after `after_deltas` content deltas, without the chunked-encoding terminator."""

    after_deltas: int = 1
    partial_bytes: int = 0
    """Also send the first bytes of the next frame (declared as a whole chunk), so the frame and chunk are torn."""
    reset: bool = False
    """Send a TCP RST (SO_LINGER 0) instead of a FIN."""


@dataclass(frozen=True, kw_only=True)
class Stall:
    """After `after_deltas` deltas, send nothing for `seconds`; then finish the stream or cut the connection."""

    after_deltas: int = 1
    seconds: float = 30.0
    then: Literal["finish", "cut"] = "finish"


@dataclass(frozen=True, kw_only=True)
class StreamError:
    """An error inside a 200 stream after `after_deltas` deltas: Anthropic `event: error`, Gemini `data: {"error"}`.

    The body then ends cleanly, as the real APIs do.
    """

    after_deltas: int = 1
    status: int = 529
    """Picks the default error type; Gemini also sends it as `error.code`."""
    error_type: str | None = None
    """Anthropic `error.type` or Gemini `error.status`; default derived from `status`."""
    message: str | None = None


@dataclass(frozen=True, kw_only=True)
class NoTerminal:
    """End the body cleanly but without the terminal event.

    With `after_deltas=None` everything else is sent (Anthropic: all but `message_stop`; Gemini: no `finishReason`
    and no final usage). With a number, the stream simply stops after that many deltas.
    """

    after_deltas: int | None = None


Fault: TypeAlias = Cut | Stall | StreamError | NoTerminal


@dataclass(frozen=True)
class Reply:
    """A successful streamed answer made of blocks, optionally broken by a fault."""

    blocks: Sequence[Block] = ()
    _: KW_ONLY
    fault: Fault | None = None
    delay_s: float = 0.0
    """Pause before each delta frame."""
    chunk_bytes: int | None = None
    """Write every SSE frame as HTTP chunks of at most this many bytes, so multi-byte UTF-8 characters are split
    across chunks (and reads) on the wire."""
    stop_reason: str | None = None
    """Anthropic stop_reason; default `tool_use` when a ToolCall is present, else `end_turn`."""
    finish_reason: str = "STOP"
    """Gemini finishReason on the last chunk."""
    input_tokens: int | None = None
    """Default: a quarter of the request body's size in bytes."""
    output_tokens: int | None = None
    """Default: the number of content deltas."""
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Echo:
    """The default answer: the last user text (or tool result) said back, as `Echo: ...` in `chunks` deltas."""

    _: KW_ONLY
    chunks: int = 3
    delay_s: float = 0.0


@dataclass(frozen=True)
class HttpError:
    """An HTTP error status with a body in the protocol's error shape (or `body` verbatim)."""

    status: int
    _: KW_ONLY
    message: str | None = None
    error_type: str | None = None
    """Anthropic `error.type` or Gemini `error.status`; default derived from `status`."""
    retry_after: float | None = None
    """Anthropic: `retry-after` header (seconds); Gemini: a `google.rpc.RetryInfo` detail."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: str | None = None
    """Raw body instead of the JSON error (e.g. an HTML page from a proxy)."""


@dataclass(frozen=True)
class Drop:
    """Read the request, then close the connection without sending any response byte."""

    _: KW_ONLY
    reset: bool = False


Script: TypeAlias = Reply | Text | ToolCall | Echo | HttpError | Drop

_KINDS: dict[str, type[Any]] = {
    "reply": Reply,
    "text": Text,
    "tool_call": ToolCall,
    "echo": Echo,
    "http_error": HttpError,
    "drop": Drop,
    "cut": Cut,
    "stall": Stall,
    "stream_error": StreamError,
    "no_terminal": NoTerminal,
}


def as_reply(script: Text | ToolCall | Reply) -> Reply:
    """A lone block queued as a script is a reply with that block."""
    return script if isinstance(script, Reply) else Reply([script])


def script_from_json(data: Mapping[str, Any]) -> Script:
    """Build a script from JSON such as `{"kind": "text", "text": "hi", "chunks": 2}`.

    Nested blocks and faults use the same form: `{"kind": "reply", "blocks": [...], "fault": {"kind": "cut"}}`.
    """
    obj = _from_json(data)
    if not isinstance(obj, Reply | Text | ToolCall | Echo | HttpError | Drop):
        raise ValueError(f"not a script kind: {data.get('kind')!r}")
    return obj


def _from_json(data: Mapping[str, Any]) -> Any:
    values = dict(data)
    kind = values.pop("kind", None)
    cls = _KINDS.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown script kind {kind!r}; expected one of {sorted(_KINDS)}")
    known = {f.name for f in dataclasses.fields(cls)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown fields for {kind!r}: {sorted(unknown)}")
    if "blocks" in values:
        values["blocks"] = [_from_json(block) for block in values["blocks"]]
    if values.get("fault") is not None:
        values["fault"] = _from_json(values["fault"])
    if cls is Text and isinstance(values.get("text"), list):
        values["text"] = tuple(values["text"])
    return cls(**values)
