"""One office's tickets of one office-local day, reduced to what gauges need: no numbers, no tokens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select

from scheduler.model import TicketState, wait_start
from store.database import Database
from store.tables import TicketRow


@dataclass(frozen=True)
class TodaysWait:
    service: str
    state: TicketState
    #: When the wait in the room started (check-in, slot or return time).
    waiting_since: datetime
    called_at: datetime | None

    @property
    def wait_s(self) -> float | None:
        """How long the citizen waited before the first call; None while not called."""
        if self.called_at is None:
            return None
        return max(0.0, (self.called_at - self.waiting_since).total_seconds())


_TICKETS = TicketRow.__table__  # type: ignore[attr-defined]


def visits_of_day(db: Database, office: str, day: date) -> list[TodaysWait]:
    """Every ticket of the office's `day` (a transfer's continuation included: its own wait). One query."""
    t = _TICKETS.c
    query = select(t.service, t.state, t.checked_in_at, t.slot_at, t.return_at, t.called_at).where(
        t.office == office, t.day == day
    )
    with db.reader.connect() as conn:
        rows = conn.execute(query).all()
    return [
        TodaysWait(
            row.service,
            TicketState(row.state),
            wait_start(row.checked_in_at, row.slot_at, row.return_at),
            row.called_at,
        )
        for row in rows
    ]
