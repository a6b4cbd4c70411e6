"""What the use cases need from storage. `store` implements it on SQL, `scheduler.memory` in memory.

A repository is handed to a use case inside one transaction that already holds the office: what the
use case reads stays true until it returns, and its events are numbered when that transaction commits.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import TYPE_CHECKING, Protocol

from scheduler.events import Event
from scheduler.model import (
    Booking,
    BookingState,
    Counter,
    HappinessAnswer,
    Office,
    QueueEntry,
    Service,
    Ticket,
    TicketState,
)

if TYPE_CHECKING:  # scheduler.offline's use cases are written against this protocol
    from scheduler.offline import NumberBlock


class Repository(Protocol):
    def office(self, office_id: str) -> Office: ...

    def services(self, office_id: str) -> list[Service]: ...

    def service(self, office_id: str, code: str) -> Service:
        """The office's service `code`; NotFound `service_not_found` when it has none by that code."""
        ...

    def counters(self, office_id: str) -> list[Counter]: ...

    def counter(self, counter_id: int) -> Counter: ...

    def counter_shifts(self, office_id: str) -> dict[int, list[tuple[time, time]]]:
        """Per counter id of the office, its planned shifts (local opening and closing times), in order."""
        ...

    def ticket(self, ticket_id: int) -> Ticket: ...

    def tickets_in(
        self, office_id: str, states: Collection[TicketState], services: Collection[str] | None = None
    ) -> list[Ticket]:
        """The office's tickets in these states (and of these services, if given), oldest first."""
        ...

    def queue(self, office_id: str, day: date, services: Collection[str] | None = None) -> list[QueueEntry]:
        """The office's waiting tickets of `day` (and of these services, if given), as queue entries."""
        ...

    def queue_size(self, office_id: str, day: date) -> int:
        """How many of the office's tickets of `day` wait: counted, not read."""
        ...

    def queue_split(self, office_id: str, day: date, service: str, moment: datetime) -> tuple[int, list[QueueEntry]]:
        """The waiting tickets of `service` on `day` whose every time (check-in, slot, return, arrival) is at or
        before `moment`, counted; and the others, read (few: citizens told to come back, early appointments)."""
        ...

    def tickets_numbered(self, office_id: str, day: date, number: str) -> list[Ticket]:
        """The office's tickets of `day` with this number (after transfers, several), oldest first."""
        ...

    def counter_tickets(
        self, office_id: str, counter_id: int, day: date, states: Collection[TicketState]
    ) -> list[Ticket]:
        """The office's tickets of `day` last handled by this counter and now in these states, oldest first."""
        ...

    def service_times(self, office_id: str, day: date) -> dict[str, tuple[int, float]]:
        """Per service, how many tickets were done on `day` and their total seconds at the counter."""
        ...

    def recent_calls(self, office_id: str, limit: int, since: datetime) -> list[Ticket]:
        """Tickets called (or recalled) since `since`, newest first."""
        ...

    def current_seq(self, office_id: str) -> int: ...

    def ticket_by_token(self, token: str) -> Ticket | None:
        """The live ticket behind a status token (after a transfer, the newest one)."""
        ...

    def tickets_by_tokens(self, tokens: Collection[str]) -> dict[str, Ticket]:
        """`ticket_by_token` of many tokens in one read; tokens of no ticket are left out."""
        ...

    def ticket_by_idempotency_key(self, office_id: str, key: str) -> Ticket | None: ...

    def next_number(self, office_id: str, service: str, day: date) -> int:
        """The next number of `service` on `day`, skipping every reserved block (`offline.skip_blocks`), taken
        under the lock of the day's number row."""
        ...

    def hold_numbers(self, office_id: str, service: str, day: date) -> int:
        """Lock the number row of `service` on `day` (made when missing) until the transaction ends, as
        `next_number` does; answers the last number given online."""
        ...

    def number_blocks(
        self, office_id: str, day: date, *, service: str | None = None, kiosk: str | None = None
    ) -> list[NumberBlock]:
        """The blocks of numbers reserved on `day` (of this service, of this kiosk, if given), by first number."""
        ...

    def add_number_block(self, block: NumberBlock) -> NumberBlock:
        """Store a reserved block and return it with its id."""
        ...

    def offline_numbers(self, office_id: str, day: date) -> set[tuple[str, str]]:
        """(service, number) of the office's tickets of `day` synced from a kiosk's offline journal."""
        ...

    def add_ticket(self, ticket: Ticket) -> Ticket:
        """Store a new ticket and return it with its id."""
        ...

    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        """Compare-and-set: write `ticket` only if its row is still in state `expected`."""
        ...

    def save_counter(self, counter: Counter) -> None: ...

    def add_booking(self, booking: Booking) -> Booking:
        """Store a new booking and return it with its id. Codes are unique per office."""
        ...

    def booking_by_code(self, office_id: str, code: str) -> Booking | None:
        """The office's booking with this code (in its canonical form, see `bookings.normalise_code`)."""
        ...

    def replace_booking(self, booking: Booking, expected: BookingState) -> bool:
        """Compare-and-set: write `booking` only if its row is still in state `expected`."""
        ...

    def booking_by_manage_token(self, manage_token: str) -> Booking | None:
        """The booking with this manage token (any office)."""
        ...

    def bookings_between(
        self, office_id: str, start: datetime, end: datetime, state: BookingState | None = None
    ) -> list[Booking]:
        """The office's bookings with a slot in [start, end), in slot order; only those in `state` if given."""
        ...

    def active_bookings(self, office_id: str, email: str | None, phone: str | None, now: datetime) -> int:
        """How many of the office's booked (not yet checked-in, cancelled or missed) bookings with a slot after
        `now` have this e-mail address or this phone number."""
        ...

    def bookings_made(self, office_id: str, email: str | None, phone: str | None, since: datetime) -> int:
        """How many bookings (in any state) made at or after `since` at the office have this e-mail address or
        this phone number."""
        ...

    def release_seat(self, booking_id: int) -> None:
        """Free the seat a booking holds (none held: nothing happens)."""
        ...

    def seats_taken(self, office_id: str, service: str, start: datetime, end: datetime) -> dict[datetime, int]:
        """Per slot start (UTC) in [start, end) of this service, how many of its seats bookings hold."""
        ...

    def take_seat(self, booking: Booking, capacity: int) -> int | None:
        """Give the stored `booking` the lowest free seat of its slot below `capacity`; None when all are taken."""
        ...

    def forget_notify_contacts(self, office_id: str, active: Collection[TicketState]) -> int:
        """Erase the notify address of the office's tickets in any state but `active` (their visit ended);
        answers how many were erased."""
        ...

    def message_count(self, office_id: str, hour: datetime) -> tuple[int, int]:
        """Messages the office sent and held back in the hour starting at `hour` (UTC): (sent, withheld)."""
        ...

    def save_message_count(self, office_id: str, hour: datetime, sent: int, withheld: int) -> None: ...

    def add_happiness(self, answer: HappinessAnswer) -> None:
        """Store an anonymous answer to the happiness question."""
        ...

    def emit(self, event: Event) -> None:
        """Queue an event; it is numbered and published when the transaction commits."""
        ...
