"""The Anthropic Messages API dialect: `POST /v1/messages` SSE events, JSON messages and JSON errors."""

from __future__ import annotations

import json
from typing import Any

from tests.fakes.llm.frames import Frame, FrameKind, ProtocolName, RenderContext, Route, compact_json, output_tokens
from tests.fakes.llm.scripts import HttpError, Reply, StreamError, Text, ToolCall, split_evenly

ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    402: "billing_error",
    403: "permission_error",
    404: "not_found_error",
    413: "request_too_large",
    429: "rate_limit_error",
    500: "api_error",
    503: "api_error",
    504: "timeout_error",
    529: "overloaded_error",
}
_MESSAGES = {
    "invalid_request_error": "Invalid request.",
    "authentication_error": "invalid x-api-key",
    "permission_error": "Your API key does not have permission to use the specified resource.",
    "not_found_error": "The requested resource could not be found.",
    "rate_limit_error": "Number of request tokens has exceeded your per-minute rate limit.",
    "api_error": "Internal server error",
    "overloaded_error": "Overloaded",
    "timeout_error": "Request timed out.",
}


def error_type_for(status: int) -> str:
    """Anthropic's `error.type` for an HTTP status."""
    return ERROR_TYPES.get(status, "api_error" if status >= 500 else "invalid_request_error")


def error_body(status: int, error_type: str | None, message: str | None, request_id: str | None) -> dict[str, Any]:
    """Anthropic's error object: `{"type": "error", "error": {"type", "message"}, "request_id"}`."""
    kind = error_type or error_type_for(status)
    body: dict[str, Any] = {"type": "error", "error": {"type": kind, "message": message or _MESSAGES.get(kind, kind)}}
    if request_id is not None:
        body["request_id"] = request_id
    return body


def _event(name: str, payload: dict[str, Any], kind: FrameKind) -> Frame:
    return Frame(f"event: {name}\ndata: {compact_json(payload)}\n\n".encode(), kind)


def _tool_input_json(call: ToolCall) -> str:
    return call.raw_args if call.raw_args is not None else json.dumps(dict(call.args), ensure_ascii=False)


def _stop_reason(reply: Reply) -> str:
    if reply.stop_reason is not None:
        return reply.stop_reason
    return "tool_use" if any(isinstance(block, ToolCall) for block in reply.blocks) else "end_turn"


