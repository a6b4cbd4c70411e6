"""What a citizen and the server's daily jobs do with a booking, in the database (SQLite and PostgreSQL):
cancel frees the seat at once, a move is all or nothing, erasing and the purge leave no personal data, a
reminder is claimed once, a missed booking becomes a no-show, and the cap per contact holds."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from scheduler import bookings
from scheduler.bookings import Contact
from scheduler.errors import Conflict, NotFound
from scheduler.model import Booking, BookingState
from store.database import Database
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Monday 09:30 in Brussels
SLOT = NOW + timedelta(minutes=30)  # 10:00: passports (B) have one seat per slot, at counter 1
LATER = SLOT + timedelta(minutes=15)
ANN = Contact(name="Ann Peeters", email="ann@example.org", phone="+32470123456", remind_via="email")


def book(
    db: Database,
    at: datetime = SLOT,
    contact: Contact = ANN,
    service: str = "B",
    cap: int = 0,
    booked_at: datetime = NOW,
) -> str:
    token = bookings.new_manage_token()
    code = bookings.new_code()
    db.write(
        "town",
        booked_at,
        lambda repo: bookings.book(
            repo, "town", service, at, "nl", booked_at, code=code, contact=contact, manage_token=token, cap=cap
        ),
    )
    return token


def seats(db: Database, at: datetime = SLOT) -> int:
    return db.read(lambda repo: repo.seats_taken("town", "B", at, at + timedelta(seconds=1))).get(at, 0)


def found(db: Database, token: str) -> Booking:
    return db.read(lambda repo: bookings.managed(repo, token))


@pytest.fixture
def db(database_url: str, seeder: Callable[..., Seeded]) -> Database:
    return seeder(database_url).db


def test_the_manage_token_finds_the_booking_and_nothing_else_does(db: Database) -> None:
    token = book(db)
    assert found(db, token).email == "ann@example.org"
    assert len(token) >= 32  # 192 bits in URL-safe base64
    for wrong in ("", token[:-1], token + "x", token.upper()):
        with pytest.raises(NotFound):
            found(db, wrong)


def test_cancelling_frees_the_seat_at_once(db: Database) -> None:
    token = book(db)
    assert seats(db) == 1
    with pytest.raises(Conflict, match="fully booked"):
        book(db, contact=Contact(email="someone@example.org"))
    db.write("town", NOW, lambda repo: bookings.cancel(repo, token, NOW))
    assert seats(db) == 0
    assert found(db, token).state == BookingState.CANCELLED
    book(db, contact=Contact(email="someone@example.org"))  # the freed slot is bookable again
    with pytest.raises(Conflict) as twice:
        db.write("town", NOW, lambda repo: bookings.cancel(repo, token, NOW))
    assert twice.value.code == "booking_cancelled"


def test_a_move_takes_the_new_seat_and_frees_the_old(db: Database) -> None:
    token = book(db)
    db.write("town", NOW, lambda repo: bookings.move(repo, token, LATER, NOW))
    assert (seats(db), seats(db, LATER)) == (0, 1)
    moved = found(db, token)
    assert (moved.slot_at, moved.state, moved.reminded_at) == (LATER, BookingState.BOOKED, None)


def test_a_move_to_a_full_slot_changes_nothing(db: Database) -> None:
    token = book(db)
    book(db, at=LATER, contact=Contact(email="someone@example.org"))
    with pytest.raises(Conflict) as refused:
        db.write("town", NOW, lambda repo: bookings.move(repo, token, LATER, NOW))
    assert refused.value.code == "slot_full"
    assert (seats(db), seats(db, LATER)) == (1, 1)
    assert found(db, token).slot_at == SLOT


def test_a_past_appointment_can_neither_move_nor_be_cancelled(db: Database) -> None:
    token = book(db)
    after = SLOT + timedelta(minutes=1)
    for change in (
        lambda repo: bookings.cancel(repo, token, after),
        lambda repo: bookings.move(repo, token, SLOT + timedelta(hours=2), after),
    ):
        with pytest.raises(Conflict) as refused:
            db.write("town", after, change)
        assert refused.value.code == "booking_past"


def test_erasing_removes_the_contact_and_cancels_what_is_still_to_come(db: Database) -> None:
    token = book(db)
    db.write("town", NOW, lambda repo: bookings.erase(repo, token, NOW))
    erased = found(db, token)
    assert (erased.name, erased.email, erased.phone, erased.remind_via) == (None, None, None, "none")
    assert erased.state == BookingState.CANCELLED
    assert erased.erased_at == NOW
    assert seats(db) == 0


def test_the_purge_erases_contacts_only_past_their_date(db: Database) -> None:
    old, recent = book(db), book(db, at=LATER)
    purge_at = SLOT + timedelta(days=30, minutes=5)  # 30 days after the first slot, before the second's
    erased, _ = db.write("town", purge_at, lambda repo: bookings.purge(repo, "town", purge_at, timedelta(days=30)))
    assert erased == 1
    with pytest.raises(NotFound):
        found(db, old)  # the link is gone with the contact
    left = db.read(lambda repo: repo.bookings_between("town", SLOT, LATER))
    assert [(b.name, b.email, b.phone, b.manage_token) for b in left] == [(None, None, None, None)]
    assert found(db, recent).email == "ann@example.org"
    again, _ = db.write("town", purge_at, lambda repo: bookings.purge(repo, "town", purge_at, timedelta(days=30)))
    assert again == 0


def test_a_reminder_is_claimed_once_and_only_for_those_who_want_one(db: Database) -> None:
    booked_at = NOW - timedelta(days=2)
    wants = book(db, at=SLOT, booked_at=booked_at)
    book(db, at=LATER, contact=Contact(email="bob@example.org"), booked_at=booked_at)  # remind_via none
    book(db, at=SLOT + timedelta(minutes=10), service="A")  # booked this morning: the confirmation will do

    def claim(repo):  # type: ignore[no-untyped-def]
        return bookings.claim_reminders(repo, "town", NOW, timedelta(hours=24))

    first, _ = db.write("town", NOW, claim)
    assert [b.manage_token for b in first] == [wants]
    assert db.write("town", NOW, claim)[0] == []


def test_a_booking_never_checked_in_becomes_a_no_show_after_the_grace(db: Database) -> None:
    token = book(db)
    grace = timedelta(minutes=15)
    early, _ = db.write("town", SLOT, lambda repo: bookings.mark_no_shows(repo, "town", SLOT + grace, grace))
    assert early == []  # exactly 15 minutes late: not yet
    late = SLOT + grace + timedelta(seconds=1)
    missed, _ = db.write("town", late, lambda repo: bookings.mark_no_shows(repo, "town", late, grace))
    assert len(missed) == 1
    assert found(db, token).state == BookingState.NO_SHOW


def test_the_cap_counts_future_bookings_by_email_or_phone(db: Database) -> None:
    book(db, service="A", cap=2)
    book(db, service="A", at=SLOT + timedelta(minutes=10), cap=2, contact=Contact(phone=ANN.phone))  # same phone
    with pytest.raises(Conflict) as refused:
        book(db, service="C", cap=2, contact=Contact(phone=ANN.phone))
    assert refused.value.code == "too_many_bookings"
    book(db, service="C", cap=2, contact=Contact(email=ANN.email))  # the e-mail alone has one to come
    with pytest.raises(Conflict):
        book(db, service="C", at=LATER, cap=2, contact=Contact(email=ANN.email))
