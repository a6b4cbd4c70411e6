"""The counting of the statistics, without a database: rows in, visits and tallies out (the SQL that reads the rows
is tested in tests/store/test_statistics.py)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from scheduler.statistics import (
    Happiness,
    Outcome,
    bookings_by_day,
    months_between,
    opening_hours,
    tally,
    top_improvements,
    visits_of,
)

BRUSSELS = ZoneInfo("Europe/Brussels")
DAY = date(2026, 3, 2)  # a Monday; Brussels is UTC+1


def at(hh: int, mm: int = 0) -> datetime:
    return datetime(2026, 3, 2, hh, mm, tzinfo=UTC)


def ticket(id_: int, **columns: object) -> SimpleNamespace:
    row: dict[str, object] = {
        "id": id_,
        "service": "A",
        "day": DAY,
        "kind": "walkin",
        "state": "done",
        "checked_in_at": at(8),
        "slot_at": None,
        "return_at": None,
        "called_at": None,
        "first_called_at": None,
        "announced_wait_s": None,
        "announced_low_s": None,
        "announced_high_s": None,
        "started_at": None,
        "finished_at": None,
        "service_s": None,
        "counter_id": None,
        "transferred_from": None,
    }
    return SimpleNamespace(**{**row, **columns})


def test_a_transferred_citizen_is_one_visit_followed_to_the_end_of_it() -> None:
    first = ticket(1, state="transferred", first_called_at=at(8, 4), called_at=at(8, 4), announced_wait_s=300)
    second = ticket(2, service="B", transferred_from=1, called_at=at(8, 20), started_at=at(8, 20), counter_id=7)
    second.finished_at = at(8, 30)
    (visit,) = visits_of([first, second], BRUSSELS, {7: "Counter 7"})
    assert (visit.service, visit.hour, visit.outcome) == ("A", 9, Outcome.SERVED)
    assert (visit.wait_s, visit.service_s, visit.counter) == (240, 600, "Counter 7")
    assert (visit.estimate_error_s, visit.in_estimate_range) == (60, False)


def test_tallies_group_in_key_order_and_bookings_count_only_passed_slots_of_the_range() -> None:
    visits = visits_of([ticket(2, service="B"), ticket(1, state="no_show")], BRUSSELS, {})
    by_service = tally(visits, lambda v: v.service)
    assert list(by_service) == ["A", "B"]
    assert (by_service["A"].no_shows, by_service["B"].served, by_service["B"].called) == (1, 1, 0)
    rows = [SimpleNamespace(slot_at=at(9), state=s) for s in ("checked_in", "no_show", "booked")]
    rows.append(SimpleNamespace(slot_at=datetime(2026, 3, 3, 9, tzinfo=UTC), state="no_show"))
    (day,) = bookings_by_day(rows, BRUSSELS, DAY, DAY).items()
    assert (day[0], day[1].due, day[1].no_shows) == (DAY, 2, 1)


def test_opening_hours_are_the_hours_that_overlap_an_opening_period() -> None:
    assert opening_hours({"mon": [["08:30", "12:00"], ["13:15", "16:01"]]}) == {0: [8, 9, 10, 11, 13, 14, 15, 16]}


def test_months_run_across_the_new_year_and_ties_among_improvements_go_by_code() -> None:
    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    happy = Happiness()
    for chosen in (["wait", "signs"], ["signs", "wait"], ["staff"], ["forms"]):
        happy.add(7, chosen)
    assert top_improvements(happy) == [("signs", 2), ("wait", 2), ("forms", 1)]
