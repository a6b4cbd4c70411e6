"""What clerks, kiosks and citizens can ask of an office, written against `Repository`.

Each function runs inside one transaction that holds the office (see `repository`), takes `now`
from its caller and raises a `DomainError` when a rule refuses; then nothing is written.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import calendar, estimate, returning, routing
from scheduler import remote as remote_rules
from scheduler.administration import hours_view
from scheduler.errors import Conflict, Invalid, NotFound
from scheduler.events import counter_event, counter_view, ticket_event, ticket_view
from scheduler.lifecycle import Action, CounterAction, apply, apply_counter
from scheduler.model import (
    AT_COUNTER,
    LANGUAGES,
    Counter,
    CounterState,
    Office,
    QueueEntry,
    Service,
    Ticket,
    TicketKind,
    TicketState,
)
from scheduler.numbering import day_start, format_number, office_day
from scheduler.repository import Repository

RECENT_CALLS = 8
#: Above this many people waiting, a new ticket's estimate uses the queue-length rule, not the forecast.
FORECAST_LIMIT = 150
#: Stands for the id a ticket about to be written will get (`QueueNow.position_of_new`): above any real one.
NEW_ID = 2**62


@dataclass(frozen=True)
class Issued:
    ticket: Ticket
    replayed: bool = False
    #: The estimate computed in the write that issued the ticket (and kept on it as `announced_*`), when
    #: the caller gave the policy to tell it with; None for a replay.
    position: Position | None = None


@dataclass(frozen=True)
class Position:
    people_ahead: int
    estimated_wait_s: int
    #: A range the real wait should fall in about four times out of five (see `estimate.wait_range`).
    low_s: int = 0
    high_s: int = 0
    #: When the citizen may come back instead of waiting in the room (`returning.offer`), if offered.
    return_offer: datetime | None = None


@dataclass(frozen=True)
class Appointment:
    code: str
    slot_at: datetime


@dataclass(frozen=True)
class Remote:
    """A citizen joining from elsewhere (`scheduler.remote`): their trip, and where to tell them to come."""

    travel_s: int
    email: str | None = None
    phone: str | None = None


def _counter_in(repo: Repository, office_id: str, counter_id: int) -> Counter:
    counter = repo.counter(counter_id)
    if counter.office != office_id:
        raise NotFound(f"counter {counter_id} is not in office {office_id}", code="counter_not_found")
    return counter


def _at_counter(repo: Repository, counter: Counter) -> Ticket | None:
    for ticket in repo.tickets_in(counter.office, AT_COUNTER):
        if ticket.counter_id == counter.id:
            return ticket
    return None


def _waiting_today(repo: Repository, office_id: str, now: datetime) -> list[Ticket]:
    """Who is waiting in the room today. Tickets left over from an earlier day are not called:
    those citizens went home when the office closed."""
    today = office_day(now, repo.office(office_id).timezone)
    return [t for t in repo.tickets_in(office_id, {TicketState.WAITING}) if t.day == today]


def _queue_today(
    repo: Repository, office_id: str, now: datetime, services: Collection[str] | None = None
) -> list[QueueEntry]:
    """The same, as light queue entries: what the hot paths (call next, wait estimates) rank."""
    return repo.queue(office_id, office_day(now, repo.office(office_id).timezone), services)


@dataclass
class QueueNow:
    """An office's waiting queue and floor, read once at `now`: enough to place any of its waiting tickets.

    One ticket's place (`position`) reads it for that ticket; a live page following many tickets
    (`ticket_statuses`) reads it once for all of them, and plays the forecast once."""

    office: Office
    everyone: list[QueueEntry]
    floor: routing.Floor
    now: datetime
    policy: routing.Policy
    _same: dict[str, list[QueueEntry]] = field(default_factory=dict)
    _ranks: dict[str, dict[int, int]] = field(default_factory=dict)
    _staffing: dict[str, tuple[int, int]] = field(default_factory=dict)
    _played: dict[int, int] | None = None

    @classmethod
    def read(cls, repo: Repository, office_id: str, now: datetime, policy: routing.Policy) -> QueueNow:
        return cls(repo.office(office_id), _queue_today(repo, office_id, now), floor(repo, office_id, now), now, policy)

    def played(self, until: int | None = None) -> dict[int, int]:
        """The forecast (`estimate.forecast`), played until `until` is called, or for everybody (kept).
        A kiosk waits for this answer: past a crowd no office really has, the cheap rule is enough."""
        if len(self.everyone) > FORECAST_LIMIT:
            return {}
        if until is not None:
            return self._played or estimate.forecast(self.everyone, self.floor, self.now, self.policy, until=until)
        if self._played is None:
            self._played = estimate.forecast(self.everyone, self.floor, self.now, self.policy)
        return self._played

    def same_service(self, service: str) -> list[QueueEntry]:
        """The waiting tickets of `service` in the order they are served (`routing.priority_key`)."""
        same = self._same.get(service)
        if same is None:
            same = sorted(
                (t for t in self.everyone if t.service == service), key=lambda t: routing.priority_key(t, self.now)
            )
            self._same[service] = same
        return same

    def position_of_new(self, ticket: Ticket) -> Position:
        """The place of a ticket about to be added, not in the queue yet: it will have the next id, greater
        than every waiting ticket's, so it is placed with one (`NEW_ID`) for the ties that ids break."""
        entry = replace(QueueEntry.of(ticket), id=NEW_ID)
        return replace(self, everyone=[*self.everyone, entry], _same={}, _ranks={}, _played=None).position(
            replace(ticket, id=NEW_ID)
        )

    def position(self, ticket: Ticket, *, everybody: bool = False) -> Position:
        """People ahead of a waiting ticket in its service, its estimated wait and range, and the timed
        return offered. `everybody`: play the forecast for all (many tickets will be asked)."""
        ranks = self._ranks.get(ticket.service)
        if ranks is None:
            ranks = self._ranks[ticket.service] = {t.id: i for i, t in enumerate(self.same_service(ticket.service))}
        ahead = ranks.get(ticket.id or 0, len(ranks))
        return self.place(ticket, ahead, lambda: self.played(None if everybody else ticket.id))

    def place(self, ticket: Ticket, ahead: int, played: Callable[[], dict[int, int]]) -> Position:
        """The estimate of a ticket with `ahead` people before it in its service."""
        duration = self.floor.durations.get(ticket.service, 600)
        if ticket.return_at is not None and routing.away(ticket, self.now):
            # Told to come back at a time: that is their estimate, and nobody is planned in their place.
            wait = round((ticket.return_at - self.now).total_seconds())
        else:
            forecast = played()
            if ticket.id in forecast:
                wait = forecast[ticket.id or 0]
            else:
                staffed = self._staffing.get(ticket.service)
                if staffed is None:
                    staffed = self._staffing[ticket.service] = estimate.staffing(self.floor, ticket.service, self.now)
                wait = estimate.estimate_for_position(ahead, *staffed, duration)
        able = sum(1 for c in self.floor.counters if c.state is CounterState.OPEN and c.serves(ticket.service))
        low, high = estimate.wait_range(wait, ahead, duration, able)
        return Position(ahead, wait, low, high, returning.offer(self.office, ticket, wait, self.now))


