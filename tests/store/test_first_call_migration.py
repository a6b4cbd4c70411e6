"""Migration 0008: tickets stored before it get their last known call as their first one, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import bindparam, text
from sqlmodel import Session

from store import migrate
from store.engine import make_engine
from store.tables import TicketRow
from store.types import UTCDateTime

CHECKED_IN = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
LAST_CALL = datetime(2026, 3, 2, 8, 41, tzinfo=UTC)


def test_older_tickets_take_their_last_call_as_the_first_and_have_no_estimate(database_url: str) -> None:
    migrate.upgrade(database_url, "0007")
    engine = make_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO office (id, name, timezone, seq) VALUES ('o', 'O', 'Europe/Brussels', 0)"))
        insert = text(
            "INSERT INTO ticket (id, office, service, number, day, kind, language, token, state, checked_in_at, "
            "called_at, recalls) VALUES (:id, 'o', 'A', :number, '2026-03-02', 'walkin', 'nl', :token, :state, "
            ":checked_in_at, :called_at, 0)"
        ).bindparams(
            bindparam("checked_in_at", type_=UTCDateTime(timezone=True)),
            bindparam("called_at", type_=UTCDateTime(timezone=True)),
        )
        conn.execute(insert, {"id": 1, "number": "A001", "token": "x", "state": "done",
                              "checked_in_at": CHECKED_IN, "called_at": LAST_CALL})  # fmt: skip
        conn.execute(insert, {"id": 2, "number": "A002", "token": "y", "state": "waiting",
                              "checked_in_at": CHECKED_IN, "called_at": None})  # fmt: skip
    migrate.upgrade(database_url)
    with Session(engine) as session:
        called, waiting = session.get(TicketRow, 1), session.get(TicketRow, 2)
        assert called is not None
        assert waiting is not None
        assert (called.first_called_at, called.called_at) == (LAST_CALL, LAST_CALL)
        assert waiting.first_called_at is None
        assert (called.announced_wait_s, called.announced_low_s, called.announced_high_s) == (None, None, None)
    engine.dispose()
