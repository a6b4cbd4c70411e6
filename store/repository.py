"""The SQL implementation of `scheduler.repository.Repository`, bound to one open session."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import RowMapping, bindparam, delete, desc, func, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from scheduler.calendar import WEEKDAYS
from scheduler.errors import NotFound
from scheduler.events import Event
from scheduler.measures import ALTERNATING, Measure, Setting, in_force
from scheduler.model import (
    Booking,
    BookingState,
    Counter,
    CounterState,
    HappinessAnswer,
    Improvement,
    Office,
    QueueEntry,
    Service,
    Ticket,
    TicketKind,
    TicketState,
)
from scheduler.numbering import office_day
from scheduler.offline import OFFLINE_FIRST, NumberBlock, skip_blocks
from store.tables import (
    BookingRow,
    BookingSeatRow,
    CounterRow,
    HappinessRow,
    MeasureRow,
    MessageCountRow,
    NumberBlockRow,
    NumberRow,
    OfficeRow,
    ServiceRow,
    TicketRow,
)


def office_of(row: OfficeRow) -> Office:
    return Office(
        id=row.id,
        name=row.name,
        timezone=row.timezone,
        timed_return=row.timed_return,
        clerks_choose_services=row.clerks_choose_services,
        no_show_min_recalls=row.no_show_min_recalls,
        no_show_delay_s=row.no_show_delay_s,
        hours=hours_of(row.hours),
        closed_days=frozenset(date.fromisoformat(d) for d in row.closed_days),
        walk_in_share=row.walk_in_share,
        walk_in_by_hour={int(hour): float(share) for hour, share in row.walk_in_by_hour.items()},
        late_places=row.late_places,
        improvements=tuple(Improvement(str(i["code"]), dict(i["names"])) for i in row.improvements),
        happiness_at_kiosk=row.happiness_at_kiosk,
        notify_before_min=row.notify_before_min,
        remote_join=row.remote_join,
        remote_share_max=row.remote_share_max,
        remote_grace_min=row.remote_grace_min,
    )


def measure_of_row(row: MeasureRow) -> Measure:
    setting = row.setting
    return Measure(
        office=row.office,
        title=row.title,
        kind=row.kind,
        started=row.started,
        ended=row.ended,
        description=row.description,
        setting=Setting(str(setting["name"]), setting["a"], setting["b"]) if setting else None,
        id=row.id,
        expected=row.expected,
    )


def hours_of(raw: dict[str, list[list[str]]]) -> dict[int, tuple[tuple[time, time], ...]]:
    return {
        WEEKDAYS.index(day): tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in periods)
        for day, periods in raw.items()
    }


def hours_row(hours: dict[int, tuple[tuple[time, time], ...]]) -> dict[str, list[list[str]]]:
    return {
        WEEKDAYS[day]: [[a.isoformat(), b.isoformat()] for a, b in periods] for day, periods in sorted(hours.items())
    }


def service_of(row: ServiceRow) -> Service:
    return Service(
        office=row.office,
        code=row.code,
        names=dict(row.names),
        duration_s=row.duration_s,
        bookable=row.bookable,
        slot_s=row.slot_s,
        checklist={lang: tuple(items) for lang, items in row.checklist.items()},
    )


def counter_of(row: CounterRow) -> Counter:
    assert row.id is not None
    return Counter(
        id=row.id,
        office=row.office,
        name=row.name,
        services=frozenset(row.services),
        state=CounterState(row.state),
        pause_reason=row.pause_reason,
        serving=frozenset(row.serving) if row.serving is not None else None,
    )


_TICKET_FIELDS = [
    "office",
    "service",
    "number",
    "day",
    "language",
    "token",
    "checked_in_at",
    "slot_at",
    "appointment",
    "counter_id",
    "target_counter_id",
    "called_at",
    "started_at",
    "finished_at",
    "recalls",
    "transferred_from",
    "idempotency_key",
    "return_at",
    "ran_late",
    "surveyed",
    "notify_email",
    "notify_phone",
    "notified_soon",
    "notified_now",
    "contact_given",
    "first_called_at",
    "announced_wait_s",
    "announced_low_s",
    "announced_high_s",
    "code",
    "travel_s",
    "come_at",
    "arrived_at",
    "told_come",
    "offline",
    "offline_note",
]


def ticket_of(row: TicketRow) -> Ticket:
    return Ticket(
        id=row.id,
        kind=TicketKind(row.kind),
        state=TicketState(row.state),
        **{name: getattr(row, name) for name in _TICKET_FIELDS},
    )


def _ticket_of_mapping(row: RowMapping) -> Ticket:
    return Ticket(
        id=row["id"],
        kind=TicketKind(row["kind"]),
        state=TicketState(row["state"]),
        **{name: row[name] for name in _TICKET_FIELDS},
    )


def _block_of(row: NumberBlockRow) -> NumberBlock:
    return NumberBlock(row.office, row.service, row.day, row.kiosk, row.first, row.last, row.reserved_at, id=row.id)


def booking_of(row: BookingRow) -> Booking:
    return Booking(
        id=row.id,
        office=row.office,
        service=row.service,
        code=row.code,
        slot_at=row.slot_at,
        state=BookingState(row.state),
        language=row.language,
        ticket_id=row.ticket_id,
        **{name: getattr(row, name) for name in _BOOKING_CONTACT},
    )


# Booking fields stored as they are.
_BOOKING_CONTACT = (
    "name",
    "email",
    "phone",
    "remind_via",
    "manage_token",
    "created_at",
    "reminded_at",
    "erased_at",
)


def _booking_values(booking: Booking) -> dict[str, Any]:
    return {
        "office": booking.office,
        "service": booking.service,
        "code": booking.code,
        "slot_at": booking.slot_at,
        "state": booking.state.value,
        "language": booking.language,
        "ticket_id": booking.ticket_id,
        **{name: getattr(booking, name) for name in _BOOKING_CONTACT},
    }


_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]
#: Status tokens asked for in one query (SQLite allows some thousands of parameters; stay well below).
TOKENS_PER_QUERY = 500


def _ticket_values(ticket: Ticket) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(ticket, name) for name in _TICKET_FIELDS}
    values["kind"] = ticket.kind.value
    values["state"] = ticket.state.value
    values["service_s"] = ticket.service_s
    return values


_MEASURES = MeasureRow.__table__.c  # type: ignore[attr-defined]
#: The office's alternating measures running on a day. Built once: read in every transaction that reads the office,
#: a statement built per call cost ten times as much (0.5 ms).
_ALTERNATING_ON = sa_select(MeasureRow.__table__).where(  # type: ignore[attr-defined]
    _MEASURES.office == bindparam("office"),
    _MEASURES.kind == ALTERNATING,
    _MEASURES.started <= bindparam("today"),
    or_(_MEASURES.ended.is_(None), _MEASURES.ended >= bindparam("today")),
)


class SqlRepository:
    def __init__(self, session: Session, now: datetime | None = None) -> None:
        self.session = session
        #: The moment the office is read at: an alternating measure's setting of that day is in force (`office`);
        #: None, the office as stored.
        self.now = now
        self.pending: list[Event] = []
        # Offices and services do not change inside one transaction of the queue: read them once.
        self._offices: dict[str, Office] = {}
        self._services: dict[str, list[Service]] = {}
        # Counters change in a transaction only through save_counter, which forgets them.
        self._counters: dict[str, list[Counter]] = {}

    def office(self, office_id: str) -> Office:
        if office_id not in self._offices:
            row = self.session.get(OfficeRow, office_id)
            if row is None:
                raise NotFound(f"no office {office_id!r}", code="office_not_found")
            self._offices[office_id] = self._in_force(office_of(row))
        return self._offices[office_id]

    def _in_force(self, office: Office) -> Office:
        """The office as it runs today: the one place where an alternating measure's setting of the day (routing
        policy, timed return, joining from elsewhere) takes the place of the stored one, for every rule."""
        if self.now is None:
            return office
        today = office_day(self.now, office.timezone)
        rows = self.session.execute(_ALTERNATING_ON, {"office": office.id, "today": today}).all()
        if not rows:
            return office
        return in_force(office, [measure_of_row(MeasureRow.model_validate(r._mapping)) for r in rows], today)

    def services(self, office_id: str) -> list[Service]:
        if office_id not in self._services:
            self.office(office_id)
            rows = self.session.exec(
                select(ServiceRow).where(ServiceRow.office == office_id).order_by(col(ServiceRow.position))
            )
            self._services[office_id] = [service_of(r) for r in rows]
        return list(self._services[office_id])

    def service(self, office_id: str, code: str) -> Service:
        """The office's service `code`; NotFound `service_not_found` when it has none by that code."""
        found = next((s for s in self.services(office_id) if s.code == code), None)
        if found is None:
            raise NotFound(f"office {office_id} has no service {code!r}", code="service_not_found")
        return found

    def counters(self, office_id: str) -> list[Counter]:
        if office_id not in self._counters:
            rows = self.session.exec(
                select(CounterRow).where(CounterRow.office == office_id).order_by(col(CounterRow.id))
            )
            self._counters[office_id] = [counter_of(r) for r in rows]
        return list(self._counters[office_id])

    def counter(self, counter_id: int) -> Counter:
        row = self.session.get(CounterRow, counter_id)
        if row is None:
            raise NotFound(f"no counter {counter_id}", code="counter_not_found")
        return counter_of(row)

    def counter_shifts(self, office_id: str) -> dict[int, list[tuple[time, time]]]:
        rows = self.session.execute(
            select(CounterRow.id, CounterRow.shifts).where(CounterRow.office == office_id).order_by(col(CounterRow.id))
        )
        return {
            counter_id: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in shifts]
            for counter_id, shifts in rows
        }

    def ticket(self, ticket_id: int) -> Ticket:
        row = self.session.get(TicketRow, ticket_id)
        if row is None:
            raise NotFound(f"no ticket {ticket_id}", code="ticket_not_found")
        return ticket_of(row)

    def tickets_in(
        self, office_id: str, states: Collection[TicketState], services: Collection[str] | None = None
    ) -> list[Ticket]:
        # Plain rows, not ORM objects: a busy office has hundreds waiting and this runs on every call.
        query = select(_TICKETS).where(_TICKETS.c.office == office_id, _TICKETS.c.state.in_([s.value for s in states]))
        if services is not None:
            query = query.where(_TICKETS.c.service.in_(list(services)))
        rows = self.session.execute(query.order_by(_TICKETS.c.id)).mappings()
        return [_ticket_of_mapping(r) for r in rows]

    def queue(self, office_id: str, day: date, services: Collection[str] | None = None) -> list[QueueEntry]:
        t = _TICKETS.c
        # SQLAlchemy's own select: sqlmodel's is typed for at most four columns.
        query = sa_select(
            t.id, t.service, t.kind, t.checked_in_at, t.slot_at, t.target_counter_id, t.return_at, t.arrived_at
        ).where(t.office == office_id, t.state == TicketState.WAITING.value, t.day == day)
        if services is not None:
            query = query.where(t.service.in_(list(services)))
        kinds = {k.value: k for k in TicketKind}
        return [
            QueueEntry(row[0], row[1], kinds[row[2]], row[3], row[4], row[5], return_at=row[6], arrived_at=row[7])
            for row in self.session.execute(query.order_by(t.id))
        ]

    def queue_size(self, office_id: str, day: date) -> int:
        t = _TICKETS.c
        query = sa_select(func.count()).where(t.office == office_id, t.state == TicketState.WAITING.value, t.day == day)
        return int(self.session.execute(query).scalar_one())

    def queue_split(self, office_id: str, day: date, service: str, moment: datetime) -> tuple[int, list[QueueEntry]]:
        t = _TICKETS.c
        mine = (t.office == office_id, t.state == TicketState.WAITING.value, t.day == day, t.service == service)
        later = or_(t.checked_in_at > moment, t.slot_at > moment, t.return_at > moment, t.arrived_at > moment)
        # Spelled out rather than NOT(later): a comparison with NULL is neither true nor false.
        by_then = [t.checked_in_at <= moment] + [
            or_(c.is_(None), c <= moment) for c in (t.slot_at, t.return_at, t.arrived_at)
        ]
        before = int(self.session.execute(sa_select(func.count()).where(*mine, *by_then)).scalar_one())
        kinds = {k.value: k for k in TicketKind}
        query = sa_select(
            t.id, t.service, t.kind, t.checked_in_at, t.slot_at, t.target_counter_id, t.return_at, t.arrived_at
        ).where(*mine, later)
        return before, [
            QueueEntry(row[0], row[1], kinds[row[2]], row[3], row[4], row[5], return_at=row[6], arrived_at=row[7])
            for row in self.session.execute(query.order_by(t.id))
        ]

    def tickets_numbered(self, office_id: str, day: date, number: str) -> list[Ticket]:
        t = _TICKETS.c
        query = select(_TICKETS).where(t.office == office_id, t.day == day, t.number == number).order_by(t.id)
        return [_ticket_of_mapping(r) for r in self.session.execute(query).mappings()]

    def counter_tickets(
        self, office_id: str, counter_id: int, day: date, states: Collection[TicketState]
    ) -> list[Ticket]:
        t = _TICKETS.c
        query = select(_TICKETS).where(
            t.office == office_id, t.day == day, t.state.in_([s.value for s in states]), t.counter_id == counter_id
        )
        return [_ticket_of_mapping(r) for r in self.session.execute(query.order_by(t.id)).mappings()]

    def service_times(self, office_id: str, day: date) -> dict[str, tuple[int, float]]:
        t = _TICKETS.c
        rows = self.session.execute(
            select(t.service, func.count(), func.sum(t.service_s))
            .where(t.office == office_id, t.day == day, t.state == TicketState.DONE.value, t.service_s.is_not(None))
            .group_by(t.service)
        )
        return {service: (int(count), float(total or 0)) for service, count, total in rows}

    def recent_calls(self, office_id: str, limit: int, since: datetime) -> list[Ticket]:
        rows = self.session.exec(
            select(TicketRow)
            .where(TicketRow.office == office_id, col(TicketRow.called_at) >= since)
            .order_by(desc(col(TicketRow.called_at)), desc(col(TicketRow.id)))
            .limit(limit)
        )
        return [ticket_of(r) for r in rows]

    def current_seq(self, office_id: str) -> int:
        row = self.session.get(OfficeRow, office_id)
        if row is None:
            raise NotFound(f"no office {office_id!r}", code="office_not_found")
        return row.seq

    def ticket_by_token(self, token: str) -> Ticket | None:
        row = self.session.exec(
            select(TicketRow).where(TicketRow.token == token).order_by(desc(col(TicketRow.id))).limit(1)
        ).first()
        return ticket_of(row) if row else None

    def tickets_by_tokens(self, tokens: Collection[str]) -> dict[str, Ticket]:
        t = _TICKETS.c
        found: dict[str, Ticket] = {}
        wanted = list(tokens)
        for start in range(0, len(wanted), TOKENS_PER_QUERY):
            query = select(_TICKETS).where(t.token.in_(wanted[start : start + TOKENS_PER_QUERY])).order_by(t.id)
            for row in self.session.execute(query).mappings():
                ticket = _ticket_of_mapping(row)
                found[ticket.token] = ticket  # by id: after a transfer the newest wins, as in ticket_by_token
        return found

    def ticket_by_idempotency_key(self, office_id: str, key: str) -> Ticket | None:
        row = self.session.exec(
            select(TicketRow).where(TicketRow.office == office_id, TicketRow.idempotency_key == key)
        ).first()
        return ticket_of(row) if row else None

    def next_number(self, office_id: str, service: str, day: date) -> int:
        row = self._number_row(office_id, service, day)
        value = row.last + 1
        if value >= OFFLINE_FIRST:  # no block starts lower (offline.next_range): a usual day reads none
            # Under the row's lock: a block reserved meanwhile waited for it, and is seen here once committed.
            value = skip_blocks(value, self.number_blocks(office_id, day, service=service))
        row.last = value
        self.session.add(row)
        self.session.flush()
        return row.last

    def _number_row(self, office_id: str, service: str, day: date) -> NumberRow:
        """The day's number row, locked until the transaction ends (made when missing: a second writer making it
        too meets the primary key, and `Database.write` runs its change again)."""
        row = self.session.get(NumberRow, (office_id, service, day), with_for_update=True)
        if row is None:
            row = NumberRow(office=office_id, service=service, day=day, last=0)
            self.session.add(row)
            self.session.flush()
        return row

    def hold_numbers(self, office_id: str, service: str, day: date) -> int:
        return self._number_row(office_id, service, day).last

    def number_blocks(
        self, office_id: str, day: date, *, service: str | None = None, kiosk: str | None = None
    ) -> list[NumberBlock]:
        query = select(NumberBlockRow).where(NumberBlockRow.office == office_id, NumberBlockRow.day == day)
        if service is not None:
            query = query.where(NumberBlockRow.service == service)
        if kiosk is not None:
            query = query.where(NumberBlockRow.kiosk == kiosk)
        rows = self.session.exec(query.order_by(col(NumberBlockRow.service), col(NumberBlockRow.first)))
        return [_block_of(row) for row in rows]

    def add_number_block(self, block: NumberBlock) -> NumberBlock:
        row = NumberBlockRow(
            office=block.office,
            service=block.service,
            day=block.day,
            kiosk=block.kiosk,
            first=block.first,
            last=block.last,
            reserved_at=block.reserved_at,
        )
        self.session.add(row)
        self.session.flush()
        return _block_of(row)

    def offline_numbers(self, office_id: str, day: date) -> set[tuple[str, str]]:
        t = _TICKETS.c
        rows = self.session.execute(
            sa_select(t.service, t.number).where(t.office == office_id, t.day == day, t.offline.is_(True))
        )
        return {(service, number) for service, number in rows}

    def add_ticket(self, ticket: Ticket) -> Ticket:
        row = TicketRow(**_ticket_values(ticket))
        self.session.add(row)
        self.session.flush()
        return ticket_of(row)

    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        # The compare-and-set that makes a claim atomic: one UPDATE that only matches while the
        # row is still in the state we read.
        assert ticket.id is not None
        result = self.session.execute(
            update(TicketRow)
            .where(col(TicketRow.id) == ticket.id, col(TicketRow.state) == expected.value)
            .values(**_ticket_values(ticket))
            .execution_options(synchronize_session=False)
        )
        self.session.expire_all()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def save_counter(self, counter: Counter) -> None:
        row = self.session.get(CounterRow, counter.id)
        if row is None:
            raise NotFound(f"no counter {counter.id}", code="counter_not_found")
        row.state = counter.state.value
        row.pause_reason = counter.pause_reason
        row.serving = sorted(counter.serving) if counter.serving is not None else None
        self.session.add(row)
        self.session.flush()
        self._counters.pop(row.office, None)

    def add_booking(self, booking: Booking) -> Booking:
        row = BookingRow(**_booking_values(booking))
        self.session.add(row)
        self.session.flush()
        return booking_of(row)

    def booking_by_code(self, office_id: str, code: str) -> Booking | None:
        row = self.session.exec(
            select(BookingRow).where(BookingRow.office == office_id, BookingRow.code == code)
        ).first()
        return booking_of(row) if row else None

    def replace_booking(self, booking: Booking, expected: BookingState) -> bool:
        assert booking.id is not None
        result = self.session.execute(
            update(BookingRow)
            .where(col(BookingRow.id) == booking.id, col(BookingRow.state) == expected.value)
            .values(**_booking_values(booking))
            .execution_options(synchronize_session=False)
        )
        self.session.expire_all()
        return bool(result.rowcount == 1)  # type: ignore[attr-defined]

    def booking_by_manage_token(self, manage_token: str) -> Booking | None:
        row = self.session.exec(select(BookingRow).where(BookingRow.manage_token == manage_token)).first()
        return booking_of(row) if row else None

    def bookings_between(
        self, office_id: str, start: datetime, end: datetime, state: BookingState | None = None
    ) -> list[Booking]:
        query = select(BookingRow).where(
            BookingRow.office == office_id, col(BookingRow.slot_at) >= start, col(BookingRow.slot_at) < end
        )
        if state is not None:
            query = query.where(BookingRow.state == state.value)
        return [
            booking_of(row) for row in self.session.exec(query.order_by(col(BookingRow.slot_at), col(BookingRow.id)))
        ]

    def active_bookings(self, office_id: str, email: str | None, phone: str | None, now: datetime) -> int:
        same = [col(BookingRow.email) == email] if email is not None else []
        same += [col(BookingRow.phone) == phone] if phone is not None else []
        if not same:
            return 0
        found = self.session.execute(
            select(func.count()).where(
                BookingRow.office == office_id,
                BookingRow.state == BookingState.BOOKED.value,
                col(BookingRow.slot_at) > now,
                or_(*same),
            )
        ).scalar_one()
        return int(found)

    def bookings_made(self, office_id: str, email: str | None, phone: str | None, since: datetime) -> int:
        same = [col(BookingRow.email) == email] if email is not None else []
        same += [col(BookingRow.phone) == phone] if phone is not None else []
        if not same:
            return 0
        found = self.session.execute(
            select(func.count()).where(BookingRow.office == office_id, col(BookingRow.created_at) >= since, or_(*same))
        ).scalar_one()
        return int(found)

    def release_seat(self, booking_id: int) -> None:
        self.session.execute(delete(BookingSeatRow).where(col(BookingSeatRow.booking_id) == booking_id))
        self.session.flush()

    def seats_taken(self, office_id: str, service: str, start: datetime, end: datetime) -> dict[datetime, int]:
        rows = self.session.execute(
            select(BookingSeatRow.slot_at, func.count())
            .where(
                BookingSeatRow.office == office_id,
                BookingSeatRow.service == service,
                col(BookingSeatRow.slot_at) >= start,
                col(BookingSeatRow.slot_at) < end,
            )
            .group_by(col(BookingSeatRow.slot_at))
        )
        return {at: int(n) for at, n in rows}

    def take_seat(self, booking: Booking, capacity: int) -> int | None:
        assert booking.id is not None
        taken = set(
            self.session.exec(
                select(BookingSeatRow.seat_no).where(
                    BookingSeatRow.office == booking.office,
                    BookingSeatRow.service == booking.service,
                    BookingSeatRow.slot_at == booking.slot_at,
                )
            )
        )
        free = next((n for n in range(capacity) if n not in taken), None)
        if free is None:
            return None
        self.session.add(
            BookingSeatRow(
                office=booking.office,
                service=booking.service,
                slot_at=booking.slot_at,
                seat_no=free,
                booking_id=booking.id,
            )
        )
        self.session.flush()
        return free

    def forget_notify_contacts(self, office_id: str, active: Collection[TicketState]) -> int:
        result = self.session.execute(
            update(TicketRow)
            .where(
                col(TicketRow.office) == office_id,
                col(TicketRow.state).not_in([s.value for s in active]),
                or_(col(TicketRow.notify_email).is_not(None), col(TicketRow.notify_phone).is_not(None)),
            )
            .values(notify_email=None, notify_phone=None)
            .execution_options(synchronize_session=False)
        )
        self.session.expire_all()
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    def message_count(self, office_id: str, hour: datetime) -> tuple[int, int]:
        row = self.session.get(MessageCountRow, (office_id, hour))
        return (row.sent, row.withheld) if row is not None else (0, 0)

    def save_message_count(self, office_id: str, hour: datetime, sent: int, withheld: int) -> None:
        row = self.session.get(MessageCountRow, (office_id, hour))
        if row is None:
            self.session.add(MessageCountRow(office=office_id, hour=hour, sent=sent, withheld=withheld))
        else:
            row.sent, row.withheld = sent, withheld
            self.session.add(row)
        self.session.flush()

    def add_happiness(self, answer: HappinessAnswer) -> None:
        self.session.add(
            HappinessRow(
                office=answer.office,
                service=answer.service,
                day=answer.day,
                hour=answer.hour,
                score=answer.score,
                improvements=list(answer.improvements),
            )
        )
        self.session.flush()

    def emit(self, event: Event) -> None:
        self.pending.append(event)
