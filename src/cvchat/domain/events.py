"""The run event union: every event a run appends to its log, as one msgspec tagged union.

The tag (`type`) is the SSE `event:` name and part of the public API: tags are never renamed, and new fields get
defaults so stored events stay readable (msgspec schema evolution). Stored and outgoing events never forbid unknown
fields, so old readers skip what they do not know.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from cvchat.domain.entities import RunStatus, Usage


class _Event(msgspec.Struct, frozen=True, kw_only=True, tag_field="type"):
    """Base of every run event."""


class StateChanged(_Event, tag="state"):
    """The run changed state; seq 1 is always `queued`, the last event is always a terminal state."""

    status: RunStatus


class ToolStart(_Event, tag="tool_start"):
    """The assistant called a tool."""

    call_id: str
    tool: str
    input: dict[str, Any]


class ToolEnd(_Event, tag="tool_end"):
    """A tool call returned."""

    call_id: str
    tool: str
    output: Any
    duration_ms: float


class Token(_Event, tag="token"):
    """A delta of the answer's text."""

    text: str


class Source(msgspec.Struct, frozen=True, kw_only=True):
    """A CV the answer relied on."""

    cv_id: UUID
    name: str


class Final(_Event, tag="final"):
    """The whole answer, the CVs it cites and the tokens it cost."""

    text: str
    sources: list[Source] = []
    usage: Usage = Usage()


class RunFailed(_Event, tag="error"):
    """The run failed; `code` is stable, `retryable` says whether posting again may help."""

    error: str
    code: str
    retryable: bool = False


class Canceled(_Event, tag="canceled"):
    """The run was cancelled."""

    reason: str


RunEvent = StateChanged | ToolStart | ToolEnd | Token | Final | RunFailed | Canceled


class StoredEvent(msgspec.Struct, frozen=True, kw_only=True):
    """An event with its place in the run's log."""

    run_id: UUID
    seq: int
    event: RunEvent

    @property
    def type(self) -> str:
        """The event's tag, used as the SSE `event:` name."""
        return type(self.event).__struct_config__.tag  # type: ignore[return-value]

    @property
    def is_terminal(self) -> bool:
        """True for the terminal `state` event: nothing follows it."""
        return isinstance(self.event, StateChanged) and self.event.status.is_terminal


_encoder = msgspec.json.Encoder()
_decoder: msgspec.json.Decoder[RunEvent] = msgspec.json.Decoder(RunEvent)


def encode_event(event: RunEvent) -> bytes:
    """The event's JSON (with its `type` tag), as stored and as sent in an SSE `data:` line."""
    return _encoder.encode(event)


def decode_event(data: bytes | str) -> RunEvent:
    """Parse a stored event."""
    return _decoder.decode(data)
