"""Just enough HTTP/1.1 over asyncio streams: keep-alive requests in, chunked or sized responses out, cuts."""

from __future__ import annotations

import asyncio
import socket
import struct
from collections.abc import Mapping
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, urlsplit

_MAX_HEAD = 64 * 1024
_REASONS = {529: "Overloaded"}


class BadRequest(Exception):
    """The bytes received are not an HTTP/1.1 request this server understands."""


@dataclass(frozen=True, kw_only=True)
class Request:
    """One parsed request. Header names are lower-cased; repeated headers are joined with `, `."""

    method: str
    target: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    keep_alive: bool


class Connection:
    """One client connection: reads requests, writes responses, and notices when the client goes away."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer
        self._buffer = bytearray()
        self._eof = False
        self.closed = False

    async def _fill(self) -> bool:
        if self._eof:
            return False
        data = await self._reader.read(65536)
        if not data:
            self._eof = True
            return False
        self._buffer += data
        return True

    async def _read_until(self, marker: bytes, limit: int) -> bytes | None:
        while (at := self._buffer.find(marker)) < 0:
            if len(self._buffer) > limit:
                raise BadRequest("header section too large")
            if not await self._fill():
                return None
        data = bytes(self._buffer[: at + len(marker)])
        del self._buffer[: at + len(marker)]
        return data

    async def _read_exactly(self, size: int) -> bytes:
        while len(self._buffer) < size:
            if not await self._fill():
                raise BadRequest("body shorter than announced")
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    async def read_request(self) -> Request | None:
        """The next request, or None when the client closed the connection between requests."""
        head = await self._read_until(b"\r\n\r\n", _MAX_HEAD)
        if head is None:
            if self._buffer:
                raise BadRequest("connection closed inside a request head")
            return None
        lines = head[:-4].decode("latin-1").split("\r\n")
        try:
            method, target, version = lines[0].split(" ", 2)
        except ValueError:
            raise BadRequest(f"bad request line {lines[0]!r}") from None
        headers: dict[str, str] = {}
        for line in lines[1:]:
            name, sep, value = line.partition(":")
            if not sep:
                raise BadRequest(f"bad header line {line!r}")
            key = name.strip().lower()
            headers[key] = f"{headers[key]}, {value.strip()}" if key in headers else value.strip()
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = await self._read_chunked_body()
        else:
            body = await self._read_exactly(int(headers.get("content-length", "0") or 0))
        split = urlsplit(target)
        connection = headers.get("connection", "").lower()
        keep_alive = version == "HTTP/1.1" and "close" not in connection
        return Request(
            method=method.upper(),
            target=target,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            keep_alive=keep_alive,
        )

    async def _read_chunked_body(self) -> bytes:
        body = bytearray()
        while True:
            line = await self._read_until(b"\r\n", 1024)
            if line is None:
                raise BadRequest("connection closed inside a chunked body")
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while await self._read_until(b"\r\n", _MAX_HEAD) not in (b"\r\n", None):
                    pass
                return bytes(body)
            body += await self._read_exactly(size)
            await self._read_exactly(2)

    async def wait_for_client_eof(self) -> None:
        """Return when the client closes its side; bytes it sends meanwhile are kept for the next request.

        Run only while a response is being written: HTTP/1.1 clients send nothing then, so EOF means the client
        went away (closed the stream, cancelled, timed out).
        """
        while True:
            try:
                if not await self._fill():
                    return
            except (ConnectionError, OSError):
                return

    # Response side.

    def _head(self, status: int, headers: Mapping[str, str]) -> bytes:
        try:
            reason = HTTPStatus(status).phrase
        except ValueError:
            reason = _REASONS.get(status, "Unknown")
        lines = [f"HTTP/1.1 {status} {reason}"]
        lines += [f"{name}: {value}" for name, value in headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    async def _write(self, data: bytes) -> None:
        if self._writer.is_closing():
            raise ConnectionResetError("connection already closed")
        self._writer.write(data)
        await self._writer.drain()

    async def send_head(self, status: int, headers: Mapping[str, str]) -> None:
        """Status line and headers of a chunked response."""
        await self._write(self._head(status, {**headers, "transfer-encoding": "chunked"}))

    async def send_chunk(self, data: bytes, *, max_size: int | None = None) -> None:
        """`data` as one HTTP chunk, or as several of at most `max_size` bytes, each flushed on its own."""
        step = max_size if max_size and max_size > 0 else max(len(data), 1)
        for start in range(0, len(data), step):
            piece = data[start : start + step]
            await self._write(b"%x\r\n%s\r\n" % (len(piece), piece))

    async def send_torn_chunk(self, data: bytes, sent: int) -> None:
        """Announce a chunk of `len(data)` bytes but send only the first `sent` of them."""
        await self._write(b"%x\r\n%s" % (len(data), data[:sent]))

    async def end_chunks(self) -> None:
        """The terminating zero-size chunk."""
        await self._write(b"0\r\n\r\n")

    async def send_full(self, status: int, headers: Mapping[str, str], body: bytes) -> None:
        """A complete response with a Content-Length."""
        await self._write(self._head(status, {**headers, "content-length": str(len(body))}) + body)

    def close(self, *, reset: bool = False) -> None:
        """Close the socket: a FIN after buffered bytes, or with `reset` an RST that drops them."""
        if self.closed:
            return
        self.closed = True
        if reset:
            sock = self._writer.get_extra_info("socket")
            if sock is not None:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self._writer.transport.abort()
        else:
            self._writer.close()
