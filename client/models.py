"""What the server says, as typed values: the office snapshot, tickets, counters and every live event.

The client parses the server's JSON here, once; the apps read attributes and never dig in dicts. Times are
aware datetimes. The wire's event names are `EventType`: the same strings as `scheduler.events.EventType`
(a test holds them equal), so the apps never import the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time
from enum import StrEnum
from typing import Any

Json = Mapping[str, Any]

#: The promise, in seconds: a citizen waiting longer than this is an alert (`scheduler.model.PROMISE`, the
#: source of truth; a test holds them equal). The kiosk offers to wait elsewhere or book instead beyond it.
PROMISE_S = 300


class EventType(StrEnum):
    """The `type` of the office's live events."""

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
    OFFICE_CHANGED = "office.changed"


def _when(value: object) -> datetime | None:
    return datetime.fromisoformat(value) if isinstance(value, str) and value else None


def _names(value: object) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, Mapping) else {}


def _int(value: object, default: int = 0) -> int:
    return int(str(value)) if value is not None else default


def name_in(names: Mapping[str, str], language: str, fallback: str) -> str:
    """A name in `language`, else English, else any, else `fallback` (the code)."""
    return names.get(language) or names.get("en") or next(iter(names.values()), fallback)


@dataclass(frozen=True)
class CounterRef:
    id: int
    name: str


@dataclass(frozen=True)
class Ticket:
    """What anybody in the room may see of a ticket (`scheduler.events.ticket_view`)."""

    id: int
    number: str
    service: str
    state: str
    kind: str = "walkin"
    language: str = ""
    checked_in_at: datetime | None = None
    called_at: datetime | None = None
    recalls: int = 0
    return_at: datetime | None = None
    counter: CounterRef | None = None
    #: In the snapshot's `waiting` list: the wait this ticket is told.
    estimated_wait_s: int = 0
    #: False only for a remote joiner who has not checked in yet (not in the building).
    here: bool = True
    #: When a remote joiner checked in (their wait in the room counts from then).
    arrived_at: datetime | None = None
    #: Issued by a kiosk while the server was away, and synced since (its number from the kiosk's block).
    offline: bool = False
    #: An appointment checked in offline outside its window: "early" or "late" (the clerk tells them).
    offline_note: str | None = None

    @classmethod
    def of(cls, raw: Json) -> Ticket:
        counter = raw.get("counter")
        return cls(
            id=_int(raw.get("id")),
            number=str(raw.get("number", "?")),
            service=str(raw.get("service", "")),
            state=str(raw.get("state", "")),
            kind=str(raw.get("kind") or "walkin"),
            language=str(raw.get("language") or ""),
            checked_in_at=_when(raw.get("checked_in_at")),
            called_at=_when(raw.get("called_at")),
            recalls=_int(raw.get("recalls")),
            return_at=_when(raw.get("return_at")),
            counter=CounterRef(_int(counter.get("id")), str(counter.get("name", "")))
            if isinstance(counter, Mapping)
            else None,
            estimated_wait_s=_int(raw.get("estimated_wait_s")),
            here=bool(raw.get("here", True)),
            arrived_at=_when(raw.get("arrived_at")),
            offline=bool(raw.get("offline", False)),
            offline_note=str(raw["offline_note"]) if raw.get("offline_note") else None,
        )


@dataclass(frozen=True)
class IssuedTicket(Ticket):
    """The answer to issuing a ticket: the ticket, where it stands, and the key to the citizen's page."""

    people_ahead: int = 0
    status_url: str = ""
    timed_return_offer: datetime | None = None

    @property
    def status_token(self) -> str:
        """The last part of `status_url`: what the citizen's page and the timed return are asked with."""
        return self.status_url.rstrip("/").rsplit("/", 1)[-1]

    @classmethod
    def of(cls, raw: Json) -> IssuedTicket:
        ticket = Ticket.of(raw)
        return cls(
            **{f: getattr(ticket, f) for f in ticket.__dataclass_fields__},
            people_ahead=_int(raw.get("people_ahead")),
            status_url=str(raw.get("status_url", "")),
            timed_return_offer=_when(raw.get("timed_return_offer")),
        )


