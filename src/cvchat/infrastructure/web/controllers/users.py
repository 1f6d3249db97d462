"""Sign-up, who-am-I, the caller's API keys, and deleting one's account."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Request, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.users import (
    CreateApiKey,
    CreateApiKeyInput,
    CreateUser,
    CreateUserInput,
    DeleteUser,
    DeleteUserResult,
    ListApiKeys,
    Principal,
    RevokeApiKey,
    RevokeApiKeyInput,
)
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.web.auth import BEARER_ONLY, provide_principal
from cvchat.infrastructure.web.deps import (
    provide_create_api_key,
    provide_create_user,
    provide_delete_user,
    provide_event_bus,
    provide_list_api_keys,
    provide_revoke_api_key,
    provide_runs_repo,
    provide_runtime,
    provide_users_repo,
)
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.limits import Limits
from cvchat.infrastructure.web.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPage,
    ApiKeyRead,
    UserCreate,
    UserCreated,
    UserRead,
)

KeyId = Annotated[UUID, PathParameter(title="Key id", description="The id of an API key.")]
Cursor = Annotated[
    UUID | None, QueryParameter(description="`next_cursor` of the previous page; omit for the first page.")
]
Limit = Annotated[int, QueryParameter(ge=1, le=100, description="Page size.")]
_AUTHENTICATED = {"principal": Provide(provide_principal)}


async def announce_user_deleted(result: DeleteUserResult, event_bus: InProcessEventBus) -> None:
    """After the commit: stop the user's active runs and end the streams opened with any of their keys."""
    for run_id in result.active_run_ids:
        await event_bus.request_cancel(run_id)
    for key_id in result.key_ids:
        await event_bus.announce_key_revoked(key_id)


class UserController(Controller):
    path = "/api/users"
    tags = ["Users"]
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "event_bus": Provide(provide_event_bus, sync_to_thread=False),
        "users_repo": Provide(provide_users_repo),
        "runs_repo": Provide(provide_runs_repo),
        "create_user": Provide(provide_create_user, sync_to_thread=False),
        "create_api_key": Provide(provide_create_api_key, sync_to_thread=False),
        "list_api_keys": Provide(provide_list_api_keys, sync_to_thread=False),
        "revoke_api_key": Provide(provide_revoke_api_key, sync_to_thread=False),
        "delete_user": Provide(provide_delete_user, sync_to_thread=False),
    }

    @post(operation_id="CreateUser", summary="Sign up", security=[], responses=problem_responses(409, 429))
    async def create(
        self,
        request: Request,
        data: JSONBody[UserCreate],
        create_user: NamedDependency[CreateUser],
        limits: NamedDependency[Limits],
    ) -> UserCreated:
        """Create a user; the answer holds the API key, shown this once (only its hash is stored).

        Sign-ups are limited per client address (RATE_LIMIT_SIGNUPS_PER_HOUR).
        """
        await limits.check_signup(request)
        result = await create_user(CreateUserInput(name=data.name.strip()))
        user = result.user
        return UserCreated(user_id=user.id, name=user.name, api_key=result.api_key, created_at=user.created_at)

    @get(
        "/me",
        operation_id="GetCurrentUser",
        summary="Who am I",
        security=BEARER_ONLY,
        dependencies=_AUTHENTICATED,
        responses=problem_responses(401),
    )
    async def me(self, principal: NamedDependency[Principal]) -> UserRead:
        """The user the API key belongs to."""
        return UserRead.from_domain(principal.user)

    @delete(
        "/me",
        operation_id="DeleteCurrentUser",
        summary="Delete your account",
        security=BEARER_ONLY,
        dependencies=_AUTHENTICATED,
        responses=problem_responses(401),
    )
    async def delete_me(
        self,
        principal: NamedDependency[Principal],
        delete_user: NamedDependency[DeleteUser],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
    ) -> None:
        """Delete your user with everything it owns: keys, threads, messages, runs and their events.

        Active runs are stopped and open streams end; every key stops working at once. This cannot be undone.
        """
        result = await delete_user(principal.user.id)
        await db_session.commit()
        await announce_user_deleted(result, event_bus)

    @post(
        "/me/keys",
        operation_id="CreateApiKey",
        summary="Create an API key",
        status_code=HTTP_201_CREATED,
        security=BEARER_ONLY,
        dependencies=_AUTHENTICATED,
        responses=problem_responses(401, 409),
    )
    async def create_key(
        self,
        data: JSONBody[ApiKeyCreate],
        principal: NamedDependency[Principal],
        create_api_key: NamedDependency[CreateApiKey],
    ) -> ApiKeyCreated:
        """Another key for your user; the answer holds its secret, shown this once. 409 at the active-key limit."""
        name = data.name.strip() if data.name is not None else None
        result = await create_api_key(CreateApiKeyInput(user_id=principal.user.id, name=name))
        return ApiKeyCreated(**msgspec.structs.asdict(ApiKeyRead.from_domain(result.key)), api_key=result.secret)

    @get(
        "/me/keys",
        operation_id="ListApiKeys",
        summary="List your API keys",
        security=BEARER_ONLY,
        dependencies=_AUTHENTICATED,
        responses=problem_responses(401),
    )
    async def list_keys(
        self,
        principal: NamedDependency[Principal],
        list_api_keys: NamedDependency[ListApiKeys],
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ApiKeyPage:
        """Your keys, revoked ones included, newest first; never their secrets."""
        return ApiKeyPage.from_domain(await list_api_keys(principal.user.id, cursor, limit))

    @delete(
        "/me/keys/{key_id:uuid}",
        operation_id="RevokeApiKey",
        summary="Revoke one of your API keys",
        status_code=HTTP_200_OK,
        security=BEARER_ONLY,
        dependencies=_AUTHENTICATED,
        responses=problem_responses(401, 404, 409),
    )
    async def revoke_key(
        self,
        key_id: KeyId,
        principal: NamedDependency[Principal],
        revoke_api_key: NamedDependency[RevokeApiKey],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
    ) -> ApiKeyRead:
        """Revoke the key at once: its requests answer 401 and the streams opened with it end. Idempotent.

        409 (`last_active_key`) for your last active key: create another one first.
        """
        result = await revoke_api_key(RevokeApiKeyInput(key_id=key_id, owner_id=principal.user.id))
        await db_session.commit()
        # Announced again on a repeat too: harmless, and it covers an announcement lost the first time.
        await event_bus.announce_key_revoked(result.key.id)
        return ApiKeyRead.from_domain(result.key)
