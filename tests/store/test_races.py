"""Sixteen clerks pressing "call next" at once never get the same citizen, and nobody is lost."""

from __future__ import annotations

import threading
from collections import Counter as Tally
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from sqlmodel import Session, col, select

from scheduler import usecases
from scheduler.lifecycle import Action, CounterAction
from scheduler.model import Counter, Ticket
from scheduler.repository import Repository
from store.tables import EventRow, TicketRow
from tests.support import Seeded

CLERKS = 16
TICKETS = 500
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

CROWDED = {
    "name": "crowded",
    "service": [{"code": "A", "name": "Everything", "mean_duration_s": 60}],
    "counter": [{"name": str(i), "services": ["A"]} for i in range(1, CLERKS + 1)],
}


# The writes handed to `db.write`, each made by a function of its own so that it holds the values it was given,
# not a loop variable that has moved on.
def issuing(token: str, language: str = "nl") -> Callable[[Repository], usecases.Issued]:
    return lambda repo: usecases.issue_ticket(repo, "crowded", "A", language, NOW, token=token)


def opening(counter_id: int) -> Callable[[Repository], Counter]:
    return lambda repo: usecases.act_on_counter(repo, counter_id, CounterAction.OPEN, NOW)


def finishing(ticket_id: int, counter_id: int) -> Callable[[Repository], Ticket]:
    return lambda repo: usecases.act_on_ticket(repo, ticket_id, Action.FINISH, NOW, counter_id=counter_id)


def test_sixteen_clerks_racing_call_next_never_share_a_ticket_and_lose_none(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(database_url, CROWDED)
    db = seeded.db
    for n in range(TICKETS):
        db.write("crowded", NOW, issuing(f"t{n}"))
    for counter_id in seeded.counters.values():
        db.write("crowded", NOW, opening(counter_id))

    called: list[int] = []
    failures: list[BaseException] = []
    start = threading.Barrier(CLERKS)
    lock = threading.Lock()

    def clerk(counter_id: int) -> None:
        try:
            start.wait()
            while True:
                ticket, _ = db.write("crowded", NOW, lambda repo: usecases.call_next(repo, counter_id, NOW))
                if ticket is None:
                    return
                assert ticket.id is not None
                with lock:
                    called.append(ticket.id)
                db.write("crowded", NOW, finishing(ticket.id, counter_id))
        except BaseException as exc:  # surfaced in the main thread below
            failures.append(exc)

    threads = [threading.Thread(target=clerk, args=(c,)) for c in seeded.counters.values()]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a clerk thread hung"
    assert not failures, failures[0]

    twice = [ticket for ticket, times in Tally(called).items() if times > 1]
    assert twice == []
    with Session(db.engine) as session:
        all_ids = set(session.exec(select(TicketRow.id)).all())
        states = Tally(session.exec(select(TicketRow.state)).all())
        seqs = list(session.exec(select(EventRow.seq).order_by(col(EventRow.seq))).all())
    assert set(called) == all_ids
    assert len(all_ids) == TICKETS
    assert states == {"done": TICKETS}
    # issued + opened + called + finished, numbered without a gap or a repeat
    assert seqs == list(range(1, TICKETS + CLERKS + 2 * TICKETS + 1))


@pytest.mark.parametrize("kiosks", [8])
def test_kiosks_racing_get_unique_numbers_in_order(
    database_url: str, seeder: Callable[..., Seeded], kiosks: int
) -> None:
    seeded = seeder(database_url, CROWDED)
    numbers: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(kiosks)

    def kiosk(k: int) -> None:
        start.wait()
        for n in range(25):
            issued, _ = seeded.db.write("crowded", NOW, issuing(f"{k}-{n}", "fr"))
            with lock:
                numbers.append(issued.ticket.number)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(kiosks)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(numbers) == [f"A{n:03d}" for n in range(1, kiosks * 25 + 1)]
