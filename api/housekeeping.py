"""Background upkeep while the server runs.

Every hour: tickets left waiting or parked from an earlier day are cancelled (those citizens went
home), and events past the retention period are dropped.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from api.deps import Parts
from scheduler import usecases

log = logging.getLogger("loket.housekeeping")
EVERY = timedelta(hours=1)


async def _end_earlier_days(parts: Parts) -> None:
    for office in await run_in_threadpool(parts.db.office_ids):
        now = parts.clock()
        _, events = await run_in_threadpool(
            parts.db.write, office, now, lambda repo, o=office, t=now: usecases.end_earlier_days(repo, o, t)
        )
        await parts.hub.published(office, events)


async def _upkeep(parts: Parts) -> None:
    while True:
        try:
            await _end_earlier_days(parts)
        except Exception:
            log.exception("ending earlier days failed; will try again")
        before = parts.clock() - timedelta(days=parts.settings.event_retention_days)
        try:
            dropped = await run_in_threadpool(parts.db.forget_events_before, before)
            if dropped:
                log.info("dropped %d events older than %s", dropped, before.isoformat())
        except Exception:
            log.exception("dropping old events failed; will try again")
        await asyncio.sleep(EVERY.total_seconds())


@contextlib.asynccontextmanager
async def running(parts: Parts) -> AsyncIterator[None]:
    task = asyncio.create_task(_upkeep(parts), name="loket-housekeeping")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
