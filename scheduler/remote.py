"""Joining today's queue from elsewhere, and coming when it is one's turn.

A remote ticket (`TicketKind.REMOTE`) takes its place in the queue when the citizen joins, from home or
from the kiosk's "wait elsewhere" offer, but nobody calls it until its holder is in the building: they
check in at the kiosk with the ticket's short code (or its QR), or the clerk calls the number and they
answer. The forecast plays them as if they were in the room since they joined (`estimate.forecast`), which
says when their turn comes; they are told to set off at `come_at` = that moment − their trip − `COME_MARGIN`.
Once in the room their five-minute promise counts from when they walked in (`Ticket.in_room_since`), so the
`loket` policy calls someone who arrives on time within it, late or not.

A remote ticket that has not checked in by `come_at` + its trip + the office's grace (`remote_grace_min`)
becomes a no-show and is told. The estimate keeps `come_at` current; the citizen is told again only when it
moves earlier by more than `RETELL_EARLIER`.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from scheduler import calendar
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.events import ticket_event
from scheduler.model import PROMISE, Counter, CounterState, Office, Ticket, TicketKind, TicketState
from scheduler.numbering import office_day
from scheduler.repository import Repository

#: The trips a citizen may say they have (minutes): the join page's choices.
TRAVEL_CHOICES_MIN = (5, 10, 20, 30, 45)
#: Arrive this long before the turn is expected: estimates err, and the promise leaves five minutes.
COME_MARGIN = PROMISE
#: A citizen already told when to come is told again only if that moves earlier by more than this.
RETELL_EARLIER = PROMISE
#: Remote codes: six characters of the booking codes' alphabet (no look-alikes); bookings have eight.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 6
#: The visits still going on: one of these per contact and office at a time.
OPEN_STATES = frozenset({TicketState.WAITING, TicketState.CALLED, TicketState.SERVING, TicketState.PARKED})


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """A remote code as typed ("k7q xm4", "K7QXM4") in its canonical form; None when it cannot be one."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return raw


def check_travel(travel_min: int) -> int:
    """The trip in seconds; Invalid unless it is one of the offered choices."""
    if travel_min not in TRAVEL_CHOICES_MIN:
        choices = ", ".join(str(m) for m in TRAVEL_CHOICES_MIN)
        raise Invalid(f"travel_min must be one of {choices}", code="invalid_travel_min")
    return travel_min * 60


def come_at(estimated_call_at: datetime, travel_s: int, now: datetime) -> datetime:
    """When to set off: the turn less the trip and the margin, to the minute; never before `now`."""
    leave = estimated_call_at - timedelta(seconds=travel_s) - COME_MARGIN
    return max(now, leave).replace(second=0, microsecond=0)


def arrive_by(ticket: Ticket, office: Office) -> datetime | None:
    """Until when a remote joiner keeps their place without checking in: set off at `come_at`, the trip,
    then the office's grace."""
    if ticket.come_at is None:
        return None
    return ticket.come_at + timedelta(seconds=ticket.travel_s or 0, minutes=office.remote_grace_min)


def serving_today(
    office: Office, counters: Iterable[Counter], service: str, now: datetime, holidays: Collection[date]
) -> bool:
    """Whether the queue of `service` takes people now: within today's opening hours (offices without hours:
    while a counter with the skill is open), and some counter has the skill."""
    able = [c for c in counters if c.serves(service)]
    if not able:
        return False
    if not office.hours:
        return any(c.state is not CounterState.CLOSED for c in able)
    local = now.astimezone(ZoneInfo(office.timezone))
    if calendar.closed_because(office, local.date(), holidays) is not None:
        return False
    return any(opens <= local.time() < closes for opens, closes in office.hours.get(local.weekday(), ()))


def remote_share_full(office: Office, waiting: list[Ticket]) -> bool:
    """Whether one more remote joiner would take more than `remote_share_max` of today's queue (at least one
    may always join an empty queue)."""
    remote = sum(1 for t in waiting if t.kind is TicketKind.REMOTE)
    allowed = max(1, math.floor(office.remote_share_max * (len(waiting) + 1) + 1e-9))
    return remote + 1 > allowed


def check_join(
    repo: Repository,
    office: Office,
    service: str,
    now: datetime,
    holidays: Collection[date],
    *,
    email: str | None,
    phone: str | None,
) -> None:
    """Every reason a citizen may not join `office`'s queue for `service` from elsewhere now, as a refusal."""
    if not office.remote_join:
        raise Conflict(
            f"office {office.id} does not take people in its queue from elsewhere", code="remote_join_disabled"
        )
    repo.service(office.id, service)  # NotFound: service_not_found
    if not serving_today(office, repo.counters(office.id), service, now, holidays):
        raise Conflict(f"the queue for {service} is closed now", code="queue_closed")
    today = office_day(now, office.timezone)
    active = [t for t in repo.tickets_in(office.id, OPEN_STATES) if t.day == today]
    if (email or phone) and any(
        t.kind is TicketKind.REMOTE
        and ((email is not None and t.notify_email == email) or (phone is not None and t.notify_phone == phone))
        for t in active
    ):
        raise Conflict("you are already in this office's queue today: follow that ticket", code="already_joined")
    if remote_share_full(office, [t for t in active if t.state is TicketState.WAITING]):
        raise Conflict(
            "the queue takes no more people from elsewhere just now: try again later", code="remote_share_full"
        )


