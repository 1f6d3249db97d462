"""Authentication dependencies: the bearer API key, and the per-run stream token for EventSource clients."""

from __future__ import annotations

from uuid import UUID

from litestar import Request
from litestar.di import NamedDependency
from litestar.openapi.spec import SecurityRequirement, SecurityScheme

from cvchat.application.common import SystemClock
from cvchat.application.users import Authenticate, Principal, VerifyStreamToken
from cvchat.domain.errors import UnauthorizedError
from cvchat.infrastructure.db.repositories import SqlUserRepository
from cvchat.infrastructure.runtime import Runtime

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


async def provide_principal(request: Request, runtime: NamedDependency[Runtime]) -> Principal:
    """The caller, from the bearer API key (looked up in a short read transaction of its own)."""
    secret = bearer_secret(request)
    async with runtime.read_sessions() as session:
        return await Authenticate(SqlUserRepository(session))(secret)


async def stream_caller(request: Request, runtime: NamedDependency[Runtime], run_id: UUID, token: str | None) -> UUID:
    """The user id a request for a run's events speaks for: by stream token if given, else by bearer key."""
    if token is not None:
        async with runtime.read_sessions() as session:
            return await VerifyStreamToken(SqlUserRepository(session), _clock)(token, run_id)
    return (await provide_principal(request, runtime)).user.id
