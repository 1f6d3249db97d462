"""The PostgreSQL event bus notices a listening connection that went silent (dropped by a NAT or a load balancer
without a reset) and reconnects, instead of missing every NOTIFY from then on."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from datetime import datetime
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine

from cvchat.infrastructure.db.models import RunModel
from cvchat.infrastructure.db.store import SqlEventLog
from cvchat.infrastructure.events.postgres import SIGNALS_CHANNEL, PgEventBus
from cvchat.infrastructure.settings import Settings
from tests.support.live import LiveServer

pytestmark = [pytest.mark.anyio, pytest.mark.postgres]


class SilenceableProxy:
    """A TCP proxy to PostgreSQL; `silence()` stops forwarding on the open connections without closing them."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port_to = host, port
        self.silenced: list[asyncio.Event] = []
        self.server: asyncio.Server | None = None

    async def start(self) -> int:
        self.server = await asyncio.start_server(self._handle, "127.0.0.1", 0)
        return int(self.server.sockets[0].getsockname()[1])

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_connection(self.host, self.port_to)
        silent = asyncio.Event()
        self.silenced.append(silent)

        async def pipe(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            with contextlib.suppress(OSError, asyncio.CancelledError):
                while chunk := await src.read(65536):
                    if silent.is_set():
                        continue  # swallowed: the peer hears nothing, and nothing says the line is dead
                    dst.write(chunk)
                    await dst.drain()

        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))

    def silence(self) -> None:
        for event in self.silenced:
            event.set()

    async def close(self) -> None:
        if self.server is not None:
            self.server.close()


async def test_a_silently_dropped_listening_connection_is_noticed_and_replaced(fresh_postgres_url: str) -> None:
    target = urlsplit(fresh_postgres_url)
    proxy = SilenceableProxy(target.hostname or "127.0.0.1", target.port or 5432)
    port = await proxy.start()
    via_proxy = urlunsplit(target._replace(netloc=f"{target.username}@127.0.0.1:{port}"))
    engine = create_async_engine(Settings(database_url=fresh_postgres_url).resolved_database_url)
    bus = PgEventBus(via_proxy, "tester", SqlEventLog(engine), ping_s=0.3, ping_timeout_s=0.5)
    heard: list[uuid.UUID] = []
    bus.on_cancel(heard.append)
    await bus.start()
    try:
        proxy.silence()  # the listening connection is now deaf and mute, but not closed
        async with asyncio.timeout(10):
            while bus.reconnects < 1:
                await asyncio.sleep(0.05)
        run_id = uuid.uuid4()
        sender = await asyncpg.connect(fresh_postgres_url)
        try:
            async with asyncio.timeout(5):
                while run_id not in heard:  # a NOTIFY from another worker reaches the new connection
                    await sender.execute("SELECT pg_notify($1, $2)", SIGNALS_CHANNEL, f"cancel {run_id} other")
                    await asyncio.sleep(0.1)
        finally:
            await sender.close()
    finally:
        await bus.close()
        await proxy.close()
        await engine.dispose()


async def test_a_run_posted_to_a_busy_worker_is_claimed_at_once_by_an_idle_one(fresh_postgres_url: str) -> None:
    settings = Settings(
        database_url=fresh_postgres_url,
        llm_provider="fake",
        fake_llm_tokens=300,
        fake_llm_delay_ms=10.0,
        event_flush_ms=10.0,
        shutdown_grace_s=0.5,
    )
    async with LiveServer.start(msgspec.structs.replace(settings, max_concurrent_runs=1)) as busy:
        alice = await busy.user()
        first = await busy.ask(alice, await busy.thread(alice, "first"))
        await busy.wait_status(alice, first["run_id"], "running")
        async with LiveServer.start(settings) as idle:
            # Well inside the idle worker's periodic claim (every 2 s): only the post's NOTIFY wakes it in time.
            await asyncio.sleep(0.7)
            second = await busy.ask(alice, await busy.thread(alice, "second"))
            run = await idle.wait_status(alice, second["run_id"], "running", "done", timeout=5)
            queued = datetime.fromisoformat(run["started_at"]) - datetime.fromisoformat(run["created_at"])
            assert queued.total_seconds() < 0.4, run
            async with idle.runtime.read_sessions() as session:
                owner = await session.scalar(select(RunModel.owner).where(RunModel.id == uuid.UUID(second["run_id"])))
            assert owner == idle.runtime.origin
