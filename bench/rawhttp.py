"""Lean HTTP/1.1 clients on raw asyncio streams, for load where httpx itself would be the bottleneck.

`hammer` measures GET throughput over keep-alive connections; `hold_streams` opens many SSE streams and keeps them
idle; `follow_sse` reads a run's stream to its end, parsing SSE as a browser does. They speak just enough HTTP/1.1
for our own server (Content-Length or chunked bodies).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from dataclasses import dataclass, field

from tests.support.processes import FollowedRun, SseParser


def _request(path: str, headers: dict[str, str], host: str) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", *(f"{k}: {v}" for k, v in headers.items()), "", ""]
    return "\r\n".join(lines).encode()


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    status = int(status_line.split(" ", 2)[1])
    headers = {}
    for line in header_lines:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return status, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "content-length" in headers:
        return await reader.readexactly(int(headers["content-length"]))
    if headers.get("transfer-encoding", "").lower() == "chunked":
        body = bytearray()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                return bytes(body)
            body += chunk[:-2]
    return b""


@dataclass
class HammerResult:
    requests: int
    errors: int
    seconds: float
    latencies_ms: list[float]

    @property
    def per_second(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


async def hammer(
    host: str, port: int, paths: list[str], headers: dict[str, str], *, connections: int, seconds: float
) -> HammerResult:
    """GET `paths` round-robin over `connections` keep-alive connections for `seconds`; counts 200 answers."""
    done = errors = 0
    latencies: list[float] = []
    deadline = time.monotonic() + seconds
    started = time.monotonic()

    async def one(offset: int) -> None:
        nonlocal done, errors
        reader, writer = await asyncio.open_connection(host, port)
        try:
            i = offset
            while time.monotonic() < deadline:
                sent = time.perf_counter()
                writer.write(_request(paths[i % len(paths)], headers, f"{host}:{port}"))
                i += 1
                status, response_headers = await _read_head(reader)
                await _read_body(reader, response_headers)
                latencies.append((time.perf_counter() - sent) * 1000)
                if status == 200:
                    done += 1
                else:
                    errors += 1
                if response_headers.get("connection", "").lower() == "close":
                    writer.close()
                    reader, writer = await asyncio.open_connection(host, port)
        finally:
            writer.close()

    await asyncio.gather(*(one(i) for i in range(connections)))
    return HammerResult(requests=done, errors=errors, seconds=time.monotonic() - started, latencies_ms=latencies)


@dataclass
class HeldStreams:
    """SSE connections opened and left idle: how many got their `200` and first frame, and how fast they opened."""

    opened: int = 0
    refused: list[str] = field(default_factory=list)
    open_ms: list[float] = field(default_factory=list)
    streams: list[tuple[asyncio.StreamReader, asyncio.StreamWriter]] = field(default_factory=list, repr=False)
    seconds_to_open: float = 0.0

    async def still_open(self, wait_s: float) -> int:
        """How many streams are still open (no EOF), reading whatever arrived (heartbeats) for up to `wait_s`."""
        alive = 0

        async def probe(reader: asyncio.StreamReader) -> bool:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_s):
                    data = await reader.read(65536)
                    return bool(data)
            return not reader.at_eof()

        results = await asyncio.gather(*(probe(r) for r, _ in self.streams), return_exceptions=True)
        alive = sum(1 for r in results if r is True)
        return alive

    def close(self) -> None:
        for _, writer in self.streams:
            writer.close()
        self.streams.clear()


async def hold_streams(
    host: str,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    *,
    count: int,
    concurrency: int,
    open_timeout_s: float,
    give_up_after: int = 200,
) -> HeldStreams:
    """Open `count` SSE streams (round-robin over `paths`), each read up to its first frame, and keep them open.

    Stops early after `give_up_after` consecutive failures (the server holds no more).
    """
    held = HeldStreams()
    gate = asyncio.Semaphore(concurrency)
    consecutive_failures = 0
    stop = asyncio.Event()
    started = time.monotonic()

    async def one(i: int) -> None:
        nonlocal consecutive_failures
        if stop.is_set():
            return
        async with gate:
            if stop.is_set():
                return
            t0 = time.perf_counter()
            writer = None
            try:
                async with asyncio.timeout(open_timeout_s):
                    reader, writer = await asyncio.open_connection(host, port)
                    writer.write(_request(paths[i % len(paths)], headers | {"Accept": "text/event-stream"}, host))
                    status, _ = await _read_head(reader)
                    if status != 200:
                        raise RuntimeError(f"status {status}")
                    await reader.readuntil(b"\r\n\r\n")  # the first chunk: `retry:` (then the replayed events)
            except (OSError, RuntimeError, TimeoutError, asyncio.IncompleteReadError) as exc:
                held.refused.append(type(exc).__name__ if not isinstance(exc, RuntimeError) else str(exc))
                if writer is not None:
                    writer.close()
                consecutive_failures += 1
                if consecutive_failures >= give_up_after:
                    stop.set()
                return
            consecutive_failures = 0
            held.open_ms.append((time.perf_counter() - t0) * 1000)
            held.streams.append((reader, writer))
            held.opened += 1

    await asyncio.gather(*(one(i) for i in range(count)))
    held.seconds_to_open = time.monotonic() - started
    return held


_LINE_END = re.compile(rb"\r\n|\r|\n")


async def follow_sse(host: str, port: int, path: str, headers: dict[str, str], into: FollowedRun) -> FollowedRun:
    """GET an SSE stream on a connection of its own and parse it (lines, `field: value`, a blank line dispatches)
    until `event: done` or the end of the body. A frame's `at` is time.monotonic() when its chunk arrived.

    httpx's streaming costs about three times as much client CPU per chunk, which made the client the bottleneck of
    the load phases.
    """
    reader, writer = await asyncio.open_connection(host, port)
    into.connects += 1
    try:
        writer.write(_request(path, headers | {"Accept": "text/event-stream"}, f"{host}:{port}"))
        status, response_headers = await _read_head(reader)
        into.statuses.append(status)
        if status != 200:
            raise AssertionError(f"{path}: {status} {await _read_body(reader, response_headers)!r}")
        pending = b""
        parser = SseParser()
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            chunk = await reader.readexactly(size + 2)
            if size == 0:
                break
            at = time.monotonic()
            *lines, pending = _LINE_END.split(pending + chunk[:-2])
            for raw in lines:
                frame = parser.feed(raw.decode(), at)
                if frame is not None:
                    into.frames.append(frame)
                    if frame.event == "done":
                        into.ended_at = at
                        return into
        into.ended_at = time.monotonic()
        return into
    finally:
        writer.close()
