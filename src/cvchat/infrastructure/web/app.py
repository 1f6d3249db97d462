"""The Litestar app factory: the one place where concrete classes meet."""

from __future__ import annotations

import asyncio
import contextvars
import gc
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from advanced_alchemy.extensions.litestar import SQLAlchemyInitPlugin, SQLAlchemySerializationPlugin
from litestar import Litestar, Response
from litestar.config.app import AppConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import CacheControlHeader
from litestar.di import Provide
from litestar.logging.config import StructLoggingConfig, default_structlog_processors
from litestar.middleware.logging import LoggingMiddlewareConfig
from litestar.openapi.config import OpenAPIConfig
from litestar.openapi.plugins import ScalarRenderPlugin, SwaggerRenderPlugin
from litestar.openapi.spec import Components
from litestar.plugins import InitPluginProtocol
from litestar.plugins.problem_details import ProblemDetailsPlugin
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.plugins.structlog import StructlogConfig, StructlogPlugin
from litestar.static_files import create_static_files_router
from litestar_granian import GranianPlugin

from cvchat.infrastructure.db.config import build_alchemy_config
from cvchat.infrastructure.runtime import Runtime
from cvchat.infrastructure.settings import Settings
from cvchat.infrastructure.tracing import RouteSpanName, build_tracing
from cvchat.infrastructure.web.auth import SECURITY_SCHEMES
from cvchat.infrastructure.web.controllers.admin import AdminController
from cvchat.infrastructure.web.controllers.cvs import CvController
from cvchat.infrastructure.web.controllers.runs import RunController
from cvchat.infrastructure.web.controllers.system import SystemController
from cvchat.infrastructure.web.controllers.threads import ThreadController
from cvchat.infrastructure.web.controllers.users import UserController
from cvchat.infrastructure.web.errors import build_problem_details_config
from cvchat.infrastructure.web.limits import Limits, add_rate_limit_headers
from cvchat.infrastructure.web.observability import RequestIdMiddleware, merge_request_context
from cvchat.infrastructure.web.redaction import with_redaction

STATIC_DIR = Path(__file__).parent / "static"

# Streams and probes are not logged per request (an SSE response would log a line per chunk).
_UNLOGGED_PATHS = [r"^/api/runs/[^/]+/events$", "^/health$", "^/ready$"]


class RuntimePlugin(InitPluginProtocol):
    """Starts the runtime (bus, executor) after the database plugin and stops it before the engine is disposed."""

    def __init__(self, runtime_factory: Runtime, *, drain_on_sigterm: bool = False, freeze_gc: bool = False) -> None:
        self._runtime = runtime_factory
        self._drain_on_sigterm = drain_on_sigterm
        self._freeze_gc = freeze_gc

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        runtime = self._runtime

        @asynccontextmanager
        async def lifespan(app: Litestar) -> AsyncIterator[None]:
            app.state.runtime = runtime
            await runtime.start()
            if self._drain_on_sigterm:
                _drain_on_sigterm(runtime)
            if self._freeze_gc:
                _freeze_startup_objects()
            try:
                yield
            finally:
                await runtime.stop()

        app_config.lifespan.append(lifespan)
        return app_config


def _freeze_startup_objects() -> None:
    """Leave what start-up made (the app, its routes and schemas, SQLAlchemy's metadata, the providers: some 300,000
    objects) out of the cyclic garbage collector's scans.

    Without this, a full collection walks all of them, and under load one took 0.34 s: every run and stream of the
    worker stalled behind it. Frozen objects are still freed by reference counting; only cycles among them are not
    collected, which start-up objects never become. Collected once first, so no start-up garbage is kept."""
    gc.collect()
    gc.freeze()


def _drain_on_sigterm(runtime: Runtime) -> None:
    """Start the drain when the worker gets SIGTERM, then let whatever handled SIGTERM before (Granian) go on."""
    loop = asyncio.get_running_loop()
    previous = signal.getsignal(signal.SIGTERM)

    def handler(signum: int, frame: Any) -> None:
        # A fresh context: the signal may interrupt a request, whose ids must not mark the drain's log lines.
        loop.call_soon_threadsafe(runtime.begin_drain, context=contextvars.Context())
        if callable(previous):
            previous(signum, frame)

    signal.signal(signal.SIGTERM, handler)


