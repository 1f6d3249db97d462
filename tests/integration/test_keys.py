"""API keys: several per user, listing without secrets, revocation that ends open streams at once, admin routes,
deleting a user with everything they own, and tenant isolation on every route; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse
from sqlalchemy import func, select

from cvchat.infrastructure.db.models import ApiKeyModel, MessageModel, RunEventModel, RunModel, ThreadModel, UserModel
from cvchat.infrastructure.settings import Settings
from tests.support.live import LiveServer, User

pytestmark = pytest.mark.anyio

ADMIN_TOKEN = "admin-token-for-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
LONG_RUN = {"fake_llm_tokens": 500, "fake_llm_delay_ms": 20.0, "admin_token": ADMIN_TOKEN}
"""A run that streams for about ten seconds: long enough to act on it while it is live."""


async def _new_key(server: LiveServer, user: User, name: str | None = None) -> User:
    """Another key for the same user, as a `User` whose headers carry it."""
    response = await server.http.post("/api/users/me/keys", json={"name": name}, headers=user.headers)
    assert response.status_code == 201, response.text
    return User(user_id=user.user_id, name=user.name, api_key=response.json()["api_key"])


async def _key_id(server: LiveServer, user: User) -> str:
    """The id of the key `user.headers` carries (matched by its prefix)."""
    keys = (await server.http.get("/api/users/me/keys", headers=user.headers)).json()["items"]
    return str(next(k["key_id"] for k in keys if user.api_key.startswith(k["prefix"]) and k["revoked_at"] is None))


@dataclass
class OpenStream:
    """An SSE stream read in the background, with the time it ended."""

    frames: list[Any] = field(default_factory=list)
    ended_at: float | None = None
    status: int | None = None
    started: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def events(self) -> list[Any]:
        return [f for f in self.frames if f.data and f.event != "done"]


@asynccontextmanager
async def _open_stream(base_url: str, url: str, headers: dict[str, str] | None = None) -> AsyncIterator[OpenStream]:
    """Read `url` as SSE in a task of its own (its own client: one stream per connection)."""
    stream = OpenStream()

    async def read() -> None:
        async with (
            httpx.AsyncClient(base_url=base_url, timeout=30) as http,
            aconnect_sse(http, "GET", url, headers=headers or {}) as source,
        ):
            stream.status = source.response.status_code
            async for sse in source.aiter_sse():
                stream.frames.append(sse)
                if len(stream.events) >= 3:
                    stream.started.set()
        stream.ended_at = time.monotonic()
        stream.started.set()

    task = asyncio.create_task(read())
    try:
        async with asyncio.timeout(10):
            await stream.started.wait()
        yield stream
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def _wait_ended(stream: OpenStream, timeout: float = 5) -> None:
    async with asyncio.timeout(timeout):
        while stream.ended_at is None:
            await asyncio.sleep(0.01)


async def test_a_user_creates_lists_and_revokes_keys_and_secrets_are_never_shown_again(server: LiveServer) -> None:
    alice = await server.user()
    created = await server.http.post("/api/users/me/keys", json={"name": "laptop"}, headers=alice.headers)
    assert created.status_code == 201
    body = created.json()
    assert body["api_key"].startswith("cvk_") and body["api_key"].startswith(body["prefix"])
    assert (body["name"], body["user_id"], body["revoked_at"]) == ("laptop", alice.user_id, None)
    laptop = User(user_id=alice.user_id, name=alice.name, api_key=body["api_key"])
    assert (await server.http.get("/api/users/me", headers=laptop.headers)).json()["user_id"] == alice.user_id

    listed = (await server.http.get("/api/users/me/keys", headers=alice.headers)).json()
    assert [k["name"] for k in listed["items"]] == ["laptop", None]  # newest first
    assert listed["next_cursor"] is None
    for key in listed["items"]:
        assert set(key) == {"key_id", "user_id", "name", "prefix", "created_at", "revoked_at"}
        assert len(key["prefix"]) == 8
    text = str(listed)
    assert alice.api_key not in text and laptop.api_key not in text

    first_page = (await server.http.get("/api/users/me/keys?limit=1", headers=alice.headers)).json()
    second_page = (
        await server.http.get(f"/api/users/me/keys?limit=1&cursor={first_page['next_cursor']}", headers=alice.headers)
    ).json()
    assert [k["key_id"] for k in first_page["items"] + second_page["items"]] == [k["key_id"] for k in listed["items"]]

    original_id = listed["items"][1]["key_id"]
    revoked = await server.http.delete(f"/api/users/me/keys/{original_id}", headers=laptop.headers)
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 401
    again = await server.http.delete(f"/api/users/me/keys/{original_id}", headers=laptop.headers)
    assert (again.status_code, again.json()["revoked_at"]) == (200, revoked.json()["revoked_at"])
    keys = (await server.http.get("/api/users/me/keys", headers=laptop.headers)).json()["items"]
    assert [k["revoked_at"] is None for k in keys] == [True, False]


async def test_revoking_your_last_active_key_answers_409_and_bad_names_400(server: LiveServer) -> None:
    alice = await server.user()
    key_id = await _key_id(server, alice)
    refused = await server.http.delete(f"/api/users/me/keys/{key_id}", headers=alice.headers)
    assert refused.status_code == 409
    assert refused.json()["type"] == "/problems/last_active_key"
    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 200
    for body in ({"name": ""}, {"name": "x" * 101}, {"name": "ok", "extra": 1}):
        assert (await server.http.post("/api/users/me/keys", json=body, headers=alice.headers)).status_code == 400
    unnamed = await server.http.post("/api/users/me/keys", json={}, headers=alice.headers)
    assert (unnamed.status_code, unnamed.json()["name"]) == (201, None)


async def test_two_concurrent_revocations_never_leave_a_user_without_an_active_key(server: LiveServer) -> None:
    for _ in range(3):
        alice = await server.user()
        other = await _new_key(server, alice)
        first_id, other_id = await _key_id(server, alice), await _key_id(server, other)
        answers = await asyncio.gather(
            server.http.delete(f"/api/users/me/keys/{first_id}", headers=other.headers),
            server.http.delete(f"/api/users/me/keys/{other_id}", headers=alice.headers),
        )
        # One wins; the other is refused as the last active key, or, if it authenticated after the winner's
        # commit, as a revoked key. Either way the user keeps exactly one active key.
        assert sorted(a.status_code for a in answers) in ([200, 401], [200, 409]), [a.text for a in answers]
        survivor = other if answers[0].status_code == 200 else alice  # the first request revoked alice's first key
        keys = (await server.http.get("/api/users/me/keys", headers=survivor.headers)).json()["items"]
        assert sum(k["revoked_at"] is None for k in keys) == 1


@pytest.mark.parametrize("settings_overrides", [LONG_RUN])
async def test_a_revoked_keys_open_streams_close_at_once_and_its_next_requests_are_401(server: LiveServer) -> None:
    alice = await server.user()
    other = await _new_key(server, alice, "other")
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id)  # its stream_url's token is signed with alice's first key
    run_url = f"/api/runs/{accepted['run_id']}/events"
    async with (
        _open_stream(server.base_url, run_url, alice.headers) as by_bearer,
        _open_stream(server.base_url, accepted["stream_url"]) as by_token,
        _open_stream(server.base_url, run_url, other.headers) as by_other_key,
    ):
        revoked_at = time.monotonic()
        response = await server.http.delete(f"/api/users/me/keys/{await _key_id(server, alice)}", headers=other.headers)
        assert response.status_code == 200
        await _wait_ended(by_bearer)
        await _wait_ended(by_token)
        assert by_bearer.ended_at is not None and by_token.ended_at is not None
        assert max(by_bearer.ended_at, by_token.ended_at) - revoked_at < 2
        for stream in (by_bearer, by_token):
            assert stream.status == 200
            assert not any(f.event == "done" for f in stream.frames)  # ended by the revocation, not by the run
        seen = len(by_other_key.events)
        await asyncio.sleep(0.5)
        assert by_other_key.ended_at is None  # a stream opened with another key goes on
        assert len(by_other_key.events) > seen
        assert (await server.run(other, accepted["run_id"]))["status"] == "running"

    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 401
    assert (await server.http.get(run_url, headers=alice.headers)).status_code == 401
    by_token_again = await server.http.get(accepted["stream_url"])
    assert by_token_again.status_code == 401
    assert "revoked" in by_token_again.json()["detail"]
    await server.http.post(f"/api/runs/{accepted['run_id']}/cancel", headers=other.headers)


@pytest.mark.postgres
async def test_revoking_through_one_worker_closes_a_stream_held_by_another(fresh_postgres_url: str) -> None:
    settings = Settings(database_url=fresh_postgres_url, llm_provider="fake", event_flush_ms=10.0, **LONG_RUN)
    async with LiveServer.start(settings) as a, LiveServer.start(settings) as b:
        alice = await a.user()
        other = await _new_key(a, alice)
        accepted = await a.ask(alice, await a.thread(alice))
        async with _open_stream(a.base_url, accepted["stream_url"]) as on_a:
            revoked_at = time.monotonic()
            response = await b.http.delete(f"/api/users/me/keys/{await _key_id(b, alice)}", headers=other.headers)
            assert response.status_code == 200
            await _wait_ended(on_a)
            assert on_a.ended_at is not None and on_a.ended_at - revoked_at < 2
        assert (await a.run(other, accepted["run_id"]))["status"] == "running"
        await a.http.post(f"/api/runs/{accepted['run_id']}/cancel", headers=other.headers)


@pytest.mark.postgres
async def test_a_key_just_used_on_one_worker_answers_401_there_as_soon_as_another_revokes_it(
    fresh_postgres_url: str,
) -> None:
    settings = Settings(database_url=fresh_postgres_url, llm_provider="fake")
    async with LiveServer.start(settings) as a, LiveServer.start(settings) as b:
        alice = await a.user()
        other = await _new_key(a, alice)
        for _ in range(3):  # verified keys are remembered by the worker that saw them
            assert (await a.http.get("/api/users/me", headers=alice.headers)).status_code == 200
        response = await b.http.delete(f"/api/users/me/keys/{await _key_id(b, alice)}", headers=other.headers)
        assert response.status_code == 200
        assert (await a.http.get("/api/users/me", headers=alice.headers)).status_code == 401
        assert (await a.http.get("/api/users/me", headers=other.headers)).status_code == 200


@pytest.mark.postgres
async def test_a_revocation_missed_while_the_bus_was_disconnected_ends_the_stream_on_reconnect(
    fresh_postgres_url: str,
) -> None:
    settings = Settings(database_url=fresh_postgres_url, llm_provider="fake", event_flush_ms=10.0, **LONG_RUN)
    async with LiveServer.start(settings) as a:
        alice = await a.user()
        await _new_key(a, alice)
        key_id = uuid.UUID(await _key_id(a, alice))
        accepted = await a.ask(alice, await a.thread(alice))
        admin = await asyncpg.connect(fresh_postgres_url)
        try:
            async with _open_stream(a.base_url, accepted["stream_url"]) as stream:
                # A revocation whose notification this process never heard: written with no NOTIFY at all.
                await admin.execute("UPDATE api_keys SET revoked_at = now() WHERE id = $1", key_id)
                await asyncio.sleep(0.5)
                assert stream.ended_at is None
                cut = await admin.fetchval(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                    "AND (query LIKE 'LISTEN %' OR query = 'SELECT pg_notify($1, $2)')"
                )
                assert cut == 1  # the bus's listening connection
                await _wait_ended(stream)
        finally:
            await admin.close()
        assert a.runtime.bus.reconnects >= 1
        assert (await a.http.get(accepted["stream_url"])).status_code == 401
        assert (await a.http.get("/api/users/me", headers=alice.headers)).status_code == 401  # not from the cache


@pytest.mark.parametrize("settings_overrides", [{"admin_token": ADMIN_TOKEN}])
async def test_the_admin_lists_users_and_their_keys_and_revokes_any_key(server: LiveServer) -> None:
    alice, bob, carol = await server.user(), await server.user(), await server.user()
    users, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await server.http.get("/api/admin/users", params=params, headers=ADMIN)).json()
        users += [u["user_id"] for u in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert users == [carol.user_id, bob.user_id, alice.user_id]

    keys = (await server.http.get(f"/api/admin/users/{alice.user_id}/keys", headers=ADMIN)).json()["items"]
    assert len(keys) == 1 and "api_key" not in keys[0]
    revoked = await server.http.delete(f"/api/admin/keys/{keys[0]['key_id']}", headers=ADMIN)
    assert revoked.status_code == 200  # even a user's last key: this is how an account is shut
    assert revoked.json()["revoked_at"] is not None
    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 401
    assert (await server.http.get("/api/users/me", headers=bob.headers)).status_code == 200

    missing = uuid.uuid4()
    for method, path in [
        ("GET", f"/api/admin/users/{missing}/keys"),
        ("DELETE", f"/api/admin/keys/{missing}"),
        ("DELETE", f"/api/admin/users/{missing}"),
    ]:
        assert (await server.http.request(method, path, headers=ADMIN)).status_code == 404, path
    for headers in ({}, bob.headers, {"Authorization": "Bearer wrong"}):
        for method, path in [("GET", "/api/admin/users"), ("DELETE", f"/api/admin/keys/{keys[0]['key_id']}")]:
            assert (await server.http.request(method, path, headers=headers)).status_code == 401, (path, headers)


@pytest.mark.parametrize("settings_overrides", [{"admin_token": None}])
async def test_admin_routes_are_disabled_without_an_admin_token(server: LiveServer) -> None:
    response = await server.http.get("/api/admin/users", headers=ADMIN)
    assert response.status_code == 403
    assert "ADMIN_TOKEN" in response.json()["detail"]


async def _rows_of(server: LiveServer, user_id: str) -> dict[str, int]:
    """How many rows of each table belong to the user (directly or through their threads and runs)."""
    uid = uuid.UUID(user_id)
    threads = select(ThreadModel.id).where(ThreadModel.user_id == uid)
    runs = select(RunModel.id).where(RunModel.user_id == uid)
    queries = {
        "users": select(func.count()).select_from(UserModel).where(UserModel.id == uid),
        "api_keys": select(func.count()).select_from(ApiKeyModel).where(ApiKeyModel.user_id == uid),
        "threads": select(func.count()).select_from(ThreadModel).where(ThreadModel.user_id == uid),
        "messages": select(func.count()).select_from(MessageModel).where(MessageModel.thread_id.in_(threads)),
        "runs": select(func.count()).select_from(RunModel).where(RunModel.user_id == uid),
        "run_events": select(func.count()).select_from(RunEventModel).where(RunEventModel.run_id.in_(runs)),
    }
    async with server.runtime.read_sessions() as session:
        return {name: int(await session.scalar(query) or 0) for name, query in queries.items()}


@pytest.mark.parametrize("settings_overrides", [LONG_RUN])
async def test_deleting_a_user_stops_their_runs_and_leaves_no_row_of_theirs(server: LiveServer) -> None:
    alice, bob = await server.user(), await server.user()
    await _new_key(server, alice, "second")
    finished = await server.ask(alice, await server.thread(alice, "done"))
    await server.wait_status(alice, finished["run_id"], "done", timeout=30)
    active = await server.ask(alice, await server.thread(alice, "active"))
    bobs = await server.ask(bob, await server.thread(bob))
    before = await _rows_of(server, alice.user_id)
    assert all(before.values()), before

    async with _open_stream(server.base_url, active["stream_url"]) as alices_stream:
        deleted = await server.http.delete("/api/users/me", headers=alice.headers)
        assert deleted.status_code == 204
        await _wait_ended(alices_stream)
    async with asyncio.timeout(5):  # alice's run was stopped; bob's goes on
        while active["run_id"] in {str(r) for r in server.runtime.executor.run_ids}:
            await asyncio.sleep(0.02)
    assert await _rows_of(server, alice.user_id) == dict.fromkeys(before, 0)
    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 401
    assert (await server.run(bob, bobs["run_id"]))["status"] == "running"

    by_admin = await server.http.delete(f"/api/admin/users/{bob.user_id}", headers=ADMIN)
    assert by_admin.status_code == 204
    async with asyncio.timeout(5):
        while server.runtime.executor.active_runs:
            await asyncio.sleep(0.02)
    assert await _rows_of(server, bob.user_id) == dict.fromkeys(before, 0)
    async with server.runtime.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RunEventModel)) == 0
    assert (await server.http.delete(f"/api/admin/users/{bob.user_id}", headers=ADMIN)).status_code == 404


_OWNED_PARAMS = ("{thread_id}", "{run_id}", "{key_id}")
_BODIES = {"PostMessage": {"content": "hi"}}


async def test_another_users_ids_answer_404_on_every_route_exactly_like_unknown_ids(server: LiveServer) -> None:
    """Every route that takes a thread, run or key id, found in the OpenAPI document (so a new route is covered)."""
    alice, mallory = await server.user(), await server.user()
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id)
    await server.frames(accepted["stream_url"])
    ids = {"{thread_id}": thread_id, "{run_id}": accepted["run_id"], "{key_id}": await _key_id(server, alice)}
    document = (await server.http.get("/schema/openapi.json")).json()
    checked = set()
    for path, operations in document["paths"].items():
        if path.startswith("/api/admin") or not any(p in path for p in _OWNED_PARAMS):
            continue
        for method, operation in operations.items():
            body = _BODIES.get(operation["operationId"])
            theirs_path = missing_path = path
            for param, value in ids.items():
                theirs_path = theirs_path.replace(param, value)
                missing_path = missing_path.replace(param, str(uuid.uuid4()))
            theirs = await server.http.request(method, theirs_path, headers=mallory.headers, json=body)
            missing = await server.http.request(method, missing_path, headers=mallory.headers, json=body)
            assert (theirs.status_code, missing.status_code) == (404, 404), (method, path, theirs.text)
            assert theirs.json()["type"] == missing.json()["type"] == "/problems/not_found"
            assert theirs.json()["title"] == missing.json()["title"]
            checked.add(operation["operationId"])
    assert checked >= {
        "GetThread",
        "DeleteThread",
        "PostMessage",
        "ListRuns",
        "GetRun",
        "CancelRun",
        "StreamRunEvents",
        "ListRunEvents",
        "RevokeApiKey",
    }
    # Nothing of alice's was touched.
    assert (await server.http.get(f"/api/threads/{thread_id}", headers=alice.headers)).status_code == 200
    assert (await server.http.get("/api/users/me", headers=alice.headers)).status_code == 200
    assert len((await server.http.get(f"/api/threads/{thread_id}/runs", headers=alice.headers)).json()["items"]) == 1
    assert (await server.http.get("/api/users/me/keys", headers=mallory.headers)).json()["items"][0]["user_id"] == (
        mallory.user_id
    )
