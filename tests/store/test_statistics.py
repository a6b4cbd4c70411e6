"""The office's anonymous statistics over a small known history, counted by hand, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from scheduler.errors import NotFound
from scheduler.statistics import Outcome
from store.statistics import office_statistics
from store.tables import BookingRow, HappinessRow, TicketRow
from tests.support import Seeded

MONDAY = date(2026, 2, 23)  # Brussels is UTC+1 then
TUESDAY = MONDAY + timedelta(days=1)


def at(hour: int, minute: int, day: date = MONDAY) -> datetime:
    """A UTC time on `day`."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def ticket(seeded: Seeded, n: int, **values: Any) -> TicketRow:
    defaults: dict[str, Any] = {
        "office": "town",
        "service": "A",
        "number": f"A{n:03d}",
        "day": MONDAY,
        "kind": "walkin",
        "language": "nl",
        "token": f"secret-token-{n}",
        "state": "done",
    }
    return TicketRow(**{**defaults, **values})


def write_history(seeded: Seeded) -> None:
    c = seeded.counters
    with Session(seeded.db.engine) as session:
        rows = [
            # Waited 2 min, served 10 min at counter 1.
            ticket(seeded, 1, checked_in_at=at(8, 0), called_at=at(8, 2), started_at=at(8, 3),
                   finished_at=at(8, 13), service_s=600, counter_id=c["1"]),
            # Waited 10 min, served 5 min at counter 2 (nobody pressed start).
            ticket(seeded, 2, checked_in_at=at(8, 10), called_at=at(8, 20), finished_at=at(8, 25),
                   service_s=300, counter_id=c["2"]),
            # An appointment 10 minutes early: the wait counts from the slot (4 min).
            ticket(seeded, 3, kind="appointment", checked_in_at=at(8, 20), slot_at=at(8, 30),
                   called_at=at(8, 34), finished_at=at(8, 41), service_s=420, counter_id=c["1"]),
            # Called after 10 min, never came.
            ticket(seeded, 4, state="no_show", checked_in_at=at(8, 40), called_at=at(8, 50),
                   finished_at=at(8, 52), counter_id=c["2"]),
            # Left the queue.
            ticket(seeded, 5, state="cancelled", checked_in_at=at(8, 45), finished_at=at(8, 55)),
            # Told to come back at 09:30 UTC (10:30 in Brussels): called a minute later, then sent to C.
            ticket(seeded, 6, id=1006, state="transferred", checked_in_at=at(8, 50), return_at=at(9, 30),
                   called_at=at(9, 31), finished_at=at(9, 33), counter_id=c["1"]),
            ticket(seeded, 7, number="A006", service="C", transferred_from=1006, checked_in_at=at(8, 50),
                   return_at=at(9, 30), called_at=at(9, 40), finished_at=at(9, 43), service_s=200,
                   counter_id=c["3"]),
            # Tuesday: still waiting. The Friday before: outside the range.
            ticket(seeded, 8, day=TUESDAY, state="waiting", checked_in_at=at(9, 0, TUESDAY)),
            ticket(seeded, 9, day=MONDAY - timedelta(days=3), checked_in_at=at(9, 0, MONDAY - timedelta(days=3)),
                   called_at=at(9, 1, MONDAY - timedelta(days=3))),
        ]  # fmt: skip
        for row in rows:
            session.add(row)
            session.flush()
        for i, (slot, state) in enumerate(
            [
                (at(8, 30), "checked_in"),
                (at(11, 0), "no_show"),
                (at(12, 0), "cancelled"),
                (at(23, 30, MONDAY - timedelta(days=1)), "no_show"),  # 00:30 on Monday in Brussels
                (at(22, 30, TUESDAY), "booked"),
            ]
        ):
            session.add(
                BookingRow(
                    office="town",
                    service="A",
                    language="nl",
                    name="Zoë Peeters",
                    code=f"CODE-{i}",
                    slot_at=slot,
                    state=state,
                )
            )
        for service, day, hour, score, improvements in [
            ("A", MONDAY, 9, 8, ["wait"]),
            ("A", MONDAY, 9, 6, ["wait", "signs"]),
            ("C", TUESDAY, 10, 10, []),
        ]:
            session.add(
                HappinessRow(office="town", service=service, day=day, hour=hour, score=score, improvements=improvements)
            )
        session.commit()


