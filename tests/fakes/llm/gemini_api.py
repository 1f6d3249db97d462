"""The Gemini API dialect: `models/{model}:streamGenerateContent?alt=sse` chunks, JSON answers and Google errors."""

from __future__ import annotations

import base64
import re
from typing import Any

from tests.fakes.llm.frames import Frame, ProtocolName, RenderContext, Route, compact_json, output_tokens
from tests.fakes.llm.scripts import HttpError, Reply, StreamError, Text, ToolCall

STATUSES = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    429: "RESOURCE_EXHAUSTED",
    499: "CANCELLED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_MESSAGES = {
    "INVALID_ARGUMENT": "Request contains an invalid argument.",
    "UNAUTHENTICATED": "API key not valid. Please pass a valid API key.",
    "PERMISSION_DENIED": "The caller does not have permission",
    "NOT_FOUND": "Requested entity was not found.",
    "RESOURCE_EXHAUSTED": "Resource has been exhausted (e.g. check quota).",
    "INTERNAL": "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    "UNAVAILABLE": "The model is overloaded. Please try again later.",
    "DEADLINE_EXCEEDED": "Deadline expired before operation could complete.",
}
# `/v1beta/models/gemini-x:streamGenerateContent`, also with a Vertex-style prefix before `models/`.
_PATH = re.compile(r"^/(?P<version>[^/]+)/(?:.*/)?models/(?P<model>[^/:]+):(?P<method>[A-Za-z]+)$")
_ACTIONS = {"streamGenerateContent": "stream", "generateContent": "unary", "countTokens": "count_tokens"}


def status_for(code: int) -> str:
    """Google's canonical status name for an HTTP status."""
    return STATUSES.get(code, "INTERNAL" if code >= 500 else "INVALID_ARGUMENT")


