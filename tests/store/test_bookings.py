"""Bookings in the database: a round trip, the compare-and-set, one code per office, check-in all or nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from scheduler import bookings, checkin
from scheduler.errors import Conflict
from scheduler.model import Booking, BookingState, TicketState
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
SLOT = NOW + timedelta(minutes=30)  # 10:00 in Brussels, a slot of every service


def test_a_booking_comes_back_as_it_went_in_and_changes_only_from_the_expected_state(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db
    booking, _ = db.write("town", NOW, lambda repo: bookings.book(repo, "town", "B", SLOT, "fr", NOW, code="k7qxm4tp"))
    assert db.read(lambda repo: repo.booking_by_code("town", "K7QX-M4TP")) == booking
    assert booking.slot_at == SLOT
    cancelled = replace(booking, state=BookingState.CANCELLED)
    assert db.write("town", NOW, lambda repo: repo.replace_booking(cancelled, BookingState.BOOKED))[0]
    assert not db.write("town", NOW, lambda repo: repo.replace_booking(booking, BookingState.BOOKED))[0]
    assert db.read(lambda repo: repo.booking_by_code("town", booking.code)) == cancelled


def test_a_code_is_unique_per_office(database_url: str, seeder: Callable[..., Seeded]) -> None:
    db = seeder(database_url).db
    same = Booking(office="town", service="A", code="AAAA-BBBB", slot_at=SLOT, language="nl")
    db.write("town", NOW, lambda repo: repo.add_booking(same))
    with pytest.raises(IntegrityError):
        db.write("town", NOW, lambda repo: repo.add_booking(same))


def test_a_check_in_that_fails_after_issuing_leaves_no_ticket(database_url: str, seeder: Callable[..., Seeded]) -> None:
    db = seeder(database_url).db
    booking, _ = db.write("town", NOW, lambda repo: bookings.book(repo, "town", "A", SLOT, "nl", NOW, code="AAAA-BBBB"))

    def lose_the_race(repo):  # type: ignore[no-untyped-def]
        # Somebody else checked the booking in between our read and our write.
        repo.replace_booking(replace(booking, state=BookingState.CHECKED_IN), BookingState.BOOKED)
        real = repo.booking_by_code
        repo.booking_by_code = lambda office, code: booking if code == booking.code else real(office, code)
        return checkin.check_in(repo, "town", booking.code, "nl", SLOT, token="t")

    with pytest.raises(Conflict) as refused:
        db.write("town", NOW, lose_the_race)
    assert refused.value.code == "appointment_already_checked_in"
    assert db.read(lambda repo: repo.tickets_in("town", set(TicketState))) == []
    assert db.read(lambda repo: repo.booking_by_code("town", booking.code)) == booking
