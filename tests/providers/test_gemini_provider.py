"""The Gemini provider through the real google-genai SDK against the fake server: answers, tools, failures, cancels."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import json
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
from cvchat.infrastructure.llm.factory import provider_factory
from cvchat.infrastructure.llm.gemini import GeminiProvider
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

MODEL = "gemini-test"
SIGNATURE = base64.b64encode(b"\xfb\xff\xbe-sig").decode()  # uses both non-URL-safe base64 characters
API_KEY_INVALID = json.dumps(
    {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}],
        }
    }
)


@pytest.fixture(name="provider")
def fx_provider(llm_server: FakeLLMServer) -> GeminiProvider:
    return GeminiProvider("test-key", MODEL, llm_server.url, stall_timeout_s=0.5)


def texts(chunks: list[Any]) -> str:
    return "".join(chunk.text for chunk in chunks if isinstance(chunk, TextDelta))


def usage(chunks: list[Any]) -> tuple[int, int]:
    reports = [chunk for chunk in chunks if isinstance(chunk, UsageReport)]
    return sum(r.input_tokens for r in reports), sum(r.output_tokens for r in reports)


def declaration(body: dict[str, Any]) -> dict[str, Any]:
    declared = body["tools"][0]["functionDeclarations"][0]
    return declared.get("parametersJsonSchema") or declared["parameters_json_schema"]


def signature_of(part: dict[str, Any]) -> bytes:
    # The SDK re-encodes signature bytes as URL-safe base64: compare the bytes.
    return base64.urlsafe_b64decode(part["thoughtSignature"])


# Answers.


async def test_streams_the_answer_with_usage_and_finish(llm_server: FakeLLMServer, provider: GeminiProvider) -> None:
    llm_server.enqueue(Reply([Text("Bo knows Go.", chunks=3)], input_tokens=42, output_tokens=7))

    chunks = await collect(provider, request())

    assert [type(c) for c in chunks] == [TextDelta, UsageReport, TextDelta, TextDelta, UsageReport, Finish]
    assert texts(chunks) == "Bo knows Go."
    assert usage(chunks) == (42, 7)  # every chunk repeats the prompt count: it is reported once
    assert chunks[-1] == Finish(reason="end")
    sent = llm_server.requests[0]
    assert sent.path == f"/v1beta/models/{MODEL}:streamGenerateContent"
    assert sent.headers["x-goog-api-key"] == "test-key"
    assert "x-server-timeout" not in sent.headers  # the stall timeout is ours, not a deadline for the answer
    assert sent.body["contents"] == [{"role": "user", "parts": [{"text": QUESTION}]}]
    assert sent.body["systemInstruction"]["parts"] == [{"text": "You answer about CVs."}]


async def test_non_ascii_text_split_mid_character_arrives_intact(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(Reply([Text(TEXT_PIECES)], chunk_bytes=1))

    chunks = await collect(provider, request())

    assert [c.text for c in chunks if isinstance(c, TextDelta)] == list(TEXT_PIECES)


async def test_function_calls_get_stable_ids_and_carry_their_signature(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(
        Reply(
            [
                ToolCall("search_cvs", {"query": "Go"}, thought_signature=SIGNATURE),
                ToolCall("search_cvs", {"query": "Rust"}, signed=False),
                ToolCall("search_cvs", {"query": "Kraków"}, id="fc-7", signed=False),
            ]
        )
    )

    chunks = await collect(provider, request(tools=[search_spec()]))

    calls = [c for c in chunks if isinstance(c, ToolCallStart | ToolCallDelta | ToolCallEnd)]
    assert calls == [
        ToolCallStart(call_id="call_0_0", name="search_cvs"),
        ToolCallDelta(call_id="call_0_0", arguments_json='{"query": "Go"}'),
        ToolCallEnd(call_id="call_0_0", extra={"thought_signature": SIGNATURE}),
        ToolCallStart(call_id="call_0_1", name="search_cvs"),
        ToolCallDelta(call_id="call_0_1", arguments_json='{"query": "Rust"}'),
        ToolCallEnd(call_id="call_0_1", extra={}),
        ToolCallStart(call_id="fc-7", name="search_cvs"),
        ToolCallDelta(call_id="fc-7", arguments_json='{"query": "Kraków"}'),
        ToolCallEnd(call_id="fc-7", extra={"function_call_id": "fc-7"}),
    ]
    assert chunks[-1] == Finish(reason="tool_use")
    schema = declaration(llm_server.requests[0].body)
    # `$ref`s are inlined and keywords Gemini refuses are dropped.
    assert schema == {
        "description": "Find CVs matching a query.",
        "type": "object",
        "properties": {"query": {"type": "string"}, "k": {"type": "integer"}},
        "required": ["query"],
    }


async def test_one_tool_round_through_the_assistant_sends_the_result_and_signature_back(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(
        Reply([Text("Let me search. "), ToolCall("search_cvs", {"query": "Kraków"}, thought_signature=SIGNATURE)]),
        Text("Ana Nowak knows Rust."),
    )
    tool = SearchCvs()

    result = await run_assistant(provider, tools=[tool])

    assert result.answer.text == "Let me search. Ana Nowak knows Rust."
    assert result.answer.sources == [ANA]
    assert result.model == ("google", MODEL)
    assert [call.query for call in tool.calls] == ["Kraków"]
    assert [(e.call_id, e.input) for e in result.events if isinstance(e, ToolStart)] == [
        ("call_0_0", {"query": "Kraków", "k": 3})
    ]
    assert [e.call_id for e in result.events if isinstance(e, ToolEnd)] == ["call_0_0"]
    question, model_turn, results = llm_server.requests[1].body["contents"]
    assert question == {"role": "user", "parts": [{"text": QUESTION}]}
    assert model_turn["role"] == "model"
    assert model_turn["parts"][0] == {"text": "Let me search. "}
    assert model_turn["parts"][1]["functionCall"] == {"name": "search_cvs", "args": {"query": "Kraków"}}
    assert signature_of(model_turn["parts"][1]) == base64.b64decode(SIGNATURE)
    assert results == {
        "role": "user",
        "parts": [
            {
                "functionResponse": {
                    "name": "search_cvs",
                    "response": {"output": {"results": [{"name": "Ana Nowak", "excerpt": "Rust, 5 years, Kraków"}]}},
                }
            }
        ],
    }


async def test_two_tool_rounds_through_the_assistant_carry_both_rounds(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(
        Reply([ToolCall("search_cvs", {"query": "Go"})], input_tokens=10, output_tokens=3),
        Reply([ToolCall("search_cvs", {"query": "Kraków", "k": 1}, id="fc-2")], input_tokens=20, output_tokens=4),
        Reply([Text("Bo knows Go; Ana is in Kraków.")], input_tokens=30, output_tokens=5),
    )

    result = await run_assistant(provider, tools=[SearchCvs()])

    assert result.answer.text == "Bo knows Go; Ana is in Kraków."
    assert result.answer.sources == [BO, ANA]
    assert result.answer.usage == Usage(input_tokens=60, output_tokens=12)
    assert [e.call_id for e in result.events if isinstance(e, ToolStart)] == ["call_0_0", "fc-2"]
    third = llm_server.requests[2].body["contents"]
    assert [c["role"] for c in third] == ["user", "model", "user", "model", "user"]
    first_call, second_call = third[1]["parts"][0], third[3]["parts"][0]
    assert first_call["functionCall"] == {"name": "search_cvs", "args": {"query": "Go"}}
    assert signature_of(first_call) == b"fake-thought-signature:search_cvs:0"
    # An id Gemini gave is sent back with the call and its response; a made-up one is not.
    assert second_call["functionCall"] == {"id": "fc-2", "name": "search_cvs", "args": {"query": "Kraków", "k": 1}}
    assert "id" not in third[2]["parts"][0]["functionResponse"]
    assert third[4]["parts"][0]["functionResponse"]["id"] == "fc-2"
    assert third[2]["parts"][0]["functionResponse"]["response"]["output"]["results"][0]["name"] == "Bo Lind"


async def test_history_is_sent_before_the_question(llm_server: FakeLLMServer, provider: GeminiProvider) -> None:
    llm_server.enqueue(Text("Still Ana."))
    earlier = [(MessageRole.USER, "Who knows Go?"), (MessageRole.ASSISTANT, "Bo knows Go.")]

    result = await run_assistant(provider, earlier=earlier)

    assert result.answer.text == "Still Ana."
    assert "".join(e.text for e in result.events if isinstance(e, Token)) == "Still Ana."
    assert llm_server.requests[0].body["contents"] == [
        {"role": "user", "parts": [{"text": "Who knows Go?"}]},
        {"role": "model", "parts": [{"text": "Bo knows Go."}]},
        {"role": "user", "parts": [{"text": QUESTION}]},
    ]


# Failures.


@pytest.mark.parametrize(
    ("script", "code", "retryable", "says"),
    [
        (HttpError(401), "auth_failed", False, "check GEMINI_API_KEY"),
        (HttpError(403), "auth_failed", False, "HTTP 403"),
        (HttpError(400, body=API_KEY_INVALID), "auth_failed", False, "API key not valid"),
        (HttpError(429, retry_after=2), "rate_limited", True, "retry after 2 s"),
        (HttpError(503), "provider_unavailable", True, "HTTP 503"),
        (HttpError(500), "provider_unavailable", True, "HTTP 500"),
        (HttpError(502, body="<html>Bad gateway</html>"), "provider_unavailable", True, "HTTP 502"),
        (HttpError(400, message="Invalid JSON payload"), "request_rejected", False, "Invalid JSON payload"),
        (Drop(), "connection_failed", True, "could not reach Gemini"),
    ],
    ids=["401", "403", "400-bad-key", "429", "503", "500", "502-html", "400", "drop"],
)
async def test_refused_request_fails_with_a_stable_code(
    llm_server: FakeLLMServer, provider: GeminiProvider, script: Script, code: str, retryable: bool, says: str
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
        (StreamError(after_deltas=1, status=503), "stream_error", True, "UNAVAILABLE"),
        (StreamError(after_deltas=1, status=400), "stream_error", False, "INVALID_ARGUMENT"),
        (Cut(after_deltas=1), "connection_lost", True, "lost in the middle"),
        (Cut(after_deltas=1, partial_bytes=10), "connection_lost", True, "lost in the middle"),
        (Cut(after_deltas=1, reset=True), "connection_lost", True, "lost in the middle"),
        (NoTerminal(), "incomplete_stream", True, "without a finishReason"),
        (NoTerminal(after_deltas=1), "incomplete_stream", True, "without a finishReason"),
        (Stall(after_deltas=1, seconds=3), "stalled", True, "sent nothing for 0.5 s"),
    ],
    ids=["error-chunk", "error-chunk-final", "cut", "torn-frame", "rst", "no-finish-reason", "truncated", "stall"],
)
async def test_broken_stream_fails_with_a_stable_code_after_the_text_so_far(
    llm_server: FakeLLMServer, provider: GeminiProvider, fault: Any, code: str, retryable: bool, says: str
) -> None:
    llm_server.enqueue(Reply([Text("abcdef", chunks=3)], fault=fault))
    chunks: list[LlmStreamChunk] = []

    with gc_paused(), pytest.raises(ProviderError) as caught:
        await collect(provider, request(), chunks)

    assert (caught.value.code, caught.value.retryable) == (code, retryable)
    assert says in str(caught.value)
    assert texts(chunks) == ("abcdef" if isinstance(fault, NoTerminal) and fault.after_deltas is None else "ab")
    assert not any(isinstance(c, Finish) for c in chunks)
    if isinstance(fault, Stall):
        await llm_server.requests[0].wait_client_closed(1.0)


@pytest.mark.parametrize(
    ("reply", "code"),
    [
        (Reply([Text("I can")], finish_reason="SAFETY"), "content_blocked"),
        (Reply([Text("Let me")], finish_reason="MALFORMED_FUNCTION_CALL"), "malformed_tool_arguments"),
    ],
    ids=["safety", "malformed-function-call"],
)
async def test_finish_reasons_that_are_failures_fail_the_round(
    llm_server: FakeLLMServer, provider: GeminiProvider, reply: Reply, code: str
) -> None:
    llm_server.enqueue(reply)

    with pytest.raises(ProviderError) as caught:
        await collect(provider, request())

    assert (caught.value.code, caught.value.retryable) == (code, False)
    assert reply.finish_reason in str(caught.value)


async def test_malformed_function_call_arguments_fail_as_malformed_tool_arguments(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    # Gemini sends `args` as an object; a string there is refused by the SDK before any chunk reaches us.
    llm_server.enqueue(ToolCall("search_cvs", raw_args='{"query": }'))
    tool = SearchCvs()

    with gc_paused(), pytest.raises(ProviderError) as caught:
        await run_assistant(provider, tools=[tool])

    assert (caught.value.code, caught.value.retryable) == ("malformed_tool_arguments", False)
    assert tool.calls == []


# Cancel: the SDK keeps its response open after `aclose()`; the provider must close it itself.


async def test_cancelling_the_consumer_closes_the_connection_at_once(
    llm_server: FakeLLMServer, provider: GeminiProvider
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
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(SLOW)
    busy = asyncio.Event()

    async def slow_consumer() -> None:
        # The run is cancelled while it waits on its own work (an event write), not on the stream: only the
        # generator's `aclose()` reaches the provider, and the SDK's own generators would leave the response open.
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
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    llm_server.enqueue(SLOW)

    with gc_paused():
        async with contextlib.aclosing(provider.stream(request())) as stream:
            async for chunk in stream:
                if isinstance(chunk, TextDelta):
                    break
        await llm_server.requests[0].wait_client_closed(1.0)


async def test_a_failure_inside_the_sdk_does_not_leave_the_connection_open(
    llm_server: FakeLLMServer, provider: GeminiProvider
) -> None:
    # The SDK refuses the malformed call while its inner generator still holds the response, and the server has
    # more to send: only the provider's own close ends the connection.
    llm_server.enqueue(
        Reply([ToolCall("search_cvs", raw_args="{"), Text("x" * 100, chunks=100)], delay_s=0.02),
    )

    with gc_paused():
        with pytest.raises(ProviderError):
            await collect(provider, request())
        await llm_server.requests[0].wait_client_closed(1.0)


# The factory.


@pytest.mark.parametrize("chosen", ["google", "gemini"])
@pytest.mark.parametrize("key", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_factory_stops_start_up_without_a_key_for_the_chosen_provider(chosen: Any, key: str | None) -> None:
    with pytest.raises(SystemExit) as caught:
        provider_factory(Settings(llm_provider=chosen, gemini_api_key=key, anthropic_api_key="a"))

    assert str(caught.value) == f"invalid setting: GEMINI_API_KEY is required when LLM_PROVIDER={chosen}"


def test_factory_picks_gemini_when_only_its_key_is_set() -> None:
    factory = provider_factory(Settings(gemini_api_key="g", gemini_model="gemini-x"))
    provider = factory()

    assert isinstance(provider, GeminiProvider)
    assert (provider.name, provider.model) == ("google", "gemini-x")
    assert factory() is provider


async def test_factory_provider_reaches_the_configured_base_url(llm_server: FakeLLMServer) -> None:
    llm_server.enqueue(Text("via settings"))
    provider = provider_factory(
        Settings(llm_provider="gemini", gemini_api_key="from-settings", gemini_base_url=llm_server.url)
    )()

    assert texts(await collect(provider, request())) == "via settings"
    assert llm_server.requests[0].api_key == "from-settings"
