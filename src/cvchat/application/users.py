"""Use cases for users and credentials: sign-up, API-key authentication, per-run stream tokens."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from typing import Annotated
from uuid import UUID

import msgspec

from cvchat.application.common import new_id
from cvchat.domain.entities import ApiKey, User
from cvchat.domain.errors import UnauthorizedError
from cvchat.domain.ports import Clock, UserRepository

API_KEY_PREFIX = "cvk_"


def hash_api_key(secret: str) -> str:
    """API keys carry 256 random bits, so a plain SHA-256 is a safe, constant-time-lookup hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


class CreateUserInput(msgspec.Struct, frozen=True, kw_only=True):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class CreateUserResult(msgspec.Struct, frozen=True, kw_only=True):
    user: User
    api_key: str


class CreateUser:
    """Register a user and hand out their first API key.

    Rules: names are unique; the key's secret is returned once and only its hash is stored.
    """

    def __init__(self, users: UserRepository, clock: Clock) -> None:
        self._users, self._clock = users, clock

    async def __call__(self, cmd: CreateUserInput) -> CreateUserResult:
        now = self._clock.now()
        user = User(id=new_id(), name=cmd.name, created_at=now)
        secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
        key = ApiKey(id=new_id(), user_id=user.id, key_hash=hash_api_key(secret), prefix=secret[:8], created_at=now)
        await self._users.add(user, key)
        return CreateUserResult(user=user, api_key=secret)


class Principal(msgspec.Struct, frozen=True, kw_only=True):
    """The authenticated caller and the key they used."""

    user: User
    key: ApiKey


class Authenticate:
    """Resolve a bearer API key to its user. Unknown and revoked keys are refused alike."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, secret: str) -> Principal:
        found = await self._users.get_by_key_hash(hash_api_key(secret))
        if found is None:
            raise UnauthorizedError("the API key is unknown or revoked")
        user, key = found
        return Principal(user=user, key=key)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _signature(key: ApiKey, run_id: UUID, expires: int) -> str:
    # Signed with the key's stored hash: no shared secret to configure, every worker can check it, and revoking
    # the key revokes its stream tokens too.
    return _b64(hmac.new(key.key_hash.encode(), f"{run_id}:{expires}".encode(), hashlib.sha256).digest())


class IssueStreamToken:
    """A short-lived token that lets a browser's EventSource (which cannot send headers) read one run's events."""

    def __init__(self, clock: Clock, ttl_s: int) -> None:
        self._clock, self._ttl_s = clock, ttl_s

    def __call__(self, key: ApiKey, run_id: UUID) -> str:
        expires = math.ceil(self._clock.now().timestamp()) + self._ttl_s
        return f"{key.id.hex}.{expires}.{_signature(key, run_id, expires)}"


class VerifyStreamToken:
    """Check a stream token for one run; returns the user id it speaks for.

    Rules: valid only for the run it was issued for, only until it expires, and only while its key is not revoked.
    """

    def __init__(self, users: UserRepository, clock: Clock) -> None:
        self._users, self._clock = users, clock

    async def __call__(self, token: str, run_id: UUID) -> UUID:
        try:
            key_hex, expires_text, signature = token.split(".")
            key_id, expires = UUID(hex=key_hex), int(expires_text)
        except ValueError:
            raise UnauthorizedError("the stream token is malformed") from None
        if expires < self._clock.now().timestamp():
            raise UnauthorizedError("the stream token has expired; fetch the run again for a fresh stream_url")
        key = await self._users.get_key(key_id)
        if key is None or key.revoked_at is not None:
            raise UnauthorizedError("the stream token's API key is unknown or revoked")
        if not hmac.compare_digest(signature, _signature(key, run_id, expires)):
            raise UnauthorizedError("the stream token is not valid for this run")
        return key.user_id
