"""Threads, their messages, and their runs."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Request, Response, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter, JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_202_ACCEPTED
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.messages import PostMessage, PostMessageInput
from cvchat.application.runs import ListRuns
from cvchat.application.threads import (
    CreateThread,
    CreateThreadInput,
    DeleteThread,
    GetThread,
    ListThreads,
)
from cvchat.application.users import IssueStreamToken, Principal
from cvchat.domain.errors import NotFoundError
from cvchat.infrastructure.db.repositories import SqlRunRepository
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.web.auth import BEARER_ONLY, provide_principal
from cvchat.infrastructure.web.deps import (
    provide_create_thread,
    provide_delete_thread,
    provide_event_bus,
    provide_get_thread,
    provide_issue_stream_token,
    provide_list_runs,
    provide_list_threads,
    provide_messages_repo,
    provide_post_message,
    provide_runs_repo,
    provide_runtime,
    provide_threads_repo,
)
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.limits import Limits
from cvchat.infrastructure.web.schemas import (
    MessageAccepted,
    MessageCreate,
    MessageRead,
    RunPage,
    RunRead,
    ThreadCreate,
    ThreadDetail,
    ThreadPage,
    ThreadRead,
)

ThreadId = Annotated[UUID, PathParameter(title="Thread id", description="The id of one of your threads.")]
Cursor = Annotated[
    UUID | None, QueryParameter(description="`next_cursor` of the previous page; omit for the first page.")
]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size.")]
IdempotencyKey = Annotated[
    str | None,
    HeaderParameter(
        name="Idempotency-Key",
        min_length=1,
        max_length=200,
        description="Retry-safe posting: the same key with the same body returns the same run, never a second one.",
    ),
]


def stream_url(run_id: UUID, token: str) -> str:
    return f"/api/runs/{run_id}/events?token={token}"


class ThreadController(Controller):
    path = "/api/threads"
    tags = ["Threads"]
    security = BEARER_ONLY
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "principal": Provide(provide_principal),
        "event_bus": Provide(provide_event_bus, sync_to_thread=False),
        "threads_repo": Provide(provide_threads_repo),
        "messages_repo": Provide(provide_messages_repo),
        "runs_repo": Provide(provide_runs_repo),
        "create_thread": Provide(provide_create_thread, sync_to_thread=False),
        "list_threads": Provide(provide_list_threads, sync_to_thread=False),
        "get_thread": Provide(provide_get_thread, sync_to_thread=False),
        "delete_thread": Provide(provide_delete_thread, sync_to_thread=False),
        "post_message": Provide(provide_post_message, sync_to_thread=False),
        "list_runs": Provide(provide_list_runs, sync_to_thread=False),
        "issue_stream_token": Provide(provide_issue_stream_token, sync_to_thread=False),
    }

    @post(operation_id="CreateThread", summary="Start a thread", responses=problem_responses(401, 404))
    async def create(
        self,
        data: JSONBody[ThreadCreate],
        principal: NamedDependency[Principal],
        create_thread: NamedDependency[CreateThread],
    ) -> ThreadRead:
        """Start a thread for the caller. A `user_id` in the body is accepted only if it is the caller's."""
        if data.user_id is not None and data.user_id != principal.user.id:
            raise NotFoundError(f"user {data.user_id} not found")
        thread = await create_thread(CreateThreadInput(user_id=principal.user.id, title=data.title))
        return ThreadRead.from_domain(thread)

    @get(operation_id="ListThreads", summary="List your threads", responses=problem_responses(401))
    async def list_all(
        self,
        principal: NamedDependency[Principal],
        list_threads: NamedDependency[ListThreads],
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ThreadPage:
        """Your threads, newest first."""
        return ThreadPage.from_domain(await list_threads(principal.user.id, cursor, limit))

    @get(
        "/{thread_id:uuid}",
        operation_id="GetThread",
        summary="A thread with its messages",
        responses=problem_responses(401, 404),
    )
    async def get_one(
        self, thread_id: ThreadId, principal: NamedDependency[Principal], get_thread: NamedDependency[GetThread]
    ) -> ThreadDetail:
        """One of your threads with its messages, oldest first."""
        found = await get_thread(thread_id, principal.user.id)
        t = found.thread
        return ThreadDetail(
            thread_id=t.id,
            user_id=t.user_id,
            title=t.title,
            created_at=t.created_at,
            messages=[MessageRead.from_domain(m) for m in found.messages],
        )

    @delete(
        "/{thread_id:uuid}",
        operation_id="DeleteThread",
        summary="Delete a thread",
        responses=problem_responses(401, 404),
    )
    async def remove(
        self,
        thread_id: ThreadId,
        principal: NamedDependency[Principal],
        delete_thread: NamedDependency[DeleteThread],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
    ) -> None:
        """Delete the thread with its messages, runs and events; an active run is stopped."""
        active_run = await delete_thread(thread_id, principal.user.id)
        await db_session.commit()
        if active_run is not None:
            await event_bus.request_cancel(active_run)

    @post(
        "/{thread_id:uuid}/messages",
        operation_id="PostMessage",
        summary="Ask a question",
        status_code=HTTP_202_ACCEPTED,
        responses=problem_responses(401, 404, 409, 422),
    )
    async def post_message(
        self,
        thread_id: ThreadId,
        data: JSONBody[MessageCreate],
        principal: NamedDependency[Principal],
        post_message: NamedDependency[PostMessage],
        issue_stream_token: NamedDependency[IssueStreamToken],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
        runs_repo: NamedDependency[SqlRunRepository],
        request: Request,
        limits: NamedDependency[Limits],
        idempotency_key: IdempotencyKey = None,
    ) -> Response[MessageAccepted]:
        """Store the message and queue a run to answer it (202). Follow `stream_url` for its events.

        409 while the thread already has a queued or running run; 422 when an Idempotency-Key is reused for a
        different message.
        """
        await limits.check_runs(principal.key.id, request)  # 429 before anything is written
        result = await post_message(
            PostMessageInput(
                user_id=principal.user.id, thread_id=thread_id, content=data.content, idempotency_key=idempotency_key
            )
        )
        run = result.run
        # Commit before announcing: the executor must find the queued run when it looks. (On PostgreSQL the post was
        # one autocommit statement, already committed, that also announced the run to the other workers; the session
        # has nothing left to commit, and only this worker's executor is left to wake.)
        await db_session.commit()
        if not result.replayed:
            if runs_repo.announces:
                event_bus.signal_queued(run.id)
            else:
                await event_bus.announce_queued(run.id)
        body = MessageAccepted(
            run_id=run.id,
            message_id=run.message_id,
            thread_id=run.thread_id,
            status=run.status,
            stream_url=stream_url(run.id, issue_stream_token(principal.key, run.id)),
        )
        headers = {"Idempotent-Replayed": "true"} if result.replayed else {}
        return Response(body, status_code=HTTP_202_ACCEPTED, headers=headers)

    @get(
        "/{thread_id:uuid}/runs",
        operation_id="ListRuns",
        summary="A thread's runs",
        responses=problem_responses(401, 404),
    )
    async def list_runs(
        self,
        thread_id: ThreadId,
        principal: NamedDependency[Principal],
        list_runs: NamedDependency[ListRuns],
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> RunPage:
        """The thread's runs, newest first."""
        page = await list_runs(thread_id, principal.user.id, cursor, limit)
        return RunPage(items=[RunRead.from_domain(r) for r in page.items], next_cursor=page.next_cursor)
