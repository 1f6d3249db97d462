"""Shared fixtures: a real database per test (SQLite file or PostgreSQL clone), the app, and live servers."""

from __future__ import annotations

import asyncio
import itertools
import os
import shutil
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest

from cvchat.infrastructure.db.config import migrate
from cvchat.infrastructure.settings import Settings

PG_ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
_counter = itertools.count()


@pytest.fixture(scope="session")
def anyio_backend() -> str:
    return "asyncio"


def _pg_dsn(database: str) -> str:
    base, _, _ = PG_ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


async def _pg_execute(*statements: str) -> None:
    conn = await asyncpg.connect(PG_ADMIN_URL, timeout=5)
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[str]:
    """A migrated template database; each test gets a fresh clone of it. Required in CI, skipped elsewhere."""
    try:
        asyncio.run(_pg_execute("SELECT 1"))
    except (OSError, asyncpg.PostgresError) as exc:
        message = f"PostgreSQL is unreachable at {PG_ADMIN_URL}: {exc}"
        if IN_CI:
            pytest.fail(f"{message} (CI=true requires the PostgreSQL suite)", pytrace=False)
        pytest.skip(message)
    name = f"cvchat_tpl_{os.getpid()}"
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)', f'CREATE DATABASE "{name}"'))
    asyncio.run(migrate(Settings(database_url=_pg_dsn(name))))
    yield name
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file; each test gets a copy."""
    path = tmp_path_factory.mktemp("tpl") / "template.db"
    asyncio.run(migrate(Settings(database_url=f"sqlite+aiosqlite:///{path}")))
    return path


@pytest.fixture
def fresh_postgres_url(postgres_template: str) -> Iterator[str]:
    name = f"cvchat_t_{os.getpid()}_{next(_counter)}"
    asyncio.run(_pg_execute(f'CREATE DATABASE "{name}" TEMPLATE "{postgres_template}"'))
    yield _pg_dsn(name)
    asyncio.run(_pg_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "cvchat.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite+aiosqlite:///{path}"
    return str(request.getfixturevalue("fresh_postgres_url"))


@pytest.fixture
def settings_overrides() -> dict[str, object]:
    """Tests override settings by redefining this fixture or by parametrizing it indirectly."""
    return {}


@pytest.fixture
def settings(database_url: str, settings_overrides: dict[str, object]) -> Settings:
    values: dict[str, object] = {
        "database_url": database_url,
        "llm_provider": "fake",
        "fake_llm_tokens": 10,
        "fake_llm_delay_ms": 10.0,
        "event_flush_ms": 10.0,
        "sse_heartbeat_s": 1.0,
        "shutdown_grace_s": 0.5,
        "cancel_wait_s": 5.0,
    }
    values.update(settings_overrides)
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
async def server(settings: Settings) -> AsyncIterator[LiveServer]:
    """The real app served by an embedded Granian on a free loopback port, with real HTTP clients."""
    async with LiveServer.start(settings) as live:
        yield live


from tests.support.live import LiveServer  # noqa: E402
