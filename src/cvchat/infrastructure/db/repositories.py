"""Domain repositories on Advanced Alchemy: they speak domain Structs and ids, never rows."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

import msgspec
from advanced_alchemy.exceptions import IntegrityError as RepositoryIntegrityError
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from sqlalchemy import ColumnElement, TextClause, and_, delete, insert, or_, select, text, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from cvchat.domain.entities import ApiKey, Message, Page, Run, RunStatus, Thread, Usage, User
from cvchat.domain.errors import UserNameTakenError
from cvchat.domain.events import StoredEvent, decode_event, encode_event
from cvchat.infrastructure.db.models import (
    ApiKeyModel,
    MessageModel,
    RunEventModel,
    RunModel,
    ThreadModel,
    UserModel,
)
from cvchat.infrastructure.events.postgres import SIGNALS_CHANNEL

T = TypeVar("T")
_ACTIVE = (RunStatus.QUEUED.value, RunStatus.RUNNING.value)


class _UserRows(SQLAlchemyAsyncRepository[UserModel]):
    model_type = UserModel


class _ApiKeyRows(SQLAlchemyAsyncRepository[ApiKeyModel]):
    model_type = ApiKeyModel


class _ThreadRows(SQLAlchemyAsyncRepository[ThreadModel]):
    model_type = ThreadModel


class _MessageRows(SQLAlchemyAsyncRepository[MessageModel]):
    model_type = MessageModel


class _RunRows(SQLAlchemyAsyncRepository[RunModel]):
    model_type = RunModel


def to_user(row: UserModel) -> User:
    return msgspec.convert(row, User, from_attributes=True)


def to_key(row: ApiKeyModel) -> ApiKey:
    return msgspec.convert(row, ApiKey, from_attributes=True)


def to_thread(row: ThreadModel) -> Thread:
    return msgspec.convert(row, Thread, from_attributes=True)


def to_message(row: MessageModel) -> Message:
    return msgspec.convert(row, Message, from_attributes=True)


def to_run(row: RunModel) -> Run:
    usage = None
    if row.input_tokens is not None or row.output_tokens is not None:
        usage = Usage(input_tokens=row.input_tokens or 0, output_tokens=row.output_tokens or 0)
    return Run(
        id=row.id,
        thread_id=row.thread_id,
        user_id=row.user_id,
        message_id=row.message_id,
        status=RunStatus(row.status),
        created_at=row.created_at,
        started_at=row.started_at,
        finished_at=row.finished_at,
        error=row.error,
        provider=row.provider,
        model=row.model,
        usage=usage,
        last_seq=row.last_seq,
        idempotency_key=row.idempotency_key,
        request_hash=row.request_hash,
        events_pruned_at=row.events_pruned_at,
    )


def event_row(event: StoredEvent, now: datetime) -> dict[str, Any]:
    """The `run_events` row of an event."""
    return {
        "run_id": event.run_id,
        "seq": event.seq,
        "type": event.type,
        "data": encode_event(event.event).decode(),
        "created_at": now,
    }


def stored_event(run_id: UUID, seq: int, data: str) -> StoredEvent:
    return StoredEvent(run_id=run_id, seq=seq, event=decode_event(data))


def message_row(message: Message) -> MessageModel:
    return MessageModel(
        id=message.id,
        thread_id=message.thread_id,
        run_id=message.run_id,
        role=message.role.value,
        content=message.content,
        created_at=message.created_at,
    )


async def page_newest_first(
    session: AsyncSession, model: Any, where: ColumnElement[bool], cursor: UUID | None, limit: int, convert: Any
) -> Page[Any]:
    """Newest first by id (UUIDv7 is time-ordered); the cursor is the last id of the previous page."""
    query = select(model).where(where)
    if cursor is not None:
        query = query.where(model.id < cursor)
    rows = list((await session.scalars(query.order_by(model.id.desc()).limit(limit + 1))).all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(items=[convert(r) for r in rows], next_cursor=rows[-1].id if more else None)


class SqlUserRepository:
    """UserRepository on Advanced Alchemy."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._users = _UserRows(session=session)
        self._keys = _ApiKeyRows(session=session)

    async def add(self, user: User, key: ApiKey) -> None:
        try:
            await self._users.add(UserModel(**msgspec.structs.asdict(user)))
        except (RepositoryIntegrityError, IntegrityError):
            await self._session.rollback()
            raise UserNameTakenError(f"the name {user.name!r} is taken; choose another") from None
        await self._keys.add(ApiKeyModel(**msgspec.structs.asdict(key)))

    async def get_by_key_hash(self, key_hash: str) -> tuple[User, ApiKey] | None:
        row = (
            await self._session.execute(
                select(UserModel, ApiKeyModel)
                .join(ApiKeyModel, ApiKeyModel.user_id == UserModel.id)
                .where(ApiKeyModel.key_hash == key_hash, ApiKeyModel.revoked_at.is_(None))
            )
        ).first()
        return None if row is None else (to_user(row[0]), to_key(row[1]))

    async def get_key(self, key_id: UUID) -> ApiKey | None:
        row = await self._keys.get_one_or_none(id=key_id)
        return None if row is None else to_key(row)

    async def get(self, user_id: UUID) -> User | None:
        row = await self._users.get_one_or_none(id=user_id)
        return None if row is None else to_user(row)

    async def lock(self, user_id: UUID) -> User | None:
        # PostgreSQL: a row lock; SQLite has no FOR UPDATE, but its writers already hold the database's write lock.
        row = await self._session.scalar(select(UserModel).where(UserModel.id == user_id).with_for_update())
        return None if row is None else to_user(row)

    async def add_key(self, key: ApiKey) -> None:
        await self._keys.add(ApiKeyModel(**msgspec.structs.asdict(key)))

    async def count_active_keys(self, user_id: UUID) -> int:
        return await self._keys.count(ApiKeyModel.user_id == user_id, ApiKeyModel.revoked_at.is_(None))

    async def revoke_key(self, key_id: UUID, now: datetime) -> None:
        await self._session.execute(
            update(ApiKeyModel).where(ApiKeyModel.id == key_id, ApiKeyModel.revoked_at.is_(None)).values(revoked_at=now)
        )

    async def list_keys(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[ApiKey]:
        owned = ApiKeyModel.user_id == user_id
        return await page_newest_first(self._session, ApiKeyModel, owned, cursor, limit, to_key)

    async def key_ids(self, user_id: UUID) -> list[UUID]:
        return list((await self._session.scalars(select(ApiKeyModel.id).where(ApiKeyModel.user_id == user_id))).all())

    async def list_users(self, cursor: UUID | None, limit: int) -> Page[User]:
        return await page_newest_first(self._session, UserModel, true(), cursor, limit, to_user)

    async def delete(self, user_id: UUID) -> bool:
        # ON DELETE CASCADE removes keys, threads, messages, runs and events in the same statement.
        result = await self._session.execute(delete(UserModel).where(UserModel.id == user_id))
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlThreadRepository:
    """ThreadRepository on Advanced Alchemy."""

    def __init__(self, session: AsyncSession) -> None:
        self._session = session
        self._rows = _ThreadRows(session=session)

    async def add(self, thread: Thread) -> None:
        await self._rows.add(ThreadModel(**msgspec.structs.asdict(thread)))

    async def get_owned(self, thread_id: UUID, user_id: UUID) -> Thread | None:
        row = await self._rows.get_one_or_none(id=thread_id, user_id=user_id)
        return None if row is None else to_thread(row)

    async def list_owned(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[Thread]:
        owned = ThreadModel.user_id == user_id
        return await page_newest_first(self._session, ThreadModel, owned, cursor, limit, to_thread)

    async def delete_owned(self, thread_id: UUID, user_id: UUID) -> bool:
        # ON DELETE CASCADE removes messages, runs and their events in the same statement.
        result = await self._session.execute(
            delete(ThreadModel).where(ThreadModel.id == thread_id, ThreadModel.user_id == user_id)
        )
        return bool(result.rowcount)  # type: ignore[attr-defined]


class SqlMessageRepository:
    """MessageRepository on Advanced Alchemy."""

    def __init__(self, session: AsyncSession) -> None:
        self._rows = _MessageRows(session=session)

    async def list_for_thread(self, thread_id: UUID) -> list[Message]:
        rows = await self._rows.get_many(MessageModel.thread_id == thread_id, order_by=[MessageModel.id.asc()])
        return [to_message(r) for r in rows]

    async def recent(self, thread_id: UUID, limit: int, before: datetime | None = None) -> list[Message]:
        filters: list[Any] = [MessageModel.thread_id == thread_id]
        if before is not None:
            filters.append(MessageModel.created_at < before)
        rows = await self._rows.get_many(*filters, order_by=[MessageModel.id.desc()])
        return [to_message(r) for r in reversed(rows[:limit])]


# PostgreSQL's post, one statement: the run is inserted only from its user's thread, and ON CONFLICT DO NOTHING
# (no target: every unique index is an arbiter) stores nothing when the thread already has an active run (the partial
# index uq_runs_one_active_per_thread) or the user already used the Idempotency-Key (uq_runs_user_id_idempotency_key),
# also when the conflicting run is being inserted by a concurrent post: the statement waits for that one to end. The
# message and the first event are inserted from the run's RETURNING, so they exist exactly when the run does.
def _pg_add_queued(announce: bool) -> TextClause:
    """PostgreSQL's post, one statement: the run (only from its user's thread, ON CONFLICT DO NOTHING against the
    one-active-run index and the Idempotency-Key index), its message and its first event, all or nothing; with
    `announce`, the NOTIFY that wakes the other workers' executors (SIGNALS_CHANNEL, delivered with the commit)."""
    notify = ", pg_notify(:channel, 'queued ' || id::text || ' ' || :origin)" if announce else ""
    return text(
        f"""
WITH run AS (
    INSERT INTO runs (id, thread_id, user_id, message_id, status, created_at, last_seq, idempotency_key, request_hash)
    SELECT :run_id, threads.id, :user_id, :message_id, :status, :created_at, :last_seq, :idempotency_key,
           :request_hash
    FROM threads
    WHERE threads.id = :thread_id AND threads.user_id = :user_id
    ON CONFLICT DO NOTHING
    RETURNING id, thread_id
), message AS (
    INSERT INTO messages (id, thread_id, run_id, role, content, created_at)
    SELECT :message_id, run.thread_id, run.id, :role, :content, :message_at FROM run
), first_event AS (
    INSERT INTO run_events (run_id, seq, type, data, created_at)
    SELECT run.id, :seq, :type, :data, :created_at FROM run
)
SELECT id{notify} FROM run
"""
    )


_PG_ADD_QUEUED = {announce: _pg_add_queued(announce) for announce in (False, True)}


class SqlRunRepository:
    """RunRepository on Advanced Alchemy, in the request's session.

    With `autocommit` (PostgreSQL: the writer engine in autocommit), `add_queued` is one statement of its own, one
    round trip where the session's transaction took six (BEGIN, the thread check, three INSERTs, COMMIT); with
    `announce_origin` (the event bus's origin) that statement also announces the run to the other workers.
    """

    def __init__(
        self, session: AsyncSession, autocommit: AsyncEngine | None = None, *, announce_origin: str | None = None
    ) -> None:
        self._session = session
        self._rows = _RunRows(session=session)
        self._autocommit = autocommit
        self._announce_origin = announce_origin

    @property
    def announces(self) -> bool:
        """Whether `add_queued` itself tells the other workers about the run (so the caller only wakes its own)."""
        return self._autocommit is not None and self._announce_origin is not None

    async def add_queued(self, message: Message, run: Run, first_event: StoredEvent) -> bool:
        if self._autocommit is not None:
            return await self._add_queued_in_one_statement(message, run, first_event)
        owned = await self._session.scalar(
            select(ThreadModel.id).where(ThreadModel.id == run.thread_id, ThreadModel.user_id == run.user_id)
        )
        if owned is None:
            return False
        values = msgspec.structs.asdict(run)
        values.pop("usage")
        values["status"] = run.status.value
        try:
            # A savepoint: a refused post leaves nothing behind, and the caller's transaction stays usable.
            async with self._session.begin_nested():
                self._session.add(message_row(message))
                self._session.add(RunModel(**values))
                await self._session.flush()
                await self._session.execute(insert(RunEventModel), [event_row(first_event, run.created_at)])
        except IntegrityError:
            return False  # the thread has an active run, or the user already used the key
        return True

    async def _add_queued_in_one_statement(self, message: Message, run: Run, first_event: StoredEvent) -> bool:
        assert self._autocommit is not None
        event = event_row(first_event, run.created_at)
        params = {
            "run_id": run.id,
            "thread_id": run.thread_id,
            "user_id": run.user_id,
            "message_id": message.id,
            "status": run.status.value,
            "created_at": run.created_at,
            "last_seq": run.last_seq,
            "idempotency_key": run.idempotency_key,
            "request_hash": run.request_hash,
            "role": message.role.value,
            "content": message.content,
            "message_at": message.created_at,
            "seq": event["seq"],
            "type": event["type"],
            "data": event["data"],
        }
        if self._announce_origin is not None:
            params |= {"channel": SIGNALS_CHANNEL, "origin": self._announce_origin}
        try:
            async with self._autocommit.connect() as conn:
                statement = _PG_ADD_QUEUED[self._announce_origin is not None]
                return (await conn.execute(statement, params)).first() is not None
        except IntegrityError:
            # Only a foreign key can fail now: the thread was deleted while the run was being inserted.
            return False

    async def get_owned(self, run_id: UUID, user_id: UUID) -> Run | None:
        row = await self._rows.get_one_or_none(id=run_id, user_id=user_id)
        return None if row is None else to_run(row)

    async def get(self, run_id: UUID) -> Run | None:
        row = await self._rows.get_one_or_none(id=run_id)
        return None if row is None else to_run(row)

    async def find_by_idempotency_key(self, user_id: UUID, key: str) -> Run | None:
        row = await self._rows.get_one_or_none(user_id=user_id, idempotency_key=key)
        return None if row is None else to_run(row)

    async def list_for_thread(self, thread_id: UUID, cursor: UUID | None, limit: int) -> Page[Run]:
        return await page_newest_first(self._session, RunModel, RunModel.thread_id == thread_id, cursor, limit, to_run)

    async def active_for_thread(self, thread_id: UUID) -> Run | None:
        row = await self._rows.get_one_or_none(RunModel.thread_id == thread_id, RunModel.status.in_(_ACTIVE))
        return None if row is None else to_run(row)

    async def queued_ahead(self, run: Run) -> int:
        earlier = or_(
            RunModel.created_at < run.created_at, and_(RunModel.created_at == run.created_at, RunModel.id < run.id)
        )
        return await self._rows.count(RunModel.status == RunStatus.QUEUED.value, earlier)

    async def active_for_user(self, user_id: UUID) -> list[Run]:
        rows = await self._rows.get_many(RunModel.user_id == user_id, RunModel.status.in_(_ACTIVE))
        return [to_run(r) for r in rows]


def run_update(run_id: UUID, *conditions: ColumnElement[bool]) -> Any:
    """An UPDATE of one run guarded by conditions (the claim, the fence, the queued check)."""
    return update(RunModel).where(and_(RunModel.id == run_id, *conditions))


__all__: Sequence[str] = (
    "SqlMessageRepository",
    "SqlRunRepository",
    "SqlThreadRepository",
    "SqlUserRepository",
)
