"""The migrations build exactly the tables the code declares, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from sqlmodel import Session

from store import migrate
from store.engine import make_engine
from store.tables import OfficeRow, TicketRow


def test_migrations_and_tables_agree(database_url: str) -> None:
    migrate.upgrade(database_url)
    migrate.check(database_url)  # raises when a model changed without a migration


def test_times_come_back_as_the_same_utc_instant(database_url: str) -> None:
    migrate.upgrade(database_url)
    engine = make_engine(database_url)
    brussels_morning = datetime(2026, 3, 29, 9, 15, 30, 123456, tzinfo=timezone(timedelta(hours=2)))
    with Session(engine) as session, session.begin():
        session.add(OfficeRow(id="o", name="O"))
        session.flush()
        session.add(
            TicketRow(
                office="o",
                service="A",
                number="A001",
                day=brussels_morning.date(),
                kind="walkin",
                language="nl",
                token="x",
                state="waiting",
                checked_in_at=brussels_morning,
            )
        )
    with Session(engine) as session:
        row = session.get(TicketRow, 1)
        assert row is not None
        assert row.checked_in_at == brussels_morning
        assert row.checked_in_at.tzinfo == UTC
    engine.dispose()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 30_000
    engine.dispose()