@dataclass(frozen=True)
class CitizenStatus(Ticket):
    """What the holder of a ticket sees on its status page (`scheduler.usecases.ticket_status`)."""

    office_id: str = ""
    office_name: str = ""
    service_names: dict[str, str] = field(default_factory=dict)
    people_ahead: int = 0
    estimated_wait_range_s: tuple[int, int] = (0, 0)
    timed_return_offer: datetime | None = None
    can_leave: bool = False
    can_run_late: bool = False
    late_places: int = 0
    notify_requested: bool = False
    ask_happiness: bool = False
    improvements: tuple[Improvement, ...] = ()

    @classmethod
    def of(cls, raw: Json) -> CitizenStatus:
        ticket = Ticket.of(raw)
        office = raw.get("office")
        office = office if isinstance(office, Mapping) else {}
        low, high = [*(raw.get("estimated_wait_range_s") or ()), 0, 0][:2]
        return cls(
            **{f: getattr(ticket, f) for f in ticket.__dataclass_fields__},
            office_id=str(office.get("id", "")),
            office_name=str(office.get("name", "")),
            service_names=_names(raw.get("service_names")),
            people_ahead=_int(raw.get("people_ahead")),
            estimated_wait_range_s=(_int(low), _int(high)),
            timed_return_offer=_when(raw.get("timed_return_offer")),
            can_leave=bool(raw.get("can_leave", False)),
            can_run_late=bool(raw.get("can_run_late", False)),
            late_places=_int(raw.get("late_places")),
            notify_requested=bool(raw.get("notify_requested", False)),
            ask_happiness=bool(raw.get("ask_happiness", False)),
            improvements=tuple(
                Improvement(str(i["code"]), _names(i.get("names"))) for i in raw.get("improvements") or ()
            ),
        )


@dataclass(frozen=True)
class Slot:
    """A bookable slot of a service (`GET /api/offices/{office}/slots`): when it starts, and its free seats."""

    at: datetime
    free: int

    @classmethod
    def of(cls, raw: Json) -> Slot:
        return cls(at=datetime.fromisoformat(str(raw["at"])), free=_int(raw.get("free")))


@dataclass(frozen=True)
class Booking:
    """A booked appointment (`api.schemas.BookingOut`): `code` is what the citizen types or scans at the kiosk
    to check in. The contact and the manage link are left out: nothing here needs them."""

    code: str
    office: str
    office_name: str
    service: str
    service_name: str
    slot_at: datetime
    duration_min: int = 0
    state: str = "booked"
    language: str = ""

    @classmethod
    def of(cls, raw: Json) -> Booking:
        return cls(
            code=str(raw["code"]),
            office=str(raw.get("office", "")),
            office_name=str(raw.get("office_name") or raw.get("office") or ""),
            service=str(raw.get("service", "")),
            service_name=str(raw.get("service_name") or raw.get("service") or ""),
            slot_at=datetime.fromisoformat(str(raw["slot_at"])),
            duration_min=_int(raw.get("duration_min")),
            state=str(raw.get("state") or "booked"),
            language=str(raw.get("language") or ""),
        )


@dataclass(frozen=True)
class NumberBlock:
    """Numbers reserved for one kiosk's offline tickets (`POST/GET /api/offices/{office}/number-blocks`): the
    sequences `first`..`last` of `service` on the office-local `day`, never given to anybody else that day.
    `used`: the sequences the server already holds tickets of (synced); `status_url_prefix` + a ticket's token
    is its status page."""

    kiosk: str
    service: str
    day: date
    first: int
    last: int
    first_number: str
    last_number: str
    status_url_prefix: str
    used: tuple[int, ...] = ()

    @classmethod
    def of(cls, raw: Json, *, kiosk: str = "", day: object = None, status_url_prefix: object = None) -> NumberBlock:
        """One block; `kiosk`, `day` and `status_url_prefix` for the list's blocks, which have them once above."""
        return cls(
            kiosk=str(raw.get("kiosk") or kiosk),
            service=str(raw["service"]),
            day=date.fromisoformat(str(raw.get("day") or day)),
            first=_int(raw["first"]),
            last=_int(raw["last"]),
            first_number=str(raw.get("first_number") or ""),
            last_number=str(raw.get("last_number") or ""),
            status_url_prefix=str(raw.get("status_url_prefix") or status_url_prefix or ""),
            used=tuple(_int(n) for n in raw.get("used") or ()),
        )


