"""SQLite has one writer at a time: the writers of one process queue in the process, not in SQLite's busy handler
(which polls with sleeps of up to 100 ms and lets newcomers overtake: second-long waits under a region's load)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from scheduler import usecases
from scheduler.model import TicketState
from scheduler.repository import Repository
from store import engine
from store.database import Database
from tests.support import OFFICE, Seeded

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
THREADS = 8
TICKETS_EACH = 25


def issuing(token: str) -> Callable[[Repository], usecases.Issued]:
    """The write that issues a ticket with `token` (bound here, not to a loop variable that moves on)."""
    return lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", NOW, token=token)


def test_writers_of_one_process_never_meet_sqlites_lock(
    sqlite_url: str, seeder: Callable[..., Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    seeder(sqlite_url, OFFICE)
    # No busy timeout at all: a writer that found SQLite's lock taken would fail at once ("database is locked").
    monkeypatch.setattr(engine, "SQLITE_BUSY_TIMEOUT_MS", 0)
    db = Database(engine.make_engine(sqlite_url, pool_size=THREADS))
    start = threading.Barrier(THREADS)
    failures: list[BaseException] = []

    def kiosk(k: int) -> None:
        start.wait()
        for n in range(TICKETS_EACH):
            try:
                db.write("town", NOW, issuing(f"{k}-{n}"))
                db.forget_events_before(NOW - timedelta(days=30))  # a write outside the office's transaction queues too
            except BaseException as exc:  # reported below
                failures.append(exc)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert failures == []
        issued = db.read(lambda repo: repo.tickets_in("town", {TicketState.WAITING}))
        assert len(issued) == THREADS * TICKETS_EACH
    finally:
        db.engine.dispose()
