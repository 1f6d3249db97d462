"""The PostgreSQL event bus: LISTEN/NOTIFY carries committed batches, new runs and cancels between processes."""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import structlog

from cvchat.domain.events import StoredEvent
from cvchat.domain.ports import EventLog
from cvchat.infrastructure.events.memory import InProcessEventBus

logger = structlog.get_logger()

EVENTS_CHANNEL = "cvchat_events"
"""Payload `<run_id> <first_seq> <last_seq> <origin>`, sent inside the batch's transaction (delivered on commit)."""
SIGNALS_CHANNEL = "cvchat_signals"
"""Payload `queued <run_id> <origin>`, `cancel <run_id> <origin>` or `revoke <key_id> <origin>`; the sender has
already signalled itself. Workers ignore kinds they do not know."""


def events_notification(run_id: UUID, first_seq: int, last_seq: int, origin: str) -> tuple[str, str]:
    """The channel and payload a writer NOTIFYs in the transaction that commits a batch."""
    return EVENTS_CHANNEL, f"{run_id} {first_seq} {last_seq} {origin}"


class PgEventBus(InProcessEventBus):
    """One listening connection per process (not one per client), fanned out to local subscribers.

    Batches committed in this process are delivered locally at once. A notification from another process names the
    run and its last seq; subscribers never poll: the bus reads the new rows once for all of this process's
    subscribers of that run and delivers them as a batch. A lost connection is re-established, and every local
    subscriber then catches up from the log, so nothing is missed.
    """

    def __init__(
        self,
        dsn: str,
        origin: str,
        event_log: EventLog,
        subscriber_capacity: int = 256,
        reconnect_max_s: float = 2.0,
        ping_s: float = 10.0,
        ping_timeout_s: float = 5.0,
    ) -> None:
        super().__init__(subscriber_capacity)
        self._dsn, self.origin, self._log = dsn, origin, event_log
        self._reconnect_max_s = reconnect_max_s
        self._ping_s, self._ping_timeout_s = ping_s, ping_timeout_s
        self._conn: asyncpg.Connection | None = None
        self._conn_lock = asyncio.Lock()
        self._delivered: dict[UUID, int] = {}
        self._fetch_locks: dict[UUID, asyncio.Lock] = defaultdict(asyncio.Lock)
        self._fetches: set[asyncio.Task[None]] = set()
        self._supervisor: asyncio.Task[None] | None = None
        self._lost = asyncio.Event()
        self._closed = False
        self.connected = asyncio.Event()
        self.reconnects = 0

    @property
    def hears_revocations(self) -> bool:
        """False from the moment the listening connection is lost until it is back: NOTIFYs sent meanwhile are lost."""
        return self._conn is not None and not self._lost.is_set() and not self._conn.is_closed()

    async def start(self) -> None:
        await self._connect()
        self._supervisor = asyncio.create_task(self._supervise(), name="pg-bus-listener")

    async def close(self) -> None:
        self._closed = True
        self._lost.set()
        if self._supervisor is not None:
            self._supervisor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._supervisor
        await self._disconnect()

    async def _connect(self) -> None:
        conn = await asyncpg.connect(self._dsn, timeout=10)
        await conn.add_listener(EVENTS_CHANNEL, self._on_events)
        await conn.add_listener(SIGNALS_CHANNEL, self._on_signal)
        conn.add_termination_listener(lambda _conn: self._lost.set())
        self._conn = conn
        self._lost.clear()
        self.connected.set()

    async def _disconnect(self) -> None:
        conn, self._conn = self._conn, None
        self.connected.clear()
        if conn is not None and not conn.is_closed():
            with contextlib.suppress(Exception):
                await asyncio.wait_for(conn.close(), 2)

    async def _supervise(self) -> None:
        """Re-establish a lost listening connection, then make every local subscriber and executor catch up."""
        while not self._closed:
            # An idle LISTEN connection can be dropped silently (a NAT or load balancer forgets it): nothing would
            # tell us, and every NOTIFY would be lost. A ping every `ping_s` finds out.
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._lost.wait(), self._ping_s)
            if self._closed:
                return
            if not self._lost.is_set():
                if await self._answers_ping():
                    continue
                self._lost.set()
            logger.warning("event_bus_connection_lost")
            self.signal_revocations_missed()
            await self._disconnect()
            delay = 0.05
            while not self._closed:
                try:
                    await self._connect()
                    break
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                    logger.warning("event_bus_reconnect_failed", error=type(exc).__name__, retry_s=delay)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._reconnect_max_s)
            self.reconnects += 1
            logger.info("event_bus_reconnected", reconnects=self.reconnects)
            self._delivered.clear()
            self.signal_revocations_missed()
            await self._close_streams_of_revoked_keys()
            self.poke_all()
            for run_id in self.subscribed_runs():
                self.signal_queued(run_id)  # wake executors: a queued run may have been announced meanwhile
            self.signal_queued(UUID(int=0))

    async def _answers_ping(self) -> bool:
        try:
            async with self._conn_lock:
                if self._conn is None or self._conn.is_closed():
                    return False
                await asyncio.wait_for(self._conn.fetchval("SELECT 1"), self._ping_timeout_s)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
            logger.warning("event_bus_ping_failed", error=type(exc).__name__)
            return False
        return True

    async def _close_streams_of_revoked_keys(self) -> None:
        """A revocation announced while the connection was down was missed: ask the database instead."""
        keys = self.subscribed_keys()
        if not keys:
            return
        try:
            async with self._conn_lock:
                if self._conn is None:
                    return
                rows = await self._conn.fetch(
                    "SELECT id FROM api_keys WHERE id = ANY($1::uuid[]) AND revoked_at IS NOT NULL", list(keys)
                )
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            logger.warning("event_bus_revoked_keys_check_failed", error=type(exc).__name__)
            return
        for row in rows:
            self.signal_key_revoked(UUID(str(row["id"])))

    async def _notify(self, channel: str, payload: str) -> None:
        async with self._conn_lock:
            if self._conn is None or self._conn.is_closed():
                raise ConnectionError("the event bus is reconnecting")
            await self._conn.execute("SELECT pg_notify($1, $2)", channel, payload)

    # Local delivery: batches committed here reach this process's subscribers without a round trip.
    async def publish(self, events: Sequence[StoredEvent]) -> None:
        if events:
            self._remember(events[0].run_id, events[-1].seq)
            self.deliver(list(events))

    def _remember(self, run_id: UUID, seq: int) -> None:
        if run_id in self._subscribers and seq > self._delivered.get(run_id, 0):
            self._delivered[run_id] = seq

    def _unsubscribe(self, subscription: Any) -> None:
        super()._unsubscribe(subscription)
        if subscription.run_id not in self._subscribers:
            self._delivered.pop(subscription.run_id, None)

    async def announce_queued(self, run_id: UUID) -> None:
        self.signal_queued(run_id)
        await self._notify_quietly(SIGNALS_CHANNEL, f"queued {run_id} {self.origin}")

    async def request_cancel(self, run_id: UUID) -> None:
        self.signal_cancel(run_id)
        await self._notify_quietly(SIGNALS_CHANNEL, f"cancel {run_id} {self.origin}")

    async def announce_key_revoked(self, key_id: UUID) -> None:
        self.signal_key_revoked(key_id)
        await self._notify_quietly(SIGNALS_CHANNEL, f"revoke {key_id} {self.origin}")

    async def _notify_quietly(self, channel: str, payload: str) -> None:
        try:
            await self._notify(channel, payload)
        except (ConnectionError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # Another worker still finds a queued run by its periodic claim; a cancel is retried by the client.
            # asyncpg reports a connection killed under a query as an InterfaceError: reconnect.
            logger.warning("event_bus_notify_failed", channel=channel, error=type(exc).__name__)
            if isinstance(exc, asyncpg.InterfaceError):
                self._lost.set()

    def _on_signal(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            kind, run_text, origin = payload.split(" ")
            run_id = UUID(run_text)
        except ValueError:
            return
        if origin == self.origin:
            return
        if kind == "queued":
            self.signal_queued(run_id)
        elif kind == "cancel":
            self.signal_cancel(run_id)
        elif kind == "revoke":
            self.signal_key_revoked(run_id)  # the id is a key's

    def _on_events(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        try:
            run_text, first_text, last_text, origin = payload.split(" ")
            run_id, first_seq, last_seq = UUID(run_text), int(first_text), int(last_text)
        except ValueError:
            return
        if origin == self.origin or run_id not in self._subscribers:
            return
        if last_seq <= self._delivered.get(run_id, 0):
            return
        task = asyncio.get_running_loop().create_task(self._fetch(run_id, first_seq, last_seq))
        self._fetches.add(task)
        task.add_done_callback(self._fetches.discard)

    async def _fetch(self, run_id: UUID, first_seq: int, last_seq: int) -> None:
        """Read the rows another process committed, once for every local subscriber of the run."""
        async with self._fetch_locks[run_id]:
            # From the last seq delivered here; for a run first heard of now, from this batch (the subscribers read
            # the log up to their own position when they subscribed, and drop seqs they already sent).
            after = self._delivered.get(run_id, first_seq - 1)
            if last_seq <= after:
                return
            try:
                batch = await self._log.read_after(run_id, after, last_seq - after)
            except Exception as exc:
                logger.warning("event_bus_fetch_failed", run_id=str(run_id), error=type(exc).__name__)
                for subscription in tuple(self._subscribers.get(run_id, ())):
                    subscription.poke()
                return
            if batch:
                self._remember(run_id, batch[-1].seq)
                self.deliver(batch)
        if run_id not in self._subscribers:
            self._fetch_locks.pop(run_id, None)
