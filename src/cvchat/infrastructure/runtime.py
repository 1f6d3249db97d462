"""The process's long-lived parts (engines, bus, executor), created in the app's lifespan and closed there."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import structlog
from advanced_alchemy.extensions.litestar import SQLAlchemyAsyncConfig
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from cvchat.application.assistant import Assistant
from cvchat.application.common import SystemClock, new_id
from cvchat.application.executor import RunExecutor
from cvchat.application.runs import RunChecks
from cvchat.application.tools import GetCvTool, SearchCvsTool
from cvchat.infrastructure.auth_cache import PrincipalCache
from cvchat.infrastructure.cvs.embeddings import make_embedder
from cvchat.infrastructure.cvs.reader import PoolPdfReader
from cvchat.infrastructure.cvs.service import IndexedCvSearch
from cvchat.infrastructure.db.config import current_revision, head_revision, prepare_engine
from cvchat.infrastructure.db.store import SqlEventLog, SqlRunStore
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.events.postgres import PgEventBus
from cvchat.infrastructure.llm.factory import provider_factory
from cvchat.infrastructure.metrics import PrometheusRunMetrics
from cvchat.infrastructure.settings import Settings

logger = structlog.get_logger()
# Readiness probes check the schema revision; Alembic would log two lines per probe.
logging.getLogger("alembic.runtime.migration").setLevel(logging.WARNING)


class SchemaBehindError(RuntimeError):
    """The database is not at the migrations' head."""


