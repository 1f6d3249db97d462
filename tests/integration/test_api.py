"""Users, threads, auth, isolation, errors and the API's documents, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import func, select

from cvchat.infrastructure.db.models import MessageModel, RunEventModel, RunModel
from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio


async def test_a_user_gets_a_key_once_and_a_taken_name_answers_409(server: LiveServer) -> None:
    alice = await server.user("alice")
    assert alice.api_key.startswith("cvk_")
    me = await server.http.get("/api/users/me", headers=alice.headers)
    assert me.json()["name"] == "alice"
    assert "api_key" not in me.json()
    taken = await server.http.post("/api/users", json={"name": "alice"})
    assert taken.status_code == 409
    assert taken.json()["type"] == "/problems/user_name_taken"


async def test_every_api_route_needs_a_valid_bearer_key(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    for headers in ({}, {"Authorization": "Bearer cvk_nope"}, {"Authorization": "Basic abc"}):
        for method, path in [
            ("GET", "/api/users/me"),
            ("GET", "/api/threads"),
            ("POST", "/api/threads"),
            ("GET", f"/api/threads/{thread_id}"),
            ("GET", f"/api/runs/{uuid.uuid4()}/events"),
        ]:
            response = await server.http.request(method, path, headers=headers, json={} if method == "POST" else None)
            assert response.status_code == 401, (method, path, headers)
            assert response.headers["content-type"].startswith("application/problem+json")
            assert response.headers["www-authenticate"].startswith("Bearer")


async def test_another_users_threads_and_runs_answer_404(server: LiveServer) -> None:
    alice, mallory = await server.user(), await server.user()
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id)
    await server.frames(accepted["stream_url"])
    run_id = accepted["run_id"]
    for method, path in [
        ("GET", f"/api/threads/{thread_id}"),
        ("DELETE", f"/api/threads/{thread_id}"),
        ("GET", f"/api/threads/{thread_id}/runs"),
        ("POST", f"/api/threads/{thread_id}/messages"),
        ("GET", f"/api/runs/{run_id}"),
        ("GET", f"/api/runs/{run_id}/events"),
        ("GET", f"/api/runs/{run_id}/events/page"),
        ("POST", f"/api/runs/{run_id}/cancel"),
    ]:
        body = {"content": "hi"} if path.endswith("messages") else None
        theirs = await server.http.request(method, path, headers=mallory.headers, json=body)
        missing = await server.http.request(
            method,
            path.replace(thread_id, str(uuid.uuid4())).replace(run_id, str(uuid.uuid4())),
            headers=mallory.headers,
            json=body,
        )
        assert (theirs.status_code, missing.status_code) == (404, 404), (method, path)
        assert theirs.json()["type"] == missing.json()["type"] == "/problems/not_found"
    assert (await server.http.get("/api/threads", headers=mallory.headers)).json()["items"] == []
    spoof = await server.http.post("/api/threads", json={"user_id": alice.user_id}, headers=mallory.headers)
    assert spoof.status_code == 404
    own = await server.http.post("/api/threads", json={"user_id": mallory.user_id}, headers=mallory.headers)
    assert own.status_code == 201


@pytest.mark.parametrize("settings_overrides", [{"stream_token_ttl_s": 2}])
async def test_a_stream_token_is_refused_for_another_run_and_after_it_expires(server: LiveServer) -> None:
    alice = await server.user()
    first = await server.ask(alice, await server.thread(alice, "a"))
    second = await server.ask(alice, await server.thread(alice, "b"))
    token = first["stream_url"].split("token=")[1]
    assert len(events_of(await server.frames(first["stream_url"]))) > 3
    wrong_run = await server.http.get(f"/api/runs/{second['run_id']}/events?token={token}")
    assert wrong_run.status_code == 401
    assert "not valid for this run" in wrong_run.json()["detail"]
    garbage = await server.http.get(f"/api/runs/{first['run_id']}/events?token=abc")
    assert garbage.status_code == 401
    await asyncio.sleep(3.1)
    expired = await server.http.get(first["stream_url"])
    assert expired.status_code == 401
    assert "expired" in expired.json()["detail"]


async def test_threads_are_listed_newest_first_a_page_at_a_time(server: LiveServer) -> None:
    alice = await server.user()
    ids = [await server.thread(alice, f"t{i}") for i in range(5)]
    seen, cursor = [], None
    while True:
        params = {"limit": 2} | ({"cursor": cursor} if cursor else {})
        page = (await server.http.get("/api/threads", params=params, headers=alice.headers)).json()
        seen += [t["thread_id"] for t in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    too_big = await server.http.get("/api/threads", params={"limit": 1000}, headers=alice.headers)
    assert too_big.status_code == 400
    assert "limit" in too_big.json()["detail"]


async def test_deleting_a_thread_removes_its_messages_runs_and_events(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    kept_thread = await server.thread(alice, "kept")
    accepted = await server.ask(alice, thread_id)
    await server.frames(accepted["stream_url"])
    kept = await server.ask(alice, kept_thread)
    await server.frames(kept["stream_url"])
    assert (await server.http.delete(f"/api/threads/{thread_id}", headers=alice.headers)).status_code == 204
    assert (await server.http.get(f"/api/threads/{thread_id}", headers=alice.headers)).status_code == 404
    assert (await server.http.get(f"/api/runs/{accepted['run_id']}", headers=alice.headers)).status_code == 404
    async with server.runtime.read_sessions() as session:
        for model in (MessageModel, RunModel):
            assert (
                await session.scalar(
                    select(func.count()).select_from(model).where(model.thread_id == uuid.UUID(thread_id))
                )
                == 0
            )
        gone = (
            select(func.count()).select_from(RunEventModel).where(RunEventModel.run_id == uuid.UUID(accepted["run_id"]))
        )
        assert await session.scalar(gone) == 0
        still = select(func.count()).select_from(RunEventModel).where(RunEventModel.run_id == uuid.UUID(kept["run_id"]))
        assert await session.scalar(still) > 0


@pytest.mark.parametrize("settings_overrides", [{"fake_llm_tokens": 500, "fake_llm_delay_ms": 20.0}])
async def test_deleting_a_thread_with_an_active_run_stops_it(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    accepted = await server.ask(alice, thread_id)
    await server.frames(accepted["stream_url"], limit=4)
    assert (await server.http.delete(f"/api/threads/{thread_id}", headers=alice.headers)).status_code == 204
    async with asyncio.timeout(5):
        while server.runtime.executor.active_runs:
            await asyncio.sleep(0.02)
    async with server.runtime.read_sessions() as session:
        assert await session.scalar(select(func.count()).select_from(RunEventModel)) == 0


async def test_bad_input_gets_problem_details_naming_the_field(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    cases = [
        ({"content": ""}, "content"),
        ({"content": "   "}, "content"),
        ({"content": "x" * 8001}, "content"),
        ({"content": "hi", "extra": 1}, "extra"),
        ({}, "content"),
        ({"content": 5}, "content"),
    ]
    for body, field in cases:
        response = await server.http.post(f"/api/threads/{thread_id}/messages", json=body, headers=alice.headers)
        assert response.status_code == 400, body
        problem = response.json()
        assert problem["type"] == "/problems/validation_error"
        assert field in problem["detail"], (body, problem)
    not_json = await server.http.post(
        f"/api/threads/{thread_id}/messages",
        content=b"{oops",
        headers=alice.headers | {"content-type": "application/json"},
    )
    assert not_json.status_code == 400
    bad_id = await server.http.get("/api/threads/not-a-uuid", headers=alice.headers)
    assert bad_id.status_code == 404
    runs = (await server.http.get(f"/api/threads/{thread_id}/runs", headers=alice.headers)).json()["items"]
    assert runs == []  # nothing was half-written


@pytest.mark.parametrize("settings_overrides", [{"max_body_bytes": 2048}])
async def test_an_oversized_body_answers_413(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    response = await server.http.post(
        f"/api/threads/{thread_id}/messages", json={"content": "x" * 4000}, headers=alice.headers
    )
    assert response.status_code == 413
    assert response.headers["content-type"].startswith("application/problem+json")


async def test_health_ready_docs_and_the_openapi_document(server: LiveServer) -> None:
    assert (await server.http.get("/health")).json() == {"status": "ok"}
    ready = (await server.http.get("/ready")).json()
    assert ready == {"status": "ok", "database": True, "schema_at_head": True, "executor": True, "detail": None}
    assert (await server.http.get("/docs", follow_redirects=True)).status_code == 200
    document = (await server.http.get("/schema/openapi.json")).json()
    assert document == (await server.http.get("/openapi.json")).json()
    assert document["openapi"].startswith("3.1")
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {
        "CreateUser",
        "GetCurrentUser",
        "CreateThread",
        "ListThreads",
        "GetThread",
        "DeleteThread",
        "PostMessage",
        "ListRuns",
        "GetRun",
        "CancelRun",
        "StreamRunEvents",
        "ListRunEvents",
        "Health",
        "Ready",
    } <= operations
    assert document["components"]["securitySchemes"]["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": "The API key from `POST /api/users`.",
    }
    assert document["paths"]["/api/threads"]["get"]["security"] == [{"BearerAuth": []}]
    assert (
        "security" not in document["paths"]["/api/users"]["post"]
        or document["paths"]["/api/users"]["post"]["security"] == []
    )
    stream = document["paths"]["/api/runs/{run_id}/events"]["get"]
    assert "text/event-stream" in stream["responses"]["200"]["content"]
    # Each SSE event is described as a parser sees it: `event` (the tag), `id` (the seq), `data` (JSON of that type).
    frames = stream["responses"]["200"]["content"]["text/event-stream"]["schema"]["oneOf"]
    by_event = {f["properties"]["event"]["const"]: f["properties"]["data"] for f in frames}
    assert by_event["token"]["contentSchema"] == {"$ref": "#/components/schemas/Token"}
    assert by_event["done"]["contentSchema"]["required"] == ["run_id", "status", "last_seq"]
    assert set(by_event) == {"state", "token", "tool_start", "tool_end", "final", "error", "canceled", "done"}
    schemas = document["components"]["schemas"]
    tags = {
        schemas[name]["properties"]["type"].get("const")
        for name in schemas
        if "type" in schemas[name].get("properties", {})
    }
    assert {"state", "token", "tool_start", "tool_end", "final", "error", "canceled"} <= tags
