"""Migrations walk up and down on both databases, and the app refuses a schema behind head."""

from __future__ import annotations

import asyncio

import pytest
from advanced_alchemy.alembic.commands import AlembicCommands
from litestar.testing import AsyncTestClient
from sqlalchemy import inspect

from cvchat.infrastructure.db.config import build_alchemy_config, head_revision, migrate
from cvchat.infrastructure.runtime import SchemaBehindError
from cvchat.infrastructure.settings import Settings
from cvchat.infrastructure.web.app import create_app

pytestmark = pytest.mark.anyio
TABLES = {"users", "api_keys", "threads", "messages", "runs", "run_events"}


@pytest.fixture
def empty_database_url(database_url: str) -> str:
    """A database with no schema at all (the clone of the migrated template is walked down first)."""
    settings = Settings(database_url=database_url)
    AlembicCommands(build_alchemy_config(settings, for_migrations=True)).downgrade("base")
    return database_url


async def _tables(settings: Settings) -> set[str]:
    config = build_alchemy_config(settings)
    async with config.get_engine().connect() as conn:
        names = await conn.run_sync(lambda sync: set(inspect(sync).get_table_names()))
    await config.get_engine().dispose()
    return names


async def test_every_migration_walks_up_down_and_up_again(empty_database_url: str) -> None:
    settings = Settings(database_url=empty_database_url)
    assert not (await _tables(settings)) & TABLES
    await migrate(settings)
    assert await _tables(settings) >= TABLES
    commands = AlembicCommands(build_alchemy_config(settings, for_migrations=True))
    await asyncio.to_thread(commands.downgrade, "base")
    assert not (await _tables(settings)) & TABLES
    await migrate(settings)
    assert await _tables(settings) >= TABLES
    assert head_revision() is not None


async def test_the_app_refuses_to_start_on_a_schema_behind_head(empty_database_url: str) -> None:
    settings = Settings(database_url=empty_database_url, llm_provider="fake")
    with pytest.raises(BaseException) as caught:  # noqa: PT011 - the lifespan wraps it in an exception group
        async with AsyncTestClient(create_app(settings)):
            pass
    messages = repr(caught.value)
    assert "cvchat migrate" in messages
    assert SchemaBehindError.__name__ in messages or "schema" in messages
