"""`cvchat serve` as a real subprocess (Granian), and the clients that talk to it over loopback.

Used by the multi-worker and fault tests (tests/e2e) and by the benchmark (bench/): a process is started on a free
port with settings passed as environment variables, waited on until `/ready`, identified by the `worker_id` its
executor logs (the same id it writes to `runs.owner`), signalled (SIGTERM, or SIGKILL of its whole process group),
and measured (RSS of the Granian main process and its workers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import msgspec

from cvchat.infrastructure.settings import Settings

BIN = Path(sys.executable).parent
_CVCHAT_SETTINGS = {f.encode_name for f in msgspec.structs.fields(Settings)}
TERMINAL = {"done", "error", "canceled"}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def raise_open_files_limit() -> int:
    """Raise this process's soft open-files limit to its hard limit (children inherit it); returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def serve_env(database_url: str, port: int, settings: Mapping[str, object]) -> dict[str, str]:
    """The environment of a `cvchat serve`: ours without any cvchat setting or provider key, plus `settings`."""
    env = {k: v for k, v in os.environ.items() if k not in _CVCHAT_SETTINGS and not k.endswith("_API_KEY")}
    env |= {"DATABASE_URL": database_url, "HOST": "127.0.0.1", "PORT": str(port), "LLM_PROVIDER": "fake"}
    env |= {k.upper(): str(v) for k, v in settings.items()}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    return env