def error_body(code: int, status: str | None, message: str | None, retry_after: float | None) -> dict[str, Any]:
    """Google's error object: `{"error": {"code", "message", "status"[, "details"]}}`."""
    name = status or status_for(code)
    error: dict[str, Any] = {"code": code, "message": message or _MESSAGES.get(name, name), "status": name}
    if retry_after is not None:
        error["details"] = [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{retry_after:g}s"}]
    return {"error": error}


def default_signature(name: str, position: int) -> str:
    """A stable base64 `thoughtSignature` for a function call, so tests can check it is sent back."""
    return base64.b64encode(f"fake-thought-signature:{name}:{position}".encode()).decode()


def _data(payload: dict[str, Any]) -> bytes:
    # The API ends each event with CRLF CRLF; the SDK's line decoder must cope with it.
    return f"data: {compact_json(payload)}\r\n\r\n".encode()


def _function_call_part(call: ToolCall, position: int) -> dict[str, Any]:
    function_call: dict[str, Any] = {"name": call.name}
    if call.id is not None:
        function_call["id"] = call.id
    function_call["args"] = call.raw_args if call.raw_args is not None else dict(call.args)
    part: dict[str, Any] = {"functionCall": function_call}
    if call.signed:
        part["thoughtSignature"] = call.thought_signature or default_signature(call.name, position)
    return part


class GeminiDialect:
    """Renders scripts as the Gemini Developer API does (camelCase JSON, as the SDK's converters read it)."""

    name: ProtocolName = "gemini"

    def route(self, method: str, path: str, query: dict[str, str], body: Any) -> Route | None:
        """`POST /{version}/models/{model}:streamGenerateContent|generateContent|countTokens`."""
        match = _PATH.match(path)
        if method != "POST" or match is None or match["method"] not in _ACTIONS:
            return None
        return Route(self.name, _ACTIONS[match["method"]], match["model"])

    def api_key(self, headers: dict[str, str]) -> str | None:
        """`x-goog-api-key`, or a bearer token."""
        if "x-goog-api-key" in headers:
            return headers["x-goog-api-key"]
        scheme, _, token = headers.get("authorization", "").partition(" ")
        return token if scheme.lower() == "bearer" else None

    def stream_headers(self, ctx: RenderContext) -> dict[str, str]:
        """SSE headers."""
        return {"content-type": "text/event-stream", "x-content-type-options": "nosniff"}

    def _parts(self, reply: Reply) -> list[list[dict[str, Any]]]:
        """The parts of each chunk: one chunk per text delta, one per function call."""
        chunks: list[list[dict[str, Any]]] = []
        calls = 0
        for block in reply.blocks:
            if isinstance(block, Text):
                for i, piece in enumerate(block.pieces()):
                    part: dict[str, Any] = {"text": piece}
                    if i == 0 and block.thought_signature:
                        part["thoughtSignature"] = block.thought_signature
                    chunks.append([part])
            else:
                chunks.append([_function_call_part(block, calls)])
                calls += 1
        return chunks

    def render_stream(self, reply: Reply, ctx: RenderContext, *, terminal: bool) -> list[Frame]:
        """One `data:` chunk per delta; the last carries finishReason and the full usageMetadata."""
        response_id = ctx.random_id("", 22)
        chunks = self._parts(reply) or [[{"text": ""}]]
        outputs = reply.output_tokens if reply.output_tokens is not None else max(1, len(chunks))
        frames: list[Frame] = []
        for i, parts in enumerate(chunks):
            last = i == len(chunks) - 1
            candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
            usage: dict[str, Any] = {"promptTokenCount": ctx.input_tokens, "totalTokenCount": ctx.input_tokens}
            if last and terminal:
                candidate["finishReason"] = reply.finish_reason
                usage = {
                    "promptTokenCount": ctx.input_tokens,
                    "candidatesTokenCount": outputs,
                    "totalTokenCount": ctx.input_tokens + outputs,
                }
            payload = {
                "candidates": [candidate],
                "usageMetadata": usage,
                "modelVersion": ctx.model,
                "responseId": response_id,
            }
            # Every chunk carries content, the last one too, so faults count them all as deltas.
            frames.append(Frame(_data(payload), "delta"))
        return frames

    def render_stream_error(self, fault: StreamError, ctx: RenderContext) -> bytes:
        """`data: {"error": {...}}`, which the SDK turns into an APIError while iterating."""
        return _data(error_body(fault.status, fault.error_type, fault.message, None))

    def render_unary(self, reply: Reply, ctx: RenderContext) -> Any:
        """A whole GenerateContentResponse: text blocks merged into one part each."""
        parts: list[dict[str, Any]] = []
        calls = 0
        for block in reply.blocks:
            if isinstance(block, Text):
                part: dict[str, Any] = {"text": block.full_text}
                if block.thought_signature:
                    part["thoughtSignature"] = block.thought_signature
                parts.append(part)
            else:
                parts.append(_function_call_part(block, calls))
                calls += 1
        frames = self.render_stream(reply, ctx, terminal=True)
        outputs = output_tokens(reply, frames)
        return {
            "candidates": [
                {
                    "content": {"parts": parts or [{"text": ""}], "role": "model"},
                    "finishReason": reply.finish_reason,
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": ctx.input_tokens,
                "candidatesTokenCount": outputs,
                "totalTokenCount": ctx.input_tokens + outputs,
            },
            "modelVersion": ctx.model,
            "responseId": ctx.random_id("", 22),
        }

    def render_count_tokens(self, ctx: RenderContext) -> Any:
        """`{"totalTokens": n}`."""
        return {"totalTokens": ctx.input_tokens}

    def render_error(self, error: HttpError, ctx: RenderContext) -> tuple[dict[str, str], bytes]:
        """Google's JSON error (with RetryInfo when the script gives `retry_after`)."""
        if error.body is not None:
            return {"content-type": "text/html; charset=utf-8"}, error.body.encode()
        body = error_body(error.status, error.error_type, error.message, error.retry_after)
        return {"content-type": "application/json; charset=UTF-8"}, compact_json(body).encode()

    def last_user_text(self, body: Any) -> str:
        """Text of the last user turn; a function response is shown as `functionResponse <name>: <json>`."""
        contents = body.get("contents") if isinstance(body, dict) else None
        for content in reversed(contents or []):
            if not isinstance(content, dict) or content.get("role", "user") != "user":
                continue
            texts: list[str] = []
            for part in content.get("parts") or []:
                if not isinstance(part, dict):
                    continue
                if "text" in part:
                    texts.append(str(part["text"]))
                elif "functionResponse" in part:
                    response = part["functionResponse"]
                    texts.append(f"functionResponse {response.get('name')}: {compact_json(response.get('response'))}")
            return " ".join(texts)
        return ""