def told_at_issue(repo: Repository, ticket: Ticket, now: datetime, policy: routing.Policy) -> Position:
    """The estimate told to a ticket about to be written (`issue_ticket`). In a crowd past `FORECAST_LIMIT`
    only the queue-length rule applies: a citizen who takes their place now comes after everybody whose wait
    began by now, who are only counted; the few others (told to come back, booked for later) are ranked.
    So the cost of issuing does not grow with the queue. Otherwise the whole queue is read and played."""
    office = repo.office(ticket.office)
    new = replace(QueueEntry.of(ticket), id=NEW_ID)
    last = (1, now, NEW_ID)
    if routing.priority_key(new, now) == last and repo.queue_size(ticket.office, ticket.day) > FORECAST_LIMIT:
        counted, ranked = repo.queue_split(ticket.office, ticket.day, ticket.service, now)
        ahead = counted + sum(1 for e in ranked if routing.priority_key(e, now) < last)
        crowd = QueueNow(office, [], floor(repo, ticket.office, now), now, policy)
        return crowd.place(replace(ticket, id=NEW_ID), ahead, dict)
    return QueueNow.read(repo, ticket.office, now, policy).position_of_new(ticket)


def issue_ticket(
    repo: Repository,
    office_id: str,
    service_code: str,
    language: str,
    now: datetime,
    *,
    token: str,
    idempotency_key: str | None = None,
    appointment: Appointment | None = None,
    remote: Remote | None = None,
    policy: routing.Policy | None = None,
) -> Issued:
    """A walk-in takes a ticket, or a booked citizen checks in. A repeated key returns the first ticket.

    Given the `policy` the kiosk tells the wait with, the estimate (`position`) is computed in this same
    write, kept on the ticket (`announced_wait_s`, `announced_low_s`, `announced_high_s`: what the citizen
    was told, to compare with the real wait later) and returned in `Issued.position`: the one place a
    ticket's announced wait is decided. Without it (the simulator, test fixtures) nothing is announced.
    """
    office = repo.office(office_id)
    if language not in LANGUAGES:
        raise Invalid(f"language must be one of {', '.join(LANGUAGES)}", code="invalid_language")
    if idempotency_key is not None:
        earlier = repo.ticket_by_idempotency_key(office_id, idempotency_key)
        if earlier is not None:
            if earlier.service != service_code or earlier.appointment != (appointment and appointment.code):
                raise Conflict(
                    "this Idempotency-Key was already used for a different request", code="idempotency_key_reused"
                )
            return Issued(earlier, replayed=True)
    service = repo.service(office_id, service_code)
    if not any(c.serves(service.code) for c in repo.counters(office_id)):
        raise Conflict(f"no counter of office {office_id} serves {service.code}", code="service_unavailable")
    day = office_day(now, office.timezone)
    kind = TicketKind.APPOINTMENT if appointment else TicketKind.REMOTE if remote else TicketKind.WALKIN
    ticket = Ticket(
        office=office_id,
        service=service.code,
        number=format_number(service.code, repo.next_number(office_id, service.code, day)),
        day=day,
        kind=kind,
        language=language,
        token=token,
        checked_in_at=now,
        slot_at=appointment.slot_at if appointment else None,
        appointment=appointment.code if appointment else None,
        idempotency_key=idempotency_key,
        code=remote_rules.unique_code(repo, office_id, day) if remote else None,
        travel_s=remote.travel_s if remote else None,
        notify_email=remote.email if remote else None,
        notify_phone=remote.phone if remote else None,
        contact_given=bool(remote and (remote.email or remote.phone)),
    )
    told = None
    if policy is not None or remote is not None:
        # Told before the ticket is written, so that it is written once, with what it was told.
        told = told_at_issue(repo, ticket, now, policy or routing.appointments_first)
        ticket = replace(
            ticket, announced_wait_s=told.estimated_wait_s, announced_low_s=told.low_s, announced_high_s=told.high_s
        )
        if remote is not None:
            leave = remote_rules.come_at(now + timedelta(seconds=told.estimated_wait_s), remote.travel_s, now)
            ticket = replace(ticket, come_at=leave, told_come=leave <= now)
    ticket = repo.add_ticket(ticket)
    repo.emit(ticket_event("issued", ticket))
    return Issued(ticket, position=told)


