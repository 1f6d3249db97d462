"""Per-key limits: API calls and runs per minute, sign-ups per address, open streams per key.

Rates are fixed windows counted where the key is known (after authentication), so a request with a bad key is
refused as 401 without counting. On SQLite there is one process and the counters live in memory; on PostgreSQL
every worker and host shares one counter per key through `rate_limit_windows` (one atomic UPSERT per check).
Open streams are counted per worker: the cap protects that worker's memory and connections.

A refused request gets 429 with `Retry-After` (seconds until the window resets) and `RateLimit-*` headers; an
accepted one gets the `RateLimit-*` headers too (added by `add_rate_limit_headers`).
"""

from __future__ import annotations

import contextlib
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import NamedTuple, NoReturn, Protocol
from uuid import UUID

from litestar import Request
from litestar.datastructures import MutableScopeHeaders
from litestar.exceptions import TooManyRequestsException
from litestar.types import Message, Scope
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from cvchat.domain.errors import UnauthorizedError
from cvchat.infrastructure.metrics import SSE_STREAMS
from cvchat.infrastructure.settings import Settings

_STATE_KEY = "rate_limit_headers"


class Hit(NamedTuple):
    hits: int
    """Requests counted in the current window, this one included."""
    reset_s: float
    """Seconds until the window resets."""


class RateCounter(Protocol):
    async def hit(self, key: str, window_s: int) -> Hit: ...


class MemoryRateCounter:
    """Fixed windows in this process (SQLite runs one process)."""

    def __init__(self) -> None:
        self._windows: dict[str, tuple[int, int]] = {}

    async def hit(self, key: str, window_s: int) -> Hit:
        now = time.time()
        start = int(now // window_s * window_s)
        previous, hits = self._windows.get(key, (start, 0))
        hits = hits + 1 if previous == start else 1
        if len(self._windows) > 100_000:  # keys of past windows are dropped now and then
            self._windows = {k: v for k, v in self._windows.items() if v[0] == start}
        self._windows[key] = (start, hits)
        return Hit(hits, start + window_s - now)

    def peek(self, key: str, window_s: int) -> Hit:
        """The count of the current window, without counting."""
        now = time.time()
        start = int(now // window_s * window_s)
        previous, hits = self._windows.get(key, (start, 0))
        return Hit(hits if previous == start else 0, start + window_s - now)


class SqlRateCounter:
    """Fixed windows in PostgreSQL: one autocommit UPSERT … RETURNING per check, atomic across workers and hosts.

    The window is taken from the database's clock, not each host's, so hosts whose clocks disagree count in the same
    window; a window never moves backwards.
    """

    _UPSERT = text(
        """
INSERT INTO rate_limit_windows (key, window_start, hits)
VALUES (:key, (floor(extract(epoch FROM now()) / :window) * :window)::bigint, 1)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN rate_limit_windows.window_start >= excluded.window_start
                THEN rate_limit_windows.hits + 1 ELSE 1 END,
    window_start = greatest(rate_limit_windows.window_start, excluded.window_start)
RETURNING hits, window_start, extract(epoch FROM now())::float8 AS now_s
"""
    )

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def hit(self, key: str, window_s: int) -> Hit:
        async with self._engine.connect() as conn:
            row = (await conn.execute(self._UPSERT, {"key": key, "window": window_s})).one()
        return Hit(int(row.hits), float(row.window_start) + window_s - float(row.now_s))


@dataclass(frozen=True)
class RateLimit:
    """At most `limit` requests per `window_s` for one identity; `limit` 0 means no limit."""

    name: str
    limit: int
    window_s: int
    what: str
    """What is counted, for the 429's detail ("API calls", …)."""
    setting: str

    async def check(self, counter: RateCounter, identity: str, request: Request | None = None) -> None:
        if self.limit <= 0:
            return
        hit = await counter.hit(f"{self.name}:{identity}", self.window_s)
        if hit.hits > self.limit:
            self.refuse(hit)
        if request is not None:
            request.state[_STATE_KEY] = self._headers(hit)  # the limit checked last wins; all are within bounds

    def refuse(self, hit: Hit) -> NoReturn:
        headers = self._headers(hit)
        reset = headers["RateLimit-Reset"]
        raise TooManyRequestsException(
            detail=f"{self.what} are limited to {self.limit} per {_window(self.window_s)} ({self.setting}); "
            f"try again in {reset} s",
            headers={"Retry-After": reset, **headers},
        )

    def _headers(self, hit: Hit) -> dict[str, str]:
        return {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, self.limit - hit.hits)),
            "RateLimit-Reset": str(max(1, math.ceil(hit.reset_s))),
            "RateLimit-Policy": f"{self.limit};w={self.window_s}",
        }


