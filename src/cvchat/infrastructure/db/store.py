"""The executor's and the streams' side of the database: each call is its own short, committed transaction."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ParamSpec, TypeVar, cast
from uuid import UUID

import msgspec
from sqlalchemy import Text, and_, column, func, insert, or_, select, text, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker

from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.events import Canceled, RunFailed, StateChanged, StoredEvent, encode_event
from cvchat.domain.ports import AppendBatch, ClaimedRun
from cvchat.infrastructure.db.models import MessageModel, RunEventModel, RunModel
from cvchat.infrastructure.db.repositories import event_row, run_update, stored_event, to_run
from cvchat.infrastructure.events.postgres import EVENTS_CHANNEL, events_notification

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


_RUNS, _EVENTS, _MESSAGES = RunModel.__table__, RunEventModel.__table__, MessageModel.__table__
_RUNNING_DATA = encode_event(StateChanged(status=RunStatus.RUNNING)).decode()

# PostgreSQL's claim, one statement: the oldest queued runs that no other worker is claiming right now (SKIP LOCKED)
# become this worker's, each gets its `state: running` event, and the NOTIFY for it (payload: `events_notification`).
#
# The pick is a CTE of its own: a locking CTE runs once. Written as `WHERE id IN (SELECT … LIMIT n FOR UPDATE SKIP
# LOCKED)`, PostgreSQL may run the sub-select again for later rows and claim more than n runs, which broke
# MAX_CONCURRENT_RUNS. RETURNING names the columns in the model's order (`.columns()` maps them by position).
_RUN_COLUMNS = ", ".join(f"runs.{c.name}" for c in _RUNS.c)
_PG_CLAIM = text(
    f"""
WITH picked AS (
    SELECT id FROM runs WHERE status = 'queued' ORDER BY id LIMIT :n FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE runs SET status = 'running', started_at = :now, owner = :worker, lease_expires_at = :lease,
                    last_seq = last_seq + 1
    FROM picked
    WHERE runs.id = picked.id AND runs.status = 'queued'
    RETURNING {_RUN_COLUMNS}
), running AS (
    INSERT INTO run_events (run_id, seq, type, data, created_at)
    SELECT id, last_seq, 'state', :data, :now FROM claimed
)
SELECT claimed.*,
       (SELECT coalesce(json_agg(json_build_object('id', m.id, 'thread_id', m.thread_id, 'run_id', m.run_id,
                                                   'role', m.role, 'content', m.content, 'created_at', m.created_at)
                                 ORDER BY m.id), '[]')::text
        FROM (SELECT * FROM messages
              WHERE thread_id = claimed.thread_id AND id <= claimed.message_id
              ORDER BY id DESC LIMIT :history_limit) AS m) AS history,
       pg_notify(:channel, claimed.id::text || ' ' || claimed.last_seq || ' ' || claimed.last_seq || ' ' || :origin)
FROM claimed
"""
).columns(*_RUNS.c, column("history", Text))
"""Each claimed run comes with its history (as `SqlRunStore.history` reads it) as JSON: no second round trip."""
_history_decoder = msgspec.json.Decoder(list[Message])


# PostgreSQL's append, one statement for the batches of several runs (group commit): per run, the fence (the run is
# still this worker's, running, and its log ends where the batch starts), the run's update, its events, its answer
# (terminal batches) and the NOTIFY; a run whose fence does not match gets nothing written and no row back. The runs
# are locked in id order, as the lease renewal and the sweeper lock them, so that none of them deadlock.
_PG_APPEND = text(
    """
