"""ORM models (Advanced Alchemy bases); the only place that knows the tables. Every constraint is named."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from advanced_alchemy.base import DefaultBase, UUIDv7Base
from advanced_alchemy.types import DateTimeUTC
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

ACTIVE_STATUSES_SQL = "status IN ('queued', 'running')"


class UserModel(UUIDv7Base):
    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("name", name="uq_users_name"),)

    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class ApiKeyModel(UUIDv7Base):
    __tablename__ = "api_keys"
    __table_args__ = (
        UniqueConstraint("key_hash", name="uq_api_keys_key_hash"),
        Index("ix_api_keys_user_id", "user_id"),
    )

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE", name="fk_api_keys_user_id"))
    key_hash: Mapped[str] = mapped_column(String(64))
    prefix: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    # Added by migration 0003, so the database appends it after the base's sa_orm_sentinel (sort_order 3001): a
    # larger sort_order keeps the model's column order equal to the table's (`RETURNING runs.*` is read by position).
    name: Mapped[str | None] = mapped_column(String(100), default=None, sort_order=3002)


class ThreadModel(UUIDv7Base):
    __tablename__ = "threads"
    # Listings page newest first by id (UUIDv7 is time-ordered).
    __table_args__ = (Index("ix_threads_user_id_id", "user_id", "id"),)

    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE", name="fk_threads_user_id"))
    title: Mapped[str | None] = mapped_column(String(200), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class MessageModel(UUIDv7Base):
    __tablename__ = "messages"
    __table_args__ = (
        Index("ix_messages_thread_id_id", "thread_id", "id"),
        CheckConstraint("role IN ('user', 'assistant')", name="role"),
    )

    thread_id: Mapped[UUID] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE", name="fk_messages_thread_id"))
    run_id: Mapped[UUID | None] = mapped_column(default=None)
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class RunModel(UUIDv7Base):
    __tablename__ = "runs"
    __table_args__ = (
        Index("ix_runs_thread_id_id", "thread_id", "id"),
        # The claim query: oldest queued first.
        Index("ix_runs_status_id", "status", "id"),
        # `cvchat prune`: finished runs older than the retention cutoff.
        Index("ix_runs_finished_at", "finished_at"),
        # At most one active run per thread, enforced by the database so concurrent posts cannot both win.
        Index(
            "uq_runs_one_active_per_thread",
            "thread_id",
            unique=True,
            sqlite_where=text(ACTIVE_STATUSES_SQL),
            postgresql_where=text(ACTIVE_STATUSES_SQL),
        ),
        UniqueConstraint("user_id", "idempotency_key", name="uq_runs_user_id_idempotency_key"),
        CheckConstraint("status IN ('queued', 'running', 'done', 'error', 'canceled')", name="status"),
    )

    thread_id: Mapped[UUID] = mapped_column(ForeignKey("threads.id", ondelete="CASCADE", name="fk_runs_thread_id"))
    user_id: Mapped[UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE", name="fk_runs_user_id"))
    message_id: Mapped[UUID] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))
    started_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    finished_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)
    provider: Mapped[str | None] = mapped_column(String(32), default=None)
    model: Mapped[str | None] = mapped_column(String(100), default=None)
    input_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    output_tokens: Mapped[int | None] = mapped_column(Integer, default=None)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), default=None)
    request_hash: Mapped[str | None] = mapped_column(String(64), default=None)
    owner: Mapped[str | None] = mapped_column(String(64), default=None)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None)
    events_pruned_at: Mapped[datetime | None] = mapped_column(DateTimeUTC(timezone=True), default=None, sort_order=3002)
    """Set when retention deleted the run's events; the row keeps its final status, usage and error. Added by
    migration 0003, after sa_orm_sentinel (see ApiKeyModel.name on sort_order)."""


class RunEventModel(DefaultBase):
    """One event of a run's append-only log; `seq` is assigned by the run's executor, gapless from 1."""

    __tablename__ = "run_events"

    run_id: Mapped[UUID] = mapped_column(
        ForeignKey("runs.id", ondelete="CASCADE", name="fk_run_events_run_id"), primary_key=True
    )
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    type: Mapped[str] = mapped_column(String(32))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CvModel(UUIDv7Base):
    """An ingested CV: its text, its extracted profile (JSON) and the profile fields that lists filter on."""

    __tablename__ = "cvs"
    __table_args__ = (
        UniqueConstraint("content_hash", name="uq_cvs_content_hash"),
        Index("ix_cvs_years_experience", "years_experience"),
        Index("ix_cvs_country_city", "country", "city"),
    )

    content_hash: Mapped[str] = mapped_column(String(64))
    source_filename: Mapped[str] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(200), default=None)
    text: Mapped[str] = mapped_column(Text)
    profile: Mapped[str] = mapped_column(Text)
    pages: Mapped[int] = mapped_column(Integer, default=0)
    size_bytes: Mapped[int] = mapped_column(Integer, default=0)
    years_experience: Mapped[float | None] = mapped_column(Float, default=None)
    degree_rank: Mapped[int | None] = mapped_column(Integer, default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    country: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class CvFileModel(DefaultBase):
    """The original PDF, kept in the database so that every worker and host serves it and ingestion is atomic."""

    __tablename__ = "cv_files"

    cv_id: Mapped[UUID] = mapped_column(
        ForeignKey("cvs.id", ondelete="CASCADE", name="fk_cv_files_cv_id"), primary_key=True
    )
    data: Mapped[bytes] = mapped_column(LargeBinary)


class CvSkillModel(DefaultBase):
    __tablename__ = "cv_skills"
    __table_args__ = (Index("ix_cv_skills_skill", "skill"),)

    cv_id: Mapped[UUID] = mapped_column(
        ForeignKey("cvs.id", ondelete="CASCADE", name="fk_cv_skills_cv_id"), primary_key=True
    )
    skill: Mapped[str] = mapped_column(String(100), primary_key=True)
    """Lower-cased canonical name."""


class CvLanguageModel(DefaultBase):
    __tablename__ = "cv_languages"
    __table_args__ = (Index("ix_cv_languages_code_level", "code", "level_rank"),)

    cv_id: Mapped[UUID] = mapped_column(
        ForeignKey("cvs.id", ondelete="CASCADE", name="fk_cv_languages_cv_id"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    level_rank: Mapped[int] = mapped_column(Integer, default=0)
    """0 unknown, 1 basic … 4 native."""


class CvChunkModel(DefaultBase):
    """A passage of a CV as the search index cuts it, with its vector once embedded (float32 bytes)."""

    __tablename__ = "cv_chunks"

    cv_id: Mapped[UUID] = mapped_column(
        ForeignKey("cvs.id", ondelete="CASCADE", name="fk_cv_chunks_cv_id"), primary_key=True
    )
    ord: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    text: Mapped[str] = mapped_column(Text)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)
    model: Mapped[str | None] = mapped_column(String(64), default=None)


class CvChangeModel(DefaultBase):
    """The corpus's change feed: every worker applies the changes after the last one it saw before it searches."""

    __tablename__ = "cv_changes"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    cv_id: Mapped[UUID] = mapped_column()
    op: Mapped[str] = mapped_column(String(16))
    """upsert, delete or vectors."""
    created_at: Mapped[datetime] = mapped_column(DateTimeUTC(timezone=True))


class RateLimitWindowModel(DefaultBase):
    """A fixed-window request counter, one row per (limit, key): shared by every worker on PostgreSQL."""

    __tablename__ = "rate_limit_windows"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)
    """`<limit>:<key id or client address>`: never a secret."""
    window_start: Mapped[int] = mapped_column(BigInteger)
    """Unix seconds at which the current window began."""
    hits: Mapped[int] = mapped_column(Integer)
