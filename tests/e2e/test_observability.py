"""What an operator sees of a real `cvchat serve`: JSON log lines carrying the request id, the caller's ids and the
run id; on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
import re
from pathlib import Path

import asyncpg
import httpx
import pytest
from httpx_sse import aconnect_sse
from prometheus_client.parser import text_string_to_metric_families

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


def scrape(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """The samples of a Prometheus text exposition, by name and labels."""
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples: dict[tuple[str, tuple[tuple[str, str], ...]], float], name: str, **labels: str) -> float:
    matching = [v for (n, ls), v in samples.items() if n == name and set(labels.items()) <= set(ls)]
    return sum(matching)


async def test_metrics_after_runs_carry_the_runs_figures(database_url: str, tmp_path: Path) -> None:
    settings = {"fake_llm_tokens": 6, "fake_llm_delay_ms": 5, "event_flush_ms": 5}
    async with (
        serving(database_url, tmp_path, "serve", settings, migrate=True) as proc,
        httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "mia"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}
        before = scrape((await http.get("/metrics")).text)
        assert value(before, "cvchat_runs_finished_total") == 0
        events_written = 0
        for _ in range(2):
            thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
            posted = (await http.post(f"/api/threads/{thread}/messages", json={"content": "Go?"}, headers=auth)).json()
            async with aconnect_sse(http, "GET", posted["stream_url"]) as source:
                frames = [sse async for sse in source.aiter_sse()]
            assert frames[-1].event == "done"
            page = await http.get(f"/api/runs/{posted['run_id']}/events/page", headers=auth)
            # By the run's batches: all but `queued` (written with the message) and `running` (with the claim).
            events_written += len(page.json()["events"]) - 2
        assert (await http.get("/api/cvs/search", params={"q": "python"}, headers=auth)).status_code == 200

        response = await http.get("/metrics")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
        after = scrape(response.text)

    assert value(after, "cvchat_runs_finished_total", status="done") == 2
    assert value(after, "cvchat_run_duration_seconds_count", status="done") == 2
    assert value(after, "cvchat_run_first_token_seconds_count") == 2
    assert 0 < value(after, "cvchat_run_first_token_seconds_sum") < 10
    assert value(after, "cvchat_run_queue_wait_seconds_count") == 2
    assert value(after, "cvchat_events_written_total") == events_written
    assert 2 <= value(after, "cvchat_event_flushes_total") <= events_written
    assert value(after, "cvchat_search_seconds_count") == 1
    assert value(after, "cvchat_runs_active") == 0
    assert value(after, "cvchat_sse_streams_open") == 0
    # HTTP latency by route template, not by concrete path; streams are not timed as requests.
    posts = {
        dict(labels)["path"]: v
        for (name, labels), v in after.items()
        if name == "cvchat_http_request_duration_seconds_count" and dict(labels)["path"].endswith("/messages")
    }
    assert list(posts.values()) == [2] and "{thread_id" in next(iter(posts)), posts
    assert not [k for k in after if "/events" in dict(k[1]).get("path", "") and not dict(k[1])["path"].endswith("page")]


async def test_metrics_count_provider_errors_and_open_streams(database_url: str, tmp_path: Path) -> None:
    async with (
        serving(database_url, tmp_path, "fail", {"fake_llm_fail_after": 1}, migrate=True) as failing,
        httpx.AsyncClient(base_url=failing.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "ned"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}
        thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
        posted = (await http.post(f"/api/threads/{thread}/messages", json={"content": "Go?"}, headers=auth)).json()
        async with aconnect_sse(http, "GET", posted["stream_url"]) as source:
            frames = [sse async for sse in source.aiter_sse()]
        assert frames[-1].event == "done"
        failed = scrape((await http.get("/metrics")).text)
    assert value(failed, "cvchat_provider_errors_total", provider="fake", code="provider_failed") == 1
    assert value(failed, "cvchat_runs_finished_total", status="error") == 1

    slow = {"fake_llm_tokens": 200, "fake_llm_delay_ms": 20}
    async with (
        serving(database_url, tmp_path, "slow", slow, migrate=True) as proc,
        httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "ola"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}
        thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
        posted = (await http.post(f"/api/threads/{thread}/messages", json={"content": "Go?"}, headers=auth)).json()
        first_token = asyncio.Event()

        async def read() -> None:  # reads on: leaving the iterator early may close the stream
            async with aconnect_sse(http, "GET", posted["stream_url"]) as source:
                async for sse in source.aiter_sse():
                    if sse.event == "token":
                        first_token.set()

        reader = asyncio.create_task(read())
        try:
            await asyncio.wait_for(first_token.wait(), 10)
            live = scrape((await http.get("/metrics")).text)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
        assert value(live, "cvchat_sse_streams_open") == 1
        assert value(live, "cvchat_runs_active") == 1


@pytest.mark.postgres
async def test_metrics_of_several_workers_add_up(fresh_postgres_url: str, tmp_path: Path) -> None:
    """Two Granian workers: whichever answers the scrape reports the runs both executed."""
    settings = {"workers": 2, "max_concurrent_runs": 1, "fake_llm_tokens": 5, "fake_llm_delay_ms": 20}
    async with (
        serving(fresh_postgres_url, tmp_path, "two", settings, migrate=True) as proc,
        httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "wanda"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}
        runs = []
        for _ in range(6):
            thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
            posted = await http.post(f"/api/threads/{thread}/messages", json={"content": "Go?"}, headers=auth)
            runs.append(posted.json()["run_id"])
        for run_id in runs:
            for _ in range(200):
                if (await http.get(f"/api/runs/{run_id}", headers=auth)).json()["status"] == "done":
                    break
                await asyncio.sleep(0.05)
        conn = await asyncpg.connect(fresh_postgres_url)
        try:
            owners = await conn.fetchval("SELECT count(DISTINCT owner) FROM runs")
        finally:
            await conn.close()
        assert owners == 2, "both workers should have run some of the runs"
        totals = set()
        for _ in range(6):  # a fresh connection each time, so the scrapes land on either worker
            async with httpx.AsyncClient(base_url=proc.base_url, timeout=10) as scraper:
                totals.add(value(scrape((await scraper.get("/metrics")).text), "cvchat_runs_finished_total"))
        assert totals == {6.0}
