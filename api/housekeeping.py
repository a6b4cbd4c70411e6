"""Background upkeep while the server runs: old events are dropped after the retention period."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from datetime import timedelta

from starlette.concurrency import run_in_threadpool

from api.deps import Parts

log = logging.getLogger("loket.housekeeping")
EVERY = timedelta(hours=1)


async def _forget_old_events(parts: Parts) -> None:
    while True:
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
    task = asyncio.create_task(_forget_old_events(parts), name="loket-housekeeping")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