WITH b AS (
    SELECT * FROM unnest(
        CAST(:run_ids AS uuid[]), CAST(:prev_seqs AS integer[]), CAST(:last_seqs AS integer[]),
        CAST(:stamps AS timestamptz[]), CAST(:statuses AS varchar[]), CAST(:errors AS text[]),
        CAST(:providers AS varchar[]), CAST(:models AS varchar[]),
        CAST(:input_tokens AS integer[]), CAST(:output_tokens AS integer[])
    ) AS b(run_id, prev_seq, last_seq, stamp, status, error, provider, model, input_tokens, output_tokens)
), locked AS (
    SELECT runs.id FROM runs JOIN b ON runs.id = b.run_id
    WHERE runs.owner = :worker AND runs.status = 'running' AND runs.last_seq = b.prev_seq
    ORDER BY runs.id
    FOR UPDATE OF runs
), fence AS (
    UPDATE runs SET last_seq = b.last_seq,
                    status = coalesce(b.status, runs.status),
                    finished_at = CASE WHEN b.status IS NULL THEN runs.finished_at ELSE b.stamp END,
                    error = coalesce(b.error, runs.error),
                    lease_expires_at = CASE WHEN b.status IS NULL THEN runs.lease_expires_at END,
                    provider = coalesce(b.provider, runs.provider),
                    model = coalesce(b.model, runs.model),
                    input_tokens = coalesce(b.input_tokens, runs.input_tokens),
                    output_tokens = coalesce(b.output_tokens, runs.output_tokens)
    FROM b, locked
    WHERE runs.id = b.run_id AND locked.id = b.run_id
      AND runs.owner = :worker AND runs.status = 'running' AND runs.last_seq = b.prev_seq
    RETURNING runs.id, runs.thread_id, b.prev_seq, b.last_seq, b.stamp
), batch AS (
    INSERT INTO run_events (run_id, seq, type, data, created_at)
    SELECT e.run_id, e.seq, e.type, e.data, fence.stamp
    FROM unnest(CAST(:event_run_ids AS uuid[]), CAST(:seqs AS integer[]), CAST(:types AS varchar[]),
                CAST(:datas AS text[])) AS e(run_id, seq, type, data)
    JOIN fence ON fence.id = e.run_id
), answer AS (
    INSERT INTO messages (id, thread_id, run_id, role, content, created_at)
    SELECT a.id, fence.thread_id, fence.id, 'assistant', a.content, a.created_at
    FROM unnest(CAST(:answer_ids AS uuid[]), CAST(:answer_run_ids AS uuid[]), CAST(:answer_contents AS text[]),
                CAST(:answer_ats AS timestamptz[])) AS a(id, run_id, content, created_at)
    JOIN fence ON fence.id = a.run_id
)
SELECT fence.id,
       pg_notify(:channel, fence.id::text || ' ' || (fence.prev_seq + 1) || ' ' || fence.last_seq || ' ' || :origin)
