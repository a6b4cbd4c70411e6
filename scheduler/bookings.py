"""Bookings: their codes, booking a slot, and what the citizen may do with it afterwards.

A booking code is what a citizen types at the kiosk or shows as a QR code: 8 characters from an
alphabet without the look-alikes 0/O, 1/I/L, written in two groups ("K7QX-M4TP"). Input is accepted
in any case, with or without the dash or spaces. The code is short to be typed, so it gives no power:
seeing, moving, cancelling and erasing a booking take its manage token (192 random bits), which is in the
links of the citizen's confirmation and reminder only, and is dropped with the contact by the purge.
"""

from __future__ import annotations

import secrets
import unicodedata
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler import calendar
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.model import LANGUAGES, Booking, BookingState, Office, Service
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


#: 24 bytes: 192 bits, well over the 128 a guess must face.
MANAGE_TOKEN_BYTES = 24
REMIND_VIA = ("email", "sms", "none")
#: A name is what a greeting quotes: one line of at most this many characters.
MAX_NAME = 80
MAX_EMAIL = 254
#: Unicode categories a name never needs: controls (new lines among them), format characters (direction
#: overrides that reorder what a reader sees), surrogates, private use, unassigned, line and paragraph separators.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def new_manage_token() -> str:
    return secrets.token_urlsafe(MANAGE_TOKEN_BYTES)


@dataclass(frozen=True)
class Contact:
    """Who booked and how to reach them; `phone` already in E.164 (the server checks numbers with
    `phonenumbers` before it gets here)."""

    name: str | None = None
    email: str | None = None
    phone: str | None = None
    remind_via: str = "none"


def normalised(contact: Contact) -> Contact:
    """Blanks as None and the e-mail address in one form (trimmed, lower case), so that `Victim@` and `victim@`
    are one person to every comparison (the caps) and every message."""
    name = (contact.name or "").strip() or None
    email = (contact.email or "").strip().lower() or None
    phone = (contact.phone or "").strip() or None
    return Contact(name, email, phone, contact.remind_via)


def contact_problems(contact: Contact, *, reachable: bool) -> dict[str, str]:
    """Every problem of a (normalised) contact, field -> code, the booking page's and the API's one rule.
    `reachable`: an e-mail address or a phone number is required (citizens' bookings: a booking nobody can be
    told about is one anybody could make by the hundred)."""
    problems: dict[str, str] = {}
    if contact.name is not None and not fits_a_greeting(contact.name):
        problems["name"] = "invalid_name"
    if contact.email is not None and not _looks_like_email(contact.email):
        problems["email"] = "invalid_email"
    if contact.remind_via not in REMIND_VIA:
        problems["remind_via"] = "invalid_remind_via"
    if reachable and contact.email is None and contact.phone is None:
        problems.setdefault("email", "contact_required")
    elif contact.remind_via == "email" and contact.email is None:
        problems.setdefault("email", "email_required")
    elif contact.remind_via == "sms" and contact.phone is None:
        problems.setdefault("phone", "phone_required")
    return problems


_SAYING = {
    "invalid_name": f"the name is one line of at most {MAX_NAME} characters, without control characters",
    "invalid_email": "this is not an e-mail address",
    "invalid_remind_via": f"remind_via must be one of {', '.join(REMIND_VIA)}",
    "contact_required": "give an e-mail address or a phone number: the office must be able to reach you",
    "email_required": "give an e-mail address to be reminded by e-mail",
    "phone_required": "give a mobile number to be reminded by SMS",
}


def check_contact(contact: Contact, *, reachable: bool = False) -> Contact:
    """The contact normalised; Invalid naming the first problem (`contact_problems`)."""
    contact = normalised(contact)
    problems = contact_problems(contact, reachable=reachable)
    if problems:
        code = next(iter(problems.values()))
        raise Invalid(_SAYING[code], code=code)
    return contact


