"""Use case for the event log's retention: prune the events of runs that finished long ago."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

import msgspec

from cvchat.domain.ports import Clock, EventRetention


class PruneRunEventsInput(msgspec.Struct, frozen=True, kw_only=True):
    older_than_days: Annotated[float, msgspec.Meta(ge=0)]


class PruneRunEventsResult(msgspec.Struct, frozen=True, kw_only=True):
    cutoff: datetime
    runs: int
    events: int


class PruneRunEvents:
    """Delete the events of terminal runs that finished more than `older_than_days` ago.

    Rules:
    - the log is durable by default: nothing is pruned unless this is asked for (`cvchat prune`, or the admin route);
    - only terminal runs are touched; a run keeps its row (status, timings, usage, error) and its messages, and is
      marked pruned, so that reading its events answers "gone" rather than an empty log that looks complete;
    - the work goes in batches, each its own transaction, so a large backlog never holds one long lock.
    """

    def __init__(self, retention: EventRetention, clock: Clock, batch_size: int = 500) -> None:
        self._retention, self._clock, self._batch_size = retention, clock, batch_size

    async def __call__(self, cmd: PruneRunEventsInput) -> PruneRunEventsResult:
        now = self._clock.now()
        try:
            cutoff = now - timedelta(days=cmd.older_than_days)
        except OverflowError:  # an age past the calendar's start (EVENT_RETENTION_DAYS, the CLI): nothing is older
            cutoff = datetime.min.replace(tzinfo=now.tzinfo)
        runs = events = 0
        while True:
            batch_runs, batch_events = await self._retention.prune_batch(cutoff, self._clock.now(), self._batch_size)
            runs, events = runs + batch_runs, events + batch_events
            if batch_runs < self._batch_size:
                return PruneRunEventsResult(cutoff=cutoff, runs=runs, events=events)
