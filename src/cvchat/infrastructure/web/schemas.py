"""Web DTOs: msgspec Structs for every request and response body; handlers never return rows or bare dicts."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar.datastructures import UploadFile

from cvchat.domain.cvs import Cv, CvProfile
from cvchat.domain.entities import ApiKey, Message, MessageRole, Page, Run, RunStatus, Thread, Usage, User
from cvchat.domain.events import RunEvent, StoredEvent

MAX_MESSAGE_CHARS = 8000


class _Input(msgspec.Struct, frozen=True, kw_only=True, forbid_unknown_fields=True):
    """Base of request bodies: an unknown field (a typo) is refused with 400 instead of being ignored."""


class _Output(msgspec.Struct, frozen=True, kw_only=True):
    """Base of response bodies."""


class UserCreate(_Input):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S", examples=["alice"])]


class UserCreated(_Output):
    """The new user and their API key: the key is shown this once and cannot be recovered."""

    user_id: UUID
    name: str
    api_key: str
    created_at: datetime


class UserRead(_Output):
    user_id: UUID
    name: str
    created_at: datetime

    @classmethod
    def from_domain(cls, user: User) -> UserRead:
        return cls(user_id=user.id, name=user.name, created_at=user.created_at)


class UserPage(_Output):
    items: list[UserRead]
    next_cursor: UUID | None = None
    """Pass as `cursor` to get the next page; null on the last page."""

    @classmethod
    def from_domain(cls, page: Page[User]) -> UserPage:
        return cls(items=[UserRead.from_domain(u) for u in page.items], next_cursor=page.next_cursor)


class ApiKeyCreate(_Input):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=r"\S", examples=["laptop"])] | None = None
    """A label to recognise the key by (the app or machine that uses it)."""


class ApiKeyRead(_Output):
    """An API key without its secret, which is never stored."""

    key_id: UUID
    user_id: UUID
    name: str | None
    prefix: str
    """The secret's first characters (`cvk_` and four more), to recognise the key."""
    created_at: datetime
    revoked_at: datetime | None = None
    """Null while the key is active."""

    @classmethod
    def from_domain(cls, key: ApiKey) -> ApiKeyRead:
        return cls(
            key_id=key.id,
            user_id=key.user_id,
            name=key.name,
            prefix=key.prefix,
            created_at=key.created_at,
            revoked_at=key.revoked_at,
        )


class ApiKeyCreated(ApiKeyRead, kw_only=True):
    """The new key and its secret: the secret is shown this once and cannot be recovered."""

    api_key: str


class ApiKeyPage(_Output):
    items: list[ApiKeyRead]
    next_cursor: UUID | None = None
    """Pass as `cursor` to get the next page; null on the last page."""

    @classmethod
    def from_domain(cls, page: Page[ApiKey]) -> ApiKeyPage:
        return cls(items=[ApiKeyRead.from_domain(k) for k in page.items], next_cursor=page.next_cursor)


class PruneRequest(_Input):
    older_than_days: Annotated[float, msgspec.Meta(ge=0, le=36_500)] | None = None
    """Prune runs that finished more than this many days ago (at most a century); omitted: EVENT_RETENTION_DAYS."""


class PruneResult(_Output):
    cutoff: datetime
    """Runs that finished before this instant had their events deleted."""
    runs: int
    events: int


class ThreadCreate(_Input):
    title: Annotated[str, msgspec.Meta(max_length=200)] | None = None
    user_id: UUID | None = None
    """Accepted only when it is the caller's own id."""


class ThreadRead(_Output):
    thread_id: UUID
    user_id: UUID
    title: str | None
    created_at: datetime

    @classmethod
    def from_domain(cls, thread: Thread) -> ThreadRead:
        return cls(thread_id=thread.id, user_id=thread.user_id, title=thread.title, created_at=thread.created_at)


class ThreadPage(_Output):
    items: list[ThreadRead]
    next_cursor: UUID | None = None
    """Pass as `cursor` to get the next page; null on the last page."""

    @classmethod
    def from_domain(cls, page: Page[Thread]) -> ThreadPage:
        return cls(items=[ThreadRead.from_domain(t) for t in page.items], next_cursor=page.next_cursor)


class MessageRead(_Output):
    message_id: UUID
    role: MessageRole
    content: str
    created_at: datetime
    run_id: UUID | None = None

    @classmethod
    def from_domain(cls, m: Message) -> MessageRead:
        return cls(message_id=m.id, role=m.role, content=m.content, created_at=m.created_at, run_id=m.run_id)


