"""Ports: the protocols the application needs from the outside world, implemented in infrastructure."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

import msgspec

from cvchat.domain.cvs import Cv, CvHit
from cvchat.domain.entities import ApiKey, Message, Page, Run, RunStatus, Thread, Usage, User
from cvchat.domain.events import RunEvent, StoredEvent


class Clock(Protocol):
    """Tells the time (UTC, aware)."""

    def now(self) -> datetime: ...


class UserRepository(Protocol):
    """Users and their API keys."""

    async def add(self, user: User, key: ApiKey) -> None:
        """Store a new user with its first key; raises UserNameTakenError on a taken name."""

    async def get_by_key_hash(self, key_hash: str) -> tuple[User, ApiKey] | None:
        """The user owning an unrevoked key with this hash."""

    async def get_key(self, key_id: UUID) -> ApiKey | None:
        """A key by id, revoked or not."""

    async def get(self, user_id: UUID) -> User | None: ...

    async def lock(self, user_id: UUID) -> User | None:
        """The user, locked until the transaction ends: key changes of one user happen one at a time."""

    async def add_key(self, key: ApiKey) -> None: ...

    async def count_active_keys(self, user_id: UUID) -> int: ...

    async def revoke_key(self, key_id: UUID, now: datetime) -> None: ...

    async def list_keys(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[ApiKey]:
        """The user's keys, revoked ones included, newest first."""

    async def key_ids(self, user_id: UUID) -> list[UUID]:
        """The ids of every key of the user, revoked or not."""

    async def list_users(self, cursor: UUID | None, limit: int) -> Page[User]:
        """Every user, newest first."""

    async def delete(self, user_id: UUID) -> bool:
        """Delete the user with their keys, threads, messages, runs and events; False when there was none."""


