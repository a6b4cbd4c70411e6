"""The database tables. Names of people never go in here for walk-ins; tokens are stored hashed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from store.types import UTCDateTime


def _utc(**kwargs: Any) -> Any:
    return Field(sa_type=UTCDateTime, **kwargs)


class OfficeRow(SQLModel, table=True):
    __tablename__ = "office"
    id: str = Field(primary_key=True, max_length=64)
    name: str = Field(max_length=200)
    timezone: str = Field(default="Europe/Brussels", max_length=64)
    # Offer walk-ins facing a long wait to come back at a given time (scheduler.returning).
    timed_return: bool = False
    # Clerks choose which of their counter's skills it serves today (counter.serving).
    clerks_choose_services: bool = False
    # A called citizen may be marked no-show after this many recalls and seconds since the last call.
    no_show_min_recalls: int = 1
    no_show_delay_s: int = 60
    # Opening hours for bookings: {"mon": [["08:30:00", "12:30:00"], ...], ...}; a weekday left out is closed.
    hours: dict[str, list[list[str]]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The office's own closing days, ISO dates.
    closed_days: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The share of counter capacity kept for walk-ins.
    walk_in_share: float = 0.5
    # "I'm running late" moves a citizen back this many places, once.
    late_places: int = 3
    # The happiness question's improvements: [{"code": "wait", "names": {"nl": ..., ...}}, ...].
    improvements: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    happiness_at_kiosk: bool = False
    # Walk-ins who left an address are told when their turn is about this many minutes away.
    notify_before_min: int = 10
    # Joining from elsewhere: allowed, the share of the queue that may be remote, the grace past arrival (min).
    remote_join: bool = True
    remote_share_max: float = 0.5
    remote_grace_min: int = 10
    # Per local hour ("8": 0.8), a walk-in share other than walk_in_share.
    walk_in_by_hour: dict[str, float] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    # The last event sequence number handed out; bumped inside every change, so it stays
    # contiguous across workers and restarts.
    seq: int = Field(default=0)


class ServiceRow(SQLModel, table=True):
    __tablename__ = "service"
    office: str = Field(foreign_key="office.id", primary_key=True, max_length=64)
    code: str = Field(primary_key=True, max_length=8)
    names: dict[str, str] = Field(sa_column=Column(JSON, nullable=False))
    duration_s: int = 600
    bookable: bool = False
    position: int = 0
    # The booking slot length; NULL: the duration rounded up to 5 minutes.
    slot_s: int | None = None
    # What to bring, per language: {"nl": ["..."], ...}.
    checklist: dict[str, list[str]] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))


class CounterRow(SQLModel, table=True):
    __tablename__ = "counter"
    __table_args__ = (UniqueConstraint("office", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", index=True, max_length=64)
    name: str = Field(max_length=64)
    services: list[str] = Field(sa_column=Column(JSON, nullable=False))
    state: str = Field(default="closed", max_length=16)
    pause_reason: str | None = Field(default=None, max_length=200)
    shifts: list[list[str]] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    # The skills a clerk chose to serve today; NULL: all of them (reset when the counter closes).
    serving: list[str] | None = Field(default=None, sa_column=Column(JSON, nullable=True))


class TicketRow(SQLModel, table=True):
    __tablename__ = "ticket"
    __table_args__ = (
        UniqueConstraint("office", "idempotency_key"),
        Index("ix_ticket_office_state", "office", "state"),
        Index("ix_ticket_office_called_at", "office", "called_at"),
        Index("ix_ticket_office_day_state", "office", "day", "state"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    service: str = Field(max_length=8)
    number: str = Field(max_length=16)
    day: date
    kind: str = Field(max_length=16)
    language: str = Field(max_length=8)
    # Not unique: after a transfer the continuing ticket carries the citizen's token on.
    token: str = Field(index=True, max_length=64)
    state: str = Field(max_length=16)
    checked_in_at: datetime = _utc()
    slot_at: datetime | None = _utc(default=None)
    appointment: str | None = Field(default=None, max_length=64)
    counter_id: int | None = Field(default=None, foreign_key="counter.id")
    target_counter_id: int | None = Field(default=None, foreign_key="counter.id")
    called_at: datetime | None = _utc(default=None)
    started_at: datetime | None = _utc(default=None)
    finished_at: datetime | None = _utc(default=None)
    recalls: int = 0
    # Seconds at the counter, kept when a ticket is done: the office learns its real service times.
    service_s: int | None = None
    transferred_from: int | None = Field(default=None, foreign_key="ticket.id")
    idempotency_key: str | None = Field(default=None, max_length=200)
    # Accepted "come back at HH:MM": not called before.
    return_at: datetime | None = _utc(default=None)
    ran_late: bool = False
    # The happiness question was answered; the answer is stored apart without any link to the ticket.
    surveyed: bool = False
    # Where a walk-in asked to be told their turn is near; set to NULL when the visit ends.
    notify_email: str | None = Field(default=None, max_length=254)
    notify_phone: str | None = Field(default=None, max_length=32)
    notified_soon: bool = False
    # "It's your turn" was sent; a contact was given (a ticket takes one, once: see scheduler.citizen).
    notified_now: bool = False
    contact_given: bool = False
    # The first call; called_at is the last one (recalls and calls back after parking move it).
    first_called_at: datetime | None = _utc(default=None)
    # The wait the citizen was told when the ticket was issued, and its range (seconds); NULL: not kept.
    announced_wait_s: int | None = None
    announced_low_s: int | None = None
    announced_high_s: int | None = None
    # A remote joiner (kind "remote"): the code typed at the kiosk, the trip (s), when to set off (as last
    # told), when they checked in (NULL: not in the building yet), and whether "set off now" was told.
    code: str | None = Field(default=None, max_length=16)
    travel_s: int | None = None
    come_at: datetime | None = _utc(default=None)
    arrived_at: datetime | None = _utc(default=None)
    told_come: bool = False
    # Issued by a kiosk offline and synced later (scheduler.offline); what the clerk is told at the call.
    offline: bool = False
    offline_note: str | None = Field(default=None, max_length=16)


class BookingRow(SQLModel, table=True):
    """An appointment booked for a slot; its code is what the citizen types at the kiosk. The contact
    (name, email, phone) is the only personal data and is set to NULL by the purge."""

    __tablename__ = "booking"
    __table_args__ = (
        UniqueConstraint("office", "code"),
        UniqueConstraint("manage_token", name="uq_booking_manage_token"),
        Index("ix_booking_office_slot_at", "office", "slot_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    service: str = Field(max_length=8)
    code: str = Field(max_length=16)
    slot_at: datetime = _utc()
    state: str = Field(max_length=16)
    language: str = Field(max_length=8)
    # The ticket issued at check-in.
    ticket_id: int | None = Field(default=None, foreign_key="ticket.id")
    name: str | None = Field(default=None, max_length=200)
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=32)
    remind_via: str = Field(default="none", max_length=8)
    # The capability in the citizen's links (see, move, cancel, erase); dropped by the purge.
    manage_token: str | None = Field(default=None, max_length=64)
    created_at: datetime | None = _utc(default=None)
    reminded_at: datetime | None = _utc(default=None)
    erased_at: datetime | None = _utc(default=None)


class BookingSeatRow(SQLModel, table=True):
    """One of the seats of a slot, taken by a booking. A slot of capacity n has seats 0..n-1: the unique
    constraint is what makes booking a slot twice over its capacity impossible."""

    __tablename__ = "booking_seat"
    __table_args__ = (UniqueConstraint("office", "service", "slot_at", "seat_no"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    service: str = Field(max_length=8)
    slot_at: datetime = _utc()
    seat_no: int
    booking_id: int = Field(foreign_key="booking.id", unique=True)


class HappinessRow(SQLModel, table=True):
    """An anonymous answer to the happiness question: no ticket, no time finer than the hour."""

    __tablename__ = "happiness"
    __table_args__ = (Index("ix_happiness_office_day", "office", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    service: str = Field(max_length=8)
    day: date
    hour: int
    score: int
    improvements: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))


class MessageCountRow(SQLModel, table=True):
    """Messages an office sent (and held back past its budget) in one UTC hour: the sending budget."""

    __tablename__ = "message_count"
    office: str = Field(foreign_key="office.id", primary_key=True, max_length=64)
    hour: datetime = Field(sa_type=UTCDateTime, primary_key=True)
    sent: int = 0
    withheld: int = 0


class NumberRow(SQLModel, table=True):
    __tablename__ = "ticket_number"
    office: str = Field(foreign_key="office.id", primary_key=True, max_length=64)
    service: str = Field(primary_key=True, max_length=8)
    day: date = Field(primary_key=True)
    last: int = 0


class NumberBlockRow(SQLModel, table=True):
    """Numbers `first`..`last` of a service's office-local day reserved for one kiosk to issue offline. Online
    numbering skips them; they are reserved under the lock of the day's `ticket_number` row."""

    __tablename__ = "number_block"
    __table_args__ = (
        UniqueConstraint("office", "service", "day", "first"),
        Index("ix_number_block_office_day_kiosk", "office", "day", "kiosk"),
    )
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    service: str = Field(max_length=8)
    day: date
    kiosk: str = Field(max_length=40)
    first: int
    last: int
    reserved_at: datetime = _utc()


