"""Liveness, readiness, and the OpenAPI document's second address."""

from __future__ import annotations

from litestar import Controller, Request, get
from litestar.di import NamedDependency, Provide
from litestar.response import Redirect, Response
from litestar.serialization import encode_json

from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.web.deps import provide_runtime
from cvchat.infrastructure.web.schemas import Health, Readiness


class SystemController(Controller):
    path = "/"
    tags = ["System"]
    dependencies = {"runtime": Provide(provide_runtime, sync_to_thread=False)}

    @get("/health", operation_id="Health", summary="Liveness")
    async def health(self) -> Health:
        """The process answers."""
        return Health(status="ok")

    @get("/ready", operation_id="Ready", summary="Readiness")
    async def ready(self, runtime: NamedDependency[Runtime]) -> Response[Readiness]:
        """The database is reachable, its schema is at head, and the executor is running."""
        database = await runtime.database_ok()
        schema_problem = await runtime.check_schema() if database else "the database is unreachable"
        executor = runtime.executor.is_running
        ok = database and schema_problem is None and executor
        body = Readiness(
            status="ok" if ok else "unavailable",
            database=database,
            schema_at_head=database and schema_problem is None,
            executor=executor,
            detail=schema_problem if schema_problem else (None if executor else "the run executor is not running"),
        )
        return Response(body, status_code=200 if ok else 503)

    @get("/openapi.json", operation_id="OpenApiDocument", include_in_schema=False)
    async def openapi(self, request: Request) -> Response[bytes]:
        """The same document as /schema/openapi.json."""
        schema = request.app.openapi_schema.to_schema()

        return Response(encode_json(schema), media_type="application/vnd.oai.openapi+json")

    @get("/docs", operation_id="Docs", include_in_schema=False)
    async def docs(self) -> Redirect:
        """Interactive API documentation."""
        return Redirect("/schema/swagger")
