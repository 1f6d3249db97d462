"""The benchmark behind `just bench`: `cvchat serve` (Granian, one worker, the `fake` provider) on a fresh PostgreSQL
database and on a fresh SQLite file, driven over real HTTP and SSE on loopback.

Each phase starts its own server (the fake provider's pace is a process setting) on the same database:

- first token: a message posted, its stream opened, until the first token arrives, minus the fake delay (sequential);
- resume: a reconnect with Last-Event-ID to the first replayed event (finished runs, sequential);
- cancel: cancel posted while tokens stream, to its answer and to the terminal frame on the stream (sequential);
- load: 100 runs at once, 2 subscribers each: first-token and completion overhead, delivery lag, throughput;
- steady: 100 runs in flight (one posted every 20 ms), 2 subscribers each: the same figures, after the ramp-up;
- writes: fast-token runs, to show that INSERTs per run follow flush windows, not tokens;
- GET /api/runs/{id} requests per second over keep-alive connections;
- idle: thousands of SSE streams held open on one worker, with its RSS and its idle CPU.

Every stream is checked against the run's log: gaps and duplicates are counted and must be zero.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import json
import os
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from bench.rawhttp import follow_sse, hammer, hold_streams
from tests.support.processes import (
    BIN,
    ApiUser,
    FollowedRun,
    ServeProcess,
    create_thread,
    create_user,
    follow_run,
    raise_open_files_limit,
    read_sse,
    serve_env,
    serving,
)

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
)
DELAY_MS = 20.0
FLUSH_MS = 25.0
WARM_UP = 10
"""Runs left out of the sequential measurements: the first runs after start-up are up to ~200 ms slower."""


@dataclass(frozen=True)
class Scale:
    first_token: int = 150
    resume: int = 200
    cancel: int = 100
    load_runs: int = 100
    load_subscribers: int = 2
    load_tokens: int = 100
    steady_runs: int = 300
    """Runs posted in the steady phase, one every run length / load_runs, so that load_runs are in flight."""
    write_runs: int = 10
    write_tokens: int = 300
    get_seconds: float = 5.0
    get_connections: int = 16
    idle_streams: int = 5000
    idle_runs: int = 10
    idle_hold_s: float = 20.0
    backpressure: int | None = None
    """Serve the idle phase with Granian's backpressure raised to this (HTTP_BACKPRESSURE); None: Granian's default."""


QUICK = Scale(
    first_token=20,
    resume=30,
    cancel=10,
    load_runs=20,
    load_tokens=50,
    steady_runs=60,
    write_runs=4,
    write_tokens=200,
    get_seconds=2.0,
    idle_streams=300,
    idle_runs=3,
    idle_hold_s=3.0,
)


def pct(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, round(p / 100 * len(ordered) + 0.4999))
    return ordered[min(rank, len(ordered)) - 1]


class Checker:
    """Counts gaps and duplicates in what clients received, against the `done` frame or the stored log."""

    def __init__(self) -> None:
        self.streams = 0
        self.gaps = 0
        self.duplicates = 0
        self.mismatches = 0
        self.unfinished = 0

    def check(self, followed: FollowedRun, after: int = 0, log: list[tuple[int, str, str]] | None = None) -> None:
        self.streams += 1
        done = followed.done
        if done is None:
            self.unfinished += 1
            return
        last = int(done.json()["last_seq"])
        seqs = followed.seqs
        counts = Counter(seqs)
        self.duplicates += sum(c - 1 for c in counts.values())
        self.gaps += len(set(range(after + 1, last + 1)) - set(seqs))
        if log is not None:
            got = [(int(f.id or 0), f.event, f.data) for f in followed.events]
            self.mismatches += got != [e for e in log if e[0] > after]


class Database:
    """A fresh database for one backend: created before, dropped after; reads the log directly."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        if backend == "postgres":
            self.name = f"cvchat_bench_{os.getpid()}"
            base = ADMIN_URL.rpartition("/")[0]
            self.url = f"{base}/{self.name}"
        else:
            self.path = tmp / "bench.db"
            self.url = f"sqlite+aiosqlite:///{self.path}"

    async def create(self) -> None:
        """A new, empty database brought to head by `cvchat migrate`."""
        if self.backend == "postgres":
            admin = await asyncpg.connect(ADMIN_URL, timeout=5)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
                await admin.execute(f'CREATE DATABASE "{self.name}"')
            finally:
                await admin.close()
        migrate = await asyncio.create_subprocess_exec(
            str(BIN / "cvchat"),
            "migrate",
            env=serve_env(self.url, 0, {}),
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output, _ = await migrate.communicate()
        if migrate.returncode != 0:
            raise RuntimeError(f"cvchat migrate failed:\n{output.decode(errors='replace')}")

    async def drop(self) -> None:
        if self.backend == "postgres":
            admin = await asyncpg.connect(ADMIN_URL, timeout=5)
            try:
                await admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')
            finally:
                await admin.close()

    async def logs(self, run_ids: list[str]) -> dict[str, list[tuple[int, str, str, float]]]:
        """Each run's events as (seq, type, data, created_at as a Unix timestamp)."""
        out: dict[str, list[tuple[int, str, str, float]]] = {r: [] for r in run_ids}
        if self.backend == "postgres":
            conn = await asyncpg.connect(self.url)
            try:
                rows = await conn.fetch(
                    "SELECT run_id::text AS run_id, seq, type, data, created_at FROM run_events "
                    "WHERE run_id = ANY($1::uuid[]) ORDER BY run_id, seq",
                    run_ids,
                )
            finally:
                await conn.close()
            for r in rows:
                out[r["run_id"]].append((r["seq"], r["type"], r["data"], r["created_at"].timestamp()))
            return out
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            for run_id in run_ids:
                # Advanced Alchemy stores UUIDs as 16 bytes on SQLite and datetimes as ISO text.
                rows = conn.execute(
                    "SELECT seq, type, data, created_at FROM run_events WHERE run_id = ? ORDER BY seq",
                    (uuid.UUID(run_id).bytes,),
                ).fetchall()
                out[run_id] = [(s, t, d, _timestamp(c)) for s, t, d, c in rows]
        return out

    async def run_times(self, run_ids: list[str]) -> dict[str, tuple[float, float | None]]:
        """Each run's created_at and started_at (its claim), as Unix timestamps."""
        if self.backend == "postgres":
            conn = await asyncpg.connect(self.url)
            try:
                rows = await conn.fetch(
                    "SELECT id::text AS id, created_at, started_at FROM runs WHERE id = ANY($1::uuid[])", run_ids
                )
            finally:
                await conn.close()
            return {
                r["id"]: (r["created_at"].timestamp(), r["started_at"] and r["started_at"].timestamp()) for r in rows
            }
        with contextlib.closing(sqlite3.connect(self.path)) as conn:
            out = {}
            for run_id in run_ids:
                created, started = conn.execute(
                    "SELECT created_at, started_at FROM runs WHERE id = ?", (uuid.UUID(run_id).bytes,)
                ).fetchone()
                out[run_id] = (_timestamp(created), started and _timestamp(started))
            return out

    async def transactions(self) -> int | None:
        """Transactions (committed or rolled back, reads included) in the database so far (PostgreSQL), for deltas."""
        if self.backend != "postgres":
            return None
        conn = await asyncpg.connect(ADMIN_URL)
        try:
            await conn.execute("SELECT pg_stat_clear_snapshot()")
            return int(
                await conn.fetchval(
                    "SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = $1", self.name
                )
            )
        finally:
            await conn.close()


def _timestamp(value: Any) -> float:
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).replace(" ", "T")
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:  # stored as UTC
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()


