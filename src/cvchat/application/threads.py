"""Use cases for threads: create, list, read with messages, delete."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from cvchat.application.common import new_id
from cvchat.domain.entities import Message, Page, Thread
from cvchat.domain.errors import NotFoundError
from cvchat.domain.ports import Clock, MessageRepository, RunRepository, ThreadRepository


class CreateThreadInput(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    title: Annotated[str, msgspec.Meta(max_length=200)] | None = None


class CreateThread:
    """Start an empty thread for a user. Titles are optional; clients name untitled threads."""

    def __init__(self, threads: ThreadRepository, clock: Clock) -> None:
        self._threads, self._clock = threads, clock

    async def __call__(self, cmd: CreateThreadInput) -> Thread:
        thread = Thread(id=new_id(), user_id=cmd.user_id, title=cmd.title, created_at=self._clock.now())
        await self._threads.add(thread)
        return thread


class ListThreads:
    """A user's threads, newest first, a page at a time."""

    def __init__(self, threads: ThreadRepository) -> None:
        self._threads = threads

    async def __call__(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[Thread]:
        return await self._threads.list_owned(user_id, cursor, limit)


class ThreadWithMessages(msgspec.Struct, frozen=True, kw_only=True):
    thread: Thread
    messages: list[Message]


class GetThread:
    """One of the user's threads with its messages, oldest first. Someone else's thread does not exist."""

    def __init__(self, threads: ThreadRepository, messages: MessageRepository) -> None:
        self._threads, self._messages = threads, messages

    async def __call__(self, thread_id: UUID, user_id: UUID) -> ThreadWithMessages:
        thread = await self._threads.get_owned(thread_id, user_id)
        if thread is None:
            raise NotFoundError(f"thread {thread_id} not found")
        return ThreadWithMessages(thread=thread, messages=await self._messages.list_for_thread(thread_id))


class DeleteThread:
    """Delete a thread with its messages, runs and events. An active run is told to stop first."""

    def __init__(self, threads: ThreadRepository, runs: RunRepository) -> None:
        self._threads, self._runs = threads, runs

    async def __call__(self, thread_id: UUID, user_id: UUID) -> UUID | None:
        """Returns the id of the run that was active, so the caller can signal it after the commit."""
        if await self._threads.get_owned(thread_id, user_id) is None:
            raise NotFoundError(f"thread {thread_id} not found")
        active = await self._runs.active_for_thread(thread_id)
        await self._threads.delete_owned(thread_id, user_id)
        return None if active is None else active.id
