"""Booking, moving, cancelling and erasing an appointment: what the JSON API and the booking pages share.

Everything a citizen can do without a token is rate limited per client address; phone numbers are
checked and written in E.164 with `phonenumbers`; confirmations and cancellations are handed to the
messenger after the change is committed, so a slow mail server never holds a slot or a request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import phonenumbers

from scheduler import bookings, calendar
from scheduler.bookings import Contact
from scheduler.errors import Invalid
from scheduler.model import Booking, Office, Service
from service import public_holidays
from service.changes import change, read
from service.parts import Parts


@dataclass(frozen=True)
class Booked:
    booking: Booking
    #: The manage token: only the citizen's links carry it.
    token: str


def phone_e164(text: str | None, region: str) -> str | None:
    """A mobile or landline number as typed ("0470 12 34 56", "+32 470 12 34 56") in E.164; blank -> None.
    Invalid `invalid_phone` otherwise: the rule is the scheduler's kind, only `phonenumbers` lives out here."""
    if text is None or not text.strip():
        return None
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise Invalid(f"{text.strip()!r} is not a valid phone number", code="invalid_phone")
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def holidays_around(day: date) -> frozenset[date]:
    return public_holidays.around(day)


def links(parts: Parts, token: str) -> dict[str, str]:
    base = f"{parts.settings.public_url.rstrip('/')}/booking/{token}"
    return {"manage_url": base, "cancel_url": f"{base}/cancel", "ics_url": f"{base}/appointment.ics"}


async def book(
    parts: Parts,
    office: str,
    service: str,
    slot_at: datetime,
    language: str,
    contact: Contact,
    client: str | None,
) -> Booked:
    """`client`: whose hourly budget this spends (once the input is readable); None for staff, who may book
    without a contact (a citizen at the desk with neither e-mail nor phone)."""
    contact = bookings.check_contact(
        Contact(
            contact.name, contact.email, phone_e164(contact.phone, parts.settings.default_region), contact.remind_via
        ),
        reachable=client is not None,
    )
    if client is not None:
        parts.booking_limit.spend(client)
    now = parts.clock()
    bookings.within_horizon(slot_at, now, parts.settings.booking_weeks)
    code, token = bookings.new_code(), bookings.new_manage_token()
    days = holidays_around(slot_at.date())
    booking = await change(
        parts,
        office,
        now,
        lambda repo: bookings.book(
            repo,
            office,
            service,
            slot_at,
            language,
            now,
            code=code,
            holidays=days,
            contact=contact,
            manage_token=token,
            cap=parts.settings.booking_cap,
            reachable=client is not None,
            day_cap=parts.settings.booking_day_cap,
        ),
    )
    parts.messenger.booking_changed(booking, "confirmation")
    return Booked(booking, token)


async def find(parts: Parts, token: str) -> Booking:
    return await read(parts, lambda repo: bookings.managed(repo, token))


async def cancel(parts: Parts, token: str, client: str) -> Booking:
    parts.booking_limit.spend(client)
    booking = await find(parts, token)
    now = parts.clock()
    cancelled = await change(parts, booking.office, now, lambda repo: bookings.cancel(repo, token, now))
    parts.messenger.booking_changed(cancelled, "cancellation")
    return cancelled


async def move(parts: Parts, token: str, slot_at: datetime, client: str) -> Booking:
    parts.booking_limit.spend(client)
    booking = await find(parts, token)
    now = parts.clock()
    bookings.within_horizon(slot_at, now, parts.settings.booking_weeks)
    days = holidays_around(slot_at.date())
    moved = await change(parts, booking.office, now, lambda repo: bookings.move(repo, token, slot_at, now, days))
    if moved.slot_at != booking.slot_at:
        parts.messenger.booking_changed(moved, "confirmation")
    return moved


async def erase(parts: Parts, token: str, client: str) -> Booking:
    parts.booking_limit.spend(client)
    booking = await find(parts, token)
    now = parts.clock()
    return await change(parts, booking.office, now, lambda repo: bookings.erase(repo, token, now))


async def office_and_service(parts: Parts, booking: Booking) -> tuple[Office, Service]:
    return await read(parts, lambda repo: (repo.office(booking.office), repo.service(booking.office, booking.service)))


def view(parts: Parts, booking: Booking, office: Office, service: Service, token: str) -> dict[str, Any]:
    """The booking as its owner sees it (the JSON of `GET /api/bookings/{token}`)."""
    zone = ZoneInfo(office.timezone)
    return {
        "code": booking.code,
        "office": office.id,
        "office_name": office.name,
        "service": booking.service,
        "service_name": service.name(booking.language),
        "slot_at": booking.slot_at.astimezone(zone).isoformat(),
        "duration_min": calendar.slot_length_s(service) // 60,
        "state": booking.state.value,
        "language": booking.language,
        "name": booking.name,
        "email": booking.email,
        "phone": booking.phone,
        "remind_via": booking.remind_via,
        "checklist": list(service.checklist_in(booking.language)),
        "erased": booking.erased_at is not None,
        **links(parts, token),
    }
