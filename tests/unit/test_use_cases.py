"""The application's use cases without HTTP: real SQLite repositories, the in-process bus, the real executor."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.common import SystemClock, new_id
from cvchat.application.messages import PostMessage, PostMessageInput
from cvchat.application.runs import HEARTBEAT, CancelRun, StreamRunEvents
from cvchat.application.threads import CreateThread, CreateThreadInput
from cvchat.application.users import (
    Authenticate,
    CreateUser,
    CreateUserInput,
    IssueStreamToken,
    VerifyStreamToken,
)
from cvchat.domain.entities import RunStatus
from cvchat.domain.errors import (
    IdempotencyKeyReusedError,
    InvalidPositionError,
    NotFoundError,
    ThreadBusyError,
    UnauthorizedError,
    UserNameTakenError,
)
from cvchat.domain.events import StoredEvent, Token
from cvchat.infrastructure.db.config import build_alchemy_config
from cvchat.infrastructure.db.repositories import SqlRunRepository, SqlThreadRepository, SqlUserRepository
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.settings import Settings

pytestmark = pytest.mark.anyio
clock = SystemClock()


@pytest.fixture
async def runtime(sqlite_template: Path, tmp_path: Path) -> AsyncIterator[Runtime]:
    """The runtime (engines, store, bus, executor) on a migrated SQLite file, without any web layer."""
    path = tmp_path / "unit.db"
    path.write_bytes(sqlite_template.read_bytes())
    settings = Settings(
        database_url=f"sqlite+aiosqlite:///{path}",
        llm_provider="fake",
        fake_llm_tokens=50,
        fake_llm_delay_ms=10,
        event_flush_ms=5,
        shutdown_grace_s=0.2,
        sse_heartbeat_s=0.1,
        sse_subscriber_buffer=1,
    )
    runtime = Runtime(settings, build_alchemy_config(settings))
    await runtime.start()
    yield runtime
    await runtime.stop()
    await runtime.writer_engine.dispose()


async def _in_tx(runtime: Runtime, work: Any) -> Any:
    async with runtime.write_sessions() as session, session.begin():
        return await work(session)


async def _alice_and_thread(runtime: Runtime) -> tuple[Any, Any]:
    async def setup(session: AsyncSession) -> tuple[Any, Any]:
        created = await CreateUser(SqlUserRepository(session), clock)(CreateUserInput(name="alice"))
        thread = await CreateThread(SqlThreadRepository(session), clock)(CreateThreadInput(user_id=created.user.id))
        return created, thread

    return await _in_tx(runtime, setup)


async def _post(runtime: Runtime, cmd: PostMessageInput) -> Any:
    async def work(session: AsyncSession) -> Any:
        return await PostMessage(SqlThreadRepository(session), SqlRunRepository(session), clock)(cmd)

    return await _in_tx(runtime, work)


async def test_create_user_stores_only_the_keys_hash_and_refuses_a_taken_name(runtime: Runtime) -> None:
    created, _ = await _alice_and_thread(runtime)
    async with runtime.read_sessions() as session:
        principal = await Authenticate(SqlUserRepository(session))(created.api_key)
        assert principal.user.id == created.user.id
        assert created.api_key not in principal.key.key_hash
        with pytest.raises(UnauthorizedError):
            await Authenticate(SqlUserRepository(session))(created.api_key + "x")
    with pytest.raises(UserNameTakenError):
        await _in_tx(runtime, lambda s: CreateUser(SqlUserRepository(s), clock)(CreateUserInput(name="alice")))


async def test_post_message_queues_one_run_honours_idempotency_and_refuses_a_busy_thread(runtime: Runtime) -> None:
    created, thread = await _alice_and_thread(runtime)
    cmd = PostMessageInput(user_id=created.user.id, thread_id=thread.id, content="Who knows Rust?", idempotency_key="k")
    first = await _post(runtime, cmd)
    again = await _post(runtime, cmd)
    assert (again.run.id, again.replayed, first.replayed) == (first.run.id, True, False)
    with pytest.raises(IdempotencyKeyReusedError):
        await _post(runtime, msgspec.structs.replace(cmd, content="Other?"))
    with pytest.raises(ThreadBusyError):
        await _post(runtime, PostMessageInput(user_id=created.user.id, thread_id=thread.id, content="And Go?"))
    with pytest.raises(NotFoundError):
        await _post(runtime, PostMessageInput(user_id=thread.id, thread_id=thread.id, content="not mine"))
    events = await runtime.event_log.read_after(first.run.id, 0, 1)
    assert events[0].seq == 1 and events[0].event.status is RunStatus.QUEUED  # type: ignore[union-attr]


async def test_cancel_and_replay_without_http(runtime: Runtime) -> None:
    created, thread = await _alice_and_thread(runtime)
    posted = await _post(runtime, PostMessageInput(user_id=created.user.id, thread_id=thread.id, content="Rust?"))
    await runtime.bus.announce_queued(posted.run.id)
    stream = StreamRunEvents(runtime.event_log, runtime.bus, heartbeat_s=0.1, max_stream_s=10)
    seen: list[StoredEvent] = []
    async for item in stream(posted.run.id, 0):
        if item is not HEARTBEAT:
            seen.extend(item)  # type: ignore[arg-type]
        if len([e for e in seen if isinstance(e.event, Token)]) == 3:
            break
    cancel = CancelRun(runtime.store, runtime.event_log, runtime.bus, clock, wait_s=5)
    with pytest.raises(NotFoundError):
        await cancel(posted.run.id, thread.id)  # someone else
    run = await cancel(posted.run.id, created.user.id)
    assert run.status is RunStatus.CANCELED
    replay = [e async for batch in stream(posted.run.id, 2) if batch is not HEARTBEAT for e in batch]  # type: ignore[union-attr]
    assert [e.seq for e in replay] == list(range(3, run.last_seq + 1))  # type: ignore[union-attr]
    assert replay[-1].is_terminal  # type: ignore[union-attr]
    assert not stream.check_position(run, run.last_seq)
    with pytest.raises(InvalidPositionError):
        stream.check_position(run, run.last_seq + 1)


async def test_a_subscriber_that_falls_behind_catches_up_from_the_log(runtime: Runtime) -> None:
    created, thread = await _alice_and_thread(runtime)
    posted = await _post(runtime, PostMessageInput(user_id=created.user.id, thread_id=thread.id, content="Rust?"))
    stream = StreamRunEvents(runtime.event_log, runtime.bus, heartbeat_s=0.1, max_stream_s=10)
    iterator = stream(posted.run.id, 0)
    first = await anext(iterator)  # subscribed (buffer of one batch), then stops reading
    await runtime.bus.announce_queued(posted.run.id)
    async with asyncio.timeout(10):
        while (await runtime.event_log.get_run(posted.run.id)).status is not RunStatus.DONE:  # type: ignore[union-attr]
            await asyncio.sleep(0.02)
    rest = [e async for batch in iterator if batch is not HEARTBEAT for e in batch]  # type: ignore[union-attr]
    seqs = [e.seq for e in [*first, *rest]]  # type: ignore[union-attr]
    assert seqs == list(range(1, seqs[-1] + 1))
    assert rest[-1].is_terminal


async def test_batches_that_wait_for_a_busy_stream_go_out_as_one(runtime: Runtime) -> None:
    bus = InProcessEventBus(subscriber_capacity=8)
    stream = StreamRunEvents(runtime.event_log, bus, heartbeat_s=10, max_stream_s=10)
    run_id = new_id()
    events = [StoredEvent(run_id=run_id, seq=i, event=Token(text=f"t{i}")) for i in range(1, 8)]
    iterator = stream(run_id, 0)
    first = asyncio.ensure_future(anext(iterator))
    await asyncio.sleep(0.05)  # subscribed, and waiting on the bus (the run has nothing stored)
    await bus.publish(events[:2])
    assert [e.seq for e in await first] == [1, 2]  # type: ignore[union-attr]
    # Three batches arrive while the stream is busy elsewhere (not reading): one write carries them.
    for batch in (events[2:3], events[3:5], events[5:6]):
        await bus.publish(batch)
    assert [e.seq for e in await anext(iterator)] == [3, 4, 5, 6]  # type: ignore[union-attr]
    # A repeat is skipped; what continues the log still goes out.
    await bus.publish(events[4:7])
    assert [e.seq for e in await anext(iterator)] == [7]  # type: ignore[union-attr]
    await iterator.aclose()


async def test_a_stream_token_speaks_for_one_run_and_one_user(runtime: Runtime) -> None:
    created, thread = await _alice_and_thread(runtime)
    async with runtime.read_sessions() as session:
        principal = await Authenticate(SqlUserRepository(session))(created.api_key)
        token = IssueStreamToken(clock, ttl_s=60)(principal.key, thread.id)
        verify = VerifyStreamToken(SqlUserRepository(session), clock)
        assert (await verify(token, thread.id)).user_id == created.user.id
        with pytest.raises(UnauthorizedError):
            await verify(token, created.user.id)
        with pytest.raises(UnauthorizedError):
            await verify(IssueStreamToken(clock, ttl_s=-5)(principal.key, thread.id), thread.id)