FROM fence
"""
)


def _run_values(batch: AppendBatch) -> dict[str, Any]:
    """What a batch writes on its run, besides the fence's `last_seq`; a terminal batch's `finished_at` also stamps
    its rows (any other batch's rows get the time of their write, one for all the runs it writes)."""
    values: dict[str, object] = {}
    if batch.model is not None:
        values |= {"provider": batch.model[0], "model": batch.model[1]}
    terminal = batch.terminal
    if terminal is not None:
        values |= {
            "status": terminal.status.value,
            "finished_at": terminal.finished_at,
            "error": terminal.error,
            "lease_expires_at": None,
        }
        if terminal.usage is not None:
            values |= {"input_tokens": terminal.usage.input_tokens, "output_tokens": terminal.usage.output_tokens}
    return values


class SqlRunStore:
    """RunStore on SQLAlchemy Core (writer engine: `BEGIN IMMEDIATE` on SQLite; reads on the read engine).

    The claim and the append are on the hot path of every run. On PostgreSQL each is one statement in autocommit
    (a single statement is its own transaction, and its NOTIFY is delivered when it commits): one round trip after
    the pool's pre-ping, where a session transaction took six. SQLite, in process, runs the same steps as separate
    statements in one `BEGIN IMMEDIATE` transaction.
    """

    def __init__(
        self,
        engine: AsyncEngine,
        read_engine: AsyncEngine | None = None,
        *,
        skip_locked: bool,
        notify_origin: str | None = None,
    ) -> None:
        self._engine = engine
        self._read_engine = read_engine or engine
        self._sessions = async_sessionmaker(engine, expire_on_commit=False)
        self._is_postgres = engine.dialect.name == "postgresql"
        self._autocommit = _autocommit(engine)
        self._read_autocommit = _autocommit(self._read_engine)
        self._skip_locked = skip_locked
        self._notify_origin = notify_origin

    async def _insert(self, session: AsyncSession, events: Sequence[StoredEvent], now: datetime) -> None:
        """Insert a batch of one run's events; on PostgreSQL also NOTIFY it, which is delivered on commit only."""
        await session.execute(insert(RunEventModel), [event_row(e, now) for e in events])
        if self._notify_origin is not None:
            channel, payload = events_notification(events[0].run_id, events[0].seq, events[-1].seq, self._notify_origin)
            await session.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})

    @_finish_even_if_cancelled
    async def claim(
        self, worker_id: str, now: datetime, lease_until: datetime, *, limit: int, history_turns: int
    ) -> list[ClaimedRun]:
        if limit < 1:
            return []
        if self._is_postgres and self._notify_origin is not None:
            async with self._autocommit.connect() as conn:
                rows = (
                    await conn.execute(
                        _PG_CLAIM,
                        {
                            "now": now,
                            "worker": worker_id,
                            "lease": lease_until,
                            "n": limit,
                            "data": _RUNNING_DATA,
                            "channel": EVENTS_CHANNEL,
                            "origin": self._notify_origin,
                            "history_limit": 2 * history_turns + 1,
                        },
                    )
                ).all()
            rows = sorted(rows, key=lambda r: r.id)
            runs = [to_run(cast(Any, r)) for r in rows]
            histories = {r.id: _starting_with_user(_history_decoder.decode(r.history)) for r in rows}
        else:
            oldest = (
                select(_RUNS.c.id).where(_RUNS.c.status == RunStatus.QUEUED.value).order_by(_RUNS.c.id).limit(limit)
            )
            if self._skip_locked:
                oldest = oldest.with_for_update(skip_locked=True)
            async with self._engine.begin() as conn:
                # The ids first (locked, on PostgreSQL), then the conditional update, which is the claim: only one
                # executor turns a queued run into running. Never `IN (sub-select with LIMIT)`: see _PG_CLAIM.
                picked = list((await conn.execute(oldest)).scalars())
                rows = (
                    await conn.execute(
                        update(_RUNS)
                        .where(_RUNS.c.id.in_(picked), _RUNS.c.status == RunStatus.QUEUED.value)
                        .values(
                            status=_RUNNING,
                            started_at=now,
                            owner=worker_id,
                            lease_expires_at=lease_until,
                            last_seq=_RUNS.c.last_seq + 1,
                        )
                        .returning(*_RUNS.c)
                    )
                ).all()
                runs = sorted((to_run(cast(Any, r)) for r in rows), key=lambda r: r.id)
                if runs:
                    await conn.execute(
                        insert(_EVENTS),
                        [
                            {
                                "run_id": r.id,
                                "seq": r.last_seq,
                                "type": "state",
                                "data": _RUNNING_DATA,
                                "created_at": now,
                            }
                            for r in runs
                        ],
                    )
                    if self._notify_origin is not None:
                        for r in runs:
                            channel, payload = events_notification(r.id, r.last_seq, r.last_seq, self._notify_origin)
                            await conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})
                histories = await _histories(conn, runs, history_turns)
        return [
            ClaimedRun(
                run=run,
                running_event=StoredEvent(
                    run_id=run.id, seq=run.last_seq, event=StateChanged(status=RunStatus.RUNNING)
                ),
                history=histories[run.id],
            )
            for run in runs
        ]

    @_finish_even_if_cancelled
    async def append(self, worker_id: str, batches: Sequence[AppendBatch]) -> list[bool]:
        batches = [b for b in batches if b.events]
        if not batches:
            return []
        if self._is_postgres and self._notify_origin is not None:
            return await self._append_pg(worker_id, batches)
        return await self._append_in_transaction(worker_id, batches)

    async def _append_pg(self, worker_id: str, batches: Sequence[AppendBatch]) -> list[bool]:
        assert self._notify_origin is not None
        now = datetime.now(UTC)
        events = [e for b in batches for e in b.events]
        answers = [b.terminal.answer for b in batches if b.terminal is not None and b.terminal.answer is not None]
        # What each batch writes on its run, as one array per column (NULL: the column keeps its value).
        values = [_run_values(b) for b in batches]
        params: dict[str, object] = {
            "worker": worker_id,
            "run_ids": [b.run_id for b in batches],
            "prev_seqs": [b.events[0].seq - 1 for b in batches],
            "last_seqs": [b.events[-1].seq for b in batches],
            "stamps": [v.get("finished_at", now) for v in values],
            "statuses": [v.get("status") for v in values],
            "errors": [v.get("error") for v in values],
            "providers": [v.get("provider") for v in values],
            "models": [v.get("model") for v in values],
            "input_tokens": [v.get("input_tokens") for v in values],
            "output_tokens": [v.get("output_tokens") for v in values],
            "event_run_ids": [e.run_id for e in events],
            "seqs": [e.seq for e in events],
            "types": [e.type for e in events],
            "datas": [encode_event(e.event).decode() for e in events],
            "answer_ids": [a.id for a in answers],
            "answer_run_ids": [a.run_id for a in answers],
            "answer_contents": [a.content for a in answers],
            "answer_ats": [a.created_at for a in answers],
            "channel": EVENTS_CHANNEL,
            "origin": self._notify_origin,
        }
        async with self._autocommit.connect() as conn:
            written = {row[0] for row in await conn.execute(_PG_APPEND, params)}
        return [b.run_id in written for b in batches]

    async def _append_in_transaction(self, worker_id: str, batches: Sequence[AppendBatch]) -> list[bool]:
        written: list[bool] = []
        rows: list[dict[str, Any]] = []
        answers: list[dict[str, object]] = []
        now = datetime.now(UTC)
        async with self._engine.begin() as conn:
            for batch in batches:
                events, values = batch.events, _run_values(batch)
                result = await conn.execute(
                    update(_RUNS)
                    .where(
                        _RUNS.c.id == batch.run_id,
                        _RUNS.c.owner == worker_id,
                        _RUNS.c.status == _RUNNING,
                        _RUNS.c.last_seq == events[0].seq - 1,
                    )
                    .values(values | {"last_seq": events[-1].seq})
                )
                written.append(result.rowcount == 1)
                if result.rowcount != 1:
                    continue
                # A write's rows share its time; a terminal batch's are stamped with its run's finished_at.
                stamp = values.get("finished_at", now)
                rows.extend(event_row(e, stamp) for e in events)
                if batch.terminal is not None and batch.terminal.answer is not None:
                    answers.append(_message_values(batch.terminal.answer))
                if self._notify_origin is not None:
                    channel, payload = events_notification(
                        batch.run_id, events[0].seq, events[-1].seq, self._notify_origin
                    )
                    await conn.execute(text("SELECT pg_notify(:c, :p)"), {"c": channel, "p": payload})
            if rows:
                await conn.execute(insert(_EVENTS), rows)
            if answers:
                await conn.execute(insert(_MESSAGES), answers)
        return written

    async def count_queued(self) -> int:
        async with self._read_engine.connect() as conn:
            count = await conn.scalar(select(func.count()).select_from(RunModel).where(RunModel.status == "queued"))
        return int(count or 0)

    @_finish_even_if_cancelled
    async def renew_leases(self, worker_id: str, run_ids: Sequence[UUID], lease_until: datetime) -> None:
        # The rows are locked in id order, as the append and the sweeper lock them (no deadlock between them).
        locked = (
            select(_RUNS.c.id)
            .where(_RUNS.c.id.in_(list(run_ids)), _RUNS.c.owner == worker_id, _RUNS.c.status == _RUNNING)
            .order_by(_RUNS.c.id)
            .with_for_update()
            .cte("locked")
        )
        async with self._engine.begin() as conn:
            await conn.execute(
                update(_RUNS).where(_RUNS.c.id.in_(select(locked.c.id))).values(lease_expires_at=lease_until)
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
            # In id order, so two sweepers lock the rows they share in the same order (no deadlock).
            for run_id in (await session.scalars(select(RunModel.id).where(condition).order_by(RunModel.id))).all():
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
        async with self._read_autocommit.connect() as conn:
            rows = (
                await conn.execute(
                    select(_MESSAGES)
                    .where(_MESSAGES.c.thread_id == thread_id, _MESSAGES.c.id <= upto_message_id)
                    .order_by(_MESSAGES.c.id.desc())
                    .limit(2 * turns + 1)
                )
            ).all()
        return _starting_with_user([_message(r) for r in reversed(rows)])


def _message(row: Any) -> Message:
    return Message(
        id=row.id,
        thread_id=row.thread_id,
        run_id=row.run_id,
        role=MessageRole(row.role),
        content=row.content,
        created_at=row.created_at,
    )


def _message_values(message: Message) -> dict[str, object]:
    return {
        "id": message.id,
        "thread_id": message.thread_id,
        "run_id": message.run_id,
        "role": message.role.value,
        "content": message.content,
        "created_at": message.created_at,
    }


def _starting_with_user(messages: list[Message]) -> list[Message]:
    # The history starts with a user turn, as every provider expects.
    start = next((i for i, m in enumerate(messages) if m.role is MessageRole.USER), len(messages))
    return messages[start:]


async def _histories(conn: AsyncConnection, runs: Sequence[Run], turns: int) -> dict[UUID, list[Message]]:
    """Each run's history (as `SqlRunStore.history` reads it), for all the runs in one query.

    A thread has at most one active run, so numbering each thread's messages newest first finds every run's window.
    """
    if not runs:
        return {}
    newest_first = (
        func.row_number().over(partition_by=_MESSAGES.c.thread_id, order_by=_MESSAGES.c.id.desc()).label("rank")
    )
    ranked = (
        select(_MESSAGES, newest_first)
        .where(or_(*(and_(_MESSAGES.c.thread_id == r.thread_id, _MESSAGES.c.id <= r.message_id) for r in runs)))
        .subquery()
    )
    rows = (
        await conn.execute(
            select(ranked).where(ranked.c.rank <= 2 * turns + 1).order_by(ranked.c.thread_id, ranked.c.id)
        )
    ).all()
    by_thread: dict[UUID, list[Message]] = {r.thread_id: [] for r in runs}
    for row in rows:
        by_thread[row.thread_id].append(_message(row))
    return {r.id: _starting_with_user(by_thread[r.thread_id]) for r in runs}


# A stream's opening read on PostgreSQL, one statement: the run and its first page of events after a position, as
# a JSON array of [seq, data] pairs (data is the event's JSON text).
_PG_READ_RUN = text(
    f"""
SELECT {_RUN_COLUMNS},
       (SELECT coalesce(json_agg(json_build_array(e.seq, e.data) ORDER BY e.seq), '[]')::text
        FROM (SELECT seq, data FROM run_events WHERE run_id = runs.id AND seq > :after ORDER BY seq LIMIT :limit) AS e
       ) AS events
FROM runs WHERE runs.id = :run_id
"""
).columns(*_RUNS.c, column("events", Text))
_PAGE_DECODER = msgspec.json.Decoder(list[tuple[int, str]])


class SqlEventLog:
    """EventLog on the read engine (plain `BEGIN` on SQLite, so readers never block).

    Every read is one statement; on PostgreSQL it runs in autocommit, one round trip where a session took three
    (BEGIN, SELECT, ROLLBACK). Streams read here when they open, resume, catch up and at every heartbeat.
    """

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = _autocommit(engine)
        self._is_postgres = engine.dialect.name == "postgresql"

    @staticmethod
    def _after(run_id: UUID, after: int, limit: int | None) -> Any:
        query = (
            select(_EVENTS.c.seq, _EVENTS.c.data)
            .where(_EVENTS.c.run_id == run_id, _EVENTS.c.seq > after)
            .order_by(_EVENTS.c.seq)
        )
        return query if limit is None else query.limit(limit)

    async def read_after(self, run_id: UUID, after: int, limit: int | None = None) -> list[StoredEvent]:
        async with self._engine.connect() as conn:
            rows = (await conn.execute(self._after(run_id, after, limit))).all()
        return [stored_event(run_id, seq, data) for seq, data in rows]

    async def get_run(self, run_id: UUID) -> Run | None:
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(_RUNS).where(_RUNS.c.id == run_id))).first()
        return None if row is None else to_run(cast(Any, row))

    async def get_runs(self, run_ids: Sequence[UUID]) -> dict[UUID, Run]:
        runs: dict[UUID, Run] = {}
        async with self._engine.connect() as conn:
            for start in range(0, len(run_ids), 1000):
                chunk = list(run_ids[start : start + 1000])
                for row in await conn.execute(select(_RUNS).where(_RUNS.c.id.in_(chunk))):
                    run = to_run(cast(Any, row))
                    runs[run.id] = run
        return runs

    async def read_run(self, run_id: UUID, after: int, limit: int) -> tuple[Run | None, list[StoredEvent]]:
        async with self._engine.connect() as conn:
            if self._is_postgres:
                row = (await conn.execute(_PG_READ_RUN, {"run_id": run_id, "after": after, "limit": limit})).first()
                if row is None:
                    return None, []
                page = _PAGE_DECODER.decode(row.events)
                return to_run(cast(Any, row)), [stored_event(run_id, seq, data) for seq, data in page]
            # SQLite: two statements in one read transaction, so they see the same moment.
            async with conn.begin():
                row = (await conn.execute(select(_RUNS).where(_RUNS.c.id == run_id))).first()
                rows = (await conn.execute(self._after(run_id, after, limit))).all() if row is not None else []
        if row is None:
            return None, []
        return to_run(cast(Any, row)), [stored_event(run_id, seq, data) for seq, data in rows]


def _autocommit(engine: AsyncEngine) -> AsyncEngine:
    """PostgreSQL: the engine in autocommit, for work that is one statement; other databases: the engine itself."""
    return engine.execution_options(isolation_level="AUTOCOMMIT") if engine.dialect.name == "postgresql" else engine
