"""Prometheus metrics: the run executor's (through the RunMetrics port), search, open streams; HTTP latency by route
comes from Litestar's Prometheus middleware (`litestar_request_duration_seconds`). Served at `/metrics`.

The metrics are process globals, as prometheus_client intends. With several Granian workers, `cvchat serve` points
PROMETHEUS_MULTIPROC_DIR at a fresh directory before the workers start, so that a scrape of any worker reports the
sum over all of them (gauges say how they combine).
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

from cvchat.domain.entities import RunStatus

_LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)

RUNS_FINISHED = Counter("cvchat_runs_finished", "Runs that ended, by terminal status.", ["status"])
RUN_DURATION = Histogram(
    "cvchat_run_duration_seconds", "From claim to terminal write, by status.", ["status"], buckets=_LATENCY_BUCKETS
)
FIRST_TOKEN = Histogram(
    "cvchat_run_first_token_seconds",
    "From the message being posted to the run's first token written.",
    buckets=_LATENCY_BUCKETS,
)
QUEUE_WAIT = Histogram(
    "cvchat_run_queue_wait_seconds", "From the message being posted to the run being claimed.", buckets=_LATENCY_BUCKETS
)
EVENTS_WRITTEN = Counter(
    "cvchat_events_written",
    "Run events written by runs' batches (`queued` is written with the message, `running` with the claim).",
)
EVENT_FLUSHES = Counter("cvchat_event_flushes", "Event batches written (one INSERT each).")
PROVIDER_ERRORS = Counter(
    "cvchat_provider_errors", "Runs that failed on the LLM provider, by code.", ["provider", "code"]
)
RUNS_ACTIVE = Gauge("cvchat_runs_active", "Runs executing now.", multiprocess_mode="livesum")
RUNS_QUEUED = Gauge(
    "cvchat_runs_queued", "Runs waiting to be claimed (sampled by each worker).", multiprocess_mode="livemax"
)
SSE_STREAMS = Gauge("cvchat_sse_streams_open", "Event streams open now.", multiprocess_mode="livesum")
SEARCH_LATENCY = Histogram(
    "cvchat_search_seconds",
    "Hybrid CV search, from question to ranked CVs.",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1),
)


class PrometheusRunMetrics:
    """The RunMetrics port, exported to Prometheus."""

    def __init__(self, provider: str) -> None:
        self._provider = provider

    def run_started(self, queued_s: float) -> None:
        QUEUE_WAIT.observe(max(0.0, queued_s))

    def run_finished(self, status: RunStatus, duration_s: float, first_token_s: float | None) -> None:
        RUNS_FINISHED.labels(status=str(status)).inc()
        RUN_DURATION.labels(status=str(status)).observe(duration_s)
        if first_token_s is not None:
            FIRST_TOKEN.observe(first_token_s)

    def events_written(self, events: int) -> None:
        EVENTS_WRITTEN.inc(events)
        EVENT_FLUSHES.inc()

    def provider_error(self, code: str) -> None:
        PROVIDER_ERRORS.labels(provider=self._provider, code=code).inc()

    def runs_active(self, count: int) -> None:
        RUNS_ACTIVE.set(count)

    def runs_queued(self, count: int) -> None:
        RUNS_QUEUED.set(count)
