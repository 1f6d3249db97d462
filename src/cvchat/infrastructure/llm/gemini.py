"""The `google` provider: Gemini's streamGenerateContent through the google-genai SDK, as provider-neutral chunks."""

from __future__ import annotations

import asyncio
import base64
import functools
import json
import ssl
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
import pydantic
from google import genai
from google.genai import errors as genai_errors
from google.genai import types

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

_PROVIDER = "Gemini"
_KEY_SETTING = "GEMINI_API_KEY"
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_BLOCKED = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "BLOCKLIST",
        "PROHIBITED_CONTENT",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "MODEL_ARMOR",
    }
)
_MALFORMED_CALL = frozenset({"MALFORMED_FUNCTION_CALL", "UNEXPECTED_TOOL_CALL"})
# JSON-schema keywords Gemini's function declarations accept; the rest (`$defs`, `title`, `default`,
# `additionalProperties`, `exclusiveMinimum`, ...) are dropped after `$ref`s are inlined.
_SCHEMA_KEYS = frozenset(
    {
        "type",
        "format",
        "description",
        "enum",
        "items",
        "prefixItems",
        "minItems",
        "maxItems",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pattern",
        "anyOf",
        "properties",
        "required",
        "propertyOrdering",
    }
)
_MAX_SCHEMA_DEPTH = 16


@functools.cache
def _tls_context() -> ssl.SSLContext:
    # Loading the trust store is most of the cost of a client (~15 ms); one context serves every per-stream client.
    return httpx2.create_ssl_context()


class GeminiProvider:
    """Gemini through `google.genai.Client(...).aio` and `generate_content_stream`.

    Each stream gets its own small HTTP client, closed in `finally`: the SDK's generators keep the response open
    after `aclose()` or a failure until the cyclic GC finalizes them, and closing the client is what reliably ends
    the connection at once (a cancelled run, a stall, an error chunk). The TLS context is shared, so a client
    costs well under a millisecond. The SDK does not retry (no `retry_options`), automatic continuation and
    automatic function calling are off, and the SDK's own timeout stays unset because it would also send
    `x-server-timeout`, a deadline for the whole answer: a stall is caught here instead, as no chunk for
    `stall_timeout_s` seconds.

    Gemini's function calls may come without ids; they get `call_<round>_<index>`, unique within a run. A call's
    thought signature (and the id Gemini gave, if any) travels in `ToolCallEnd.extra` and is sent back with the
    call in the next round, as thinking models require.
    """

    name = "google"

    def __init__(
        self,
        api_key: str,
        model: str,
        base_url: str | None = None,
        *,
        stall_timeout_s: float = 30.0,
        api_version: str = "v1beta",
        max_output_tokens: int | None = None,
    ) -> None:
        self.model = model
        self._api_key, self._base_url, self._api_version = api_key, base_url, api_version
        self._stall_timeout_s, self._max_output_tokens = stall_timeout_s, max_output_tokens

    async def stream(self, request: LlmRequest) -> AsyncIterator[LlmStreamChunk]:
        """Stream one round; closing the generator (or cancelling its consumer) closes the HTTP connection at once."""
        round_no = sum(1 for turn in request.turns if turn.role == "tool")
        contents, config = to_contents(request.turns), self._config(request)
        tls = _tls_context()
        http = httpx2.AsyncClient(verify=tls)
        options = types.HttpOptions(
            base_url=self._base_url,
            api_version=self._api_version,
            httpx_async_client=http,
            # The TLS context for the SDK's other clients too, so that none loads the trust store again.
            client_args={"verify": tls},
            async_client_args={"ssl": tls},
        )
        state = _Round(round_no)
        try:
            client = genai.Client(api_key=self._api_key, vertexai=False, http_options=options)
            responses = await client.aio.models.generate_content_stream(
                model=self.model, contents=contents, config=config
            )
            while True:
                try:
                    async with asyncio.timeout(self._stall_timeout_s) as deadline:
                        response = await anext(responses)
                except StopAsyncIteration:
                    break
                except TimeoutError:
                    if not deadline.expired():
                        raise
                    raise errors.stalled(_PROVIDER, self._stall_timeout_s) from None
                except Exception as exc:
                    mapped = self._error(exc, started=state.received)
                    if mapped is None:
                        raise
                    raise mapped from exc
                for chunk in state.feed(response):
                    yield chunk
            for chunk in state.finish():
                yield chunk
        finally:
            # Ends the connection whatever state the SDK's generators are left in (the SDK leaves a client it was
            # given open, and its other clients hold no connection).
            await http.aclose()

    def _config(self, request: LlmRequest) -> types.GenerateContentConfig:
        tools = None
        if request.tools:
            tools = [types.Tool(function_declarations=[to_declaration(spec) for spec in request.tools])]
        return types.GenerateContentConfig(
            system_instruction=request.system or None,
            tools=tools,
            max_output_tokens=self._max_output_tokens,
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
            automatic_continuation=False,
        )

    def _error(self, exc: Exception, *, started: bool) -> ProviderError | None:
        if isinstance(exc, genai_errors.APIError):
            return _api_error(exc, started=started)
        if isinstance(exc, httpx2.TransportError):
            return errors.transport_error(_PROVIDER, exc, started=started, stall_timeout_s=self._stall_timeout_s)
        if isinstance(exc, pydantic.ValidationError) and _is_function_call_error(exc):
            return ProviderError(
                f"{_PROVIDER} sent malformed arguments for a function call: {exc.errors()[0]['msg']}",
                code=errors.MALFORMED_TOOL_ARGUMENTS,
            )
        if isinstance(exc, ValueError):  # a chunk that is not JSON, or not a GenerateContentResponse
            return errors.bad_response(_PROVIDER, exc)
        return None


