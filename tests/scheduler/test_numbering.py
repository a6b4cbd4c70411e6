"""Ticket numbers: the service letter and a counter that restarts at the office's local midnight."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from scheduler.numbering import format_number, office_day
from tests.scheduler.conftest import ANNEX, Desk, at


@pytest.mark.parametrize(
    ("service", "sequence", "number"),
    [("A", 1, "A001"), ("B", 42, "B042"), ("C", 999, "C999"), ("A", 1000, "A1000")],
)
def test_number_is_the_service_letter_and_at_least_three_digits(service: str, sequence: int, number: str) -> None:
    assert format_number(service, sequence) == number


@pytest.mark.parametrize("sequence", [0, -1])
def test_sequence_starts_at_one(sequence: int) -> None:
    with pytest.raises(ValueError, match="starts at 1"):
        format_number("A", sequence)


@pytest.mark.parametrize(
    ("utc", "local_day"),
    [
        # Winter time, Brussels is UTC+1.
        (datetime(2026, 3, 1, 22, 59, 59, tzinfo=UTC), date(2026, 3, 1)),
        (datetime(2026, 3, 1, 23, 0, tzinfo=UTC), date(2026, 3, 2)),  # local midnight
        (datetime(2026, 3, 2, 0, 30, tzinfo=UTC), date(2026, 3, 2)),  # UTC midnight changes nothing
        (datetime(2026, 3, 2, 22, 59, tzinfo=UTC), date(2026, 3, 2)),
        # Summer time, Brussels is UTC+2 (clocks went forward on 29 March 2026).
        (datetime(2026, 7, 1, 21, 59, tzinfo=UTC), date(2026, 7, 1)),
        (datetime(2026, 7, 1, 22, 0, tzinfo=UTC), date(2026, 7, 2)),
        (datetime(2026, 7, 1, 23, 0, tzinfo=UTC), date(2026, 7, 2)),
    ],
    ids=str,
)
def test_office_day_is_the_calendar_day_in_brussels(utc: datetime, local_day: date) -> None:
    assert office_day(utc, "Europe/Brussels") == local_day


def test_office_day_follows_the_office_time_zone_not_a_fixed_one() -> None:
    now = datetime(2026, 3, 2, 16, 0, tzinfo=UTC)
    assert office_day(now, "Europe/Brussels") == date(2026, 3, 2)
    assert office_day(now, "Asia/Tokyo") == date(2026, 3, 3)
    assert office_day(now, "America/Los_Angeles") == date(2026, 3, 2)
    assert office_day(datetime(2026, 3, 2, 7, 0, tzinfo=UTC), "America/Los_Angeles") == date(2026, 3, 1)


def test_numbering_restarts_each_local_day(desk: Desk) -> None:
    desk.open(1)
    late_evening = datetime(2026, 3, 2, 22, 58, tzinfo=UTC)  # 23:58 in Brussels
    first = desk.issue("A", late_evening)
    second = desk.issue("A", datetime(2026, 3, 2, 22, 59, 59, tzinfo=UTC))
    after_midnight = desk.issue("A", datetime(2026, 3, 2, 23, 0, tzinfo=UTC))  # 00:00 on 3 March in Brussels
    after_utc_midnight = desk.issue("A", datetime(2026, 3, 3, 0, 5, tzinfo=UTC))

    assert [(t.number, t.day) for t in (first, second, after_midnight, after_utc_midnight)] == [
        ("A001", date(2026, 3, 2)),
        ("A002", date(2026, 3, 2)),
        ("A001", date(2026, 3, 3)),
        ("A002", date(2026, 3, 3)),
    ]


def test_numbering_restarts_at_local_midnight_in_summer_too(desk: Desk) -> None:
    desk.open(1)
    before = desk.issue("B", datetime(2026, 7, 1, 21, 59, tzinfo=UTC))
    after = desk.issue("B", datetime(2026, 7, 1, 22, 0, tzinfo=UTC))
    assert [(t.number, t.day) for t in (before, after)] == [("B001", date(2026, 7, 1)), ("B001", date(2026, 7, 2))]


def test_each_service_counts_its_own_numbers(desk: Desk) -> None:
    issued = [desk.issue(service, at(i)) for i, service in enumerate("AABCAB")]
    assert [t.number for t in issued] == ["A001", "A002", "B001", "C001", "A003", "B002"]


def test_each_office_counts_its_own_numbers(desk: Desk) -> None:
    assert desk.issue("A", at(1)).number == "A001"
    assert desk.issue("A", at(2), office=ANNEX).number == "A001"
    assert desk.issue("A", at(3)).number == "A002"


def test_an_appointment_takes_the_next_number_of_its_service(desk: Desk) -> None:
    desk.issue("A", at(1))
    assert desk.book("A", at(2), slot=at(10)).number == "A002"
