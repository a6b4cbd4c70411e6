"""Reading many followed tickets at once (`SqlRepository.tickets_by_tokens`), on both databases."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from scheduler import usecases
from scheduler.lifecycle import Action, CounterAction
from scheduler.repository import Repository
from tests.support import Seeded

NOW = datetime.now(UTC)


def issuing(token: str) -> Callable[[Repository], usecases.Issued]:
    return lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", NOW, token=token)


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
