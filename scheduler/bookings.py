"""Bookings: their codes, and booking a slot.

A booking code is what a citizen types at the kiosk or shows as a QR code: 8 characters from an
alphabet without the look-alikes 0/O, 1/I/L, written in two groups ("K7QX-M4TP"). Input is accepted
in any case, with or without the dash or spaces.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

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
) -> Booking:
    """Book `service_code` at `slot_at` under `code` (the caller draws it with `new_code`).

    Any existing service may be booked for now; slot capacity comes with the booking pages.
    """
    repo.office(office_id)
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", code="invalid_language")
    if not any(s.code == service_code for s in repo.services(office_id)):
        raise NotFound(f"office {office_id} has no service {service_code!r}", code="service_not_found")
    if slot_at.tzinfo is None or slot_at.utcoffset() is None:
        raise Invalid("the slot needs a time zone", code="slot_without_timezone")
    if slot_at <= now:
        raise Invalid(f"the slot {slot_at.isoformat()} is in the past", code="slot_in_past")
    canonical = normalise_code(code)
    if canonical is None:
        raise Invalid(f"{code!r} is not a booking code", code="invalid_booking_code")
    if repo.booking_by_code(office_id, canonical) is not None:
        raise Conflict(f"office {office_id} already has a booking {canonical}", code="booking_code_taken")
    return repo.add_booking(
        Booking(
            office=office_id,
            service=service_code,
            code=canonical,
            slot_at=slot_at.astimezone(UTC),
            language=language,
        )
    )
