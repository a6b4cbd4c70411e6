"""Offline kiosks: blocks of numbers reserved while online, and the tickets issued from them synced later.

While it reaches the server, a kiosk (by its name) reserves a block of numbers per service for the office-local
day (`reserve`): the first block of a service's day starts at `OFFLINE_FIRST`, each next one (any kiosk's) after
the highest number reserved or given so far. Online numbering skips every block (`skip_blocks`), under the same
lock of the day's number row, so no number is given twice in a day.

When the server does not answer, the kiosk issues the next number of its block and journals the ticket; once the
server answers again it uploads each one with its own idempotency key (`sync`). A walk-in's number must lie in a
block of that kiosk, service and day and be free; the ticket keeps its check-in time, so it keeps its place. An
appointment's code typed offline checks the booking in as at that time, outside its window too: the clerk is told
("early", "late"). A ticket synced after its day ended is stored and cancelled at once (`day_ended`).

Every refusal names the field at fault (`extra["field"]`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta

from scheduler import checkin
from scheduler.bookings import normalise_code
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.events import ticket_event
from scheduler.lifecycle import Action, apply
from scheduler.model import LANGUAGES, Booking, BookingState, Service, Ticket, TicketKind, TicketState
from scheduler.numbering import format_number, office_day
from scheduler.repository import Repository

#: The first number of a service's first block of the day: well above a usual day's online numbers.
OFFLINE_FIRST = 500
#: A block's size when the kiosk asks for none, and the sizes it may ask for.
BLOCK_SIZE = 50
MIN_SIZE, MAX_SIZE = 10, 200
#: Blocks one kiosk may reserve per service and day.
MAX_BLOCKS = 20
#: No block reaches past this number, however many kiosk names a token invents: numbers keep four digits.
MAX_SEQUENCE = 9999
#: How far in the future (the kiosk's clock ahead of the server's) a check-in time may be.
CLOCK_SLACK = timedelta(minutes=2)
#: Tickets older than this are no longer taken (the journal of a kiosk that was away that long is history).
MAX_AGE = timedelta(days=7)
#: What the clerk is told about an appointment checked in offline outside its window.
NOTE_EARLY, NOTE_LATE = "early", "late"

_KIOSK = re.compile(r"[A-Za-z0-9._-]{1,40}")
_TOKEN = re.compile(r"[A-Za-z0-9_-]{22,64}")
#: Digits of a number: more than this is no number of ours (and no huge int to parse).
_MAX_DIGITS = 6


@dataclass(frozen=True)
class NumberBlock:
    """Numbers `first`..`last` (both included) of `service` on the office-local `day`, reserved for `kiosk`."""

    office: str
    service: str
    day: date
    kiosk: str
    first: int
    last: int
    #: When it was reserved: a ticket of the block was not issued before (`sync` holds it to that).
    reserved_at: datetime
    id: int | None = None

    def __contains__(self, sequence: object) -> bool:
        return isinstance(sequence, int) and self.first <= sequence <= self.last

    @property
    def first_number(self) -> str:
        return format_number(self.service, self.first)

    @property
    def last_number(self) -> str:
        return format_number(self.service, self.last)


@dataclass(frozen=True)
class OfflineEntry:
    """A ticket as the kiosk journalled it offline: a walk-in (`service` and `number`) or an appointment's code."""

    kiosk: str
    language: str
    checked_in_at: datetime
    token: str
    service: str | None = None
    number: str | None = None
    appointment: str | None = None


@dataclass(frozen=True)
class Synced:
    ticket: Ticket
    #: The same idempotency key was synced before: this is the ticket stored then.
    replayed: bool = False


def _invalid(detail: str, code: str, field: str) -> Invalid:
    return Invalid(detail, code=code, extra={"field": field})


def check_kiosk(name: str) -> str:
    if not _KIOSK.fullmatch(name):
        raise _invalid("a kiosk's name is 1 to 40 of the characters A-Z a-z 0-9 . _ -", "invalid_kiosk", "kiosk")
    return name


