"""Request ids on every log line of a request, and the caller's ids once they are known.

Each request gets an id: the client's `X-Request-ID` when it is a sane token (so a request can be followed from a
gateway through the service), else a fresh one. It is bound to structlog's context for the request, so every line
logged while serving it carries `request_id` (and `user_id` once authentication has run), and it is sent back as
`X-Request-ID`.
"""

from __future__ import annotations

import re
import uuid
from contextvars import ContextVar
from uuid import UUID

from litestar.datastructures import MutableScopeHeaders
from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

REQUEST_ID_HEADER = "X-Request-ID"
_SANE_ID = re.compile(r"^[A-Za-z0-9._:-]{1,64}$")


# The request's log context: one dict per request, shared by reference with the tasks the request spawns (Litestar
# resolves several dependencies concurrently, each in a task of its own, so structlog's per-key context variables
# bound in a dependency would not reach the request's later lines).
_request_context: ContextVar[dict[str, str] | None] = ContextVar("cvchat_request_context", default=None)


def merge_request_context(_logger: object, _method: str, event_dict: dict[str, object]) -> dict[str, object]:
    """A structlog processor: the current request's ids on every line logged while serving it."""
    context = _request_context.get()
    if context:
        for key, value in context.items():
            event_dict.setdefault(key, value)
    return event_dict


class RequestIdMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        incoming = next(
            (v.decode("latin-1") for k, v in scope.get("headers", []) if k.lower() == b"x-request-id"), None
        )
        request_id = incoming if incoming and _SANE_ID.match(incoming) else uuid.uuid4().hex

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableScopeHeaders(message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        token = _request_context.set({"request_id": request_id})
        try:
            await next_app(scope, receive, send_with_id)
        finally:
            _request_context.reset(token)


def bind_caller(user_id: UUID, key_id: UUID) -> None:
    """After authentication: the rest of the request's log lines say who made it (ids only, never a secret)."""
    context = _request_context.get()
    if context is not None:
        context.update(user_id=str(user_id), key_id=str(key_id))