def position(
    repo: Repository, ticket: Ticket, now: datetime, policy: routing.Policy = routing.appointments_first
) -> Position:
    """People ahead of the citizen holding `ticket` and their estimated wait (after a transfer, of the
    ticket that continues the visit). `issue_ticket` tells it in its write; afterwards it is a read."""
    live = repo.ticket_by_token(ticket.token) or ticket
    if live.state is not TicketState.WAITING:
        return Position(0, 0)
    return QueueNow.read(repo, live.office, now, policy).position(live)


def call_next(
    repo: Repository, counter_id: int, now: datetime, policy: routing.Policy = routing.appointments_first
) -> Ticket | None:
    """The counter calls the best waiting ticket it may serve (best by `policy`); None when nobody waits for it."""
    counter = repo.counter(counter_id)
    _require_free_open(repo, counter)
    waiting = routing.present(_queue_today(repo, counter.office, now, counter.serving_now), now)
    for entry in policy(counter, waiting, now, floor(repo, counter.office, now)):
        candidate = repo.ticket(entry.id)
        if candidate.state is not TicketState.WAITING:
            continue
        called = apply(candidate, Action.CALL, now, counter_id=counter.id)
        if repo.replace_ticket(called, TicketState.WAITING):
            repo.emit(ticket_event("called", called, counter))
            return called
        # Another counter claimed it between our read and our write: try the next one.
    return None


