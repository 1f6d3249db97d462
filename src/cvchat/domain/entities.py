"""Entities and value objects: users, API keys, threads, messages and runs."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Generic, TypeVar
from uuid import UUID

import msgspec


class RunStatus(enum.StrEnum):
    """A run's life: queued -> running -> one of the terminal states."""

    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    ERROR = "error"
    CANCELED = "canceled"

    @property
    def is_terminal(self) -> bool:
        """True for done, error and canceled."""
        return self in TERMINAL_STATUSES

    @property
    def is_active(self) -> bool:
        """True for queued and running: the thread is busy."""
        return not self.is_terminal


TERMINAL_STATUSES = frozenset({RunStatus.DONE, RunStatus.ERROR, RunStatus.CANCELED})


class MessageRole(enum.StrEnum):
    """Who wrote a message."""

    USER = "user"
    ASSISTANT = "assistant"


class Usage(msgspec.Struct, frozen=True, kw_only=True):
    """Tokens a provider counted for a run."""

    input_tokens: int = 0
    output_tokens: int = 0


class User(msgspec.Struct, frozen=True, kw_only=True):
    """Someone who owns threads."""

    id: UUID
    name: str
    created_at: datetime


class ApiKey(msgspec.Struct, frozen=True, kw_only=True):
    """A user's API key; only the hash of the secret is kept."""

    id: UUID
    user_id: UUID
    key_hash: str
    prefix: str
    """The secret's first characters (`cvk_` and four more): enough to tell keys apart, useless to an attacker."""
    created_at: datetime
    revoked_at: datetime | None = None
    name: str | None = None


class Thread(msgspec.Struct, frozen=True, kw_only=True):
    """A conversation owned by one user."""

    id: UUID
    user_id: UUID
    title: str | None
    created_at: datetime


class Message(msgspec.Struct, frozen=True, kw_only=True):
    """One turn of a thread: the user's question or the assistant's answer."""

    id: UUID
    thread_id: UUID
    role: MessageRole
    content: str
    created_at: datetime
    run_id: UUID | None = None


class Run(msgspec.Struct, frozen=True, kw_only=True):
    """One execution of the assistant for a user message."""

    id: UUID
    thread_id: UUID
    user_id: UUID
    message_id: UUID
    status: RunStatus
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    error: str | None = None
    provider: str | None = None
    model: str | None = None
    usage: Usage | None = None
    last_seq: int = 0
    idempotency_key: str | None = None
    request_hash: str | None = None
    events_pruned_at: datetime | None = None
    """Set once retention deleted the run's events (the run keeps its status, usage and error)."""


T = TypeVar("T")


class Page(msgspec.Struct, Generic[T], frozen=True, kw_only=True):
    """A page of a newest-first listing and the cursor of the next page (None on the last page)."""

    items: list[T]
    next_cursor: UUID | None = None
