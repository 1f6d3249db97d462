"""Dependency providers: repositories on the request's session, use cases, and the process runtime."""

from __future__ import annotations

from litestar.datastructures import State
from litestar.di import NamedDependency
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.common import SystemClock
from cvchat.application.executor import RunExecutor
from cvchat.application.messages import PostMessage
from cvchat.application.retention import PruneRunEvents
from cvchat.application.runs import CancelRun, GetRun, ListRuns, ReadRunEvents, StreamRunEvents
from cvchat.application.threads import CreateThread, DeleteThread, GetThread, ListThreads
from cvchat.application.users import (
    CreateApiKey,
    CreateUser,
    DeleteUser,
    IssueStreamToken,
    ListApiKeys,
    ListUsers,
    RevokeApiKey,
)
from cvchat.infrastructure.db.repositories import (
    SqlMessageRepository,
    SqlRunRepository,
    SqlThreadRepository,
    SqlUserRepository,
)
from cvchat.infrastructure.db.retention import SqlEventRetention
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.settings import Settings

_clock = SystemClock()


def provide_runtime(state: State) -> Runtime:
    return state.runtime  # type: ignore[no-any-return]


def provide_settings(runtime: NamedDependency[Runtime]) -> Settings:
    return runtime.settings


def provide_event_bus(runtime: NamedDependency[Runtime]) -> InProcessEventBus:
    return runtime.bus


def provide_run_executor(runtime: NamedDependency[Runtime]) -> RunExecutor:
    return runtime.executor


async def provide_users_repo(db_session: NamedDependency[AsyncSession]) -> SqlUserRepository:
    return SqlUserRepository(db_session)


async def provide_threads_repo(db_session: NamedDependency[AsyncSession]) -> SqlThreadRepository:
    return SqlThreadRepository(db_session)


async def provide_messages_repo(db_session: NamedDependency[AsyncSession]) -> SqlMessageRepository:
    return SqlMessageRepository(db_session)


async def provide_runs_repo(
    db_session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
) -> SqlRunRepository:
    return SqlRunRepository(db_session, runtime.statement_engine, announce_origin=runtime.origin)


def provide_create_user(users_repo: NamedDependency[SqlUserRepository]) -> CreateUser:
    return CreateUser(users_repo, _clock)


def provide_create_api_key(users_repo: NamedDependency[SqlUserRepository]) -> CreateApiKey:
    return CreateApiKey(users_repo, _clock)


def provide_list_api_keys(users_repo: NamedDependency[SqlUserRepository]) -> ListApiKeys:
    return ListApiKeys(users_repo)


def provide_revoke_api_key(users_repo: NamedDependency[SqlUserRepository]) -> RevokeApiKey:
    return RevokeApiKey(users_repo, _clock)


def provide_list_users(users_repo: NamedDependency[SqlUserRepository]) -> ListUsers:
    return ListUsers(users_repo)


def provide_delete_user(
    users_repo: NamedDependency[SqlUserRepository], runs_repo: NamedDependency[SqlRunRepository]
) -> DeleteUser:
    return DeleteUser(users_repo, runs_repo)


def provide_prune_run_events(runtime: NamedDependency[Runtime]) -> PruneRunEvents:
    return PruneRunEvents(SqlEventRetention(runtime.write_sessions), _clock)


def provide_create_thread(threads_repo: NamedDependency[SqlThreadRepository]) -> CreateThread:
    return CreateThread(threads_repo, _clock)


def provide_list_threads(threads_repo: NamedDependency[SqlThreadRepository]) -> ListThreads:
    return ListThreads(threads_repo)


def provide_get_thread(
    threads_repo: NamedDependency[SqlThreadRepository], messages_repo: NamedDependency[SqlMessageRepository]
) -> GetThread:
    return GetThread(threads_repo, messages_repo)


def provide_delete_thread(
    threads_repo: NamedDependency[SqlThreadRepository], runs_repo: NamedDependency[SqlRunRepository]
) -> DeleteThread:
    return DeleteThread(threads_repo, runs_repo)


def provide_post_message(
    threads_repo: NamedDependency[SqlThreadRepository], runs_repo: NamedDependency[SqlRunRepository]
) -> PostMessage:
    return PostMessage(threads_repo, runs_repo, _clock)


def provide_get_run(runs_repo: NamedDependency[SqlRunRepository]) -> GetRun:
    return GetRun(runs_repo)


def provide_list_runs(
    threads_repo: NamedDependency[SqlThreadRepository], runs_repo: NamedDependency[SqlRunRepository]
) -> ListRuns:
    return ListRuns(threads_repo, runs_repo)


def provide_cancel_run(runtime: NamedDependency[Runtime]) -> CancelRun:
    return CancelRun(runtime.store, runtime.event_log, runtime.bus, _clock, runtime.settings.cancel_wait_s)


def provide_read_run_events(
    runs_repo: NamedDependency[SqlRunRepository], runtime: NamedDependency[Runtime]
) -> ReadRunEvents:
    return ReadRunEvents(runs_repo, runtime.event_log)


def provide_stream_run_events(runtime: NamedDependency[Runtime]) -> StreamRunEvents:
    return StreamRunEvents(
        runtime.event_log,
        runtime.bus,
        runtime.settings.sse_heartbeat_s,
        runtime.settings.sse_max_stream_s,
        checks=runtime.run_checks,
    )


def provide_issue_stream_token(runtime: NamedDependency[Runtime]) -> IssueStreamToken:
    return IssueStreamToken(_clock, runtime.settings.stream_token_ttl_s)
