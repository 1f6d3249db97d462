"""Use cases for runs: read, list, cancel, and read or follow a run's event log."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from uuid import UUID

import msgspec

from cvchat.domain.entities import Page, Run, RunStatus
from cvchat.domain.errors import EventsPrunedError, InvalidPositionError, NotFoundError
from cvchat.domain.events import StoredEvent
from cvchat.domain.ports import Clock, EventBus, EventLog, RunRepository, RunStore, Subscription, ThreadRepository

CANCEL_REASON = "canceled by the user"


class RunView(msgspec.Struct, frozen=True, kw_only=True):
    run: Run
    queue_position: int | None = None
    """1 for the next run to be claimed; None unless the run is queued."""


class GetRun:
    """One of the user's runs, and its place in the queue while it waits. Someone else's run does not exist."""

    def __init__(self, runs: RunRepository) -> None:
        self._runs = runs

    async def __call__(self, run_id: UUID, user_id: UUID) -> RunView:
        run = await self._runs.get_owned(run_id, user_id)
        if run is None:
            raise NotFoundError(f"run {run_id} not found")
        if run.status is not RunStatus.QUEUED:
            return RunView(run=run)
        return RunView(run=run, queue_position=await self._runs.queued_ahead(run) + 1)


class ListRuns:
    """The runs of one of the user's threads, newest first."""

    def __init__(self, threads: ThreadRepository, runs: RunRepository) -> None:
        self._threads, self._runs = threads, runs

    async def __call__(self, thread_id: UUID, user_id: UUID, cursor: UUID | None, limit: int) -> Page[Run]:
        if await self._threads.get_owned(thread_id, user_id) is None:
            raise NotFoundError(f"thread {thread_id} not found")
        return await self._runs.list_for_thread(thread_id, cursor, limit)


class CancelRun:
    """Stop a run and answer once it has stopped.

    Rules: cancelling is idempotent (a finished run is returned as it is); a queued run is cancelled without ever
    running; a running run is signalled through the bus to whichever executor owns it, and the answer waits (up to
    `wait_s`) for its terminal state, so no token is written after the cancel is answered.
    """

    def __init__(self, store: RunStore, log: EventLog, bus: EventBus, clock: Clock, wait_s: float) -> None:
        # Reads go through the event log's own short transactions, never a request's: the answer waits for the
        # run to stop, and no transaction may hold a lock the executor needs to write the cancel.
        self._store, self._log, self._bus, self._clock, self._wait_s = store, log, bus, clock, wait_s

    async def __call__(self, run_id: UUID, user_id: UUID) -> Run:
        run = await self._log.get_run(run_id)
        if run is None or run.user_id != user_id:
            raise NotFoundError(f"run {run_id} not found")
        if run.status.is_terminal:
            return run
        subscription = self._bus.subscribe(run_id)  # before signalling, so the terminal event cannot slip past
        try:
            if run.status is RunStatus.QUEUED:
                events = await self._store.cancel_queued(run_id, CANCEL_REASON, self._clock.now())
                if events is not None:
                    await self._bus.publish(events)
                    return await self._current(run_id)
            await self._bus.request_cancel(run_id)
            deadline = time.monotonic() + self._wait_s
            while (remaining := deadline - time.monotonic()) > 0:
                current = await self._current(run_id)
                if current.status.is_terminal:
                    return current
                batch = await subscription.next_batch(timeout=remaining)
                if batch is not None and any(e.is_terminal for e in batch):
                    break
            return await self._current(run_id)
        finally:
            subscription.close()

    async def _current(self, run_id: UUID) -> Run:
        run = await self._log.get_run(run_id)
        if run is None:
            raise NotFoundError(f"run {run_id} not found")
        return run


class EventsPage(msgspec.Struct, frozen=True, kw_only=True):
    run: Run
    events: list[StoredEvent]


def check_not_pruned(run: Run, after: int) -> None:
    """Raise when the events after `after` were deleted by retention (a client already at the end is fine)."""
    if run.events_pruned_at is not None and after < run.last_seq:
        raise EventsPrunedError(
            f"the events of run {run.id} were deleted by retention on {run.events_pruned_at:%Y-%m-%d}; "
            "the run keeps its final status"
        )


