"""Many followed tickets at once (`usecases.ticket_statuses`): the same answer as asking ticket by ticket."""

from __future__ import annotations

import random
from datetime import datetime

import pytest

from scheduler import returning, routing, usecases
from scheduler.lifecycle import Action
from scheduler.memory import MemoryRepository
from scheduler.model import TicketState
from tests.scheduler.conftest import ANNEX, OFFICE, Desk, at


def busy_morning(desk: Desk, repo: MemoryRepository, seed: int, people: int) -> list[str]:
    """A morning with every kind of ticket in every state; the tokens of all of them."""
    rng = random.Random(seed)
    desk.open(1, 2, 3)
    tokens = []
    for i in range(people):
        now = at(i * 0.5)
        if rng.random() < 0.1:
            ticket = desk.book(rng.choice("AB"), now, at(i * 0.5 + rng.choice((5, 10, 30))), code=f"APP{i}")
        elif rng.random() < 0.1:
            issued = usecases.issue_ticket(
                repo,
                OFFICE,
                rng.choice("AB"),
                "fr",
                now,
                token=f"far-{i}",
                remote=usecases.Remote(rng.choice((300, 1200))),
            )
            ticket = issued.ticket
        else:
            ticket = desk.issue(rng.choice("ABC"), now)
        tokens.append(ticket.token)
        if rng.random() < 0.05:
            wait = usecases.position(repo, ticket, now).estimated_wait_s
            if returning.offer(repo.office(OFFICE), ticket, wait, now):
                returning.accept(repo, ticket.token, wait, now)
    for minute, counter in [(1, 1), (2, 2), (3, 3), (4, 1)]:
        called = usecases.call_next(repo, counter, at(people * 0.5 + minute))
        if called is not None and counter == 1:
            usecases.act_on_ticket(repo, called.id or 0, Action.FINISH, at(people * 0.5 + minute + 0.5), counter_id=1)
    return tokens


@pytest.mark.parametrize(("seed", "people"), [(1, 12), (2, 40), (3, 90), (4, usecases.FORECAST_LIMIT + 20)])
def test_the_statuses_of_many_followers_are_each_ones_own_status(
    desk: Desk, repo: MemoryRepository, seed: int, people: int
) -> None:
    tokens = busy_morning(desk, repo, seed, people)
    assert {t.state for t in map(repo.ticket_by_token, tokens) if t} >= {TicketState.WAITING, TicketState.DONE}
    for now in (at(people * 0.5 + 6), at(people * 0.5 + 40)):
        together = usecases.ticket_statuses(repo, OFFICE, tokens, now)
        assert together == {token: usecases.ticket_status(repo, token, now) for token in tokens}


def test_tokens_of_no_ticket_or_of_another_office_are_left_out(desk: Desk, repo: MemoryRepository) -> None:
    here = desk.issue("A", at(0))
    elsewhere = desk.issue("A", at(0), office=ANNEX)
    statuses = usecases.ticket_statuses(repo, OFFICE, [here.token, elsewhere.token, "nobody"], at(1))
    assert list(statuses) == [here.token]
    assert usecases.ticket_statuses(repo, OFFICE, [], at(1)) == {}


def test_a_transferred_visit_is_followed_on_the_ticket_that_continues_it(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    first = desk.issue("A", at(0))
    usecases.call_next(repo, 1, at(1))
    moved = usecases.act_on_ticket(repo, first.id or 0, Action.TRANSFER, at(2), counter_id=1, to_service="B")
    now: datetime = at(3)
    status = usecases.ticket_statuses(repo, OFFICE, [first.token], now)[first.token]
    assert (status["id"], status["service"], status["state"]) == (moved.id, "B", "waiting")


@pytest.mark.parametrize("policy", [routing.fifo, routing.appointments_first, routing.loket])
@pytest.mark.parametrize(("seed", "people"), [(5, 60), (6, 60), (7, usecases.FORECAST_LIMIT + 60)])
def test_the_estimate_told_before_a_ticket_is_written_is_its_place_once_written(
    desk: Desk, repo: MemoryRepository, policy: routing.Policy, seed: int, people: int
) -> None:
    busy_morning(desk, repo, seed, people)
    rng = random.Random(seed)
    for i in range(40):
        now = at(people + i)
        kind = rng.choice(("walk-in", "appointment", "remote"))
        issued = usecases.issue_ticket(
            repo,
            OFFICE,
            rng.choice("ABC"),
            "nl",
            now,
            token=f"told-{i}",
            policy=policy,
            appointment=usecases.Appointment(f"T{i}", at(people + i + rng.choice((-5, 0, 10))))
            if kind == "appointment"
            else None,
            remote=usecases.Remote(600) if kind == "remote" else None,
        )
        assert issued.position == usecases.position(repo, issued.ticket, now, policy), (i, kind)
