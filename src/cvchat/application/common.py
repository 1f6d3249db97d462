"""Small helpers shared by the use cases: ids, hashing and the system clock."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from uuid import UUID

from uuid_utils.compat import uuid7


def new_id() -> UUID:
    """A time-ordered id (UUIDv7), so newest-first listings can page by id."""
    return uuid7()


def sha256_hex(*parts: str) -> str:
    """The SHA-256 of the parts joined by newlines."""
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


class SystemClock:
    """The real clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


def sha256_bytes(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


class NoMetrics:
    """A RunMetrics that records nothing (tests and tools that run the executor without an exporter)."""

    def run_started(self, queued_s: float) -> None:
        pass

    def run_finished(self, status: object, duration_s: float, first_token_s: float | None) -> None:
        pass

    def events_written(self, events: int) -> None:
        pass

    def provider_error(self, code: str) -> None:
        pass

    def runs_active(self, count: int) -> None:
        pass

    def runs_queued(self, count: int) -> None:
        pass
