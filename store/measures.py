"""The office's measures (SQL only; `scheduler.measures` checks and judges them), and the rows of its past days that a
what-if replay needs (`scheduler.whatif`).

The day values a measure is judged on come from `store.statistics.office_statistics`, the same rows the dashboard
and the open data count.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlmodel import Session, col
from sqlmodel import select as sm_select

from scheduler.errors import NotFound
from scheduler.measures import Measure
from scheduler.whatif import PastDay, PastTicket, past_days
from store.database import Database
from store.repository import SqlRepository, measure_of_row
from store.tables import CounterRow, MeasureRow, OfficeRow, ServiceRow, TicketRow

_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]


def add_measure(
    db: Database,
    measure: Measure,
    created_by: str | None,
    now: datetime,
    check: Callable[[list[Measure]], None] | None = None,
) -> Measure:
    """Store a checked measure (with its expected effect); the stored one, with its id. `check` sees the office's
    other measures first, in the same transaction holding the office (`Database.write`), so that two measures
    registered at once cannot both pass it (`scheduler.measures.check_no_clash`)."""

    def insert(repo: SqlRepository) -> Measure:
        session = repo.session
        if check is not None:
            check(_measures(session, measure.office))
        row = MeasureRow(
            office=measure.office,
            title=measure.title,
            description=measure.description,
            kind=measure.kind,
            started=measure.started,
            ended=measure.ended,
            setting=measure.setting.as_dict() if measure.setting else None,
            expected=measure.expected,
            created_by=created_by,
            created_at=now,
        )
        session.add(row)
        session.flush()
        return measure_of_row(row)

    return db.write(measure.office, now, insert)[0]


def measures_of(db: Database, office: str) -> list[Measure]:
    """The office's measures, newest first."""
    with Session(db.reader) as session:
        return _measures(session, office)


def _measures(session: Session, office: str) -> list[Measure]:
    query = (
        sm_select(MeasureRow)
        .where(MeasureRow.office == office)
        .order_by(col(MeasureRow.started).desc(), col(MeasureRow.id).desc())
    )
    return [measure_of_row(r) for r in session.exec(query).all()]


def measure(db: Database, office: str, measure_id: int) -> Measure:
    """One measure of the office; NotFound for an unknown id or another office's measure (whose existence is not
    told)."""
    with Session(db.reader) as session:
        row = session.get(MeasureRow, measure_id)
        if row is None or row.office != office:
            raise NotFound(f"office {office} has no measure {measure_id}", code="measure_not_found")
        return measure_of_row(row)


def recent_days(db: Database, office: str, start: date, end: date) -> list[PastDay]:
    """The office's days `start`..`end` as a replay sees them: who came when, for what and how long they took,
    and which counters served (`scheduler.whatif.past_days`). Reads only the columns that count."""
    t = _TICKETS.c
    with db.reader.connect() as conn:
        office_row = conn.execute(select(OfficeRow.__table__).where(OfficeRow.__table__.c.id == office)).first()  # type: ignore[attr-defined]
        if office_row is None:
            raise NotFound(f"no office {office!r}", code="office_not_found")
        s = ServiceRow.__table__.c  # type: ignore[attr-defined]
        c = CounterRow.__table__.c  # type: ignore[attr-defined]
        services = {r.code: r.duration_s for r in conn.execute(select(s.code, s.duration_s).where(s.office == office))}
        counters = {
            r.id: (r.name, tuple(r.services or ()))
            for r in conn.execute(select(c.id, c.name, c.services).where(c.office == office))
        }
        rows = conn.execute(
            select(
                t.day,
                t.kind,
                t.service,
                t.state,
                t.checked_in_at,
                t.arrived_at,
                t.slot_at,
                t.called_at,
                t.first_called_at,
                t.started_at,
                t.finished_at,
                t.service_s,
                t.counter_id,
            )
            .where(t.office == office, t.day >= start, t.day <= end, t.transferred_from.is_(None))
            .order_by(t.id)
        ).all()
    tickets = [PastTicket(**dict(r._mapping)) for r in rows]
    return past_days(tickets, ZoneInfo(office_row.timezone), services, counters, office)
