"""Background upkeep while the server runs.

Every 5 seconds (only where e-mail or SMS is configured): walk-ins who left an address at the status
page are told when their turn is about `notify_before_min` minutes away and when they are called;
addresses of ended visits are erased. Every 5 seconds too (always): citizens who joined from elsewhere get
their `come_at` kept current and are told to set off, and lapse if they never check in. Every minute:
bookings never checked in become no-shows `no_show_after_min` after their slot, and due reminders are
claimed (once across workers) and sent.
Every hour: tickets left waiting or parked from an earlier day are cancelled (those citizens went home),
events past the retention period are dropped, and booking contacts past `purge_after_days` are erased
(the daily purge; running it hourly only means it catches up sooner after a stop). Every 15 minutes:
each office's staffing advice is computed from the same weekday's history and sent as a
`staffing.advice` event when its lines changed.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from functools import partial

from starlette.concurrency import run_in_threadpool

from i18n import LANGUAGES
from i18n.advice import lines_by_language
from scheduler import advice, bookings, usecases
from scheduler.events import Event
from scheduler.model import Booking
from scheduler.numbering import office_day
from scheduler.repository import Repository
from service.parts import Parts
from store.database import Database, WireEvent
from store.history import visits_on_same_weekday
from store.repository import SqlRepository

log = logging.getLogger("loket.housekeeping")
TICK = timedelta(minutes=1)
#: How often walk-ins who asked are checked for "your turn is near" and "it's your turn".
TURN_EVERY = timedelta(seconds=5)
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
    bare, services = db.read(
        lambda repo: (advice.staffing_advice(repo, office, now, history, days=days), repo.services(office))
    )
    if bare is None:
        return []
    event = in_words(bare, {language: {s.code: s.name(language) for s in services} for language in LANGUAGES})
    lines = list(event.data["lines"])

    def emit_if_new(repo: SqlRepository) -> date:
        day = office_day(now, repo.office(office).timezone)
        if sent.lines.get(office) != (day, lines):
            repo.emit(event)
        return day

    day, events = db.write(office, now, emit_if_new)
    sent.lines[office] = (day, lines)
    return events


def in_words(event: Event, names: Mapping[str, Mapping[str, str]]) -> Event:
    """The advice event with its advice said in every language (`names[language]`: the services' names)."""
    by_language = lines_by_language(event.data["advice"], names)
    # `lines` (English) for clients that predate the languages.
    return replace(event, data={"lines": by_language["en"], "lines_by_language": by_language, **event.data})


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


def purge_bookings(db: Database, now: datetime, after: timedelta) -> int:
    """Erase the contacts of bookings whose slot is more than `after` ago, in every office (blocking)."""
    erased = 0
    for office in db.office_ids():
        count, _ = db.write(office, now, partial(_purge, office=office, now=now, after=after))
        erased += count
    return erased


def _purge(repo: Repository, *, office: str, now: datetime, after: timedelta) -> int:
    return bookings.purge(repo, office, now, after)


def _mark_no_shows(repo: Repository, *, office: str, now: datetime, grace: timedelta) -> list[Booking]:
    return bookings.mark_no_shows(repo, office, now, grace)


def bookings_round(parts: Parts) -> None:
    """No-shows and reminders for every office (blocking: run it in a thread)."""
    grace = timedelta(minutes=parts.settings.no_show_after_min)
    for office in parts.db.office_ids():
        now = parts.clock()
        parts.db.write(office, now, partial(_mark_no_shows, office=office, now=now, grace=grace))
        sent = parts.messenger.send_reminders(office, now)
        if sent:
            log.info("sent %d reminders for office %s", sent, office)


async def _hourly(parts: Parts) -> None:
    try:
        await _end_earlier_days(parts)
    except Exception:
        log.exception("ending earlier days failed; will try again")
    try:
        after = timedelta(days=parts.settings.purge_after_days)
        erased = await run_in_threadpool(purge_bookings, parts.db, parts.clock(), after)
        if erased:
            log.info("erased the contacts of %d past bookings", erased)
    except Exception:
        log.exception("purging booking contacts failed; will try again")
    before = parts.clock() - timedelta(days=parts.settings.event_retention_days)
    try:
        dropped = await run_in_threadpool(parts.db.forget_events_before, before)
        if dropped:
            log.info("dropped %d events older than %s", dropped, before.isoformat())
    except Exception:
        log.exception("dropping old events failed; will try again")


async def _paused(stop: asyncio.Event, seconds: float) -> bool:
    """Wait `seconds` or until asked to stop; True when stopping."""
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(stop.wait(), seconds)
    return stop.is_set()


async def _upkeep(parts: Parts, stop: asyncio.Event) -> None:
    sent = AdviceSent()
    hourly, advising = round(EVERY / TICK), round(ADVICE_EVERY / TICK)
    tick = 0
    while not stop.is_set():
        if tick % hourly == 0:
            await _hourly(parts)
        if tick % advising == 0:
            try:
                await send_staffing_advice(parts.db, parts.hub.published, parts.clock, sent)
            except Exception:
                log.exception("staffing advice failed; will try again")
        try:
            await run_in_threadpool(bookings_round, parts)
        except Exception:
            log.exception("booking no-shows and reminders failed; will try again")
        tick += 1
        if await _paused(stop, TICK.total_seconds()):
            return


def turn_notices_round(parts: Parts) -> int:
    """Tell the walk-ins who asked that their turn is near or has come, in every office (blocking)."""
    told = 0
    for office in parts.db.office_ids():
        told += parts.messenger.send_turn_notices(office, parts.clock(), parts.policy)
    return told


def remote_round(parts: Parts) -> int:
    """Keep remote joiners' times current, lapse who did not come, tell them, in every office (blocking)."""
    told = 0
    for office in parts.db.office_ids():
        told += parts.messenger.remote_round(office, parts.clock(), parts.policy)
    return told


async def _keep_remote_joiners(parts: Parts, stop: asyncio.Event) -> None:
    while not stop.is_set():
        try:
            await run_in_threadpool(remote_round, parts)
        except Exception:
            log.exception("the round of remote joiners failed; will try again")
        if await _paused(stop, TURN_EVERY.total_seconds()):
            return


async def _tell_turns(parts: Parts, stop: asyncio.Event) -> None:
    if not parts.messenger.media():
        return  # no address can be left without a medium to use it
    while not stop.is_set():
        try:
            await run_in_threadpool(turn_notices_round, parts)
        except Exception:
            log.exception("turn notices failed; will try again")
        if await _paused(stop, TURN_EVERY.total_seconds()):
            return


#: At shutdown, how long a round in progress may take to finish before it is cut off.
FINISH_S = 10.0


@contextlib.asynccontextmanager
async def running(parts: Parts) -> AsyncIterator[None]:
    stop = asyncio.Event()
    tasks = [
        asyncio.create_task(_upkeep(parts, stop), name="loket-housekeeping"),
        asyncio.create_task(_tell_turns(parts, stop), name="loket-turn-notices"),
        asyncio.create_task(_keep_remote_joiners(parts, stop), name="loket-remote-joiners"),
    ]
    try:
        yield
    finally:
        # Let a round in a worker thread finish: cancelling the task would leave the thread holding a
        # database connection while the engine is disposed.
        stop.set()
        _, late = await asyncio.wait(tasks, timeout=FINISH_S)
        for task in late:
            task.cancel()
        for task in late:
            with contextlib.suppress(asyncio.CancelledError):
                await task
