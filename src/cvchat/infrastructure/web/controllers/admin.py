"""Admin routes (ADMIN_TOKEN): users, their keys, revoking any key, deleting a user, pruning old events."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, delete, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody, PathParameter
from litestar.status_codes import HTTP_200_OK
from sqlalchemy.ext.asyncio import AsyncSession

from cvchat.application.retention import PruneRunEvents, PruneRunEventsInput
from cvchat.application.users import DeleteUser, ListApiKeys, ListUsers, RevokeApiKey, RevokeApiKeyInput
from cvchat.domain.errors import InvalidInputError
from cvchat.infrastructure.events.memory import InProcessEventBus
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.web.auth import BEARER_ONLY, provide_admin
from cvchat.infrastructure.web.controllers.users import Cursor, KeyId, Limit, announce_user_deleted
from cvchat.infrastructure.web.deps import (
    provide_delete_user,
    provide_event_bus,
    provide_list_api_keys,
    provide_list_users,
    provide_prune_run_events,
    provide_revoke_api_key,
    provide_runs_repo,
    provide_runtime,
    provide_users_repo,
)
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.schemas import ApiKeyPage, ApiKeyRead, PruneRequest, PruneResult, UserPage

UserId = Annotated[UUID, PathParameter(title="User id", description="The id of a user.")]


class AdminController(Controller):
    path = "/api/admin"
    tags = ["Admin"]
    security = BEARER_ONLY
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "admin": Provide(provide_admin),
        "event_bus": Provide(provide_event_bus, sync_to_thread=False),
        "users_repo": Provide(provide_users_repo),
        "runs_repo": Provide(provide_runs_repo),
        "list_users": Provide(provide_list_users, sync_to_thread=False),
        "list_api_keys": Provide(provide_list_api_keys, sync_to_thread=False),
        "revoke_api_key": Provide(provide_revoke_api_key, sync_to_thread=False),
        "delete_user": Provide(provide_delete_user, sync_to_thread=False),
        "prune_run_events": Provide(provide_prune_run_events, sync_to_thread=False),
    }

    @get("/users", operation_id="ListUsers", summary="List users (admin)", responses=problem_responses(401, 403))
    async def list_users(
        self,
        admin: NamedDependency[None],
        list_users: NamedDependency[ListUsers],
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> UserPage:
        """Every user, newest first."""
        return UserPage.from_domain(await list_users(cursor, limit))

    @get(
        "/users/{user_id:uuid}/keys",
        operation_id="ListUserApiKeys",
        summary="List a user's API keys (admin)",
        responses=problem_responses(401, 403, 404),
    )
    async def list_keys(
        self,
        user_id: UserId,
        admin: NamedDependency[None],
        list_api_keys: NamedDependency[ListApiKeys],
        cursor: Cursor = None,
        limit: Limit = 20,
    ) -> ApiKeyPage:
        """The user's keys, revoked ones included, newest first; never their secrets."""
        return ApiKeyPage.from_domain(await list_api_keys(user_id, cursor, limit))

    @delete(
        "/keys/{key_id:uuid}",
        operation_id="AdminRevokeApiKey",
        summary="Revoke any API key (admin)",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 404),
    )
    async def revoke_key(
        self,
        key_id: KeyId,
        admin: NamedDependency[None],
        revoke_api_key: NamedDependency[RevokeApiKey],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
    ) -> ApiKeyRead:
        """Revoke the key at once, even a user's last one (that locks the account); its open streams end."""
        result = await revoke_api_key(RevokeApiKeyInput(key_id=key_id, owner_id=None))
        await db_session.commit()
        await event_bus.announce_key_revoked(result.key.id)
        return ApiKeyRead.from_domain(result.key)

    @delete(
        "/users/{user_id:uuid}",
        operation_id="DeleteUser",
        summary="Delete a user (admin)",
        responses=problem_responses(401, 403, 404),
    )
    async def delete_user(
        self,
        user_id: UserId,
        admin: NamedDependency[None],
        delete_user: NamedDependency[DeleteUser],
        db_session: NamedDependency[AsyncSession],
        event_bus: NamedDependency[InProcessEventBus],
    ) -> None:
        """Delete the user with everything it owns; active runs are stopped and open streams end."""
        result = await delete_user(user_id)
        await db_session.commit()
        await announce_user_deleted(result, event_bus)

    @post(
        "/prune-events",
        operation_id="PruneRunEvents",
        summary="Prune old runs' events (admin)",
        status_code=HTTP_200_OK,
        responses=problem_responses(401, 403, 422),
    )
    async def prune(
        self,
        data: JSONBody[PruneRequest],
        admin: NamedDependency[None],
        runtime: NamedDependency[Runtime],
        prune_run_events: NamedDependency[PruneRunEvents],
    ) -> PruneResult:
        """Delete the events of runs that finished more than `older_than_days` (else EVENT_RETENTION_DAYS) days ago.

        The runs keep their status, usage and messages; reading their events answers 410 afterwards.
        """
        days = data.older_than_days if data.older_than_days is not None else runtime.settings.event_retention_days
        if days is None:
            raise InvalidInputError("give older_than_days, or set EVENT_RETENTION_DAYS; the log is kept forever")
        result = await prune_run_events(PruneRunEventsInput(older_than_days=days))
        return PruneResult(cutoff=result.cutoff, runs=result.runs, events=result.events)
