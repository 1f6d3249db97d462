"""OpenAPI that Litestar cannot derive from annotations: the events of the run stream, one SSE event at a time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, get_args

import msgspec
from litestar.openapi.spec import Operation

from cvchat.domain.events import RunEvent
from cvchat.infrastructure.web.schemas import StreamDone

SSE_MEDIA_TYPE = "text/event-stream"
_COMPONENTS = "#/components/schemas/{name}"


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    """A string field holding JSON that matches `schema` (JSON Schema's contentMediaType/contentSchema)."""
    return {"type": "string", "contentMediaType": "application/json", "contentSchema": schema}


def sse_event_schema() -> dict[str, Any]:
    """One event of `GET /api/runs/{run_id}/events`, with the fields an SSE parser gives: `event`, `id`, `data`.

    Before OpenAPI 3.2's `itemSchema`, the `schema` of a `text/event-stream` response describes each event this way
    (the convention Schemathesis checks against). Each run event has its tag as `event`, its seq as `id` and its JSON
    as `data`; the closing `done` carries a `StreamDone` and no id of its own (parsers repeat the last one).
    """
    events: list[dict[str, Any]] = [
        {
            "type": "object",
            "required": ["event", "id", "data"],
            "properties": {
                "event": {"const": member.__struct_config__.tag},
                "id": {"type": "string", "pattern": "^[0-9]+$", "description": "The event's seq."},
                "data": _json({"$ref": _COMPONENTS.format(name=member.__name__)}),
            },
        }
        for member in get_args(RunEvent)
    ]
    (_,), components = msgspec.json.schema_components([StreamDone], ref_template=_COMPONENTS)
    events.append(
        {
            "type": "object",
            "required": ["event", "data"],
            "properties": {
                "event": {"const": "done"},
                "id": {"type": "string"},
                "data": _json(components["StreamDone"]),
            },
        }
    )
    return {"oneOf": events}


@dataclass
class StreamOperation(Operation):
    """The OpenAPI operation of the run stream: its 200 is described event by event (see `sse_event_schema`)."""

    def __post_init__(self) -> None:
        response = (self.responses or {}).get("200")
        content = getattr(response, "content", None) or {}
        if SSE_MEDIA_TYPE in content:
            content[SSE_MEDIA_TYPE].schema = sse_event_schema()  # type: ignore[assignment]