@dataclass(frozen=True)
class OfflineTicket:
    """A ticket issued by a kiosk while the server could not be reached, as uploaded when it answers again
    (`POST /api/offices/{office}/tickets/offline`): a walk-in of `service` with its block's `number`, or a
    booking's `appointment` code checked in (its `number` is the code). `checked_in_at` keeps its place."""

    kiosk: str
    number: str
    language: str
    checked_in_at: datetime
    token: str
    service: str | None = None
    appointment: str | None = None

    def body(self) -> dict[str, str]:
        body = {
            "kiosk": self.kiosk,
            "number": self.number,
            "language": self.language,
            "checked_in_at": self.checked_in_at.isoformat(),
            "token": self.token,
        }
        if self.appointment is not None:
            body["appointment"] = self.appointment
        else:
            body["service"] = self.service or ""
        return body


@dataclass(frozen=True)
class SyncedTicket:
    """The server's answer to an offline ticket uploaded: the ticket as stored (`offline` true); `note` says an
    appointment checked in offline was early or late ("early", "late"), `created` whether this upload stored it
    (False: the same Idempotency-Key had already)."""

    id: int
    number: str
    service: str
    state: str
    status_url: str
    offline: bool = True
    note: str | None = None
    created: bool = True

    @classmethod
    def of(cls, raw: Json, *, created: bool = True) -> SyncedTicket:
        note = raw.get("note")
        return cls(
            id=_int(raw.get("id")),
            number=str(raw.get("number", "")),
            service=str(raw.get("service", "")),
            state=str(raw.get("state", "")),
            status_url=str(raw.get("status_url", "")),
            offline=bool(raw.get("offline", True)),
            note=str(note) if note is not None else None,
            created=created,
        )


@dataclass(frozen=True)
class Counter:
    """`services`: what it serves now; `skills`: all it is configured for; `ticket`: the citizen at it."""

    id: int
    name: str
    state: str
    services: tuple[str, ...] = ()
    skills: tuple[str, ...] = ()
    pause_reason: str | None = None
    ticket: Ticket | None = None

    @classmethod
    def of(cls, raw: Json) -> Counter:
        ticket = raw.get("ticket")
        services = tuple(str(s) for s in raw.get("services") or ())
        return cls(
            id=_int(raw.get("id")),
            name=str(raw.get("name", "")),
            state=str(raw.get("state", "")),
            services=services,
            skills=tuple(str(s) for s in raw.get("skills") or ()) or services,
            pause_reason=str(raw["pause_reason"]) if raw.get("pause_reason") else None,
            ticket=Ticket.of(ticket) if isinstance(ticket, Mapping) else None,
        )


@dataclass(frozen=True)
class Service:
    """A service of the snapshot: its names, who waits for it and the wait a newcomer would be told."""

    code: str
    names: dict[str, str]
    waiting: int = 0
    estimated_wait_s: int = 0
    #: Of those waiting, joined from elsewhere and not in the building yet.
    on_the_way: int = 0

    def name(self, language: str) -> str:
        return name_in(self.names, language, self.code)

    @classmethod
    def of(cls, raw: Json) -> Service:
        return cls(
            code=str(raw["code"]),
            names=_names(raw.get("names")),
            waiting=_int(raw.get("waiting")),
            estimated_wait_s=_int(raw.get("estimated_wait_s")),
            on_the_way=_int(raw.get("on_the_way")),
        )


@dataclass(frozen=True)
class Improvement:
    """One of the answers to "what could be better?" (offices that ask at the kiosk)."""

    code: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


