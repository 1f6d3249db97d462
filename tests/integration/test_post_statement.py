"""On PostgreSQL, posting a message is one autocommit statement that checks every rule itself: the thread's owner,
one active run per thread and the Idempotency-Key. A refused post leaves nothing behind, also under a race."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from sqlalchemy import event, func, select

from cvchat.application.common import SystemClock
from cvchat.application.messages import PostMessage, PostMessageInput, PostMessageResult
from cvchat.application.threads import CreateThread, CreateThreadInput
from cvchat.application.users import CreateUser, CreateUserInput
from cvchat.domain.entities import RunStatus
from cvchat.domain.errors import IdempotencyKeyReusedError, NotFoundError, ThreadBusyError
from cvchat.infrastructure.db.config import build_alchemy_config
from cvchat.infrastructure.db.models import MessageModel, RunEventModel, RunModel
from cvchat.infrastructure.db.repositories import SqlRunRepository, SqlThreadRepository, SqlUserRepository
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.settings import Settings

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]
clock = SystemClock()


@pytest.fixture
async def runtime(fresh_postgres_url: str) -> AsyncIterator[Runtime]:
    """Engines only: no executor claims the queued runs."""
    settings = Settings(database_url=fresh_postgres_url, llm_provider="fake")
    runtime = Runtime(settings, build_alchemy_config(settings))
    yield runtime
    await runtime.writer_engine.dispose()


async def _post(runtime: Runtime, cmd: PostMessageInput) -> PostMessageResult:
    """As the request does: the use case on the request's session, then the session's commit."""
    async with runtime.write_sessions() as session:
        posted = await PostMessage(
            SqlThreadRepository(session), SqlRunRepository(session, runtime.statement_engine), clock
        )(cmd)
        await session.commit()
        return posted


async def _rows(runtime: Runtime) -> tuple[int, int, int]:
    async with runtime.write_sessions() as session:
        return (
            int(await session.scalar(select(func.count()).select_from(MessageModel)) or 0),
            int(await session.scalar(select(func.count()).select_from(RunModel)) or 0),
            int(await session.scalar(select(func.count()).select_from(RunEventModel)) or 0),
        )


async def _alice_thread(runtime: Runtime) -> tuple[Any, Any]:
    async with runtime.write_sessions() as session, session.begin():
        created = await CreateUser(SqlUserRepository(session), clock)(CreateUserInput(name="alice"))
    return created.user, await _thread(runtime, created.user.id)


async def _thread(runtime: Runtime, user_id: Any) -> Any:
    async with runtime.write_sessions() as session, session.begin():
        return await CreateThread(SqlThreadRepository(session), clock)(CreateThreadInput(user_id=user_id))


async def test_a_post_is_one_statement_and_a_refused_one_leaves_nothing(runtime: Runtime) -> None:
    alice, thread = await _alice_thread(runtime)
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        statements.append(statement)

    event.listen(runtime.writer_engine.sync_engine, "before_cursor_execute", record)
    cmd = PostMessageInput(user_id=alice.id, thread_id=thread.id, content="Who knows Rust?", idempotency_key="k")
    first = await _post(runtime, cmd)
    event.remove(runtime.writer_engine.sync_engine, "before_cursor_execute", record)
    assert len(statements) == 1 and statements[0].lstrip().startswith("WITH run AS")
    assert await _rows(runtime) == (1, 1, 1)
    queued = await runtime.event_log.read_after(first.run.id, 0)
    assert [e.seq for e in queued] == [1]
    assert queued[0].event.status is RunStatus.QUEUED  # type: ignore[union-attr]

    again = await _post(runtime, cmd)
    assert (again.run.id, again.run.message_id, again.replayed) == (first.run.id, first.run.message_id, True)
    with pytest.raises(IdempotencyKeyReusedError):
        await _post(runtime, msgspec.structs.replace(cmd, content="Who knows Go?"))
    with pytest.raises(ThreadBusyError):
        await _post(runtime, msgspec.structs.replace(cmd, idempotency_key=None))
    with pytest.raises(ThreadBusyError):
        await _post(runtime, msgspec.structs.replace(cmd, idempotency_key="new"))
    with pytest.raises(NotFoundError):
        await _post(runtime, msgspec.structs.replace(cmd, user_id=thread.id))  # not the owner
    assert await _rows(runtime) == (1, 1, 1)


async def test_concurrent_posts_store_one_run(runtime: Runtime) -> None:
    alice, thread = await _alice_thread(runtime)
    cmd = PostMessageInput(user_id=alice.id, thread_id=thread.id, content="Who knows Rust?")
    answers = await asyncio.gather(*(_post(runtime, cmd) for _ in range(8)), return_exceptions=True)
    assert sum(isinstance(a, PostMessageResult) for a in answers) == 1
    assert all(isinstance(a, (PostMessageResult, ThreadBusyError)) for a in answers), answers
    assert await _rows(runtime) == (1, 1, 1)

    other = await _thread(runtime, alice.id)
    keyed = msgspec.structs.replace(cmd, thread_id=other.id, idempotency_key="retry")
    replies = await asyncio.gather(*(_post(runtime, keyed) for _ in range(8)))
    assert len({r.run.id for r in replies}) == 1
    assert sorted(r.replayed for r in replies) == [False] + [True] * 7
    assert await _rows(runtime) == (2, 2, 2)
