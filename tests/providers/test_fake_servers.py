"""The fake LLM server against the real anthropic and google-genai SDKs: streams, tools, errors, faults, cancels."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import gc
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import anthropic
import httpx
import httpx2
import pytest
from anthropic.types import MessageParam, ToolParam
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

from tests.fakes.llm import (
    Cut,
    Drop,
    FakeLLMServer,
    HttpError,
    NoTerminal,
    Reply,
    Stall,
    StreamError,
    Text,
    ToolCall,
)

pytestmark = pytest.mark.anyio

REPO_ROOT = Path(__file__).resolve().parents[2]
API_KEY = "test-key"
MODEL = "claude-test"
GEMINI_MODEL = "gemini-test"
USER: list[MessageParam] = [{"role": "user", "content": "Who knows Rust?"}]
# Accents, CJK, and an emoji ZWJ sequence: pieces cut grapheme clusters, and chunk_bytes=1 cuts every UTF-8
# character across HTTP chunks on the wire.
TEXT_PIECES = ("Zoë — naï", "ve café, 日本", "語 and 👩", "\u200d💻 in Kraków ✓")
TEXT = "".join(TEXT_PIECES)
# Slow enough (4 s in all) that a test can stop reading while the server is still sending.
SLOW = Reply([Text("x" * 200, chunks=200)], delay_s=0.02)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(name="server")
async def fx_server() -> AsyncIterator[FakeLLMServer]:
    async with FakeLLMServer() as server:
        yield server


@pytest.fixture(name="claude")
async def fx_claude(server: FakeLLMServer) -> AsyncIterator[anthropic.AsyncAnthropic]:
    client = anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0, timeout=3.0)
    yield client
    await client.close()


@pytest.fixture(name="gemini")
async def fx_gemini(server: FakeLLMServer) -> AsyncIterator[genai.Client]:
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=server.url, timeout=3000))
    yield client
    await client.aio.aclose()


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Keep the cyclic GC from closing leaked generators while a test checks that a connection stays open."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def stays_open(server: FakeLLMServer, index: int, seconds: float = 0.3) -> bool:
    try:
        await server.requests[index].wait_client_closed(seconds)
    except TimeoutError:
        return True
    return False


async def gemini_stream(client: genai.Client, **kwargs: Any) -> list[types.GenerateContentResponse]:
    contents = kwargs.pop("contents", "Who knows Go?")
    stream = await client.aio.models.generate_content_stream(model=GEMINI_MODEL, contents=contents, **kwargs)
    return [chunk async for chunk in stream]


async def read_claude_text(client: anthropic.AsyncAnthropic, received: list[str]) -> None:
    """Stream a message with the SDK helper, appending each text delta to `received` as it arrives."""
    async with client.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        async for text in stream.text_stream:
            received.append(text)


async def read_gemini_text(client: genai.Client, received: list[str | None]) -> None:
    """Stream an answer, appending each chunk's text to `received` as it arrives."""
    async for chunk in await client.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi"):
        received.append(chunk.text)


async def close_gemini_stream(stream: AsyncIterator[Any]) -> None:
    """Really close a google-genai stream: cancel a pending read inside it, so its `finally` closes the response.

    `aclose()` on the SDK's outer generator does not reach the inner one that owns the HTTP response.
    """
    while True:
        step = asyncio.ensure_future(anext(stream))
        await asyncio.sleep(0)
        if not step.done():
            step.cancel()
        try:
            await step
        except (asyncio.CancelledError, StopAsyncIteration, genai_errors.APIError, httpx2.HTTPError):
            return


# Anthropic Messages API.


async def test_anthropic_text_arrives_intact_when_split_mid_character(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Reply([Text(TEXT_PIECES)], chunk_bytes=1, input_tokens=11, output_tokens=4))
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        deltas = [text async for text in stream.text_stream]
        message = await stream.get_final_message()

    assert deltas == list(TEXT_PIECES)
    assert message.content[0].type == "text"
    assert message.content[0].text == TEXT
    assert (message.model, message.stop_reason) == (MODEL, "end_turn")
    assert message.id.startswith("msg_01")
    assert (message.usage.input_tokens, message.usage.output_tokens) == (11, 4)