class _Round:
    """Turns one round's response chunks into chunks, and checks that the round really ended."""

    def __init__(self, round_no: int) -> None:
        self.round_no = round_no
        self.received = False
        self.calls = 0
        self.finish_reason: str | None = None
        self.input_reported = 0
        self.output_reported = 0

    def feed(self, response: types.GenerateContentResponse) -> Iterator[LlmStreamChunk]:
        self.received = True
        feedback = response.prompt_feedback
        if feedback is not None and feedback.block_reason is not None:
            raise errors.content_blocked(_PROVIDER, f"prompt blocked: {_name(feedback.block_reason)}")
        candidate = response.candidates[0] if response.candidates else None
        if candidate is not None:
            for part in (candidate.content.parts if candidate.content else None) or []:
                if part.thought:
                    continue  # thought summaries are not part of the answer
                if part.text:
                    yield TextDelta(text=part.text)
                elif part.function_call is not None:
                    yield from self._call(part.function_call, part.thought_signature)
            if candidate.finish_reason is not None:
                self.finish_reason = _name(candidate.finish_reason)
        if response.usage_metadata is not None:
            yield from self._usage(response.usage_metadata)

    def finish(self) -> Iterator[LlmStreamChunk]:
        reason = self.finish_reason
        if reason is None:
            raise errors.incomplete(_PROVIDER, "a finishReason")
        if reason in _BLOCKED:
            raise errors.content_blocked(_PROVIDER, f"finishReason {reason}")
        if reason in _MALFORMED_CALL:
            raise ProviderError(
                f"{_PROVIDER} produced a function call it could not complete (finishReason {reason})",
                code=errors.MALFORMED_TOOL_ARGUMENTS,
            )
        yield Finish(reason="tool_use" if self.calls else "end")

    def _call(self, call: types.FunctionCall, signature: bytes | None) -> Iterator[LlmStreamChunk]:
        call_id = call.id or f"call_{self.round_no}_{self.calls}"
        self.calls += 1
        extra: dict[str, Any] = {}
        if call.id:
            extra["function_call_id"] = call.id
        if signature:
            extra["thought_signature"] = base64.b64encode(signature).decode("ascii")
        yield ToolCallStart(call_id=call_id, name=call.name or "")
        yield ToolCallDelta(call_id=call_id, arguments_json=json.dumps(call.args or {}, ensure_ascii=False))
        yield ToolCallEnd(call_id=call_id, extra=extra)

    def _usage(self, usage: types.GenerateContentResponseUsageMetadata) -> Iterator[UsageReport]:
        # Every chunk carries the round's running totals: report only what is new, since the assistant adds up
        # every report. Thinking tokens are billed as output.
        input_total = (usage.prompt_token_count or 0) + (usage.tool_use_prompt_token_count or 0)
        output_total = (usage.candidates_token_count or 0) + (usage.thoughts_token_count or 0)
        new_input = max(0, input_total - self.input_reported)
        new_output = max(0, output_total - self.output_reported)
        if new_input or new_output:
            self.input_reported += new_input
            self.output_reported += new_output
            yield UsageReport(input_tokens=new_input, output_tokens=new_output)