class ReadRunEvents:
    """A page of a run's events after a position, for clients that cannot read SSE.

    Rules: a run whose events were pruned answers EventsPrunedError (410), not an empty log that looks complete.
    """

    def __init__(self, runs: RunRepository, log: EventLog) -> None:
        self._runs, self._log = runs, log

    async def __call__(self, run_id: UUID, user_id: UUID, after: int, limit: int) -> EventsPage:
        run = await self._runs.get_owned(run_id, user_id)
        if run is None:
            raise NotFoundError(f"run {run_id} not found")
        check_not_pruned(run, after)
        return EventsPage(run=run, events=await self._log.read_after(run_id, after, limit))


class Heartbeat(msgspec.Struct, frozen=True):
    """Nothing happened for a heartbeat interval; the transport sends a keep-alive."""


HEARTBEAT = Heartbeat()


class RunChecks:
    """The streams' heartbeat checks of their runs, batched: one read for every run asked about within `window_s`.

    At every heartbeat an idle stream asks whether its run still exists (deleted: the stream ends), was pruned, or
    has events its bus missed. Asked one read each, thousands of idle streams kept the database and the worker busy
    (5,000 streams: 312 reads/s and half a core); asked here, they share a read per window.
    """

    def __init__(self, log: EventLog, window_s: float) -> None:
        self._log, self._window_s = log, window_s
        self._waiting: dict[UUID, list[asyncio.Future[Run | None]]] = {}
        self._reader: asyncio.Task[None] | None = None

    async def get(self, run_id: UUID) -> Run | None:
        """The run as of a read at most `window_s` from now; None if it no longer exists."""
        answer: asyncio.Future[Run | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(run_id, []).append(answer)
        if self._reader is None or self._reader.done():
            self._reader = asyncio.create_task(self._read_loop(), name="run-checks")
        return await answer

    async def _read_loop(self) -> None:
        while self._waiting:
            await asyncio.sleep(self._window_s)
            waiting, self._waiting = self._waiting, {}
            try:
                runs = await self._log.get_runs(list(waiting))
            except Exception as exc:
                for answers in waiting.values():
                    for answer in answers:
                        if not answer.done():
                            answer.set_exception(exc)
                continue
            for run_id, answers in waiting.items():
                for answer in answers:
                    if not answer.done():
                        answer.set_result(runs.get(run_id))


class OpenedStream:
    """A stream subscribed to its run, with the run and its first page of events as read after subscribing."""

    def __init__(
        self, run_id: UUID, after: int, run: Run | None, page: list[StoredEvent] | None, subscription: Subscription
    ) -> None:
        self.run_id, self.after, self.run, self.page, self.subscription = run_id, after, run, page, subscription

    def close(self) -> None:
        """Unsubscribe (a stream that will not be followed, or was dropped unread)."""
        self.subscription.close()


class StreamRunEvents:
    """Follow a run's log from a position: replay what is stored, then live events, each exactly once.

    Rules:
    - a position beyond the run's last event is invalid; one at the terminal event means there is nothing to send;
    - subscribe first, then read the stored events, then drain the bus dropping seqs already sent: no gap and no
      duplicate whatever the timing; a gap seen on the bus, or a subscriber that fell behind, re-reads the log;
    - the stream ends after the terminal state, or when it has lived `max_stream_s`, or when the process drains and
      the run is not its own (the client resumes elsewhere), or when the run is deleted, or at once when the API key
      it was opened with (`key_id`) is revoked;
    - a run whose events were pruned by retention cannot be streamed (EventsPrunedError).
    """

    _PAGE = 500

    def __init__(
        self,
        log: EventLog,
        bus: EventBus,
        heartbeat_s: float,
        max_stream_s: float,
        checks: RunChecks | None = None,
    ) -> None:
        self._log, self._bus = log, bus
        self._heartbeat_s, self._max_stream_s = heartbeat_s, max_stream_s
        self._get_run = checks.get if checks is not None else log.get_run
        """How a quiet stream checks its run at each heartbeat: batched with the other streams' checks if it can."""

    def check_position(self, run: Run, after: int) -> bool:
        """False when the client already has the whole log; raises on a position the run never reached."""
        if after > run.last_seq:
            raise InvalidPositionError(f"position {after} is beyond the run's last event ({run.last_seq})")
        check_not_pruned(run, after)
        return not (run.status.is_terminal and after >= run.last_seq)

    async def open(self, run_id: UUID, after: int, key_id: UUID | None = None) -> OpenedStream:
        """Subscribe, then read the run and its first page of events after `after` together (one read).

        The caller checks the run (who owns it, `check_position`) before following it, and closes what it does not
        follow.
        """
        subscription = self._bus.subscribe(run_id, key_id)
        try:
            run, page = await self._log.read_run(run_id, after, self._PAGE)
        except BaseException:
            subscription.close()
            raise
        return OpenedStream(run_id=run_id, after=after, run=run, page=page, subscription=subscription)

    async def __call__(
        self, run_id: UUID, after: int, key_id: UUID | None = None
    ) -> AsyncIterator[list[StoredEvent] | Heartbeat]:
        """`open` then `follow`."""
        async for item in self.follow(await self.open(run_id, after, key_id)):
            yield item

    async def follow(self, opened: OpenedStream) -> AsyncIterator[list[StoredEvent] | Heartbeat]:
        """Batches of consecutive events (a page of the log, or a batch as committed), or a heartbeat.

        A batch goes to the client as one write; the terminal event, if any, is the last of its batch.
        """
        run_id, subscription, page = opened.run_id, opened.subscription, opened.page
        deadline = time.monotonic() + self._max_stream_s
        last = opened.after
        try:
            while True:
                # Catch up from the log: at the start (the page read with the run), after a gap, or when the bus
                # dropped our batches.
                subscription.lagged = False
                while True:
                    if subscription.closed:  # e.g. the key was revoked: replay nothing more
                        return
                    stored = page if page is not None else await self._log.read_after(run_id, last, self._PAGE)
                    page = None
                    if stored:
                        batch, is_over = _upto_terminal(stored)
                        yield batch
                        last = batch[-1].seq
                        if is_over:
                            return
                    if len(stored) < self._PAGE:
                        break
                # Follow the bus until it shows a gap or lag.
                while True:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return
                    batch = await subscription.next_batch(timeout=min(self._heartbeat_s, remaining))
                    if subscription.closed:
                        return
                    if subscription.lagged:
                        break
                    if batch is None:
                        if time.monotonic() < deadline:
                            run = await self._get_run(run_id)
                            if run is None or run.events_pruned_at is not None:
                                return
                            if run.last_seq > last:  # the bus missed something: catch up from the log
                                break
                            yield HEARTBEAT
                        continue
                    # Batches that arrived while this stream was busy go out with this one, as one write.
                    batch = batch + subscription.ready()
                    if subscription.closed:
                        return
                    fresh, gap = _continuing(batch, last)
                    if fresh:
                        fresh, is_over = _upto_terminal(fresh)
                        yield fresh
                        last = fresh[-1].seq
                        if is_over:
                            return
                    if gap or subscription.lagged:
                        break
        finally:
            subscription.close()


def _continuing(events: list[StoredEvent], last: int) -> tuple[list[StoredEvent], bool]:
    """The events that continue the log after `last` (repeats skipped), and whether a gap cut them short."""
    fresh: list[StoredEvent] = []
    for event in events:
        if event.seq <= last:
            continue
        if event.seq != last + 1:
            return fresh, True
        fresh.append(event)
        last = event.seq
    return fresh, False


def _upto_terminal(events: list[StoredEvent]) -> tuple[list[StoredEvent], bool]:
    """The events up to and including the terminal one, and whether it was there (nothing is sent after it)."""
    for i, event in enumerate(events):
        if event.is_terminal:
            return events[: i + 1], True
    return events, False