class EventRow(SQLModel, table=True):
    __tablename__ = "event"
    office: str = Field(foreign_key="office.id", primary_key=True, max_length=64)
    seq: int = Field(primary_key=True)
    type: str = Field(max_length=64)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _utc()


class UserRow(SQLModel, table=True):
    __tablename__ = "app_user"
    username: str = Field(primary_key=True, max_length=64)
    office: str | None = Field(default=None, foreign_key="office.id", max_length=64)
    role: str = Field(max_length=16)
    password_hash: str = Field(max_length=400)
    created_at: datetime = _utc()
    # The language the staff member's terminal and pages speak (nl, fr, en); None: not chosen yet.
    language: str | None = Field(default=None, max_length=8)


class TokenRow(SQLModel, table=True):
    __tablename__ = "token"
    id: int | None = Field(default=None, primary_key=True)
    # sha256 of the secret: a stolen database does not hand out working tokens.
    digest: str = Field(unique=True, max_length=64)
    role: str = Field(max_length=16)
    office: str | None = Field(default=None, foreign_key="office.id", max_length=64)
    label: str = Field(default="", max_length=200)
    username: str | None = Field(default=None, foreign_key="app_user.username", max_length=64)
    created_at: datetime = _utc()
    expires_at: datetime | None = _utc(default=None)
    revoked_at: datetime | None = _utc(default=None)


