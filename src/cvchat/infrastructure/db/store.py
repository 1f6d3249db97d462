"""The executor's and the streams' side of the database: each call is its own short, committed transaction."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import ParamSpec, TypeVar
from uuid import UUID

from sqlalchemy import insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.errors import RunLostError
from cvchat.domain.events import Canceled, RunFailed, StateChanged, StoredEvent
from cvchat.domain.ports import ClaimedRun, TerminalUpdate
from cvchat.infrastructure.db.models import MessageModel, RunEventModel, RunModel
from cvchat.infrastructure.db.repositories import event_row, message_row, run_update, stored_event, to_message, to_run
from cvchat.infrastructure.events.postgres import events_notification

_RUNNING = RunStatus.RUNNING.value
P = ParamSpec("P")
T = TypeVar("T")


def _finish_even_if_cancelled(method: Callable[P, Awaitable[T]]) -> Callable[P, Awaitable[T]]:
    """Run the transaction in a task of its own, shielded from the caller's cancellation.

    The executor stops runs by cancelling their tasks. A transaction interrupted half-way would leave its connection
    (and on SQLite the database's write lock) in an unknown state; shielded, it commits or rolls back, and only then
    does the caller see its CancelledError.
    """

    @functools.wraps(method)
    async def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        task = asyncio.ensure_future(method(*args, **kwargs))
        task.add_done_callback(lambda t: t.cancelled() or t.exception())  # never "exception was never retrieved"
        return await asyncio.shield(task)

    return wrapper


class SqlRunStore:
    """RunStore on SQLAlchemy sessions (writer engine: `BEGIN IMMEDIATE` on SQLite; reads on the read engine)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        read_sessions: async_sessionmaker[AsyncSession] | None = None,
        *,
        skip_locked: bool,
        notify_origin: str | None = None,
    ) -> None:
        self._sessions = sessions
        self._read_sessions = read_sessions or sessions
        self._skip_locked = skip_locked
        self._notify_origin = notify_origin

    async def _insert(self, session: AsyncSession, events: Sequence[StoredEvent], now: datetime) -> None:
        """Insert a batch of one run's events; on PostgreSQL also NOTIFY it, which is delivered on commit only."""
        await session.execute(insert(RunEventModel), [event_row(e, now) for e in events])
        if self._notify_origin is not None:
            channel, payload = events_notification(events[0].run_id, events[0].seq, events[-1].seq, self._notify_origin)
            await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})

    @_finish_even_if_cancelled
    async def claim_next(self, worker_id: str, now: datetime, lease_until: datetime) -> ClaimedRun | None:
        oldest = select(RunModel.id).where(RunModel.status == RunStatus.QUEUED.value).order_by(RunModel.id).limit(1)
        if self._skip_locked:
            oldest = oldest.with_for_update(skip_locked=True)
        async with self._sessions() as session, session.begin():
            run_id = await session.scalar(oldest)
            if run_id is None:
                return None
            # The conditional update is the claim: only one executor turns this queued run into running.
            row = await session.scalar(
                run_update(run_id, RunModel.status == RunStatus.QUEUED.value)
                .values(
                    status=_RUNNING,
                    started_at=now,
                    owner=worker_id,
                    lease_expires_at=lease_until,
                    last_seq=RunModel.last_seq + 1,
                )
                .returning(RunModel),
                execution_options={"synchronize_session": False},
            )
            if row is None:
                return None
            run = to_run(row)
            event = StoredEvent(run_id=run.id, seq=run.last_seq, event=StateChanged(status=RunStatus.RUNNING))
            await self._insert(session, [event], now)
        return ClaimedRun(run=run, running_event=event)

    @_finish_even_if_cancelled
    async def append(
        self, run_id: UUID, worker_id: str, events: Sequence[StoredEvent], terminal: TerminalUpdate | None = None
    ) -> None:
        if not events:
            return
        values: dict[str, object] = {"last_seq": events[-1].seq}
        if terminal is not None:
            values |= {
                "status": terminal.status.value,
                "finished_at": terminal.finished_at,
                "error": terminal.error,
                "lease_expires_at": None,
            }
            if terminal.usage is not None:
                values |= {"input_tokens": terminal.usage.input_tokens, "output_tokens": terminal.usage.output_tokens}
        now = terminal.finished_at if terminal is not None else None
        async with self._sessions() as session, session.begin():
            # The fence: the batch is written only while this worker still owns the running run and the log ends
            # where the batch starts, so a sweeper that ended the run (or a deleted thread) stops a late writer.
            result = await session.execute(
                run_update(
                    run_id,
                    RunModel.owner == worker_id,
                    RunModel.status == _RUNNING,
                    RunModel.last_seq == events[0].seq - 1,
                ).values(**values)
            )
            if result.rowcount != 1:  # type: ignore[attr-defined]
                raise RunLostError(f"run {run_id} is no longer owned by {worker_id}")
            stamp = now or datetime.now(UTC)
            await self._insert(session, events, stamp)
            if terminal is not None and terminal.answer is not None:
                session.add(message_row(terminal.answer))

    @_finish_even_if_cancelled
    async def set_model(self, run_id: UUID, provider: str, model: str) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(run_update(run_id).values(provider=provider, model=model))

    @_finish_even_if_cancelled
    async def renew_leases(self, worker_id: str, run_ids: Sequence[UUID], lease_until: datetime) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(RunModel)
                .where(RunModel.id.in_(list(run_ids)), RunModel.owner == worker_id, RunModel.status == _RUNNING)
                .values(lease_expires_at=lease_until)
            )

    @_finish_even_if_cancelled
    async def cancel_queued(self, run_id: UUID, reason: str, now: datetime) -> list[StoredEvent] | None:
        async with self._sessions() as session, session.begin():
            last = await session.scalar(
                run_update(run_id, RunModel.status == RunStatus.QUEUED.value)
                .values(status=RunStatus.CANCELED.value, finished_at=now, last_seq=RunModel.last_seq + 2)
                .returning(RunModel.last_seq)
            )
            if last is None:
                return None
            events = [
                StoredEvent(run_id=run_id, seq=last - 1, event=Canceled(reason=reason)),
                StoredEvent(run_id=run_id, seq=last, event=StateChanged(status=RunStatus.CANCELED)),
            ]
            await self._insert(session, events, now)
        return events

    @_finish_even_if_cancelled
    async def end_orphans(self, now: datetime, *, expired_only: bool, message: str) -> list[list[StoredEvent]]:
        condition = RunModel.status == _RUNNING
        if expired_only:
            condition = condition & (RunModel.lease_expires_at < now)
        ended: list[list[StoredEvent]] = []
        async with self._sessions() as session, session.begin():
            for run_id in (await session.scalars(select(RunModel.id).where(condition))).all():
                last = await session.scalar(
                    run_update(run_id, condition)
                    .values(
                        status=RunStatus.ERROR.value,
                        finished_at=now,
                        error=message,
                        lease_expires_at=None,
                        last_seq=RunModel.last_seq + 2,
                    )
                    .returning(RunModel.last_seq)
                )
                if last is None:
                    continue
                events = [
                    StoredEvent(
                        run_id=run_id, seq=last - 1, event=RunFailed(error=message, code="worker_lost", retryable=True)
                    ),
                    StoredEvent(run_id=run_id, seq=last, event=StateChanged(status=RunStatus.ERROR)),
                ]
                await self._insert(session, events, now)
                ended.append(events)
        return ended

    @_finish_even_if_cancelled
    async def history(self, thread_id: UUID, upto_message_id: UUID, turns: int) -> list[Message]:
        async with self._read_sessions() as session:
            rows = (
                await session.scalars(
                    select(MessageModel)
                    .where(MessageModel.thread_id == thread_id, MessageModel.id <= upto_message_id)
                    .order_by(MessageModel.id.desc())
                    .limit(2 * turns + 1)
                )
            ).all()
        messages = [to_message(r) for r in reversed(rows)]
        # The history starts with a user turn, as every provider expects.
        while messages and messages[0].role is not MessageRole.USER:
            messages.pop(0)
        return messages


class SqlEventLog:
    """EventLog on SQLAlchemy sessions of the read engine (plain `BEGIN` on SQLite, so readers never block)."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions

    async def read_after(self, run_id: UUID, after: int, limit: int | None = None) -> list[StoredEvent]:
        query = (
            select(RunEventModel.seq, RunEventModel.data)
            .where(RunEventModel.run_id == run_id, RunEventModel.seq > after)
            .order_by(RunEventModel.seq)
        )
        if limit is not None:
            query = query.limit(limit)
        async with self._sessions() as session:
            rows = (await session.execute(query)).all()
        return [stored_event(run_id, seq, data) for seq, data in rows]

    async def get_run(self, run_id: UUID) -> Run | None:
        async with self._sessions() as session:
            row = await session.get(RunModel, run_id)
            return None if row is None else to_run(row)
