"""A per-process cache of verified API keys, so that a request need not read the database to authenticate."""

from __future__ import annotations

import time
from collections.abc import Callable
from uuid import UUID

from cvchat.application.users import Principal

TTL_S = 10.0
"""The backstop: an entry is used at most this long. Revocations announced on the bus drop it at once."""
MAX_ENTRIES = 10_000


class PrincipalCache:
    """Verified keys by their hash, dropped as soon as the event bus announces the key revoked.

    Every revocation (by the user, an admin, or a deleted account) is announced after its commit: locally at once, and
    to the other workers by NOTIFY, which they hear a few milliseconds later (delivery is asynchronous, so another
    worker may still accept the key for that long after the revoking request is answered). While this
    process's bus cannot hear announcements (its PostgreSQL listening connection is lost), the cache is emptied and
    not used, because a revocation could pass unheard. A revocation written behind the service's back (plain SQL)
    is heard by nobody: it takes effect within `TTL_S`.
    """

    def __init__(self, hears_revocations: Callable[[], bool], ttl_s: float = TTL_S) -> None:
        self._hears_revocations, self._ttl_s = hears_revocations, ttl_s
        self._entries: dict[str, tuple[Principal, float]] = {}
        self.generation = 0
        """Bumped by every invalidation: a lookup that started before one must not store what it read."""

    def get(self, key_hash: str) -> Principal | None:
        entry = self._entries.get(key_hash)
        if entry is None:
            return None
        if not self._hears_revocations():
            self.clear()
            return None
        principal, expires = entry
        if expires < time.monotonic():
            del self._entries[key_hash]
            return None
        return principal

    def put(self, key_hash: str, principal: Principal, generation: int) -> None:
        """Remember a key read from the database, unless a revocation was announced since `generation` was taken."""
        if generation != self.generation or not self._hears_revocations():
            return
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key_hash] = (principal, time.monotonic() + self._ttl_s)

    def key_revoked(self, key_id: UUID | None) -> None:
        """Drop the key (None: every key, as revocations may have been missed)."""
        self.generation += 1
        if key_id is None:
            self._entries.clear()
            return
        for key_hash, (principal, _expires) in tuple(self._entries.items()):
            if principal.key.id == key_id:
                del self._entries[key_hash]

    def clear(self) -> None:
        self.key_revoked(None)