def to_contents(turns: list[ChatTurn]) -> list[types.Content]:
    """ChatTurns as Contents: tool calls become model `functionCall` parts, their results user `functionResponse`."""
    contents: list[types.Content] = []
    for turn in turns:
        parts: list[types.Part] = []
        if turn.role == "tool":
            for result in turn.tool_results:
                response = types.FunctionResponse(
                    id=(result.get("extra") or {}).get("function_call_id"),
                    name=result["name"],
                    response={"output": result["output"]},
                )
                parts.append(types.Part(function_response=response))
            contents.append(types.Content(role="user", parts=parts))
            continue
        if turn.text:
            parts.append(types.Part(text=turn.text))
        for call in turn.tool_calls:
            extra = call.get("extra") or {}
            signature = extra.get("thought_signature")
            parts.append(
                types.Part(
                    function_call=types.FunctionCall(
                        id=extra.get("function_call_id"),
                        name=call["name"],
                        args=json.loads(call["arguments"]) if call["arguments"] else {},
                    ),
                    # A call the model did not make (the service's own first search) has no signature; Gemini 3
                    # models refuse replayed calls without one unless given the documented placeholder.
                    thought_signature=base64.b64decode(signature) if signature else _NO_SIGNATURE,
                )
            )
        if parts:
            contents.append(types.Content(role="model" if turn.role == "assistant" else "user", parts=parts))
    return contents


_NO_SIGNATURE = b"skip_thought_signature_validator"


def to_declaration(spec: ToolSpec) -> types.FunctionDeclaration:
    """A function declaration with the input schema in the dialect Gemini accepts."""
    return types.FunctionDeclaration(
        name=spec.name, description=spec.description, parameters_json_schema=gemini_schema(spec.input_schema)
    )


def gemini_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Inline every `$ref` (msgspec puts even the root in `$defs`) and keep only the keywords Gemini accepts."""
    defs = schema.get("$defs") or {}

    def clean(node: Any, depth: int) -> Any:
        if not isinstance(node, dict):
            return node
        if depth > _MAX_SCHEMA_DEPTH:  # a recursive type: stop describing it, the tool's decoder still checks it
            return {"type": "object"}
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            node = {**defs.get(ref.removeprefix("#/$defs/"), {}), **{k: v for k, v in node.items() if k != "$ref"}}
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in _SCHEMA_KEYS:
                continue
            if key == "properties" and isinstance(value, dict):
                out[key] = {name: clean(sub, depth + 1) for name, sub in value.items()}
            elif key in ("anyOf", "prefixItems") and isinstance(value, list):
                out[key] = [clean(sub, depth + 1) for sub in value]
            elif key == "items":
                out[key] = clean(value, depth + 1)
            else:
                out[key] = value
        if "enum" in out and "type" not in out and all(isinstance(v, str) for v in out["enum"]):
            out["type"] = "string"
        return out

    return clean(schema, 0)


def _api_error(exc: genai_errors.APIError, *, started: bool) -> ProviderError:
    status = exc.code
    detail = exc.message or exc.status or f"HTTP {status}"
    if started:
        kind = exc.status or str(status)
        return errors.stream_error(_PROVIDER, kind, detail, retryable=status in _TRANSIENT_STATUSES or status >= 500)
    if status == 400 and _error_reason(exc) == "API_KEY_INVALID":
        status = 401  # Gemini answers a bad key with 400 INVALID_ARGUMENT and the reason in ErrorInfo
    return errors.status_error(_PROVIDER, _KEY_SETTING, status, detail, retry_after_s=_retry_delay(exc))


def _details(exc: genai_errors.APIError) -> list[dict[str, Any]]:
    body = exc.details if isinstance(exc.details, dict) else {}
    error = body.get("error", body)
    details = error.get("details") if isinstance(error, dict) else None
    return [item for item in details or [] if isinstance(item, dict)]


def _retry_delay(exc: genai_errors.APIError) -> float | None:
    for item in _details(exc):
        if str(item.get("@type", "")).endswith("google.rpc.RetryInfo"):
            return errors.parse_seconds(str(item.get("retryDelay", "")))
    return None


def _error_reason(exc: genai_errors.APIError) -> str | None:
    for item in _details(exc):
        if str(item.get("@type", "")).endswith("google.rpc.ErrorInfo"):
            return str(item.get("reason"))
    return None


def _is_function_call_error(exc: pydantic.ValidationError) -> bool:
    return any({"functionCall", "function_call"} & {str(loc) for loc in error["loc"]} for error in exc.errors())


def _name(value: Any) -> str:
    return str(getattr(value, "value", value))