# The page keeps the API key in localStorage: only its own scripts may run, and it may not be framed.
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self' blob:; frame-src blob:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def _page_headers(response: Response[Any]) -> Response[Any]:
    response.headers.update(_PAGE_HEADERS)
    return response


def build_log_config(settings: Settings) -> StructlogConfig:
    return StructlogConfig(
        structlog_logging_config=with_redaction(
            StructLoggingConfig(
                log_exceptions="debug", processors=[merge_request_context, *default_structlog_processors()]
            )
        ),
        middleware_logging_config=LoggingMiddlewareConfig(
            exclude=_UNLOGGED_PATHS,
            request_log_fields=["method", "path", "path_params", "query"],
            response_log_fields=["status_code"],
        ),
    )


class MetricsController(PrometheusController):
    """Prometheus metrics in the text format: HTTP by route, runs, events, streams, provider errors, search."""

    path = "/metrics"
    include_in_schema = False


def build_prometheus_config() -> PrometheusConfig:
    """HTTP latency by route template; event streams (open for minutes) and the scrape itself are left out."""
    return PrometheusConfig(
        app_name="cvchat",
        prefix="cvchat_http",
        group_path=True,
        exclude=[*_UNLOGGED_PATHS, "^/metrics$"],
    )


def build_cors_config(settings: Settings) -> CORSConfig | None:
    """CORS for browser clients on other origins (CORS_ALLOW_ORIGINS); none by default: `/` is same-origin."""
    origins = [o.strip() for o in settings.cors_allow_origins.split(",") if o.strip()]
    if not origins:
        return None
    return CORSConfig(
        allow_origins=origins,
        allow_methods=["GET", "POST", "DELETE", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type", "Idempotency-Key", "Last-Event-ID"],
        expose_headers=[
            "Retry-After",
            "Idempotent-Replayed",
            "RateLimit-Limit",
            "RateLimit-Remaining",
            "RateLimit-Reset",
            "RateLimit-Policy",
        ],
        max_age=600,
    )


def create_served_app() -> Litestar:
    """The app `cvchat serve` runs in each Granian worker: settings from the environment, drain on SIGTERM."""
    return create_app(drain_on_sigterm=True, freeze_gc=True)


def create_app(
    settings: Settings | None = None, *, drain_on_sigterm: bool = False, freeze_gc: bool = False
) -> Litestar:
    """Build the app; with no settings, read them from the environment."""
    settings = settings or Settings.from_env()
    alchemy = build_alchemy_config(settings)  # the engine is built here, never at import time
    runtime = Runtime(settings, alchemy)
    limits = Limits.build(settings, runtime.writer_engine)
    tracing, tracer_provider = build_tracing(settings)
    return Litestar(
        route_handlers=[
            SystemController,
            UserController,
            ThreadController,
            RunController,
            CvController,
            AdminController,
            MetricsController,
            # The chat page at `/`: static files, no build step (revalidated on each load, so an upgrade shows at once).
            create_static_files_router(
                path="/",
                directories=[STATIC_DIR],
                html_mode=True,
                name="ui",
                cache_control=CacheControlHeader(no_cache=True),
                after_request=_page_headers,
            ),
        ],
        plugins=[
            StructlogPlugin(build_log_config(settings)),
            SQLAlchemyInitPlugin(alchemy),
            SQLAlchemySerializationPlugin(),
            RuntimePlugin(
                runtime, drain_on_sigterm=drain_on_sigterm, freeze_gc=freeze_gc
            ),  # after the DB plugin: starts after, stops before
            ProblemDetailsPlugin(build_problem_details_config()),
            GranianPlugin(),
        ],
        openapi_config=OpenAPIConfig(
            title="cvchat",
            version="0.1.0",
            description="Chat with an assistant about a corpus of CVs: threads, background runs, resumable SSE.",
            path="/schema",
            components=Components(security_schemes=SECURITY_SCHEMES),
            render_plugins=[SwaggerRenderPlugin(), ScalarRenderPlugin()],
        ),
        dependencies={"limits": Provide(lambda: limits, sync_to_thread=False)},
        middleware=[
            *([tracing, RouteSpanName()] if tracing is not None else []),
            RequestIdMiddleware(),
            build_prometheus_config().middleware,
        ],
        on_shutdown=[tracer_provider.shutdown] if tracer_provider is not None else [],  # flush the last spans
        before_send=[add_rate_limit_headers],
        cors_config=build_cors_config(settings),
        request_max_body_size=settings.max_body_bytes,
        debug=False,
    )
