"""The executor and the event log: recovery, shutdown, group commit, and a concurrency hammer — on both databases."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
import pytest
from sqlalchemy import select

from cvchat.domain.events import decode_event
from cvchat.infrastructure.db.models import RunEventModel, RunModel
from cvchat.infrastructure.settings import Settings
from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio


async def _log(server: LiveServer, run_id: str) -> list[RunEventModel]:
    async with server.runtime.read_sessions() as session:
        query = select(RunEventModel).where(RunEventModel.run_id == uuid.UUID(run_id)).order_by(RunEventModel.seq)
        return list((await session.scalars(query)).all())


def assert_log_is_whole(rows: list[RunEventModel], run: RunModel) -> None:
    """Gapless from 1, `queued` first, exactly one terminal state and it is last, and the run agrees."""
    assert [r.seq for r in rows] == list(range(1, len(rows) + 1)), run.id
    events = [decode_event(r.data) for r in rows]
    states = (
        [e.status for e in events if e.type == "state"]
        if False
        else [msgspec.to_builtins(e)["status"] for e in events if msgspec.to_builtins(e)["type"] == "state"]
    )
    assert states[0] == "queued"
    terminal = [s for s in states if s in {"done", "error", "canceled"}]
    assert len(terminal) == 1, states
    assert msgspec.to_builtins(events[-1]) == {"type": "state", "status": terminal[0]}
    assert run.status == terminal[0]
    assert run.last_seq == len(rows)
    if terminal[0] == "canceled":
        assert msgspec.to_builtins(events[-2])["type"] == "canceled"
    if terminal[0] == "error":
        assert msgspec.to_builtins(events[-2])["type"] == "error"


@pytest.mark.parametrize(
    "settings_overrides", [{"fake_llm_tokens": 400, "fake_llm_delay_ms": 20.0, "max_concurrent_runs": 1}]
)
async def test_runs_left_running_by_a_dead_worker_end_with_worker_lost_at_start_up(settings: Settings) -> None:
    async with LiveServer.start(settings) as first:
        alice = await first.user()
        busy = await first.ask(alice, await first.thread(alice, "busy"))
        orphan = await first.ask(alice, await first.thread(alice, "orphan"))
        await first.wait_status(alice, busy["run_id"], "running")
        # A worker that claims the queued run and then dies: the same claim the executor makes, then nothing.
        now = datetime.now(UTC)
        claimed = await first.runtime.store.claim(
            "dead-worker", now, now - timedelta(seconds=1), limit=5, history_turns=1
        )
        assert [str(c.run.id) for c in claimed] == [orphan["run_id"]]
    async with LiveServer.start(settings) as second:
        run = await second.wait_status(alice, orphan["run_id"], "error", timeout=10)
        assert run["error"].startswith("worker lost")
        events = events_of(await second.frames(f"/api/runs/{orphan['run_id']}/events", alice.headers))
        assert [e.event for e in events] == ["state", "state", "error", "state"]
        assert events[2].json()["code"] == "worker_lost"
        async with second.runtime.read_sessions() as session:
            for row in (await session.scalars(select(RunModel))).all():
                assert row.status != "running"
                assert_log_is_whole(await _log(second, str(row.id)), row)


@pytest.mark.parametrize(
    "settings_overrides", [{"fake_llm_tokens": 400, "fake_llm_delay_ms": 20.0, "shutdown_grace_s": 0.2}]
)
async def test_shutdown_leaves_no_run_running(settings: Settings) -> None:
    async with LiveServer.start(settings) as first:
        alice = await first.user()
        accepted = await first.ask(alice, await first.thread(alice))
        await first.frames(accepted["stream_url"], limit=5)
    async with LiveServer.start(settings) as second:
        run = await second.run(alice, accepted["run_id"])
        assert run["status"] == "error"
        events = events_of(await second.frames(f"/api/runs/{accepted['run_id']}/events", alice.headers))
        assert (events[-2].event, events[-2].json()["code"]) == ("error", "shutdown")
        assert events[-2].json()["retryable"] is True


@pytest.mark.parametrize(
    "settings_overrides", [{"fake_llm_tokens": 300, "fake_llm_delay_ms": 1.0, "event_flush_ms": 50.0}]
)
async def test_events_are_written_in_batches_at_most_one_per_flush_window(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    await server.frames(accepted["stream_url"])
    rows = [r for r in await _log(server, accepted["run_id"]) if r.seq > 2]  # after the claim's own write
    batches = sorted({r.created_at for r in rows})
    span = (batches[-1] - batches[0]).total_seconds()
    assert len(rows) == 302
    assert len(batches) <= span / 0.050 + 2, (len(batches), span)
    assert len(batches) < len(rows) / 5


@pytest.mark.parametrize(
    "settings_overrides",
    [{"fake_llm_tokens": 40, "fake_llm_delay_ms": 5.0, "event_flush_ms": 50.0, "max_concurrent_runs": 8}],
)
async def test_concurrent_runs_are_written_together_at_most_one_write_per_flush_window(server: LiveServer) -> None:
    alice = await server.user()
    threads = [await server.thread(alice, f"t{i}") for i in range(6)]
    accepted = await asyncio.gather(*(server.ask(alice, t) for t in threads))
    await asyncio.gather(*(server.frames(a["stream_url"]) for a in accepted))
    logs = {a["run_id"]: await _log(server, a["run_id"]) for a in accepted}
    # A write's rows share its time stamp; a run's terminal batch is stamped with the run's finished_at instead.
    writes: dict[datetime, set[str]] = {}
    for run_id, rows in logs.items():
        assert len(rows) == 44, run_id
        for row in rows[2:-2]:  # after the claim's own write, before the terminal batch's `final` and `state`
            writes.setdefault(row.created_at, set()).add(run_id)
    span = (max(writes) - min(writes)).total_seconds()
    per_run = sum(len({r.created_at for r in rows[2:-2]}) for rows in logs.values())
    # One write per window, plus one for each run's terminal batch (it does not wait for the window, and takes the
    # other runs' waiting events with it).
    assert len(writes) <= span / 0.050 + 2 + len(logs), (len(writes), span)
    assert len(writes) < per_run, (len(writes), per_run)
    assert max(len(runs) for runs in writes.values()) >= 3, writes


@pytest.mark.parametrize(
    "settings_overrides",
    [{"fake_llm_tokens": 8, "fake_llm_delay_ms": 300.0, "event_flush_ms": 2000.0, "max_concurrent_runs": 8}],
)
async def test_a_runs_first_token_is_not_held_by_the_window_of_the_other_runs_writes(server: LiveServer) -> None:
    alice = await server.user()
    busy = await server.ask(alice, await server.thread(alice, "busy"))
    await server.wait_status(alice, busy["run_id"], "running")
    await asyncio.sleep(0.1)
    second = await server.ask(alice, await server.thread(alice, "second"))
    await asyncio.gather(server.frames(busy["stream_url"]), server.frames(second["stream_url"]))
    running, first_token = (await _log(server, second["run_id"]))[1:3]
    assert first_token.type == "token"
    # The busy run's first write opened a 2 s window; the second run's first token (300 ms) still went out at once.
    assert (first_token.created_at - running.created_at).total_seconds() < 0.8


@pytest.mark.parametrize(
    "settings_overrides",
    [{"fake_llm_tokens": 60, "fake_llm_delay_ms": 10.0, "event_flush_ms": 20.0, "max_concurrent_runs": 8}],
)
async def test_a_run_fenced_off_in_a_shared_write_leaves_the_other_runs_whole(server: LiveServer) -> None:
    alice = await server.user()
    threads = [await server.thread(alice, f"t{i}") for i in range(3)]
    accepted = await asyncio.gather(*(server.ask(alice, t) for t in threads))
    others = [server.frames(a["stream_url"]) for a in (accepted[0], accepted[2])]
    await server.frames(accepted[1]["stream_url"], limit=5)
    # Deleting the thread deletes the run under its writer: its next batch is fenced off, in the same writes as the
    # other two runs' batches.
    assert (await server.http.delete(f"/api/threads/{threads[1]}", headers=alice.headers)).status_code == 204
    for frames in await asyncio.gather(*others):
        events = events_of(frames)
        assert [int(f.id) for f in events] == list(range(1, 65))
        assert sum(f.event == "token" for f in events) == 60
        assert events[-1].json() == {"type": "state", "status": "done"}
    assert await _log(server, accepted[1]["run_id"]) == []
    async with asyncio.timeout(5):
        while server.runtime.executor.active_runs:
            await asyncio.sleep(0.02)


@pytest.mark.parametrize(
    "settings_overrides", [{"fake_llm_tokens": 3, "fake_llm_delay_ms": 300.0, "event_flush_ms": 2000.0}]
)
async def test_a_lone_event_after_a_quiet_spell_is_written_at_once(server: LiveServer) -> None:
    alice = await server.user()
    accepted = await server.ask(alice, await server.thread(alice))
    await server.frames(accepted["stream_url"])
    rows = await _log(server, accepted["run_id"])
    running, first_token = rows[1], rows[2]
    assert first_token.type == "token"
    # The token came 300 ms after the run started; a writer that waited for a whole window would take 2 s.
    assert (first_token.created_at - running.created_at).total_seconds() < 1.0


@pytest.mark.parametrize(
    "settings_overrides",
    # Hundreds of posts from one key: the runs limit is off (tests/integration/test_limits.py covers it).
    [
        {
            "fake_llm_tokens": 30,
            "fake_llm_delay_ms": 5.0,
            "event_flush_ms": 5.0,
            "max_concurrent_runs": 4,
            "rate_limit_runs_per_minute": 0,
        }
    ],
)
async def test_hammering_a_thread_with_posts_cancels_and_reconnects_leaves_every_log_whole(server: LiveServer) -> None:
    rng = random.Random(7)
    alice = await server.user()
    thread_id = await server.thread(alice)
    run_ids: list[str] = []
    statuses: list[int] = []

    async def poster() -> None:
        for i in range(25):
            response = await server.post(alice, thread_id, f"question {i}")
            statuses.append(response.status_code)
            if response.status_code == 202:
                run_ids.append(response.json()["run_id"])
            await asyncio.sleep(rng.uniform(0, 0.05))

    async def canceller() -> None:
        for _ in range(40):
            if run_ids:
                await server.http.post(f"/api/runs/{rng.choice(run_ids)}/cancel", headers=alice.headers)
            await asyncio.sleep(rng.uniform(0, 0.04))

    async def reader() -> list[tuple[str, int, list[Any]]]:
        reads = []
        for _ in range(15):
            if run_ids:
                run_id = rng.choice(run_ids)
                position = rng.randint(0, 3)
                url = f"/api/runs/{run_id}/events"
                response = await server.http.get(url, headers=alice.headers | {"Last-Event-ID": str(position)})
                if response.status_code == 200:
                    ids = [int(line[4:]) for line in response.text.splitlines() if line.startswith("id: ")]
                    reads.append((run_id, position, ids))
            await asyncio.sleep(rng.uniform(0, 0.05))
        return reads

    results = await asyncio.gather(poster(), poster(), canceller(), reader(), reader())
    assert set(statuses) <= {202, 409}
    assert 202 in statuses and 409 in statuses
    for run_id in run_ids:
        await server.wait_status(alice, run_id, "done", "error", "canceled")
    for reads in results[3:]:
        for _run_id, position, ids in reads:
            assert ids == list(range(position + 1, position + 1 + len(ids)))
    async with server.runtime.read_sessions() as session:
        runs = (await session.scalars(select(RunModel).where(RunModel.thread_id == uuid.UUID(thread_id)))).all()
    assert len(runs) == len(run_ids) >= 2
    assert {r.status for r in runs} <= {"done", "canceled"}
    for run in runs:
        assert_log_is_whole(await _log(server, str(run.id)), run)


@pytest.mark.parametrize("settings_overrides", [{"fake_llm_tokens": 3, "fake_llm_delay_ms": 1.0}])
async def test_a_claimed_run_comes_with_the_history_its_thread_has_up_to_its_message(settings: Settings) -> None:
    async with LiveServer.start(settings) as server:
        alice = await server.user()
        thread_id = await server.thread(alice)
        for _ in range(2):
            await server.wait_status(alice, (await server.ask(alice, thread_id))["run_id"], "done")
        await server.runtime.executor.stop()  # the next run stays queued for the claim below
        queued = await server.ask(alice, thread_id)
        now = datetime.now(UTC)
        (claimed,) = await server.runtime.store.claim(
            "test-worker", now, now + timedelta(seconds=30), limit=5, history_turns=1
        )
        assert str(claimed.run.id) == queued["run_id"]
        expected = await server.runtime.store.history(claimed.run.thread_id, claimed.run.message_id, 1)
        assert claimed.history == expected
        assert [m.role.value for m in expected] == ["user", "assistant", "user"]
        assert expected[-1].id == claimed.run.message_id


@pytest.mark.parametrize("moment", ["while the claim is in flight", "after the claim, before the run starts"])
@pytest.mark.parametrize("settings_overrides", [{"fake_llm_tokens": 400, "fake_llm_delay_ms": 20.0}])
async def test_a_cancel_landing_around_the_claim_ends_the_run_canceled(server: LiveServer, moment: str) -> None:
    """A cancel can reach the executor while its claim of that run is in flight, or after the claim returned but
    before the run's task has taken a step. Either way the run ends `canceled` at once and frees its slot. The real
    claim runs; only the cancel is timed, by calling the bus's own delivery at that instant."""
    runtime = server.runtime
    real_claim = runtime.store.claim
    loop = asyncio.get_running_loop()

    async def timed_claim(*args: Any, **kwargs: Any) -> Any:
        if moment.startswith("while"):
            async with runtime.read_sessions() as session:
                queued = (await session.scalars(select(RunModel.id).where(RunModel.status == "queued"))).all()
            for run_id in queued:
                loop.call_soon(runtime.bus.signal_cancel, run_id)  # delivered during the claim's I/O
            return await real_claim(*args, **kwargs)
        claimed = await real_claim(*args, **kwargs)
        for c in claimed:
            loop.call_soon(runtime.bus.signal_cancel, c.run.id)  # before the new task's first step
        return claimed

    runtime.store.claim = timed_claim  # type: ignore[method-assign]
    try:
        user = await server.user()
        thread = await server.thread(user)
        run = await server.ask(user, thread)
        ended = await server.wait_status(user, run["run_id"], "canceled", "done", "error", timeout=5)
    finally:
        runtime.store.claim = real_claim  # type: ignore[method-assign]
    assert ended["status"] == "canceled"
    async with runtime.read_sessions() as session:
        row = (await session.scalars(select(RunModel).where(RunModel.id == uuid.UUID(run["run_id"])))).one()
    assert_log_is_whole(await _log(server, run["run_id"]), row)
    assert runtime.executor.active_runs == 0
    # The thread takes the next message, and the executor still stops promptly.
    assert (await server.post(user, thread, "again")).status_code == 202
    async with asyncio.timeout(10):
        await runtime.executor.stop()