def floor(repo: Repository, office_id: str, now: datetime) -> routing.Floor:
    """The office as a policy sees it: counters, when each will be free, service times (planned, and
    learned from today's finished tickets)."""
    counters = repo.counters(office_id)
    learned = repo.service_times(office_id, office_day(now, repo.office(office_id).timezone))
    durations = {
        s.code: estimate.learned_duration(s.duration_s, *learned.get(s.code, (0, 0.0)))
        for s in repo.services(office_id)
    }
    free_at = {c.id: now for c in counters if c.state is not CounterState.CLOSED}
    for ticket in repo.tickets_in(office_id, AT_COUNTER):
        if ticket.counter_id in free_at:
            began = ticket.started_at or ticket.called_at or now
            free_at[ticket.counter_id] = max(now, began + timedelta(seconds=durations.get(ticket.service, 600)))
    return routing.Floor(tuple(counters), free_at, durations, repo.office(office_id).policy)


def _require_free_open(repo: Repository, counter: Counter) -> None:
    if counter.state is not CounterState.OPEN:
        raise Conflict(f"counter {counter.name} is {counter.state.value}; open it first", code="counter_not_open")
    current = _at_counter(repo, counter)
    if current is not None:
        raise Conflict(
            f"counter {counter.name} still has ticket {current.number}; finish, park, transfer or "
            "mark it as no-show first",
            code="counter_busy",
        )


def act_on_ticket(
    repo: Repository,
    ticket_id: int,
    action: Action,
    now: datetime,
    *,
    counter_id: int | None = None,
    to_service: str | None = None,
    to_counter: int | None = None,
) -> Ticket:
    """Recall, start, finish, no-show, park, transfer, cancel, or call one ticket by name.

    `counter_id` is the counter acting: it must be the ticket's counter for actions on a called
    ticket, and is required to call a ticket. Returns the ticket as it now is (after a transfer,
    the new waiting ticket that continues the visit).
    """
    ticket = repo.ticket(ticket_id)
    acting = _counter_in(repo, ticket.office, counter_id) if counter_id is not None else None
    if action is Action.CALL:
        if acting is None:
            raise Invalid("calling a ticket needs the counter that calls it", code="counter_required")
        _require_free_open(repo, acting)
        if not acting.serves(ticket.service):
            raise Conflict(f"counter {acting.name} does not serve {ticket.service}", code="service_not_served")
        if ticket.target_counter_id not in (None, acting.id):
            raise Conflict(f"ticket {ticket.number} was sent to another counter", code="not_your_ticket")
        called = apply(ticket, Action.CALL, now, counter_id=acting.id)
        _write(repo, called, ticket.state)
        repo.emit(ticket_event("called", called, acting))
        return called
    if acting is not None and ticket.counter_id not in (None, acting.id) and ticket.state in AT_COUNTER:
        raise Conflict(f"ticket {ticket.number} is at another counter", code="not_your_ticket")
    at = repo.counter(ticket.counter_id) if ticket.counter_id is not None else None
    if action is Action.TRANSFER:
        return _transfer(repo, ticket, now, at, to_service, to_counter)
    if action is Action.NO_SHOW and ticket.state is TicketState.CALLED:
        _require_no_show_allowed(repo.office(ticket.office), ticket, now)
    changed = apply(ticket, action, now)
    _write(repo, changed, ticket.state)
    repo.emit(ticket_event(_EVENT_NAMES[action], changed, at))
    return changed


@dataclass(frozen=True)
class NoShowRule:
    """What still stands between a called ticket and marking it no-show."""

    #: How many more recalls the office asks for.
    recalls_needed: int
    #: From when, once those recalls are done (each recall restarts the delay, so while recalls are
    #: needed this is the earliest possible: a recall right now plus the delay).
    allowed_from: datetime

    def allows(self, now: datetime) -> bool:
        return self.recalls_needed == 0 and now >= self.allowed_from


