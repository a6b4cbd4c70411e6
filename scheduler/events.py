"""Events: what happened in an office, in the order it happened.

The store numbers them per office (`seq`) when the change that caused them commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from scheduler.model import Counter, Ticket


class EventType(StrEnum):
    """Every event type an office publishes: the one list of the wire's names (`client.models.EventType`
    repeats it for the apps, and a test holds the two equal)."""

    TICKET_ISSUED = "ticket.issued"
    TICKET_CALLED = "ticket.called"
    TICKET_RECALLED = "ticket.recalled"
    TICKET_STARTED = "ticket.started"
    TICKET_FINISHED = "ticket.finished"
    TICKET_NO_SHOW = "ticket.no_show"
    TICKET_PARKED = "ticket.parked"
    TICKET_TRANSFERRED = "ticket.transferred"
    TICKET_RELEASED = "ticket.released"
    TICKET_CANCELLED = "ticket.cancelled"
    TICKET_LATE = "ticket.late"
    TICKET_RETURNING = "ticket.returning"
    TICKET_ARRIVED = "ticket.arrived"
    COUNTER_OPENED = "counter.opened"
    COUNTER_PAUSED = "counter.paused"
    COUNTER_RESUMED = "counter.resumed"
    COUNTER_CLOSED = "counter.closed"
    COUNTER_SERVICES = "counter.services"
    PRINTER_STATUS = "printer.status"
    STAFFING_ADVICE = "staffing.advice"
    #: The office's set-up changed (services, counters, hours, closing days, settings): read the snapshot again.
    OFFICE_CHANGED = "office.changed"


@dataclass(frozen=True)
class Event:
    office: str
    type: str
    data: dict[str, Any]


def ticket_view(ticket: Ticket, counter: Counter | None = None) -> dict[str, Any]:
    """What anybody in the room may see of a ticket: no token, no booking details."""
    view: dict[str, Any] = {
        "id": ticket.id,
        "number": ticket.number,
        "service": ticket.service,
        "kind": ticket.kind.value,
        "state": ticket.state.value,
        "language": ticket.language,
        "checked_in_at": ticket.checked_in_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "recalls": ticket.recalls,
        "return_at": ticket.return_at.isoformat() if ticket.return_at else None,
        # False only for a remote joiner who has not checked in yet (not in the building); when they did.
        "here": ticket.here,
        "arrived_at": ticket.arrived_at.isoformat() if ticket.arrived_at else None,
        # Issued by a kiosk offline and synced later; the clerk is told `offline_note` ("early", "late") at the call.
        "offline": ticket.offline,
        "offline_note": ticket.offline_note,
        "counter": None,
    }
    if counter is not None:
        view["counter"] = {"id": counter.id, "name": counter.name}
    return view


def counter_view(counter: Counter) -> dict[str, Any]:
    """`services`: what the counter serves now (the clerk's choice, or every skill); `skills`: all it is
    configured for."""
    return {
        "id": counter.id,
        "name": counter.name,
        "services": sorted(counter.serving_now),
        "skills": sorted(counter.services),
        "state": counter.state.value,
        "pause_reason": counter.pause_reason,
    }


def ticket_event(kind: str, ticket: Ticket, counter: Counter | None = None, **extra: Any) -> Event:
    """`kind` names one of the `ticket.*` types of `EventType` (an unknown kind raises ValueError)."""
    return Event(ticket.office, EventType(f"ticket.{kind}"), {"ticket": ticket_view(ticket, counter), **extra})


def counter_event(kind: str, counter: Counter) -> Event:
    """`kind` names one of the `counter.*` types of `EventType` (an unknown kind raises ValueError)."""
    return Event(counter.office, EventType(f"counter.{kind}"), {"counter": counter_view(counter)})
