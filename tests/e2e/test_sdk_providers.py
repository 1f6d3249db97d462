"""The service under Granian answering with the real Anthropic and Gemini SDKs, pointed at the local fake servers
by ANTHROPIC_BASE_URL / GEMINI_BASE_URL (settings), on SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import msgspec
import pytest

from cvchat.infrastructure.settings import Settings
from tests.fakes.llm import FakeLLMServer, HttpError, Reply, Text
from tests.support.live import LiveServer, events_of

pytestmark = pytest.mark.anyio

ANSWER = ("Ana Nowak has ", "run Kubernetes ", "in production — ", "since 2019.")


@pytest.fixture
async def fake_llm() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer(api_key="test-key") as server:
        yield server


def _settings(provider: str, fake_llm: FakeLLMServer, database_url: str) -> Settings:
    keys = {
        "anthropic": {"anthropic_api_key": "test-key", "anthropic_base_url": fake_llm.url},
        "google": {"gemini_api_key": "test-key", "gemini_base_url": fake_llm.url},
    }[provider]
    return Settings(database_url=database_url, llm_provider=provider, **keys)  # type: ignore[arg-type]


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    path = tmp_path / "e2e.db"
    path.write_bytes(sqlite_template.read_bytes())
    return f"sqlite+aiosqlite:///{path}"


@pytest.mark.parametrize("provider", ["anthropic", "google"])
async def test_a_run_streams_the_providers_answer_and_records_usage_and_model(
    provider: str, fake_llm: FakeLLMServer, sqlite_url: str
) -> None:
    fake_llm.enqueue(Reply([Text(list(ANSWER))], input_tokens=42, output_tokens=17))
    async with LiveServer.start(_settings(provider, fake_llm, sqlite_url)) as server:
        alice = await server.user()
        accepted = await server.ask(alice, await server.thread(alice), "Who has run Kubernetes in production?")
        events = events_of(await server.frames(accepted["stream_url"]))
        assert "".join(e.json()["text"] for e in events if e.event == "token") == "".join(ANSWER)
        final = next(e.json() for e in events if e.event == "final")
        assert final["text"] == "".join(ANSWER)
        assert final["usage"] == {"input_tokens": 42, "output_tokens": 17}
        run = await server.run(alice, accepted["run_id"])
        expected_model = server.settings.anthropic_model if provider == "anthropic" else server.settings.gemini_model
        assert (run["status"], run["provider"], run["model"]) == ("done", provider, expected_model)
        assert run["usage"] == {"input_tokens": 42, "output_tokens": 17}
    request = fake_llm.requests[-1]
    assert request.api_key == "test-key"
    assert "Who has run Kubernetes in production?" in request.raw_body.decode()


@pytest.mark.parametrize("provider", ["anthropic", "google"])
async def test_a_provider_rate_limit_ends_the_run_with_a_retryable_error(
    provider: str, fake_llm: FakeLLMServer, sqlite_url: str
) -> None:
    fake_llm.enqueue(HttpError(429, retry_after=7))
    async with LiveServer.start(_settings(provider, fake_llm, sqlite_url)) as server:
        alice = await server.user()
        accepted = await server.ask(alice, await server.thread(alice))
        events = events_of(await server.frames(accepted["stream_url"]))
        error = events[-2].json()
        assert (events[-2].event, error["code"], error["retryable"]) == ("error", "rate_limited", True)
        assert "test-key" not in error["error"]
        assert events[-1].json()["status"] == "error"


@pytest.mark.parametrize("provider", ["anthropic", "google"])
async def test_a_run_over_its_timeout_closes_the_providers_stream(
    provider: str, fake_llm: FakeLLMServer, sqlite_url: str
) -> None:
    fake_llm.enqueue(Reply([Text("x" * 200, chunks=200)], delay_s=0.05))  # ten seconds of streaming
    settings = msgspec.structs.replace(_settings(provider, fake_llm, sqlite_url), run_timeout_s=0.8)
    async with LiveServer.start(settings) as server:
        alice = await server.user()
        accepted = await server.ask(alice, await server.thread(alice))
        events = events_of(await server.frames(accepted["stream_url"]))
        assert (events[-2].event, events[-2].json()["code"]) == ("error", "timeout")
        assert any(e.event == "token" for e in events)  # the partial answer stays in the log
    request = fake_llm.requests[-1]
    assert await request.wait_client_closed(timeout_s=2.0)  # the HTTP stream was closed, not left running


@pytest.mark.parametrize("provider", ["anthropic", "google"])
async def test_cancelling_a_run_closes_the_providers_stream_at_once(
    provider: str, fake_llm: FakeLLMServer, sqlite_url: str
) -> None:
    fake_llm.enqueue(Reply([Text("y" * 200, chunks=200)], delay_s=0.05))
    async with LiveServer.start(_settings(provider, fake_llm, sqlite_url)) as server:
        alice = await server.user()
        accepted = await server.ask(alice, await server.thread(alice))
        await server.frames(accepted["stream_url"], limit=6)  # queued, running, the first search, two tokens
        answer = await server.http.post(f"/api/runs/{accepted['run_id']}/cancel", headers=alice.headers)
        assert answer.json()["status"] == "canceled"
        assert await fake_llm.requests[-1].wait_client_closed(timeout_s=1.0)
