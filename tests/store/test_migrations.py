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


def test_events_older_than_the_retention_are_forgotten_and_replay_then_asks_for_a_snapshot(sqlite_url: str) -> None:
    from scheduler import usecases
    from store.database import Database
    from tests.support import seed

    seeded = seed(sqlite_url)
    db: Database = seeded.db
    old = datetime(2026, 3, 1, 9, tzinfo=UTC)
    new = old + timedelta(days=8)
    db.write("town", old, lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", old, token="a"))
    db.write("town", new, lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", new, token="b"))
    assert db.forget_events_before(new - timedelta(days=7)) == 1
    assert db.events_after("town", 0) is None  # seq 1 is gone: the client needs a snapshot
    replay = db.events_after("town", 1)
    assert replay is not None
    assert [e["seq"] for e in replay] == [2]
    db.engine.dispose()
