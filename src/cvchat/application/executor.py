"""The run executor: claims queued runs and supervises each one in an asyncio TaskGroup, writing its event log."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import timedelta
from uuid import UUID

import structlog

from cvchat.application.assistant import Assistant, final_event
from cvchat.application.common import NoMetrics, new_id
from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.errors import ProviderError, RunLostError
from cvchat.domain.events import Canceled, RunEvent, RunFailed, StateChanged, StoredEvent, Token
from cvchat.domain.ports import AppendBatch, ClaimedRun, Clock, EventBus, RunMetrics, RunStore, TerminalUpdate

logger = structlog.get_logger()

WORKER_LOST = "worker lost: the process running this run stopped before it finished"
SHUTDOWN_REASON = "the server shut down before this run finished; post the message again"
_EARLY_CANCELS_KEPT = 1000
"""On PostgreSQL every worker hears every cancel: only the latest few for unknown runs are kept."""


class GroupCommitter:
    """Writes the event batches of all of this worker's runs together: one statement (transaction) per flush window.

    A write starts at once when none is in flight and the last one started at least `flush_s` ago (so a lone event
    after a quiet spell is not held back), else when the window is over; a run's first and terminal batches do not
    wait for the window, only for the write in flight. Each write takes every waiting run's events, so the number of
    writes follows the flush windows and the runs that start and end, not the number of runs or tokens. A batch is
    published on the bus only after it has committed. When a write of several runs fails, each is retried alone, so
    one run's bad batch does not fail the others.
    """

    def __init__(
        self, store: RunStore, bus: EventBus, worker_id: str, flush_s: float, metrics: RunMetrics | None = None
    ) -> None:
        self._store, self._bus, self._worker_id, self._flush_s = store, bus, worker_id, flush_s
        self._metrics: RunMetrics = metrics or NoMetrics()
        self._waiting: dict[UUID, EventWriter] = {}
        self._urgent = asyncio.Event()
        self._took = asyncio.Event()
        """Set (and replaced) each time the waiting writers are taken into a write."""
        self._loop_task: asyncio.Task[None] | None = None
        self._last_start = float("-inf")

    def writer(self, run_id: UUID, last_seq: int) -> EventWriter:
        return EventWriter(run_id, last_seq, self)

    async def taken(self, writer: EventWriter) -> None:
        """Wait until the committer has taken `writer`'s waiting events into a write."""
        while self._waiting.get(writer.run_id) is writer:
            await self._took.wait()

    def schedule(self, writer: EventWriter, *, urgent: bool = False) -> None:
        self._waiting[writer.run_id] = writer
        if urgent:
            self._urgent.set()
        if self._loop_task is None or self._loop_task.done():
            self._loop_task = asyncio.create_task(self._write_loop(), name=f"group-commit-{self._worker_id}")

    async def _write_loop(self) -> None:
        while self._waiting:
            wait = self._last_start + self._flush_s - time.monotonic()
            if wait > 0 and not self._urgent.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(wait):
                        await self._urgent.wait()
            self._urgent.clear()
            self._last_start = time.monotonic()
            # A writer whose last write failed writes nothing more until its run ends it (`finish`).
            writers = [w for w in self._waiting.values() if w.error is None]
            self._waiting.clear()
            self._took.set()
            self._took = asyncio.Event()
            if not writers:
                continue
            taken = [(w, w.take()) for w in writers]
            try:
                await self._write(taken)
            except BaseException as exc:
                # Never leave a run waiting for a write that will not settle.
                stopped = exc if isinstance(exc, Exception) else RuntimeError("the event writer was stopped")
                for writer, batch in taken:
                    writer.settle(batch, stopped)
                if not isinstance(exc, Exception):
                    raise
                logger.exception("event_write_failed")

    async def _write(self, taken: list[tuple[EventWriter, AppendBatch]]) -> None:
        try:
            written: list[bool | BaseException] = list(
                await self._store.append(self._worker_id, [batch for _, batch in taken])
            )
        except Exception as exc:
            if len(taken) > 1:
                for one in taken:
                    await self._write([one])
                return
            written = [exc]
        committed: list[AppendBatch] = []
        # Each run hears its outcome before its subscribers hear of the batch: a run that just wrote its terminal
        # batch has logged and counted its end before any client receives `done`.
        for (writer, batch), outcome in zip(taken, written, strict=True):
            if outcome is True:
                writer.settle(batch, None)
                committed.append(batch)
            elif isinstance(outcome, BaseException):
                writer.settle(batch, outcome)
            else:
                writer.settle(batch, RunLostError(f"run {batch.run_id} is no longer owned by {self._worker_id}"))
        for batch in committed:
            self._metrics.events_written(len(batch.events))
            await self._bus.publish(batch.events)


