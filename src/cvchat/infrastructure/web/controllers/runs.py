"""Runs: status, cancel, and the event log as Server-Sent Events or JSON pages."""

from __future__ import annotations

import re
import weakref
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency, Provide
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import HeaderParameter, PathParameter, QueryParameter
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from cvchat.application.runs import CancelRun, GetRun, Heartbeat, OpenedStream, ReadRunEvents, StreamRunEvents
from cvchat.application.users import IssueStreamToken, Principal
from cvchat.domain.entities import Run
from cvchat.domain.errors import InvalidPositionError, NotFoundError
from cvchat.domain.events import StoredEvent, encode_event
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.web.auth import BEARER_ONLY, BEARER_OR_STREAM_TOKEN, provide_principal, stream_caller
from cvchat.infrastructure.web.controllers.threads import stream_url
from cvchat.infrastructure.web.deps import (
    provide_cancel_run,
    provide_get_run,
    provide_issue_stream_token,
    provide_read_run_events,
    provide_runs_repo,
    provide_runtime,
    provide_stream_run_events,
)
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.limits import Limits, StreamSlot
from cvchat.infrastructure.web.openapi import StreamOperation
from cvchat.infrastructure.web.schemas import CancelResult, EventEnvelope, EventsPage, RunRead, StreamDone

RunId = Annotated[UUID, PathParameter(title="Run id", description="The id of one of your runs.")]
_SSE_HEADERS = {"Cache-Control": "no-cache", "Connection": "keep-alive", "X-Accel-Buffering": "no"}
MAX_SEQ = 2**31 - 1
_SEQ_TEXT = re.compile(r"[0-9]{1,10}")  # ASCII digits only, and few enough for int() to be cheap
"""The largest seq a log can reach (`run_events.seq` is a 32-bit INTEGER): a larger `after` is a 400, not a 500."""

_SSE_DESCRIPTION = """A `text/event-stream` of the run's log. It opens with `retry:`, replays the events after the
client's position (`Last-Event-ID` header, else `after`), then follows live events; `: ping` comments keep it alive.
Each frame is `id: <seq>`, `event: <type>`, `data: <JSON of the event>` (an `EventEnvelope.event`). After the
terminal `state` event it sends `event: done` (no id, `data` is a `StreamDone`) and closes. A reconnect whose
position is already the terminal event answers 204. The stream ends at once when the API key it was opened with
(directly or through the stream token) is revoked. A run whose events were deleted by retention answers 410."""


def parse_position(last_event_id: str | None, after: int | None) -> int:
    """The client's position: the Last-Event-ID header (sent by reconnecting browsers) wins over `after`."""
    if last_event_id is None:
        return after or 0
    text = last_event_id.strip()
    if not _SEQ_TEXT.fullmatch(text) or int(text) > MAX_SEQ:
        shown = last_event_id if len(last_event_id) <= 40 else last_event_id[:40] + "…"
        raise InvalidPositionError(f"Last-Event-ID must be a seq from 0 to {MAX_SEQ}, got {shown!r}")
    return int(text)


