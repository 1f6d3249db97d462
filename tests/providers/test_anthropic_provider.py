"""The Anthropic provider through the real anthropic SDK against the fake server: answers, tools, failures, cancels."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import pytest

from cvchat.domain.entities import MessageRole, Usage
from cvchat.domain.errors import ProviderError
from cvchat.domain.events import Token, ToolEnd, ToolStart
from cvchat.domain.ports import (
    Finish,
    LlmStreamChunk,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    UsageReport,
)
from cvchat.infrastructure.llm.anthropic import AnthropicProvider
from cvchat.infrastructure.llm.factory import provider_factory
from cvchat.infrastructure.llm.local import LocalProvider
from cvchat.infrastructure.settings import Settings
from tests.fakes.llm import (
    Cut,
    Drop,
    FakeLLMServer,
    HttpError,
    NoTerminal,
    Reply,
    Script,
    Stall,
    StreamError,
    Text,
    ToolCall,
)
from tests.providers.conftest import (
    ANA,
    BO,
    QUESTION,
    SLOW,
    TEXT_PIECES,
    SearchCvs,
    collect,
    gc_paused,
    request,
    run_assistant,
    search_spec,
)

pytestmark = pytest.mark.anyio

MODEL = "claude-test"


@pytest.fixture(name="provider")
async def fx_provider(llm_server: FakeLLMServer) -> AsyncIterator[AnthropicProvider]:
    provider = AnthropicProvider("test-key", MODEL, llm_server.url, stall_timeout_s=0.5)
    yield provider
    await provider.aclose()


def texts(chunks: list[Any]) -> str:
    return "".join(chunk.text for chunk in chunks if isinstance(chunk, TextDelta))


def usage(chunks: list[Any]) -> tuple[int, int]:
    reports = [chunk for chunk in chunks if isinstance(chunk, UsageReport)]
    return sum(r.input_tokens for r in reports), sum(r.output_tokens for r in reports)


# Answers.


async def test_streams_the_answer_with_usage_and_finish(llm_server: FakeLLMServer, provider: AnthropicProvider) -> None:
    llm_server.enqueue(Reply([Text("Ana knows Rust.", chunks=3)], input_tokens=42, output_tokens=7))

    chunks = await collect(provider, request())

    assert [type(c) for c in chunks] == [UsageReport, TextDelta, TextDelta, TextDelta, UsageReport, Finish]
    assert texts(chunks) == "Ana knows Rust."
    assert usage(chunks) == (42, 7)  # message_start's 1 output token is counted once, not twice
    assert chunks[-1] == Finish(reason="end")
    sent = llm_server.requests[0]
    assert (sent.path, sent.api_key, sent.body["model"], sent.body["stream"]) == (
        "/v1/messages",
        "test-key",
        MODEL,
        True,
    )
    assert sent.body["system"] == "You answer about CVs."
    assert sent.body["messages"] == [{"role": "user", "content": QUESTION}]
    assert sent.headers["x-stainless-retry-count"] == "0"


async def test_non_ascii_text_split_mid_character_arrives_intact(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(Reply([Text(TEXT_PIECES)], chunk_bytes=1))

    chunks = await collect(provider, request())

    assert [c.text for c in chunks if isinstance(c, TextDelta)] == list(TEXT_PIECES)


async def test_tool_call_chunks_keep_the_provider_id_and_the_raw_json(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    args = {"query": "Rust", "k": 2}
    llm_server.enqueue(Reply([ToolCall("search_cvs", args, id="toolu_01abc", chunks=4)]))

    chunks = await collect(provider, request(tools=[search_spec()]))

    calls = [c for c in chunks if isinstance(c, ToolCallStart | ToolCallDelta | ToolCallEnd)]
    assert calls[0] == ToolCallStart(call_id="toolu_01abc", name="search_cvs")
    assert calls[-1] == ToolCallEnd(call_id="toolu_01abc")
    assert "".join(c.arguments_json for c in calls if isinstance(c, ToolCallDelta)) == json.dumps(args)
    assert chunks[-1] == Finish(reason="tool_use")
    tool = llm_server.requests[0].body["tools"][0]
    # msgspec's `$ref` root is lifted: the API wants an object schema at the top.
    assert (tool["name"], tool["input_schema"]["type"]) == ("search_cvs", "object")
    assert tool["input_schema"]["required"] == ["query"]
    assert "$ref" not in tool["input_schema"]


async def test_one_tool_round_through_the_assistant_sends_the_result_back(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(
        Reply([Text("Let me search. "), ToolCall("search_cvs", {"query": "Kraków"}, id="toolu_01one")]),
        Text("Ana Nowak knows Rust."),
    )
    tool = SearchCvs()

    result = await run_assistant(provider, tools=[tool])

    assert result.answer.text == "Let me search. Ana Nowak knows Rust."
    assert result.answer.sources == [ANA]
    assert result.model == ("anthropic", MODEL)
    assert [call.query for call in tool.calls] == ["Kraków"]
    starts = [e for e in result.events if isinstance(e, ToolStart)]
    assert [(e.call_id, e.tool, e.input) for e in starts] == [
        ("toolu_01one", "search_cvs", {"query": "Kraków", "k": 3})
    ]
    assert [e.call_id for e in result.events if isinstance(e, ToolEnd)] == ["toolu_01one"]
    second = llm_server.requests[1].body["messages"]
    assert second == [
        {"role": "user", "content": QUESTION},
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me search. "},
                {"type": "tool_use", "id": "toolu_01one", "name": "search_cvs", "input": {"query": "Kraków"}},
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": "toolu_01one",
                    "content": json.dumps(
                        {"results": [{"name": "Ana Nowak", "excerpt": "Rust, 5 years, Kraków"}]}, ensure_ascii=False
                    ),
                }
            ],
        },
    ]


async def test_two_tool_rounds_through_the_assistant_carry_both_rounds(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(
        Reply([ToolCall("search_cvs", {"query": "Go"})], input_tokens=10, output_tokens=3),
        Reply([ToolCall("search_cvs", {"query": "Kraków", "k": 1})], input_tokens=20, output_tokens=4),
        Reply([Text("Bo knows Go; Ana is in Kraków.")], input_tokens=30, output_tokens=5),
    )

    result = await run_assistant(provider, tools=[SearchCvs()])

    assert result.answer.text == "Bo knows Go; Ana is in Kraków."
    assert result.answer.sources == [BO, ANA]
    assert result.answer.usage == Usage(input_tokens=60, output_tokens=12)
    third = llm_server.requests[2].body["messages"]
    assert [m["role"] for m in third] == ["user", "assistant", "user", "assistant", "user"]
    first_call, second_call = third[1]["content"][0], third[3]["content"][0]
    assert first_call["id"].startswith("toolu_01")
    assert first_call["id"] != second_call["id"]
    assert (first_call["input"], second_call["input"]) == ({"query": "Go"}, {"query": "Kraków", "k": 1})
    assert third[2]["content"][0]["tool_use_id"] == first_call["id"]
    assert third[4]["content"][0]["tool_use_id"] == second_call["id"]
    assert "Bo Lind" in third[2]["content"][0]["content"]


async def test_history_is_sent_before_the_question(llm_server: FakeLLMServer, provider: AnthropicProvider) -> None:
    llm_server.enqueue(Text("Still Ana."))
    earlier = [(MessageRole.USER, "Who knows Go?"), (MessageRole.ASSISTANT, "Bo knows Go.")]

    result = await run_assistant(provider, earlier=earlier)

    assert result.answer.text == "Still Ana."
    assert [e.text for e in result.events if isinstance(e, Token)] == ["Stil", "l A", "na."]
    assert llm_server.requests[0].body["messages"] == [
        {"role": "user", "content": "Who knows Go?"},
        {"role": "assistant", "content": [{"type": "text", "text": "Bo knows Go."}]},
        {"role": "user", "content": QUESTION},
    ]


# Failures.


@pytest.mark.parametrize(
    ("script", "code", "retryable", "says"),
    [
        (HttpError(401), "auth_failed", False, "check ANTHROPIC_API_KEY"),
        (HttpError(403), "auth_failed", False, "HTTP 403"),
        (HttpError(429, retry_after=7), "rate_limited", True, "retry after 7 s"),
        (HttpError(529), "overloaded", True, "Overloaded"),
        (HttpError(503), "provider_unavailable", True, "HTTP 503"),
        (HttpError(500), "provider_unavailable", True, "HTTP 500"),
        (HttpError(502, body="<html>Bad gateway</html>"), "provider_unavailable", True, "HTTP 502"),
        (HttpError(400, message="max_tokens: too large"), "request_rejected", False, "max_tokens: too large"),
        (Drop(), "connection_failed", True, "could not reach Anthropic"),
    ],
    ids=["401", "403", "429", "529", "503", "500", "502-html", "400", "drop"],
)
async def test_refused_request_fails_with_a_stable_code(
    llm_server: FakeLLMServer, provider: AnthropicProvider, script: Script, code: str, retryable: bool, says: str
) -> None:
    llm_server.enqueue(script, Text("never sent"))

    with pytest.raises(ProviderError) as caught:
        await collect(provider, request())

    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert says in str(caught.value)
    assert "test-key" not in str(caught.value)
    assert len(llm_server.requests) == 1  # the SDK does not retry behind our back


@pytest.mark.parametrize(
    ("fault", "code", "retryable", "says"),
    [
        (StreamError(after_deltas=1), "stream_error", True, "overloaded_error"),
        (StreamError(after_deltas=1, status=400), "stream_error", False, "invalid_request_error"),
        (Cut(after_deltas=1), "connection_lost", True, "lost in the middle"),
        (Cut(after_deltas=1, partial_bytes=10), "connection_lost", True, "lost in the middle"),
        (Cut(after_deltas=1, reset=True), "connection_lost", True, "lost in the middle"),
        (NoTerminal(), "incomplete_stream", True, "without message_stop"),
        (NoTerminal(after_deltas=1), "incomplete_stream", True, "without message_stop"),
        (Stall(after_deltas=1, seconds=3), "stalled", True, "sent nothing for 0.5 s"),
    ],
    ids=["error-event", "error-event-final", "cut", "torn-frame", "rst", "no-message-stop", "truncated", "stall"],
)
async def test_broken_stream_fails_with_a_stable_code_after_the_text_so_far(
    llm_server: FakeLLMServer, provider: AnthropicProvider, fault: Any, code: str, retryable: bool, says: str
) -> None:
    llm_server.enqueue(Reply([Text("abcdef", chunks=3)], fault=fault))
    chunks: list[LlmStreamChunk] = []

    with pytest.raises(ProviderError) as caught:
        await collect(provider, request(), chunks)

    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert says in str(caught.value)
    assert texts(chunks) == ("abcdef" if isinstance(fault, NoTerminal) and fault.after_deltas is None else "ab")
    assert not any(isinstance(c, Finish) for c in chunks)
    if isinstance(fault, Stall):
        await llm_server.requests[0].wait_client_closed(1.0)


async def test_refusal_stop_reason_fails_as_content_blocked(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(Reply([Text("I can't")], stop_reason="refusal"))

    with pytest.raises(ProviderError) as caught:
        await collect(provider, request())

    assert (caught.value.code, caught.value.retryable) == ("content_blocked", False)


@pytest.mark.parametrize("raw_args", ['{"query": }', '{"query": "Ru'], ids=["invalid", "truncated"])
async def test_malformed_tool_arguments_reach_the_assistant_unchanged(
    llm_server: FakeLLMServer, provider: AnthropicProvider, raw_args: str
) -> None:
    llm_server.enqueue(ToolCall("search_cvs", raw_args=raw_args))
    tool = SearchCvs()

    with pytest.raises(ProviderError) as caught:
        await run_assistant(provider, tools=[tool])

    assert caught.value.code == "malformed_tool_arguments"
    assert tool.calls == []


# Cancel.


async def test_cancelling_the_consumer_closes_the_connection_at_once(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(SLOW)
    first = asyncio.Event()

    async def consume() -> None:
        async with contextlib.aclosing(provider.stream(request())) as stream:
            async for chunk in stream:
                if isinstance(chunk, TextDelta):
                    first.set()

    with gc_paused():
        task = asyncio.create_task(consume())
        await asyncio.wait_for(first.wait(), 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await llm_server.requests[0].wait_client_closed(1.0)
    assert not llm_server.requests[0].response_complete


async def test_cancelling_a_busy_assistant_closes_the_connection(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(SLOW)
    busy = asyncio.Event()

    async def slow_consumer() -> None:
        # The run is cancelled while it waits on its own work (an event write), not on the stream.
        async with contextlib.aclosing(provider.stream(request())) as stream:
            async for chunk in stream:
                if isinstance(chunk, TextDelta):
                    busy.set()
                    await asyncio.sleep(10)

    with gc_paused():
        task = asyncio.create_task(slow_consumer())
        await asyncio.wait_for(busy.wait(), 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await llm_server.requests[0].wait_client_closed(1.0)


async def test_leaving_the_stream_early_closes_the_connection(
    llm_server: FakeLLMServer, provider: AnthropicProvider
) -> None:
    llm_server.enqueue(SLOW)

    with gc_paused():
        async with contextlib.aclosing(provider.stream(request())) as stream:
            async for chunk in stream:
                if isinstance(chunk, TextDelta):
                    break
        await llm_server.requests[0].wait_client_closed(1.0)


# The factory.


@pytest.mark.parametrize("key", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_factory_stops_start_up_without_a_key_for_the_chosen_provider(key: str | None) -> None:
    with pytest.raises(SystemExit) as caught:
        provider_factory(Settings(llm_provider="anthropic", anthropic_api_key=key, gemini_api_key="g"))

    assert str(caught.value) == "invalid setting: ANTHROPIC_API_KEY is required when LLM_PROVIDER=anthropic"


async def test_factory_picks_anthropic_first_when_both_keys_are_set() -> None:
    factory = provider_factory(Settings(anthropic_api_key="a", anthropic_model="claude-x", gemini_api_key="g"))
    provider = factory()
    try:
        assert isinstance(provider, AnthropicProvider)
        assert (provider.name, provider.model) == ("anthropic", "claude-x")
        assert factory() is provider  # one shared client for every run
    finally:
        await provider.aclose()


def test_factory_falls_back_to_local_without_any_key() -> None:
    assert isinstance(provider_factory(Settings())(), LocalProvider)


async def test_factory_provider_reaches_the_configured_base_url(llm_server: FakeLLMServer) -> None:
    llm_server.enqueue(Text("via settings"))
    provider = provider_factory(
        Settings(
            llm_provider="anthropic",
            anthropic_api_key="from-settings",
            anthropic_model=MODEL,
            anthropic_base_url=llm_server.url,
        )
    )()
    assert isinstance(provider, AnthropicProvider)
    try:
        assert texts(await collect(provider, request())) == "via settings"
    finally:
        await provider.aclose()
    assert llm_server.requests[0].api_key == "from-settings"
