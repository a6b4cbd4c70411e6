"""What the holder of a ticket may do from the status page: leave the queue, say "I'm running late",
leave an address to be told when their turn is near, and answer the happiness question.

The ticket's status token is the only key; nothing here needs or reveals who the citizen is. The
happiness answer is stored apart from the ticket with the service, the office-local day and hour only.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import routing, usecases
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.events import ticket_event
from scheduler.lifecycle import Action
from scheduler.model import HappinessAnswer, Office, Ticket, TicketState
from scheduler.repository import Repository

MAX_IMPROVEMENTS = 3
SCORES = range(1, 11)


def _ticket(repo: Repository, token: str) -> Ticket:
    ticket = repo.ticket_by_token(token)
    if ticket is None:
        raise NotFound("no ticket has this status code", code="ticket_not_found")
    return ticket


def _write(repo: Repository, changed: Ticket, expected: TicketState) -> None:
    if not repo.replace_ticket(changed, expected):
        raise Conflict("the ticket changed meanwhile; look at its status again", code="ticket_changed")


def leave(repo: Repository, token: str, now: datetime) -> Ticket:
    """The citizen leaves the queue (waiting or parked): the ticket is cancelled and any address erased."""
    ticket = _ticket(repo, token)
    if ticket.state not in (TicketState.WAITING, TicketState.PARKED):
        raise Conflict(
            f"ticket {ticket.number} is {ticket.state.value}: it can no longer leave the queue",
            code="ticket_not_waiting",
        )
    assert ticket.id is not None
    left = usecases.act_on_ticket(repo, ticket.id, Action.CANCEL, now)
    forgotten = replace(left, notify_email=None, notify_phone=None)
    _write(repo, forgotten, left.state)
    return forgotten


def run_late(repo: Repository, token: str, now: datetime) -> Ticket:
    """ "I'm running late": the waiting citizen goes back `office.late_places` places among those waiting
    for the same service (behind fewer, to the end), once. Their wait counts from their new place."""
    ticket = _ticket(repo, token)
    office = repo.office(ticket.office)
    if ticket.state is not TicketState.WAITING:
        raise Conflict(f"ticket {ticket.number} is {ticket.state.value}, not waiting", code="ticket_not_waiting")
    if ticket.ran_late:
        raise Conflict("you already moved back once", code="already_ran_late")
    if office.late_places <= 0:
        raise Conflict(f"office {office.id} does not move citizens back", code="running_late_not_offered")
    behind = sorted(
        other.in_room_since
        for other in repo.tickets_in(ticket.office, {TicketState.WAITING}, {ticket.service})
        if other.id != ticket.id and other.in_room_since >= ticket.in_room_since
    )
    places = behind[: office.late_places]
    # Just after the last of those it lets go first; as if arriving now when fewer are behind.
    start = places[-1] + timedelta(seconds=1) if len(places) == office.late_places else now
    moved = replace(ticket, return_at=max(start, ticket.in_room_since), ran_late=True)
    _write(repo, moved, TicketState.WAITING)
    repo.emit(ticket_event("late", moved))
    return moved


def ask_to_be_told(repo: Repository, token: str, email: str | None, phone: str | None) -> Ticket:
    """Keep where to tell this waiting citizen that their turn is near (until the visit ends).

    A ticket takes one contact, once: asking again with the same one changes nothing, a different one is
    refused (`contact_already_set`). Otherwise one ticket could have the office write to any number of
    strangers, one new address per request."""
    ticket = _ticket(repo, token)
    if ticket.state is not TicketState.WAITING:
        raise Conflict(f"ticket {ticket.number} is {ticket.state.value}, not waiting", code="ticket_not_waiting")
    if email is None and phone is None:
        raise Invalid("give an e-mail address or a mobile number", code="contact_required")
    if ticket.contact_given:
        if (ticket.notify_email, ticket.notify_phone) == (email, phone):
            return ticket
        raise Conflict("this ticket already has where to tell you; it cannot be changed", code="contact_already_set")
    told = replace(ticket, notify_email=email, notify_phone=phone, contact_given=True)
    _write(repo, told, TicketState.WAITING)
    return told


def answer_happiness(
    repo: Repository, token: str, score: int, improvements: Sequence[str], now: datetime
) -> HappinessAnswer:
    """Store the answer to "Are you happy?" for a finished visit, once per ticket, without the ticket."""
    ticket = _ticket(repo, token)
    office = repo.office(ticket.office)
    if ticket.state is not TicketState.DONE:
        raise Conflict("the question comes after your visit", code="visit_not_finished")
    if ticket.surveyed:
        raise Conflict("this visit was already rated: thank you", code="already_answered")
    if ticket.finished_at is not None and now - ticket.finished_at > usecases.SURVEY_OPEN:
        raise Conflict("this visit is too long ago to rate", code="survey_closed")
    answer = _answer(office, ticket.service, score, improvements, ticket.finished_at or now)
    _write(repo, replace(ticket, surveyed=True), TicketState.DONE)
    repo.add_happiness(answer)
    return answer


def answer_at_kiosk(
    repo: Repository, office_id: str, service: str, score: int, improvements: Sequence[str], now: datetime
) -> HappinessAnswer:
    """An answer given at the kiosk on the way out, where the office asks there too (`happiness_at_kiosk`)."""
    office = repo.office(office_id)
    if not office.happiness_at_kiosk:
        raise Conflict(f"office {office_id} does not ask at the kiosk", code="happiness_not_asked_here")
    repo.service(office_id, service)  # NotFound `service_not_found` for a code the office lacks
    answer = _answer(office, service, score, improvements, now)
    repo.add_happiness(answer)
    return answer


def _answer(office: Office, service: str, score: int, improvements: Sequence[str], at: datetime) -> HappinessAnswer:
    if score not in SCORES:
        raise Invalid("the score is a whole number from 1 to 10", code="invalid_score")
    offered = {i.code for i in office.improvements}
    chosen = tuple(dict.fromkeys(improvements))
    if len(chosen) > MAX_IMPROVEMENTS:
        raise Invalid(f"choose at most {MAX_IMPROVEMENTS} things", code="too_many_improvements")
    unknown = [code for code in chosen if code not in offered]
    if unknown:
        raise Invalid(f"not in the office's list: {', '.join(unknown)}", code="unknown_improvement")
    local = at.astimezone(ZoneInfo(office.timezone))
    return HappinessAnswer(office.id, service, local.date(), local.hour, score, chosen)


#: How long after its visit a ticket can still be followed live (the status page itself stays readable).
#: A live follower is told a new estimate when the moment it points at moves by a minute, not as time passes.
ESTIMATE_GRAIN_S = 60


def status_gist(status: dict[str, Any], now: datetime) -> tuple[Any, ...]:
    """What of a ticket's status (`usecases.ticket_status`) a live follower is told again when it changes: all
    of it, except that the estimates count as the minute they point at (now + wait). With counters idle, the
    same forecast read a few seconds later says a few seconds less: time passing alone sends nothing.
    Compared with ==, never hashed: a thousand of them are made for each change of a busy office."""
    low, high = status["estimated_wait_range_s"]
    start = now.timestamp()
    return (
        *(v for k, v in status.items() if k not in _ESTIMATES),
        *(round((start + wait) / ESTIMATE_GRAIN_S) for wait in (status["estimated_wait_s"], low, high)),
    )


_ESTIMATES = frozenset({"estimated_wait_s", "estimated_wait_range_s"})


FOLLOW_AFTER_VISIT = timedelta(days=1)


def followable(ticket: Ticket, now: datetime) -> bool:
    """Whether a ticket's status is still worth following live: its visit is on, or ended less than
    `FOLLOW_AFTER_VISIT` ago (a visit that never ended counts from its check-in)."""
    return now - (ticket.ended_at or ticket.in_room_since) <= FOLLOW_AFTER_VISIT


#: The states of a visit still going on: a notify address is kept only while its ticket is in one.
ACTIVE = frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING, TicketState.PARKED})


@dataclass(frozen=True)
class TurnNotice:
    """A message to send to a walk-in who asked to be told: "soon" (about `minutes` away) or "now"."""

    kind: str
    number: str
    language: str
    token: str
    email: str | None
    phone: str | None
    minutes: int = 0
    counter: str = ""


def claim_turn_notices(
    repo: Repository, office_id: str, now: datetime, policy: routing.Policy = routing.appointments_first
) -> list[TurnNotice]:
    """The notices due in this office, marked as given, and the addresses of ended visits erased.

    Run inside the office's write transaction, so that two server workers never both send one. A called
    citizen is told once, and their address is erased with it: nothing is kept after the visit."""
    office = repo.office(office_id)
    notices = []
    for ticket in repo.tickets_in(office_id, {TicketState.WAITING, TicketState.CALLED}):
        if not (ticket.notify_email or ticket.notify_phone):
            continue
        if ticket.state is TicketState.CALLED:
            # Told once, and the address goes with it: a recall or a call back after parking says nothing more.
            _write(repo, replace(ticket, notify_email=None, notify_phone=None, notified_now=True), TicketState.CALLED)
            if not ticket.notified_now:
                counter = repo.counter(ticket.counter_id) if ticket.counter_id is not None else None
                notices.append(_notice("now", ticket, counter=counter.name if counter else ""))
            continue
        if ticket.notified_soon:
            continue
        wait = usecases.position(repo, ticket, now, policy).estimated_wait_s
        if wait <= office.notify_before_min * 60:
            _write(repo, replace(ticket, notified_soon=True), TicketState.WAITING)
            notices.append(_notice("soon", ticket, minutes=max(1, round(wait / 60))))
    repo.forget_notify_contacts(office_id, ACTIVE)
    return notices


def _notice(kind: str, ticket: Ticket, *, minutes: int = 0, counter: str = "") -> TurnNotice:
    return TurnNotice(
        kind, ticket.number, ticket.language, ticket.token, ticket.notify_email, ticket.notify_phone, minutes, counter
    )