class Runtime:
    """Everything with a lifetime: built by `start()`, torn down by `stop()`, kept on `app.state.runtime`."""

    def __init__(self, settings: Settings, alchemy: SQLAlchemyAsyncConfig) -> None:
        self.settings, self.alchemy = settings, alchemy
        self.clock = SystemClock()
        self.origin = f"w-{new_id().hex[-12:]}"
        """This process: the executor's worker id and the origin of its notifications."""
        self.writer_engine: AsyncEngine = alchemy.get_engine()
        self.reader_engine = self._reader_engine()
        self.write_sessions = async_sessionmaker(self.writer_engine, expire_on_commit=False)
        self.read_sessions = async_sessionmaker(self.reader_engine, expire_on_commit=False)
        self.lookup_sessions = async_sessionmaker(
            self.reader_engine.execution_options(isolation_level="AUTOCOMMIT")
            if settings.is_postgres
            else self.reader_engine,
            expire_on_commit=False,
        )
        """For a lookup that is one statement: autocommit on PostgreSQL, one round trip instead of three."""
        self.statement_engine: AsyncEngine | None = (
            self.writer_engine.execution_options(isolation_level="AUTOCOMMIT") if settings.is_postgres else None
        )
        """PostgreSQL: the writer engine in autocommit, for a request's write that is one statement (posting)."""
        self.event_log = SqlEventLog(self.reader_engine)
        self.run_checks = RunChecks(self.event_log, window_s=min(0.5, settings.sse_heartbeat_s / 10))
        """The open streams' heartbeat checks of their runs, one read per window for all of them."""
        self.bus: InProcessEventBus
        if settings.is_postgres:
            dsn = settings.resolved_database_url.replace("postgresql+asyncpg://", "postgresql://", 1)
            self.bus = PgEventBus(dsn, self.origin, self.event_log, settings.sse_subscriber_buffer)
        else:
            self.bus = InProcessEventBus(settings.sse_subscriber_buffer)
        self.principals = PrincipalCache(lambda: self.bus.hears_revocations)
        self.bus.on_key_revoked(self.principals.key_revoked)
        self.store = SqlRunStore(
            self.writer_engine,
            self.reader_engine,
            skip_locked=settings.is_postgres,
            notify_origin=self.origin if settings.is_postgres else None,
        )
        self.provider_factory = provider_factory(settings)
        try:
            self.embedder = make_embedder(settings.embedding_model)
        except ValueError as exc:
            raise SystemExit(f"invalid setting: EMBEDDING_MODEL: {exc}") from None
        self._pdf_pool: ProcessPoolExecutor | None = None
        self._draining: asyncio.Task[None] | None = None
        self.cv_search = IndexedCvSearch(self.read_sessions, self.write_sessions, self.embedder)
        self.executor = RunExecutor(
            self.store,
            self.bus,
            Assistant(
                self.provider_factory,
                self.store,
                # The fake provider streams fixed tokens for tests and benchmarks: it gets no CV tools.
                tools=[] if settings.provider == "fake" else [SearchCvsTool(self.cv_search), GetCvTool(self.cv_search)],
                history_turns=settings.chat_history_turns,
            ),
            self.clock,
            metrics=PrometheusRunMetrics(settings.provider),
            max_concurrent=settings.max_concurrent_runs,
            run_timeout_s=settings.run_timeout_s,
            flush_ms=settings.event_flush_ms,
            lease_s=settings.run_lease_s,
            grace_s=settings.shutdown_grace_s,
            # SQLite runs one worker, so every `running` run found at start-up was left by a dead process.
            recover_all_running=not settings.is_postgres,
            worker_id=self.origin,
        )

    def _reader_engine(self) -> AsyncEngine:
        if not self.settings.is_postgres:
            # SQLite: the writer engine opens every transaction with BEGIN IMMEDIATE; readers get their own engine
            # with plain BEGIN so that streaming reads never wait for the write lock.
            engine = create_async_engine(self.settings.resolved_database_url, connect_args={"timeout": 10})
            prepare_engine(engine, immediate=False)
            return engine
        return self.writer_engine

    async def check_schema(self) -> str | None:
        """None when the schema is at head, else what is wrong and the command that fixes it."""
        current, head = await current_revision(self.alchemy), head_revision()
        if current == head:
            return None
        return (
            f"the database schema is at revision {current or 'none'} but this code needs {head}; "
            "run `cvchat migrate` to bring it to head"
        )

    async def start(self) -> None:
        problem = await self.check_schema()
        if problem is not None:
            raise SchemaBehindError(problem)
        if isinstance(self.bus, PgEventBus):
            await self.bus.start()
        await self.cv_search.refresh()
        self.cv_search.start()
        self.executor.start()
        await self.executor.started.wait()
        logger.info("executor_started", worker_id=self.executor.worker_id, provider=self.settings.provider)

    @property
    def pdf_reader(self) -> PoolPdfReader:
        """Reads PDFs in a process pool, created on first use (spawned: forking a threaded server is unsafe)."""
        if self._pdf_pool is None and self.settings.ingest_processes > 0:
            self._pdf_pool = ProcessPoolExecutor(
                max_workers=self.settings.ingest_processes, mp_context=multiprocessing.get_context("spawn")
            )
        return PoolPdfReader(self._pdf_pool)

    def begin_drain(self) -> None:
        """SIGTERM: stop claiming and let running runs finish within the grace (their streams end with them), and
        end every other stream now so that clients resume on another worker. Granian runs the lifespan shutdown only
        once every stream has closed, so the drain has to start at the signal."""
        if self._draining is None:
            logger.info("draining", runs=self.executor.active_runs)
            self._draining = asyncio.get_running_loop().create_task(self.executor.stop(), name="drain")
            self.bus.close_streams(keep=self.executor.run_ids)

    async def stop(self) -> None:
        if self._draining is not None:
            await self._draining
        await self.cv_search.stop()
        if self._pdf_pool is not None:
            self._pdf_pool.shutdown(wait=False, cancel_futures=True)
        await self.executor.stop()
        aclose = getattr(self.provider_factory(), "aclose", None)  # the SDK providers keep a pooled HTTP client
        if aclose is not None:
            await aclose()
        if isinstance(self.bus, PgEventBus):
            await self.bus.close()
        if self.reader_engine is not self.writer_engine:
            await self.reader_engine.dispose()

    async def database_ok(self) -> bool:
        try:
            async with self.reader_engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:
            return False
        return True