async def test_anthropic_raw_events_follow_the_api_sequence(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Text("Hello there", chunks=2))
    stream = await claude.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    async with stream:
        events = [event async for event in stream]

    # The SDK drops `ping` itself; everything else arrives in the API's order.
    assert [event.type for event in events] == [
        "message_start",
        "content_block_start",
        "content_block_delta",
        "content_block_delta",
        "content_block_stop",
        "message_delta",
        "message_stop",
    ]
    assert events[-2].delta.stop_reason == "end_turn"  # type: ignore[union-attr]


async def test_anthropic_tool_use_is_parsed_and_the_tool_result_is_sent_back(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    args = {"query": "Rust", "k": 3, "filters": {"city": "Kraków"}}
    server.enqueue(Reply([Text("Let me search."), ToolCall("search_cvs", args, chunks=5)]), Text("Ana knows Rust."))
    tools: list[ToolParam] = [{"name": "search_cvs", "description": "Search CVs.", "input_schema": {"type": "object"}}]

    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER, tools=tools) as stream:
        partials = [event.partial_json async for event in stream if event.type == "input_json"]
        first = await stream.get_final_message()
    tool_use = first.content[1]
    assert tool_use.type == "tool_use"
    assert (tool_use.name, tool_use.input) == ("search_cvs", args)
    assert tool_use.id.startswith("toolu_01")
    assert first.stop_reason == "tool_use"
    assert len([piece for piece in partials if piece]) == 5
    assert "".join(partials) == json.dumps(args, ensure_ascii=False)

    history: list[MessageParam] = [
        *USER,
        {
            "role": "assistant",
            "content": [
                {"type": "text", "text": "Let me search."},
                {"type": "tool_use", "id": tool_use.id, "name": tool_use.name, "input": tool_use.input},
            ],
        },
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use.id, "content": "Ana: Rust, 5y"}]},
    ]
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=history, tools=tools) as stream:
        second = await stream.get_final_text()

    assert second == "Ana knows Rust."
    sent = server.requests[1]
    assert sent.path == "/v1/messages"
    # anthropic 2.x sends the API key as `authorization: Bearer ...`; older SDKs used `x-api-key`.
    assert sent.api_key == API_KEY
    assert "anthropic-version" in sent.headers
    assert sent.body["stream"] is True
    assert sent.body["tools"] == tools
    assert sent.body["messages"] == history


@pytest.mark.parametrize(
    ("status", "error_class", "error_type"),
    [
        (401, anthropic.AuthenticationError, "authentication_error"),
        (429, anthropic.RateLimitError, "rate_limit_error"),
        (529, anthropic.OverloadedError, "overloaded_error"),
        (503, anthropic.ServiceUnavailableError, "api_error"),
        (500, anthropic.InternalServerError, "api_error"),
    ],
)
async def test_anthropic_error_status_raises_the_sdk_class(
    server: FakeLLMServer,
    claude: anthropic.AsyncAnthropic,
    status: int,
    error_class: type[anthropic.APIStatusError],
    error_type: str,
) -> None:
    server.enqueue(HttpError(status, retry_after=7 if status == 429 else None))
    with pytest.raises(error_class) as caught:
        async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
            await stream.get_final_message()

    assert caught.value.status_code == status
    assert caught.value.type == error_type
    assert caught.value.request_id is not None
    assert caught.value.request_id.startswith("req_01")
    if status == 429:
        assert caught.value.response.headers["retry-after"] == "7"
    if status >= 500:
        assert isinstance(caught.value, anthropic.InternalServerError)


async def test_anthropic_sdk_retries_429_by_default_and_consumes_the_next_script(server: FakeLLMServer) -> None:
    server.enqueue(HttpError(429, retry_after=0.01), Text("after retry"))
    async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, timeout=3.0) as client:
        response = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)

    assert response.content[0].type == "text"
    assert response.content[0].text == "after retry"
    assert [request.status for request in server.requests] == [429, 200]
    assert server.requests[1].headers["x-stainless-retry-count"] == "1"