class EventWriter:
    """Owns one run's sequence numbers; its events are written by the worker's GroupCommitter.

    Events wait in memory until the committer takes them; one batch of a run is in flight at a time.
    """

    def __init__(self, run_id: UUID, last_seq: int, committer: GroupCommitter) -> None:
        self.run_id, self._seq, self._committer = run_id, last_seq, committer
        self._pending: list[RunEvent] = []
        self._terminal: TerminalUpdate | None = None
        self._model: tuple[str, str] | None = None
        self._in_flight: asyncio.Future[None] | None = None
        self._error: BaseException | None = None
        self._taken = False
        """Whether the committer has taken a batch of this run yet."""
        self.flushes = 0
        self.first_token_at: float | None = None
        """time.time() when the first token's batch committed."""

    def set_model(self, provider: str, model: str) -> None:
        """Record the run's provider and model with the next write, instead of in a transaction of their own."""
        self._model = (provider, model)

    async def emit(self, event: RunEvent) -> None:
        """Queue an event; raises if an earlier write failed, which stops the run."""
        if self._error is not None:
            raise self._error
        self._pending.append(event)
        # A run's first write (its first token, say) does not wait for the window the other runs' writes keep.
        self._committer.schedule(self, urgent=not self._taken)

    @property
    def error(self) -> BaseException | None:
        """Why the last write failed (the run must end), or None."""
        return self._error

    def take(self) -> AppendBatch:
        """The pending events as the next batch, seqs assigned (the committer calls this when it writes)."""
        events = [StoredEvent(run_id=self.run_id, seq=self._seq + i, event=e) for i, e in enumerate(self._pending, 1)]
        batch = AppendBatch(run_id=self.run_id, events=events, terminal=self._terminal, model=self._model)
        self._pending, self._terminal, self._model = [], None, None
        self._taken = True
        self._in_flight = asyncio.get_running_loop().create_future()
        return batch

    def settle(self, batch: AppendBatch, error: BaseException | None) -> None:
        """The outcome of the write that took `batch` (once; later calls are ignored)."""
        if self._in_flight is None:
            return
        if error is None:
            self._seq = batch.events[-1].seq
            self.flushes += 1
            if self.first_token_at is None and any(isinstance(e.event, Token) for e in batch.events):
                self.first_token_at = time.time()
        else:
            self._error = error
        if not self._in_flight.done():  # its waiter may have been cancelled
            self._in_flight.set_result(None)
        self._in_flight = None

    async def drain(self) -> None:
        """Wait for the write in flight; raises if a write failed. The write is the committer's: cancelling the run
        only stops the waiting, never the write.

        Awaited directly, not through asyncio.shield: the run then wakes one step after its write settles, before the
        streams that the committer hands the batch to next (`GroupCommitter._write`)."""
        if self._in_flight is not None:
            await self._in_flight
        if self._error is not None:
            raise self._error

    async def finish(
        self,
        events: Sequence[RunEvent],
        terminal: TerminalUpdate,
        failed: Callable[[], tuple[list[RunEvent], TerminalUpdate]],
    ) -> None:
        """Write everything still pending plus the terminal events and run update in one transaction.

        If a batch could not be written, the run does not end as it would have: `failed()` gives the terminal events
        that say so. The lost batch is not in the log (the fence refuses this write if its commit did land after all).
        """
        try:
            await self.drain()
        except RunLostError:
            raise
        except Exception:
            self._pending.clear()
            self._error = None
            events, terminal = failed()
        self._pending.extend(events)
        self._terminal = terminal
        self._committer.schedule(self, urgent=True)
        await self._committer.taken(self)
        await self.drain()