WALL_OFFSET = time.time() - time.monotonic()
"""Add to a time.monotonic() reading to compare it with a database timestamp (same host clock)."""


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of processes (from /proc)."""
    total = 0
    for pid in pids:
        with contextlib.suppress(OSError, IndexError):
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


# One key drives each phase (hundreds of runs, thousands of streams): the per-key limits are off so that the bench
# measures the engine. The limits' own cost is one counter check per call (an UPSERT on PostgreSQL).
NO_LIMITS = {"rate_limit_requests_per_minute": 0, "rate_limit_runs_per_minute": 0, "max_streams_per_key": 0}


@contextlib.asynccontextmanager
async def server(
    db: Database, log_dir: Path, phase: str, settings: dict[str, object], backpressure: int | None = None
) -> AsyncIterator[tuple[ServeProcess, httpx.AsyncClient]]:
    """`cvchat serve`; with `backpressure`, Granian's per-worker limit raised through HTTP_BACKPRESSURE."""
    base = {"fake_llm_delay_ms": DELAY_MS, "event_flush_ms": FLUSH_MS, "workers": 1} | NO_LIMITS
    if backpressure is not None:
        base["http_backpressure"] = backpressure
    name = f"{db.backend}-{phase}"
    async with (
        serving(db.url, log_dir, name, base | settings, ready_timeout=60) as proc,
        httpx.AsyncClient(
            base_url=proc.base_url, timeout=30, limits=httpx.Limits(max_connections=1000, max_keepalive_connections=500)
        ) as http,
    ):
        yield proc, http


