"""The booking rules the page and the API share: the horizon, the bookable days and why a day has nothing, the
service looked up by code, and whether the server tells by the medium a citizen gives."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

import pytest

from scheduler import bookings, calendar
from scheduler.bookings import Contact
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.memory import MemoryRepository
from scheduler.model import Office, Service
from tests.scheduler.conftest import OFFICE, T0, at

MONDAY = date(2026, 3, 2)  # T0's day in Brussels


def _office(repo: MemoryRepository) -> Office:
    return replace(repo.office(OFFICE), closed_days=frozenset({date(2026, 3, 4)}))


@pytest.mark.parametrize(
    ("slot_at", "code"),
    [
        (T0, "slot_in_past"),
        (at(-1), "slot_in_past"),
        (T0 + timedelta(weeks=4, minutes=1), "beyond_booking_horizon"),
        (datetime(9999, 12, 31, tzinfo=T0.tzinfo), "beyond_booking_horizon"),
    ],
)
def test_a_slot_in_the_past_or_beyond_the_horizon_is_refused(slot_at: datetime, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        bookings.within_horizon(slot_at, T0, weeks=4)
    assert refused.value.code == code


@pytest.mark.parametrize("slot_at", [at(1), T0 + timedelta(weeks=4)])
def test_a_slot_from_now_to_the_horizon_is_within_it(slot_at: datetime) -> None:
    bookings.within_horizon(slot_at, T0, weeks=4)


def test_the_bookable_days_run_from_the_offices_today_for_the_weeks_given(repo: MemoryRepository) -> None:
    days = bookings.booking_days(repo.office(OFFICE), T0, weeks=2)
    assert (days[0], days[-1], len(days)) == (MONDAY, MONDAY + timedelta(days=13), 14)


@pytest.mark.parametrize("text", ["2026-03-01", "2026-03-16", "tomorrow", "2026-02-30", ""])
def test_a_day_before_today_after_the_window_or_unreadable_cannot_be_booked(repo: MemoryRepository, text: str) -> None:
    with pytest.raises(NotFound) as refused:
        bookings.bookable_day(repo.office(OFFICE), text, T0, weeks=2)
    assert refused.value.code == "day_not_bookable"


def test_a_day_in_the_window_is_read_as_a_date(repo: MemoryRepository) -> None:
    assert bookings.bookable_day(repo.office(OFFICE), "2026-03-15", T0, weeks=2) == date(2026, 3, 15)


@pytest.mark.parametrize(
    ("day", "free", "why"),
    [
        (date(2026, 3, 3), [(at(60), 0)], "holiday"),  # a public holiday, whatever the slots say
        (date(2026, 3, 4), [], "closed"),  # the office's own closing day
        (date(2026, 3, 7), [], "closed"),  # a Saturday: no opening hours
        (MONDAY, [], "over"),  # open, but no slot left after now
        (MONDAY, [(at(60), 0), (at(70), 0)], "full"),
        (MONDAY, [(at(60), 0), (at(70), 1)], None),
    ],
)
def test_why_a_day_has_nothing_to_book(
    repo: MemoryRepository, day: date, free: list[tuple[datetime, int]], why: str | None
) -> None:
    holidays = {date(2026, 3, 3)}
    assert bookings.day_unavailable(_office(repo), day, holidays, free) == why
    if why in ("holiday", "closed"):
        assert calendar.closed_because(_office(repo), day, holidays) == why


def test_a_service_is_found_by_its_code_in_its_own_office_only(repo: MemoryRepository) -> None:
    assert repo.service(OFFICE, "B").names["en"] == "Driving licence"
    for office, code in ((OFFICE, "Z"), ("annex", "B")):
        with pytest.raises(NotFound) as refused:
            repo.service(office, code)
        assert refused.value.code == "service_not_found"


def test_a_service_citizens_may_not_book_is_refused_as_not_bookable(repo: MemoryRepository) -> None:
    repo.add_office(
        Office("hall", "Hall", "Europe/Brussels"),
        [Service("hall", "A", {"en": "Identity card"}, bookable=True), Service("hall", "C", {"en": "Certificate"})],
        [],
    )
    assert bookings.bookable_service(repo, "hall", "A").code == "A"
    with pytest.raises(Invalid) as refused:
        bookings.bookable_service(repo, "hall", "C")
    assert refused.value.code == "service_not_bookable"


@pytest.mark.parametrize(
    ("contact", "media", "offered"),
    [
        (Contact(email="ann@example.org"), ["email", "sms"], True),
        (Contact(phone="+32470123456"), ["email", "sms"], True),
        (Contact(email="ann@example.org"), ["email"], True),
        (Contact(phone="+32470123456"), ["email"], False),
        (Contact(email="ann@example.org"), ["sms"], False),
        (Contact(email="ann@example.org", phone="+32470123456"), ["email"], False),
        (Contact(email="ann@example.org"), [], False),
        (Contact(), [], True),  # nothing to tell by, nothing refused
    ],
)
def test_a_contact_by_a_medium_the_server_does_not_send_on_is_a_conflict(
    contact: Contact, media: list[str], offered: bool
) -> None:
    if offered:
        bookings.check_offered(contact, media)
        return
    with pytest.raises(Conflict) as refused:
        bookings.check_offered(contact, media)
    assert refused.value.code == "notification_not_offered"
    assert (
        refused.value.detail == f"this office tells citizens by {' and '.join(media) or 'neither e-mail nor SMS'} only"
    )
