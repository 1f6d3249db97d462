"""Use case: post a user message, which queues a run."""

from __future__ import annotations

from uuid import UUID

import msgspec

from cvchat.application.common import new_id, sha256_hex
from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.errors import DuplicateRequestError, IdempotencyKeyReusedError, NotFoundError
from cvchat.domain.events import StateChanged, StoredEvent
from cvchat.domain.ports import Clock, RunRepository, ThreadRepository


class PostMessageInput(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    thread_id: UUID
    content: str
    idempotency_key: str | None = None


class PostMessageResult(msgspec.Struct, frozen=True, kw_only=True):
    run: Run
    replayed: bool = False
    """True when an earlier request with the same Idempotency-Key already created this run."""


class PostMessage:
    """Store the user's message and a queued run for it, atomically.

    Rules:
    - only the thread's owner may post; someone else's thread does not exist;
    - a thread has at most one active (queued or running) run: another post answers "busy";
    - the run's log starts with `state: queued` at seq 1, written with the run;
    - the same Idempotency-Key with the same thread and content returns the run it created, never a second one;
      with another request it is refused.
    """

    def __init__(self, threads: ThreadRepository, runs: RunRepository, clock: Clock) -> None:
        self._threads, self._runs, self._clock = threads, runs, clock

    async def __call__(self, cmd: PostMessageInput) -> PostMessageResult:
        if await self._threads.get_owned(cmd.thread_id, cmd.user_id) is None:
            raise NotFoundError(f"thread {cmd.thread_id} not found")
        request_hash = sha256_hex(str(cmd.thread_id), cmd.content)
        if cmd.idempotency_key is not None:
            earlier = await self._replay(cmd, request_hash)
            if earlier is not None:
                return earlier
        now = self._clock.now()
        message = Message(
            id=new_id(), thread_id=cmd.thread_id, role=MessageRole.USER, content=cmd.content, created_at=now
        )
        run = Run(
            id=new_id(),
            thread_id=cmd.thread_id,
            user_id=cmd.user_id,
            message_id=message.id,
            status=RunStatus.QUEUED,
            created_at=now,
            last_seq=1,
            idempotency_key=cmd.idempotency_key,
            request_hash=request_hash,
        )
        first = StoredEvent(run_id=run.id, seq=1, event=StateChanged(status=RunStatus.QUEUED))
        try:
            await self._runs.add_queued(msgspec.structs.replace(message, run_id=run.id), run, first)
        except DuplicateRequestError:
            # A concurrent request with the same key won the insert: answer as a replay of it.
            earlier = await self._replay(cmd, request_hash)
            if earlier is None:
                raise
            return earlier
        return PostMessageResult(run=run)

    async def _replay(self, cmd: PostMessageInput, request_hash: str) -> PostMessageResult | None:
        assert cmd.idempotency_key is not None
        earlier = await self._runs.find_by_idempotency_key(cmd.user_id, cmd.idempotency_key)
        if earlier is None:
            return None
        if earlier.request_hash != request_hash:
            raise IdempotencyKeyReusedError(
                "this Idempotency-Key was already used with a different request; use a new key for a new message"
            )
        return PostMessageResult(run=earlier, replayed=True)
