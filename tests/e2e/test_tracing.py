"""Optional OpenTelemetry tracing: a real `cvchat serve` exporting OTLP/HTTP to a collector on loopback that decodes
the protobuf it receives."""

from __future__ import annotations

import asyncio
import gzip
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from httpx_sse import aconnect_sse
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from cvchat.infrastructure.settings import Settings
from cvchat.infrastructure.tracing import build_tracing
from tests.support.processes import serving

pytestmark = pytest.mark.anyio


class Collector:
    """An OTLP/HTTP trace receiver: every export request, decoded."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        collector = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.headers.get("Content-Encoding") == "gzip":
                    body = gzip.decompress(body)
                assert self.path == "/v1/traces", self.path
                collector.requests.append(ExportTraceServiceRequest.FromString(body))
                reply = ExportTraceServiceResponse().SerializeToString()
                self.send_response(200)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def spans(self) -> list[tuple[str, dict[str, str], str]]:
        """(span name, attributes as text, service name) of every span received."""
        found = []
        for request in self.requests:
            for resource_spans in request.resource_spans:
                service = next(
                    a.value.string_value for a in resource_spans.resource.attributes if a.key == "service.name"
                )
                for scope_spans in resource_spans.scope_spans:
                    for span in scope_spans.spans:
                        attributes = {a.key: str(a.value).strip() for a in span.attributes}
                        found.append((span.name, attributes, service))
        return found


@pytest.fixture
def collector() -> Iterator[Collector]:
    c = Collector()
    thread = threading.Thread(target=c.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield c
    finally:
        c.server.shutdown()
        c.server.server_close()


async def test_requests_are_traced_by_route_without_secrets(
    database_url: str, tmp_path: Path, collector: Collector
) -> None:
    settings = {
        "otel_exporter_otlp_endpoint": collector.url,
        "otel_service_name": "cvchat-under-test",
        "otel_bsp_schedule_delay": 100,  # the SDK's own variable: export every 100 ms
        "fake_llm_tokens": 3,
        "fake_llm_delay_ms": 5,
    }
    async with (
        serving(database_url, tmp_path, "serve", settings, migrate=True) as proc,
        httpx.AsyncClient(base_url=proc.base_url, timeout=20) as http,
    ):
        user = (await http.post("/api/users", json={"name": "tracy"})).json()
        auth = {"Authorization": f"Bearer {user['api_key']}"}
        assert (await http.get("/api/users/me", headers=auth)).status_code == 200
        thread = (await http.post("/api/threads", json={}, headers=auth)).json()["thread_id"]
        posted = (await http.post(f"/api/threads/{thread}/messages", json={"content": "Go?"}, headers=auth)).json()
        async with aconnect_sse(http, "GET", posted["stream_url"]) as source:
            assert [sse async for sse in source.aiter_sse()][-1].event == "done"
        async with asyncio.timeout(15):
            while not any(name.startswith("POST /api/threads/") for name, _, _ in collector.spans()):
                await asyncio.sleep(0.1)

    spans = collector.spans()
    names = {name for name, _, _ in spans}
    assert {"POST /api/users", "GET /api/users/me", "POST /api/threads"} <= names, names
    assert any(n.startswith("POST /api/threads/{thread_id") and n.endswith("/messages") for n in names), names
    assert {service for _, _, service in spans} == {"cvchat-under-test"}
    me = next(attributes for name, attributes, _ in spans if name == "GET /api/users/me")
    assert "200" in me.get("http.status_code", me.get("http.response.status_code", ""))
    # The event stream is not traced, and nothing secret is in any span.
    assert not [n for n in names if "/events" in n and "page" not in n]
    token = posted["stream_url"].split("token=")[1]
    everything = repr(spans)
    assert user["api_key"] not in everything
    assert token not in everything and token.split(".")[-1] not in everything


def test_tracing_is_built_only_when_an_endpoint_is_set() -> None:
    assert build_tracing(Settings()) == (None, None)
    middleware, provider = build_tracing(Settings(otel_exporter_otlp_endpoint="http://127.0.0.1:4318/"))
    try:
        assert middleware is not None and provider is not None
    finally:
        provider.shutdown()
