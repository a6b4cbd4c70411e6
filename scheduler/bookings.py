"""Bookings: their codes, and booking a slot.

A booking code is what a citizen types at the kiosk or shows as a QR code: 8 characters from an
alphabet without the look-alikes 0/O, 1/I/L, written in two groups ("K7QX-M4TP"). Input is accepted
in any case, with or without the dash or spaces.
"""

from __future__ import annotations

import secrets
from collections.abc import Collection
from datetime import date, datetime, timedelta

from scheduler import calendar
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.model import LANGUAGES, Booking
from scheduler.repository import Repository

#: No 0/O, 1/I/L: nothing a citizen can misread or mistype for something else.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
_GROUP = CODE_LENGTH // 2


def new_code() -> str:
    """A fresh random booking code in its canonical form (31^8, about 8.5e11 possible codes)."""
    return format_code("".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH)))


def format_code(raw: str) -> str:
    return f"{raw[:_GROUP]}-{raw[_GROUP:]}"


def normalise_code(text: str) -> str | None:
    """The canonical form of a code as typed ("k7qx m4tp", "K7QXM4TP" -> "K7QX-M4TP"); None when it
    cannot be a code at all."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return format_code(raw)


def book(
    repo: Repository,
    office_id: str,
    service_code: str,
    slot_at: datetime,
    language: str,
    now: datetime,
    *,
    code: str,
    holidays: Collection[date] = frozenset(),
) -> Booking:
    """Book `service_code` at `slot_at` under `code` (the caller draws it with `new_code`).

    The slot must be one of the office calendar's (`scheduler.calendar`, with these public `holidays`):
    422 `no_such_slot` otherwise; a slot whose seats are all taken is refused with 409 `slot_full`.
    """
    office = repo.office(office_id)
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", code="invalid_language")
    service = next((s for s in repo.services(office_id) if s.code == service_code), None)
    if service is None:
        raise NotFound(f"office {office_id} has no service {service_code!r}", code="service_not_found")
    if slot_at.tzinfo is None or slot_at.utcoffset() is None:
        raise Invalid("the slot needs a time zone", code="slot_without_timezone")
    slot = calendar.slot_at(
        office, service, repo.counters(office_id), repo.counter_shifts(office_id), slot_at, now, holidays
    )
    full = Conflict(f"the slot {slot_at.isoformat()} of service {service_code} is fully booked", code="slot_full")
    taken = repo.seats_taken(office_id, service_code, slot.at, slot.at + timedelta(seconds=1)).get(slot.at, 0)
    if taken >= slot.capacity:
        raise full
    canonical = normalise_code(code)
    if canonical is None:
        raise Invalid(f"{code!r} is not a booking code", code="invalid_booking_code")
    if repo.booking_by_code(office_id, canonical) is not None:
        raise Conflict(f"office {office_id} already has a booking {canonical}", code="booking_code_taken")
    booking = repo.add_booking(
        Booking(office=office_id, service=service_code, code=canonical, slot_at=slot.at, language=language)
    )
    if repo.take_seat(booking, slot.capacity) is None:
        raise full  # the transaction is rolled back: the booking goes too
    return booking


def free_slots(
    repo: Repository, office_id: str, service_code: str, day: date, now: datetime, holidays: Collection[date]
) -> list[tuple[datetime, int]]:
    """The slots of a service on the office-local `day` that start after `now`: (start, free seats)."""
    office = repo.office(office_id)
    service = next((s for s in repo.services(office_id) if s.code == service_code), None)
    if service is None:
        raise NotFound(f"office {office_id} has no service {service_code!r}", code="service_not_found")
    if not service.bookable:
        raise Invalid(f"service {service_code} cannot be booked", code="service_not_bookable")
    found = calendar.slots(
        office, service, repo.counters(office_id), repo.counter_shifts(office_id), day, now, holidays
    )
    if not found:
        return []
    taken = repo.seats_taken(office_id, service_code, found[0].at, found[-1].at + timedelta(seconds=1))
    return [(slot.at, max(0, slot.capacity - taken.get(slot.at, 0))) for slot in found]