@dataclass
class ServeProcess:
    """One `cvchat serve` (a Granian main process and its workers, in a process group of their own)."""

    process: subprocess.Popen[bytes]
    port: int
    log_path: Path
    name: str

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int:
        return self.process.pid

    @classmethod
    def spawn(
        cls,
        database_url: str,
        log_dir: Path,
        name: str = "serve",
        settings: Mapping[str, object] | None = None,
        *,
        migrate: bool = False,
        command: list[str] | None = None,
    ) -> ServeProcess:
        """Start `cvchat serve [--migrate]` (or `command`, which must serve the same way) on a free port."""
        port = free_port()
        log_path = log_dir / f"{name}-{port}.log"
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command or [str(BIN / "cvchat"), "serve", *(["--migrate"] if migrate else [])],
                cwd=log_dir,
                env=serve_env(database_url, port, settings or {}),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: kill() takes the workers down with the main process
            )
        return cls(process=process, port=port, log_path=log_path, name=name)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_events(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (structlog), skipping Granian's plain lines."""
        events = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    events.append(json.loads(line))
        return events

    @property
    def worker_ids(self) -> list[str]:
        """The executors' worker ids (one per Granian worker): what they write to `runs.owner`."""
        return [e["worker_id"] for e in self.log_events() if e.get("event") == "executor_started"]

    async def wait_ready(self, timeout: float = 30) -> None:
        """Until `/ready` answers 200 and every worker's executor has logged its id."""
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(base_url=self.base_url, timeout=2) as http:
            while time.monotonic() < deadline:
                if self.process.poll() is not None:
                    raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_text()}")
                with contextlib.suppress(httpx.TransportError):
                    if (await http.get("/ready")).status_code == 200 and self.worker_ids:
                        return
                await asyncio.sleep(0.05)
        raise RuntimeError(f"{self.name} did not become ready in {timeout} s:\n{self.log_text()}")

    def terminate(self) -> None:
        """SIGTERM to the Granian main process, as a process manager stops a service."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)

    def kill(self) -> None:
        """SIGKILL to the whole process group: the main process and its workers die at once, as in a crash."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(10)

    async def wait_exit(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while (code := self.process.poll()) is None:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{self.name} still running after {timeout} s")
            await asyncio.sleep(0.02)
        return code

    def pids(self) -> list[int]:
        """The main process and its descendants (Granian workers)."""
        children: dict[int, list[int]] = {}
        for entry in Path("/proc").iterdir():
            if entry.name.isdigit():
                with contextlib.suppress(OSError, IndexError, ValueError):
                    stat = (entry / "stat").read_text()
                    ppid = int(stat.rsplit(")", 1)[1].split()[1])
                    children.setdefault(ppid, []).append(int(entry.name))
        found, todo = [], [self.process.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            todo.extend(children.get(pid, []))
        return found

    def rss_kb(self) -> dict[int, int]:
        """VmRSS (kB) of the main process and of each worker, by pid."""
        sizes = {}
        for pid in self.pids():
            with contextlib.suppress(OSError):
                for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                    if line.startswith("VmRSS:"):
                        sizes[pid] = int(line.split()[1])
        return sizes

    def close(self) -> None:
        """Make sure nothing is left behind (used in `finally`)."""
        if self.process.poll() is None:
            self.kill()


@contextlib.asynccontextmanager
async def serving(
    database_url: str,
    log_dir: Path,
    name: str = "serve",
    settings: Mapping[str, object] | None = None,
    *,
    migrate: bool = False,
    command: list[str] | None = None,
    ready_timeout: float = 30,
) -> AsyncIterator[ServeProcess]:
    """A started, ready `cvchat serve`, killed on exit if still running."""
    proc = ServeProcess.spawn(database_url, log_dir, name, settings, migrate=migrate, command=command)
    try:
        await proc.wait_ready(ready_timeout)
        yield proc
    finally:
        proc.close()


# --- API shortcuts -----------------------------------------------------------------------------------------------


@dataclass
class ApiUser:
    user_id: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


async def create_user(http: httpx.AsyncClient, name: str) -> ApiUser:
    response = await http.post("/api/users", json={"name": name})
    assert response.status_code == 201, response.text
    body = response.json()
    return ApiUser(user_id=body["user_id"], api_key=body["api_key"])


async def create_thread(http: httpx.AsyncClient, user: ApiUser, title: str = "hiring") -> str:
    response = await http.post("/api/threads", json={"title": title}, headers=user.headers)
    assert response.status_code == 201, response.text
    return str(response.json()["thread_id"])


async def post_message(http: httpx.AsyncClient, user: ApiUser, thread_id: str, content: str = "Who knows Rust?") -> str:
    response = await http.post(f"/api/threads/{thread_id}/messages", json={"content": content}, headers=user.headers)
    assert response.status_code == 202, response.text
    return str(response.json()["run_id"])


# --- SSE ---------------------------------------------------------------------------------------------------------


@dataclass
class Frame:
    """One SSE event as received: `at` is time.monotonic() when its last line arrived."""

    id: str | None
    event: str
    data: str
    at: float

    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class FollowedRun:
    """What a resuming client received for one run: every frame, the seqs, and how often it reconnected."""

    run_id: str
    frames: list[Frame] = field(default_factory=list)
    connects: int = 0
    drops: int = 0
    """Connections the client closed on purpose (`drop_at`)."""
    statuses: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    ended_at: float | None = None

    @property
    def events(self) -> list[Frame]:
        """Frames that carry a run event (they have an id): not `retry:`, pings or `done`."""
        return [f for f in self.frames if f.id is not None]

    @property
    def seqs(self) -> list[int]:
        return [int(f.id) for f in self.events if f.id is not None]

    @property
    def last_seq(self) -> int:
        seqs = self.seqs
        return seqs[-1] if seqs else 0

    @property
    def done(self) -> Frame | None:
        return next((f for f in self.frames if f.event == "done"), None)


class SseParser:
    """The SSE grammar a line at a time: `field: value` lines build an event, `:` lines are comments, and a blank
    line dispatches the event (if it has data or a type)."""

    def __init__(self) -> None:
        self._id: str | None = None
        self._event, self._data = "", []

    def feed(self, line: str, at: float) -> Frame | None:
        """The event a blank line dispatches (received `at`), else None."""
        if line == "":
            frame = None
            if self._data or self._event:
                frame = Frame(id=self._id, event=self._event or "message", data="\n".join(self._data), at=at)
            self._id, self._event, self._data = None, "", []
            return frame
        if not line.startswith(":"):
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "id":
                self._id = value
            elif name == "event":
                self._event = value
            elif name == "data":
                self._data.append(value)
        return None


async def read_sse(response: httpx.Response) -> AsyncIterator[Frame]:
    """A spec-conforming SSE parser (lines, `field: value`, blank line dispatch) over a streaming response."""
    parser = SseParser()
    async for line in response.aiter_lines():
        frame = parser.feed(line, time.monotonic())
        if frame is not None:
            yield frame


async def follow_run(
    http: httpx.AsyncClient,
    user: ApiUser,
    run_id: str,
    *,
    into: FollowedRun | None = None,
    after: int = 0,
    resume: bool = True,
    drop_at: Iterable[int] = (),
    retry_s: float = 0.1,
    deadline_s: float = 60,
) -> FollowedRun:
    """Read a run's SSE stream to `event: done`; with `resume`, reconnect with Last-Event-ID whenever it breaks.

    A 204 on reconnect (the client already has the terminal event) ends it too; 5xx answers are retried. `drop_at`
    lists event counts at which the client itself hangs up and resumes, as a flaky network would make it.
    """
    followed = into or FollowedRun(run_id)
    position = after
    drops = sorted(drop_at)
    async with asyncio.timeout(deadline_s):
        while True:
            headers = user.headers | ({"Last-Event-ID": str(position)} if position else {})
            followed.connects += 1
            try:
                async with http.stream("GET", f"/api/runs/{run_id}/events", headers=headers) as response:
                    followed.statuses.append(response.status_code)
                    if response.status_code == 204:
                        followed.ended_at = time.monotonic()
                        return followed
                    if response.status_code == 200:
                        async for frame in read_sse(response):
                            followed.frames.append(frame)
                            if frame.id is not None:
                                position = int(frame.id)
                            if frame.event == "done":
                                followed.ended_at = time.monotonic()
                                return followed
                            if drops and len(followed.events) >= drops[0]:
                                drops.pop(0)
                                followed.drops += 1
                                break
                    elif response.status_code < 500:
                        raise AssertionError(f"{run_id}: {response.status_code} {await response.aread()!r}")
            except (httpx.TransportError, httpx.StreamError) as exc:
                followed.errors.append(type(exc).__name__)
            if not resume:
                followed.ended_at = time.monotonic()
                return followed
            await asyncio.sleep(retry_s)


# --- the database, read directly ---------------------------------------------------------------------------------


async def run_log(conn: asyncpg.Connection, run_id: str) -> tuple[asyncpg.Record, list[asyncpg.Record]]:
    """The run's row and its events (seq order)."""
    run = await conn.fetchrow("SELECT * FROM runs WHERE id = $1", run_id)
    rows = await conn.fetch("SELECT seq, type, data, created_at FROM run_events WHERE run_id = $1 ORDER BY seq", run_id)
    return run, list(rows)


def check_log_is_whole(run: Any, rows: list[Any]) -> list[str]:
    """What is wrong with a finished run's log (empty when it is whole): gapless from 1, `queued` first, exactly one
    terminal state and it is last, an `error`/`canceled` event just before an error/canceled end, and `runs` agrees.
    """
    problems = []
    seqs = [r["seq"] for r in rows]
    if seqs != list(range(1, len(rows) + 1)):
        problems.append(f"seqs are not 1..{len(rows)}: {seqs}")
    states = [json.loads(r["data"])["status"] for r in rows if r["type"] == "state"]
    if not states or states[0] != "queued":
        problems.append(f"the log does not start with queued: {states}")
    terminals = [s for s in states if s in TERMINAL]
    if len(terminals) != 1:
        problems.append(f"{len(terminals)} terminal states: {states}")
    elif rows[-1]["type"] != "state" or json.loads(rows[-1]["data"])["status"] != terminals[0]:
        problems.append(f"the terminal state is not last: {rows[-1]['type']}")
    else:
        if run["status"] != terminals[0]:
            problems.append(f"runs.status {run['status']} but the log ends {terminals[0]}")
        if terminals[0] in {"error", "canceled"} and (len(rows) < 2 or rows[-2]["type"] != terminals[0]):
            problems.append(f"no {terminals[0]} event before the terminal state")
    if run["last_seq"] != len(rows):
        problems.append(f"runs.last_seq {run['last_seq']} but {len(rows)} events")
    return problems