def no_show_rule(office: Office, ticket: Ticket, now: datetime) -> NoShowRule:
    """The office's recall rules applied to a called ticket: at least `no_show_min_recalls` recalls,
    and `no_show_delay_s` seconds since the last call or recall (`ticket.called_at`)."""
    needed = max(0, office.no_show_min_recalls - ticket.recalls)
    delay = timedelta(seconds=office.no_show_delay_s)
    last_call = now if needed else (ticket.called_at or now)
    return NoShowRule(needed, last_call + delay)


def _require_no_show_allowed(office: Office, ticket: Ticket, now: datetime) -> None:
    rule = no_show_rule(office, ticket, now)
    if rule.allows(now):
        return
    local = rule.allowed_from.astimezone(ZoneInfo(office.timezone))
    if rule.recalls_needed:
        plural = "s" if rule.recalls_needed > 1 else ""
        detail = (
            f"call ticket {ticket.number} again first: {rule.recalls_needed} more recall{plural}, then wait "
            f"{office.no_show_delay_s} s before marking it no-show"
        )
    else:
        detail = (
            f"ticket {ticket.number} was called {office.no_show_delay_s} s ago or less; it may be marked no-show "
            f"from {local:%H:%M:%S}"
        )
    raise Conflict(
        detail,
        code="no_show_too_early",
        extra={"recalls_needed": rule.recalls_needed, "no_show_from": rule.allowed_from.astimezone(UTC).isoformat()},
    )


_EVENT_NAMES = {
    Action.RECALL: "recalled",
    Action.START: "started",
    Action.FINISH: "finished",
    Action.NO_SHOW: "no_show",
    Action.PARK: "parked",
    Action.CANCEL: "cancelled",
}


def _write(repo: Repository, ticket: Ticket, expected: TicketState) -> None:
    if not repo.replace_ticket(ticket, expected):
        raise Conflict(f"ticket {ticket.number} was changed by someone else; try again", code="ticket_changed")


def _transfer(
    repo: Repository,
    ticket: Ticket,
    now: datetime,
    at: Counter | None,
    to_service: str | None,
    to_counter: int | None,
) -> Ticket:
    if to_service is None and to_counter is None:
        raise Invalid("a transfer needs a service or a counter to go to", code="transfer_target_required")
    service = repo.service(ticket.office, to_service or ticket.service).code
    target = _counter_in(repo, ticket.office, to_counter) if to_counter is not None else None
    if target is not None and not target.serves(service):
        raise Invalid(f"counter {target.name} does not serve {service}", code="service_not_served")
    if target is None and not any(c.serves(service) for c in repo.counters(ticket.office)):
        raise Conflict(f"no counter serves {service}", code="service_unavailable")
    closed = apply(ticket, Action.TRANSFER, now)
    _write(repo, closed, ticket.state)
    # The citizen keeps their number, their status page and their place in time.
    continued = repo.add_ticket(
        replace(
            ticket,
            id=None,
            service=service,
            state=TicketState.WAITING,
            counter_id=None,
            target_counter_id=target.id if target else None,
            called_at=None,
            started_at=None,
            finished_at=None,
            recalls=0,
            transferred_from=ticket.id,
            idempotency_key=None,
        )
    )
    repo.emit(
        ticket_event(
            "transferred",
            closed,
            at,
            to={"ticket": ticket_view(continued), "service": service, "counter": target and counter_view(target)},
        )
    )
    return continued


def act_on_counter(
    repo: Repository, counter_id: int, action: CounterAction, now: datetime, *, reason: str | None = None
) -> Counter:
    counter = repo.counter(counter_id)
    if action is CounterAction.CLOSE:
        current = _at_counter(repo, counter)
        if current is not None:
            raise Conflict(
                f"counter {counter.name} still has ticket {current.number}; finish it first", code="counter_busy"
            )
    changed = apply_counter(counter, action, reason=reason)
    repo.save_counter(changed)
    repo.emit(
        counter_event({"open": "opened", "pause": "paused", "resume": "resumed", "close": "closed"}[action], changed)
    )
    if action is CounterAction.CLOSE:
        # Citizens sent to this counter must not wait for a clerk who went home: back to the pool.
        for waiting in repo.tickets_in(counter.office, {TicketState.WAITING}):
            if waiting.target_counter_id == counter.id:
                released = replace(waiting, target_counter_id=None)
                _write(repo, released, TicketState.WAITING)
                repo.emit(ticket_event("released", released))
    return changed


