"""Background upkeep while the server runs.

Every hour: tickets left waiting or parked from an earlier day are cancelled (those citizens went
home), and events past the retention period are dropped. Every 15 minutes: each office's staffing advice
is computed from the same weekday's history and sent as a `staffing.advice` event when its lines changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from starlette.concurrency import run_in_threadpool

from api.deps import Parts
from scheduler import advice, usecases
from scheduler.numbering import office_day
from store.database import Database, WireEvent
from store.history import visits_on_same_weekday
from store.repository import SqlRepository

log = logging.getLogger("loket.housekeeping")
EVERY = timedelta(hours=1)
ADVICE_EVERY = timedelta(minutes=15)


@dataclass
class AdviceSent:
    """The lines of the last advice sent per office, and for which of its days (kept in memory only: after a
    restart the same advice may be sent once more)."""

    lines: dict[str, tuple[date, list[str]]] = field(default_factory=dict)


def advise_office(db: Database, office: str, now: datetime, sent: AdviceSent) -> list[WireEvent]:
    """Compute one office's advice (blocking: run it in a thread) and store its event if its lines are new today.

    The history and the advice are read without holding the office; only the event is written.
    """
    history, days = visits_on_same_weekday(db, office, now)
    if not history:
        return []
    event = db.read(lambda repo: advice.staffing_advice(repo, office, now, history, days=days))
    if event is None:
        return []
    lines = list(event.data["lines"])

    def emit_if_new(repo: SqlRepository) -> date:
        day = office_day(now, repo.office(office).timezone)
        if sent.lines.get(office) != (day, lines):
            repo.emit(event)
        return day

    day, events = db.write(office, now, emit_if_new)
    sent.lines[office] = (day, lines)
    return events


async def send_staffing_advice(
    db: Database,
    publish: Callable[[str, list[WireEvent]], Awaitable[None]],
    clock: Callable[[], datetime],
    sent: AdviceSent,
) -> None:
    """One round: for each office, compute the advice and send it when its lines differ from the last sent today."""
    for office in await run_in_threadpool(db.office_ids):
        try:
            events = await run_in_threadpool(advise_office, db, office, clock(), sent)
            await publish(office, events)
        except Exception:
            log.exception("staffing advice for office %s failed; will try again", office)


async def _end_earlier_days(parts: Parts) -> None:
    for office in await run_in_threadpool(parts.db.office_ids):
        now = parts.clock()
        _, events = await run_in_threadpool(
            parts.db.write, office, now, lambda repo, o=office, t=now: usecases.end_earlier_days(repo, o, t)
        )
        await parts.hub.published(office, events)


async def _hourly(parts: Parts) -> None:
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


async def _upkeep(parts: Parts) -> None:
    sent = AdviceSent()
    rounds_per_hour = round(EVERY / ADVICE_EVERY)
    tick = 0
    while True:
        if tick % rounds_per_hour == 0:
            await _hourly(parts)
        try:
            await send_staffing_advice(parts.db, parts.hub.published, parts.clock, sent)
        except Exception:
            log.exception("staffing advice failed; will try again")
        tick += 1
        await asyncio.sleep(ADVICE_EVERY.total_seconds())


@contextlib.asynccontextmanager
async def running(parts: Parts) -> AsyncIterator[None]:
    task = asyncio.create_task(_upkeep(parts), name="loket-housekeeping")
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
