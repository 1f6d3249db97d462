"""EventRetention on SQLAlchemy (batched deletes of old runs' events), and the `cvchat prune` entry point."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cvchat.application.common import SystemClock
from cvchat.application.retention import PruneRunEvents, PruneRunEventsInput, PruneRunEventsResult
from cvchat.domain.entities import TERMINAL_STATUSES
from cvchat.infrastructure.db.config import build_alchemy_config, current_revision, head_revision
from cvchat.infrastructure.db.models import RunEventModel, RunModel
from cvchat.infrastructure.settings import Settings


class SqlEventRetention:
    """Each batch is one committed transaction on the writer sessions."""

    def __init__(self, write_sessions: async_sessionmaker[AsyncSession]) -> None:
        self._write_sessions = write_sessions

    async def prune_batch(self, finished_before: datetime, now: datetime, limit: int) -> tuple[int, int]:
        async with self._write_sessions() as session, session.begin():
            run_ids = list(
                (
                    await session.scalars(
                        select(RunModel.id)
                        .where(
                            RunModel.status.in_([s.value for s in TERMINAL_STATUSES]),
                            RunModel.finished_at < finished_before,
                            RunModel.events_pruned_at.is_(None),
                        )
                        .order_by(RunModel.finished_at)
                        .limit(limit)
                    )
                ).all()
            )
            if not run_ids:
                return 0, 0
            deleted = await session.execute(delete(RunEventModel).where(RunEventModel.run_id.in_(run_ids)))
            await session.execute(update(RunModel).where(RunModel.id.in_(run_ids)).values(events_pruned_at=now))
            return len(run_ids), int(deleted.rowcount)  # type: ignore[attr-defined]


async def prune_events(settings: Settings, older_than_days: float) -> PruneRunEventsResult:
    """What `cvchat prune` runs: its own engine, the schema checked first, one transaction per batch."""
    config = build_alchemy_config(settings)
    engine = config.get_engine()
    try:
        current, head = await current_revision(config), head_revision()
        if current != head:
            raise SystemExit(
                f"the database schema is at revision {current or 'none'} but this code needs {head}; "
                "run `cvchat migrate` first"
            )
        prune = PruneRunEvents(SqlEventRetention(async_sessionmaker(engine, expire_on_commit=False)), SystemClock())
        return await prune(PruneRunEventsInput(older_than_days=older_than_days))
    finally:
        await engine.dispose()
