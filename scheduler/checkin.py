"""Appointment check-in at the kiosk: the check-in window, and turning a booking into a ticket.

A booked citizen may check in from `EARLY` before their slot until `LATE` after it (both edges
included). The ticket they get is an appointment ticket carrying the slot, so the call policies rank
it by its slot (`routing.priority_key`, and `in_room_since` for a citizen who came early).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler import routing, usecases
from scheduler.bookings import normalise_code
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.model import Booking, BookingState
from scheduler.repository import Repository

#: How long before the slot check-in opens.
EARLY = timedelta(minutes=15)
#: How long after the slot check-in is still accepted.
LATE = timedelta(minutes=10)


class Timing(enum.StrEnum):
    ON_TIME = "on_time"
    EARLY = "early"
    TOO_LATE = "too_late"


@dataclass(frozen=True)
class Verdict:
    timing: Timing
    #: From when check-in opens (for `EARLY`; the same instant for the others, for information).
    opens_at: datetime
    #: Until when check-in is accepted.
    closes_at: datetime


def window(slot_at: datetime, now: datetime, *, early: timedelta = EARLY, late: timedelta = LATE) -> Verdict:
    """Whether a citizen booked at `slot_at` may check in at `now`."""
    opens_at, closes_at = slot_at - early, slot_at + late
    if now < opens_at:
        timing = Timing.EARLY
    elif now > closes_at:
        timing = Timing.TOO_LATE
    else:
        timing = Timing.ON_TIME
    return Verdict(timing, opens_at, closes_at)


def _not_found(office_id: str, code: str) -> NotFound:
    return NotFound(f"office {office_id} has no booking with the code {code!r}", code="appointment_not_found")


def check_in(
    repo: Repository,
    office_id: str,
    code: str,
    language: str,
    now: datetime,
    *,
    token: str,
    idempotency_key: str | None = None,
    service: str | None = None,
    policy: routing.Policy | None = None,
) -> usecases.Issued:
    """The citizen holding booking `code` checks in: an appointment ticket for the booked service and
    slot, and the booking marked checked in, in the same transaction.

    A retry with the same `idempotency_key` returns the ticket of the first try (`replayed`), even
    though the booking is checked in by then. A `service`, if the kiosk sends one, must be the booked one.
    The `policy` tells the wait announced on the ticket, as in `usecases.issue_ticket`.
    """
    office = repo.office(office_id)
    canonical = normalise_code(code)
    if idempotency_key is not None:
        earlier = repo.ticket_by_idempotency_key(office_id, idempotency_key)
        if earlier is not None:
            if canonical is None or earlier.appointment != canonical:
                raise Conflict(
                    "this Idempotency-Key was already used for a different request", code="idempotency_key_reused"
                )
            return usecases.Issued(earlier, replayed=True)
    booking = repo.booking_by_code(office_id, canonical) if canonical is not None else None
    if booking is None:
        raise _not_found(office_id, code)
    _require_checkable(repo, booking, now, ZoneInfo(office.timezone))
    if service is not None and service != booking.service:
        raise Invalid(
            f"the appointment {booking.code} is for service {booking.service}, not {service}",
            code="appointment_service_mismatch",
        )
    issued = usecases.issue_ticket(
        repo,
        office_id,
        booking.service,
        language,
        now,
        token=token,
        idempotency_key=idempotency_key,
        appointment=usecases.Appointment(booking.code, booking.slot_at),
        policy=policy,
    )
    checked_in = replace(booking, state=BookingState.CHECKED_IN, ticket_id=issued.ticket.id)
    if not repo.replace_booking(checked_in, BookingState.BOOKED):
        raise Conflict(f"booking {booking.code} was checked in already", code="appointment_already_checked_in")
    return issued


def _require_checkable(repo: Repository, booking: Booking, now: datetime, zone: ZoneInfo) -> None:
    slot_local = booking.slot_at.astimezone(zone).strftime("%H:%M")
    if booking.state is BookingState.CANCELLED:
        raise Conflict(f"the appointment {booking.code} was cancelled", code="appointment_cancelled")
    if booking.state is BookingState.CHECKED_IN:
        number = repo.ticket(booking.ticket_id).number if booking.ticket_id is not None else None
        raise Conflict(
            f"the appointment {booking.code} is already checked in" + (f" (ticket {number})" if number else ""),
            code="appointment_already_checked_in",
        )
    verdict = window(booking.slot_at, now)
    if verdict.timing is Timing.EARLY:
        opens = verdict.opens_at.astimezone(zone)
        raise Conflict(
            f"the appointment is at {slot_local}: check-in opens at {opens:%H:%M}",
            code="appointment_too_early",
            extra={"check_in_from": opens.isoformat()},
        )
    if booking.state is BookingState.NO_SHOW or verdict.timing is Timing.TOO_LATE:
        raise Conflict(
            f"the appointment at {slot_local} can no longer be checked in (check-in closed "
            f"{int(LATE.total_seconds() // 60)} minutes after the slot); take a walk-in ticket for the same "
            "service instead",
            code="appointment_too_late",
            extra={"service": booking.service},
        )