class RunController(Controller):
    path = "/api/runs"
    tags = ["Runs"]
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "runs_repo": Provide(provide_runs_repo),
        "get_run": Provide(provide_get_run, sync_to_thread=False),
        "cancel_run": Provide(provide_cancel_run, sync_to_thread=False),
        "read_run_events": Provide(provide_read_run_events, sync_to_thread=False),
        "stream_run_events": Provide(provide_stream_run_events, sync_to_thread=False),
        "issue_stream_token": Provide(provide_issue_stream_token, sync_to_thread=False),
    }

    @get(
        "/{run_id:uuid}",
        operation_id="GetRun",
        summary="A run's status",
        security=BEARER_ONLY,
        dependencies={"principal": Provide(provide_principal)},
        responses=problem_responses(401, 404),
    )
    async def get_one(
        self,
        run_id: RunId,
        principal: NamedDependency[Principal],
        get_run: NamedDependency[GetRun],
        issue_stream_token: NamedDependency[IssueStreamToken],
    ) -> RunRead:
        """The run's status, timings, provider, usage, the seq of its last event and, while queued, its place in the
        queue."""
        view = await get_run(run_id, principal.user.id)
        run = view.run
        url = None if run.status.is_terminal else stream_url(run.id, issue_stream_token(principal.key, run.id))
        return RunRead.from_domain(run, url, view.queue_position)

    @post(
        "/{run_id:uuid}/cancel",
        operation_id="CancelRun",
        summary="Cancel a run",
        status_code=HTTP_200_OK,
        security=BEARER_ONLY,
        dependencies={"principal": Provide(provide_principal)},
        responses=problem_responses(401, 404),
    )
    async def cancel(
        self, run_id: RunId, principal: NamedDependency[Principal], cancel_run: NamedDependency[CancelRun]
    ) -> CancelResult:
        """Stop the run; answers once it has stopped (`canceled`), or with its final status if it had already ended."""
        run = await cancel_run(run_id, principal.user.id)
        return CancelResult(run_id=run.id, status=run.status)

    @get(
        "/{run_id:uuid}/events/page",
        operation_id="ListRunEvents",
        summary="A run's events as JSON",
        security=BEARER_ONLY,
        dependencies={"principal": Provide(provide_principal)},
        responses=problem_responses(401, 404, 410),
    )
    async def events_page(
        self,
        run_id: RunId,
        principal: NamedDependency[Principal],
        read_run_events: NamedDependency[ReadRunEvents],
        after: Annotated[int, QueryParameter(ge=0, le=MAX_SEQ, description="Events with a greater seq.")] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 200,
    ) -> EventsPage:
        """The same events as the SSE stream, a page at a time, for clients that cannot read SSE."""
        page = await read_run_events(run_id, principal.user.id, after, limit)
        events = [EventEnvelope.from_domain(e) for e in page.events]
        return EventsPage(
            run_id=page.run.id,
            status=page.run.status,
            last_seq=page.run.last_seq,
            events=events,
            next_after=events[-1].seq if events else after,
        )

    @get(
        "/{run_id:uuid}/events",
        operation_id="StreamRunEvents",
        summary="Stream a run's events (SSE)",
        description=_SSE_DESCRIPTION,
        operation_class=StreamOperation,
        security=BEARER_OR_STREAM_TOKEN,
        responses={
            200: ResponseSpec(
                data_container=EventEnvelope,
                media_type="text/event-stream",
                description="The event stream.",
                generate_examples=False,  # the default fills the shared component schemas with random examples
            ),
            204: ResponseSpec(data_container=None, description="The client already has every event."),
            **problem_responses(401, 404, 410),
        },
    )
    async def events(
        self,
        request: Request,
        run_id: RunId,
        runtime: NamedDependency[Runtime],
        stream_run_events: NamedDependency[StreamRunEvents],
        limits: NamedDependency[Limits],
        after: Annotated[int | None, QueryParameter(ge=0, le=MAX_SEQ, description="Resume after this seq.")] = None,
        last_event_id: Annotated[
            str | None, HeaderParameter(name="Last-Event-ID", description="Resume after this seq (wins over `after`).")
        ] = None,
        token: Annotated[str | None, QueryParameter(description="The stream token of `stream_url`.")] = None,
    ) -> Stream | Response[None]:
        """Server-Sent Events of the run's log, resumable without gaps or duplicates."""
        position = parse_position(last_event_id, after)
        key = await stream_caller(request, runtime, limits, run_id, token)
        # Subscribed before the run and its first page are read (in one statement), so nothing falls in between.
        opened = await stream_run_events.open(run_id, position, key.id)
        try:
            run = opened.run
            if run is None or run.user_id != key.user_id:
                raise NotFoundError(f"run {run_id} not found")
            if not stream_run_events.check_position(run, position):
                opened.close()
                return Response(None, status_code=HTTP_204_NO_CONTENT)
            slot = limits.streams.acquire(key.id)  # 429 beyond MAX_STREAMS_PER_KEY
        except BaseException:
            opened.close()
            raise
        body = _frames(stream_run_events, opened, run, runtime.settings.sse_retry_ms, slot)
        # Released when the body ends, or when it is dropped without ever being iterated (its finally never runs).
        weakref.finalize(body, _release, slot, opened)
        # A plain Stream of ready SSE bytes: Litestar's ServerSentEvent would encode (and send) each event on its own.
        return Stream(
            body,
            media_type="text/event-stream",
            headers=_SSE_HEADERS,
        )


def _release(slot: StreamSlot, opened: OpenedStream) -> None:
    slot.release()
    opened.close()


async def _frames(
    stream_run_events: NamedDependency[StreamRunEvents],
    opened: OpenedStream,
    run: Run,
    retry_ms: int,
    slot: StreamSlot,
) -> AsyncIterator[bytes]:
    """The stream's body in SSE wire format: one chunk, so one socket write, per batch of events."""
    with slot:
        yield b"retry: %d\r\n\r\n" % retry_ms
        async for item in stream_run_events.follow(opened):
            if isinstance(item, Heartbeat):
                yield PING
                continue
            chunk = b"".join(_frame(e) for e in item)
            last = item[-1]
            if last.is_terminal:
                done = StreamDone(run_id=run.id, status=last.event.status, last_seq=last.seq)  # type: ignore[union-attr]
                chunk += b"event: done\r\ndata: %s\r\n\r\n" % msgspec.json.encode(done)
            yield chunk


PING = b": ping\r\n\r\n"
"""A heartbeat: a comment, which EventSource ignores (no `data:` line, so no empty message is dispatched)."""


def _frame(event: StoredEvent) -> bytes:
    # JSON never holds a raw line break (msgspec escapes them), so `data:` is always a single line.
    return b"id: %d\r\nevent: %s\r\ndata: %s\r\n\r\n" % (event.seq, event.type.encode(), encode_event(event.event))
