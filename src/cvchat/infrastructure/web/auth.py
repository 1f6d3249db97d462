"""Authentication dependencies: the bearer API key, and the per-run stream token for EventSource clients."""

from __future__ import annotations

import hmac
from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency
from litestar.openapi.spec import SecurityRequirement, SecurityScheme

from cvchat.application.common import SystemClock
from cvchat.application.users import Authenticate, Principal, VerifyStreamToken, hash_api_key
from cvchat.domain.entities import ApiKey
from cvchat.domain.errors import ForbiddenError, UnauthorizedError
from cvchat.infrastructure.db.repositories import SqlUserRepository
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.web.limits import Limits
from cvchat.infrastructure.web.observability import bind_caller

BEARER = "BearerAuth"
STREAM_TOKEN = "StreamToken"
SECURITY_SCHEMES = {
    BEARER: SecurityScheme(type="http", scheme="bearer", description="The API key from `POST /api/users`."),
    STREAM_TOKEN: SecurityScheme(
        type="apiKey",
        name="token",
        security_scheme_in="query",
        description="A short-lived token for one run's events, as found in `stream_url`.",
    ),
}
BEARER_ONLY: list[SecurityRequirement] = [{BEARER: []}]
BEARER_OR_STREAM_TOKEN: list[SecurityRequirement] = [{BEARER: []}, {STREAM_TOKEN: []}]

_clock = SystemClock()


def bearer_secret(request: Request) -> str:
    header = request.headers.get("authorization", "")
    scheme, _, secret = header.partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise UnauthorizedError("send your API key as `Authorization: Bearer <api_key>`")
    return secret.strip()


async def provide_principal(
    request: Request, runtime: NamedDependency[Runtime], limits: NamedDependency[Limits]
) -> Principal:
    """The caller, from the bearer API key; counts the call against the key's rate limit (429 beyond it).

    A key verified recently comes from the process's cache (`PrincipalCache`: revocations drop it at once); else it
    is read with one statement.
    """
    async with limits.authenticating(request):
        secret = bearer_secret(request)
        key_hash = hash_api_key(secret)
        principal = runtime.principals.get(key_hash)
        if principal is None:
            generation = runtime.principals.generation
            async with runtime.lookup_sessions() as session:
                principal = await Authenticate(SqlUserRepository(session))(secret)
            runtime.principals.put(key_hash, principal, generation)
    bind_caller(principal.user.id, principal.key.id)
    await limits.check_api(principal.key.id, request)
    return principal


async def stream_caller(
    request: Request, runtime: NamedDependency[Runtime], limits: Limits, run_id: UUID, token: str | None
) -> ApiKey:
    """The API key a request for a run's events speaks with: the stream token's if given, else the bearer key.

    The stream remembers it, so that revoking the key ends the stream at once.
    """
    if token is not None:
        async with limits.authenticating(request), runtime.lookup_sessions() as session:
            key = await VerifyStreamToken(SqlUserRepository(session), _clock)(token, run_id)
        bind_caller(key.user_id, key.id)
        await limits.check_api(key.id, request)
        return key
    return (await provide_principal(request, runtime, limits)).key


async def provide_admin(request: Request, runtime: NamedDependency[Runtime], limits: NamedDependency[Limits]) -> None:
    """Admin routes (CV writes, users and keys) need `Authorization: Bearer <ADMIN_TOKEN>`."""
    token = runtime.settings.admin_token
    if not token:
        raise ForbiddenError("admin routes are disabled: set ADMIN_TOKEN (or ingest CVs with `cvchat ingest`)")
    async with limits.authenticating(request):
        if not hmac.compare_digest(bearer_secret(request).encode(), token.encode()):
            raise UnauthorizedError("this route needs the admin token as `Authorization: Bearer <ADMIN_TOKEN>`")
