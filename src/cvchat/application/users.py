"""Use cases for users and credentials: sign-up, API keys (create, list, revoke), authentication, per-run stream
tokens, and deleting a user with everything they own."""

from __future__ import annotations

import base64
import hashlib
import hmac
import math
import secrets
from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from cvchat.application.common import new_id
from cvchat.domain.entities import ApiKey, Page, User
from cvchat.domain.errors import LastActiveKeyError, NotFoundError, TooManyKeysError, UnauthorizedError
from cvchat.domain.ports import Clock, RunRepository, UserRepository

API_KEY_PREFIX = "cvk_"
MAX_ACTIVE_KEYS = 20
"""Active keys per user: enough for every app and machine, few enough that a leaked one is found in a list."""


def hash_api_key(secret: str) -> str:
    """API keys carry 256 random bits, so a plain SHA-256 is a safe, constant-time-lookup hash."""
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_key(user_id: UUID, now: datetime, name: str | None = None) -> tuple[ApiKey, str]:
    """A fresh key (256 random bits) and its secret; only the key, holding the secret's hash, is ever stored."""
    secret = API_KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        id=new_id(), user_id=user_id, key_hash=hash_api_key(secret), prefix=secret[:8], created_at=now, name=name
    )
    return key, secret


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
        key, secret = new_api_key(user.id, now)
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

    async def __call__(self, token: str, run_id: UUID) -> ApiKey:
        """The key the token was issued with (its `user_id` is the caller)."""
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
        return key


class CreateApiKeyInput(msgspec.Struct, frozen=True, kw_only=True):
    user_id: UUID
    name: str | None = None


class CreateApiKeyResult(msgspec.Struct, frozen=True, kw_only=True):
    key: ApiKey
    secret: str


class CreateApiKey:
    """Give a user another API key.

    Rules: the secret is returned once and only its hash is stored; a user has at most MAX_ACTIVE_KEYS active keys
    (revoke one to make room).
    """

    def __init__(self, users: UserRepository, clock: Clock, max_active: int = MAX_ACTIVE_KEYS) -> None:
        self._users, self._clock, self._max_active = users, clock, max_active

    async def __call__(self, cmd: CreateApiKeyInput) -> CreateApiKeyResult:
        if await self._users.lock(cmd.user_id) is None:
            raise NotFoundError(f"user {cmd.user_id} not found")
        if await self._users.count_active_keys(cmd.user_id) >= self._max_active:
            raise TooManyKeysError(f"you already have {self._max_active} active keys; revoke one first")
        key, secret = new_api_key(cmd.user_id, self._clock.now(), cmd.name)
        await self._users.add_key(key)
        return CreateApiKeyResult(key=key, secret=secret)


class ListApiKeys:
    """A user's keys, revoked ones included, newest first. Secrets are never stored, so never listed."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, user_id: UUID, cursor: UUID | None, limit: int) -> Page[ApiKey]:
        if await self._users.get(user_id) is None:
            raise NotFoundError(f"user {user_id} not found")
        return await self._users.list_keys(user_id, cursor, limit)


class RevokeApiKeyInput(msgspec.Struct, frozen=True, kw_only=True):
    key_id: UUID
    owner_id: UUID | None
    """The caller when a user revokes one of their keys; None when an admin revokes any key."""


class RevokeApiKeyResult(msgspec.Struct, frozen=True, kw_only=True):
    key: ApiKey
    revoked_now: bool
    """False when the key was already revoked (nothing changed)."""


class RevokeApiKey:
    """Revoke a key: every later request with it, or with a stream token issued through it, answers 401.

    Rules:
    - a user revokes only their own keys (someone else's key does not exist); an admin revokes any key;
    - revoking is idempotent: a revoked key is answered as it is, with its first `revoked_at`;
    - a user cannot revoke their last active key (409 `last_active_key`): keys are created with a key, so they
      would be locked out for good; an admin can, which is how a compromised account is shut;
    - the caller announces the revocation after the commit, so that streams opened with the key end at once.
    """

    def __init__(self, users: UserRepository, clock: Clock) -> None:
        self._users, self._clock = users, clock

    async def __call__(self, cmd: RevokeApiKeyInput) -> RevokeApiKeyResult:
        key = await self._users.get_key(cmd.key_id)
        if key is None or (cmd.owner_id is not None and key.user_id != cmd.owner_id):
            raise NotFoundError(f"key {cmd.key_id} not found")
        if key.revoked_at is not None:
            return RevokeApiKeyResult(key=key, revoked_now=False)
        await self._users.lock(key.user_id)  # two revokes of a user's last two keys cannot both pass the check
        current = await self._users.get_key(cmd.key_id)
        if current is None or current.revoked_at is not None:
            return RevokeApiKeyResult(key=current or key, revoked_now=False)
        if cmd.owner_id is not None and await self._users.count_active_keys(key.user_id) <= 1:
            raise LastActiveKeyError("this is your last active key; create another one before revoking it")
        now = self._clock.now()
        await self._users.revoke_key(key.id, now)
        return RevokeApiKeyResult(key=msgspec.structs.replace(current, revoked_at=now), revoked_now=True)


class ListUsers:
    """Every user, newest first (admin)."""

    def __init__(self, users: UserRepository) -> None:
        self._users = users

    async def __call__(self, cursor: UUID | None, limit: int) -> Page[User]:
        return await self._users.list_users(cursor, limit)


class DeleteUserResult(msgspec.Struct, frozen=True, kw_only=True):
    active_run_ids: list[UUID]
    """Runs that were queued or running: the caller tells their executors to stop, after the commit."""
    key_ids: list[UUID]
    """Every key the user had: the caller announces them revoked, so open streams end."""


class DeleteUser:
    """Delete a user and everything they own: keys, threads, messages, runs and their events.

    Rules: one statement removes it all (foreign keys cascade), so nothing is left half-deleted; a run still active
    cannot write afterwards (its executor's writes are fenced on the run's row, which is gone), and it is told to
    stop after the commit so that it stops spending tokens at once.
    """

    def __init__(self, users: UserRepository, runs: RunRepository) -> None:
        self._users, self._runs = users, runs

    async def __call__(self, user_id: UUID) -> DeleteUserResult:
        if await self._users.lock(user_id) is None:
            raise NotFoundError(f"user {user_id} not found")
        active = [run.id for run in await self._runs.active_for_user(user_id)]
        key_ids = await self._users.key_ids(user_id)
        await self._users.delete(user_id)
        return DeleteUserResult(active_run_ids=active, key_ids=key_ids)