class ThreadDetail(_Output):
    thread_id: UUID
    user_id: UUID
    title: str | None
    created_at: datetime
    messages: list[MessageRead]


class MessageCreate(_Input):
    content: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_MESSAGE_CHARS, pattern=r"\S")]


class MessageAccepted(_Output):
    """The message is stored and its run queued; follow `stream_url` (it carries a short-lived token)."""

    run_id: UUID
    message_id: UUID
    thread_id: UUID
    status: RunStatus
    stream_url: str


class RunRead(_Output):
    run_id: UUID
    thread_id: UUID
    status: RunStatus
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
    provider: str | None
    model: str | None
    usage: Usage | None
    last_seq: int
    """The seq of the last event written so far."""
    stream_url: str | None = None
    """The events stream with a fresh short-lived token (null once the run has finished)."""
    events_pruned_at: datetime | None = None
    """Set when retention deleted the run's events: reading them answers 410."""
    queue_position: int | None = None
    """While the run is queued (every worker busy with MAX_CONCURRENT_RUNS runs): 1 means it is claimed next."""

    @classmethod
    def from_domain(cls, run: Run, stream_url: str | None = None, queue_position: int | None = None) -> RunRead:
        return cls(
            run_id=run.id,
            thread_id=run.thread_id,
            status=run.status,
            created_at=run.created_at,
            started_at=run.started_at,
            finished_at=run.finished_at,
            error=run.error,
            provider=run.provider,
            model=run.model,
            usage=run.usage,
            last_seq=run.last_seq,
            stream_url=stream_url,
            events_pruned_at=run.events_pruned_at,
            queue_position=queue_position,
        )


class RunPage(_Output):
    items: list[RunRead]
    next_cursor: UUID | None = None


class CancelResult(_Output):
    run_id: UUID
    status: RunStatus


class EventEnvelope(_Output):
    """One event of a run's log: its position and the typed event (the same JSON as an SSE frame's `data`)."""

    seq: int
    event: RunEvent

    @classmethod
    def from_domain(cls, stored: StoredEvent) -> EventEnvelope:
        return cls(seq=stored.seq, event=stored.event)


class EventsPage(_Output):
    run_id: UUID
    status: RunStatus
    last_seq: int
    events: list[EventEnvelope]
    next_after: int
    """Pass as `after` for the next page."""


class StreamDone(_Output):
    """The `data` of the closing `event: done` frame."""

    run_id: UUID
    status: RunStatus
    last_seq: int


class Health(_Output):
    status: str


class Readiness(_Output):
    status: str
    database: bool
    schema_at_head: bool
    executor: bool
    detail: str | None = None


class CvRead(_Output):
    """A CV in a list: the structured profile extracted at ingestion."""

    cv_id: UUID
    name: str | None
    source_filename: str
    profile: CvProfile
    pages: int
    size_bytes: int
    created_at: datetime
    pdf_url: str

    @classmethod
    def from_domain(cls, cv: Cv) -> CvRead:
        return cls(
            cv_id=cv.id,
            name=cv.profile.name,
            source_filename=cv.source_filename,
            profile=cv.profile,
            pages=cv.pages,
            size_bytes=cv.size_bytes,
            created_at=cv.created_at,
            pdf_url=f"/api/cvs/{cv.id}/pdf",
        )


class CvDetail(CvRead):
    """One CV with its extracted text."""

    text: str = ""

    @classmethod
    def from_cv(cls, cv: Cv) -> CvDetail:
        return cls(**msgspec.structs.asdict(CvRead.from_domain(cv)), text=cv.text)


class CvUpload(msgspec.Struct, frozen=True, kw_only=True):
    """The multipart form of `POST /api/cvs`: the PDF in the field `data` (other fields are ignored)."""

    data: UploadFile


class CvIngested(CvRead):
    created: bool = True
    """False when the same file was ingested before (it is one CV)."""


class CvPage(_Output):
    items: list[CvRead]
    next_cursor: UUID | None = None


class CvSearchResult(_Output):
    cv_id: UUID
    name: str
    source_filename: str
    score: float
    snippets: list[str]
    pdf_url: str


class CvSearchResults(_Output):
    query: str
    results: list[CvSearchResult]
