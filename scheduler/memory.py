"""An in-memory Repository: the twin used by fast tests of the rules and by the simulator."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import replace
from datetime import date, datetime

from scheduler.errors import NotFound
from scheduler.events import Event
from scheduler.model import Counter, Office, QueueEntry, Service, Ticket, TicketState


class MemoryRepository:
    def __init__(self) -> None:
        self.offices: dict[str, Office] = {}
        self._services: dict[str, list[Service]] = {}
        self._counters: dict[int, Counter] = {}
        self._tickets: dict[int, Ticket] = {}
        self._numbers: dict[tuple[str, str, date], int] = {}
        self.events: dict[str, list[tuple[int, Event]]] = {}

    # set-up, used by tests and the simulator
    def add_office(self, office: Office, services: list[Service], counters: list[Counter]) -> None:
        self.offices[office.id] = office
        self._services[office.id] = list(services)
        for counter in counters:
            self._counters[counter.id] = counter
        self.events.setdefault(office.id, [])

    # Repository
    def office(self, office_id: str) -> Office:
        try:
            return self.offices[office_id]
        except KeyError:
            raise NotFound(f"no office {office_id!r}", code="office_not_found") from None

    def services(self, office_id: str) -> list[Service]:
        self.office(office_id)
        return list(self._services[office_id])

    def counters(self, office_id: str) -> list[Counter]:
        return sorted((c for c in self._counters.values() if c.office == office_id), key=lambda c: c.id)

    def counter(self, counter_id: int) -> Counter:
        try:
            return self._counters[counter_id]
        except KeyError:
            raise NotFound(f"no counter {counter_id}", code="counter_not_found") from None

    def ticket(self, ticket_id: int) -> Ticket:
        try:
            return self._tickets[ticket_id]
        except KeyError:
            raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found") from None

    def tickets_in(
        self, office_id: str, states: Collection[TicketState], services: Collection[str] | None = None
    ) -> list[Ticket]:
        return [
            t
            for t in self._tickets.values()
            if t.office == office_id and t.state in states and (services is None or t.service in services)
        ]

    def queue(self, office_id: str, day: date, services: Collection[str] | None = None) -> list[QueueEntry]:
        return [
            QueueEntry(t.id or 0, t.service, t.kind, t.checked_in_at, t.slot_at, t.target_counter_id)
            for t in self.tickets_in(office_id, {TicketState.WAITING}, services)
            if t.day == day
        ]

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
        matching = [t for t in self._tickets.values() if t.token == token]
        return max(matching, key=lambda t: t.id or 0) if matching else None

    def ticket_by_idempotency_key(self, office_id: str, key: str) -> Ticket | None:
        return next((t for t in self._tickets.values() if t.office == office_id and t.idempotency_key == key), None)

    def next_number(self, office_id: str, service: str, day: date) -> int:
        key = (office_id, service, day)
        self._numbers[key] = self._numbers.get(key, 0) + 1
        return self._numbers[key]

    def add_ticket(self, ticket: Ticket) -> Ticket:
        stored = replace(ticket, id=len(self._tickets) + 1)
        self._tickets[stored.id or 0] = stored
        return stored

    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        assert ticket.id is not None
        if self._tickets[ticket.id].state is not expected:
            return False
        self._tickets[ticket.id] = ticket
        return True

    def save_counter(self, counter: Counter) -> None:
        self._counters[counter.id] = counter

    def emit(self, event: Event) -> None:
        log = self.events.setdefault(event.office, [])
        log.append((len(log) + 1, event))