class IdeaRow(SQLModel, table=True):
    """A citizen's idea for the office. Who proposed it is not kept: only the keyed hash of the visit's token
    (`visit`), to limit proposals per visit."""

    __tablename__ = "idea"
    __table_args__ = (Index("ix_idea_office_hidden", "office", "hidden"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    text: str = Field(max_length=500)
    language: str = Field(max_length=8)
    # The office-local day it was proposed (no finer time: nothing to link it to a visit).
    day: date
    # open, planned, done, declined (scheduler.ideas).
    state: str = Field(default="open", max_length=16)
    answer: str | None = Field(default=None, max_length=1000)
    answered_at: datetime | None = _utc(default=None)
    votes: int = 0
    visit: str = Field(index=True, max_length=64)
    # Hidden by a manager (with the reason, who and when): left out of the list, counted in open data.
    hidden: bool = False
    hidden_reason: str | None = Field(default=None, max_length=500)
    moderated_by: str | None = Field(default=None, max_length=64)
    moderated_at: datetime | None = _utc(default=None)


class IdeaVoteRow(SQLModel, table=True):
    """One vote: the idea and the keyed hash of the visit's token. The primary key is what makes a second vote
    of the same visit impossible."""

    __tablename__ = "idea_vote"
    idea_id: int = Field(foreign_key="idea.id", primary_key=True)
    visit: str = Field(primary_key=True, max_length=64)


class MeasureRow(SQLModel, table=True):
    """Something the office changed, to be evaluated: before-after, or alternating a setting day by day."""

    __tablename__ = "measure"
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", index=True, max_length=64)
    title: str = Field(max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    kind: str = Field(max_length=16)
    started: date
    ended: date | None = None
    # For "alternating": {"name": "policy", "a": "fifo", "b": "loket"}; NULL for before-after.
    setting: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    # The what-if replay's expected effect, computed when the measure was registered.
    expected: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON, nullable=True))
    created_by: str | None = Field(default=None, max_length=64)
    created_at: datetime = _utc()


class KeyRow(SQLModel, table=True):
    """Server keys made on first use (random, 32 bytes hex): "ideas" keys the hash of a visit's token."""

    __tablename__ = "server_key"
    name: str = Field(primary_key=True, max_length=32)
    value: str = Field(max_length=128)


class AuditRow(SQLModel, table=True):
    """Who changed what in an office's set-up, and when (the administration page shows it). `detail` holds
    the fields changed, before and after; never a password or a token's secret."""

    __tablename__ = "audit"
    __table_args__ = (Index("ix_audit_office_id", "office", "id"),)
    id: int | None = Field(default=None, primary_key=True)
    office: str = Field(foreign_key="office.id", max_length=64)
    at: datetime = _utc()
    # The username, or for a token without one its role and label ("admin token 'ops'").
    actor: str = Field(max_length=200)
    # What was done, e.g. service.created, service.changed, hours.set, token.revoked.
    action: str = Field(max_length=32)
    # What it was done to: a service code, a counter's id, a username, a token's id; "" for the office itself.
    target: str = Field(default="", max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