async def test_anthropic_error_event_mid_stream_raises_a_200_api_status_error(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=StreamError(after_deltas=2)))
    received: list[str] = []
    with pytest.raises(anthropic.APIStatusError) as caught:
        await read_claude_text(claude, received)

    assert received == ["ab", "cd"]
    # Not OverloadedError: the SDK picks the class from the HTTP status, which was 200.
    assert type(caught.value) is anthropic.APIStatusError
    assert caught.value.status_code == 200
    assert caught.value.body == {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    assert server.requests[0].response_complete


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [
        (Cut(after_deltas=1), httpx2.RemoteProtocolError),
        (Cut(after_deltas=1, partial_bytes=10), httpx2.RemoteProtocolError),
        (Cut(after_deltas=1, reset=True), httpx2.ReadError),
    ],
    ids=["fin", "torn-frame", "rst"],
)
async def test_anthropic_cut_connection_raises_a_raw_httpx2_error(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic, fault: Cut, error_class: type[Exception]
) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=fault))
    received: list[str] = []
    with pytest.raises(error_class) as caught:
        await read_claude_text(claude, received)

    # Once the body has started, the SDK does not wrap transport errors in anthropic.APIConnectionError.
    assert not isinstance(caught.value, anthropic.APIError)
    assert isinstance(caught.value, httpx2.TransportError)
    assert received == ["ab"]
    assert server.requests[0].server_closed
    assert not server.requests[0].client_closed.is_set()


async def test_anthropic_dropped_request_raises_api_connection_error(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Drop())
    with pytest.raises(anthropic.APIConnectionError):
        await claude.messages.create(model=MODEL, max_tokens=10, messages=USER, stream=True)


async def test_anthropic_stream_without_message_stop_ends_without_error(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(
        Reply([Text("abcdef", chunks=3)], fault=NoTerminal()),
        Reply([Text("abcdef", chunks=3)], fault=NoTerminal(after_deltas=1)),
    )
    stream = await claude.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    async with stream:
        types_seen = [event.type async for event in stream]
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as helper:
        truncated = await helper.get_final_message()

    # Nothing is raised: the service itself must notice that message_stop never came.
    assert types_seen[-1] == "message_delta"
    assert "message_stop" not in types_seen
    assert truncated.content[0].type == "text"
    assert truncated.content[0].text == "ab"
    assert truncated.stop_reason is None


async def test_anthropic_malformed_tool_input_fails_the_helper_but_not_raw_events(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(
        ToolCall("search_cvs", raw_args='{"query": }'),
        ToolCall("search_cvs", raw_args='{"query": }'),
        ToolCall("search_cvs", raw_args='{"query": "Ru'),
    )
    with pytest.raises(ValueError, match="Unable to parse tool parameter JSON"):
        async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
            await stream.get_final_message()

    stream_events = await claude.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    async with stream_events:
        partial = "".join(
            [e.delta.partial_json async for e in stream_events if e.type == "content_block_delta"]  # type: ignore[union-attr]
        )
    assert partial == '{"query": }'
    with pytest.raises(json.JSONDecodeError):
        json.loads(partial)

    # A truncated (not invalid) input passes the helper's partial parser silently, with the open string dropped.
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        message = await stream.get_final_message()
    assert message.content[0].type == "tool_use"
    assert message.content[0].input == {}


async def test_anthropic_stall_hits_the_read_timeout_and_the_server_sees_the_close(server: FakeLLMServer) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=Stall(after_deltas=1, seconds=10)))
    received: list[str] = []
    async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=server.url, max_retries=0, timeout=0.3) as client:
        with pytest.raises(httpx2.ReadTimeout):
            await read_claude_text(client, received)

    assert received == ["ab"]
    await server.requests[0].wait_client_closed(1.0)
    assert not server.requests[0].response_complete