def check_size(size: int | None) -> int:
    if size is None:
        return BLOCK_SIZE
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise _invalid(f"a block holds {MIN_SIZE} to {MAX_SIZE} numbers", "invalid_size", "size")
    return size


def check_token(token: str) -> str:
    if not _TOKEN.fullmatch(token):
        raise _invalid(
            "a ticket's token is 22 to 64 of the characters A-Z a-z 0-9 _ -", "invalid_ticket_token", "token"
        )
    return token


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise _invalid(f"language must be one of {', '.join(LANGUAGES)}", "invalid_language", "language")
    return language


def check_checked_in_at(checked_in_at: datetime, now: datetime) -> datetime:
    """A check-in time with its zone, not later than `now` plus the clocks' slack nor older than `MAX_AGE`; in UTC."""
    field = "checked_in_at"
    if checked_in_at.tzinfo is None or checked_in_at.utcoffset() is None:
        raise _invalid("checked_in_at needs a time zone", "invalid_checked_in_at", field)
    try:
        utc = checked_in_at.astimezone(UTC)
    except (OverflowError, ValueError):  # year 1 at +14:00 is no instant datetime can hold
        raise _invalid("checked_in_at is out of range", "invalid_checked_in_at", field) from None
    if utc > now + CLOCK_SLACK:
        ahead = int(CLOCK_SLACK.total_seconds() // 60)
        raise _invalid(
            f"checked_in_at is in the future (more than {ahead} minutes ahead)", "invalid_checked_in_at", field
        )
    if utc < now - MAX_AGE:
        raise _invalid(f"checked_in_at is more than {MAX_AGE.days} days ago", "invalid_checked_in_at", field)
    return utc


def skip_blocks(value: int, blocks: Iterable[NumberBlock]) -> int:
    """The first number at or after `value` that lies in no block: online numbering jumps over every block."""
    for block in sorted(blocks, key=lambda b: b.first):
        if value in block:
            value = block.last + 1
    return value


def next_range(blocks: Sequence[NumberBlock], online_last: int, kiosk: str, size: int) -> tuple[int, int]:
    """The numbers of the next block of a service's day for `kiosk`, given the day's `blocks` so far (every
    kiosk's) and the last number given online: after both, and never below `OFFLINE_FIRST`."""
    if sum(1 for b in blocks if b.kiosk == kiosk) >= MAX_BLOCKS:
        raise Conflict(
            f"kiosk {kiosk} already reserved {MAX_BLOCKS} blocks of this service today",
            code="too_many_blocks",
            extra={"field": "kiosk"},
        )
    first = max(OFFLINE_FIRST, online_last + 1, *(b.last + 1 for b in blocks))
    last = first + size - 1
    if last > MAX_SEQUENCE:
        raise Conflict(
            f"the numbers of this service are used up for today (no block goes past {MAX_SEQUENCE})",
            code="too_many_blocks",
            extra={"field": "size"},
        )
    return first, last


def sequence_of(number: str, service: str) -> int | None:
    """The sequence of a number of `service` written as the kiosk prints it ("A512" -> 512); None otherwise."""
    if not number.startswith(service):
        return None
    digits = number[len(service) :]
    if not (0 < len(digits) <= _MAX_DIGITS and digits.isascii() and digits.isdigit()):
        return None
    sequence = int(digits)
    return sequence if sequence >= 1 and format_number(service, sequence) == number else None


def reserved_block(blocks: Iterable[NumberBlock], kiosk: str, service: str, day: date, sequence: int) -> NumberBlock:
    """The block of `kiosk` and `service` on `day` holding `sequence`. Refused: a block of a later day holds it
    (the check-in time is before the block's day), or none does."""
    mine = [b for b in blocks if b.kiosk == kiosk and b.service == service and sequence in b]
    found = next((b for b in mine if b.day == day), None)
    if found is not None:
        return found
    if any(b.day > day for b in mine):
        raise _invalid(
            "checked_in_at is before the day of the number's block", "invalid_checked_in_at", "checked_in_at"
        )
    raise Conflict(
        f"{format_number(service, sequence)} is in no block kiosk {kiosk} reserved on {day.isoformat()}",
        code="number_not_reserved",
        extra={"field": "number"},
    )


def note_of(slot_at: datetime, checked_in_at: datetime) -> str | None:
    """What the clerk is told of an appointment checked in at `checked_in_at`: the online window's verdict."""
    timing = checkin.window(slot_at, checked_in_at).timing
    return {checkin.Timing.EARLY: NOTE_EARLY, checkin.Timing.TOO_LATE: NOTE_LATE}.get(timing)


def used(block: NumberBlock, numbers: Iterable[tuple[str, str]]) -> list[int]:
    """The sequences of `block` among synced offline tickets' (service, number)."""
    found = {sequence_of(number, service) for service, number in numbers if service == block.service}
    return sorted(s for s in found if s is not None and s in block)


# The use cases, each inside one write transaction.


def reserve(
    repo: Repository, office_id: str, kiosk: str, service_code: str, size: int | None, now: datetime
) -> NumberBlock:
    """Reserve the next block of `service_code` for `kiosk`, for the office-local day at `now`; under the lock of
    the day's number row, so that reservations and online numbers never interleave."""
    office = repo.office(office_id)
    kiosk = check_kiosk(kiosk)
    service = _service(repo, office_id, service_code)
    size = check_size(size)
    day = office_day(now, office.timezone)
    online_last = repo.hold_numbers(office_id, service.code, day)
    first, last = next_range(repo.number_blocks(office_id, day, service=service.code), online_last, kiosk, size)
    return repo.add_number_block(NumberBlock(office_id, service.code, day, kiosk, first, last, now))


def kiosk_blocks(
    repo: Repository, office_id: str, kiosk: str, now: datetime
) -> tuple[date, list[tuple[NumberBlock, list[int]]]]:
    """The office-local day at `now` and that day's blocks of `kiosk`, each with the sequences synced from it."""
    office = repo.office(office_id)
    kiosk = check_kiosk(kiosk)
    day = office_day(now, office.timezone)
    blocks = repo.number_blocks(office_id, day, kiosk=kiosk)
    numbers = repo.offline_numbers(office_id, day) if blocks else set()
    return day, [(block, used(block, numbers)) for block in blocks]


def _service(repo: Repository, office_id: str, code: str) -> Service:
    try:
        return repo.service(office_id, code)
    except NotFound as exc:
        exc.extra["field"] = "service"
        raise


def _same(earlier: Ticket, entry: OfflineEntry) -> bool:
    if earlier.token != entry.token or not earlier.offline:
        return False
    if entry.appointment is not None:
        return earlier.appointment == normalise_code(entry.appointment)
    return earlier.number == entry.number and earlier.service == entry.service


def sync(repo: Repository, office_id: str, key: str, entry: OfflineEntry, now: datetime) -> Synced:
    """Store a ticket a kiosk issued offline, as of its check-in time; the same `key` again answers the ticket
    stored the first time (any other request with it: `idempotency_key_reused`)."""
    office = repo.office(office_id)
    kiosk = check_kiosk(entry.kiosk)
    entry = replace(entry, checked_in_at=check_checked_in_at(entry.checked_in_at, now))
    day = office_day(entry.checked_in_at, office.timezone)
    if entry.appointment is None:
        # A walk-in's number row first, before the key is looked up: a retry racing its first try waits here and
        # then finds its ticket (rather than its number taken).
        for service in repo.services(office_id):
            if service.code == entry.service:
                repo.hold_numbers(office_id, service.code, day)
    earlier = repo.ticket_by_idempotency_key(office_id, key)
    if earlier is not None:
        if not _same(earlier, entry):
            raise Conflict(
                "this Idempotency-Key was already used for another ticket",
                code="idempotency_key_reused",
                extra={"field": "Idempotency-Key"},
            )
        return Synced(earlier, replayed=True)
    check_language(entry.language)
    check_token(entry.token)
    booking = None
    if entry.appointment is not None:
        ticket, booking = _appointment(repo, office_id, key, entry, day)
    else:
        ticket = _walk_in(repo, office_id, key, kiosk, entry, day, office_day(now, office.timezone))
    if repo.ticket_by_token(entry.token) is not None:
        raise Conflict("another ticket has this token", code="token_taken", extra={"field": "token"})
    stored = repo.add_ticket(ticket)
    repo.emit(ticket_event("issued", stored))
    if booking is not None:
        checked_in = replace(booking, state=BookingState.CHECKED_IN, ticket_id=stored.id)
        if not repo.replace_booking(checked_in, booking.state):
            raise Conflict(
                f"the appointment {booking.code} was checked in meanwhile",
                code="appointment_already_checked_in",
                extra={"field": "appointment"},
            )
    if day < office_day(now, office.timezone):
        # Its day is over: kept (nothing is lost), never called on another day.
        cancelled = apply(stored, Action.CANCEL, now)
        if repo.replace_ticket(cancelled, TicketState.WAITING):
            repo.emit(ticket_event("cancelled", cancelled, reason="day_ended"))
            stored = cancelled
    return Synced(stored)


def _walk_in(
    repo: Repository, office_id: str, key: str, kiosk: str, entry: OfflineEntry, day: date, today: date
) -> Ticket:
    if entry.service is None:
        raise _invalid("a walk-in's service is missing", "service_required", "service")
    if entry.number is None:
        raise _invalid("a walk-in's number is missing", "number_required", "number")
    service = _service(repo, office_id, entry.service)
    sequence = sequence_of(entry.number, service.code)
    if sequence is None:
        raise _invalid(f"{entry.number!r} is not a number of service {service.code}", "invalid_number", "number")
    # Held (again) like online numbering and reserving: two uploads of one number never both pass the check below.
    repo.hold_numbers(office_id, service.code, day)
    blocks = repo.number_blocks(office_id, day, service=service.code, kiosk=kiosk)
    if today != day:
        blocks += repo.number_blocks(office_id, today, service=service.code, kiosk=kiosk)
    block = reserved_block(blocks, kiosk, service.code, day, sequence)
    if repo.tickets_numbered(office_id, day, entry.number):
        raise Conflict(f"{entry.number} was given to another ticket", code="number_taken", extra={"field": "number"})
    return Ticket(
        office=office_id,
        service=service.code,
        number=entry.number,
        day=day,
        kind=TicketKind.WALKIN,
        language=entry.language,
        token=entry.token,
        # Not before the block was reserved: a kiosk's clock running late moves nobody ahead of the time it had it.
        checked_in_at=max(entry.checked_in_at, block.reserved_at),
        idempotency_key=key,
        offline=True,
    )


def _appointment(repo: Repository, office_id: str, key: str, entry: OfflineEntry, day: date) -> tuple[Ticket, Booking]:
    assert entry.appointment is not None
    canonical = normalise_code(entry.appointment)
    booking = repo.booking_by_code(office_id, canonical) if canonical is not None else None
    if booking is None or booking.state is BookingState.CANCELLED:
        raise _invalid(
            f"no booking of this office has the code {entry.appointment!r}"
            + (" (it was cancelled)" if booking is not None else ""),
            "unknown_appointment",
            "appointment",
        )
    if booking.state is BookingState.CHECKED_IN:
        raise Conflict(
            f"the appointment {booking.code} is already checked in",
            code="appointment_already_checked_in",
            extra={"field": "appointment"},
        )
    if entry.service is not None and entry.service != booking.service:
        raise _invalid(
            f"the appointment {booking.code} is for service {booking.service}",
            "appointment_service_mismatch",
            "service",
        )
    if entry.number is not None and normalise_code(entry.number) != booking.code:
        raise _invalid(f"an appointment's number is its code, {booking.code}", "invalid_number", "number")
    ticket = Ticket(
        office=office_id,
        service=booking.service,
        # The kiosk printed the code: the board calls the code.
        number=booking.code,
        day=day,
        kind=TicketKind.APPOINTMENT,
        language=entry.language,
        token=entry.token,
        checked_in_at=entry.checked_in_at,
        slot_at=booking.slot_at,
        appointment=booking.code,
        idempotency_key=key,
        offline=True,
        offline_note=note_of(booking.slot_at, entry.checked_in_at),
    )
    return ticket, booking