def choose_services(repo: Repository, counter_id: int, services: Collection[str], now: datetime) -> Counter:
    """The clerk chooses which of the counter's skills it serves today (where the office allows it).
    Routing, call-next and estimates follow at once; closing the counter forgets the choice."""
    counter = repo.counter(counter_id)
    office = repo.office(counter.office)
    if not office.clerks_choose_services:
        raise Conflict(
            f"office {office.id} does not let clerks choose their services (clerks_choose_services)",
            code="services_not_choosable",
        )
    chosen = frozenset(services)
    unknown = sorted(chosen - counter.services)
    if not chosen or unknown:
        problem = f"unknown to it: {', '.join(unknown)}" if unknown else "none chosen"
        raise Invalid(
            f"counter {counter.name} can serve {', '.join(sorted(counter.services)) or 'nothing'}; {problem}",
            code="invalid_services",
            extra={"unknown": unknown, "skills": sorted(counter.services)},
        )
    changed = replace(counter, serving=None if chosen == counter.services else chosen)
    repo.save_counter(changed)
    repo.emit(counter_event("services", changed))
    return changed


def call_number(repo: Repository, counter_id: int, number: str, now: datetime) -> Ticket:
    """The counter calls today's ticket with this number (any case), waiting or parked: the same rules
    as calling a ticket by name (`act_on_ticket` with `Action.CALL`)."""
    counter = repo.counter(counter_id)
    wanted = number.strip().upper()
    today = office_day(now, repo.office(counter.office).timezone)
    found = repo.tickets_numbered(counter.office, today, wanted)
    if not found:
        raise NotFound(f"no ticket {wanted} today", code="ticket_not_found")
    # After a transfer the number lives on in a new ticket: the one still in line, else the newest.
    callable_ = [t for t in found if t.state in (TicketState.WAITING, TicketState.PARKED)]
    ticket = (callable_ or found)[-1]
    if not ticket.here and ticket.state is TicketState.WAITING:
        # A remote joiner at the counter who did not check in: being called by number is their check-in.
        remote_rules.arrive(repo, ticket, now)
    return act_on_ticket(repo, ticket.id or 0, Action.CALL, now, counter_id=counter.id)


def counter_today(repo: Repository, counter_id: int, now: datetime) -> dict[str, Any]:
    """The clerk's numbers for today (office-local day): citizens served and no-shows at this counter,
    their mean time at the counter, and tickets it parked that are still parked."""
    counter = repo.counter(counter_id)
    today = office_day(now, repo.office(counter.office).timezone)
    tickets = repo.counter_tickets(
        counter.office, counter.id, today, {TicketState.DONE, TicketState.NO_SHOW, TicketState.PARKED}
    )
    done = [t for t in tickets if t.state is TicketState.DONE]
    times = [t.service_s for t in done if t.service_s is not None]
    return {
        "counter": counter.id,
        "served": len(done),
        "no_shows": sum(1 for t in tickets if t.state is TicketState.NO_SHOW),
        "mean_service_s": sum(times) / len(times) if times else None,
        "parked": sum(1 for t in tickets if t.state is TicketState.PARKED),
    }


def end_earlier_days(repo: Repository, office_id: str, now: datetime) -> int:
    """Cancel tickets still waiting or parked from an earlier day; returns how many."""
    today = office_day(now, repo.office(office_id).timezone)
    ended = 0
    for ticket in repo.tickets_in(office_id, {TicketState.WAITING, TicketState.PARKED}):
        if ticket.day < today:
            cancelled = apply(ticket, Action.CANCEL, now)
            _write(repo, cancelled, ticket.state)
            repo.emit(ticket_event("cancelled", cancelled, reason="day_ended"))
            ended += 1
    return ended


