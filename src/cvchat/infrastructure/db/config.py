"""The database engine and Advanced Alchemy configuration, built from Settings (never at import time)."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from advanced_alchemy.alembic.commands import AlembicCommands
from advanced_alchemy.extensions.litestar import (
    AlembicAsyncConfig,
    AsyncSessionConfig,
    EngineConfig,
    SQLAlchemyAsyncConfig,
)
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import NullPool

import cvchat
from cvchat.infrastructure.db import models  # noqa: F401  (registers every table for Alembic)
from cvchat.infrastructure.settings import Settings


def migrations_dir() -> Path:
    """`migrations/` of the source tree, or its copy inside an installed wheel."""
    packaged = Path(cvchat.__file__).parent / "migrations"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parents[4] / "migrations"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # SQLite leaves foreign keys off (so ON DELETE CASCADE would do nothing); WAL lets readers run beside the writer;
    # busy_timeout makes a writer wait for the lock instead of failing at once.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    # WAL is a property of the database file: set it only when it is not set yet (the check needs no lock).
    cursor.execute("PRAGMA journal_mode")
    if str(cursor.fetchone()[0]).lower() != "wal":
        cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.close()


def build_alchemy_config(settings: Settings, *, for_migrations: bool = False) -> SQLAlchemyAsyncConfig:
    """The Advanced Alchemy config: engine, session maker and Alembic settings."""
    url = settings.resolved_database_url
    if url.startswith("sqlite"):
        # One writer connection: SQLite has one write lock anyway, and writers then queue in the pool (fairly, with
        # a timeout) instead of spinning in SQLite's busy handler against each other. Readers use their own engine.
        engine_config = EngineConfig(connect_args={"timeout": 10}, pool_size=1, max_overflow=0, pool_timeout=30)
    else:
        # Every connection the pool may open is kept (no overflow): an overflow connection is closed as soon as it
        # is returned, so a burst of runs opened and closed connections all the time, each with its connect and
        # statement preparations (a quarter of the worker's samples under the load bench). The cap stays 30.
        engine_config = EngineConfig(pool_size=30, max_overflow=0, pool_recycle=1800)
    config = SQLAlchemyAsyncConfig(
        connection_string=url,
        engine_config=engine_config,
        session_config=AsyncSessionConfig(expire_on_commit=False),
        alembic_config=AlembicAsyncConfig(script_location=str(migrations_dir()), render_as_batch=True),
        before_send_handler="autocommit",
        create_all=False,
    )
    if for_migrations:
        config.engine_instance = _engine_without_pool(config)
    else:
        engine = config.get_engine()
        prepare_engine(engine)
        if engine.dialect.name == "postgresql":
            event.listen(engine.sync_engine.pool, "checkout", _discard_if_closed)
    return config


def _discard_if_closed(_dbapi_connection: Any, _record: Any, proxy: Any) -> None:
    """Instead of `pool_pre_ping`: a pooled connection the server ended (restart, `pg_terminate_backend`) is replaced.

    With asyncpg the pre-ping is a BEGIN, a `;` and a ROLLBACK on every checkout: three round trips in front of
    every append and request. A server that ends a connection closes its socket, and asyncpg marks the connection
    closed as soon as the event loop reads that, which it does while the connection sits idle in the pool; so a
    local check finds what the ping found, without the round trips. Raising DisconnectionError makes the pool open
    a new connection in its place.
    """
    if proxy.driver_connection.is_closed():
        raise DisconnectionError("the server closed this pooled connection")


def _engine_without_pool(config: SQLAlchemyAsyncConfig) -> AsyncEngine:
    from sqlalchemy.ext.asyncio import create_async_engine

    engine = create_async_engine(config.connection_string, poolclass=NullPool)  # type: ignore[arg-type]
    prepare_engine(engine)
    return engine


def prepare_engine(engine: AsyncEngine, *, immediate: bool = True) -> None:
    """SQLite: pragmas on every connection, and transactions begun by us (BEGIN IMMEDIATE for writers).

    pysqlite would otherwise start a deferred transaction at the first write, and a transaction that read first
    fails at once with "database is locked" when another writer committed in between; BEGIN IMMEDIATE takes the
    write lock up front, waiting up to busy_timeout for it.
    """
    if engine.dialect.name != "sqlite":
        return
    begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"

    def on_connect(dbapi_connection: Any, record: Any) -> None:
        _sqlite_pragmas(dbapi_connection, record)
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event below start transactions

    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)

    event.listen(engine.sync_engine, "connect", on_connect)
    event.listen(engine.sync_engine, "begin", on_begin)


def _upgrade_to_head(settings: Settings) -> None:
    config = build_alchemy_config(settings, for_migrations=True)
    AlembicCommands(sqlalchemy_config=config).upgrade("head")


async def migrate(settings: Settings) -> None:
    """Bring the database to head: what `cvchat migrate` runs.

    Alembic's env runs its own event loop, so the upgrade runs in a thread with an engine of its own.
    """
    await asyncio.to_thread(_upgrade_to_head, settings)


def head_revision() -> str | None:
    """The newest migration in `migrations/`."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(migrations_dir()))
    return ScriptDirectory.from_config(config).get_current_head()


async def current_revision(config: SQLAlchemyAsyncConfig) -> str | None:
    """The revision the database is at (None when it was never migrated)."""
    opts = {"version_table": config.alembic_config.version_table_name}
    async with config.get_engine().connect() as conn:
        return await conn.run_sync(lambda sync: MigrationContext.configure(sync, opts=opts).get_current_revision())
