"""A database that goes away answers 503 problem details, never a stack trace, and recovers when it is back."""

from __future__ import annotations

import asyncio

import asyncpg
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.support.live import LiveServer

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


@pytest.fixture
def database_url(fresh_postgres_url: str) -> str:
    return fresh_postgres_url


async def _set_connections(database: str, *, allowed: bool) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'ALTER DATABASE "{database}" WITH ALLOW_CONNECTIONS {str(allowed).lower()}')
        if not allowed:
            await admin.execute(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
                database,
            )
    finally:
        await admin.close()


async def test_requests_answer_503_while_postgres_refuses_connections(server: LiveServer, database_url: str) -> None:
    alice = await server.user()
    database = database_url.rsplit("/", 1)[1]
    await _set_connections(database, allowed=False)
    try:
        for method, path, body in [
            ("GET", "/api/threads", None),
            ("POST", "/api/users", {"name": "bob"}),
            ("GET", "/ready", None),
        ]:
            response = await server.http.request(method, path, json=body, headers=alice.headers)
            assert response.status_code == 503, (path, response.text)
            if path != "/ready":
                assert response.headers["content-type"].startswith("application/problem+json")
                assert response.json()["type"] == "/problems/database_unavailable"
                assert "Traceback" not in response.text
    finally:
        await _set_connections(database, allowed=True)
    async with asyncio.timeout(10):
        while (await server.http.get("/api/threads", headers=alice.headers)).status_code != 200:
            await asyncio.sleep(0.1)
    assert (await server.http.get("/ready")).status_code == 200
