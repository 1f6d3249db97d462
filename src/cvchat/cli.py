"""The `cvchat` command: serve, migrate."""

from __future__ import annotations

import asyncio
import os
import sys

import click

from cvchat.infrastructure.settings import Settings


@click.group()
def main() -> None:
    """cvchat: chat with an assistant about a corpus of CVs."""


@main.command()
def migrate() -> None:
    """Bring the database (DATABASE_URL, default var/cvchat.db) to the latest schema."""
    from cvchat.infrastructure.db.config import migrate as run_migrations

    settings = Settings.from_env()
    asyncio.run(run_migrations(settings))
    click.echo(f"database at head: {_safe_url(settings)}")


@main.command()
@click.option("--migrate/--no-migrate", "do_migrate", default=False, help="Apply migrations before starting.")
def serve(do_migrate: bool) -> None:
    """Start the service under Granian (HOST, PORT, WORKERS)."""
    from granian.constants import Interfaces
    from granian.server import Server

    settings = Settings.from_env()
    if settings.workers > 1 and not settings.is_postgres:
        raise SystemExit("invalid setting: WORKERS > 1 needs PostgreSQL; SQLite serves one worker")
    if do_migrate:
        from cvchat.infrastructure.db.config import migrate as run_migrations

        asyncio.run(run_migrations(settings))
    click.echo(
        f"cvchat on http://{settings.host}:{settings.port} ({_safe_url(settings)}, provider {settings.provider})"
    )
    Server(
        "cvchat.infrastructure.web.app:create_app",
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),  # type: ignore[arg-type]
        workers_kill_timeout=int(settings.shutdown_grace_s) + 5,
    ).serve()


def _safe_url(settings: Settings) -> str:
    url = settings.resolved_database_url
    if "@" in url:  # never print a password
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