def queue_snapshot(
    repo: Repository,
    office_id: str,
    now: datetime,
    policy: routing.Policy = routing.appointments_first,
    holidays: Collection[date] = (),
) -> dict[str, Any]:
    """Everything a display or terminal needs to draw the office, with the `seq` it is valid at.

    `office.hours` is the week in the administration API's form ({"mon": [["08:30", "12:30"]], ..., "sun": []});
    `office.hours_today` the periods of the office-local day, [] when the office is closed that day: by its own
    closing days, or on one of the public `holidays` the caller passes (`closed_today` says which: "closed",
    "holiday", or None on a day it opens)."""
    office = repo.office(office_id)
    services = repo.services(office_id)
    counters = repo.counters(office_id)
    waiting = _waiting_today(repo, office_id, now)
    at_counter = repo.tickets_in(office_id, AT_COUNTER)
    busy = {t.counter_id: t for t in at_counter if t.counter_id is not None}
    office_floor = floor(repo, office_id, now)
    here = routing.present(waiting, now)
    estimates = {
        **estimate.estimate_waits(here, counters, set(busy), office_floor.durations, now),
        **estimate.forecast(waiting, office_floor, now, policy),
    }
    for t in waiting:  # told to come back at a time: not called before it, whatever the counters do
        if t.return_at is not None and routing.away(t, now):
            estimates[t.id or 0] = max(estimates.get(t.id or 0, 0), round((t.return_at - now).total_seconds()))
    by_id = {c.id: c for c in counters}
    ordered = sorted(waiting, key=lambda t: routing.priority_key(t, now))
    today = office_day(now, office.timezone)
    parked = [t for t in repo.tickets_in(office_id, {TicketState.PARKED}) if t.day == today]
    week = hours_view(office.hours)
    closed_today = calendar.closed_because(office, today, holidays)
    return {
        "office": {
            "id": office.id,
            "name": office.name,
            "timezone": office.timezone,
            "clerks_choose_services": office.clerks_choose_services,
            "happiness_at_kiosk": office.happiness_at_kiosk,
            "improvements": [{"code": i.code, "names": i.names} for i in office.improvements],
            "hours": week,
            "hours_today": [] if closed_today else week[calendar.WEEKDAYS[today.weekday()]],
            "closed_today": closed_today,
        },
        "seq": repo.current_seq(office_id),
        "services": [
            {
                "code": s.code,
                "names": s.names,
                "duration_s": s.duration_s,
                "waiting": sum(1 for t in waiting if t.service == s.code),
                # Of those, joined from elsewhere and not in the building yet.
                "on_the_way": sum(1 for t in waiting if t.service == s.code and not t.here),
                # What a citizen taking a ticket now would be told.
                "estimated_wait_s": _newcomer_wait(s, waiting, office_floor, now, policy),
            }
            for s in services
        ],
        "counters": [
            {**counter_view(c), "ticket": ticket_view(busy[c.id], c) if c.id in busy else None} for c in counters
        ],
        "waiting": [{**ticket_view(t), "estimated_wait_s": estimates.get(t.id or 0, 0)} for t in ordered],
        # Set aside by a counter (its `counter`), to be called back by number.
        "parked": [ticket_view(t, by_id.get(t.counter_id or 0)) for t in parked],
        "recent_calls": [
            ticket_view(t, by_id.get(t.counter_id or 0))
            for t in repo.recent_calls(office_id, RECENT_CALLS, day_start(now, office.timezone))
        ],
    }


def _newcomer_wait(
    service: Service, waiting: list[Ticket], office_floor: routing.Floor, now: datetime, policy: routing.Policy
) -> int:
    """The wait a walk-in taking a ticket for `service` right now would be told."""
    newcomer = QueueEntry(-1, service.code, TicketKind.WALKIN, now)
    played = estimate.forecast([*map(QueueEntry.of, waiting), newcomer], office_floor, now, policy, until=-1)
    if -1 in played:
        return played[-1]
    ahead = sum(1 for t in waiting if t.service == service.code)
    return estimate.queue_length_wait(office_floor, service.code, ahead, now, service.duration_s)


#: How long after the visit the happiness question is asked: later, an answer no longer describes it.
SURVEY_OPEN = timedelta(days=1)