#: An opening period of a day: (opens, closes), office-local times.
Period = tuple[time, time]
#: The weekdays as office files and the snapshot's `hours` name them (0 = Monday).
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _periods(value: object) -> tuple[Period, ...]:
    """`[["08:30", "12:30"], ["13:30", "16:00"]]` as times; a pair that holds no times is left out."""
    periods: list[Period] = []
    for pair in value if isinstance(value, list | tuple) else ():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            try:
                periods.append((time.fromisoformat(str(pair[0])), time.fromisoformat(str(pair[1]))))
            except ValueError:
                continue
    return tuple(periods)


def _week(value: object) -> dict[int, tuple[Period, ...]]:
    """The snapshot's `hours`: `{"mon": [[opens, closes], ...], ...}` (or weekday numbers, 0 = Monday, as keys,
    or a list of seven days) -> {0: ((08:30, 12:30), ...), ...}; a day left out is closed."""
    items = enumerate(value) if isinstance(value, list | tuple) else value.items() if isinstance(value, Mapping) else ()
    week: dict[int, tuple[Period, ...]] = {}
    for key, periods in items:
        name = str(key).strip().lower()[:3]
        day = WEEKDAYS.index(name) if name in WEEKDAYS else int(name) if name.isdigit() else None
        if day is not None and 0 <= day < len(WEEKDAYS):
            week[day] = _periods(periods)
    return week


#: An office's time zone when none is said (scheduler.model.Office's default).
DEFAULT_TIMEZONE = "Europe/Brussels"


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    timezone: str = DEFAULT_TIMEZONE
    clerks_choose_services: bool = False
    happiness_at_kiosk: bool = False
    improvements: tuple[Improvement, ...] = ()
    #: The opening periods of the office-local day the snapshot was taken (empty: closed today); None when the
    #: server did not say (an older server).
    hours_today: tuple[Period, ...] | None = None
    #: The opening periods per weekday (0 = Monday); a day left out is closed.
    hours: dict[int, tuple[Period, ...]] = field(default_factory=dict)

    @classmethod
    def of(cls, raw: Json) -> Office:
        today = raw.get("hours_today")
        return cls(
            id=str(raw.get("id", "")),
            name=str(raw.get("name") or raw.get("id") or ""),
            timezone=str(raw.get("timezone") or DEFAULT_TIMEZONE),
            clerks_choose_services=bool(raw.get("clerks_choose_services", False)),
            happiness_at_kiosk=bool(raw.get("happiness_at_kiosk", False)),
            improvements=tuple(
                Improvement(str(i["code"]), _names(i.get("names"))) for i in raw.get("improvements") or ()
            ),
            hours_today=_periods(today) if isinstance(today, list | tuple) else None,
            hours=_week(raw.get("hours")),
        )


@dataclass(frozen=True)
class Snapshot:
    """The office as it is at `seq` (`GET /api/offices/{office}/queue`, or the websocket's snapshot)."""

    office: Office
    seq: int
    services: tuple[Service, ...] = ()
    counters: tuple[Counter, ...] = ()
    #: In the order they will be called.
    waiting: tuple[Ticket, ...] = ()
    parked: tuple[Ticket, ...] = ()
    #: Newest first.
    recent_calls: tuple[Ticket, ...] = ()

    @classmethod
    def of(cls, raw: Json) -> Snapshot:
        return cls(
            office=Office.of(raw.get("office") or {}),
            seq=_int(raw.get("seq")),
            services=tuple(Service.of(s) for s in raw.get("services") or ()),
            counters=tuple(Counter.of(c) for c in raw.get("counters") or ()),
            waiting=tuple(Ticket.of(t) for t in raw.get("waiting") or ()),
            parked=tuple(Ticket.of(t) for t in raw.get("parked") or ()),
            recent_calls=tuple(Ticket.of(t) for t in raw.get("recent_calls") or ()),
        )

    def service(self, code: str) -> Service | None:
        return next((s for s in self.services if s.code == code), None)


@dataclass(frozen=True)
class CounterDay:
    """A counter's numbers today."""

    counter: int
    served: int = 0
    no_shows: int = 0
    mean_service_s: float | None = None
    parked: int = 0

    @classmethod
    def of(cls, raw: Json) -> CounterDay:
        mean = raw.get("mean_service_s")
        return cls(
            counter=_int(raw.get("counter")),
            served=_int(raw.get("served")),
            no_shows=_int(raw.get("no_shows")),
            mean_service_s=float(str(mean)) if mean is not None else None,
            parked=_int(raw.get("parked")),
        )


