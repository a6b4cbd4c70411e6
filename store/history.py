"""The history the staffing advice forecasts from: the citizens of the same weekday in earlier weeks."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from scheduler.forecast import Demand
from scheduler.model import TicketKind, TicketState, wait_start
from scheduler.numbering import office_day
from store.database import Database
from store.tables import OfficeRow, TicketRow

_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]
_OFFICES = OfficeRow.__table__  # type: ignore[attr-defined]


def visits_on_same_weekday(db: Database, office_id: str, now: datetime, weeks: int = 4) -> tuple[list[Demand], int]:
    """The visits of the office on its weekday of `now` in the previous `weeks` weeks, and on how many days.

    A citizen counts when they could be served, in the office's local time: a walk-in at check-in, an
    appointment at the later of check-in and slot. A ticket that continues a transfer is the same citizen
    and is left out; a done ticket carries its seconds at the counter. `days` counts the days that had
    tickets (a closed holiday does not dilute the average). One query.
    """
    if weeks < 1:
        raise ValueError("at least one week of history")
    # The office's local day is within a day of the UTC one; the time zone comes with the rows, so take the
    # neighbours too and keep the right day of each week below.
    utc_day = now.date()
    candidates = {utc_day - timedelta(days=7 * k + d) for k in range(1, weeks + 1) for d in (-1, 0, 1)}
    t, o = _TICKETS.c, _OFFICES.c
    query = (
        select(t.service, t.kind, t.state, t.day, t.checked_in_at, t.slot_at, t.service_s, o.timezone)
        .join(_OFFICES, o.id == t.office)
        .where(t.office == office_id, t.day.in_(sorted(candidates)), t.transferred_from.is_(None))
        .order_by(t.id)
    )
    with db.reader.connect() as conn:
        rows = conn.execute(query).all()
    if not rows:
        return [], 0
    timezone = rows[0].timezone
    zone = ZoneInfo(timezone)
    today = office_day(now, timezone)
    wanted = {today - timedelta(days=7 * k) for k in range(1, weeks + 1)}
    visits: list[Demand] = []
    seen: set[object] = set()
    for row in rows:
        if row.day not in wanted:
            continue
        seen.add(row.day)
        ready = row.checked_in_at
        if row.kind == TicketKind.APPOINTMENT.value:
            ready = wait_start(row.checked_in_at, row.slot_at)
        local = ready.astimezone(zone)
        duration = row.service_s if row.state == TicketState.DONE.value else None
        visits.append(Demand(row.service, local.hour * 3600 + local.minute * 60 + local.second, duration))
    return visits, len(seen)
