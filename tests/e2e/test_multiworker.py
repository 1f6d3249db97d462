"""Two `cvchat serve` processes on loopback sharing one PostgreSQL database: a run posted through one is streamed and
cancelled through the other, `kill -9` of the worker executing a run ends it within the lease, SIGTERM drains."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import statistics
import time
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.support.processes import (
    ApiUser,
    FollowedRun,
    ServeProcess,
    check_log_is_whole,
    create_thread,
    create_user,
    follow_run,
    post_message,
    run_log,
    serving,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

LEASE_S = 2.0
TOKEN_MS = 25
SLOW = {
    "fake_llm_tokens": 400,  # 10 s: still running whatever the test does to it
    "fake_llm_delay_ms": TOKEN_MS,
    "event_flush_ms": 10,
    "run_lease_s": LEASE_S,
    "shutdown_grace_s": 1,
    "sse_heartbeat_s": 1,
    "cancel_wait_s": 5,
}


@pytest.fixture
async def db(fresh_postgres_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(fresh_postgres_url)
    try:
        yield conn
    finally:
        await conn.close()


async def owner_of(db: asyncpg.Connection, run_id: str, timeout: float = 10) -> str:
    """The worker that claimed the run, once it is running."""
    async with asyncio.timeout(timeout):
        while True:
            row = await db.fetchrow("SELECT status, owner FROM runs WHERE id = $1", run_id)
            if row["status"] == "running":
                return str(row["owner"])
            await asyncio.sleep(0.02)


async def until(predicate: object, timeout: float, what: str) -> None:
    try:
        async with asyncio.timeout(timeout):
            while not predicate():  # type: ignore[operator]
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout} s waiting for {what}") from None


async def assert_stream_matches_the_log(db: asyncpg.Connection, followed: FollowedRun) -> list[asyncpg.Record]:
    """The log is whole, and the client got every event of it exactly once, in order, byte for byte."""
    run, rows = await run_log(db, followed.run_id)
    assert check_log_is_whole(run, rows) == []
    assert [(int(f.id or 0), f.event, f.data) for f in followed.events] == [
        (r["seq"], r["type"], r["data"]) for r in rows
    ]
    assert followed.done is not None, "the stream did not end with `event: done`"
    assert followed.done.json() == {"run_id": followed.run_id, "status": run["status"], "last_seq": run["last_seq"]}
    return rows


async def setup_user(http: httpx.AsyncClient, name: str = "alice") -> tuple[ApiUser, str]:
    user = await create_user(http, name)
    return user, await create_thread(http, user)


async def test_a_run_posted_through_a_is_streamed_live_and_cancelled_through_b(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    async with (
        serving(fresh_postgres_url, tmp_path, "A", SLOW) as a,
        httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
    ):
        alice, thread_id = await setup_user(http_a)
        run_id = await post_message(http_a, alice, thread_id)
        assert await owner_of(db, run_id) == a.worker_ids[0]
        async with (
            serving(fresh_postgres_url, tmp_path, "B", SLOW) as b,
            httpx.AsyncClient(base_url=b.base_url, timeout=10) as http_b,
        ):
            followed = FollowedRun(run_id)
            reader = asyncio.create_task(follow_run(http_b, alice, run_id, into=followed, resume=False, deadline_s=20))
            subscribed = time.monotonic()
            # Live: B executes nothing and does not poll, so tokens reach it only through NOTIFY, as A commits them.
            await until(
                lambda: sum(f.event == "token" and f.at > subscribed + 0.3 for f in followed.frames) >= 10,
                10,
                "10 live tokens through B",
            )
            live = [f.at for f in followed.frames if f.event == "token" and f.at > subscribed + 0.3]
            assert statistics.median(b - a for a, b in itertools.pairwise(live)) < 0.2  # heartbeat is 1 s

            sent = time.monotonic()
            response = await http_b.post(f"/api/runs/{run_id}/cancel", headers=alice.headers)
            answered, answered_wall = time.monotonic(), datetime.now().astimezone()
            assert response.status_code == 200, response.text
            assert response.json() == {"run_id": run_id, "status": "canceled"}
            assert answered - sent < 1.0

            async with asyncio.timeout(5):
                await reader
        rows = await assert_stream_matches_the_log(db, followed)
        assert [r["type"] for r in rows[-2:]] == ["canceled", "state"]
        assert json.loads(rows[-1]["data"])["status"] == "canceled"
        # Nothing was written after the cancel was answered, and the run stopped where A ran it.
        assert max(r["created_at"] for r in rows) <= answered_wall
        run = await db.fetchrow("SELECT owner, finished_at FROM runs WHERE id = $1", run_id)
        assert run["owner"] == a.worker_ids[0] != b.worker_ids[0]


async def test_kill_9_of_the_worker_running_a_run_ends_it_in_error_within_the_lease(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    async with (
        serving(fresh_postgres_url, tmp_path, "A", SLOW) as a,
        serving(fresh_postgres_url, tmp_path, "B", SLOW) as b,
        httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
        httpx.AsyncClient(base_url=b.base_url, timeout=10) as http_b,
    ):
        alice, thread_id = await setup_user(http_a)
        run_id = await post_message(http_a, alice, thread_id)
        owner = await owner_of(db, run_id)
        doomed, survivor, http_survivor = (a, b, http_b) if owner == a.worker_ids[0] else (b, a, http_a)
        assert owner == doomed.worker_ids[0]

        followed = FollowedRun(run_id)
        reader = asyncio.create_task(follow_run(http_survivor, alice, run_id, into=followed, resume=False))
        await until(lambda: sum(f.event == "token" for f in followed.frames) >= 5, 10, "tokens through the survivor")
        killed = time.monotonic()
        doomed.kill()
        async with asyncio.timeout(LEASE_S + 5):
            await reader
        ended = followed.ended_at or time.monotonic()
        # The lease expires at most LEASE_S after the last renewal; the survivor's sweeper looks every LEASE_S / 3.
        assert ended - killed < LEASE_S + 1.5, ended - killed
        rows = await assert_stream_matches_the_log(db, followed)
        failure = json.loads(rows[-2]["data"])
        assert (failure["type"], failure["code"], failure["retryable"]) == ("error", "worker_lost", True)
        assert json.loads(rows[-1]["data"]) == {"type": "state", "status": "error"}
        assert survivor.process.poll() is None


@contextlib.asynccontextmanager
async def busy_follower(
    url: str, db: asyncpg.Connection, log_dir: Path, settings: dict[str, object]
) -> AsyncIterator[tuple[ServeProcess, httpx.AsyncClient, ApiUser]]:
    """B: a worker that follows runs for the clients but claims none, being busy with a run of its own (at most one)."""
    async with (
        serving(url, log_dir, "B", settings | {"max_concurrent_runs": 1, "fake_llm_tokens": 2000}) as b,
        httpx.AsyncClient(base_url=b.base_url, timeout=10) as http_b,
    ):
        alice, busy_thread = await setup_user(http_b)
        assert await owner_of(db, await post_message(http_b, alice, busy_thread)) == b.worker_ids[0]
        yield b, http_b, alice


async def test_sigterm_lets_a_short_run_finish_ends_a_long_one_with_shutdown_and_exits_0(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    grace_s = 2.5
    # 4 s runs. The lease is longer than the grace: the executor stops renewing leases when it starts draining.
    settings = SLOW | {"fake_llm_tokens": 80, "fake_llm_delay_ms": 50, "shutdown_grace_s": grace_s, "run_lease_s": 6}
    # The clients follow the runs through B (streams open on A are the subject of another test), so that A claims them.
    async with busy_follower(fresh_postgres_url, db, tmp_path, settings) as (b, http_b, alice):
        async with (
            serving(fresh_postgres_url, tmp_path, "A", settings) as a,
            httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
        ):
            early_thread, late_thread = await create_thread(http_a, alice), await create_thread(http_a, alice)
            early = await post_message(http_a, alice, early_thread)
            readers = [asyncio.create_task(follow_run(http_b, alice, early, resume=False))]
            assert await owner_of(db, early) == a.worker_ids[0]
            await asyncio.sleep(2.5)
            late = await post_message(http_a, alice, late_thread)
            readers.append(asyncio.create_task(follow_run(http_b, alice, late, resume=False)))
            assert await owner_of(db, late) == a.worker_ids[0]
            terminated = time.monotonic()
            a.terminate()
            # `early` has about 1.5 s to go and finishes within the grace; `late` has about 4 s and is stopped.
            assert await a.wait_exit(grace_s + 3) == 0
            exited = time.monotonic() - terminated
            async with asyncio.timeout(5):
                finished, stopped = await asyncio.gather(*readers)
        assert exited < grace_s + 2, exited
        rows = await assert_stream_matches_the_log(db, finished)
        assert json.loads(rows[-1]["data"])["status"] == "done"
        rows = await assert_stream_matches_the_log(db, stopped)
        failure = json.loads(rows[-2]["data"])
        assert (failure["type"], failure["code"]) == ("error", "shutdown")
        left = "SELECT count(*) FROM runs WHERE status IN ('queued', 'running') AND owner IS DISTINCT FROM $1"
        assert await db.fetchval(left, b.worker_ids[0]) == 0
        assert "Killing worker" not in a.log_text()


async def test_a_draining_worker_keeps_its_leases_through_the_grace(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    # The grace is several leases long, so the leases must be renewed while draining; 1.5 s leases (renewed every
    # 0.5 s) keep the test meaningful while a busy machine can still delay a renewal a little.
    grace_s = 4.0
    settings = SLOW | {"run_lease_s": 1.5, "shutdown_grace_s": grace_s}
    async with busy_follower(fresh_postgres_url, db, tmp_path, settings) as (_b, http_b, alice):
        async with (
            serving(fresh_postgres_url, tmp_path, "A", settings) as a,
            httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
        ):
            run_id = await post_message(http_a, alice, await create_thread(http_a, alice))
            reader = asyncio.create_task(follow_run(http_b, alice, run_id, resume=False))
            assert await owner_of(db, run_id) == a.worker_ids[0]
            a.terminate()
            assert await a.wait_exit(grace_s + 3) == 0
            async with asyncio.timeout(5):
                stopped = await reader
        rows = await assert_stream_matches_the_log(db, stopped)
        assert json.loads(rows[-2]["data"])["code"] == "shutdown"


async def test_sigterm_drains_even_with_a_stream_open_on_the_draining_worker(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    grace_s = 1.0
    a = ServeProcess.spawn(fresh_postgres_url, tmp_path, "A", SLOW | {"shutdown_grace_s": grace_s})
    try:
        await a.wait_ready()
        async with httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a:
            alice, thread_id = await setup_user(http_a)
            run_id = await post_message(http_a, alice, thread_id)
            followed = FollowedRun(run_id)
            reader = asyncio.create_task(follow_run(http_a, alice, run_id, into=followed, resume=False))
            await until(lambda: sum(f.event == "token" for f in followed.frames) >= 3, 10, "tokens")
            a.terminate()
            try:
                # What a drain should do: the run ends `shutdown` after the grace, the stream gets it, A exits 0.
                assert await a.wait_exit(grace_s + 2) == 0
                async with asyncio.timeout(1):
                    await reader
            finally:
                reader.cancel()
            rows = await assert_stream_matches_the_log(db, followed)
            assert json.loads(rows[-2]["data"])["code"] == "shutdown"
    finally:
        a.close()


async def test_a_draining_worker_ends_streams_of_other_workers_runs_and_clients_resume_elsewhere(
    fresh_postgres_url: str, db: asyncpg.Connection, tmp_path: Path
) -> None:
    async with (
        serving(fresh_postgres_url, tmp_path, "A", SLOW) as a,
        httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
    ):
        alice, thread_id = await setup_user(http_a)
        run_id = await post_message(http_a, alice, thread_id)
        assert await owner_of(db, run_id) == a.worker_ids[0]
        b = ServeProcess.spawn(fresh_postgres_url, tmp_path, "B", SLOW | {"shutdown_grace_s": 30})
        try:
            await b.wait_ready()
            async with httpx.AsyncClient(base_url=b.base_url, timeout=10) as http_b:
                followed = FollowedRun(run_id)
                reader = asyncio.create_task(follow_run(http_b, alice, run_id, into=followed, resume=False))
                await until(lambda: sum(f.event == "token" for f in followed.frames) >= 3, 10, "tokens through B")
                b.terminate()
                # B runs nothing of its own: its stream of A's run ends at once (no `done`) and B exits long
                # before its 30 s grace, instead of holding the stream open until Granian kills it.
                assert await b.wait_exit(5) == 0
                async with asyncio.timeout(2):
                    await reader
                assert not any(f.event == "done" for f in followed.frames)
        finally:
            b.close()
        # The client resumes on A from its last event and gets the rest exactly once.
        await follow_run(http_a, alice, run_id, into=followed, after=followed.last_seq)
        await assert_stream_matches_the_log(db, followed)
