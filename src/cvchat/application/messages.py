"""Use case: post a user message, which queues a run."""

from __future__ import annotations

from uuid import UUID

import msgspec

from cvchat.application.common import new_id, sha256_hex
from cvchat.domain.entities import Message, MessageRole, Run, RunStatus
from cvchat.domain.errors import IdempotencyKeyReusedError, NotFoundError, ThreadBusyError
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
        request_hash = sha256_hex(str(cmd.thread_id), cmd.content)
        now = self._clock.now()
        message_id = new_id()
        run = Run(
            id=new_id(),
            thread_id=cmd.thread_id,
            user_id=cmd.user_id,
            message_id=message_id,
            status=RunStatus.QUEUED,
            created_at=now,
            last_seq=1,
            idempotency_key=cmd.idempotency_key,
            request_hash=request_hash,
        )
        message = Message(
            id=message_id,
            thread_id=cmd.thread_id,
            run_id=run.id,
            role=MessageRole.USER,
            content=cmd.content,
            created_at=now,
        )
        first = StoredEvent(run_id=run.id, seq=1, event=StateChanged(status=RunStatus.QUEUED))
        # The common case first: one write that checks every rule. Only when it stored nothing do we ask why.
        if await self._runs.add_queued(message, run, first):
            return PostMessageResult(run=run)
        if await self._threads.get_owned(cmd.thread_id, cmd.user_id) is None:
            raise NotFoundError(f"thread {cmd.thread_id} not found")
        if cmd.idempotency_key is not None:
            # An earlier request with this key (perhaps a concurrent one, stored first): replay it or refuse.
            earlier = await self._replay(cmd, request_hash)
            if earlier is not None:
                return earlier
        raise ThreadBusyError(f"thread {cmd.thread_id} already has an active run; wait for it to finish or cancel it")

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