class RunExecutor:
    """Claims queued runs and supervises each in a TaskGroup, bounded by `max_concurrent`.

    Rules:
    - a run is claimed by a conditional update, so two executors never run the same one;
    - one run's failure never touches another: each supervisor catches everything but its own cancellation;
    - a cancel signal stops the provider stream at once and ends the run with `canceled` then `state: canceled`;
    - `run_timeout_s`, a provider failure or an internal error end the run with `error` then `state: error`;
    - the executor renews the leases of its runs; runs whose lease expired (their worker died) are ended by the
      sweeper with "worker lost"; at start-up with `recover_all_running`, every `running` run is such an orphan;
    - on stop, no new run is claimed, running ones get `grace_s` to finish, the rest end with an error.
    """

    def __init__(
        self,
        store: RunStore,
        bus: EventBus,
        assistant: Assistant,
        clock: Clock,
        *,
        max_concurrent: int,
        run_timeout_s: float,
        flush_ms: float,
        lease_s: float,
        grace_s: float,
        recover_all_running: bool,
        claim_interval_s: float = 2.0,
        worker_id: str | None = None,
        metrics: RunMetrics | None = None,
    ) -> None:
        self._store, self._bus, self._assistant, self._clock = store, bus, assistant, clock
        self._max_concurrent, self._run_timeout_s = max_concurrent, run_timeout_s
        self._flush_s, self._lease_s, self._grace_s = flush_ms / 1000, lease_s, grace_s
        self._recover_all_running, self._claim_interval_s = recover_all_running, claim_interval_s
        self.worker_id = worker_id or f"w-{new_id().hex[-12:]}"
        self._metrics: RunMetrics = metrics or NoMetrics()
        self._committer = GroupCommitter(store, bus, self.worker_id, self._flush_s, self._metrics)
        self._tasks: dict[UUID, asyncio.Task[None]] = {}
        self._stop_reasons: dict[UUID, str] = {}
        self._executing: set[UUID] = set()
        """Runs inside `_execute`, the only place a stop is delivered by cancelling the task; elsewhere the supervisor
        reads `_stop_reasons` itself (a task cancelled before it started would never run its `finally`)."""
        self._early_cancels: OrderedDict[UUID, None] = OrderedDict()
        """Cancels of runs not (yet) in `_tasks`: a claim in flight may be about to start them."""
        self._finishing: set[UUID] = set()
        """Runs writing their terminal events: a cancel now would interrupt that write, so it is ignored."""
        self._wake = asyncio.Event()
        self._stopping = False
        self._stopped = asyncio.Event()
        self._drained = asyncio.Event()
        """Set once stopping, no claim is in flight and no run is left."""
        self._claim_idle = asyncio.Event()
        self._claim_idle.set()
        """Clear while a claim is in flight: its runs are the database's before they are in `_tasks`."""
        self._main: asyncio.Task[None] | None = None
        self.started = asyncio.Event()

    @property
    def is_running(self) -> bool:
        """True while the executor is claiming runs."""
        return self._main is not None and not self._main.done() and not self._stopping

    @property
    def active_runs(self) -> int:
        return len(self._tasks)

    @property
    def run_ids(self) -> set[UUID]:
        """The runs this executor is running now."""
        return set(self._tasks)

    def start(self) -> None:
        self._bus.on_queued(lambda _run_id: self._wake.set())
        self._bus.on_cancel(self._on_cancel)
        self._main = asyncio.create_task(self._run(), name="run-executor")

    async def stop(self) -> None:
        """Stop claiming, let running runs finish within the grace period, then end the rest cleanly."""
        if self._main is None:
            return
        self._stopping = True
        self._stopped.set()
        self._wake.set()
        # A claim in flight has made runs ours in the database: they must be in `_tasks`, and drain like the others
        # (leases renewed through the grace), before anything decides there is nothing to drain.
        await self._claim_idle.wait()
        if not self._tasks:
            self._drained.set()
        if self._tasks:
            await asyncio.wait(list(self._tasks.values()), timeout=self._grace_s)
        for run_id in list(self._tasks):
            self._stop(run_id, "shutdown")
        try:
            await asyncio.shield(self._main)  # our caller's cancellation must not cancel every run mid-write
        except asyncio.CancelledError:
            task = asyncio.current_task()
            if task is not None and task.cancelling():
                raise

    def _on_cancel(self, run_id: UUID) -> None:
        if run_id not in self._tasks:
            self._early_cancels[run_id] = None
            while len(self._early_cancels) > _EARLY_CANCELS_KEPT:
                self._early_cancels.popitem(last=False)
            return
        self._stop(run_id, "cancel")

    def _stop(self, run_id: UUID, reason: str) -> None:
        """Once only, and never while the run writes its terminal events (that write must not be interrupted)."""
        if run_id in self._stop_reasons or run_id in self._finishing:
            return
        self._stop_reasons[run_id] = reason
        task = self._tasks.get(run_id)
        if task is not None and run_id in self._executing:
            task.cancel()

    async def _run(self) -> None:
        await self._recover()
        self.started.set()
        async with asyncio.TaskGroup() as group:
            group.create_task(self._lease_loop(), name="lease-loop")
            while not self._stopping:
                # Clear before claiming, not after: a wake-up (a queued run, a finished one, stop()) that arrives while
                # the claim is in flight must not be lost, or the run waits a whole claim interval.
                self._wake.clear()
                await self._claim(group)
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._claim_interval_s):
                        await self._wake.wait()

    async def _recover(self) -> None:
        try:
            ended = await self._store.end_orphans(
                self._clock.now(), expired_only=not self._recover_all_running, message=WORKER_LOST
            )
        except Exception:
            logger.exception("orphan_recovery_failed")
            return
        for events in ended:
            await self._bus.publish(events)
        if ended:
            logger.warning("orphaned_runs_ended", count=len(ended))

    async def _claim(self, group: asyncio.TaskGroup) -> None:
        self._claim_idle.clear()
        try:
            await self._claim_runs(group)
        finally:
            self._claim_idle.set()
            if self._stopping and not self._tasks and self._claim_idle.is_set():
                self._drained.set()

    async def _claim_runs(self, group: asyncio.TaskGroup) -> None:
        # One transaction claims as many runs as there is room for: claimed one at a time, a burst of runs queued
        # behind the flushes of the runs already going, and the hundredth waited seconds.
        while not self._stopping and (free := self._max_concurrent - len(self._tasks)) > 0:
            now = self._clock.now()
            try:
                claimed = await self._store.claim(
                    self.worker_id,
                    now,
                    now + timedelta(seconds=self._lease_s),
                    limit=free,
                    history_turns=self._assistant.history_turns,
                )
            except Exception:
                logger.exception("claim_failed")
                return
            for c in claimed:
                if c.run.id in self._early_cancels:  # cancelled while the claim was in flight
                    del self._early_cancels[c.run.id]
                    self._stop_reasons[c.run.id] = "cancel"
                self._metrics.run_started((now - c.run.created_at).total_seconds())
                self._tasks[c.run.id] = group.create_task(self._supervise(c), name=f"run-{c.run.id}")
            self._metrics.runs_active(len(self._tasks))
            if len(claimed) < free:
                return

    async def _lease_loop(self) -> None:
        # Runs on while stopping, as long as runs are draining: their leases must outlive the grace period.
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._lease_s / 3):
                    await (self._drained if self._stopping else self._stopped).wait()
            if self._drained.is_set():
                return
            now = self._clock.now()
            try:
                if self._tasks:
                    await self._store.renew_leases(
                        self.worker_id, list(self._tasks), now + timedelta(seconds=self._lease_s)
                    )
                if self._stopping:
                    continue
                for events in await self._store.end_orphans(now, expired_only=True, message=WORKER_LOST):
                    await self._bus.publish(events)
                self._metrics.runs_queued(await self._store.count_queued())
            except Exception:
                logger.exception("lease_renewal_failed")

    async def _supervise(self, claimed: ClaimedRun) -> None:
        """One run's whole life; never lets an exception reach the TaskGroup."""
        run, running_event = claimed.run, claimed.running_event
        writer = self._committer.writer(run.id, running_event.seq)
        log = logger.bind(run_id=str(run.id), thread_id=str(run.thread_id), user_id=str(run.user_id))
        started = time.monotonic()
        try:
            await self._bus.publish([running_event])
            reason = self._stop_reasons.get(run.id)
            if reason is not None:  # stopped before it began
                events, terminal = self._stop_result(reason)
            else:
                self._executing.add(run.id)
                try:
                    events, terminal = await self._execute(run, writer, claimed.history)
                finally:
                    self._executing.discard(run.id)
            self._finishing.add(run.id)  # no await since _execute returned: no cancel can slip in between
            await writer.finish(
                events,
                terminal,
                lambda: self._failed("the run's events could not be written to the database", "storage_failed", True),
            )
            duration_s = time.monotonic() - started
            first_token_s = None
            if writer.first_token_at is not None:
                first_token_s = max(0.0, writer.first_token_at - run.created_at.timestamp())
            self._metrics.run_finished(terminal.status, duration_s, first_token_s)
            log.info("run_finished", status=terminal.status, ms=round(duration_s * 1000, 1), flushes=writer.flushes)
        except RunLostError:
            log.warning("run_lost")
        except Exception:
            # The log could not be written (database down): leave the run to the lease sweeper, which ends it.
            log.exception("run_finish_failed")
        finally:
            self._tasks.pop(run.id, None)
            self._metrics.runs_active(len(self._tasks))
            self._stop_reasons.pop(run.id, None)
            self._finishing.discard(run.id)
            self._wake.set()
            if self._stopping and not self._tasks and self._claim_idle.is_set():
                self._drained.set()

    async def _execute(
        self, run: Run, writer: EventWriter, history: list[Message] | None
    ) -> tuple[list[RunEvent], TerminalUpdate]:
        async def on_model(provider: str, model: str) -> None:
            writer.set_model(provider, model)

        try:
            async with asyncio.timeout(self._run_timeout_s):
                answer = await self._assistant.answer(run, writer.emit, on_model, history)
        except TimeoutError:
            return self._failed(f"the run exceeded RUN_TIMEOUT_S ({self._run_timeout_s:g} s)", "timeout", True)
        except asyncio.CancelledError:
            reason = self._stop_reasons.get(run.id)
            if reason is None:
                raise
            task = asyncio.current_task()
            assert task is not None
            task.uncancel()
            return self._stop_result(reason)
        except RunLostError:
            raise
        except ProviderError as exc:
            self._metrics.provider_error(exc.code)
            return self._failed(str(exc), exc.code, exc.retryable)
        except Exception as exc:
            logger.exception("run_failed", run_id=str(run.id))
            return self._failed(f"internal error: {type(exc).__name__}", "internal", False)
        now = self._clock.now()
        message = Message(
            id=new_id(),
            thread_id=run.thread_id,
            role=MessageRole.ASSISTANT,
            content=answer.text,
            created_at=now,
            run_id=run.id,
        )
        return [final_event(answer), StateChanged(status=RunStatus.DONE)], TerminalUpdate(
            status=RunStatus.DONE, finished_at=now, usage=answer.usage, answer=message
        )

    def _stop_result(self, reason: str) -> tuple[list[RunEvent], TerminalUpdate]:
        if reason == "cancel":
            return [Canceled(reason="canceled by the user"), StateChanged(status=RunStatus.CANCELED)], (
                TerminalUpdate(status=RunStatus.CANCELED, finished_at=self._clock.now())
            )
        return self._failed(SHUTDOWN_REASON, "shutdown", True)

    def _failed(self, message: str, code: str, retryable: bool) -> tuple[list[RunEvent], TerminalUpdate]:
        events: list[RunEvent] = [
            RunFailed(error=message, code=code, retryable=retryable),
            StateChanged(status=RunStatus.ERROR),
        ]
        return events, TerminalUpdate(status=RunStatus.ERROR, finished_at=self._clock.now(), error=message)