async def test_anthropic_stream_resumes_after_a_short_stall(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=Stall(after_deltas=1, seconds=0.3)))
    started = time.monotonic()
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        text = await stream.get_final_text()

    assert text == "abcdef"
    assert time.monotonic() - started >= 0.3
    assert server.requests[0].response_complete


async def test_anthropic_leaving_the_stream_context_closes_the_connection(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(SLOW)
    async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
        async for _ in stream.text_stream:
            break
        left_at = time.monotonic()

    closed_at = await server.requests[0].wait_client_closed(1.0)
    assert closed_at - left_at < 0.5
    assert not server.requests[0].response_complete


async def test_anthropic_cancelling_the_consumer_task_closes_the_connection(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(SLOW)
    first_delta = asyncio.Event()

    async def consume() -> None:
        async with claude.messages.stream(model=MODEL, max_tokens=100, messages=USER) as stream:
            async for _ in stream.text_stream:
                first_delta.set()

    task = asyncio.create_task(consume())
    await asyncio.wait_for(first_delta.wait(), 2.0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task

    await server.requests[0].wait_client_closed(1.0)


async def test_anthropic_raw_stream_stays_open_after_break_until_closed(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(SLOW)
    stream = await claude.messages.create(model=MODEL, max_tokens=100, messages=USER, stream=True)
    with gc_paused():
        async for event in stream:
            if event.type == "content_block_delta":
                break
        assert await stays_open(server, 0)
        await stream.close()
        await server.requests[0].wait_client_closed(1.0)


async def test_anthropic_non_streaming_and_count_tokens_are_answered(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    server.enqueue(Reply([Text("Sure."), ToolCall("search_cvs", {"query": "Rust"})]))
    message = await claude.messages.create(model=MODEL, max_tokens=100, messages=USER)
    count = await claude.messages.count_tokens(model=MODEL, messages=USER)

    assert [block.type for block in message.content] == ["text", "tool_use"]
    assert message.content[1].input == {"query": "Rust"}  # type: ignore[union-attr]
    assert message.stop_reason == "tool_use"
    assert count.input_tokens >= 1
    assert [request.action for request in server.requests] == ["unary", "count_tokens"]


# Gemini API.


async def test_gemini_text_arrives_intact_when_split_mid_character(server: FakeLLMServer, gemini: genai.Client) -> None:
    server.enqueue(Reply([Text(TEXT_PIECES)], chunk_bytes=1, input_tokens=9, output_tokens=4))
    chunks = await gemini_stream(gemini)

    assert [chunk.text for chunk in chunks] == list(TEXT_PIECES)
    assert [chunk.candidates[0].finish_reason for chunk in chunks] == [None, None, None, types.FinishReason.STOP]  # type: ignore[index]
    usage = chunks[-1].usage_metadata
    assert usage is not None
    assert (usage.prompt_token_count, usage.candidates_token_count, usage.total_token_count) == (9, 4, 13)
    sent = server.requests[0]
    assert sent.path.endswith(f"/models/{GEMINI_MODEL}:streamGenerateContent")
    assert sent.query == {"alt": "sse"}
    assert sent.headers["x-goog-api-key"] == API_KEY
    assert sent.body["contents"] == [{"role": "user", "parts": [{"text": "Who knows Go?"}]}]


async def test_gemini_api_version_comes_from_http_options(server: FakeLLMServer) -> None:
    options = types.HttpOptions(base_url=server.url, api_version="v1beta", timeout=3000)
    client = genai.Client(api_key=API_KEY, http_options=options)
    try:
        await gemini_stream(client)
    finally:
        await client.aio.aclose()

    assert server.requests[0].path == f"/v1beta/models/{GEMINI_MODEL}:streamGenerateContent"


async def test_gemini_function_call_round_trip_keeps_the_thought_signature(
    server: FakeLLMServer, gemini: genai.Client
) -> None:
    signature = base64.b64encode(b"\xfb\xff\xbe-sig").decode()  # "+/++..." uses both non-URL-safe characters
    args = {"query": "Go", "k": 2}
    server.enqueue(
        Reply([Text("Searching."), ToolCall("search_cvs", args, thought_signature=signature)]), Text("Bo knows Go.")
    )
    declaration = types.FunctionDeclaration(
        name="search_cvs", description="Search CVs.", parameters_json_schema={"type": "object"}
    )
    config = types.GenerateContentConfig(tools=[types.Tool(function_declarations=[declaration])])
    question = types.Content(role="user", parts=[types.Part(text="Who knows Go?")])

    first = await gemini_stream(gemini, contents=[question], config=config)
    calls = [call for chunk in first for call in chunk.function_calls or []]
    assert [(call.name, call.args) for call in calls] == [("search_cvs", args)]
    call_part = first[-1].candidates[0].content.parts[0]  # type: ignore[index,union-attr]
    assert call_part.thought_signature == base64.b64decode(signature)

    history = [
        question,
        types.Content(role="model", parts=[call_part]),
        types.Content(
            role="user",
            parts=[types.Part.from_function_response(name="search_cvs", response={"result": "Bo: Go, 3y"})],
        ),
    ]
    second = await gemini_stream(gemini, contents=history, config=config)

    assert "".join(chunk.text or "" for chunk in second) == "Bo knows Go."
    sent = server.requests[1].body
    assert sent["tools"][0]["functionDeclarations"][0]["name"] == "search_cvs"
    model_part = sent["contents"][1]["parts"][0]
    assert model_part["functionCall"] == {"name": "search_cvs", "args": args}
    # The SDK re-encodes the signature bytes as URL-safe base64; same bytes, different characters.
    assert base64.urlsafe_b64decode(model_part["thoughtSignature"]) == base64.b64decode(signature)
    assert sent["contents"][2]["parts"][0]["functionResponse"] == {
        "name": "search_cvs",
        "response": {"result": "Bo: Go, 3y"},
    }


@pytest.mark.parametrize(
    ("status", "error_class", "google_status"),
    [
        (401, genai_errors.ClientError, "UNAUTHENTICATED"),
        (403, genai_errors.ClientError, "PERMISSION_DENIED"),
        (429, genai_errors.ClientError, "RESOURCE_EXHAUSTED"),
        (500, genai_errors.ServerError, "INTERNAL"),
        (503, genai_errors.ServerError, "UNAVAILABLE"),
    ],
)
async def test_gemini_error_status_raises_the_sdk_class(
    server: FakeLLMServer,
    gemini: genai.Client,
    status: int,
    error_class: type[genai_errors.APIError],
    google_status: str,
) -> None:
    server.enqueue(HttpError(status, retry_after=2 if status == 429 else None))
    with pytest.raises(error_class) as caught:
        await gemini_stream(gemini)

    assert (caught.value.code, caught.value.status) == (status, google_status)
    assert caught.value.message
    if status == 429:
        assert caught.value.details["error"]["details"][0]["retryDelay"] == "2s"


async def test_gemini_sdk_does_not_retry_by_default(server: FakeLLMServer, gemini: genai.Client) -> None:
    server.enqueue(HttpError(503), Text("never sent"))
    with pytest.raises(genai_errors.ServerError):
        await gemini_stream(gemini)

    assert len(server.requests) == 1
    assert server.pending() == 1


async def test_gemini_error_chunk_mid_stream_raises_api_error(server: FakeLLMServer, gemini: genai.Client) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=StreamError(after_deltas=1, status=503)))
    received: list[str | None] = []
    with pytest.raises(genai_errors.ServerError) as caught:
        await read_gemini_text(gemini, received)

    assert received == ["ab"]
    assert (caught.value.code, caught.value.status) == (503, "UNAVAILABLE")


@pytest.mark.parametrize(
    ("fault", "error_class"),
    [(Cut(after_deltas=1), httpx2.RemoteProtocolError), (Cut(after_deltas=1, reset=True), httpx2.ReadError)],
    ids=["fin", "rst"],
)
async def test_gemini_cut_connection_raises_a_raw_httpx2_error(
    server: FakeLLMServer, gemini: genai.Client, fault: Cut, error_class: type[Exception]
) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=fault))
    received: list[str | None] = []
    with pytest.raises(error_class):
        await read_gemini_text(gemini, received)

    assert received == ["ab"]
    assert server.requests[0].server_closed


async def test_gemini_stream_without_finish_reason_ends_without_error(
    server: FakeLLMServer, gemini: genai.Client
) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=NoTerminal()))
    chunks = await gemini_stream(gemini)

    # Nothing is raised: the service itself must notice that no chunk carried a finishReason.
    assert "".join(chunk.text or "" for chunk in chunks) == "abcdef"
    assert all(chunk.candidates[0].finish_reason is None for chunk in chunks)  # type: ignore[index]
    assert chunks[-1].usage_metadata is not None
    assert chunks[-1].usage_metadata.candidates_token_count is None