@pytest.fixture
def seeded(database_url: str, seeder: Callable[..., Seeded]) -> Seeded:
    made = seeder(database_url)
    write_history(made)
    return made


def test_a_day_counts_citizens_outcomes_waits_and_service_times(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", MONDAY, TUESDAY)
    monday = stats.daily()[MONDAY]
    # Six citizens: the ticket that continues the transfer is the same citizen.
    assert (monday.citizens, monday.walkins, monday.appointments) == (6, 5, 1)
    assert (monday.served, monday.no_shows, monday.left, monday.still_open) == (4, 1, 1, 0)
    assert sorted(monday.waits) == [60, 120, 240, 600, 600]
    assert (monday.wait_mean_s, monday.wait_p50_s, monday.wait_p90_s) == (324, 240, 600)
    assert monday.within_5min_share == pytest.approx(0.6)
    assert monday.service_mean_s == pytest.approx((600 + 300 + 420 + 200) / 4)
    tuesday = stats.daily()[TUESDAY]
    assert (tuesday.citizens, tuesday.still_open, tuesday.waits) == (1, 1, [])


def test_waits_count_from_the_slot_or_the_return_time_not_from_check_in(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", MONDAY, MONDAY)
    hourly = stats.hourly()
    early = hourly[(MONDAY, "A", 9)]
    assert sorted(early.waits) == [120, 240, 600, 600]
    # Checked in at 09:50 in Brussels, back at 10:30: their hour is 10 and they waited one minute.
    returned = hourly[(MONDAY, "A", 10)]
    assert (returned.citizens, returned.waits, returned.served) == (1, [60], 1)


def test_a_transferred_citizen_is_served_where_the_visit_ended(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", MONDAY, MONDAY)
    assert stats.served_by_counter() == {(MONDAY, "1"): 2, (MONDAY, "2"): 1, (MONDAY, "3"): 1}
    assert [v.outcome for v in stats.visits if v.hour == 10] == [Outcome.SERVED]


def test_booking_no_shows_count_on_the_local_day_of_the_slot(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", MONDAY, TUESDAY)
    monday = stats.bookings[MONDAY]
    # Checked in, no-show at 12:00, no-show at 00:30 local; the cancelled one does not count.
    assert (monday.due, monday.no_shows) == (3, 2)
    assert monday.no_show_rate == pytest.approx(2 / 3)
    assert TUESDAY not in stats.bookings  # still booked: not due yet


def test_happiness_counts_answers_scores_and_improvements(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", MONDAY, TUESDAY)
    by_day = stats.happiness(lambda a: a.day)
    assert (by_day[MONDAY].answers, by_day[MONDAY].mean_score) == (2, 7)
    assert dict(by_day[MONDAY].improvements) == {"wait": 2, "signs": 1}
    assert (by_day[TUESDAY].answers, by_day[TUESDAY].mean_score) == (1, 10)


def test_the_range_leaves_other_days_out_and_the_hours_follow_the_opening_hours(seeded: Seeded) -> None:
    stats = office_statistics(seeded.db, "town", TUESDAY, TUESDAY)
    assert [v.day for v in stats.visits] == [TUESDAY]
    assert stats.bookings == {}
    assert stats.hours_of(TUESDAY) == list(range(8, 18))
    assert stats.hours_of(TUESDAY + timedelta(days=4)) == []  # Saturday: closed
    assert stats.days == [TUESDAY]


def test_an_unknown_office_is_not_found(seeded: Seeded) -> None:
    with pytest.raises(NotFound):
        office_statistics(seeded.db, "atlantis", MONDAY, MONDAY)


WEDNESDAY = MONDAY + timedelta(days=2)


def write_estimates(seeded: Seeded) -> None:
    """Wednesday (Brussels 09:00-10:00): waits told at issue, and the first calls that followed."""
    w = WEDNESDAY
    with Session(seeded.db.engine) as session:
        rows = [
            # Told 5 min (2-8); first called after 6 min, recalled at 08:20: waited 6 min, the estimate 1 min off.
            ticket(seeded, 21, day=w, checked_in_at=at(8, 0, w), announced_wait_s=300, announced_low_s=120,
                   announced_high_s=480, first_called_at=at(8, 6, w), called_at=at(8, 20, w)),
            # Told 10 min (5-15); called after 20: 10 min off, outside the range.
            ticket(seeded, 22, day=w, checked_in_at=at(8, 10, w), announced_wait_s=600, announced_low_s=300,
                   announced_high_s=900, first_called_at=at(8, 30, w), called_at=at(8, 30, w)),
            # Told 2 min (0-6:40); called after 1: 1 min off.
            ticket(seeded, 23, day=w, checked_in_at=at(8, 20, w), announced_wait_s=120, announced_low_s=0,
                   announced_high_s=400, first_called_at=at(8, 21, w), called_at=at(8, 21, w)),
            # An appointment 10 min early, told 15 min (10-20) at check-in and called 15 min after it: spot on.
            # Its wait counts from the slot (5 min); the estimate from when it was told.
            ticket(seeded, 24, day=w, kind="appointment", checked_in_at=at(8, 30, w), slot_at=at(8, 40, w),
                   announced_wait_s=900, announced_low_s=600, announced_high_s=1200, first_called_at=at(8, 45, w),
                   called_at=at(8, 45, w)),
            # Told, never called: nothing to compare.
            ticket(seeded, 25, day=w, state="cancelled", checked_in_at=at(8, 40, w), announced_wait_s=300,
                   announced_low_s=100, announced_high_s=500, finished_at=at(8, 50, w)),
            # From before estimates and first calls were kept: waited 10 min to its (only known) call.
            ticket(seeded, 26, day=w, checked_in_at=at(8, 50, w), called_at=at(9, 0, w)),
            # Certificates: told 200 s (100-300), called after 10 min.
            ticket(seeded, 27, day=w, service="C", number="C001", checked_in_at=at(8, 0, w), announced_wait_s=200,
                   announced_low_s=100, announced_high_s=300, first_called_at=at(8, 10, w), called_at=at(8, 10, w)),
        ]  # fmt: skip
        for row in rows:
            session.add(row)
        session.commit()


def test_waits_run_to_the_first_call_or_to_the_last_for_older_tickets(seeded: Seeded) -> None:
    write_estimates(seeded)
    stats = office_statistics(seeded.db, "town", WEDNESDAY, WEDNESDAY)
    assert stats.by_service()[(WEDNESDAY, "A")].waits == [360, 1200, 60, 300, 600]


def test_the_estimate_accuracy_per_day_and_service_compares_the_wait_told_with_the_real_one(seeded: Seeded) -> None:
    write_estimates(seeded)
    stats = office_statistics(seeded.db, "town", WEDNESDAY, WEDNESDAY)
    a, c = stats.by_service()[(WEDNESDAY, "A")], stats.by_service()[(WEDNESDAY, "C")]
    assert sorted(a.estimate_errors) == [0, 60, 60, 600]
    assert (a.estimated, a.estimate_mae_s, a.estimate_in_range_share) == (4, 180, 0.75)
    assert (c.estimated, c.estimate_mae_s, c.estimate_in_range_share) == (1, 400, 0)
    day = stats.daily()[WEDNESDAY]
    assert (day.estimated, day.estimate_mae_s) == (5, 224)
    assert day.estimate_in_range_share == pytest.approx(0.6)


def test_days_without_kept_estimates_have_no_accuracy(seeded: Seeded) -> None:
    monday = office_statistics(seeded.db, "town", MONDAY, MONDAY).daily()[MONDAY]
    assert (monday.estimated, monday.estimate_mae_s, monday.estimate_in_range_share) == (0, None, None)
