"""Limits: API calls and runs per key per minute, sign-ups per address, open streams per key, the message size, and
CORS; on SQLite and PostgreSQL (where two app instances share one count)."""

from __future__ import annotations

import asyncio
import contextlib

import httpx
import msgspec
import pytest
from httpx_sse import aconnect_sse
from sqlalchemy import func, select

from cvchat.infrastructure.db.models import MessageModel, RunModel
from cvchat.infrastructure.settings import Settings
from tests.support.live import LiveServer

pytestmark = pytest.mark.anyio


def assert_429(response: httpx.Response, setting: str) -> int:
    assert response.status_code == 429, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["type"] == "/problems/too_many_requests"
    assert setting in body["detail"]
    retry_after = int(response.headers["Retry-After"])
    assert 1 <= retry_after <= 3600
    assert response.headers["RateLimit-Remaining"] == "0"
    return retry_after


async def count_rows(server: LiveServer, model: type, **where: object) -> int:
    async with server.runtime.read_sessions() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return int((await session.execute(query)).scalar_one())


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_runs_per_minute": 2, "fake_llm_delay_ms": 0}])
async def test_runs_per_key_are_limited_and_a_refused_message_writes_nothing(server: LiveServer) -> None:
    user = await server.user()
    thread = await server.thread(user)
    for _ in range(2):
        run = await server.ask(user, thread)
        await server.wait_status(user, run["run_id"], "done")
    refused = await server.post(user, thread, "a third question in the same minute")
    assert_429(refused, "RATE_LIMIT_RUNS_PER_MINUTE")
    assert await count_rows(server, RunModel) == 2
    assert await count_rows(server, MessageModel, role="user") == 2
    # Another user has a limit of their own.
    other = await server.user()
    assert (await server.post(other, await server.thread(other))).status_code == 202


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_requests_per_minute": 5}])
async def test_api_calls_per_key_are_limited_with_ratelimit_headers(server: LiveServer) -> None:
    user = await server.user()
    remaining = []
    for _ in range(5):
        response = await server.http.get("/api/users/me", headers=user.headers)
        assert response.status_code == 200
        assert response.headers["RateLimit-Limit"] == "5"
        remaining.append(int(response.headers["RateLimit-Remaining"]))
    assert remaining == [4, 3, 2, 1, 0]
    assert_429(await server.http.get("/api/threads", headers=user.headers), "RATE_LIMIT_REQUESTS_PER_MINUTE")
    # A bad key is refused as 401 whatever the count, and does not count against anyone.
    assert (await server.http.get("/api/threads", headers={"Authorization": "Bearer cvk_nope"})).status_code == 401
    other = await server.user()
    assert (await server.http.get("/api/threads", headers=other.headers)).status_code == 200


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_signups_per_hour": 3}])
async def test_sign_ups_per_address_are_limited(server: LiveServer) -> None:
    for i in range(3):
        assert (await server.http.post("/api/users", json={"name": f"u{i}"})).status_code == 201
    refused = await server.http.post("/api/users", json={"name": "u3"})
    assert_429(refused, "RATE_LIMIT_SIGNUPS_PER_HOUR")


@pytest.mark.parametrize("settings_overrides", [{"max_streams_per_key": 2, "fake_llm_tokens": 400}])
async def test_open_streams_per_key_are_capped_and_a_closed_one_frees_its_slot(server: LiveServer) -> None:
    user = await server.user()
    run = await server.ask(user, await server.thread(user))
    url = f"/api/runs/{run['run_id']}/events"

    async def hold(opened: asyncio.Event, close: asyncio.Event) -> None:
        async with aconnect_sse(server.http, "GET", url, headers=user.headers) as source:
            assert source.response.status_code == 200
            opened.set()
            await close.wait()

    close_first, close_second = asyncio.Event(), asyncio.Event()
    opened = [asyncio.Event(), asyncio.Event()]
    tasks = [
        asyncio.create_task(hold(opened[0], close_first)),
        asyncio.create_task(hold(opened[1], close_second)),
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(e.wait() for e in opened)), 10)
        third = await server.http.get(url, headers=user.headers)
        assert third.status_code == 429 and "MAX_STREAMS_PER_KEY" in third.json()["detail"]
        assert third.headers["Retry-After"] == "5"
        # The stream token speaks for the same key: it is capped too.
        assert (await server.http.get(run["stream_url"])).status_code == 429
        close_first.set()
        await asyncio.wait_for(tasks[0], 10)
        async with asyncio.timeout(5):  # the slot is freed once the server sees the stream end
            while True:
                async with aconnect_sse(server.http, "GET", url, headers=user.headers) as source:
                    if source.response.status_code == 200:
                        break
                await asyncio.sleep(0.05)
    finally:
        close_first.set()
        close_second.set()
        for task in tasks:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 10)


@pytest.mark.parametrize("settings_overrides", [{}])
async def test_a_message_over_the_size_limit_is_refused_precisely(server: LiveServer) -> None:
    user = await server.user()
    thread = await server.thread(user)
    response = await server.post(user, thread, "x" * 8001)
    assert response.status_code == 400
    assert "content" in response.json()["detail"] and "8000" in response.json()["detail"]
    assert await count_rows(server, RunModel) == 0