async def test_gemini_stall_hits_the_read_timeout_and_the_server_sees_the_close(server: FakeLLMServer) -> None:
    server.enqueue(Reply([Text("abcdef", chunks=3)], fault=Stall(after_deltas=1, seconds=10)))
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=server.url, timeout=300))
    received: list[str | None] = []
    try:
        with pytest.raises(httpx2.ReadTimeout):
            await read_gemini_text(client, received)
    finally:
        await client.aio.aclose()

    assert received == ["ab"]
    assert server.requests[0].headers["x-server-timeout"] == "1"
    await server.requests[0].wait_client_closed(1.0)


async def test_gemini_break_and_aclose_leave_the_connection_open(server: FakeLLMServer, gemini: genai.Client) -> None:
    server.enqueue(SLOW)
    with gc_paused():
        stream = await gemini.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi")
        async for _ in stream:
            break
        await stream.aclose()  # type: ignore[attr-defined]
        # The SDK's outer generator is closed, but the inner one holding the HTTP response is only finalized by
        # the cyclic GC, so the server keeps streaming into the connection.
        assert await stays_open(server, 0)


async def test_gemini_stream_is_closed_by_cancelling_a_pending_read(
    server: FakeLLMServer, gemini: genai.Client
) -> None:
    server.enqueue(SLOW)
    with gc_paused():
        stream = await gemini.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi")
        async for _ in stream:
            break
        await close_gemini_stream(stream)
        await server.requests[0].wait_client_closed(1.0)


