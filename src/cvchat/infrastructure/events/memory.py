"""The in-process event bus: fans committed batches out to local subscribers and signals the local executor."""

from __future__ import annotations

import asyncio
import contextlib
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

    def __init__(self, bus: InProcessEventBus, run_id: UUID, capacity: int) -> None:
        self._bus, self.run_id = bus, run_id
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
        """End the stream that follows this subscription (this process is draining)."""
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

    def close(self) -> None:
        self._bus._unsubscribe(self)


class InProcessEventBus:
    """EventBus for one process; the PostgreSQL bus extends it with LISTEN/NOTIFY between processes."""

    def __init__(self, subscriber_capacity: int = 256) -> None:
        self._capacity = subscriber_capacity
        self._subscribers: dict[UUID, set[QueueSubscription]] = defaultdict(set)
        self._queued_callbacks: list[Callable[[UUID], None]] = []
        self._cancel_callbacks: list[Callable[[UUID], None]] = []

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

    def subscribe(self, run_id: UUID) -> QueueSubscription:
        subscription = QueueSubscription(self, run_id, self._capacity)
        self._subscribers[run_id].add(subscription)
        return subscription

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
