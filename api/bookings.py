"""Appointments as JSON: free slots, booking, and what the holder of a booking's manage token may do.

No token is needed to book (citizens book from home); the booking's manage token, answered once in
`manage_url`, is the only key to it afterwards. Every change is rate limited per client address.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request, Response

from api.deps import PartsDep, client_of, require, resolve
from api.schemas import BookAppointment, BookingOut, MoveAppointment
from scheduler import bookings
from scheduler.access import Permission
from scheduler.bookings import Contact
from service import appointments, public_holidays
from service.changes import read
from service.invitation import invitation

router = APIRouter(tags=["bookings"])

_TOKEN_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "`booking_not_found`: no booking has this manage token"}
}
_CHANGE_409: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "`booking_cancelled`, `already_checked_in`, `booking_past`; moving: `slot_full`",
    },
    429: {"description": "`too_many_requests`: this client's hourly budget is spent (see Retry-After)"},
}


async def _budget_of(request: Request, parts: PartsDep, office: str) -> str | None:
    """Whose hourly budget a booking spends: the client's; none for staff booking with their token (a desk
    booking for citizens on the phone) or for the office's kiosk (a citizen standing in the hall, who takes an
    appointment instead of a long wait): the token must then be good and allowed to manage the office or to
    issue its tickets."""
    header = request.headers.get("authorization")
    if not header:
        return client_of(request)
    scheme, _, secret = header.partition(" ")
    principal = await resolve(parts, secret.strip() if scheme.lower() == "bearer" else None)
    if not principal.may(Permission.MANAGE, office):
        require(principal, Permission.ISSUE, office)
    return None


@router.get("/api/offices/{office}/slots")
async def free_slots(office: str, service: str, day: date, parts: PartsDep) -> list[dict[str, Any]]:
    """The slots of a bookable `service` on `day` (YYYY-MM-DD, the office's local day) that are still
    ahead: `at` (ISO 8601 in the office's time zone) and `free` seats (0 when fully booked). None on public
    holidays, the office's closing days, or outside its opening hours. Public: citizens browse them."""
    now = parts.clock()
    days = public_holidays.belgian(day)
    found = await read(parts, lambda repo: bookings.free_slots(repo, office, service, day, now, days))
    zone = ZoneInfo((await read(parts, lambda repo: repo.office(office))).timezone)
    return [{"at": at.astimezone(zone).isoformat(), "free": free} for at, free in found]


async def _view(parts: PartsDep, booking: Any, token: str) -> dict[str, Any]:
    office, service = await appointments.office_and_service(parts, booking)
    return appointments.view(parts, booking, office, service, token)


@router.post(
    "/api/offices/{office}/bookings",
    status_code=201,
    response_model=BookingOut,
    responses={
        409: {
            "description": "`slot_full`: every seat of the slot is taken; `too_many_bookings`: this e-mail "
            "address or phone number has LOKET_BOOKING_CAP appointments to come here; `too_many_bookings_today`: "
            "it made LOKET_BOOKING_DAY_CAP bookings here today"
        },
        422: {
            "description": "`no_such_slot` (a public holiday, a closing day, outside the opening hours or not "
            "the start of a slot), `service_not_bookable`, `slot_in_past`, `invalid_phone`, `invalid_email`, "
            "`invalid_name` (one line, at most 80 characters, no control characters), `contact_required` (an "
            "e-mail address or a phone number), `email_required`/`phone_required` (to be reminded by e-mail/SMS)"
        },
        429: {"description": "`too_many_requests`: this client's hourly budget is spent (see Retry-After)"},
    },
)
async def book(office: str, body: BookAppointment, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Book an appointment. Answers its `code` (typed or scanned at the kiosk to check in) and its
    `manage_url`, the citizen's private link to see, move, cancel or erase it. The slot must be one of
    `GET /api/offices/{office}/slots` with a free seat. Confirmation by e-mail (and SMS when chosen).
    Anyone may book, within an hourly budget per client; a manager's or the office kiosk's token books
    without one (and without a contact)."""
    contact = Contact(body.name, body.email, body.phone, body.remind_via)
    budget = await _budget_of(request, parts, office)
    booked = await appointments.book(parts, office, body.service, body.slot_at, body.language, contact, budget)
    return await _view(parts, booked.booking, booked.token)


@router.get("/api/bookings/{token}", response_model=BookingOut, responses=_TOKEN_404)
async def see(token: str, parts: PartsDep) -> dict[str, Any]:
    """The booking behind a manage token."""
    return await _view(parts, await appointments.find(parts, token), token)


@router.post("/api/bookings/{token}/move", response_model=BookingOut, responses={**_TOKEN_404, **_CHANGE_409})
async def move(token: str, body: MoveAppointment, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Move the appointment to another free slot of the same service; the old slot is freed."""
    moved = await appointments.move(parts, token, body.slot_at, client_of(request))
    return await _view(parts, moved, token)


@router.post("/api/bookings/{token}/cancel", response_model=BookingOut, responses={**_TOKEN_404, **_CHANGE_409})
async def cancel(token: str, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Cancel the appointment: its slot is free for someone else at once."""
    cancelled = await appointments.cancel(parts, token, client_of(request))
    return await _view(parts, cancelled, token)


@router.delete("/api/bookings/{token}", response_model=BookingOut, responses=_TOKEN_404)
async def erase(token: str, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Erase the citizen's name, e-mail and phone now (an appointment still to come is cancelled)."""
    erased = await appointments.erase(parts, token, client_of(request))
    return await _view(parts, erased, token)


@router.get("/api/bookings/{token}/appointment.ics", responses=_TOKEN_404, response_class=Response)
@router.get("/booking/{token}/appointment.ics", include_in_schema=False, response_class=Response)
async def calendar_file(token: str, parts: PartsDep) -> Response:
    """The appointment as an iCalendar file (Europe/Brussels or the office's zone) for the citizen's calendar."""
    booking = await appointments.find(parts, token)
    office, service = await appointments.office_and_service(parts, booking)
    body = invitation(booking, office, service, appointments.links(parts, token)["manage_url"], parts.clock())
    return Response(
        body,
        media_type="text/calendar; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="appointment-{booking.code}.ics"',
            # The address carries the manage token: keep it out of caches and referrers.
            "Cache-Control": "no-store",
            "Referrer-Policy": "no-referrer",
        },
    )