def unique_code(repo: Repository, office_id: str, day: date) -> str:
    taken = {t.code for t in repo.tickets_in(office_id, OPEN_STATES) if t.day == day and t.code}
    while (code := new_code()) in taken:
        pass  # 31^6 codes: a clash among today's open tickets is rare
    return code


def by_code(repo: Repository, office_id: str, code: str, now: datetime) -> Ticket | None:
    """Today's open remote ticket with this code (as typed), if any."""
    canonical = normalise_code(code)
    if canonical is None:
        return None
    today = office_day(now, repo.office(office_id).timezone)
    for ticket in repo.tickets_in(office_id, OPEN_STATES):
        if ticket.day == today and ticket.code == canonical and ticket.kind is TicketKind.REMOTE:
            return ticket
    return None


def arrive(repo: Repository, ticket: Ticket, now: datetime) -> Ticket:
    """The remote joiner is in the building: from now on counters may call them. Checking in twice changes
    nothing; a ticket that is no longer waiting cannot check in."""
    if ticket.arrived_at is not None:
        return ticket
    if ticket.state is not TicketState.WAITING:
        raise Conflict(f"ticket {ticket.number} is {ticket.state.value}: it cannot check in", code="ticket_not_waiting")
    here = replace(ticket, arrived_at=now)
    if not repo.replace_ticket(here, TicketState.WAITING):
        raise Conflict("the ticket changed meanwhile; try again", code="ticket_changed")
    repo.emit(ticket_event("arrived", here))
    return here


def check_in(repo: Repository, office_id: str, code: str, now: datetime) -> Ticket:
    """The kiosk's check-in by a remote ticket's code."""
    ticket = by_code(repo, office_id, code, now)
    if ticket is None:
        raise NotFound(f"no ticket of office {office_id} has the code {code!r} today", code="code_not_found")
    return arrive(repo, ticket, now)


@dataclass(frozen=True)
class ComeNotice:
    """A message to a remote joiner: "come" (set off now), "earlier" (your turn moved earlier: set off at
    `at`) or "missed" (they did not check in in time: the ticket is a no-show)."""

    kind: str
    number: str
    code: str
    language: str
    token: str
    email: str | None
    phone: str | None
    at: datetime | None = None


def keep_current(repo: Repository, office: Office, estimated_call_s: dict[int, int], now: datetime) -> list[ComeNotice]:
    """Once per round for an office: each remote joiner not yet here gets `come_at` from its current estimate
    (`estimated_call_s`, seconds from now by ticket id); who must set off now is told so, once; who must set
    off more than `RETELL_EARLIER` earlier than they were told is told again; who is past `arrive_by` becomes
    a no-show and is told. Run inside the office's write, so that two workers never tell one citizen twice."""
    notices: list[ComeNotice] = []
    today = office_day(now, office.timezone)
    for ticket in repo.tickets_in(office.id, {TicketState.WAITING}):
        if ticket.kind is not TicketKind.REMOTE or ticket.here or ticket.day != today:
            continue
        deadline = arrive_by(ticket, office)
        if deadline is not None and now > deadline and ticket.told_come:
            missed = replace(ticket, state=TicketState.NO_SHOW, finished_at=now)
            if repo.replace_ticket(missed, TicketState.WAITING):
                repo.emit(ticket_event("no_show", missed))
                notices.append(_notice("missed", ticket))
            continue
        wait_s = estimated_call_s.get(ticket.id or 0)
        if ticket.told_come or wait_s is None:
            continue  # on their way: `come_at` stays what they were told, their deadline with it
        leave = come_at(now + timedelta(seconds=wait_s), ticket.travel_s or 0, now)
        changed = ticket
        if leave <= now:
            changed = replace(ticket, come_at=now.replace(second=0, microsecond=0), told_come=True)
            notices.append(_notice("come", changed))
        elif ticket.come_at is not None and ticket.come_at - leave > RETELL_EARLIER:
            changed = replace(ticket, come_at=leave)
            notices.append(_notice("earlier", changed, at=leave))
        elif ticket.come_at is None or leave > ticket.come_at:
            # Later than told: kept silently (coming early costs them a little wait, never their turn).
            changed = replace(ticket, come_at=leave)
        if changed is not ticket:
            repo.replace_ticket(changed, TicketState.WAITING)
    return notices


def _notice(kind: str, ticket: Ticket, at: datetime | None = None) -> ComeNotice:
    email, phone = ticket.notify_email, ticket.notify_phone
    return ComeNotice(kind, ticket.number, ticket.code or "", ticket.language, ticket.token, email, phone, at)