def _window(seconds: int) -> str:
    return {60: "minute", 3600: "hour"}.get(seconds, f"{seconds} s")


class StreamSlot:
    """One open stream's place in its key's count; `release()` may be called any number of times."""

    def __init__(self, slots: StreamSlots, key_id: UUID) -> None:
        self._slots, self._key_id, self._held = slots, key_id, True

    def release(self) -> None:
        if self._held:
            self._held = False
            self._slots.release(self._key_id)

    def __enter__(self) -> StreamSlot:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


class StreamSlots:
    """Open event streams per key in this worker (and in all, on the `cvchat_sse_streams_open` gauge)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._open: dict[UUID, int] = {}

    def acquire(self, key_id: UUID) -> StreamSlot:
        """Take a slot or refuse with 429; the slot must be released when the stream ends."""
        if self.limit and self._open.get(key_id, 0) >= self.limit:
            raise TooManyRequestsException(
                detail=f"this key already has {self.limit} event streams open (MAX_STREAMS_PER_KEY); "
                "close one or wait for a run to finish",
                headers={"Retry-After": "5"},
            )
        self._open[key_id] = self._open.get(key_id, 0) + 1
        SSE_STREAMS.inc()
        return StreamSlot(self, key_id)

    def release(self, key_id: UUID) -> None:
        SSE_STREAMS.dec()
        left = self._open.get(key_id, 0) - 1
        if left > 0:
            self._open[key_id] = left
        else:
            self._open.pop(key_id, None)


class Limits:
    """The limits in effect, built from the settings once per app."""

    def __init__(self, settings: Settings, counter: RateCounter) -> None:
        self.counter = counter
        self.api = RateLimit(
            "api", settings.rate_limit_requests_per_minute, 60, "API calls", "RATE_LIMIT_REQUESTS_PER_MINUTE"
        )
        self.runs = RateLimit(
            "runs", settings.rate_limit_runs_per_minute, 60, "new runs (messages)", "RATE_LIMIT_RUNS_PER_MINUTE"
        )
        self.signups = RateLimit(
            "signups", settings.rate_limit_signups_per_hour, 3600, "sign-ups", "RATE_LIMIT_SIGNUPS_PER_HOUR"
        )
        self.streams = StreamSlots(settings.max_streams_per_key)
        # Failed authentications are counted per client address in this worker's memory: a guard against guessing
        # keys or the admin token and against lookups en masse, checked before any database work.
        self.auth_failures = RateLimit(
            "auth_failures",
            settings.rate_limit_auth_failures_per_minute,
            60,
            "failed authentications from one address",
            "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE",
        )
        self._failures = MemoryRateCounter()

    @classmethod
    def build(cls, settings: Settings, engine: AsyncEngine) -> Limits:
        counter: RateCounter = SqlRateCounter(engine) if settings.is_postgres else MemoryRateCounter()
        return cls(settings, counter)

    async def check_api(self, key_id: UUID, request: Request) -> None:
        await self.api.check(self.counter, key_id.hex, request)

    async def check_runs(self, key_id: UUID, request: Request) -> None:
        await self.runs.check(self.counter, key_id.hex, request)

    async def check_signup(self, request: Request) -> None:
        await self.signups.check(self.counter, _address(request), request)

    @contextlib.asynccontextmanager
    async def authenticating(self, request: Request) -> AsyncIterator[None]:
        """Around an authentication: an address that failed too often this minute gets 429 before any database work,
        even with a good key now; a failure (401) inside is counted, and the one past the limit answers 429."""
        limit = self.auth_failures
        identity = f"{limit.name}:{_address(request)}"
        if limit.limit > 0 and (hit := self._failures.peek(identity, limit.window_s)).hits >= limit.limit:
            limit.refuse(hit)
        try:
            yield
        except UnauthorizedError:
            await limit.check(self._failures, _address(request))
            raise


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


async def add_rate_limit_headers(message: Message, scope: Scope) -> None:
    """`before_send`: the `RateLimit-*` headers of the last limit checked for this request, on its response."""
    if message["type"] != "http.response.start":
        return
    headers = scope.get("state", {}).get(_STATE_KEY)
    if headers:
        mutable = MutableScopeHeaders(message)
        for name, value in headers.items():
            if name not in mutable:  # a 429 carries the headers of the limit that refused it
                mutable[name] = value
