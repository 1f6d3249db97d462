"""Sign-up and who-am-I."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.di import NamedDependency, Provide
from litestar.params import JSONBody

from cvchat.application.users import CreateUser, CreateUserInput, Principal
from cvchat.infrastructure.web.auth import BEARER_ONLY, provide_principal
from cvchat.infrastructure.web.deps import provide_create_user, provide_runtime, provide_users_repo
from cvchat.infrastructure.web.errors import problem_responses
from cvchat.infrastructure.web.schemas import UserCreate, UserCreated, UserRead


class UserController(Controller):
    path = "/api/users"
    tags = ["Users"]
    dependencies = {
        "runtime": Provide(provide_runtime, sync_to_thread=False),
        "users_repo": Provide(provide_users_repo),
        "create_user": Provide(provide_create_user, sync_to_thread=False),
    }

    @post(operation_id="CreateUser", summary="Sign up", security=[], responses=problem_responses(409))
    async def create(self, data: JSONBody[UserCreate], create_user: NamedDependency[CreateUser]) -> UserCreated:
        """Create a user; the answer holds the API key, shown this once (only its hash is stored)."""
        result = await create_user(CreateUserInput(name=data.name.strip()))
        user = result.user
        return UserCreated(user_id=user.id, name=user.name, api_key=result.api_key, created_at=user.created_at)

    @get(
        "/me",
        operation_id="GetCurrentUser",
        summary="Who am I",
        security=BEARER_ONLY,
        dependencies={"principal": Provide(provide_principal)},
        responses=problem_responses(401),
    )
    async def me(self, principal: NamedDependency[Principal]) -> UserRead:
        """The user the API key belongs to."""
        return UserRead.from_domain(principal.user)
