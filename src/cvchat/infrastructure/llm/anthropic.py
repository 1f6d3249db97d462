"""The `anthropic` provider: Claude's Messages API streamed through the official SDK, as provider-neutral chunks."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from typing import Any

import anthropic
import httpx2

from cvchat.domain.errors import ProviderError
from cvchat.domain.ports import (
    ChatTurn,
    Finish,
    LlmRequest,
    LlmStreamChunk,
    TextDelta,
    ToolCallDelta,
    ToolCallEnd,
    ToolCallStart,
    ToolSpec,
    UsageReport,
)
from cvchat.infrastructure.llm import errors

_PROVIDER = "Anthropic"
_KEY_SETTING = "ANTHROPIC_API_KEY"
# Error types the API sends in an `event: error` mid-stream that a later attempt may not meet again.
_TRANSIENT_TYPES = frozenset({"overloaded_error", "api_error", "rate_limit_error", "timeout_error"})


class AnthropicProvider:
    """Claude through `AsyncAnthropic` and raw Messages stream events.

    One SDK client (and its connection pool) serves every stream of the provider: build one provider per process
    and `aclose()` it at shutdown. The SDK never retries (`max_retries=0`): a failure ends the run at once with a
    stable code and `retryable`, and the message quotes the provider's `retry-after` when it gave one. A stream that
    sends no byte for `stall_timeout_s` (the API's pings count) fails as `stalled`.
    """

    name = "anthropic"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        *,
        stall_timeout_s: float = 30.0,
        connect_timeout_s: float = 10.0,
        max_tokens: int = 4096,
    ) -> None:
        self.model = model
        self._stall_timeout_s, self._max_tokens = stall_timeout_s, max_tokens
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            # httpx's read timeout is the longest silence between two received bytes: a stall detector.
            timeout=httpx2.Timeout(stall_timeout_s, connect=min(connect_timeout_s, stall_timeout_s)),
        )

    async def aclose(self) -> None:
        """Close the SDK client and its pooled connections."""
        await self._client.close()

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        """Stream one round; closing the generator (or cancelling its consumer) closes the HTTP response at once."""
        try:
            events = await self._client.messages.create(
                model=self.model,
                max_tokens=self._max_tokens,
                messages=to_messages(request.turns),
                system=request.system or anthropic.omit,
                tools=[to_tool(spec) for spec in request.tools] if request.tools else anthropic.omit,
                stream=True,
            )
        except anthropic.APIError as exc:
            raise self._request_error(exc) from exc
        try:
            state = _Round()
            while True:
                try:
                    event = await events.__anext__()
                except StopAsyncIteration:
                    break
                except Exception as exc:
                    mapped = self._stream_error(exc)
                    if mapped is None:
                        raise
                    raise mapped from exc
                for chunk in state.feed(event):
                    yield chunk
            for chunk in state.finish():
                yield chunk
        finally:
            await events.close()

    def _request_error(self, exc: anthropic.APIError) -> ProviderError:
        if isinstance(exc, anthropic.APIStatusError):
            retry_after = errors.parse_seconds(exc.response.headers.get("retry-after"))
            return errors.status_error(
                _PROVIDER, _KEY_SETTING, exc.status_code, _detail(exc), retry_after_s=retry_after
            )
        if isinstance(exc, anthropic.APITimeoutError):
            return errors.stalled(_PROVIDER, self._stall_timeout_s)
        if isinstance(exc, anthropic.APIConnectionError):
            cause = exc.__cause__ if isinstance(exc.__cause__, Exception) else exc
            return errors.transport_error(_PROVIDER, cause, started=False, stall_timeout_s=self._stall_timeout_s)
        return errors.bad_response(_PROVIDER, exc)

    def _stream_error(self, exc: Exception) -> ProviderError | None:
        if isinstance(exc, anthropic.APIStatusError):
            # An `event: error` inside a 200 stream: the SDK raises it with the stream's status, so read the type.
            kind = _error_field(exc.body, "type") or "error"
            return errors.stream_error(_PROVIDER, kind, _detail(exc), retryable=kind in _TRANSIENT_TYPES)
        if isinstance(exc, httpx2.TransportError):
            return errors.transport_error(_PROVIDER, exc, started=True, stall_timeout_s=self._stall_timeout_s)
        if isinstance(exc, ValueError):  # a torn or invalid SSE data line
            return errors.bad_response(_PROVIDER, exc)
        return None


class _Round:
    """Turns one round's raw stream events into chunks, and checks that the round really ended."""

    def __init__(self) -> None:
        self.tool_ids: dict[int, str] = {}
        self.stop_reason: str | None = None
        self.stopped = False
        self.input_reported = 0
        self.output_reported = 0

    def feed(self, event: Any) -> Iterator[LlmStreamChunk]:
        match event.type:
            case "message_start":
                yield from self._usage(event.message.usage)
            case "content_block_start":
                block = event.content_block
                if block.type == "tool_use":
                    self.tool_ids[event.index] = block.id
                    yield ToolCallStart(call_id=block.id, name=block.name)
                elif block.type == "text" and block.text:
                    yield TextDelta(text=block.text)
            case "content_block_delta":
                delta = event.delta
                if delta.type == "text_delta" and delta.text:
                    yield TextDelta(text=delta.text)
                elif delta.type == "input_json_delta" and delta.partial_json and event.index in self.tool_ids:
                    # Passed on verbatim: the assistant decodes the whole JSON and reports it if malformed.
                    yield ToolCallDelta(call_id=self.tool_ids[event.index], arguments_json=delta.partial_json)
            case "content_block_stop":
                if event.index in self.tool_ids:
                    yield ToolCallEnd(call_id=self.tool_ids[event.index])
            case "message_delta":
                self.stop_reason = event.delta.stop_reason or self.stop_reason
                yield from self._usage(event.usage)
            case "message_stop":
                self.stopped = True

    def finish(self) -> Iterator[LlmStreamChunk]:
        if not self.stopped:
            raise errors.incomplete(_PROVIDER, "message_stop")
        if self.stop_reason is None:
            raise errors.incomplete(_PROVIDER, "a stop_reason")
        if self.stop_reason == "refusal":
            raise errors.content_blocked(_PROVIDER, "stop_reason refusal")
        yield Finish(reason="tool_use" if self.stop_reason == "tool_use" else "end")

    def _usage(self, usage: Any) -> Iterator[UsageReport]:
        # The counts are cumulative (message_start, then message_delta): report only what is new, since the
        # assistant adds up every report.
        input_parts = (usage.input_tokens, usage.cache_creation_input_tokens, usage.cache_read_input_tokens)
        input_total = sum(part or 0 for part in input_parts)
        output_total = usage.output_tokens or 0
        new_input = max(0, input_total - self.input_reported) if usage.input_tokens is not None else 0
        new_output = max(0, output_total - self.output_reported)
        if new_input or new_output:
            self.input_reported += new_input
            self.output_reported += new_output
            yield UsageReport(input_tokens=new_input, output_tokens=new_output)


def to_messages(turns: list[ChatTurn]) -> list[dict[str, Any]]:
    """ChatTurns as Messages API messages: tool calls become `tool_use` blocks, their results `tool_result` blocks."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        if turn.role == "tool":
            results = [
                {"type": "tool_result", "tool_use_id": result["id"], "content": _result_text(result["output"])}
                for result in turn.tool_results
            ]
            messages.append({"role": "user", "content": results})
        elif turn.role == "assistant":
            blocks: list[dict[str, Any]] = [{"type": "text", "text": turn.text}] if turn.text else []
            blocks += [
                {
                    "type": "tool_use",
                    "id": call["id"],
                    "name": call["name"],
                    "input": json.loads(call["arguments"]) if call["arguments"] else {},
                }
                for call in turn.tool_calls
            ]
            if blocks:  # the API refuses empty text blocks
                messages.append({"role": "assistant", "content": blocks})
        elif turn.text:
            messages.append({"role": "user", "content": turn.text})
    return messages


def to_tool(spec: ToolSpec) -> dict[str, Any]:
    """A tool definition; the API wants an object schema at the top, not msgspec's `$ref` to it."""
    schema = spec.input_schema
    ref, defs = schema.get("$ref"), schema.get("$defs")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and isinstance(defs, dict):
        root = defs[ref.removeprefix("#/$defs/")]
        others = {name: definition for name, definition in defs.items() if definition is not root}
        schema = {**root, **({"$defs": defs} if others else {})}
    return {"name": spec.name, "description": spec.description, "input_schema": schema}


def _result_text(output: Any) -> str:
    return output if isinstance(output, str) else json.dumps(output, ensure_ascii=False)


def _error_field(body: object, field: str) -> str | None:
    error = body.get("error") if isinstance(body, dict) else None
    value = error.get(field) if isinstance(error, dict) else None
    return value if isinstance(value, str) else None


def _detail(exc: anthropic.APIStatusError) -> str:
    message = _error_field(exc.body, "message") or exc.message
    return f"{message} [request-id {exc.request_id}]" if exc.request_id else message
