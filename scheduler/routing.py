"""Which waiting ticket a free counter calls next.

One pooled queue per service: any open counter with the skill may call any waiting ticket of that
service. The policy only ranks; the store claims the first candidate atomically and, if another
counter was faster, tries the next one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from scheduler.errors import Invalid
from scheduler.model import PROMISE, Counter, QueueEntry, Ticket, TicketKind, TicketState

#: Rules rank full tickets or their light queue entries alike.
Queued = TypeVar("Queued", Ticket, QueueEntry)

#: An appointment whose slot starts within this margin goes before walk-ins.
APPOINTMENT_DUE = timedelta(minutes=5)


def eligible(counter: Counter, ticket: Ticket | QueueEntry) -> bool:
    """Whether this counter may call this ticket at all (never somebody who is not in the building)."""
    if ticket.state is not TicketState.WAITING or not ticket.here or not counter.serves(ticket.service):
        return False
    return ticket.target_counter_id is None or ticket.target_counter_id == counter.id


def away(ticket: Ticket | QueueEntry, now: datetime) -> bool:
    """Whether the citizen accepted to come back later and that time has not come yet: nobody calls
    them before (they are not in the room)."""
    return ticket.return_at is not None and ticket.return_at > now


def present(waiting: Iterable[Queued], now: datetime) -> list[Queued]:
    """The waiting tickets whose holders are in the room (or due back)."""
    return [t for t in waiting if not away(t, now)]


def _is_due(ticket: Ticket | QueueEntry, now: datetime) -> bool:
    return (
        ticket.kind is TicketKind.APPOINTMENT and ticket.slot_at is not None and ticket.slot_at <= now + APPOINTMENT_DUE
    )


def priority_key(ticket: Ticket | QueueEntry, now: datetime) -> tuple[int, datetime, int]:
    """Due appointments by slot first, then everybody by the time their wait started."""
    if _is_due(ticket, now):
        assert ticket.slot_at is not None
        return (0, ticket.slot_at, ticket.id or 0)
    return (1, ticket.in_room_since, ticket.id or 0)


def rank(counter: Counter, waiting: Iterable[Queued], now: datetime) -> list[Queued]:
    """The tickets this counter may call, best first (the `appointments-first` policy)."""
    return sorted((t for t in waiting if eligible(counter, t)), key=lambda t: priority_key(t, now))


@dataclass(frozen=True)
class Floor:
    """What a policy may know about the office when a counter calls, besides the waiting tickets."""

    counters: tuple[Counter, ...] = ()
    #: When each counter that is open or paused is expected to be free again (now, if idle).
    free_at: Mapping[int, datetime] = field(default_factory=dict)
    #: Planned service time per service code, in seconds.
    durations: Mapping[str, int] = field(default_factory=dict)
    #: The policy the office runs today when an alternating measure sets one (`Office.policy`); None: the server's.
    policy: str | None = None


class Policy(Protocol):
    def __call__(self, counter: Counter, waiting: Sequence[Queued], now: datetime, floor: Floor) -> list[Queued]:
        """The tickets `counter` may call, best first."""
        ...


def fifo(counter: Counter, waiting: Sequence[Queued], now: datetime, floor: Floor) -> list[Queued]:
    """Oldest check-in first, whatever the kind of ticket."""
    return sorted((t for t in waiting if eligible(counter, t)), key=lambda t: (t.checked_in_at, t.id or 0))


def appointments_first(counter: Counter, waiting: Sequence[Queued], now: datetime, floor: Floor) -> list[Queued]:
    """Appointments due within 5 minutes first (by slot), then everybody by when their wait started."""
    return rank(counter, waiting, now)


def deadline(ticket: Ticket | QueueEntry) -> datetime:
    """When the promise to this citizen runs out: five minutes after their wait started (for an
    appointment, after its slot if they came early)."""
    return ticket.in_room_since + PROMISE


#: Nobody is passed over once they have waited this long: then the longest wait goes first.
STARVATION_BOUND = timedelta(minutes=15)


def place_since(ticket: Ticket | QueueEntry) -> datetime:
    """Since when the citizen has held their place in the queue: a remote joiner since joining (they were
    told to come when their turn comes, and keep that place when they walk in), anybody else since their
    wait started (`in_room_since`)."""
    if ticket.kind is TicketKind.REMOTE:
        return ticket.checked_in_at
    return ticket.in_room_since


def walked_in_later(ticket: Ticket | QueueEntry) -> bool:
    """A remote joiner who has walked in after joining (the forecast plays those still on the way as if in
    the room since joining: to it they are ordinary walk-ins, and are told their turn as such)."""
    return (
        ticket.kind is TicketKind.REMOTE and ticket.arrived_at is not None and ticket.arrived_at > ticket.checked_in_at
    )


def loket(counter: Counter, waiting: Sequence[Queued], now: datetime, floor: Floor) -> list[Queued]:
    """Keep as many promises as can still be kept, and never leave anyone behind for long.

    1. Whoever has held their place `STARVATION_BOUND` goes first, longest first: this bounds every wait.
       A remote joiner who walked in holds it since joining (`place_since`): their turn came, or was near,
       while they were on the way, and they keep it; everybody else since their wait started.
    2. Appointments whose slot has come, by slot: they planned their visit (and the office, its capacity).
    3. Remote joiners who have walked in (`walked_in_later`), by when they walked in: they came when told
       that their turn was near, so the five minutes promised from walking in are theirs to keep (their trip
       may have been longer than their wait: then they arrive "late" and must not wait again behind the room).
    4. Citizens who can still be called within their five minutes, earliest deadline first.
    5. Those whose five minutes are already over, longest wait first: serving them before people who
       can still be served in time would turn one broken promise into two.

    Nobody is called before they are in the building (`eligible`). Replayed with half of the walk-ins
    joining from elsewhere (docs/benchmarks.md), rules 1 and 3 bring remote joiners called within five
    minutes of walking in from 65% to 84% on the busy commune day (walk-ins in person: 68%); 96% on the calm one.
    An earlier version also left to other counters what they could "reach" in time, estimated from
    planned durations; replayed on the real anonbank days (whose planned durations are unknown) it
    did worse than fifo, so it waits for durations learned from the day itself.
    """

    def key(ticket: Queued) -> tuple[int, datetime, int]:
        tie = ticket.id or 0
        place = place_since(ticket)
        if now - place >= STARVATION_BOUND:
            return (0, place, tie)
        if ticket.kind is TicketKind.APPOINTMENT and ticket.slot_at is not None and ticket.slot_at <= now:
            return (1, ticket.slot_at, tie)
        if walked_in_later(ticket):
            return (2, ticket.in_room_since, tie)
        due = deadline(ticket)
        if due > now:
            return (3, due, tie)
        return (4, ticket.in_room_since, tie)

    return sorted((t for t in waiting if eligible(counter, t)), key=key)


POLICIES: dict[str, Policy] = {
    "fifo": fifo,
    "appointments-first": appointments_first,
    "loket": loket,
}
DEFAULT_POLICY = "loket"


def policy_named(name: str) -> Policy:
    try:
        return POLICIES[name]
    except KeyError:
        raise Invalid(f"unknown policy {name!r}; known: {', '.join(sorted(POLICIES))}", code="unknown_policy") from None


def in_force(default: Policy) -> Policy:
    """The policy each office runs: the one an alternating measure puts in force today (`Floor.policy`, from
    `Office.policy`), else `default`, the server's. Every ranking (calls, forecasts) goes through the floor,
    so one wrapper covers them all."""

    def chosen(counter: Counter, waiting: Sequence[Queued], now: datetime, floor: Floor) -> list[Queued]:
        rule = POLICIES.get(floor.policy, default) if floor.policy is not None else default
        return rule(counter, waiting, now, floor)

    return chosen
