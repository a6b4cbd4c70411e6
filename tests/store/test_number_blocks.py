"""Kiosks reserving blocks, kiosks issuing online and kiosks syncing offline tickets, all at once: no number is ever
given twice in a day, on SQLite and on PostgreSQL (writes as the API makes them: holding only the number row)."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from sqlmodel import Session, select

from scheduler import offline, usecases
from scheduler.errors import DomainError
from scheduler.offline import NumberBlock, OfflineEntry
from scheduler.repository import Repository
from store.database import Database
from store.tables import NumberRow, TicketRow
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OFFICE = {
    "name": "busy",
    "service": [{"code": "A", "name": "Everything", "mean_duration_s": 60}],
    "counter": [{"name": "1", "services": ["A"]}],
}
T = TypeVar("T")


def racing(workers: list[Callable[[], None]], timeout: float = 120) -> None:
    """Run the workers in threads started together; re-raise the first failure."""
    failures: list[BaseException] = []
    start = threading.Barrier(len(workers))

    def run(work: Callable[[], None]) -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not failures, failures[0]


def write(db: Database, fn: Callable[[Repository], T]) -> T:
    result, _ = db.write("busy", NOW, fn, hold="nothing")
    return result


# Each write made by a function of its own, holding the values it was given.
def reserving(kiosk: str, size: int) -> Callable[[Repository], NumberBlock]:
    return lambda repo: offline.reserve(repo, "busy", kiosk, "A", size, NOW)


def issuing(token: str) -> Callable[[Repository], usecases.Issued]:
    return lambda repo: usecases.issue_ticket(repo, "busy", "A", "nl", NOW, token=token)


def syncing(key: str, entry: OfflineEntry) -> Callable[[Repository], offline.Synced]:
    return lambda repo: offline.sync(repo, "busy", key, entry, NOW)


def numbers_of_tickets(db: Database) -> list[str]:
    with Session(db.engine) as session:
        return list(session.exec(select(TicketRow.number)).all())


def test_reservations_and_online_numbers_racing_never_share_a_number(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url, OFFICE).db
    with db.transaction() as session:  # online numbers about to reach the blocks
        session.add(NumberRow(office="busy", service="A", day=NOW.date(), last=470))
    blocks: list[NumberBlock] = []
    online: list[str] = []
    lock = threading.Lock()

    def kiosk_reserving(k: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(5):
                block = write(db, reserving(f"hall-{k}", 10))
                with lock:
                    blocks.append(block)

        return work

    def kiosk_issuing(k: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(60):
                issued = write(db, issuing(f"online-{k}-{n}"))
                with lock:
                    online.append(issued.ticket.number)

        return work

    racing([kiosk_reserving(k) for k in range(4)] + [kiosk_issuing(k) for k in range(6)])

    assert len(blocks) == 20
    reserved = Tally(n for b in blocks for n in range(b.first, b.last + 1))
    assert [n for n, times in reserved.items() if times > 1] == []  # no two blocks overlap
    given = Tally(online)
    assert [n for n, times in given.items() if times > 1] == []
    sequences = [offline.sequence_of(number, "A") for number in online]
    assert [s for s in sequences if s is None or s in reserved] == []  # online skipped every block
    assert len(online) == 360
    assert min(b.first for b in blocks) >= offline.OFFLINE_FIRST


def test_online_numbers_run_into_blocks_reserved_meanwhile_and_jump_over_them(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url, OFFICE).db
    with db.transaction() as session:  # a busy morning: 495 numbers given
        session.add(NumberRow(office="busy", service="A", day=NOW.date(), last=offline.OFFLINE_FIRST - 5))
    online: list[str] = []
    blocks: list[NumberBlock] = []
    lock = threading.Lock()

    def issuer(k: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(20):
                number = write(db, issuing(f"late-{k}-{n}")).ticket.number
                with lock:
                    online.append(number)

        return work

    def reserver(k: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(3):
                block = write(db, reserving(f"hall-{k}", 10))
                with lock:
                    blocks.append(block)

        return work

    racing([issuer(k) for k in range(4)] + [reserver(k) for k in range(3)])
    every = numbers_of_tickets(db)
    assert len(every) == len(set(every)) == 80
    assert min(offline.sequence_of(n, "A") or 0 for n in every) == offline.OFFLINE_FIRST - 4
    inside = {n for b in blocks for n in range(b.first, b.last + 1)}
    assert [n for n in online if offline.sequence_of(n, "A") in inside] == []


def _entry(number: str, token: str, at: datetime) -> OfflineEntry:
    return OfflineEntry("hall-1", "nl", at, token, service="A", number=number)


def test_one_number_synced_under_many_keys_at_once_is_stored_once(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url, OFFICE).db
    write(db, reserving("hall-1", 10))
    answers: list[Any] = []
    lock = threading.Lock()

    def uploader(k: int) -> Callable[[], None]:
        def work() -> None:
            try:
                result: Any = write(db, syncing(f"key-{k}", _entry("A500", f"token-{k}-of-22-characters", NOW)))
            except DomainError as exc:
                result = exc.code
            with lock:
                answers.append(result)

        return work

    racing([uploader(k) for k in range(8)])
    assert sorted(a if isinstance(a, str) else "stored" for a in answers) == ["number_taken"] * 7 + ["stored"]
    assert numbers_of_tickets(db) == ["A500"]


def test_one_key_retried_at_once_makes_one_ticket_and_answers_it_to_every_try(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url, OFFICE).db
    write(db, reserving("hall-1", 10))
    results: list[offline.Synced] = []
    lock = threading.Lock()
    entry = _entry("A501", "the-one-token-of-22-characters", NOW - timedelta(minutes=1))

    def retry() -> None:
        synced = write(db, syncing("the-key", entry))
        with lock:
            results.append(synced)

    racing([retry for _ in range(8)])
    assert sorted(r.replayed for r in results) == [False] + [True] * 7
    assert len({r.ticket.id for r in results}) == 1
    assert numbers_of_tickets(db) == ["A501"]


def test_offline_syncs_online_issues_and_reservations_together_give_each_number_once(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url, OFFICE).db
    mine = write(db, reserving("hall-1", 50))
    lock = threading.Lock()
    refused: list[str] = []

    def syncer(part: int) -> Callable[[], None]:
        def work() -> None:
            for sequence in range(mine.first + part, mine.last + 1, 3):
                number = f"A{sequence}"
                try:
                    write(db, syncing(f"k-{sequence}", _entry(number, f"offline-{sequence}-of-22-chars", NOW)))
                except DomainError as exc:
                    with lock:
                        refused.append(exc.code)

        return work

    def issuer(k: int) -> Callable[[], None]:
        def work() -> None:
            for n in range(30):
                write(db, issuing(f"on-{k}-{n}"))

        return work

    def reserver(k: int) -> Callable[[], None]:
        def work() -> None:
            for _ in range(4):
                write(db, reserving(f"hall-{k + 2}", 10))

        return work

    racing([syncer(p) for p in range(3)] + [issuer(k) for k in range(3)] + [reserver(k) for k in range(2)])
    assert refused == []
    every = numbers_of_tickets(db)
    assert len(every) == len(set(every)) == 50 + 90
    assert {f"A{s}" for s in range(mine.first, mine.last + 1)} <= set(every)
