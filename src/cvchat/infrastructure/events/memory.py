"""The in-process event bus: fans committed batches out to local subscribers and signals the local executor."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from uuid import UUID

import structlog

from cvchat.domain.events import StoredEvent

logger = structlog.get_logger()


class QueueSubscription:
    """One subscriber's bounded buffer of batches for one run.

    A subscriber that falls behind never slows the run or the other subscribers: when its buffer is full the batch is
    dropped and `lagged` is set, and the subscriber catches up from the database.
    """

    def __init__(self, bus: InProcessEventBus, run_id: UUID, capacity: int, key_id: UUID | None = None) -> None:
        self._bus, self.run_id, self.key_id = bus, run_id, key_id
        self._queue: asyncio.Queue[list[StoredEvent]] = asyncio.Queue(maxsize=capacity)
        self.lagged = False
        self.closed = False

    def offer(self, batch: list[StoredEvent]) -> None:
        try:
            self._queue.put_nowait(batch)
        except asyncio.QueueFull:
            if not self.lagged:
                logger.info("subscriber_lagged", run_id=str(self.run_id))
            self.lagged = True
            # Keep the buffer useful: what is in it is stale now, the subscriber re-reads the log anyway.
            while not self._queue.empty():
                self._queue.get_nowait()

    def close_stream(self) -> None:
        """End the stream that follows this subscription (this process is draining, or its key was revoked)."""
        self.closed = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait([])

    def poke(self) -> None:
        """Make the subscriber re-read the log (its bus may have missed events), waking it if it waits."""
        self.lagged = True
        with contextlib.suppress(asyncio.QueueFull):
            self._queue.put_nowait([])

    async def next_batch(self, timeout: float) -> list[StoredEvent] | None:
        if self._queue.empty() and self.lagged:
            return None
        try:
            async with asyncio.timeout(timeout):
                return await self._queue.get()
        except TimeoutError:
            return None

    def ready(self) -> list[StoredEvent]:
        events: list[StoredEvent] = []
        while not self._queue.empty():
            events.extend(self._queue.get_nowait())
        return events

    def close(self) -> None:
        self._bus._unsubscribe(self)


REVOKED_MEMORY_S = 600.0
"""How long a revoked key id is remembered: far longer than between a stream's authentication and its subscription."""


class InProcessEventBus:
    """EventBus for one process; the PostgreSQL bus extends it with LISTEN/NOTIFY between processes."""

    def __init__(self, subscriber_capacity: int = 256) -> None:
        self._capacity = subscriber_capacity
        self._subscribers: dict[UUID, set[QueueSubscription]] = defaultdict(set)
        self._revoked: dict[UUID, float] = {}
        self._queued_callbacks: list[Callable[[UUID], None]] = []
        self._cancel_callbacks: list[Callable[[UUID], None]] = []
        self._revoked_callbacks: list[Callable[[UUID | None], None]] = []

    @property
    def hears_revocations(self) -> bool:
        """True while every key revocation reaches this process (in process: always)."""
        return True

    @property
    def subscriber_count(self) -> int:
        return sum(len(s) for s in self._subscribers.values())

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        if events:
            self.deliver(list(events))

    def deliver(self, batch: list[StoredEvent]) -> None:
        """Hand a committed batch to this process's subscribers of its run."""
        for subscription in tuple(self._subscribers.get(batch[0].run_id, ())):
            subscription.offer(batch)

    def subscribed_runs(self) -> list[UUID]:
        """Runs that have subscribers in this process."""
        return list(self._subscribers)

    def poke_all(self) -> None:
        """Every subscriber re-reads the log: after the bus itself may have missed events (a lost connection)."""
        for subscribers in tuple(self._subscribers.values()):
            for subscription in tuple(subscribers):
                subscription.poke()

    def close_streams(self, keep: set[UUID]) -> None:
        """Draining: end every stream but those of `keep` (this process's own runs, which end with their runs)."""
        for run_id, subscribers in tuple(self._subscribers.items()):
            if run_id not in keep:
                for subscription in tuple(subscribers):
                    subscription.close_stream()

    def subscribe(self, run_id: UUID, key_id: UUID | None = None) -> QueueSubscription:
        subscription = QueueSubscription(self, run_id, self._capacity, key_id)
        self._subscribers[run_id].add(subscription)
        if key_id is not None and key_id in self._revoked:
            # Revoked between the stream's authentication and now: the announcement came before the subscription.
            subscription.close_stream()
        return subscription

    def subscribed_keys(self) -> set[UUID]:
        """The keys this process's open streams were opened with."""
        return {s.key_id for subs in self._subscribers.values() for s in subs if s.key_id is not None}

    async def announce_key_revoked(self, key_id: UUID) -> None:
        self.signal_key_revoked(key_id)

    def signal_key_revoked(self, key_id: UUID) -> None:
        """End every local stream opened with the key, and any that subscribes with it later."""
        now = time.monotonic()
        self._revoked = {k: t for k, t in self._revoked.items() if now - t < REVOKED_MEMORY_S}
        self._revoked[key_id] = now
        for callback in self._revoked_callbacks:
            callback(key_id)
        closed = 0
        for subscribers in tuple(self._subscribers.values()):
            for subscription in tuple(subscribers):
                if subscription.key_id == key_id:
                    subscription.close_stream()
                    closed += 1
        if closed:
            logger.info("streams_closed_key_revoked", key_id=str(key_id), streams=closed)

    def _unsubscribe(self, subscription: QueueSubscription) -> None:
        subscribers = self._subscribers.get(subscription.run_id)
        if subscribers is not None:
            subscribers.discard(subscription)
            if not subscribers:
                del self._subscribers[subscription.run_id]

    async def announce_queued(self, run_id: UUID) -> None:
        self.signal_queued(run_id)

    async def request_cancel(self, run_id: UUID) -> None:
        self.signal_cancel(run_id)

    def signal_queued(self, run_id: UUID) -> None:
        for callback in self._queued_callbacks:
            callback(run_id)

    def signal_cancel(self, run_id: UUID) -> None:
        for callback in self._cancel_callbacks:
            callback(run_id)

    def on_queued(self, callback: Callable[[UUID], None]) -> None:
        self._queued_callbacks.append(callback)

    def on_cancel(self, callback: Callable[[UUID], None]) -> None:
        self._cancel_callbacks.append(callback)

    def on_key_revoked(self, callback: Callable[[UUID | None], None]) -> None:
        """`callback(key_id)` when a key is revoked; `callback(None)` when revocations may have been missed."""
        self._revoked_callbacks.append(callback)

    def signal_revocations_missed(self) -> None:
        for callback in self._revoked_callbacks:
            callback(None)
