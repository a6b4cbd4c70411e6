"""Anonymous statistics of one office over a range of its days: what the open data and the manager dashboard show.

The rows are read with SQL, only the columns that count (never a number, token, booking code, name or address);
`scheduler.statistics` counts them (see there for what a visit is and how its wait is measured).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduler.errors import NotFound
from scheduler.statistics import (
    Answer,
    Bookings,
    OfficeStatistics,
    bookings_by_day,
    bookings_by_service,
    opening_hours,
    visits_of,
)
from store.database import Database
from store.tables import BookingRow, CounterRow, EventRow, HappinessRow, OfficeRow, ServiceRow, TicketRow

_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]
_BOOKINGS = BookingRow.__table__  # type: ignore[attr-defined]
_HAPPINESS = HappinessRow.__table__  # type: ignore[attr-defined]
_COUNTERS = CounterRow.__table__  # type: ignore[attr-defined]
_SERVICES = ServiceRow.__table__  # type: ignore[attr-defined]
_EVENTS = EventRow.__table__  # type: ignore[attr-defined]


def office_statistics(db: Database, office_id: str, start: date, end: date) -> OfficeStatistics:
    """Read and count the office's citizens, bookings and happiness answers of `start`..`end` (local days).

    Raises NotFound for an unknown office. Four small queries on the read-only engine."""
    if end < start:
        raise ValueError("the range ends before it starts")
    t, b, h = _TICKETS.c, _BOOKINGS.c, _HAPPINESS.c
    with db.reader.connect() as conn:
        office = conn.execute(
            select(OfficeRow.__table__).where(OfficeRow.__table__.c.id == office_id)  # type: ignore[attr-defined]
        ).first()
        if office is None:
            raise NotFound(f"no office {office_id!r}", code="office_not_found")
        zone = ZoneInfo(office.timezone)
        services = conn.execute(
            select(_SERVICES.c.code, _SERVICES.c.names)
            .where(_SERVICES.c.office == office_id)
            .order_by(_SERVICES.c.position, _SERVICES.c.code)
        ).all()
        counters = {
            row.id: row.name
            for row in conn.execute(select(_COUNTERS.c.id, _COUNTERS.c.name).where(_COUNTERS.c.office == office_id))
        }
        tickets = conn.execute(
            select(
                t.id,
                t.service,
                t.day,
                t.kind,
                t.state,
                t.checked_in_at,
                t.slot_at,
                t.return_at,
                t.called_at,
                t.first_called_at,
                t.announced_wait_s,
                t.announced_low_s,
                t.announced_high_s,
                t.started_at,
                t.finished_at,
                t.service_s,
                t.counter_id,
                t.transferred_from,
            )
            .where(t.office == office_id, t.day >= start, t.day <= end)
            .order_by(t.id)
        ).all()
        # A slot's local day is within a day of its UTC one.
        since = datetime.combine(start - timedelta(days=1), time(), zone)
        until = datetime.combine(end + timedelta(days=2), time(), zone)
        booked = conn.execute(
            select(b.slot_at, b.state).where(b.office == office_id, b.slot_at >= since, b.slot_at < until)
        ).all()
        answered = conn.execute(
            select(h.service, h.day, h.hour, h.score, h.improvements)
            .where(h.office == office_id, h.day >= start, h.day <= end)
            .order_by(h.day, h.hour)
        ).all()
    return OfficeStatistics(
        office=office.id,
        name=office.name,
        timezone=office.timezone,
        start=start,
        end=end,
        services=[(row.code, dict(row.names)) for row in services],
        improvements=[(str(i["code"]), dict(i.get("names", {}))) for i in office.improvements or []],
        visits=visits_of(tickets, zone, counters),
        answers=[Answer(a.service, a.day, a.hour, a.score, tuple(a.improvements or ())) for a in answered],
        bookings=bookings_by_day(booked, zone, start, end),
        opening_hours=opening_hours(office.hours or {}),
    )


def bookings_per_service(db: Database, office_id: str, timezone: str, start: date, end: date) -> dict[str, Bookings]:
    """The appointments due per service on `start`..`end` (local days): checked in, or never came. One query."""
    b, zone = _BOOKINGS.c, ZoneInfo(timezone)
    # A slot's local day is within a day of its UTC one.
    since = datetime.combine(start - timedelta(days=1), time(), zone)
    until = datetime.combine(end + timedelta(days=2), time(), zone)
    with db.reader.connect() as conn:
        rows = conn.execute(
            select(b.service, b.slot_at, b.state).where(
                b.office == office_id, b.slot_at >= since, b.slot_at < until, b.state.in_(("checked_in", "no_show"))
            )
        ).all()
    return bookings_by_service(rows, zone, start, end)


def latest_event(db: Database, office_id: str, type_: str, since: datetime) -> dict[str, Any] | None:
    """The data of the office's newest event of `type_` stored at or after `since` (e.g. today's staffing advice)."""
    e = _EVENTS.c
    with db.reader.connect() as conn:
        row = conn.execute(
            select(e.data)
            .where(e.office == office_id, e.type == type_, e.created_at >= since)
            .order_by(e.seq.desc())
            .limit(1)
        ).first()
    return dict(row.data) if row is not None else None
