"""A small office to test the rules on: no clock, no randomness, everything in memory.

Office "demo" (Europe/Brussels) offers
    A  identity card   600 s
    B  driving licence 900 s
    C  certificate     300 s
and has three counters, all closed at the start:
    1  Loket 1  serves A and B
    2  Loket 2  serves A
    3  Loket 3  serves C
Both are bookable Monday to Friday 08:00-18:00 with no share kept for walk-ins.
A second office "annex" (one service A, counter 10) exists so that per-office rules can be checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import TypeVar

import pytest

from scheduler import usecases
from scheduler.lifecycle import CounterAction
from scheduler.memory import MemoryRepository
from scheduler.model import Counter, Office, Service, Ticket, TicketKind, TicketState

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)  # Monday 09:30 in Brussels
OFFICE = "demo"
ANNEX = "annex"
#: Bookable Monday to Friday 08:00-18:00 (all services are bookable; no share kept for walk-ins).
HOURS: dict[int, tuple[tuple[time, time], ...]] = {weekday: ((time(8), time(18)),) for weekday in range(5)}


def at(minutes: float) -> datetime:
    """`minutes` after T0."""
    return T0 + timedelta(minutes=minutes)


R = TypeVar("R", bound=MemoryRepository)


def populate(repo: R) -> R:
    repo.add_office(
        Office(OFFICE, "Demo town hall", "Europe/Brussels", hours=HOURS, walk_in_share=0.0),
        [
            Service(
                OFFICE, "A", {"nl": "Identiteitskaart", "fr": "Carte d'identité", "en": "Identity card"}, 600, True
            ),
            Service(OFFICE, "B", {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}, 900, True),
            Service(OFFICE, "C", {"nl": "Attest", "fr": "Certificat", "en": "Certificate"}, 300, True),
        ],
        [
            Counter(1, OFFICE, "Loket 1", frozenset({"A", "B"})),
            Counter(2, OFFICE, "Loket 2", frozenset({"A"})),
            Counter(3, OFFICE, "Loket 3", frozenset({"C"})),
        ],
    )
    repo.add_office(
        Office(ANNEX, "Annex", "Europe/Brussels", hours=HOURS, walk_in_share=0.0),
        [Service(ANNEX, "A", {"en": "Identity card"}, 600, True)],
        [Counter(10, ANNEX, "Annex 1", frozenset({"A"}))],
    )
    return repo


@dataclass(frozen=True)
class Issued:
    """What the kiosk learns: the ticket, then (in a read) its place in the queue."""

    ticket: Ticket
    replayed: bool
    people_ahead: int
    estimated_wait_s: int


class Desk:
    """Drives the use cases of the demo office the way the kiosk and the clerks would."""

    def __init__(self, repo: MemoryRepository) -> None:
        self.repo = repo
        self._tokens = 0

    def issue_result(
        self,
        service: str,
        now: datetime,
        *,
        key: str | None = None,
        appointment: usecases.Appointment | None = None,
        office: str = OFFICE,
        language: str = "nl",
    ) -> Issued:
        self._tokens += 1
        issued = usecases.issue_ticket(
            self.repo,
            office,
            service,
            language,
            now,
            token=f"token-{self._tokens}",
            idempotency_key=key,
            appointment=appointment,
        )
        where = usecases.position(self.repo, issued.ticket, now)
        return Issued(issued.ticket, issued.replayed, where.people_ahead, where.estimated_wait_s)

    def issue(
        self,
        service: str,
        now: datetime,
        *,
        key: str | None = None,
        appointment: usecases.Appointment | None = None,
        office: str = OFFICE,
    ) -> Ticket:
        return self.issue_result(service, now, key=key, appointment=appointment, office=office).ticket

    def book(self, service: str, checked_in: datetime, slot: datetime, code: str = "APPT") -> Ticket:
        return self.issue(service, checked_in, appointment=usecases.Appointment(code, slot))

    def open(self, *counter_ids: int, now: datetime = T0) -> None:
        for counter_id in counter_ids:
            usecases.act_on_counter(self.repo, counter_id, CounterAction.OPEN, now)

    def events(self, office: str = OFFICE) -> list[str]:
        return [event.type for _, event in self.repo.events[office]]

    def waiting_numbers(self) -> list[str]:
        return sorted(t.number for t in self.repo.tickets_in(OFFICE, {TicketState.WAITING}))


@pytest.fixture
def repo() -> MemoryRepository:
    return populate(MemoryRepository())


@pytest.fixture
def desk(repo: MemoryRepository) -> Desk:
    return Desk(repo)


def make_ticket(
    service: str = "A",
    checked_in: datetime = T0,
    *,
    id: int = 1,
    state: TicketState = TicketState.WAITING,
    slot: datetime | None = None,
    target_counter_id: int | None = None,
    counter_id: int | None = None,
) -> Ticket:
    """A ticket built by hand, for the pure rules (routing, lifecycle, estimate)."""
    return Ticket(
        office=OFFICE,
        service=service,
        number=f"{service}{id:03d}",
        day=date(2026, 3, 2),
        kind=TicketKind.APPOINTMENT if slot is not None else TicketKind.WALKIN,
        language="nl",
        token=f"token-{id}",
        checked_in_at=checked_in,
        state=state,
        id=id,
        slot_at=slot,
        appointment="APPT" if slot is not None else None,
        counter_id=counter_id,
        target_counter_id=target_counter_id,
    )
