"""PostgreSQL loses every connection of the service, repeatedly, mid-stream (the LISTEN connections included): no event
is lost or duplicated, every run's log stays whole, and resuming clients get each event exactly once."""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx
import pytest

from tests.conftest import PG_ADMIN_URL
from tests.support.processes import (
    ApiUser,
    FollowedRun,
    ServeProcess,
    check_log_is_whole,
    create_thread,
    create_user,
    follow_run,
    run_log,
    serving,
)

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]

SETTINGS = {
    "fake_llm_tokens": 60,
    "fake_llm_delay_ms": 40,  # 2.4 s runs
    "event_flush_ms": 10,
    "run_lease_s": 2,
    "sse_heartbeat_s": 0.5,
    "shutdown_grace_s": 1,
}
RUNS = 8


async def cut_connections(database: str, times: int, every_s: float) -> list[int]:
    """Terminate every backend of `database` (pools, LISTEN connections, requests in flight) `times` times."""
    admin = await asyncpg.connect(PG_ADMIN_URL)
    cut = []
    try:
        for _ in range(times):
            await asyncio.sleep(every_s)
            cut.append(
                await admin.fetchval(
                    "SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) FROM pg_stat_activity "
                    "WHERE datname = $1 AND pid <> pg_backend_pid()",
                    database,
                )
            )
    finally:
        await admin.close()
    return cut


async def stuck(url: str, run_id: str, followers: list[FollowedRun], procs: tuple[ServeProcess, ...]) -> str:
    """What a client that waited in vain saw, next to what the database holds."""
    conn = await asyncpg.connect(url)
    try:
        run = await conn.fetchrow(
            "SELECT status, last_seq, owner, lease_expires_at, now() AS now FROM runs WHERE id = $1", run_id
        )
    finally:
        await conn.close()
    seen = [(f.last_seq, f.connects, f.statuses, f.errors) for f in followers]
    return f"run {run_id} never ended for its clients: run {dict(run)}, clients (A, B) {seen}, workers " + str(
        {p.name: p.worker_ids for p in procs}
    )


async def post_until_accepted(http: httpx.AsyncClient, user: ApiUser, thread_id: str, key: str) -> str:
    """Post a message, retrying through outages with the same Idempotency-Key: one run, whatever the failures."""
    async with asyncio.timeout(20):
        while True:
            try:
                response = await http.post(
                    f"/api/threads/{thread_id}/messages",
                    json={"content": "Who knows Rust?"},
                    headers=user.headers | {"Idempotency-Key": key},
                )
                if response.status_code == 202:
                    return str(response.json()["run_id"])
                assert response.status_code >= 500, response.text
            except httpx.TransportError:
                pass
            await asyncio.sleep(0.1)


async def test_cutting_every_database_connection_mid_stream_loses_and_duplicates_nothing(
    fresh_postgres_url: str, tmp_path: Path
) -> None:
    database = fresh_postgres_url.rsplit("/", 1)[1]
    rng = random.Random(6)
    async with (
        serving(fresh_postgres_url, tmp_path, "A", SETTINGS) as a,
        serving(fresh_postgres_url, tmp_path, "B", SETTINGS) as b,
        httpx.AsyncClient(base_url=a.base_url, timeout=10) as http_a,
        httpx.AsyncClient(base_url=b.base_url, timeout=10) as http_b,
    ):
        clients = [http_a, http_b]
        alice = await create_user(http_a, "alice")
        threads = [await create_thread(http_a, alice) for _ in range(RUNS)]

        async def one_run(i: int) -> tuple[str, list[FollowedRun]]:
            await asyncio.sleep(i * 0.25)  # posts and subscriptions land before, during and between the cuts
            run_id = await post_until_accepted(clients[i % 2], alice, threads[i], key=f"q-{i}")
            # Two clients per run, one through each worker; each resumes with Last-Event-ID when its stream breaks,
            # and hangs up by itself twice at random points, so resumes happen during the cuts too.
            followers = [FollowedRun(run_id), FollowedRun(run_id)]
            try:
                await asyncio.gather(
                    *(
                        follow_run(http, alice, run_id, into=f, drop_at=rng.sample(range(2, 30), 2), deadline_s=20)
                        for http, f in zip(clients, followers, strict=True)
                    )
                )
            except TimeoutError:
                raise AssertionError(await stuck(fresh_postgres_url, run_id, followers, (a, b))) from None
            return run_id, followers

        started = time.monotonic()
        cutter = asyncio.create_task(cut_connections(database, times=6, every_s=0.35 + rng.random() * 0.1))
        results = await asyncio.gather(*(one_run(i) for i in range(RUNS)))
        cuts = await cutter
        elapsed = time.monotonic() - started

    conn = await asyncpg.connect(fresh_postgres_url)
    try:
        statuses: Counter[str] = Counter()
        codes: Counter[str] = Counter()
        reconnects = drops = 0
        for run_id, followers in results:
            run, rows = await run_log(conn, run_id)
            assert check_log_is_whole(run, rows) == [], run_id
            statuses[run["status"]] += 1
            if run["status"] == "error":
                codes[json.loads(rows[-2]["data"])["code"]] += 1
            else:  # done: the answer is exactly the tokens in the log, so no batch went missing on the way
                tokens = "".join(json.loads(r["data"])["text"] for r in rows if r["type"] == "token")
                assert json.loads(rows[-2]["data"])["text"] == tokens, run_id
            expected = [(r["seq"], r["type"], r["data"]) for r in rows]
            for followed in followers:
                # Every event exactly once, in order, identical to the log, whatever the reconnects.
                assert [(int(f.id or 0), f.event, f.data) for f in followed.events] == expected, run_id
                reconnects += followed.connects - 1
                drops += followed.drops
        assert await conn.fetchval("SELECT count(*) FROM runs") == RUNS  # retried posts created no second run
        assert await conn.fetchval("SELECT count(*) FROM runs WHERE status IN ('queued', 'running')") == 0
    finally:
        await conn.close()

    assert sum(cuts) >= 6, cuts  # the faults happened, to pools and listeners alike
    for proc in (a, b):
        log = proc.log_events()
        assert any(e.get("event") == "event_bus_reconnected" for e in log), proc.name
    assert set(statuses) <= {"done", "error"}, statuses
    assert drops >= RUNS
    print(
        f"\n{RUNS} runs in {elapsed:.1f} s, connections cut {cuts}, client reconnects {reconnects} "
        f"({drops} on purpose), "
        f"ends {dict(statuses)}, error codes {dict(codes)}"
    )
