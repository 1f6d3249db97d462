"""The fake LLM server: one port speaking both the Anthropic and Gemini wire protocols, scripted and recorded."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Self

from tests.fakes.llm.anthropic_api import AnthropicDialect
from tests.fakes.llm.frames import Dialect, Frame, ProtocolName, RenderContext, Route, compact_json
from tests.fakes.llm.gemini_api import GeminiDialect
from tests.fakes.llm.scripts import (
    Cut,
    Drop,
    Echo,
    Fault,
    HttpError,
    NoTerminal,
    Reply,
    Script,
    Stall,
    StreamError,
    Text,
    as_reply,
    script_from_json,
)
from tests.fakes.llm.wire import BadRequest, Connection, Request

logger = logging.getLogger(__name__)

CONTROL_PREFIX = "/_fake/"


@dataclass(eq=False, kw_only=True)
class RecordedRequest:
    """One request the server received, and what became of its response.

    Times are `time.monotonic()` values. `client_closed` is set when the client closed the connection before the
    response was complete (stream closed, task cancelled, read timeout); a cut made by the server does not set it.
    """

    index: int
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    raw_body: bytes
    body: Any
    """The parsed JSON body, or None when the body is empty or not JSON."""
    protocol: ProtocolName | None
    action: str | None
    """`stream`, `unary` or `count_tokens`; None for an unknown path."""
    model: str | None
    api_key: str | None
    received_at: float
    script: Script | None = None
    status: int | None = None
    response_complete: bool = False
    server_closed: bool = False
    """The server cut or dropped the connection on purpose (Cut, Drop, Stall then cut)."""
    finished_at: float | None = None
    client_closed_at: float | None = None
    client_closed: asyncio.Event = field(default_factory=asyncio.Event)

    def mark_client_closed(self) -> None:
        """Note that the client went away before the response was complete."""
        if self.response_complete or self.client_closed.is_set():
            return
        self.client_closed_at = time.monotonic()
        self.client_closed.set()

    async def wait_client_closed(self, timeout_s: float = 2.0) -> float:
        """Wait until the client has closed the connection; returns when, as `time.monotonic()`.

        Raises:
            TimeoutError: the connection is still open after `timeout_s` seconds.
        """
        async with asyncio.timeout(timeout_s):
            await self.client_closed.wait()
        assert self.client_closed_at is not None
        return self.client_closed_at

    def to_json(self) -> dict[str, Any]:
        """A JSON-friendly summary (the control endpoint `GET /_fake/requests` returns a list of these)."""
        return {
            "index": self.index,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "headers": self.headers,
            "body": self.body,
            "protocol": self.protocol,
            "action": self.action,
            "model": self.model,
            "script": type(self.script).__name__ if self.script is not None else None,
            "status": self.status,
            "response_complete": self.response_complete,
            "server_closed": self.server_closed,
            "client_closed": self.client_closed.is_set(),
            "duration_s": None if self.finished_at is None else round(self.finished_at - self.received_at, 4),
        }


def fault_position(frames: list[Frame], after_deltas: int) -> int:
    """Index of the frame before which a fault fires: the (after_deltas+1)-th delta, else right after the last."""
    seen = 0
    after_last: int | None = None
    for i, frame in enumerate(frames):
        if frame.kind == "delta":
            if seen == after_deltas:
                return i
            seen += 1
            after_last = i + 1
    if after_last is not None:
        return after_last
    return next((i for i, frame in enumerate(frames) if frame.kind != "head"), len(frames))


class FakeLLMServer:
    """An HTTP/1.1 server on 127.0.0.1 answering Anthropic and Gemini API calls from a FIFO of scripts.

    Use it as an async context manager; `url` is the base URL for both SDKs:

        async with FakeLLMServer() as server:
            server.enqueue(Text("Hello"), HttpError(429, retry_after=1))
            client = anthropic.AsyncAnthropic(api_key="test", base_url=server.url)
            ...
            assert server.requests[0].body["messages"][-1]["content"] == "Hi"

    Each streaming or unary call consumes one script: first from its protocol's own queue, then from the shared
    one; with both empty it answers `default` (an echo of the last user text). Token counts consume nothing.
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        api_key: str | None = None,
        default: Echo | Reply | None = None,
        seed: int = 0,
        max_records: int | None = None,
    ) -> None:
        """Configure the server; nothing listens until `start()` or `async with`.

        Args:
            host: interface to bind; keep the loopback default in tests.
            port: 0 picks a free port.
            api_key: when set, a request carrying another key (or none) gets the protocol's 401 and consumes no
                script.
            default: the answer when no script is queued (an `Echo()` if not given).
            seed: seeds the generated ids (`msg_...`, `toolu_...`), so runs are reproducible.
            max_records: keep only the newest records (for long manual runs).
        """
        self.host = host
        self.port = port
        self.api_key = api_key
        self.default: Echo | Reply = default or Echo()
        self.max_records = max_records
        self.requests: list[RecordedRequest] = []
        self._rng = random.Random(seed)
        self._dialects: dict[ProtocolName, Dialect] = {"anthropic": AnthropicDialect(), "gemini": GeminiDialect()}
        self._shared: deque[Script] = deque()
        self._queues: dict[ProtocolName, deque[Script]] = {"anthropic": deque(), "gemini": deque()}
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._arrived = asyncio.Condition()
        self._count = 0

    # Lifecycle.

    async def start(self) -> None:
        """Bind and start serving."""
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Stop listening and end every open connection (stalled streams included)."""
        if self._server is None:
            return
        self._server.close()
        for task in list(self._handlers):
            task.cancel()
        await asyncio.gather(*self._handlers, return_exceptions=True)
        await self._server.wait_closed()
        self._server = None

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        """Base URL for both SDKs (`ANTHROPIC_BASE_URL`, `GEMINI_BASE_URL`, `HttpOptions(base_url=...)`)."""
        return f"http://{self.host}:{self.port}"

    # Scripts and records.

    def enqueue(self, *scripts: Script, protocol: ProtocolName | None = None) -> None:
        """Queue scripts, consumed one per call in order; `protocol` reserves them for that API's calls."""
        (self._shared if protocol is None else self._queues[protocol]).extend(scripts)

    def pending(self, protocol: ProtocolName | None = None) -> int:
        """Scripts not consumed yet: in the shared queue, or in one protocol's queue."""
        return len(self._shared if protocol is None else self._queues[protocol])

    def requests_for(self, protocol: ProtocolName) -> list[RecordedRequest]:
        """The recorded requests of one protocol, oldest first."""
        return [request for request in self.requests if request.protocol == protocol]

    async def wait_for_requests(self, count: int, timeout_s: float = 2.0) -> list[RecordedRequest]:
        """Wait until `count` requests have arrived in all (records kept or not); returns the records."""
        async with asyncio.timeout(timeout_s), self._arrived:
            await self._arrived.wait_for(lambda: self._count >= count)
        return list(self.requests)

    def reset(self) -> None:
        """Forget the records and every queued script."""
        self.requests.clear()
        self._shared.clear()
        for queue in self._queues.values():
            queue.clear()

    def _next_script(self, protocol: ProtocolName) -> Script:
        for queue in (self._queues[protocol], self._shared):
            if queue:
                return queue.popleft()
        return self.default

    # Connections.

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self._handlers.add(task)
        conn = Connection(reader, writer)
        try:
            while not conn.closed:
                try:
                    request = await conn.read_request()
                except BadRequest as exc:
                    await conn.send_full(400, {"content-type": "text/plain"}, str(exc).encode())
                    break
                if request is None or not await self._serve(conn, request):
                    break
        except (ConnectionError, OSError):
            pass
        except asyncio.CancelledError:
            # Only stop() cancels this root task of the connection, and nothing awaits its result: asyncio's
            # stream callback would log the cancellation as an error if it escaped.
            pass
        finally:
            conn.close()
            self._handlers.discard(task)

    async def _serve(self, conn: Connection, request: Request) -> bool:
        """Answer one request; True to keep the connection for the next one."""
        if request.path.startswith(CONTROL_PREFIX):
            return await self._control(conn, request)
        record, dialect, route = self._record(request)
        async with self._arrived:
            self._arrived.notify_all()
        responder = asyncio.create_task(self._respond(conn, request, record, dialect, route))
        watcher = asyncio.create_task(conn.wait_for_client_eof())
        try:
            done, _ = await asyncio.wait({responder, watcher}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (responder, watcher):
                if not task.done():
                    task.cancel()
            await asyncio.gather(responder, watcher, return_exceptions=True)
        record.finished_at = time.monotonic()
        logger.info(
            "%s %s -> %s script=%s complete=%s client_closed=%s server_closed=%s",
            request.method,
            request.target,
            record.status,
            type(record.script).__name__ if record.script is not None else None,
            record.response_complete,
            record.client_closed.is_set(),
            record.server_closed,
        )
        if responder in done and not responder.cancelled():
            error = responder.exception()
            if error is None:
                return responder.result() and request.keep_alive and not conn.closed
            if not isinstance(error, ConnectionError | OSError):
                logger.error("fake LLM server failed to answer", exc_info=error)
                return False
        if not conn.closed:
            # The client hung up (EOF, or a write that failed) while the response was in progress.
            record.mark_client_closed()
        return False

    def _record(self, request: Request) -> tuple[RecordedRequest, Dialect | None, Route | None]:
        try:
            body = json.loads(request.body) if request.body else None
        except ValueError:
            body = None
        dialect: Dialect | None = None
        route: Route | None = None
        for candidate in self._dialects.values():
            route = candidate.route(request.method, request.path, request.query, body)
            if route is not None:
                dialect = candidate
                break
        record = RecordedRequest(
            index=self._count,
            method=request.method,
            path=request.path,
            query=request.query,
            headers=request.headers,
            raw_body=request.body,
            body=body,
            protocol=dialect.name if dialect is not None else None,
            action=route.action if route is not None else None,
            model=route.model if route is not None else None,
            api_key=dialect.api_key(request.headers) if dialect is not None else None,
            received_at=time.monotonic(),
        )
        self._count += 1
        self.requests.append(record)
        if self.max_records is not None and len(self.requests) > self.max_records:
            del self.requests[: len(self.requests) - self.max_records]
        return record, dialect, route

    # Answers.

    async def _respond(
        self, conn: Connection, request: Request, record: RecordedRequest, dialect: Dialect | None, route: Route | None
    ) -> bool:
        if dialect is None or route is None:
            record.status = 404
            body = {"error": {"code": 404, "message": f"fake LLM server: no route for {request.method} {request.path}"}}
            await conn.send_full(404, {"content-type": "application/json"}, compact_json(body).encode())
            record.response_complete = True
            return True
        ctx = RenderContext(
            model=route.model or "unknown-model", input_tokens=max(1, len(request.body) // 4), rng=self._rng
        )
        if self.api_key is not None and record.api_key != self.api_key:
            return await self._send_error(conn, dialect, HttpError(401), ctx, record)
        if route.action == "count_tokens":
            return await self._send_json(conn, dialect.render_count_tokens(ctx), {}, record)
        script = self._next_script(dialect.name)
        record.script = script
        if isinstance(script, Drop):
            record.server_closed = True
            conn.close(reset=script.reset)
            return False
        if isinstance(script, HttpError):
            return await self._send_error(conn, dialect, script, ctx, record)
        if isinstance(script, Echo):
            echo = Text(f"Echo: {dialect.last_user_text(record.body)}", chunks=script.chunks)
            reply = Reply([echo], delay_s=script.delay_s)
        else:
            reply = as_reply(script)
        if reply.input_tokens is not None:
            ctx.input_tokens = reply.input_tokens
        if route.action == "unary":
            return await self._unary(conn, dialect, reply, ctx, record)
        return await self._stream(conn, dialect, reply, ctx, record)

    async def _send_json(
        self, conn: Connection, payload: Any, headers: dict[str, str], record: RecordedRequest
    ) -> bool:
        record.status = 200
        await conn.send_full(200, {"content-type": "application/json", **headers}, compact_json(payload).encode())
        record.response_complete = True
        return True

    async def _send_error(
        self, conn: Connection, dialect: Dialect, error: HttpError, ctx: RenderContext, record: RecordedRequest
    ) -> bool:
        headers, body = dialect.render_error(error, ctx)
        record.status = error.status
        await conn.send_full(error.status, {**headers, **error.headers}, body)
        record.response_complete = True
        return True

    async def _unary(
        self, conn: Connection, dialect: Dialect, reply: Reply, ctx: RenderContext, record: RecordedRequest
    ) -> bool:
        fault = reply.fault
        if isinstance(fault, Stall):
            await asyncio.sleep(fault.seconds)
        if isinstance(fault, Cut) or (isinstance(fault, Stall) and fault.then == "cut"):
            record.server_closed = True
            conn.close(reset=isinstance(fault, Cut) and fault.reset)
            return False
        if isinstance(fault, StreamError):
            error = HttpError(fault.status, message=fault.message, error_type=fault.error_type)
            return await self._send_error(conn, dialect, error, ctx, record)
        return await self._send_json(conn, dialect.render_unary(reply, ctx), dict(reply.headers), record)

    async def _stream(
        self, conn: Connection, dialect: Dialect, reply: Reply, ctx: RenderContext, record: RecordedRequest
    ) -> bool:
        fault = reply.fault
        terminal = not (isinstance(fault, NoTerminal) and fault.after_deltas is None)
        frames = dialect.render_stream(reply, ctx, terminal=terminal)
        at: int | None = None
        if fault is not None and not (isinstance(fault, NoTerminal) and fault.after_deltas is None):
            assert fault.after_deltas is not None
            at = fault_position(frames, fault.after_deltas)
        record.status = 200
        await conn.send_head(200, {**dialect.stream_headers(ctx), **reply.headers})
        for i in range(len(frames) + 1):
            if i == at:
                assert fault is not None
                outcome = await self._fault(conn, dialect, fault, frames[i] if i < len(frames) else None, ctx, record)
                if outcome is not None:
                    return outcome
            if i == len(frames):
                break
            if frames[i].kind == "delta" and reply.delay_s > 0:
                await asyncio.sleep(reply.delay_s)
            await conn.send_chunk(frames[i].data, max_size=reply.chunk_bytes)
        await conn.end_chunks()
        record.response_complete = True
        return True

    async def _fault(
        self,
        conn: Connection,
        dialect: Dialect,
        fault: Fault,
        next_frame: Frame | None,
        ctx: RenderContext,
        record: RecordedRequest,
    ) -> bool | None:
        """Apply a fault; None to go on streaming, else whether to keep the connection."""
        if isinstance(fault, Stall):
            await asyncio.sleep(fault.seconds)
            if fault.then == "finish":
                return None
            record.server_closed = True
            conn.close()
            return False
        if isinstance(fault, Cut):
            if fault.partial_bytes and next_frame is not None:
                await conn.send_torn_chunk(next_frame.data, fault.partial_bytes)
            record.server_closed = True
            conn.close(reset=fault.reset)
            return False
        if isinstance(fault, StreamError):
            await conn.send_chunk(dialect.render_stream_error(fault, ctx))
        await conn.end_chunks()
        record.response_complete = True
        return True

    # Control endpoints, for a server run by hand or in another process.

    async def _control(self, conn: Connection, request: Request) -> bool:
        """`POST /_fake/scripts` queues scripts, `GET /_fake/requests` lists records, `POST /_fake/reset` clears."""
        status: int = 200
        payload: dict[str, Any] = {}
        action = request.path[len(CONTROL_PREFIX) :].strip("/")
        try:
            if request.method == "POST" and action == "scripts":
                data = json.loads(request.body or b"[]")
                raw = data if isinstance(data, list) else data.get("scripts", [])
                protocol = None if isinstance(data, list) else data.get("protocol")
                if protocol not in (None, "anthropic", "gemini"):
                    raise ValueError(f"unknown protocol {protocol!r}")
                self.enqueue(*_load_scripts(raw), protocol=protocol)
                payload = {"pending": self.pending(protocol)}
            elif request.method == "GET" and action == "requests":
                payload = {"requests": [record.to_json() for record in self.requests]}
            elif request.method == "POST" and action == "reset":
                self.reset()
            else:
                status, payload = 404, {"error": f"no control endpoint {request.method} {request.path}"}
        except (ValueError, TypeError) as exc:
            status, payload = 400, {"error": str(exc)}
        await conn.send_full(status, {"content-type": "application/json"}, compact_json(payload).encode())
        return request.keep_alive


def _load_scripts(raw: Iterable[Any]) -> list[Script]:
    scripts: list[Script] = []
    for item in raw:
        if not isinstance(item, dict):
            raise ValueError(f"a script is a JSON object, not {item!r}")
        scripts.append(script_from_json(item))
    return scripts