def check_offered(contact: Contact, media: Sequence[str]) -> None:
    """Conflict `notification_not_offered` when the contact asks to be told by a medium the server does not
    send on (`media`: "email", "sms"), rather than keep an address nobody will ever write to."""
    if (contact.email and "email" not in media) or (contact.phone and "sms" not in media):
        raise Conflict(
            f"this office tells citizens by {' and '.join(media) or 'neither e-mail nor SMS'} only",
            code="notification_not_offered",
        )


def fits_a_greeting(name: str) -> bool:
    """One line, short, nothing invisible: what a message may quote as the citizen's name."""
    return len(name) <= MAX_NAME and not any(unicodedata.category(ch) in _NOT_IN_NAMES for ch in name)


def _looks_like_email(text: str) -> bool:
    # Deliverability is the mail server's business; this only catches what cannot be an address.
    local, at, domain = text.rpartition("@")
    return (
        bool(at and local and domain)
        and len(text) <= MAX_EMAIL
        and "." in domain.strip(".")
        and not any(ch.isspace() or ch in '<>,;"' or unicodedata.category(ch)[0] == "C" for ch in text)
    )


def within_horizon(slot_at: datetime, now: datetime, weeks: int) -> None:
    """Slots are booked from now to `weeks` ahead: Invalid `slot_in_past` or `beyond_booking_horizon` otherwise,
    checked before the calendar (which would have to look up the holidays of year 1 or 9999 to say so)."""
    if slot_at <= now:
        raise Invalid(f"the slot {slot_at.isoformat()} is in the past", code="slot_in_past")
    if slot_at > now + timedelta(weeks=weeks):
        raise Invalid(
            f"appointments can be booked up to {weeks} weeks ahead, not on {slot_at.date().isoformat()}",
            code="beyond_booking_horizon",
        )


def booking_days(office: Office, now: datetime, weeks: int) -> list[date]:
    """The days citizens may book: from the office's today for `weeks` weeks."""
    today = now.astimezone(ZoneInfo(office.timezone)).date()
    return [today + timedelta(days=n) for n in range(weeks * 7)]


