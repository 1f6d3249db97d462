"""Optional OpenTelemetry tracing: on when OTEL_EXPORTER_OTLP_ENDPOINT is set, off (and not even imported) otherwise.

Each Granian worker exports its spans over OTLP/HTTP (`<endpoint>/v1/traces`) in batches; the standard OTEL_* variables
of the SDK (OTEL_BSP_SCHEDULE_DELAY, OTEL_RESOURCE_ATTRIBUTES, …) apply. Spans come from Litestar's OpenTelemetry
middleware, one per request, named by route template (RouteSpanName). The event streams are not traced: they last
minutes and their URL carries the stream token. The `otel` extra installs what this needs (`pip install -e '.[otel]'`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

from cvchat.infrastructure.settings import Settings

if TYPE_CHECKING:
    from litestar.middleware.base import DefineMiddleware

_UNTRACED = [r"^/api/runs/[^/]+/events$", "^/health$", "^/ready$", "^/metrics$"]


def build_tracing(settings: Settings) -> tuple[DefineMiddleware | None, Any]:
    """The tracing middleware and the tracer provider (to flush at shutdown), or (None, None) when tracing is off."""
    if not settings.otel_exporter_otlp_endpoint:
        return None, None
    try:
        from litestar.plugins.opentelemetry import OpenTelemetryConfig
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import SERVICE_NAME, Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as exc:
        raise SystemExit(
            "invalid setting: OTEL_EXPORTER_OTLP_ENDPOINT is set but OpenTelemetry is not installed "
            f"({exc.name}); install the extra: pip install -e '.[otel]'"
        ) from None
    endpoint = settings.otel_exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: settings.otel_service_name}))
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    config = OpenTelemetryConfig(tracer_provider=provider, exclude=_UNTRACED, exclude_spans=["receive", "send"])
    return config.middleware, provider


class RouteSpanName(ASGIMiddleware):
    """On the routes, after routing: names the request's span by its route template (`GET /api/runs/{run_id}`), so
    ids do not make every span name unique. Litestar runs its OpenTelemetry middleware before routing, where only the
    path is known."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        from opentelemetry import trace

        template = scope.get("path_template")
        span = trace.get_current_span()
        if template and span.is_recording():
            span.update_name(f"{scope.get('method', '')} {template}".strip())
            span.set_attribute("http.route", template)
        await next_app(scope, receive, send)