@pytest.mark.parametrize(
    "settings_overrides", [{"cors_allow_origins": "https://ats.example.com, https://admin.example.com"}]
)
async def test_cors_lets_configured_origins_call_the_api(server: LiveServer) -> None:
    preflight = await server.http.options(
        "/api/threads",
        headers={
            "Origin": "https://ats.example.com",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type, idempotency-key",
        },
    )
    assert preflight.status_code in {200, 204}
    assert preflight.headers["access-control-allow-origin"] == "https://ats.example.com"
    assert "idempotency-key" in preflight.headers["access-control-allow-headers"].lower()
    user = await server.user()
    response = await server.http.get("/api/threads", headers=user.headers | {"Origin": "https://ats.example.com"})
    assert response.headers["access-control-allow-origin"] == "https://ats.example.com"
    assert "ratelimit-remaining" in response.headers["access-control-expose-headers"].lower()
    stranger = await server.http.get("/api/threads", headers=user.headers | {"Origin": "https://evil.example"})
    assert "access-control-allow-origin" not in stranger.headers


async def test_no_cors_headers_by_default(server: LiveServer) -> None:
    user = await server.user()
    response = await server.http.get("/api/threads", headers=user.headers | {"Origin": "https://ats.example.com"})
    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
async def test_on_postgres_every_instance_shares_the_count(settings: Settings) -> None:
    """Two app instances (as two workers or hosts) on one database: the key's limit is one budget, not two."""
    limited = msgspec.structs.replace(settings, rate_limit_requests_per_minute=6)
    async with LiveServer.start(limited) as a, LiveServer.start(limited) as b:
        user = await a.user()
        statuses = []
        for server in (a, b, a, b, a, b, a, b):
            statuses.append((await server.http.get("/api/users/me", headers=user.headers)).status_code)
        assert statuses == [200] * 6 + [429, 429]


@pytest.mark.parametrize("settings_overrides", [{"max_concurrent_runs": 1, "fake_llm_tokens": 400}])
async def test_runs_beyond_max_concurrent_runs_wait_and_show_their_place_in_the_queue(server: LiveServer) -> None:
    user = await server.user()
    runs = [(await server.ask(user, await server.thread(user)))["run_id"] for _ in range(3)]
    first = await server.wait_status(user, runs[0], "running")
    assert first["queue_position"] is None
    second, third = await server.run(user, runs[1]), await server.run(user, runs[2])
    assert (second["status"], second["queue_position"]) == ("queued", 1)
    assert (third["status"], third["queue_position"]) == ("queued", 2)
    # Another user's view of the queue counts every queued run, as the executor claims them.
    other = await server.user()
    theirs = (await server.ask(other, await server.thread(other)))["run_id"]
    assert (await server.run(other, theirs))["queue_position"] == 3
    assert (await server.http.post(f"/api/runs/{runs[0]}/cancel", headers=user.headers)).status_code == 200
    await server.wait_status(user, runs[1], "running")
    third = await server.run(user, runs[2])
    assert (third["status"], third["queue_position"]) == ("queued", 1), third
    for run_id in runs[1:]:
        await server.http.post(f"/api/runs/{run_id}/cancel", headers=user.headers)
    await server.http.post(f"/api/runs/{theirs}/cancel", headers=other.headers)


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_auth_failures_per_minute": 3, "admin_token": "adm-t0k"}])
async def test_an_address_that_keeps_failing_to_authenticate_is_held_off(server: LiveServer) -> None:
    user = await server.user()
    bad = {"Authorization": "Bearer cvk_guess"}
    assert [(await server.http.get("/api/threads", headers=bad)).status_code for _ in range(3)] == [401] * 3
    # The fourth failure in the minute, and then anything from that address, even a good key or the admin token.
    assert_429(await server.http.get("/api/threads", headers=bad), "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE")
    assert_429(await server.http.get("/api/threads", headers=user.headers), "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE")
    admin = await server.http.get("/api/admin/users", headers={"Authorization": "Bearer adm-t0k"})
    assert_429(admin, "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE")


@pytest.mark.parametrize("settings_overrides", [{"rate_limit_auth_failures_per_minute": 3, "admin_token": "adm-t0k"}])
async def test_wrong_admin_tokens_and_stream_tokens_count_as_failures(server: LiveServer) -> None:
    user = await server.user()
    run = await server.ask(user, await server.thread(user))
    wrong_admin = await server.http.get("/api/admin/users", headers={"Authorization": "Bearer nope"})
    assert wrong_admin.status_code == 401
    forged = run["stream_url"].rsplit(".", 1)[0] + ".AAAA"
    assert (await server.http.get(forged)).status_code == 401
    assert (await server.http.get("/api/threads", headers={"Authorization": "Bearer x"})).status_code == 401
    assert_429(await server.http.get("/api/threads", headers=user.headers), "RATE_LIMIT_AUTH_FAILURES_PER_MINUTE")
