"""An in-memory Repository: the twin used by fast tests of the rules and by the simulator."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime, time
from itertools import chain

from scheduler.errors import NotFound
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
from scheduler.offline import NumberBlock, skip_blocks


class MemoryRepository:
    def __init__(self) -> None:
        self.offices: dict[str, Office] = {}
        self._services: dict[str, list[Service]] = {}
        self._counters: dict[int, Counter] = {}
        self._counter_lists: dict[str, list[Counter]] = {}  # per office, by id; rebuilt when a counter changes
        self._shifts: dict[int, list[tuple[time, time]]] = {}
        self._tickets: dict[int, Ticket] = {}
        # Indexes, so that long replays stay fast: ticket ids per (office, state), newest id per token.
        self._in_state: dict[tuple[str, TicketState], dict[int, None]] = {}
        self._by_token: dict[str, int] = {}
        self._numbers: dict[tuple[str, str, date], int] = {}
        self._blocks: list[NumberBlock] = []
        self._service_times: dict[tuple[str, date, str], tuple[int, float]] = {}
        self.events: dict[str, list[tuple[int, Event]]] = {}
        self._bookings: dict[int, Booking] = {}
        self._message_counts: dict[tuple[str, datetime], tuple[int, int]] = {}
        self.happiness: list[HappinessAnswer] = []
        self._booking_codes: dict[tuple[str, str], int] = {}
        # (office, service, slot_at) -> seat number -> booking id
        self._seats: dict[tuple[str, str, datetime], dict[int, int]] = {}

    # set-up, used by tests and the simulator
    def add_office(
        self,
        office: Office,
        services: list[Service],
        counters: list[Counter],
        shifts: Mapping[int, Sequence[tuple[time, time]]] | None = None,
    ) -> None:
        """Add an office; `shifts` gives the planned shifts per counter id (none: the counter has no plan)."""
        self.offices[office.id] = office
        self._services[office.id] = list(services)
        for counter in counters:
            self._counters[counter.id] = counter
        for counter_id, counter_shifts in (shifts or {}).items():
            self.set_shifts(counter_id, counter_shifts)
        self._counter_lists.clear()
        self.events.setdefault(office.id, [])

    def set_shifts(self, counter_id: int, shifts: Sequence[tuple[time, time]]) -> None:
        self._shifts[counter_id] = list(shifts)

    # Repository
    def office(self, office_id: str) -> Office:
        try:
            return self.offices[office_id]
        except KeyError:
            raise NotFound(f"no office {office_id!r}", code="office_not_found") from None

    def services(self, office_id: str) -> list[Service]:
        self.office(office_id)
        return list(self._services[office_id])

    def service(self, office_id: str, code: str) -> Service:
        """The office's service `code`; NotFound `service_not_found` when it has none by that code."""
        found = next((s for s in self.services(office_id) if s.code == code), None)
        if found is None:
            raise NotFound(f"office {office_id} has no service {code!r}", code="service_not_found")
        return found

    def counters(self, office_id: str) -> list[Counter]:
        if office_id not in self._counter_lists:
            mine = (c for c in self._counters.values() if c.office == office_id)
            self._counter_lists[office_id] = sorted(mine, key=lambda c: c.id)
        return list(self._counter_lists[office_id])

    def counter(self, counter_id: int) -> Counter:
        try:
            return self._counters[counter_id]
        except KeyError:
            raise NotFound(f"no counter {counter_id}", code="counter_not_found") from None

    def counter_shifts(self, office_id: str) -> dict[int, list[tuple[time, time]]]:
        return {c.id: list(self._shifts.get(c.id, ())) for c in self.counters(office_id)}

    def ticket(self, ticket_id: int) -> Ticket:
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found") from None

    def tickets_in(
        self, office_id: str, states: Collection[TicketState], services: Collection[str] | None = None
    ) -> list[Ticket]:
        index = self._in_state
        if len(states) == 1:
            ids = sorted(index.get((office_id, next(iter(states))), ()))
        else:
            ids = sorted(chain.from_iterable(index.get((office_id, state), ()) for state in set(states)))
        tickets = [self._tickets[i] for i in ids]
        return tickets if services is None else [t for t in tickets if t.service in services]

    def queue(self, office_id: str, day: date, services: Collection[str] | None = None) -> list[QueueEntry]:
        return [QueueEntry.of(t) for t in self.tickets_in(office_id, {TicketState.WAITING}, services) if t.day == day]

    def queue_size(self, office_id: str, day: date) -> int:
        return len(self.queue(office_id, day))

    def queue_split(self, office_id: str, day: date, service: str, moment: datetime) -> tuple[int, list[QueueEntry]]:
        entries = self.queue(office_id, day, {service})
        later = [
            e
            for e in entries
            if any(t is not None and t > moment for t in (e.checked_in_at, e.slot_at, e.return_at, e.arrived_at))
        ]
        return len(entries) - len(later), later

    def tickets_numbered(self, office_id: str, day: date, number: str) -> list[Ticket]:
        mine = (t for t in self._tickets.values() if (t.office, t.day, t.number) == (office_id, day, number))
        return sorted(mine, key=lambda t: t.id or 0)

    def counter_tickets(
        self, office_id: str, counter_id: int, day: date, states: Collection[TicketState]
    ) -> list[Ticket]:
        return [t for t in self.tickets_in(office_id, states) if t.day == day and t.counter_id == counter_id]

    def service_times(self, office_id: str, day: date) -> dict[str, tuple[int, float]]:
        return {
            service: value
            for (office, d, service), value in self._service_times.items()
            if (office, d) == (office_id, day)
        }

    def recent_calls(self, office_id: str, limit: int, since: datetime) -> list[Ticket]:
        called = [
            t
            for t in self._tickets.values()
            if t.office == office_id and t.called_at is not None and t.called_at >= since
        ]
        return sorted(called, key=lambda t: (t.called_at, t.id), reverse=True)[:limit]

    def current_seq(self, office_id: str) -> int:
        return len(self.events.get(office_id, []))

    def ticket_by_token(self, token: str) -> Ticket | None:
        newest = self._by_token.get(token)
        return self._tickets[newest] if newest is not None else None

    def tickets_by_tokens(self, tokens: Collection[str]) -> dict[str, Ticket]:
        return {t: self._tickets[self._by_token[t]] for t in tokens if t in self._by_token}

    def ticket_by_idempotency_key(self, office_id: str, key: str) -> Ticket | None:
        return next((t for t in self._tickets.values() if t.office == office_id and t.idempotency_key == key), None)

    def next_number(self, office_id: str, service: str, day: date) -> int:
        key = (office_id, service, day)
        blocks = self.number_blocks(office_id, day, service=service)
        self._numbers[key] = skip_blocks(self._numbers.get(key, 0) + 1, blocks)
        return self._numbers[key]

    def hold_numbers(self, office_id: str, service: str, day: date) -> int:
        return self._numbers.get((office_id, service, day), 0)

    def number_blocks(
        self, office_id: str, day: date, *, service: str | None = None, kiosk: str | None = None
    ) -> list[NumberBlock]:
        found = [
            b
            for b in self._blocks
            if (b.office, b.day) == (office_id, day)
            and (service is None or b.service == service)
            and (kiosk is None or b.kiosk == kiosk)
        ]
        return sorted(found, key=lambda b: (b.service, b.first))

    def add_number_block(self, block: NumberBlock) -> NumberBlock:
        stored = replace(block, id=len(self._blocks) + 1)
        self._blocks.append(stored)
        return stored

    def offline_numbers(self, office_id: str, day: date) -> set[tuple[str, str]]:
        return {
            (t.service, t.number)
            for t in self._tickets.values()
            if t.office == office_id and t.day == day and t.offline
        }

    def add_ticket(self, ticket: Ticket) -> Ticket:
        stored = replace(ticket, id=len(self._tickets) + 1)
        self._tickets[stored.id or 0] = stored
        self._index(stored, None)
        return stored

    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        assert ticket.id is not None
        before = self._tickets[ticket.id]
        if before.state is not expected:
            return False
        self._tickets[ticket.id] = ticket
        self._index(ticket, before)
        return True

    def _index(self, ticket: Ticket, before: Ticket | None) -> None:
        assert ticket.id is not None
        if before is not None and (before.office, before.state) != (ticket.office, ticket.state):
            self._in_state[(before.office, before.state)].pop(ticket.id, None)
        self._in_state.setdefault((ticket.office, ticket.state), {})[ticket.id] = None
        if before is not None and before.token != ticket.token and self._by_token.get(before.token) == ticket.id:
            earlier = [i for i, t in self._tickets.items() if t.token == before.token]
            if earlier:
                self._by_token[before.token] = max(earlier)
            else:
                del self._by_token[before.token]
        if ticket.id > self._by_token.get(ticket.token, 0):
            self._by_token[ticket.token] = ticket.id
        seconds = ticket.service_s
        if seconds is not None and (before is None or before.service_s is None):
            key = (ticket.office, ticket.day, ticket.service)
            done, total = self._service_times.get(key, (0, 0.0))
            self._service_times[key] = (done + 1, total + seconds)

    def save_counter(self, counter: Counter) -> None:
        self._counters[counter.id] = counter
        self._counter_lists.clear()

    def add_booking(self, booking: Booking) -> Booking:
        key = (booking.office, booking.code)
        if key in self._booking_codes:
            raise ValueError(f"duplicate booking code {booking.code} in office {booking.office}")
        stored = replace(booking, id=len(self._bookings) + 1)
        self._bookings[stored.id or 0] = stored
        self._booking_codes[key] = stored.id or 0
        return stored

    def booking_by_code(self, office_id: str, code: str) -> Booking | None:
        found = self._booking_codes.get((office_id, code))
        return self._bookings[found] if found is not None else None

    def replace_booking(self, booking: Booking, expected: BookingState) -> bool:
        assert booking.id is not None
        before = self._bookings[booking.id]
        if before.state is not expected:
            return False
        self._bookings[booking.id] = booking
        return True

    def forget_notify_contacts(self, office_id: str, active: Collection[TicketState]) -> int:
        gone = [
            t
            for t in self._tickets.values()
            if t.office == office_id and t.state not in active and (t.notify_email or t.notify_phone)
        ]
        for ticket in gone:
            assert ticket.id is not None
            self._tickets[ticket.id] = replace(ticket, notify_email=None, notify_phone=None)
        return len(gone)

    def message_count(self, office_id: str, hour: datetime) -> tuple[int, int]:
        return self._message_counts.get((office_id, hour), (0, 0))

    def save_message_count(self, office_id: str, hour: datetime, sent: int, withheld: int) -> None:
        self._message_counts[(office_id, hour)] = (sent, withheld)

    def add_happiness(self, answer: HappinessAnswer) -> None:
        self.happiness.append(answer)

    def booking_by_manage_token(self, manage_token: str) -> Booking | None:
        return next((b for b in self._bookings.values() if b.manage_token == manage_token), None)

    def bookings_between(
        self, office_id: str, start: datetime, end: datetime, state: BookingState | None = None
    ) -> list[Booking]:
        found = [
            b
            for b in self._bookings.values()
            if b.office == office_id and start <= b.slot_at < end and (state is None or b.state == state)
        ]
        return sorted(found, key=lambda b: (b.slot_at, b.id or 0))

    def active_bookings(self, office_id: str, email: str | None, phone: str | None, now: datetime) -> int:
        return sum(
            1
            for b in self._bookings.values()
            if b.office == office_id
            and b.state == BookingState.BOOKED
            and b.slot_at > now
            and ((email is not None and b.email == email) or (phone is not None and b.phone == phone))
        )

    def bookings_made(self, office_id: str, email: str | None, phone: str | None, since: datetime) -> int:
        return sum(
            1
            for b in self._bookings.values()
            if b.office == office_id
            and b.created_at is not None
            and b.created_at >= since
            and ((email is not None and b.email == email) or (phone is not None and b.phone == phone))
        )

    def release_seat(self, booking_id: int) -> None:
        for seats in self._seats.values():
            for seat, holder in list(seats.items()):
                if holder == booking_id:
                    del seats[seat]

    def seats_taken(self, office_id: str, service: str, start: datetime, end: datetime) -> dict[datetime, int]:
        return {
            at: len(seats)
            for (office, code, at), seats in self._seats.items()
            if office == office_id and code == service and start <= at < end and seats
        }

    def take_seat(self, booking: Booking, capacity: int) -> int | None:
        assert booking.id is not None
        seats = self._seats.setdefault((booking.office, booking.service, booking.slot_at), {})
        free = next((n for n in range(capacity) if n not in seats), None)
        if free is not None:
            seats[free] = booking.id
        return free

    def emit(self, event: Event) -> None:
        log = self.events.setdefault(event.office, [])
        log.append((len(log) + 1, event))
