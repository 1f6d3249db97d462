"""A live server for tests: the app under an embedded Granian, and an API client that speaks to it."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
from granian.constants import Interfaces
from granian.server.embed import Server
from httpx_sse import aconnect_sse

from cvchat.infrastructure.settings import Settings
from cvchat.infrastructure.web.app import create_app


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Frame:
    """One parsed SSE event."""

    id: str
    event: str
    data: str
    retry: int | None = None

    def json(self) -> Any:
        import json

        return json.loads(self.data)


@dataclass
class User:
    user_id: str
    name: str
    api_key: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.api_key}"}


@dataclass
class LiveServer:
    base_url: str
    settings: Settings
    app: Any
    http: httpx.AsyncClient = field(repr=False)
    names: Any = field(default_factory=lambda: iter(range(10**9)))

    @classmethod
    @contextlib.asynccontextmanager
    async def start(cls, settings: Settings) -> AsyncIterator[LiveServer]:
        port = free_port()
        app = create_app(settings)
        server = Server(app, address="127.0.0.1", port=port, interface=Interfaces.ASGI, log_enabled=False)
        task = asyncio.create_task(server.serve())
        base_url = f"http://127.0.0.1:{port}"
        async with httpx.AsyncClient(base_url=base_url, timeout=20) as http:
            try:
                for _ in range(200):
                    if task.done():
                        task.result()
                    with contextlib.suppress(httpx.TransportError):
                        if (await http.get("/ready")).status_code == 200:
                            break
                    await asyncio.sleep(0.05)
                else:
                    raise RuntimeError("the server did not become ready")
                yield cls(base_url=base_url, settings=settings, app=app, http=http)
            finally:
                server.stop()
                await asyncio.wait_for(task, 30)

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    async def user(self, name: str | None = None) -> User:
        name = name or f"user{next(self.names)}"
        response = await self.http.post("/api/users", json={"name": name})
        assert response.status_code == 201, response.text
        body = response.json()
        return User(user_id=body["user_id"], name=body["name"], api_key=body["api_key"])

    async def thread(self, user: User, title: str = "hiring") -> str:
        response = await self.http.post("/api/threads", json={"title": title}, headers=user.headers)
        assert response.status_code == 201, response.text
        return str(response.json()["thread_id"])

    async def post(
        self, user: User, thread_id: str, content: str = "Who knows Rust?", **headers: str
    ) -> httpx.Response:
        return await self.http.post(
            f"/api/threads/{thread_id}/messages", json={"content": content}, headers=user.headers | headers
        )

    async def ask(self, user: User, thread_id: str, content: str = "Who knows Rust?") -> dict[str, Any]:
        response = await self.post(user, thread_id, content)
        assert response.status_code == 202, response.text
        return dict(response.json())

    async def run(self, user: User, run_id: str) -> dict[str, Any]:
        response = await self.http.get(f"/api/runs/{run_id}", headers=user.headers)
        assert response.status_code == 200, response.text
        return dict(response.json())

    async def frames(
        self, url: str, headers: dict[str, str] | None = None, *, limit: int | None = None, timeout: float = 30
    ) -> list[Frame]:
        """Read an SSE stream to its end (or `limit` events) with a real SSE parser."""
        frames: list[Frame] = []
        async with asyncio.timeout(timeout):
            async with aconnect_sse(self.http, "GET", url, headers=headers or {}) as source:
                assert source.response.status_code == 200, await source.response.aread()
                assert source.response.headers["content-type"].startswith("text/event-stream")
                async for sse in source.aiter_sse():
                    frames.append(Frame(id=sse.id, event=sse.event, data=sse.data, retry=sse.retry))
                    if limit is not None and len(events_of(frames)) >= limit:
                        break
        return frames

    async def wait_status(self, user: User, run_id: str, *statuses: str, timeout: float = 20) -> dict[str, Any]:
        async with asyncio.timeout(timeout):
            while True:
                run = await self.run(user, run_id)
                if run["status"] in statuses:
                    return run
                await asyncio.sleep(0.02)


def events_of(frames: list[Frame]) -> list[Frame]:
    """The frames that carry a run event: not the opening `retry:` frame, not the closing `done`."""
    return [f for f in frames if f.data and f.event != "done"]
