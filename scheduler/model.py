"""Offices, services, counters, clerks, tickets and bookings as frozen values.

Times are aware datetimes in UTC; the office's time zone only matters for people
(numbering days, opening hours), never for storage.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

LANGUAGES = ("nl", "fr", "en")
#: The office's promise: nobody waits longer than this for their call. Every report of "within 5 minutes" (the
#: simulator's service level, the statistics, the dashboard, the metrics, the staffing target) measures this.
PROMISE = timedelta(minutes=5)


class TicketKind(enum.StrEnum):
    WALKIN = "walkin"
    APPOINTMENT = "appointment"
    #: Joined the queue from elsewhere (`scheduler.remote`): not in the room until it checks in.
    REMOTE = "remote"


class TicketState(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    NO_SHOW = "no_show"
    PARKED = "parked"
    TRANSFERRED = "transferred"
    CANCELLED = "cancelled"

    @property
    def is_final(self) -> bool:
        return self in _FINAL_STATES


_FINAL_STATES = frozenset({TicketState.DONE, TicketState.NO_SHOW, TicketState.TRANSFERRED, TicketState.CANCELLED})
AT_COUNTER = frozenset({TicketState.CALLED, TicketState.SERVING})


class CounterState(enum.StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


class Role(enum.StrEnum):
    KIOSK = "kiosk"
    DISPLAY = "display"
    CLERK = "clerk"
    MANAGER = "manager"
    ADMIN = "admin"


@dataclass(frozen=True)
class Improvement:
    """One of the things an office lets citizens choose as "would make me happier"."""

    code: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


@dataclass(frozen=True)
class Office:
    id: str
    name: str
    timezone: str = "Europe/Brussels"
    #: Whether a walk-in facing a long wait may be offered to come back later (`scheduler.returning`).
    timed_return: bool = False
    #: Whether a clerk may choose which of the counter's skills it serves today (`Counter.serving`).
    clerks_choose_services: bool = False
    #: A called citizen may be marked no-show only after this many recalls...
    no_show_min_recalls: int = 1
    #: ...and this many seconds after the last call or recall.
    no_show_delay_s: int = 60
    #: Opening hours for bookings: per weekday (0 = Monday) its local (opens, closes) periods, in order.
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict, compare=False)
    #: The office's own closing days (public holidays come from the caller).
    closed_days: frozenset[date] = frozenset()
    #: The share of counter capacity kept for walk-ins: not bookable.
    walk_in_share: float = 0.5
    #: Per local hour of the day (0-23), a share for walk-ins other than `walk_in_share`.
    walk_in_by_hour: dict[int, float] = field(default_factory=dict, compare=False)

    #: "I'm running late" moves a waiting citizen back this many places (once).
    late_places: int = 3
    #: The happiness question's list of improvements (up to three are chosen).
    improvements: tuple[Improvement, ...] = field(default=(), compare=False)
    #: Ask the happiness question at the kiosk too (the status page always asks).
    happiness_at_kiosk: bool = False
    #: A walk-in who left an address is told when their turn is about this many minutes away.
    notify_before_min: int = 10
    #: Citizens may join today's queue from elsewhere (`scheduler.remote`)...
    remote_join: bool = True
    #: ...up to this share of the people waiting today...
    remote_share_max: float = 0.5
    #: ...and keep their place this many minutes past the time they were told to be here.
    remote_grace_min: int = 10
    #: The routing policy this office runs today when an alternating measure sets one (`scheduler.measures`);
    #: None: the server's (`routing.in_force`).
    policy: str | None = None

    def walk_in_share_at(self, hour: int) -> float:
        return self.walk_in_by_hour.get(hour, self.walk_in_share)


@dataclass(frozen=True)
class Service:
    office: str
    code: str
    names: dict[str, str]
    duration_s: int = 600
    bookable: bool = False
    #: The length of a booking slot; None: the duration rounded up to 5 minutes (`scheduler.calendar`).
    slot_s: int | None = None
    #: What to bring, per language.
    checklist: dict[str, tuple[str, ...]] = field(default_factory=dict, compare=False)

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), self.code)

    def checklist_in(self, language: str) -> tuple[str, ...]:
        return self.checklist.get(language) or self.checklist.get("en") or ()


@dataclass(frozen=True)
class Counter:
    id: int
    office: str
    name: str
    #: The counter's skills: the services it is configured for.
    services: frozenset[str]
    state: CounterState = CounterState.CLOSED
    pause_reason: str | None = None
    #: The skills a clerk chose to serve today; None: all of them. Closing the counter resets it.
    serving: frozenset[str] | None = None

    @property
    def serving_now(self) -> frozenset[str]:
        """The services this counter serves now: the chosen ones that are still skills, or all skills."""
        return self.services if self.serving is None else self.serving & self.services

    def serves(self, service: str) -> bool:
        return service in self.serving_now


@dataclass(frozen=True)
class Ticket:
    office: str
    service: str
    number: str
    day: date
    kind: TicketKind
    language: str
    token: str
    checked_in_at: datetime
    state: TicketState = TicketState.WAITING
    id: int | None = None
    slot_at: datetime | None = None
    appointment: str | None = None
    counter_id: int | None = None
    target_counter_id: int | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    transferred_from: int | None = None
    idempotency_key: str | None = None
    #: Accepted "come back at HH:MM": away until then, not called before.
    return_at: datetime | None = None
    #: The citizen said "I'm running late" (allowed once).
    ran_late: bool = False
    #: The happiness question was answered (the answer itself is stored apart, without the ticket).
    surveyed: bool = False
    #: Where a walk-in asked to be told their turn is near; erased when the visit ends.
    notify_email: str | None = None
    notify_phone: str | None = None
    #: "Your turn in about N minutes" was sent.
    notified_soon: bool = False
    #: "It's your turn" was sent: each notice goes once per ticket, whatever happens to it after.
    notified_now: bool = False
    #: The citizen gave where to tell them; a ticket takes one contact, once (it is never replaced).
    contact_given: bool = False
    #: The first call of this ticket: unlike `called_at`, a recall or a call back after parking keeps it.
    first_called_at: datetime | None = None
    #: The wait the citizen was told when the ticket was issued (seconds), and its range; None: not kept.
    #: A ticket continuing a transfer carries the visit's on.
    announced_wait_s: int | None = None
    announced_low_s: int | None = None
    announced_high_s: int | None = None
    #: A remote ticket's short code, typed (or scanned) at the kiosk to say "I am here".
    code: str | None = None
    #: A remote joiner's trip to the office, as they said (seconds).
    travel_s: int | None = None
    #: When a remote joiner should set off (estimated call − trip − margin), as last told; kept current.
    come_at: datetime | None = None
    #: When a remote joiner checked in: until then they are not in the room and nobody calls them.
    arrived_at: datetime | None = None
    #: "Leave now" was sent (on the medium the citizen chose).
    told_come: bool = False
    #: Issued by a kiosk while the server was unreachable and synced later (`scheduler.offline`).
    offline: bool = False
    #: What the clerk is told when calling an offline ticket: "early" or "late" for an appointment checked in
    #: offline outside its window; None otherwise.
    offline_note: str | None = None

    @property
    def here(self) -> bool:
        """Whether the citizen is in the building: a remote joiner only once checked in."""
        return self.kind is not TicketKind.REMOTE or self.arrived_at is not None

    @property
    def in_room_since(self) -> datetime:
        return wait_start(self.checked_in_at, self.slot_at, self.return_at, self.arrived_at)

    @property
    def ended_at(self) -> datetime | None:
        """When the visit ended (served, gone, transferred, cancelled); None while it goes on."""
        return self.finished_at if self.state.is_final else None

    @property
    def service_s(self) -> int | None:
        """Seconds at the counter, once done (from the start, or from the call if nobody pressed start)."""
        began = self.started_at or self.called_at
        if self.state is not TicketState.DONE or began is None or self.finished_at is None:
            return None
        return max(0, round((self.finished_at - began).total_seconds()))


def wait_start(
    checked_in_at: datetime,
    slot_at: datetime | None,
    return_at: datetime | None = None,
    arrived_at: datetime | None = None,
) -> datetime:
    """When the wait in the room starts to count: check-in, or the booked slot if the citizen came
    early, or the time they were told to come back, or (joined from elsewhere) when they walked in."""
    return max(checked_in_at, slot_at or checked_in_at, return_at or checked_in_at, arrived_at or checked_in_at)


@dataclass(frozen=True)
class QueueEntry:
    """A waiting ticket as the queue rules see it: only what ranking needs, cheap to read by the hundred."""

    id: int
    service: str
    kind: TicketKind
    checked_in_at: datetime
    slot_at: datetime | None = None
    target_counter_id: int | None = None
    state: TicketState = TicketState.WAITING
    return_at: datetime | None = None
    arrived_at: datetime | None = None

    @classmethod
    def of(cls, ticket: Ticket) -> QueueEntry:
        return cls(
            ticket.id or 0,
            ticket.service,
            ticket.kind,
            ticket.checked_in_at,
            ticket.slot_at,
            ticket.target_counter_id,
            return_at=ticket.return_at,
            arrived_at=ticket.arrived_at,
        )

    @property
    def here(self) -> bool:
        return self.kind is not TicketKind.REMOTE or self.arrived_at is not None

    @property
    def in_room_since(self) -> datetime:
        return wait_start(self.checked_in_at, self.slot_at, self.return_at, self.arrived_at)


@dataclass(frozen=True)
class HappinessAnswer:
    """An anonymous answer to "Are you happy?": the service, the office-local day and hour, nothing else."""

    office: str
    service: str
    day: date
    hour: int
    #: 1 (not at all) to 10 (very).
    score: int
    #: Up to three codes of the office's improvements.
    improvements: tuple[str, ...] = ()


class BookingState(enum.StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"
    NO_SHOW = "no_show"


@dataclass(frozen=True)
class Booking:
    """An appointment booked for a slot. `code` is what the citizen types or scans at the kiosk, in its
    canonical form ("K7QX-M4TP", see `scheduler.bookings`).

    The personal data is the contact only (name, e-mail, phone), kept to remind the citizen and erased
    `purge_after_days` after the slot or when the citizen asks (`erased_at`). What remains is anonymous.
    """

    office: str
    service: str
    code: str
    #: When the appointment starts (aware, UTC).
    slot_at: datetime
    language: str
    state: BookingState = BookingState.BOOKED
    id: int | None = None
    #: The ticket issued at check-in.
    ticket_id: int | None = None
    name: str | None = None
    email: str | None = None
    #: E.164 ("+32470123456").
    phone: str | None = None
    #: How the citizen wants to be reminded: "email", "sms" or "none".
    remind_via: str = "none"
    #: The capability in the citizen's links to see, move, cancel or erase the booking.
    manage_token: str | None = field(default=None, repr=False)
    created_at: datetime | None = None
    reminded_at: datetime | None = None
    erased_at: datetime | None = None


@dataclass(frozen=True)
class Clerk:
    username: str
    office: str | None
    role: Role
    password_hash: str = field(repr=False, default="")
