"""Reading many followed tickets at once (`SqlRepository.tickets_by_tokens`), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta

from scheduler import usecases
from scheduler.lifecycle import Action, CounterAction
from scheduler.repository import Repository
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday morning in Brussels
DAY = date(2026, 3, 2)


def issuing(token: str, at: datetime = NOW) -> Callable[[Repository], usecases.Issued]:
    return lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", at, token=token)


def test_many_tokens_read_at_once_give_each_visits_live_ticket(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(database_url)
    db, counter = seeded.db, seeded.counters["1"]
    tokens = [f"token-{n}" for n in range(usecases.FORECAST_LIMIT + 400)]  # more than one query's worth
    for token in tokens:
        db.write("town", NOW, issuing(token))
    db.write("town", NOW, lambda repo: usecases.act_on_counter(repo, counter, CounterAction.OPEN, NOW))
    first, _ = db.write("town", NOW, lambda repo: usecases.call_next(repo, counter, NOW))
    assert first is not None
    moved, _ = db.write(
        "town",
        NOW,
        lambda repo: usecases.act_on_ticket(
            repo, first.id or 0, Action.TRANSFER, NOW, counter_id=counter, to_service="B"
        ),
    )
    found = db.read(lambda repo: repo.tickets_by_tokens([*tokens, "nobody"]))
    assert sorted(found) == sorted(tokens)
    assert found[first.token].id == moved.id  # the ticket that continues the visit
    one_by_one = db.read(lambda repo: [repo.ticket_by_token(t) for t in tokens[1:]])
    assert [found[t] for t in tokens[1:]] == one_by_one


def test_the_queue_split_at_a_moment_counts_those_waiting_by_then_and_reads_the_others(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db
    start = NOW - timedelta(minutes=30)
    for n in range(12):
        at = start + timedelta(minutes=2 * n)
        db.write("town", at, issuing(f"s{n}", at))
    later = start + timedelta(minutes=45)
    db.write(
        "town",
        start,
        lambda repo: usecases.issue_ticket(
            repo, "town", "A", "nl", start, token="booked", appointment=usecases.Appointment("BK1", later)
        ),
    )
    moment = start + timedelta(minutes=9)  # five walk-ins (0, 2, 4, 6, 8 min) and the booking's check-in by then
    counted, read = db.read(lambda repo: repo.queue_split("town", DAY, "A", moment))
    everyone = db.read(lambda repo: repo.queue("town", DAY, {"A"}))
    assert counted == 5
    assert sorted(e.id for e in read) == sorted(
        e.id for e in everyone if max(e.checked_in_at, e.slot_at or e.checked_in_at) > moment
    )
    assert db.read(lambda repo: repo.queue_size("town", DAY)) == 13