async def test_gemini_cancelling_the_consumer_closes_only_if_it_waits_on_the_stream(
    server: FakeLLMServer, gemini: genai.Client
) -> None:
    server.enqueue(SLOW, SLOW)
    reading = asyncio.Event()
    busy = asyncio.Event()

    async def consume_only() -> None:
        async for _ in await gemini.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi"):
            reading.set()

    async def consume_with_work() -> None:
        async for _ in await gemini.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi"):
            busy.set()
            await asyncio.sleep(10)  # stands for other awaited work (DB write, event publish)

    with gc_paused():
        task = asyncio.create_task(consume_only())
        await asyncio.wait_for(reading.wait(), 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Cancelled inside the SDK's read: every generator's finally runs and the response is closed.
        await server.requests[0].wait_client_closed(1.0)

        task = asyncio.create_task(consume_with_work())
        await asyncio.wait_for(busy.wait(), 2.0)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        # Cancelled outside it: the generators are merely dropped, and the connection stays open.
        assert await stays_open(server, 1)


async def test_gemini_closing_the_client_closes_open_streams(server: FakeLLMServer) -> None:
    server.enqueue(SLOW)
    client = genai.Client(api_key=API_KEY, http_options=types.HttpOptions(base_url=server.url, timeout=3000))
    with gc_paused():
        stream = await client.aio.models.generate_content_stream(model=GEMINI_MODEL, contents="hi")
        await anext(stream)
        await client.aio.aclose()
        await server.requests[0].wait_client_closed(1.0)


async def test_gemini_non_streaming_and_count_tokens_are_answered(server: FakeLLMServer, gemini: genai.Client) -> None:
    server.enqueue(Reply([Text("Sure."), ToolCall("search_cvs", {"query": "Go"})]))
    response = await gemini.aio.models.generate_content(model=GEMINI_MODEL, contents="hi")
    count = await gemini.aio.models.count_tokens(model=GEMINI_MODEL, contents="hi")

    assert response.text == "Sure."
    assert [(call.name, call.args) for call in response.function_calls or []] == [("search_cvs", {"query": "Go"})]
    assert count.total_tokens is not None
    assert count.total_tokens >= 1
    assert [request.action for request in server.requests] == ["unary", "count_tokens"]


# The server itself.


async def test_scripts_are_consumed_in_order_with_protocol_queues_first(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic, gemini: genai.Client
) -> None:
    server.enqueue(Text("shared one"), Text("shared two"))
    server.enqueue(Text("only for gemini"), protocol="gemini")
    gemini_text = "".join(chunk.text or "" for chunk in await gemini_stream(gemini))
    first = await claude.messages.create(model=MODEL, max_tokens=10, messages=USER)
    second = await claude.messages.create(model=MODEL, max_tokens=10, messages=USER)

    assert gemini_text == "only for gemini"
    assert [first.content[0].text, second.content[0].text] == ["shared one", "shared two"]  # type: ignore[union-attr]
    assert [request.protocol for request in server.requests] == ["gemini", "anthropic", "anthropic"]
    assert server.pending() == 0


async def test_an_empty_queue_answers_with_an_echo(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic, gemini: genai.Client
) -> None:
    async with claude.messages.stream(model=MODEL, max_tokens=10, messages=USER) as stream:
        claude_text = await stream.get_final_text()
    gemini_text = "".join(chunk.text or "" for chunk in await gemini_stream(gemini))

    assert claude_text == "Echo: Who knows Rust?"
    assert gemini_text == "Echo: Who knows Go?"


async def test_a_wrong_api_key_gets_401_without_consuming_a_script() -> None:
    async with FakeLLMServer(api_key="right-key") as server:
        server.enqueue(Text("kept"))
        async with anthropic.AsyncAnthropic(api_key="wrong", base_url=server.url, max_retries=0) as client:
            with pytest.raises(anthropic.AuthenticationError):
                await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        gemini = genai.Client(api_key="wrong", http_options=types.HttpOptions(base_url=server.url, timeout=3000))
        with pytest.raises(genai_errors.ClientError) as caught:
            await gemini_stream(gemini)
        await gemini.aio.aclose()

        assert caught.value.code == 401
        assert [request.api_key for request in server.requests] == ["wrong", "wrong"]
        assert server.pending() == 1


async def test_control_endpoints_queue_scripts_and_list_requests(
    server: FakeLLMServer, claude: anthropic.AsyncAnthropic
) -> None:
    scripts = [{"kind": "reply", "blocks": [{"kind": "text", "text": "scripted over HTTP", "chunks": 2}]}]
    async with httpx.AsyncClient(base_url=server.url, timeout=3.0) as control:
        queued = await control.post("/_fake/scripts", json={"scripts": scripts, "protocol": "anthropic"})
        message = await claude.messages.create(model=MODEL, max_tokens=10, messages=USER)
        listed = await control.get("/_fake/requests")
        rejected = await control.post("/_fake/scripts", json=[{"kind": "nope"}])

    assert queued.json() == {"pending": 1}
    assert message.content[0].text == "scripted over HTTP"  # type: ignore[union-attr]
    assert [entry["body"]["messages"] for entry in listed.json()["requests"]] == [USER]
    assert rejected.status_code == 400
    assert len(server.requests) == 1


async def test_the_module_runs_as_a_standalone_server() -> None:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "tests.fakes.llm", "--port", "0", "--quiet", cwd=REPO_ROOT, stdout=subprocess.PIPE
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 4.0)).decode()
        url = line.rsplit(" ", 1)[-1].strip()
        assert url.startswith("http://127.0.0.1:")
        async with anthropic.AsyncAnthropic(api_key=API_KEY, base_url=url, max_retries=0, timeout=3.0) as client:
            message = await client.messages.create(model=MODEL, max_tokens=10, messages=USER)
        assert message.content[0].text == "Echo: Who knows Rust?"  # type: ignore[union-attr]
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 4.0)
