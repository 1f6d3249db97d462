"""Event retention: pruning is explicit, touches only old finished runs, keeps the runs, and pruned logs answer 410."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from cvchat.infrastructure.db.models import RunEventModel, RunModel
from tests.support.live import LiveServer, User

pytestmark = pytest.mark.anyio

ADMIN_TOKEN = "admin-token-for-tests"
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


async def _finished_run(server: LiveServer, user: User, title: str, *, age_days: float) -> dict[str, object]:
    """A run that has finished, whose finish is moved `age_days` into the past."""
    accepted = await server.ask(user, await server.thread(user, title))
    await server.frames(accepted["stream_url"])
    run_id = uuid.UUID(str(accepted["run_id"]))
    async with server.runtime.write_sessions() as session, session.begin():
        finished = datetime.now(UTC) - timedelta(days=age_days)
        await session.execute(update(RunModel).where(RunModel.id == run_id).values(finished_at=finished))
    return await server.run(user, str(run_id))


async def _event_count(server: LiveServer, run_id: object) -> int:
    async with server.runtime.read_sessions() as session:
        query = select(func.count()).select_from(RunEventModel).where(RunEventModel.run_id == uuid.UUID(str(run_id)))
        return int(await session.scalar(query) or 0)


@pytest.mark.parametrize("settings_overrides", [{"admin_token": ADMIN_TOKEN, "event_retention_days": 30}])
async def test_pruning_deletes_old_finished_runs_events_and_keeps_the_runs(server: LiveServer) -> None:
    alice = await server.user()
    old = await _finished_run(server, alice, "old", age_days=40)
    recent = await _finished_run(server, alice, "recent", age_days=2)
    recent_events = await _event_count(server, recent["run_id"])

    pruned = await server.http.post("/api/admin/prune-events", json={}, headers=ADMIN)  # EVENT_RETENTION_DAYS
    assert pruned.status_code == 200
    assert (pruned.json()["runs"], pruned.json()["events"]) == (1, old["last_seq"])
    assert await _event_count(server, old["run_id"]) == 0
    assert await _event_count(server, recent["run_id"]) == recent_events

    run = await server.run(alice, str(old["run_id"]))
    assert run["events_pruned_at"] is not None
    assert {k: run[k] for k in ("status", "usage", "last_seq", "finished_at")} == {
        k: old[k] for k in ("status", "usage", "last_seq", "finished_at")
    }
    thread = (await server.http.get(f"/api/threads/{run['thread_id']}", headers=alice.headers)).json()
    assert [m["role"] for m in thread["messages"]] == ["user", "assistant"]  # the conversation stays

    for url in (f"/api/runs/{old['run_id']}/events", f"/api/runs/{old['run_id']}/events/page"):
        gone = await server.http.get(url, headers=alice.headers)
        assert gone.status_code == 410, url
        assert gone.headers["content-type"].startswith("application/problem+json")
        assert gone.json()["type"] == "/problems/events_pruned"
    at_end = await server.http.get(
        f"/api/runs/{old['run_id']}/events", headers=alice.headers | {"Last-Event-ID": str(old["last_seq"])}
    )
    assert at_end.status_code == 204  # a browser that had everything still stops reconnecting
    assert (await server.run(alice, str(recent["run_id"])))["events_pruned_at"] is None

    again = await server.http.post("/api/admin/prune-events", json={}, headers=ADMIN)
    assert (again.json()["runs"], again.json()["events"]) == (0, 0)


@pytest.mark.parametrize(
    "settings_overrides",
    [{"admin_token": ADMIN_TOKEN, "fake_llm_tokens": 500, "fake_llm_delay_ms": 20.0}],
)
async def test_pruning_never_touches_active_runs_and_needs_an_age(server: LiveServer) -> None:
    alice = await server.user()
    finished = await _finished_run(server, alice, "finished", age_days=0.5)
    nothing = await server.http.post("/api/admin/prune-events", json={}, headers=ADMIN)
    assert nothing.status_code == 422  # no EVENT_RETENTION_DAYS and no age: the log is kept
    assert "EVENT_RETENTION_DAYS" in nothing.json()["detail"]

    active = await server.ask(alice, await server.thread(alice, "active"))
    await server.wait_status(alice, str(active["run_id"]), "running")
    everything = await server.http.post("/api/admin/prune-events", json={"older_than_days": 0}, headers=ADMIN)
    assert everything.json()["runs"] == 1
    assert await _event_count(server, finished["run_id"]) == 0
    assert await _event_count(server, active["run_id"]) > 0
    assert (await server.run(alice, str(active["run_id"])))["events_pruned_at"] is None
    await server.http.post(f"/api/runs/{active['run_id']}/cancel", headers=alice.headers)
    assert (
        await server.http.post("/api/admin/prune-events", json={"older_than_days": -1}, headers=ADMIN)
    ).status_code == 400
    too_old = await server.http.post("/api/admin/prune-events", json={"older_than_days": 5e15}, headers=ADMIN)
    assert too_old.status_code == 400, too_old.text  # was a 500: timedelta overflowed


def _cli(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "EVENT_RETENTION_DAYS"}}
    return subprocess.run(
        [str(Path(sys.executable).parent / "cvchat"), *args], env=base | env, capture_output=True, text=True, timeout=60
    )


async def test_cvchat_prune_prunes_what_is_older_than_asked_and_refuses_without_an_age(server: LiveServer) -> None:
    alice = await server.user()
    old = await _finished_run(server, alice, "old", age_days=10)
    recent = await _finished_run(server, alice, "recent", age_days=1)
    url = server.settings.resolved_database_url

    refused = await asyncio.to_thread(_cli, "prune", DATABASE_URL=url)
    assert refused.returncode == 2
    assert "EVENT_RETENTION_DAYS" in refused.stderr
    ancient = await asyncio.to_thread(_cli, "prune", "--older-than", "1e12", DATABASE_URL=url)  # before year 1
    assert ancient.stdout.startswith("pruned 0 events of 0 runs"), ancient.stderr
    pruned = await asyncio.to_thread(_cli, "prune", "--older-than", "7", DATABASE_URL=url)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.startswith(f"pruned {old['last_seq']} events of 1 runs")
    by_setting = await asyncio.to_thread(_cli, "prune", DATABASE_URL=url, EVENT_RETENTION_DAYS="0.5")
    assert by_setting.stdout.startswith(f"pruned {recent['last_seq']} events of 1 runs"), by_setting.stderr
    assert (await server.run(alice, str(old["run_id"])))["events_pruned_at"] is not None
    assert (await server.run(alice, str(recent["run_id"])))["events_pruned_at"] is not None
