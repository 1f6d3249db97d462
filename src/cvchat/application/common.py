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