def ticket_status(
    repo: Repository, token: str, now: datetime, policy: routing.Policy = routing.appointments_first
) -> dict[str, Any]:
    """What the citizen holding a ticket may know about it, and what they may do from the status page."""
    ticket = repo.ticket_by_token(token)
    if ticket is None:
        raise NotFound("no ticket has this status code", code="ticket_not_found")
    counter = repo.counter(ticket.counter_id) if ticket.counter_id is not None else None
    office = repo.office(ticket.office)
    where = (
        QueueNow.read(repo, ticket.office, now, policy).position(ticket)
        if ticket.state is TicketState.WAITING
        else Position(0, 0)
    )
    return _status(ticket, office, repo.service(ticket.office, ticket.service), counter, where, now)


def ticket_statuses(
    repo: Repository,
    office_id: str,
    tokens: Collection[str],
    now: datetime,
    policy: routing.Policy = routing.appointments_first,
) -> dict[str, dict[str, Any]]:
    """`ticket_status` of many tickets of one office at once (those followed live): the queue is read and the
    forecast played once for all of them, whatever their number. Tokens of no ticket of the office are left out."""
    tickets = {t: ticket for t, ticket in repo.tickets_by_tokens(tokens).items() if ticket.office == office_id}
    if not tickets:
        return {}
    office = repo.office(office_id)
    services = {s.code: s for s in repo.services(office_id)}
    counters = {c.id: c for c in repo.counters(office_id)}
    queue = (
        QueueNow.read(repo, office_id, now, policy)
        if any(t.state is TicketState.WAITING for t in tickets.values())
        else None
    )
    statuses = {}
    for token, ticket in tickets.items():
        where = queue.position(ticket, everybody=True) if queue and ticket.state is TicketState.WAITING else None
        counter = counters.get(ticket.counter_id) if ticket.counter_id is not None else None
        service = services.get(ticket.service) or repo.service(office_id, ticket.service)
        statuses[token] = _status(ticket, office, service, counter, where or Position(0, 0), now)
    return statuses


def _status(
    ticket: Ticket, office: Office, service: Service, counter: Counter | None, where: Position, now: datetime
) -> dict[str, Any]:
    waiting = ticket.state is TicketState.WAITING
    deadline = remote_rules.arrive_by(ticket, office) if ticket.kind is TicketKind.REMOTE else None
    return {
        **ticket_view(ticket, counter),
        "office": {"id": office.id, "name": office.name, "timezone": office.timezone},
        # Joined from elsewhere: the code to check in with, when to set off (kept current), the last moment to
        # check in; None for everybody else.
        "code": ticket.code,
        "come_at": ticket.come_at.isoformat() if ticket.come_at and not ticket.here else None,
        "arrive_by": deadline.isoformat() if deadline and not ticket.here else None,
        "travel_min": (ticket.travel_s or 0) // 60 if ticket.kind is TicketKind.REMOTE else None,
        "service_names": service.names,
        "people_ahead": where.people_ahead,
        "estimated_wait_s": where.estimated_wait_s,
        "estimated_wait_range_s": [where.low_s, where.high_s],
        "timed_return_offer": where.return_offer.isoformat() if where.return_offer else None,
        "can_leave": ticket.state in (TicketState.WAITING, TicketState.PARKED),
        "can_run_late": waiting and office.late_places > 0 and not ticket.ran_late,
        "late_places": office.late_places,
        "notify_requested": bool(ticket.notify_email or ticket.notify_phone),
        "ask_happiness": ticket.state is TicketState.DONE
        and not ticket.surveyed
        and (ticket.finished_at is None or now - ticket.finished_at <= SURVEY_OPEN),
        "improvements": [{"code": i.code, "names": i.names} for i in office.improvements],
    }


def remote_round(
    repo: Repository, office_id: str, now: datetime, policy: routing.Policy = routing.appointments_first
) -> list[remote_rules.ComeNotice]:
    """Keep every remote joiner's `come_at` current from the forecast, and claim the "set off now", "sooner"
    and "lapsed" notices that are due (`remote.keep_current`). Run inside the office's write."""
    waiting = _queue_today(repo, office_id, now)
    if all(t.here for t in waiting):
        return []
    played = estimate.forecast(waiting, floor(repo, office_id, now), now, policy)
    return remote_rules.keep_current(repo, repo.office(office_id), played, now)


def anyone_on_the_way(repo: Repository, office_id: str, now: datetime) -> bool:
    """Whether someone waiting today joined from elsewhere and has not checked in yet (a cheap read)."""
    return any(not t.here for t in _queue_today(repo, office_id, now))
