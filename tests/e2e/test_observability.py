"""What an operator sees of a real `cvchat serve`: JSON log lines carrying the request id, the caller's ids and the
run id; on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from httpx_sse import aconnect_sse

from tests.support.processes import serving

pytestmark = pytest.mark.anyio


async def test_log_lines_carry_the_request_id_the_caller_and_the_run(database_url: str, tmp_path: Path) -> None:
    settings = {"fake_llm_tokens": 5, "fake_llm_delay_ms": 5}
    async with (
        serving(database_url, tmp_path, "serve", settings, migrate=True) as proc,
        httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "olivia"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}

        me = await http.get("/api/users/me", headers=auth | {"X-Request-ID": "gw-7f3a.01"})
        assert me.headers["X-Request-ID"] == "gw-7f3a.01"  # a caller's id is kept and echoed
        fresh = await http.get("/api/users/me", headers=auth)
        assert re.fullmatch(r"[0-9a-f]{32}", fresh.headers["X-Request-ID"])
        junk = await http.get("/api/users/me", headers=auth | {"X-Request-ID": "a b<script>" * 10})
        assert re.fullmatch(r"[0-9a-f]{32}", junk.headers["X-Request-ID"])  # not a sane token: replaced
        unknown = await http.get(f"/api/threads/{'0' * 32}", headers=auth | {"X-Request-ID": "gw-404"})
        assert unknown.status_code == 404
        assert unknown.headers["X-Request-ID"] == "gw-404"  # errors carry it too

        thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
        posted = await http.post(
            f"/api/threads/{thread}/messages",
            json={"content": "Rust?"},
            headers=auth | {"X-Request-ID": "gw-post"},
        )
        run_id = posted.json()["run_id"]
        async with aconnect_sse(http, "GET", posted.json()["stream_url"]) as source:
            frames = [sse async for sse in source.aiter_sse()]
        assert frames[-1].event == "done"

    lines = proc.log_events()
    mine = [e for e in lines if e.get("request_id") == "gw-7f3a.01"]
    assert {e["event"] for e in mine} >= {"HTTP Request", "HTTP Response"}
    response = next(e for e in mine if e["event"] == "HTTP Response")
    assert response["user_id"] == user["user_id"] and response["status_code"] == 200
    assert all("level" in e and "timestamp" in e for e in mine)
    post_lines = [e for e in lines if e.get("request_id") == "gw-post"]
    assert any(e.get("user_id") == user["user_id"] for e in post_lines)
    finished = next(e for e in lines if e.get("event") == "run_finished" and e.get("run_id") == run_id)
    assert finished["user_id"] == user["user_id"] and finished["status"] == "done"
    # Streams are not logged frame by frame: no line for the events route at all.
    assert not [e for e in lines if "/events" in str(e.get("path", ""))]