class AnthropicDialect:
    """Renders scripts as the Anthropic Messages API does (event names and payloads as in the SDK's types)."""

    name: ProtocolName = "anthropic"

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Route | None:
        """`POST /v1/messages` (streamed when the body says `"stream": true`) and `/v1/messages/count_tokens`."""
        if method != "POST":
            return None
        model = body.get("model") if isinstance(body, dict) else None
        if path.rstrip("/") == "/v1/messages":
            stream = isinstance(body, dict) and body.get("stream") is True
            return Route(self.name, "stream" if stream else "unary", model)
        if path.rstrip("/") == "/v1/messages/count_tokens":
            return Route(self.name, "count_tokens", model)
        return None

    def api_key(self, headers: dict[str, str]) -> str | None:
        """`x-api-key`, or a bearer token (the SDK's `auth_token`)."""
        if "x-api-key" in headers:
            return headers["x-api-key"]
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None

    def stream_headers(self, ctx: RenderContext) -> dict[str, str]:
        """SSE headers with a `request-id`, as the API sends."""
        return {
            "content-type": "text/event-stream; charset=utf-8",
            "cache-control": "no-cache",
            "request-id": ctx.random_id("req_01"),
        }

    def render_stream(self, reply: Reply, ctx: RenderContext, *, terminal: bool) -> list[Frame]:
        """message_start, per block content_block_start/delta.../stop (ping after the first start),
        message_delta with stop_reason and usage, message_stop (left out without `terminal`)."""
        usage = {
            "input_tokens": ctx.input_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        }
        message: dict[str, Any] = {
            "id": ctx.random_id("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": ctx.model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": usage,
        }
        frames = [_event("message_start", {"type": "message_start", "message": message}, "head")]
        ping = _event("ping", {"type": "ping"}, "head")
        if not reply.blocks:
            frames.append(ping)
        for index, block in enumerate(reply.blocks):
            opening: list[dict[str, Any]] = []
            if isinstance(block, Text):
                content_block: dict[str, Any] = {"type": "text", "text": ""}
                deltas = [{"type": "text_delta", "text": piece} for piece in block.pieces()]
            else:
                tool_id = block.id or ctx.random_id("toolu_01", 22)
                content_block = {"type": "tool_use", "id": tool_id, "name": block.name, "input": {}}
                # The API opens every tool input with an empty partial_json. It carries no content, so faults
                # do not count it as a delta.
                opening = [{"type": "input_json_delta", "partial_json": ""}]
                pieces = split_evenly(_tool_input_json(block), block.chunks)
                deltas = [{"type": "input_json_delta", "partial_json": piece} for piece in pieces]
            start = {"type": "content_block_start", "index": index, "content_block": content_block}
            frames.append(_event("content_block_start", start, "head"))
            if index == 0:
                frames.append(ping)
            tagged: list[tuple[dict[str, Any], FrameKind]] = [(delta, "head") for delta in opening]
            tagged += [(delta, "delta") for delta in deltas]
            for delta, kind in tagged:
                payload = {"type": "content_block_delta", "index": index, "delta": delta}
                frames.append(_event("content_block_delta", payload, kind))
            frames.append(_event("content_block_stop", {"type": "content_block_stop", "index": index}, "tail"))
        message_delta = {
            "type": "message_delta",
            "delta": {"stop_reason": _stop_reason(reply), "stop_sequence": None},
            "usage": {"output_tokens": output_tokens(reply, frames)},
        }
        frames.append(_event("message_delta", message_delta, "tail"))
        if terminal:
            frames.append(_event("message_stop", {"type": "message_stop"}, "terminal"))
        return frames

    def render_stream_error(self, fault: StreamError, ctx: RenderContext) -> bytes:
        """`event: error` with the error object, as the API sends when it fails mid-stream."""
        body = error_body(fault.status, fault.error_type, fault.message, None)
        return f"event: error\ndata: {compact_json(body)}\n\n".encode()

    def render_unary(self, reply: Reply, ctx: RenderContext) -> Any:
        """A whole Message object."""
        content: list[dict[str, Any]] = []
        for block in reply.blocks:
            if isinstance(block, Text):
                content.append({"type": "text", "text": block.full_text})
            else:
                tool_input: Any = block.raw_args if block.raw_args is not None else dict(block.args)
                content.append(
                    {
                        "type": "tool_use",
                        "id": block.id or ctx.random_id("toolu_01", 22),
                        "name": block.name,
                        "input": tool_input,
                    }
                )
        frames = self.render_stream(reply, ctx, terminal=True)
        return {
            "id": ctx.random_id("msg_01"),
            "type": "message",
            "role": "assistant",
            "model": ctx.model,
            "content": content,
            "stop_reason": _stop_reason(reply),
            "stop_sequence": None,
            "usage": {"input_tokens": ctx.input_tokens, "output_tokens": output_tokens(reply, frames)},
        }

    def render_count_tokens(self, ctx: RenderContext) -> Any:
        """`{"input_tokens": n}`."""
        return {"input_tokens": ctx.input_tokens}

    def render_error(self, error: HttpError, ctx: RenderContext) -> tuple[dict[str, str], bytes]:
        """JSON error with `request-id`, and `retry-after` when the script gives one."""
        request_id = ctx.random_id("req_01")
        headers = {"request-id": request_id}
        if error.retry_after is not None:
            headers["retry-after"] = f"{error.retry_after:g}"
        if error.body is not None:
            return {"content-type": "text/html; charset=utf-8", **headers}, error.body.encode()
        body = error_body(error.status, error.error_type, error.message, request_id)
        return {"content-type": "application/json", **headers}, compact_json(body).encode()

    def last_user_text(self, body: Any) -> str:
        """Text of the last user message; a tool result is shown as `tool_result <id>: <content>`."""
        messages = body.get("messages") if isinstance(body, dict) else None
        for message in reversed(messages or []):
            if not isinstance(message, dict) or message.get("role") != "user":
                continue
            content = message.get("content")
            if isinstance(content, str):
                return content
            texts: list[str] = []
            for block in content or []:
                if not isinstance(block, dict):
                    continue
                if block.get("type") == "text":
                    texts.append(str(block.get("text", "")))
                elif block.get("type") == "tool_result":
                    result = block.get("content")
                    if isinstance(result, list):
                        result = "".join(str(part.get("text", "")) for part in result if isinstance(part, dict))
                    texts.append(f"tool_result {block.get('tool_use_id')}: {result}")
            return " ".join(texts)
        return ""
