"""Timed return: a walk-in facing a long wait may leave the room and come back at a given time.

The offer is made when the estimate passes the five-minute promise and the office allows it. The
time offered is the estimated call time less `RETURN_MARGIN`, rounded down to the minute, so that a
citizen who comes back on time is usually called within the promise even when the estimate was a
little optimistic. Until then the ticket stays waiting but nobody calls it (`routing.away`); from
then on it keeps its place relative to that time: its wait (and so its deadline under the `loket`
policy, its rank under `appointments-first`) counts from the return time, while `fifo` still ranks
it by its original check-in.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from scheduler.errors import Conflict, NotFound
from scheduler.events import ticket_event
from scheduler.model import PROMISE, Office, Ticket, TicketKind, TicketState
from scheduler.repository import Repository

#: Come back this long before the estimated call: estimates err, and the promise leaves 5 minutes.
RETURN_MARGIN = timedelta(minutes=2)


def offer(office: Office, ticket: Ticket, estimated_wait_s: int, now: datetime) -> datetime | None:
    """When this citizen may come back instead of waiting in the room; None when there is no offer:
    the office does not offer it, the ticket is not a waiting walk-in, it was offered and accepted
    already, or the wait is within the promise anyway."""
    if not office.timed_return or ticket.kind is not TicketKind.WALKIN or ticket.state is not TicketState.WAITING:
        return None
    if ticket.return_at is not None or estimated_wait_s <= PROMISE.total_seconds():
        return None
    back = now + timedelta(seconds=estimated_wait_s) - RETURN_MARGIN
    return back.replace(second=0, microsecond=0)


def accept(repo: Repository, token: str, estimated_wait_s: int, now: datetime) -> Ticket:
    """The citizen holding `token` accepts to come back later. `estimated_wait_s` is their current
    estimate (`usecases.position`, read just before): the offer must still stand."""
    ticket = repo.ticket_by_token(token)
    if ticket is None:
        raise NotFound("no ticket has this status code", code="ticket_not_found")
    back = offer(repo.office(ticket.office), ticket, estimated_wait_s, now)
    if back is None:
        raise Conflict(_refusal(repo.office(ticket.office), ticket), code="timed_return_not_offered")
    away = replace(ticket, return_at=back)
    if not repo.replace_ticket(away, TicketState.WAITING):
        raise Conflict("the ticket changed meanwhile; look at its status again", code="ticket_changed")
    repo.emit(ticket_event("returning", away))
    return away


def _refusal(office: Office, ticket: Ticket) -> str:
    if not office.timed_return:
        return f"office {office.id} does not offer to come back later"
    if ticket.kind is not TicketKind.WALKIN:
        return "appointments keep their slot; coming back later is for walk-ins"
    if ticket.state is not TicketState.WAITING:
        return f"ticket {ticket.number} is {ticket.state.value}, not waiting"
    if ticket.return_at is not None:
        return f"ticket {ticket.number} already comes back at {ticket.return_at.isoformat()}"
    return "the estimated wait is within five minutes: no need to come back later"