async def post(http: httpx.AsyncClient, user: ApiUser, thread_id: str) -> str:
    response = await http.post(
        f"/api/threads/{thread_id}/messages", json={"content": "Who knows Rust?"}, headers=user.headers
    )
    response.raise_for_status()
    return str(response.json()["run_id"])


async def follow(proc: ServeProcess, user: ApiUser, into: FollowedRun) -> FollowedRun:
    """A subscriber of the load phases: the lean SSE client, so that the bench measures the server, not httpx."""
    return await follow_sse("127.0.0.1", proc.port, f"/api/runs/{into.run_id}/events", user.headers, into)


def first(frames: list[Any], predicate: Callable[[Any], bool]) -> Any:
    return next((f for f in frames if predicate(f)), None)


# --- phases ------------------------------------------------------------------------------------------------------


async def phase_first_token_and_resume(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    async with server(db, log_dir, "first-token", {"fake_llm_tokens": 4}) as (_proc, http):
        user = await create_user(http, f"ft-{uuid.uuid4().hex[:8]}")
        threads = [await create_thread(http, user) for _ in range(scale.first_token + WARM_UP)]
        overheads, post_ms, run_ids, cold = [], [], [], []
        for i, thread_id in enumerate(threads):
            sent = time.monotonic()
            run_id = await post(http, user, thread_id)
            posted = time.monotonic()
            followed = await follow_run(http, user, run_id, resume=False)
            token = first(followed.events, lambda f: f.event == "token")
            check.check(followed)
            if i < WARM_UP:
                cold.append((token.at - sent) * 1000 - DELAY_MS)
                continue
            run_ids.append(run_id)
            post_ms.append((posted - sent) * 1000)
            overheads.append((token.at - sent) * 1000 - DELAY_MS)
        out["first_token_ms"], out["first_token_cold_ms"] = overheads, cold
        out["post_ms"] = post_ms
        # Where the time goes, from the database's timestamps (same clock): the run queued (committed by the POST)
        # until claimed, then claimed until its first token was written (minus the fake delay).
        times, logs = await db.run_times(run_ids), await db.logs(run_ids)
        queued, first_write = [], []
        for run_id in run_ids:
            created_at, started_at = times[run_id]
            token_at = next(at for _, kind, _, at in logs[run_id] if kind == "token")
            queued.append(((started_at or created_at) - created_at) * 1000)
            first_write.append((token_at - (started_at or created_at)) * 1000 - DELAY_MS)
        out["first_token_queued_ms"], out["first_token_write_ms"] = queued, first_write

        # Resume: reconnect after event 3 of a finished run; time to the first replayed event.
        resume_ms = []
        for i in range(scale.resume):
            run_id = run_ids[i % len(run_ids)]
            headers = user.headers | {"Last-Event-ID": "3"}
            followed = FollowedRun(run_id)
            sent = time.monotonic()
            async with http.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
                async for frame in read_sse(response):
                    followed.frames.append(frame)
                    if frame.event == "done":
                        break
            resume_ms.append((first(followed.events, lambda f: True).at - sent) * 1000)
            check.check(followed, after=3)
        out["resume_ms"] = resume_ms
    return out


async def phase_cancel(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    answer_ms, terminal_ms, late_tokens = [], [], 0
    async with server(db, log_dir, "cancel", {"fake_llm_tokens": 5000}) as (_proc, http):
        user = await create_user(http, f"cx-{uuid.uuid4().hex[:8]}")
        threads = [await create_thread(http, user) for _ in range(scale.cancel + WARM_UP)]
        for i, thread_id in enumerate(threads):
            run_id = await post(http, user, thread_id)
            followed = FollowedRun(run_id)
            reader = asyncio.create_task(follow_run(http, user, run_id, into=followed, resume=False, deadline_s=30))
            async with asyncio.timeout(10):
                while sum(f.event == "token" for f in followed.frames) < 3:  # noqa: ASYNC110 (frames, not an event)
                    await asyncio.sleep(0.002)
            sent = time.monotonic()
            response = await http.post(f"/api/runs/{run_id}/cancel", headers=user.headers)
            answered = time.monotonic()
            assert response.json()["status"] == "canceled", response.text
            await reader
            check.check(followed)
            end = first(followed.events, lambda f: f.event == "state" and f.json()["status"] == "canceled")
            late_tokens += sum(1 for f in followed.events if f.event == "token" and end is not None and f.at > end.at)
            if i < WARM_UP:
                continue
            answer_ms.append((answered - sent) * 1000)
            terminal_ms.append(((end.at if end else float("inf")) - sent) * 1000)
    return {"cancel_answer_ms": answer_ms, "cancel_terminal_ms": terminal_ms, "cancel_late_tokens": late_tokens}


async def phase_load(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    out: dict[str, Any] = {}
    tokens = scale.load_tokens
    settings = {"fake_llm_tokens": tokens, "max_concurrent_runs": max(16, scale.load_runs)}
    async with server(db, log_dir, "load", settings) as (proc, http):
        user = await create_user(http, f"ld-{uuid.uuid4().hex[:8]}")
        threads = [await create_thread(http, user) for _ in range(scale.load_runs)]
        cpu_before, wall_before, client_before = cpu_seconds(proc.pids()), time.monotonic(), time.process_time()

        async def one(thread_id: str) -> tuple[float, str, list[FollowedRun]]:
            sent = time.monotonic()
            run_id = await post(http, user, thread_id)
            subscribers = [FollowedRun(run_id) for _ in range(scale.load_subscribers)]
            await asyncio.gather(*(follow(proc, user, s) for s in subscribers))
            return sent, run_id, subscribers

        async with asyncio.timeout(120):
            results = await asyncio.gather(*(one(t) for t in threads))
        wall = time.monotonic() - wall_before
        cpu = cpu_seconds(proc.pids()) - cpu_before
        client_cpu = time.process_time() - client_before

        logs = await db.logs([r for _, r, _ in results])
        times = await db.run_times([r for _, r, _ in results])
        first_token, completion, lag, frames, queued, first_write = [], [], [], 0, [], []
        for sent, run_id, subscribers in results:
            log = logs[run_id]
            created_at, started_at = times[run_id]
            queued.append(((started_at or created_at) - created_at) * 1000)
            token_row = next((at for _, kind, _, at in log if kind == "token"), None)
            if token_row is not None and started_at is not None:
                first_write.append((token_row - started_at) * 1000 - DELAY_MS)
            created = {seq: at for seq, _, _, at in log}
            for s in subscribers:
                check.check(s, log=[(seq, t, d) for seq, t, d, _ in log])
                frames += len(s.events)
                lag.extend((f.at + WALL_OFFSET - created[int(f.id)]) * 1000 for f in s.events if int(f.id) in created)
            token = first(subscribers[0].events, lambda f: f.event == "token")
            first_token.append((token.at - sent) * 1000 - DELAY_MS)
            completion.append((subscribers[0].done.at - sent) * 1000 - tokens * DELAY_MS)
        batches = [len({at for _, _, _, at in log}) for log in logs.values()]
        out |= {
            "load_first_token_ms": first_token,
            "load_queued_ms": queued,
            "load_first_write_ms": first_write,
            "load_completion_ms": completion,
            "load_lag_ms": lag,
            "load_wall_s": wall,
            "load_frames_per_s": frames / wall,
            "load_tokens_per_s": scale.load_runs * tokens / wall,
            "load_cpu_s": cpu,
            "load_client_cpu_s": client_cpu,
            "load_batches_per_run": statistics.mean(batches),
            "load_events_per_run": statistics.mean(len(log) for log in logs.values()),
        }

        # GET /api/runs/{id} over keep-alive connections, on the same server, once the runs are over.
        paths = [f"/api/runs/{r}" for _, r, _ in results]
        got = await hammer(
            "127.0.0.1",
            proc.port,
            paths,
            user.headers,
            connections=scale.get_connections,
            seconds=scale.get_seconds,
        )
        out |= {"get_per_s": got.per_second, "get_ms": got.latencies_ms, "get_errors": got.errors}
    return out


async def phase_steady(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    """`load_runs` runs in flight, as a busy service has them: a run posted every run length / `load_runs`, each
    followed by `load_subscribers` streams. The runs posted once that many were going are measured."""
    tokens, in_flight = scale.load_tokens, scale.load_runs
    interval = tokens * DELAY_MS / 1000 / in_flight
    settings = {"fake_llm_tokens": tokens, "max_concurrent_runs": 2 * in_flight}
    async with server(db, log_dir, "steady", settings) as (proc, http):
        user = await create_user(http, f"st-{uuid.uuid4().hex[:8]}")
        threads = [await create_thread(http, user) for _ in range(scale.steady_runs)]
        start = time.monotonic() + 0.1

        async def one(i: int, thread_id: str) -> tuple[int, float, str, list[FollowedRun]]:
            await asyncio.sleep(max(0.0, start + i * interval - time.monotonic()))
            sent = time.monotonic()
            run_id = await post(http, user, thread_id)
            subscribers = [FollowedRun(run_id) for _ in range(scale.load_subscribers)]
            await asyncio.gather(*(follow(proc, user, s) for s in subscribers))
            return i, sent, run_id, subscribers

        cpu_before, client_before = cpu_seconds(proc.pids()), time.process_time()
        async with asyncio.timeout(120):
            results = await asyncio.gather(*(one(i, t) for i, t in enumerate(threads)))
        wall = time.monotonic() - start
        cpu = cpu_seconds(proc.pids()) - cpu_before
        client_cpu = time.process_time() - client_before
        logs = await db.logs([r for _, _, r, _ in results])
        first_token, completion, lag, late_post = [], [], [], []
        for i, sent, run_id, subscribers in results:
            log = logs[run_id]
            created = {seq: at for seq, _, _, at in log}
            for s in subscribers:
                check.check(s, log=[(seq, t, d) for seq, t, d, _ in log])
            if i < in_flight:  # ramp-up: fewer than `in_flight` runs going yet
                continue
            late_post.append((sent - (start + i * interval)) * 1000)
            for s in subscribers:
                lag.extend((f.at + WALL_OFFSET - created[int(f.id)]) * 1000 for f in s.events if int(f.id) in created)
            token = first(subscribers[0].events, lambda f: f.event == "token")
            first_token.append((token.at - sent) * 1000 - DELAY_MS)
            completion.append((subscribers[0].done.at - sent) * 1000 - tokens * DELAY_MS)
    return {
        "steady_first_token_ms": first_token,
        "steady_completion_ms": completion,
        "steady_lag_ms": lag,
        "steady_late_post_ms": late_post,
        "steady_tokens_per_s": scale.steady_runs * tokens / wall,
        "steady_cpu_pct": 100 * cpu / wall,
        "steady_client_cpu_pct": 100 * client_cpu / wall,
    }


async def phase_writes(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    """Fast tokens (2 ms apart): the INSERTs a run makes follow its flush windows, not its tokens."""
    settings = {"fake_llm_tokens": scale.write_tokens, "fake_llm_delay_ms": 2, "max_concurrent_runs": 64}
    async with server(db, log_dir, "writes", settings) as (_proc, http):
        user = await create_user(http, f"wr-{uuid.uuid4().hex[:8]}")
        threads = [await create_thread(http, user) for _ in range(scale.write_runs)]
        run_ids = [await post(http, user, t) for t in threads]
        followed = await asyncio.gather(*(follow_run(http, user, r, resume=False) for r in run_ids))
        logs = await db.logs(run_ids)
        batches, durations = [], []
        for f in followed:
            log = logs[f.run_id]
            check.check(f, log=[(seq, t, d) for seq, t, d, _ in log])
            stamps = sorted({at for _, _, _, at in log})
            batches.append(len(stamps))
            durations.append(stamps[-1] - stamps[1])  # from the claim's write to the terminal one
    return {
        "writes_tokens_per_run": scale.write_tokens,
        "writes_batches_per_run": statistics.mean(batches),
        "writes_max_batches": max(batches),
        "writes_bound": max(d / (FLUSH_MS / 1000) + 3 for d in durations),
    }


async def phase_idle(db: Database, log_dir: Path, scale: Scale, check: Checker) -> dict[str, Any]:
    """Streams held open on runs that stay quiet (one token after ten minutes)."""
    settings = {"fake_llm_tokens": 1, "fake_llm_delay_ms": 600_000, "run_timeout_s": 900, "sse_heartbeat_s": 15}
    async with server(db, log_dir, "idle", settings, scale.backpressure) as (proc, http):
        user = await create_user(http, f"id-{uuid.uuid4().hex[:8]}")
        run_ids = [await post(http, user, await create_thread(http, user)) for _ in range(scale.idle_runs)]
        async with asyncio.timeout(10):
            for run_id in run_ids:
                while (await http.get(f"/api/runs/{run_id}", headers=user.headers)).json()["status"] != "running":  # noqa: ASYNC110
                    await asyncio.sleep(0.05)
        rss_before = proc.rss_kb()
        paths = [f"/api/runs/{r}/events" for r in run_ids]
        held = await hold_streams(
            "127.0.0.1",
            proc.port,
            paths,
            user.headers,
            count=scale.idle_streams,
            concurrency=100,
            open_timeout_s=5,
            give_up_after=200,
        )
        try:
            tx_before = await db.transactions()
            cpu_before = cpu_seconds(proc.pids())
            peak: dict[int, int] = {}
            hold_until = time.monotonic() + scale.idle_hold_s
            while time.monotonic() < hold_until:
                for pid, kb in proc.rss_kb().items():
                    peak[pid] = max(peak.get(pid, 0), kb)
                await asyncio.sleep(0.5)
            cpu = cpu_seconds(proc.pids()) - cpu_before
            tx_after = await db.transactions()
            alive = await held.still_open(wait_s=1.0)
        finally:
            held.close()
        main_pid = proc.pid
    refused = Counter(held.refused)
    return {
        "idle_target": scale.idle_streams,
        "idle_opened": held.opened,
        "idle_alive": alive,
        "idle_refused": dict(refused),
        "idle_open_s": held.seconds_to_open,
        "idle_open_ms": held.open_ms,
        "idle_rss_before_kb": sum(rss_before.values()),
        "idle_rss_kb": sum(peak.values()),
        "idle_worker_rss_kb": max((kb for pid, kb in peak.items() if pid != main_pid), default=0),
        "idle_cpu_pct": 100 * cpu / scale.idle_hold_s,
        "idle_tx_per_s": None if tx_before is None else (tx_after - tx_before) / scale.idle_hold_s,  # type: ignore[operator]
    }


PHASES = {
    "first-token": phase_first_token_and_resume,
    "cancel": phase_cancel,
    "load": phase_load,
    "steady": phase_steady,
    "writes": phase_writes,
    "idle": phase_idle,
}


async def bench_backend(backend: str, scale: Scale, log_dir: Path, phases: list[str]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix=f"cvchat-bench-{backend}-"))
    db = Database(backend, tmp)
    await db.create()
    check = Checker()
    results: dict[str, Any] = {}
    try:
        for name in phases:
            started = time.monotonic()
            print(f"  {backend}: {name} …", file=sys.stderr, flush=True)
            results |= await PHASES[name](db, log_dir, scale, check)
            results[f"seconds_{name}"] = round(time.monotonic() - started, 1)
    finally:
        await db.drop()
        shutil.rmtree(tmp, ignore_errors=True)
    results |= {
        "streams_checked": check.streams,
        "gaps": check.gaps,
        "duplicates": check.duplicates,
        "mismatches": check.mismatches,
        "unfinished": check.unfinished,
    }
    return results


# --- report ------------------------------------------------------------------------------------------------------


def machine() -> str:
    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import granian

    return (
        f"{cpu}, {os.cpu_count()} vCPU, {mem_gb:.0f} GB RAM, Linux {platform.release()}, "
        f"Python {platform.python_version()}, Granian {granian.__version__}"
    )


def fmt(value: float | None, digits: int = 1) -> str:
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    backends = list(results)

    def cell(render: Callable[[dict[str, Any]], str], result: dict[str, Any]) -> str:
        try:
            return render(result)
        except KeyError:  # a phase that was not run
            return "-"

    def row(metric: str, target: str, render: Callable[[dict[str, Any]], str]) -> str:
        return "| " + " | ".join([metric, target, *(cell(render, results[b]) for b in backends)]) + " |"

    def ms(key: str, p: float) -> Callable[[dict[str, Any]], str]:
        return lambda r: f"{fmt(pct(r[key], p))} ms (n={len(r[key])})"

    lines = [
        "| metric | target (PostgreSQL) | " + " | ".join(backends) + " |",
        "|---|---|" + "---|" * len(backends),
        row("first-token overhead p50", "", ms("first_token_ms", 50)),
        row("first-token overhead p99", "≤ 15 ms", ms("first_token_ms", 99)),
        row(
            f"first-token overhead, the {WARM_UP} runs after start-up (left out above): max",
            "",
            lambda r: f"{fmt(max(r['first_token_cold_ms']))} ms",
        ),
        row(
            "of which queued → claimed p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['first_token_queued_ms'], 50))} / {fmt(pct(r['first_token_queued_ms'], 99))} ms",
        ),
        row(
            "of which claimed → first token written p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['first_token_write_ms'], 50))} / {fmt(pct(r['first_token_write_ms'], 99))} ms",
        ),
        row("POST message p50 / p99", "", lambda r: f"{fmt(pct(r['post_ms'], 50))} / {fmt(pct(r['post_ms'], 99))} ms"),
        row(
            "resume (Last-Event-ID) p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['resume_ms'], 50))} / {fmt(pct(r['resume_ms'], 99))} ms",
        ),
        row(
            "cancel: answer p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['cancel_answer_ms'], 50))} / {fmt(pct(r['cancel_answer_ms'], 99))} ms",
        ),
        row(
            "cancel: to terminal frame p50 / p99",
            "p99 ≤ 50 ms",
            lambda r: f"{fmt(pct(r['cancel_terminal_ms'], 50))} / {fmt(pct(r['cancel_terminal_ms'], 99))} ms",
        ),
        row("tokens after the cancel's terminal frame", "0", lambda r: str(r["cancel_late_tokens"])),
        row(
            "load: first-token overhead p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['load_first_token_ms'], 50))} / {fmt(pct(r['load_first_token_ms'], 99))} ms",
        ),
        row(
            "load: of which queued → claimed p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['load_queued_ms'], 50))} / {fmt(pct(r['load_queued_ms'], 99))} ms",
        ),
        row(
            "load: of which claimed → first token written p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['load_first_write_ms'], 50))} / {fmt(pct(r['load_first_write_ms'], 99))} ms",
        ),
        row(
            "load: completion overhead p50 / p99",
            "p99 ≤ 50 ms",
            lambda r: f"{fmt(pct(r['load_completion_ms'], 50))} / {fmt(pct(r['load_completion_ms'], 99))} ms",
        ),
        row(
            "load: event delivery lag p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['load_lag_ms'], 50))} / {fmt(pct(r['load_lag_ms'], 99))} ms",
        ),
        row(
            "load: throughput",
            "",
            lambda r: (
                f"{fmt(r['load_tokens_per_s'], 0)} tokens/s, {fmt(r['load_frames_per_s'], 0)} frames/s "
                f"(CPU: server {fmt(100 * r['load_cpu_s'] / r['load_wall_s'], 0)} %, "
                f"bench client {fmt(100 * r['load_client_cpu_s'] / r['load_wall_s'], 0)} %)"
            ),
        ),
        row(
            "load: INSERT batches / events per run",
            "",
            lambda r: f"{fmt(r['load_batches_per_run'])} / {fmt(r['load_events_per_run'])}",
        ),
        row(
            "steady (load_runs in flight): first-token overhead p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['steady_first_token_ms'], 50))} / {fmt(pct(r['steady_first_token_ms'], 99))} ms",
        ),
        row(
            "steady: completion overhead p50 / p99",
            "p99 ≤ 50 ms",
            lambda r: f"{fmt(pct(r['steady_completion_ms'], 50))} / {fmt(pct(r['steady_completion_ms'], 99))} ms",
        ),
        row(
            "steady: event delivery lag p50 / p99",
            "",
            lambda r: f"{fmt(pct(r['steady_lag_ms'], 50))} / {fmt(pct(r['steady_lag_ms'], 99))} ms",
        ),
        row(
            "steady: throughput",
            "",
            lambda r: (
                f"{fmt(r['steady_tokens_per_s'], 0)} tokens/s (CPU: server {fmt(r['steady_cpu_pct'], 0)} %, "
                f"bench client {fmt(r['steady_client_cpu_pct'], 0)} %; posts sent late p99 "
                f"{fmt(pct(r['steady_late_post_ms'], 99))} ms)"
            ),
        ),
        row(
            "writes: INSERT batches per run (fast tokens)",
            "bounded by flush windows",
            lambda r: (
                f"{fmt(r['writes_batches_per_run'])} for {r['writes_tokens_per_run']} tokens "
                f"(max {r['writes_max_batches']}, window bound {fmt(r['writes_bound'], 0)})"
            ),
        ),
        row(
            "GET /api/runs/{id}",
            "",
            lambda r: f"{fmt(r['get_per_s'], 0)} req/s (p99 {fmt(pct(r['get_ms'], 99))} ms, {r['get_errors']} errors)",
        ),
        row(
            "idle SSE streams held (asked)",
            "5,000",
            lambda r: (
                f"{r['idle_alive']:,} of {r['idle_target']:,}"
                + (f" (refused: {r['idle_refused']})" if r["idle_refused"] else "")
            ),
        ),
        row(
            "idle SSE: RSS main + worker (worker)",
            "< 500 MB",
            lambda r: (
                f"{fmt(r['idle_rss_kb'] / 1024, 0)} MB ({fmt(r['idle_worker_rss_kb'] / 1024, 0)} MB); "
                f"{fmt(r['idle_rss_before_kb'] / 1024, 0)} MB before"
            ),
        ),
        row(
            "idle SSE: server CPU, ≈ DB transactions/s",
            "",
            lambda r: (
                f"{fmt(r['idle_cpu_pct'])} %, "
                + ("n/a" if r["idle_tx_per_s"] is None else f"{fmt(r['idle_tx_per_s'])}/s")
            ),
        ),
        row(
            "streams checked: gaps / duplicates / mismatches",
            "0 / 0 / 0",
            lambda r: f"{r['streams_checked']}: {r['gaps']} / {r['duplicates']} / {r['mismatches'] + r['unfinished']}",
        ),
    ]
    return "\n".join(lines)


async def main_async(args: argparse.Namespace) -> int:
    limit = raise_open_files_limit()
    scale = QUICK if args.quick else Scale()
    if args.streams:
        scale = dataclasses.replace(scale, idle_streams=args.streams)
    if args.backpressure:
        scale = dataclasses.replace(scale, backpressure=args.backpressure)
    if args.runs:
        scale = dataclasses.replace(scale, load_runs=args.runs, steady_runs=3 * args.runs)
    log_dir = Path(tempfile.mkdtemp(prefix="cvchat-bench-logs-"))
    print(f"cvchat bench: {machine()}; open files {limit}; logs in {log_dir}", file=sys.stderr)
    results: dict[str, dict[str, Any]] = {}
    started = time.monotonic()
    for backend in args.backends:
        async with asyncio.timeout(args.timeout_s):
            results[backend] = await bench_backend(backend, scale, log_dir, args.phases)
    print(f"\n{machine()}; {time.monotonic() - started:.0f} s\n")
    print(table(results))
    if args.json:
        await asyncio.to_thread(Path(args.json).write_text, json.dumps(results, indent=1, default=str))
    bad = sum(r["gaps"] + r["duplicates"] + r["mismatches"] + r["unfinished"] for r in results.values())
    if bad:
        print(f"\nFAILED: {bad} gaps, duplicates, mismatches or unfinished streams", file=sys.stderr)
        return 1
    shutil.rmtree(log_dir, ignore_errors=True)
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", nargs="+", default=["postgres", "sqlite"], choices=["postgres", "sqlite"])
    parser.add_argument("--phases", nargs="+", default=list(PHASES), choices=list(PHASES))
    parser.add_argument("--quick", action="store_true", help="small counts (about two minutes): a bench smoke test")
    parser.add_argument("--streams", type=int, help="idle SSE streams to hold (default 5000)")
    parser.add_argument(
        "--backpressure",
        type=int,
        help="serve the idle phase with Granian's per-worker backpressure raised to this (default: `cvchat serve`)",
    )
    parser.add_argument(
        "--runs", type=int, help="runs at once in the load phase and in flight in the steady one (default 100)"
    )
    parser.add_argument("--json", help="also write every sample to this file")
    parser.add_argument("--timeout-s", type=float, default=240, help="per backend")
    sys.exit(asyncio.run(main_async(parser.parse_args())))
