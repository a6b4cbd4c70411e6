"""Housekeeping's staffing advice on a real SQLite file: history of the same weekday in, an event out."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from websockets.asyncio.client import connect

from scheduler import usecases
from scheduler.forecast import Demand
from scheduler.lifecycle import Action, CounterAction
from scheduler.model import Role
from service.housekeeping import AdviceSent, advise_office, send_staffing_advice
from store.database import WireEvent
from store.history import visits_on_same_weekday
from tests.support import OFFICE, Seeded, running_server

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Monday 09:30 in Brussels
MORNING = [["09:00:00", "12:00:00"]]
PLANNED = {
    **OFFICE,
    "counter": [{**counter, "shifts": MORNING} for counter in OFFICE["counter"]],  # type: ignore[attr-defined]
}


def issue(seeded: Seeded, service: str, at: datetime) -> None:
    token = f"t-{service}-{at.timestamp()}"
    seeded.db.write("town", at, lambda repo: usecases.issue_ticket(repo, "town", service, "nl", at, token=token))


def busy_mondays(seeded: Seeded, weeks: int = 4) -> None:
    """30 identity cards between 10:00 and 11:00 (Brussels) on each of the previous Mondays."""
    for week in range(1, weeks + 1):
        ten = datetime(2026, 3, 2, 9, 0, tzinfo=UTC) - timedelta(weeks=week)
        for i in range(30):
            issue(seeded, "A", ten + timedelta(minutes=2 * i))


def serve_first(seeded: Seeded, service: str, at: datetime, minutes: int) -> None:
    """Counter 3 calls the oldest waiting ticket of `service` it serves at `at` and finishes it `minutes` later."""
    counter = seeded.counters["3"]
    seeded.db.write("town", at, lambda repo: usecases.act_on_counter(repo, counter, CounterAction.OPEN, at))
    called = seeded.db.write("town", at, lambda repo: usecases.call_next(repo, counter, at))[0]
    assert called is not None
    assert called.service == service
    done = at + timedelta(minutes=minutes)
    seeded.db.write(
        "town", done, lambda repo: usecases.act_on_ticket(repo, called.id or 0, Action.FINISH, done, counter_id=counter)
    )


def seq(seeded: Seeded) -> int:
    return seeded.db.read(lambda repo: repo.current_seq("town"))


def test_history_is_the_same_weekday_of_earlier_weeks(database_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(database_url, PLANNED)
    busy_mondays(seeded, weeks=5)
    issue(seeded, "C", NOW - timedelta(days=1))  # Sunday: another weekday
    issue(seeded, "C", datetime(2026, 2, 23, 23, 30, tzinfo=UTC))  # Tuesday 00:30 in Brussels, Monday in UTC
    issue(seeded, "C", datetime(2026, 2, 23, 10, 0, tzinfo=UTC))  # Monday 11:00, served in 4 minutes
    serve_first(seeded, "C", datetime(2026, 2, 23, 10, 1, tzinfo=UTC), minutes=4)
    visits, days = visits_on_same_weekday(seeded.db, "town", NOW)
    assert days == 4  # the fifth week back is too old
    assert len(visits) == 4 * 30 + 1
    assert min(v.ready_s for v in visits) == 10 * 3600  # local time of day
    assert [v for v in visits if v.service == "C"] == [Demand("C", 11 * 3600, 240)]
    assert all(v.duration_s is None for v in visits if v.service == "A")  # nobody was served
    # On Tuesday the weekday is the office's: the ticket of 00:30 counts, at 00:30.
    assert visits_on_same_weekday(seeded.db, "town", NOW + timedelta(days=1)) == ([Demand("C", 1800, None)], 1)
    assert visits_on_same_weekday(seeded.db, "town", NOW + timedelta(days=2)) == ([], 0)


def test_advice_is_stored_once_per_change(database_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(database_url, PLANNED)
    busy_mondays(seeded)
    before = seq(seeded)
    sent = AdviceSent()

    events = advise_office(seeded.db, "town", NOW, sent)

    assert [e["type"] for e in events] == ["staffing.advice"]
    stored = seeded.db.events_after("town", before)
    assert stored == events
    lines = stored[0]["lines"]
    assert len(lines) == 1
    assert lines[0].startswith("10:00-11:00: open ")
    assert "Identity card" in lines[0]
    assert stored[0]["lines_by_language"]["en"] == lines
    assert stored[0]["lines_by_language"]["nl"][0].startswith("10:00-11:00: open nog ")
    assert [(run["start"], run["end"]) for run in stored[0]["advice"]] == [("10:00", "11:00")]
    assert [h["start"] for h in stored[0]["hours"]] == ["09:00", "10:00", "11:00"]
    assert stored[0]["computed_at"] == NOW.isoformat()

    # Fifteen minutes later nothing changed: nothing is sent.
    assert advise_office(seeded.db, "town", NOW + timedelta(minutes=15), sent) == []
    assert seq(seeded) == before + 1
    # After a restart the same advice may go out once more.
    assert len(advise_office(seeded.db, "town", NOW + timedelta(minutes=30), AdviceSent())) == 1


def test_no_history_sends_nothing(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url, PLANNED)
    before = seq(seeded)
    assert advise_office(seeded.db, "town", NOW, AdviceSent()) == []
    assert seq(seeded) == before


async def test_a_round_publishes_the_advice(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url, PLANNED)
    busy_mondays(seeded)
    published: list[tuple[str, list[WireEvent]]] = []

    async def publish(office: str, events: list[WireEvent]) -> None:
        published.append((office, events))

    sent = AdviceSent()
    await send_staffing_advice(seeded.db, publish, lambda: NOW, sent)
    assert [(office, [e["type"] for e in events]) for office, events in published] == [("town", ["staffing.advice"])]
    await send_staffing_advice(seeded.db, publish, lambda: NOW, sent)
    assert published[-1] == ("town", [])


async def test_staffing_advice_reaches_clerks_and_managers_but_not_kiosks_or_displays(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, PLANNED)
    busy_mondays(seeded)
    before = seq(seeded)
    advise_office(seeded.db, "town", NOW, AdviceSent())
    seeded.db.engine.dispose()

    async def replay(role: Role) -> dict[str, object]:
        url = f"{server.ws}/ws/offices/town?since={before}&token={seeded.tokens[role]}"
        async with connect(url, close_timeout=1) as ws:
            return dict(json.loads(await asyncio.wait_for(ws.recv(), 10)))

    # The advice is of a past Monday: keep its event, or the server's housekeeping drops it at start.
    with running_server(sqlite_url, env={"LOKET_EVENT_RETENTION_DAYS": "36500"}) as server:
        for role in (Role.CLERK, Role.MANAGER):
            seen = await replay(role)
            assert seen["type"] == "staffing.advice"
            assert seen["lines_by_language"]
        for role in (Role.KIOSK, Role.DISPLAY):
            # The sequence number stays, so the client knows it missed nothing; the content does not.
            assert await replay(role) == {"seq": before + 1, "type": "staff.only"}