@dataclass(frozen=True)
class Session:
    """A login's answer: the token to use from now on, whose it is, and the language they chose (None: never)."""

    token: str
    role: str
    office: str | None
    username: str
    language: str | None = None

    @classmethod
    def of(cls, raw: Json) -> Session:
        return cls(
            token=str(raw["token"]),
            role=str(raw.get("role", "")),
            office=str(raw["office"]) if raw.get("office") else None,
            username=str(raw.get("username") or ""),
            language=str(raw["language"]) if raw.get("language") else None,
        )


@dataclass(frozen=True)
class Me:
    """Who a token belongs to (`GET /api/me`, `PUT /api/me/language`): their stored language, None when they
    never chose one."""

    username: str
    language: str | None = None
    role: str = ""
    office: str | None = None

    @classmethod
    def of(cls, raw: Json) -> Me:
        return cls(
            username=str(raw.get("username") or ""),
            language=str(raw["language"]) if raw.get("language") else None,
            role=str(raw.get("role") or ""),
            office=str(raw["office"]) if raw.get("office") else None,
        )


# -- live events ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TicketEvent:
    """A ticket changed (`ticket.*`); after a transfer, `continued` is the ticket that carries the visit on."""

    seq: int
    type: str
    ticket: Ticket
    continued: Ticket | None = None


@dataclass(frozen=True)
class CounterEvent:
    seq: int
    type: str
    counter: Counter


@dataclass(frozen=True)
class PrinterEvent:
    """A kiosk's printer state (`printer.status`); staff only."""

    seq: int
    kiosk: str
    state: str | None
    detail: str = ""
    type: str = EventType.PRINTER_STATUS


@dataclass(frozen=True)
class StaffingEvent:
    """The staffing advice in words (`staffing.advice`); staff only. `lines` in English, `lines_by_language`
    in each language the server said them in."""

    seq: int
    lines: tuple[str, ...]
    type: str = EventType.STAFFING_ADVICE
    lines_by_language: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def lines_in(self, language: str) -> tuple[str, ...]:
        """The advice in `language`, else in English."""
        return self.lines_by_language.get(language) or self.lines


@dataclass(frozen=True)
class OtherEvent:
    """An event this client has no model for (a newer server): its seq still counts."""

    seq: int
    type: str
    data: dict[str, Any] = field(default_factory=dict)


Event = TicketEvent | CounterEvent | PrinterEvent | StaffingEvent | OtherEvent
#: What an office's feed yields.
LiveMessage = Snapshot | Event


def live_message(raw: Json) -> LiveMessage:
    """A websocket message (a snapshot or a numbered event) as its model."""
    kind = str(raw.get("type", ""))
    seq = _int(raw.get("seq"))
    if kind == "snapshot":
        return Snapshot.of(raw)
    ticket, counter = raw.get("ticket"), raw.get("counter")
    if kind.startswith("ticket.") and isinstance(ticket, Mapping):
        to = raw.get("to")
        continued = to.get("ticket") if isinstance(to, Mapping) else None
        return TicketEvent(
            seq, kind, Ticket.of(ticket), Ticket.of(continued) if isinstance(continued, Mapping) else None
        )
    if kind.startswith("counter.") and isinstance(counter, Mapping):
        return CounterEvent(seq, kind, Counter.of(counter))
    if kind == EventType.PRINTER_STATUS:
        state = raw.get("state")
        return PrinterEvent(
            seq, str(raw.get("kiosk")), str(state) if state is not None else None, str(raw.get("detail") or "")
        )
    if kind == EventType.STAFFING_ADVICE:
        by_language = raw.get("lines_by_language")
        return StaffingEvent(
            seq,
            tuple(str(line) for line in raw.get("lines") or ()),
            lines_by_language={
                str(language): tuple(str(line) for line in lines or ())
                for language, lines in (by_language.items() if isinstance(by_language, Mapping) else ())
            },
        )
    return OtherEvent(seq, kind, dict(raw))