def bookable_day(office: Office, text: str, now: datetime, weeks: int) -> date:
    """The day `text` (YYYY-MM-DD) names, if it is one of the `booking_days`; NotFound `day_not_bookable`."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        day = None
    if day is None or day not in booking_days(office, now, weeks):
        raise NotFound(f"{text} cannot be booked", code="day_not_bookable")
    return day


def day_unavailable(
    office: Office, day: date, holidays: Collection[date], free: Sequence[tuple[datetime, int]]
) -> str | None:
    """Why nothing can be booked on `day`, given its `free_slots`: "holiday" or "closed" (`calendar.closed_because`),
    "over" (no slot left after now), "full" (no free seat); None when a seat is free."""
    why = calendar.closed_because(office, day, holidays)
    if why is None and not free:
        why = "over"
    elif why is None and not any(seats > 0 for _, seats in free):
        why = "full"
    return why


def bookable_service(repo: Repository, office_id: str, code: str) -> Service:
    """The office's service `code` if citizens may book it: NotFound `service_not_found`, Invalid
    `service_not_bookable`."""
    service = repo.service(office_id, code)
    if not service.bookable:
        raise Invalid(f"service {code} cannot be booked", code="service_not_bookable")
    return service


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
    contact: Contact = Contact(),
    reachable: bool = False,
    manage_token: str | None = None,
    cap: int = 0,
    day_cap: int = 0,
) -> Booking:
    """Book `service_code` at `slot_at` under `code` (the caller draws it with `new_code`) and, when given,
    the manage token that lets the citizen change it later (`new_manage_token`).

    The slot must be one of the office calendar's (`scheduler.calendar`, with these public `holidays`):
    422 `no_such_slot` otherwise; a slot whose seats are all taken is refused with 409 `slot_full`. With a
    `cap`, a contact that already has that many future bookings here is refused with 409 `too_many_bookings`;
    with a `day_cap`, one that made that many bookings here today (the office's day, cancelled ones too: each
    sent a message) with 409 `too_many_bookings_today`.

    The `contact` is checked (`contact_problems`); a citizen's booking needs it `reachable` (422
    `contact_required`), one made by staff (a manager's token, `loket booking add`) may do without.
    """
    office = repo.office(office_id)
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", code="invalid_language")
    contact = check_contact(contact, reachable=reachable)
    service = repo.service(office_id, service_code)
    if slot_at.tzinfo is None or slot_at.utcoffset() is None:
        raise Invalid("the slot needs a time zone", code="slot_without_timezone")
    slot = calendar.slot_at(
        office, service, repo.counters(office_id), repo.counter_shifts(office_id), slot_at, now, holidays
    )
    if cap and repo.active_bookings(office_id, contact.email, contact.phone, now) >= cap:
        raise Conflict(
            f"this e-mail address or phone number already has {cap} appointments to come at this office: "
            "cancel one before booking another",
            code="too_many_bookings",
            extra={"cap": cap},
        )
    if day_cap:
        midnight = datetime.combine(now.astimezone(ZoneInfo(office.timezone)).date(), time(), ZoneInfo(office.timezone))
        if repo.bookings_made(office_id, contact.email, contact.phone, midnight) >= day_cap:
            raise Conflict(
                f"this e-mail address or phone number already made {day_cap} bookings at this office today: "
                "try again tomorrow",
                code="too_many_bookings_today",
                extra={"cap": day_cap},
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
        Booking(
            office=office_id,
            service=service_code,
            code=canonical,
            slot_at=slot.at,
            language=language,
            name=contact.name,
            email=contact.email,
            phone=contact.phone,
            remind_via=contact.remind_via,
            manage_token=manage_token,
            created_at=now,
        )
    )
    if repo.take_seat(booking, slot.capacity) is None:
        raise full  # the transaction is rolled back: the booking goes too
    return booking


def managed(repo: Repository, token: str) -> Booking:
    """The booking behind a manage token; NotFound `booking_not_found` for any other text."""
    booking = repo.booking_by_manage_token(token) if token else None
    if booking is None:
        raise NotFound("no booking has this link: it may be mistyped", code="booking_not_found")
    return booking


def _changeable(booking: Booking, now: datetime) -> None:
    if booking.state == BookingState.CANCELLED:
        raise Conflict("this appointment was cancelled", code="booking_cancelled")
    if booking.state == BookingState.CHECKED_IN:
        raise Conflict("this appointment is checked in: ask at the counter", code="already_checked_in")
    if booking.state == BookingState.NO_SHOW or booking.slot_at <= now:
        raise Conflict("this appointment has passed", code="booking_past")


def _write(repo: Repository, before: Booking, after: Booking) -> Booking:
    if not repo.replace_booking(after, before.state):
        raise Conflict("the appointment changed meanwhile: look again", code="booking_changed")
    return after


def cancel(repo: Repository, token: str, now: datetime) -> Booking:
    """Cancel a booking that is still to come; its seat is free for someone else at once."""
    booking = managed(repo, token)
    _changeable(booking, now)
    assert booking.id is not None
    repo.release_seat(booking.id)
    return _write(repo, booking, replace(booking, state=BookingState.CANCELLED))


def move(
    repo: Repository, token: str, slot_at: datetime, now: datetime, holidays: Collection[date] = frozenset()
) -> Booking:
    """Move a booking to another slot of the same service; the old seat is freed only if the new one is taken
    (refusals roll the whole transaction back). The reminder is sent again for the new time."""
    booking = managed(repo, token)
    _changeable(booking, now)
    assert booking.id is not None
    if slot_at.tzinfo is None or slot_at.utcoffset() is None:
        raise Invalid("the slot needs a time zone", code="slot_without_timezone")
    if slot_at == booking.slot_at:
        return booking
    office = repo.office(booking.office)
    service = repo.service(booking.office, booking.service)
    slot = calendar.slot_at(
        office, service, repo.counters(office.id), repo.counter_shifts(office.id), slot_at, now, holidays
    )
    repo.release_seat(booking.id)
    moved = _write(repo, booking, replace(booking, slot_at=slot.at, reminded_at=None))
    if repo.take_seat(moved, slot.capacity) is None:
        raise Conflict(f"the slot {slot_at.isoformat()} of service {booking.service} is fully booked", code="slot_full")
    return moved


def erase(repo: Repository, token: str, now: datetime) -> Booking:
    """Erase the citizen's data at their request; an appointment still to come is cancelled with it."""
    booking = managed(repo, token)
    if booking.state == BookingState.BOOKED and booking.slot_at > now:
        booking = cancel(repo, token, now)
    return _write(repo, booking, _without_contact(booking, now))


def _without_contact(booking: Booking, now: datetime) -> Booking:
    return replace(booking, name=None, email=None, phone=None, remind_via="none", erased_at=now)


def _purged(booking: Booking, now: datetime) -> Booking:
    # Past its date the link goes too: nothing is left that points at a person.
    return replace(_without_contact(booking, now), manage_token=None)


#: Far enough back for sweeps over states that cannot last: a booking is no longer "booked" a day after.
_SWEEP_FROM = datetime(2000, 1, 1, tzinfo=UTC)


def mark_no_shows(repo: Repository, office_id: str, now: datetime, after: timedelta) -> list[Booking]:
    """Bookings never checked in `after` their slot become no-shows: they stop counting as planned work."""
    missed = []
    for booking in repo.bookings_between(office_id, _SWEEP_FROM, now - after, BookingState.BOOKED):
        if repo.replace_booking(replace(booking, state=BookingState.NO_SHOW), BookingState.BOOKED):
            missed.append(booking)
    return missed


def claim_reminders(repo: Repository, office_id: str, now: datetime, ahead: timedelta) -> list[Booking]:
    """The bookings whose reminder is due (slot within `ahead`, reminder wanted, not yet sent, booked before the
    reminder's time), marked as sent.

    Run inside the office's write transaction, so that two server workers never both claim one booking."""
    claimed = []
    for booking in repo.bookings_between(office_id, now, now + ahead, BookingState.BOOKED):
        # Booked within the reminder's reach: the confirmation is fresh enough.
        late = booking.created_at is not None and booking.created_at >= booking.slot_at - ahead
        wanted = booking.reminded_at is None and booking.remind_via != "none" and booking.erased_at is None and not late
        if wanted and repo.replace_booking(replace(booking, reminded_at=now), BookingState.BOOKED):
            claimed.append(replace(booking, reminded_at=now))
    return claimed


def purge(repo: Repository, office_id: str, now: datetime, after: timedelta) -> int:
    """Erase the contact of every booking whose slot is more than `after` ago; answers how many were erased."""
    erased = 0
    for booking in repo.bookings_between(office_id, _SWEEP_FROM, now - after):
        personal = bool(booking.name or booking.email or booking.phone or booking.manage_token)
        if personal and repo.replace_booking(_purged(booking, now), booking.state):
            erased += 1
    return erased


def free_slots(
    repo: Repository, office_id: str, service_code: str, day: date, now: datetime, holidays: Collection[date]
) -> list[tuple[datetime, int]]:
    """The slots of a service on the office-local `day` that start after `now`: (start, free seats)."""
    office = repo.office(office_id)
    service = bookable_service(repo, office_id, service_code)
    found = calendar.slots(
        office, service, repo.counters(office_id), repo.counter_shifts(office_id), day, now, holidays
    )
    if not found:
        return []
    taken = repo.seats_taken(office_id, service_code, found[0].at, found[-1].at + timedelta(seconds=1))
    return [(slot.at, max(0, slot.capacity - taken.get(slot.at, 0))) for slot in found]