class ThreadRepository(Protocol):
    """Threads, always seen through their owner."""

    async def add(self, thread: Thread) -> None: ...

    async def get_owned(self, thread_id: UUID, user_id: UUID) -> Thread | None: ...

    async def list_owned(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[Thread]: ...

    async def delete_owned(self, thread_id: UUID, user_id: UUID) -> bool:
        """Delete the thread with its messages, runs and events; False when there was none."""


class MessageRepository(Protocol):
    """Messages of threads."""

    async def list_for_thread(self, thread_id: UUID) -> list[Message]:
        """All messages, oldest first."""

    async def recent(self, thread_id: UUID, limit: int, before: datetime | None = None) -> list[Message]:
        """The last `limit` messages (oldest first) created before `before`."""


class RunRepository(Protocol):
    """Runs as the request path sees them."""

    async def add_queued(self, message: Message, run: Run, first_event: StoredEvent) -> bool:
        """Store the user message, the queued run and its `state: queued` event together; True when stored.

        Nothing is stored (False) unless the run's thread belongs to the run's user, the thread has no active run, and
        the user has no run with the run's Idempotency-Key. May commit on its own (one autocommit statement).
        """

    async def get_owned(self, run_id: UUID, user_id: UUID) -> Run | None: ...

    async def get(self, run_id: UUID) -> Run | None: ...

    async def find_by_idempotency_key(self, user_id: UUID, key: str) -> Run | None: ...

    async def list_for_thread(self, thread_id: UUID, cursor: UUID | None, limit: int) -> Page[Run]: ...

    async def active_for_thread(self, thread_id: UUID) -> Run | None: ...

    async def queued_ahead(self, run: Run) -> int:
        """Queued runs (of any user) that were posted before this one and will be claimed first."""
        ...

    async def active_for_user(self, user_id: UUID) -> list[Run]:
        """The user's queued and running runs."""


class EventLog(Protocol):
    """Reads a run's stored events; each call opens its own short transaction."""

    async def read_after(self, run_id: UUID, after: int, limit: int | None = None) -> list[StoredEvent]: ...

    async def get_run(self, run_id: UUID) -> Run | None: ...

    async def get_runs(self, run_ids: Sequence[UUID]) -> dict[UUID, Run]:
        """The runs that exist among `run_ids`, in one read."""
        ...

    async def read_run(self, run_id: UUID, after: int, limit: int) -> tuple[Run | None, list[StoredEvent]]:
        """The run and up to `limit` of its events after `after`, as of one moment (one statement where it can)."""
        ...


class Subscription(Protocol):
    """A subscriber's view of one run's live events."""

    lagged: bool
    """True once the subscriber fell behind and events were dropped: it must re-read the log."""
    closed: bool
    """True when this process is draining and the stream should end (the client resumes on another worker)."""

    async def next_batch(self, timeout: float) -> list[StoredEvent] | None:
        """The next published batch, or None after `timeout` seconds of silence."""

    def ready(self) -> list[StoredEvent]:
        """The events of every batch already waiting (in order), without waiting; empty when none is."""

    def close(self) -> None: ...


class EventBus(Protocol):
    """Carries committed events to subscribers, and signals (new runs, cancels) to executors."""

    async def publish(self, events: Sequence[StoredEvent]) -> None:
        """Publish a committed batch of one run's events."""

    def subscribe(self, run_id: UUID, key_id: UUID | None = None) -> Subscription:
        """Follow a run's events; a subscriber that gives the API key it authenticated with is closed when that key
        is revoked."""

    async def announce_key_revoked(self, key_id: UUID) -> None:
        """Tell every process to end the streams opened with this key (after the revocation committed)."""

    async def announce_queued(self, run_id: UUID) -> None:
        """Tell executors a run is waiting to be claimed."""

    async def request_cancel(self, run_id: UUID) -> None:
        """Tell the executor that owns the run to stop it."""

    def on_queued(self, callback: Callable[[UUID], None]) -> None: ...

    def on_cancel(self, callback: Callable[[UUID], None]) -> None: ...


class ClaimedRun(msgspec.Struct, frozen=True, kw_only=True):
    """A run an executor has just claimed, with the `state: running` event written in the same transaction, and the
    history its assistant needs (read with the claim, so that the run starts without another round trip)."""

    run: Run
    running_event: StoredEvent
    history: list[Message] | None = None


class TerminalUpdate(msgspec.Struct, frozen=True, kw_only=True):
    """What is written with a run's terminal events, in the same transaction."""

    status: RunStatus
    finished_at: datetime
    error: str | None = None
    usage: Usage | None = None
    answer: Message | None = None


class AppendBatch(msgspec.Struct, frozen=True, kw_only=True):
    """One run's events to append (their seqs continue its log), and what is recorded on the run with them."""

    run_id: UUID
    events: list[StoredEvent]
    terminal: TerminalUpdate | None = None
    model: tuple[str, str] | None = None
    """(provider, model), recorded on the run."""


class RunMetrics(Protocol):
    """What the executor reports for monitoring; infrastructure exports it (Prometheus at /metrics)."""

    def run_started(self, queued_s: float) -> None:
        """A run was claimed after waiting `queued_s` seconds in the queue."""

    def run_finished(self, status: RunStatus, duration_s: float, first_token_s: float | None) -> None:
        """A run ended; `first_token_s` is from the message being posted to its first token written (None: none)."""

    def events_written(self, events: int) -> None:
        """One batch (one INSERT) of `events` events was committed."""

    def provider_error(self, code: str) -> None:
        """A run failed on the LLM provider with this error code."""

    def runs_active(self, count: int) -> None:
        """Runs executing in this worker now."""

    def runs_queued(self, count: int) -> None:
        """Runs waiting to be claimed (all workers), as last sampled."""


class RunStore(Protocol):
    """The executor's side of the database; every method is its own committed transaction."""

    async def claim(
        self, worker_id: str, now: datetime, lease_until: datetime, *, limit: int, history_turns: int
    ) -> list[ClaimedRun]:
        """Claim up to `limit` queued runs, oldest first (`queued` -> `running`), in one transaction; each comes
        with its history (`history_turns` exchanges, as `history` reads it)."""

    async def append(self, worker_id: str, batches: Sequence[AppendBatch]) -> list[bool]:
        """Append several runs' batches in one transaction (group commit): each is written only while the worker still
        owns its run and the run's log ends where the batch starts. Returns, per batch, whether it was written (False:
        the run is no longer this worker's, and nothing of that batch was written)."""

    async def renew_leases(self, worker_id: str, run_ids: Sequence[UUID], lease_until: datetime) -> None: ...

    async def cancel_queued(self, run_id: UUID, reason: str, now: datetime) -> list[StoredEvent] | None:
        """End a still-queued run as canceled (its events are returned); None when it is no longer queued."""

    async def end_orphans(self, now: datetime, *, expired_only: bool, message: str) -> list[list[StoredEvent]]:
        """End `running` runs whose owner is gone with `error` then `state: error`; returns each run's new events."""

    async def count_queued(self) -> int:
        """Runs waiting to be claimed, by any worker."""
        ...

    async def history(self, thread_id: UUID, upto_message_id: UUID, turns: int) -> list[Message]:
        """The run's question and the thread's `turns` exchanges before it, oldest first."""


class EventRetention(Protocol):
    """Deletes old runs' event logs; every call is its own committed transaction."""

    async def prune_batch(self, finished_before: datetime, now: datetime, limit: int) -> tuple[int, int]:
        """Delete the events of up to `limit` terminal runs that finished before the cutoff and mark those runs
        pruned; returns (runs, events)."""


class LlmChunk(msgspec.Struct, frozen=True, kw_only=True, tag_field="kind"):
    """Base of what a provider streams: the provider-neutral interface every adapter speaks."""


class TextDelta(LlmChunk, tag="text"):
    """A piece of the answer's text."""

    text: str


class ToolCallStart(LlmChunk, tag="tool_call_start"):
    """The model starts a tool call."""

    call_id: str
    name: str


class ToolCallDelta(LlmChunk, tag="tool_call_delta"):
    """A piece of a tool call's JSON arguments."""

    call_id: str
    arguments_json: str


class ToolCallEnd(LlmChunk, tag="tool_call_end"):
    """A tool call is complete; `extra` carries what the provider needs back (e.g. Gemini thought signatures)."""

    call_id: str
    extra: dict[str, Any] = {}


class UsageReport(LlmChunk, tag="usage"):
    """Token counts so far (providers report them at the start and the end)."""

    input_tokens: int = 0
    output_tokens: int = 0


class Finish(LlmChunk, tag="finish"):
    """The model finished this round; `reason` is `end` or `tool_use`."""

    reason: str = "end"


LlmStreamChunk = TextDelta | ToolCallStart | ToolCallDelta | ToolCallEnd | UsageReport | Finish


class ToolSpec(msgspec.Struct, frozen=True, kw_only=True):
    """A tool the model may call, with the JSON schema of its input."""

    name: str
    description: str
    input_schema: dict[str, Any]


class ChatTurn(msgspec.Struct, frozen=True, kw_only=True):
    """One turn sent to the model: a user or assistant message, a tool call, or a tool result."""

    role: str
    text: str = ""
    tool_calls: list[dict[str, Any]] = []
    tool_results: list[dict[str, Any]] = []


class LlmRequest(msgspec.Struct, frozen=True, kw_only=True):
    """Everything a provider needs for one round."""

    system: str
    turns: list[ChatTurn]
    tools: list[ToolSpec] = []


class LlmProvider(Protocol):
    """A streaming LLM behind the provider-neutral chunks above."""

    name: str
    model: str

    def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]: ...


Emit = Callable[[RunEvent], Awaitable[None]]
"""How the assistant appends an event to its run's log."""


class CvSearch(Protocol):
    """Searches and reads the CV corpus (what the assistant's tools use)."""

    async def search(self, query: str, k: int) -> list[CvHit]:
        """The best CVs for a recruiter's question, best first."""

    async def get(self, cv_id: UUID) -> Cv | None:
        """One CV with its text and profile."""
