"""Run lifecycle over HTTP: cancel, failures, timeouts, idempotency, busy threads — on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio

SLOW = {"fake_llm_tokens": 200, "fake_llm_delay_ms": 20.0}


@pytest.mark.parametrize("settings_overrides", [SLOW])
async def test_cancel_of_a_running_run_ends_canceled_with_no_token_after_the_answer(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    seen = await server.frames(accepted["stream_url"], limit=6)  # queued, running and a few tokens
    assert events_of(seen)[-1].event == "token"
    response = await server.http.post(f"/api/runs/{accepted['run_id']}/cancel", headers=alice.headers)
    assert response.status_code == 200
    assert response.json() == {"run_id": accepted["run_id"], "status": "canceled"}
    answered_at = (await server.run(alice, accepted["run_id"]))["last_seq"]
    await asyncio.sleep(0.3)  # a token still in flight would land now
    run = await server.run(alice, accepted["run_id"])
    assert run["last_seq"] == answered_at
    events = events_of(await server.frames(f"/api/runs/{accepted['run_id']}/events", alice.headers))
    assert [e.event for e in events[-2:]] == ["canceled", "state"]
    assert events[-1].json()["status"] == "canceled"
    assert len([e for e in events if e.event == "token"]) < 200
    assert (run["status"], run["finished_at"] is not None) == ("canceled", True)
    again = await server.http.post(f"/api/runs/{accepted['run_id']}/cancel", headers=alice.headers)
    assert again.json()["status"] == "canceled"  # idempotent


@pytest.mark.parametrize("settings_overrides", [SLOW | {"max_concurrent_runs": 1}])
async def test_cancel_of_a_queued_run_ends_it_without_running(server: LiveServer) -> None:
    alice = await server.user()
    busy = await server.ask(alice, await server.thread(alice, "first"))
    await server.wait_status(alice, busy["run_id"], "running")
    waiting = await server.ask(alice, await server.thread(alice, "second"))
    assert (await server.run(alice, waiting["run_id"]))["status"] == "queued"
    response = await server.http.post(f"/api/runs/{waiting['run_id']}/cancel", headers=alice.headers)
    assert response.json()["status"] == "canceled"
    events = events_of(await server.frames(waiting["stream_url"]))
    assert [(e.event, e.json()) for e in events] == [
        ("state", {"type": "state", "status": "queued"}),
        ("canceled", {"type": "canceled", "reason": "canceled by the user"}),
        ("state", {"type": "state", "status": "canceled"}),
    ]
    assert (await server.run(alice, waiting["run_id"]))["started_at"] is None
    await server.http.post(f"/api/runs/{busy['run_id']}/cancel", headers=alice.headers)


@pytest.mark.parametrize("settings_overrides", [{"fake_llm_tokens": 10, "fake_llm_fail_after": 4}])
async def test_a_provider_failure_ends_with_error_then_state_error_keeping_the_partial_answer(
    server: LiveServer,
) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    events = events_of(await server.frames(accepted["stream_url"]))
    assert [e.json()["text"] for e in events if e.event == "token"] == ["tok0 ", "tok1 ", "tok2 ", "tok3 "]
    assert [e.event for e in events[-2:]] == ["error", "state"]
    error = events[-2].json()
    assert (error["code"], error["retryable"]) == ("provider_failed", True)
    assert "FAKE_LLM_FAIL_AFTER" in error["error"]
    assert events[-1].json()["status"] == "error"
    run = await server.run(alice, accepted["run_id"])
    assert (run["status"], run["error"]) == ("error", error["error"])


@pytest.mark.parametrize(
    "settings_overrides", [{"fake_llm_tokens": 100, "fake_llm_delay_ms": 50.0, "run_timeout_s": 0.4}]
)
async def test_a_run_over_its_timeout_ends_with_error_timeout(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    events = events_of(await server.frames(accepted["stream_url"]))
    assert [e.event for e in events[-2:]] == ["error", "state"]
    assert events[-2].json()["code"] == "timeout"
    assert "RUN_TIMEOUT_S" in events[-2].json()["error"]
    assert 0 < len([e for e in events if e.event == "token"]) < 100


@pytest.mark.parametrize("settings_overrides", [SLOW])
async def test_a_second_message_while_a_run_is_active_answers_409(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    first = await server.post(alice, thread_id, "Who knows Rust?")
    second = await server.post(alice, thread_id, "And Go?")
    assert (first.status_code, second.status_code) == (202, 409)
    assert second.headers["content-type"].startswith("application/problem+json")
    assert second.json()["type"] == "/problems/thread_busy"
    detail = (await server.http.get(f"/api/threads/{thread_id}", headers=alice.headers)).json()
    assert [m["content"] for m in detail["messages"]] == ["Who knows Rust?"]  # the refused message left nothing
    await server.http.post(f"/api/runs/{first.json()['run_id']}/cancel", headers=alice.headers)
    third = await server.post(alice, thread_id, "And Go?")
    assert third.status_code == 202


async def test_the_same_idempotency_key_and_body_return_the_same_run_and_another_body_422(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    key = {"Idempotency-Key": "retry-123"}
    first, again = await asyncio.gather(
        server.post(alice, thread_id, "Who knows Rust?", **key), server.post(alice, thread_id, "Who knows Rust?", **key)
    )
    assert (first.status_code, again.status_code) == (202, 202)
    assert (first.json()["run_id"], first.json()["message_id"]) == (again.json()["run_id"], again.json()["message_id"])
    await server.frames(first.json()["stream_url"])
    later = await server.post(alice, thread_id, "Who knows Rust?", **key)
    assert (later.status_code, later.json()["run_id"]) == (202, first.json()["run_id"])
    assert later.headers["idempotent-replayed"] == "true"
    other = await server.post(alice, thread_id, "Who knows Go?", **key)
    assert other.status_code == 422
    assert other.json()["type"] == "/problems/idempotency_key_reused"
    runs = (await server.http.get(f"/api/threads/{thread_id}/runs", headers=alice.headers)).json()["items"]
    assert [r["run_id"] for r in runs] == [first.json()["run_id"]]
    detail = (await server.http.get(f"/api/threads/{thread_id}", headers=alice.headers)).json()
    assert [m["role"] for m in detail["messages"]] == ["user", "assistant"]


async def test_the_thread_keeps_the_conversation_and_runs_list_newest_first(server: LiveServer) -> None:
    alice = await server.user()
    thread_id = await server.thread(alice)
    run_ids = []
    for question in ("first?", "second?", "third?"):
        accepted = await server.ask(alice, thread_id, question)
        await server.frames(accepted["stream_url"])
        run_ids.append(accepted["run_id"])
    page1 = (await server.http.get(f"/api/threads/{thread_id}/runs?limit=2", headers=alice.headers)).json()
    page2 = (
        await server.http.get(
            f"/api/threads/{thread_id}/runs", params={"limit": 2, "cursor": page1["next_cursor"]}, headers=alice.headers
        )
    ).json()
    assert [r["run_id"] for r in page1["items"] + page2["items"]] == run_ids[::-1]
    assert page2["next_cursor"] is None
    messages = (await server.http.get(f"/api/threads/{thread_id}", headers=alice.headers)).json()["messages"]
    assert [(m["role"], m["content"][:6]) for m in messages] == [
        ("user", "first?"),
        ("assistant", "tok0 t"),
        ("user", "second"),
        ("assistant", "tok0 t"),
        ("user", "third?"),
        ("assistant", "tok0 t"),
    ]
    assert messages[1]["run_id"] == run_ids[0]
