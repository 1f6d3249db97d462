"""The `cvchat` command: serve, migrate, ingest, search, prune."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import tempfile
from pathlib import Path

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


def _prepare_metrics_dir(workers: int) -> None:
    """With several Granian workers, a fresh directory where each writes its metrics, so that `/metrics` on any of
    them reports the sum. Set before prometheus_client is imported (it reads the variable at import) and before the
    workers start (they inherit it)."""
    if workers <= 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    path = Path(tempfile.gettempdir()) / f"cvchat-metrics-{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)


@main.command()
@click.option("--migrate/--no-migrate", "do_migrate", default=False, help="Apply migrations before starting.")
def serve(do_migrate: bool) -> None:
    """Start the service under Granian (HOST, PORT, WORKERS)."""
    from granian.constants import Interfaces
    from granian.server import Server

    settings = Settings.from_env()
    if settings.workers > 1 and not settings.is_postgres:
        raise SystemExit("invalid setting: WORKERS > 1 needs PostgreSQL; SQLite serves one worker")
    _prepare_metrics_dir(settings.workers)
    if do_migrate:
        from cvchat.infrastructure.db.config import migrate as run_migrations

        asyncio.run(run_migrations(settings))
    click.echo(
        f"cvchat on http://{settings.host}:{settings.port} ({_safe_url(settings)}, provider {settings.provider})"
    )
    Server(
        "cvchat.infrastructure.web.app:create_served_app",
        address=settings.host,
        port=settings.port,
        workers=settings.workers,
        interface=Interfaces.ASGI,
        factory=True,
        log_level=os.environ.get("LOG_LEVEL", "info").lower(),  # type: ignore[arg-type]
        workers_kill_timeout=int(settings.shutdown_grace_s) + 5,
        # Every open SSE stream is a request in flight: holding thousands of them needs a larger backpressure.
        backpressure=settings.http_backpressure,
        backlog=max(1024, settings.http_backpressure or 0),
    ).serve()


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
def ingest(paths: tuple[Path, ...]) -> None:
    """Ingest CV PDFs (files or folders, searched recursively); the same file twice is one CV.

    With no PATH, ingests CV_DATA_DIR. Prints one line per refused file and exits 1 if any was refused.
    """
    from cvchat.infrastructure.cli_ingest import ingest_files

    settings = Settings.from_env()
    roots = paths or (Path(settings.cv_data_dir),)
    files = sorted({f for root in roots for f in ([root] if root.is_file() else root.rglob("*.pdf"))})
    if not files:
        raise SystemExit(f"no PDF found in {', '.join(map(str, roots))}")
    report = asyncio.run(ingest_files(settings, files))
    for path, reason in report.refused:
        click.echo(f"refused {path}: {reason}", err=True)
    click.echo(
        f"{report.created} ingested, {report.duplicates} already there, {len(report.refused)} refused "
        f"in {report.seconds:.1f} s ({report.rate:.1f} CVs/s)"
    )
    if report.refused:
        sys.exit(1)


@main.command()
@click.argument("query", nargs=-1, required=True)
@click.option("-k", default=10, show_default=True, help="How many CVs.")
def search(query: tuple[str, ...], k: int) -> None:
    """Search the CVs with a recruiter's question (any of en/es/de/fr)."""
    from cvchat.infrastructure.cli_ingest import search_corpus

    hits = asyncio.run(search_corpus(Settings.from_env(), " ".join(query), k))
    if not hits:
        click.echo("no CV matches")
    for rank, hit in enumerate(hits, 1):
        click.echo(f"{rank:2}. {hit.name}  ({hit.source_filename}, score {hit.score:.3f}, id {hit.cv_id})")
        for snippet in hit.snippets:
            click.echo(f"      {snippet}")


@main.command()
@click.option(
    "--older-than",
    "older_than",
    type=click.FloatRange(min=0),
    default=None,
    metavar="DAYS",
    help="Prune runs that finished more than DAYS days ago (default: EVENT_RETENTION_DAYS).",
)
def prune(older_than: float | None) -> None:
    """Delete the event logs of finished runs older than the retention; the runs keep their final status.

    Nothing is pruned unless asked: without --older-than and EVENT_RETENTION_DAYS the log is kept forever.
    """
    from cvchat.infrastructure.db.retention import prune_events

    settings = Settings.from_env()
    days = older_than if older_than is not None else settings.event_retention_days
    if days is None:
        raise click.UsageError("give --older-than DAYS or set EVENT_RETENTION_DAYS (the event log is kept forever)")
    result = asyncio.run(prune_events(settings, days))
    click.echo(
        f"pruned {result.events} events of {result.runs} runs that finished before "
        f"{result.cutoff:%Y-%m-%d %H:%M:%S} UTC"
    )


def _safe_url(settings: Settings) -> str:
    url = settings.resolved_database_url
    if "@" in url:  # never print a password
        scheme, _, rest = url.partition("://")
        url = f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
