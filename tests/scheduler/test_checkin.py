"""Appointment check-in: the window, booking codes, the errors a kiosk shows, and where the ticket ranks."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone

import pytest

from scheduler import bookings, checkin, routing, usecases
from scheduler.checkin import Timing
from scheduler.errors import Conflict, DomainError, Invalid, NotFound
from scheduler.memory import MemoryRepository
from scheduler.model import Booking, BookingState, TicketKind, TicketState
from tests.scheduler.conftest import ANNEX, OFFICE, T0, Desk, at

CODE = "K7QX-M4TP"
SLOT = at(60)  # 10:30 in Brussels


def booked(
    repo: MemoryRepository, slot: datetime = SLOT, *, code: str = CODE, service: str = "A", office: str = OFFICE
) -> Booking:
    return bookings.book(repo, office, service, slot, "fr", T0 - timedelta(days=3), code=code)


def check_in(repo: MemoryRepository, code: str, now: datetime, *, key: str | None = None) -> usecases.Issued:
    return checkin.check_in(repo, OFFICE, code, "nl", now, token=f"token-{key or code}-{now}", idempotency_key=key)


def tickets(repo: MemoryRepository) -> list[int | None]:
    return [t.id for t in repo.tickets_in(OFFICE, set(TicketState))]


# --- the window ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("offset", "timing"),
    [
        (-timedelta(minutes=15, seconds=1), Timing.EARLY),
        (-timedelta(minutes=15), Timing.ON_TIME),
        (timedelta(0), Timing.ON_TIME),
        (timedelta(minutes=10), Timing.ON_TIME),
        (timedelta(minutes=10, seconds=1), Timing.TOO_LATE),
    ],
    ids=["15min+1s early", "exactly 15min early", "on the slot", "exactly 10min late", "10min+1s late"],
)
def test_check_in_is_open_from_15_minutes_before_the_slot_to_10_minutes_after(
    offset: timedelta, timing: Timing
) -> None:
    verdict = checkin.window(SLOT, SLOT + offset)
    assert verdict.timing is timing
    assert (verdict.opens_at, verdict.closes_at) == (SLOT - timedelta(minutes=15), SLOT + timedelta(minutes=10))


@pytest.mark.parametrize(
    ("offset", "outcome"),
    [
        (-timedelta(minutes=15, seconds=1), "appointment_too_early"),
        (-timedelta(minutes=15), None),
        (timedelta(minutes=10), None),
        (timedelta(minutes=10, seconds=1), "appointment_too_late"),
    ],
)
def test_the_use_case_applies_the_window_at_its_edges(
    repo: MemoryRepository, offset: timedelta, outcome: str | None
) -> None:
    booked(repo)
    if outcome is None:
        assert check_in(repo, CODE, SLOT + offset).ticket.kind is TicketKind.APPOINTMENT
    else:
        with pytest.raises(Conflict) as refused:
            check_in(repo, CODE, SLOT + offset)
        assert refused.value.code == outcome


# --- codes -----------------------------------------------------------------------------------------


def test_new_codes_are_two_groups_of_four_without_look_alikes() -> None:
    codes = {bookings.new_code() for _ in range(200)}
    assert len(codes) == 200
    for code in codes:
        assert re.fullmatch(r"[2-9A-HJKMNP-Z]{4}-[2-9A-HJKMNP-Z]{4}", code), code
        assert not set(code) & set("01OIL")


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("K7QX-M4TP", CODE),
        ("k7qx-m4tp", CODE),
        ("K7QXM4TP", CODE),
        ("k7qxm4tp", CODE),
        (" k7qx m4tp ", CODE),
        ("K7 QX-M4 TP", CODE),
        ("K7QX-M4T", None),
        ("K7QX-M4TPP", None),
        ("K0QX-M4TP", None),
        ("KIQX-M4TP", None),
        ("K7QX_M4TP", None),
        ("", None),
    ],
)
def test_codes_are_read_in_any_case_with_or_without_dash_or_spaces(typed: str, canonical: str | None) -> None:
    assert bookings.normalise_code(typed) == canonical


@pytest.mark.parametrize("typed", ["k7qxm4tp", "k7qx-m4tp", "K7QX M4TP"])
def test_a_code_typed_loosely_checks_in_the_booking(repo: MemoryRepository, typed: str) -> None:
    booked(repo)
    assert check_in(repo, typed, SLOT).ticket.appointment == CODE


# --- checking in -----------------------------------------------------------------------------------


def test_checking_in_gives_an_appointment_ticket_for_the_booked_slot_and_marks_the_booking(
    desk: Desk, repo: MemoryRepository
) -> None:
    booking = booked(repo, service="B")
    issued = check_in(repo, CODE, SLOT - timedelta(minutes=5))
    ticket = issued.ticket
    assert not issued.replayed
    assert (ticket.kind, ticket.service, ticket.number, ticket.state) == (
        TicketKind.APPOINTMENT,
        "B",
        "B001",
        TicketState.WAITING,
    )
    assert (ticket.slot_at, ticket.appointment, ticket.checked_in_at) == (SLOT, CODE, SLOT - timedelta(minutes=5))
    assert ticket.language == "nl"  # the language chosen at the kiosk, not the one of the booking
    assert repo.booking_by_code(OFFICE, CODE) == replace(booking, state=BookingState.CHECKED_IN, ticket_id=ticket.id)
    assert desk.events() == ["ticket.issued"]


def test_a_retry_with_the_same_key_returns_the_same_ticket(repo: MemoryRepository) -> None:
    booked(repo)
    first = check_in(repo, CODE, SLOT, key="kiosk-1-0042")
    again = check_in(repo, "k7qxm4tp", SLOT + timedelta(seconds=5), key="kiosk-1-0042")
    assert again.replayed
    assert again.ticket == first.ticket
    assert tickets(repo) == [first.ticket.id]


def test_a_key_reused_for_another_code_or_a_walk_in_is_refused(repo: MemoryRepository) -> None:
    booked(repo)
    booked(repo, code="AAAA-BBBB")
    check_in(repo, CODE, SLOT, key="k1")
    with pytest.raises(Conflict) as refused:
        check_in(repo, "AAAA-BBBB", SLOT, key="k1")
    assert refused.value.code == "idempotency_key_reused"
    usecases.issue_ticket(repo, OFFICE, "A", "nl", SLOT, token="walk", idempotency_key="k2")
    with pytest.raises(Conflict) as refused:
        check_in(repo, "AAAA-BBBB", SLOT, key="k2")
    assert refused.value.code == "idempotency_key_reused"


def state_of(repo: MemoryRepository, code: str = CODE) -> BookingState:
    booking = repo.booking_by_code(OFFICE, code)
    assert booking is not None
    return booking.state


def set_state(repo: MemoryRepository, state: BookingState) -> None:
    booking = repo.booking_by_code(OFFICE, CODE)
    assert booking is not None
    assert repo.replace_booking(replace(booking, state=state), booking.state)


@pytest.mark.parametrize(
    ("setup", "typed", "now", "error", "code", "extra", "detail"),
    [
        (None, "ZZZZ-ZZZZ", SLOT, NotFound, "appointment_not_found", {}, "no booking with the code 'ZZZZ-ZZZZ'"),
        (None, "not a code", SLOT, NotFound, "appointment_not_found", {}, "no booking"),
        (
            None,
            CODE,
            SLOT - timedelta(minutes=40),
            Conflict,
            "appointment_too_early",
            {"check_in_from": "2026-03-02T10:15:00+01:00"},
            "check-in opens at 10:15",
        ),
        (None, CODE, SLOT + timedelta(minutes=11), Conflict, "appointment_too_late", {"service": "A"}, "walk-in"),
        (
            BookingState.NO_SHOW,
            CODE,
            SLOT,
            Conflict,
            "appointment_too_late",
            {"service": "A"},
            "take a walk-in ticket for the same service",
        ),
        (BookingState.CANCELLED, CODE, SLOT, Conflict, "appointment_cancelled", {}, "was cancelled"),
    ],
    ids=["unknown", "malformed", "too early", "too late", "marked no-show", "cancelled"],
)
def test_a_refused_check_in_says_why_and_changes_nothing(
    desk: Desk,
    repo: MemoryRepository,
    setup: BookingState | None,
    typed: str,
    now: datetime,
    error: type[DomainError],
    code: str,
    extra: dict[str, object],
    detail: str,
) -> None:
    booked(repo)
    if setup is not None:
        set_state(repo, setup)
    before = state_of(repo)
    with pytest.raises(error) as refused:
        check_in(repo, typed, now)
    assert (refused.value.code, refused.value.extra) == (code, extra)
    assert detail in refused.value.detail
    assert tickets(repo) == []
    assert desk.events() == []
    assert state_of(repo) is before


def test_check_in_from_is_the_opening_time_in_the_offices_zone(repo: MemoryRepository) -> None:
    summer = datetime(2026, 7, 1, 8, 0, tzinfo=UTC)  # 10:00 in Brussels (UTC+2)
    booked(repo, summer)
    with pytest.raises(Conflict) as refused:
        check_in(repo, CODE, summer - timedelta(hours=1))
    assert refused.value.extra == {"check_in_from": "2026-07-01T09:45:00+02:00"}
    assert "at 10:00: check-in opens at 09:45" in refused.value.detail


def test_a_second_check_in_without_the_key_is_refused_naming_the_ticket(repo: MemoryRepository) -> None:
    booked(repo)
    first = check_in(repo, CODE, SLOT, key="a")
    with pytest.raises(Conflict) as refused:
        check_in(repo, CODE, SLOT + timedelta(minutes=1), key="b")
    assert refused.value.code == "appointment_already_checked_in"
    assert f"(ticket {first.ticket.number})" in refused.value.detail
    assert tickets(repo) == [first.ticket.id]


def test_another_offices_code_is_not_found(repo: MemoryRepository) -> None:
    booked(repo, office=ANNEX)
    with pytest.raises(NotFound) as refused:
        check_in(repo, CODE, SLOT)
    assert refused.value.code == "appointment_not_found"
    assert checkin.check_in(repo, ANNEX, CODE, "en", SLOT, token="t").ticket.office == ANNEX


def test_a_service_sent_along_must_be_the_booked_one(repo: MemoryRepository) -> None:
    booked(repo, service="B")
    with pytest.raises(Invalid) as refused:
        checkin.check_in(repo, OFFICE, CODE, "nl", SLOT, token="t", service="A")
    assert refused.value.code == "appointment_service_mismatch"
    assert checkin.check_in(repo, OFFICE, CODE, "nl", SLOT, token="t", service="B").ticket.service == "B"


# --- where the ticket ranks ------------------------------------------------------------------------


def test_an_early_appointment_waits_from_its_slot_and_goes_before_walk_ins_once_due(
    desk: Desk, repo: MemoryRepository
) -> None:
    slot = at(10)
    booked(repo, slot)
    walk_in = desk.issue("A", at(0))
    appointment = check_in(repo, CODE, at(-4)).ticket  # 14 minutes early: inside the window
    assert appointment.in_room_since == slot  # the wait counts from the slot, not from the early arrival
    # Not due yet: the walk-in who is there goes first; from 5 minutes before the slot, the appointment does.
    assert routing.priority_key(walk_in, at(4)) < routing.priority_key(appointment, at(4))
    assert routing.priority_key(appointment, at(5)) < routing.priority_key(walk_in, at(5))
    desk.open(1)
    for policy in (routing.appointments_first, routing.loket):
        counter = repo.counter(1)
        ranked = policy(
            counter, repo.tickets_in(OFFICE, {TicketState.WAITING}), at(10), usecases.floor(repo, OFFICE, at(10))
        )
        assert [t.id for t in ranked] == [appointment.id, walk_in.id], policy
    assert usecases.call_next(repo, 1, at(10), routing.loket) == replace(
        appointment, state=TicketState.CALLED, counter_id=1, called_at=at(10), first_called_at=at(10)
    )


# --- booking ---------------------------------------------------------------------------------------


def test_booking_keeps_the_slot_in_utc_and_the_code_in_its_canonical_form(repo: MemoryRepository) -> None:
    brussels = timezone(timedelta(hours=1))
    booking = bookings.book(repo, OFFICE, "C", datetime(2026, 3, 3, 11, 0, tzinfo=brussels), "en", T0, code="q7kx4mtp")
    assert booking.id is not None
    assert (booking.code, booking.slot_at, booking.state, booking.ticket_id) == (
        "Q7KX-4MTP",
        datetime(2026, 3, 3, 10, 0, tzinfo=UTC),
        BookingState.BOOKED,
        None,
    )
    assert repo.booking_by_code(OFFICE, "Q7KX-4MTP") == booking
    assert repo.booking_by_code(ANNEX, "Q7KX-4MTP") is None


@pytest.mark.parametrize(
    ("office", "service", "slot", "language", "code", "error", "error_code"),
    [
        ("nowhere", "A", SLOT, "nl", CODE, NotFound, "office_not_found"),
        (OFFICE, "Q", SLOT, "nl", CODE, NotFound, "service_not_found"),
        (OFFICE, "A", T0, "nl", CODE, Invalid, "slot_in_past"),
        (OFFICE, "A", T0 - timedelta(hours=1), "nl", CODE, Invalid, "slot_in_past"),
        (OFFICE, "A", SLOT.replace(tzinfo=None), "nl", CODE, Invalid, "slot_without_timezone"),
        (OFFICE, "A", SLOT, "de", CODE, Invalid, "invalid_language"),
        (OFFICE, "A", SLOT, "nl", "OOPS", Invalid, "invalid_booking_code"),
        (OFFICE, "A", SLOT, "nl", "AAAA-BBBB", Conflict, "booking_code_taken"),
    ],
)
def test_booking_is_refused_for_an_unknown_service_a_past_slot_or_a_taken_code(
    repo: MemoryRepository,
    office: str,
    service: str,
    slot: datetime,
    language: str,
    code: str,
    error: type[DomainError],
    error_code: str,
) -> None:
    bookings.book(repo, OFFICE, "A", SLOT, "nl", T0, code="AAAA-BBBB")
    with pytest.raises(error) as refused:
        bookings.book(repo, office, service, slot, language, T0, code=code)
    assert refused.value.code == error_code
    assert repo.booking_by_code(OFFICE, CODE) is None
