"""Timed return: who is offered to come back later, and what the queue does while they are away."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from scheduler import returning, routing, usecases
from scheduler.errors import Conflict
from scheduler.lifecycle import Action
from scheduler.memory import MemoryRepository
from scheduler.model import Counter, Office, Ticket, TicketState
from scheduler.routing import Floor
from tests.scheduler.conftest import OFFICE, T0, Desk, at, make_ticket

ALLOWS = Office(OFFICE, "Demo", timed_return=True)


@pytest.mark.parametrize(
    ("office", "ticket", "wait_s", "offered"),
    [
        (ALLOWS, make_ticket(), 900, T0 + timedelta(minutes=13)),  # 15 min estimate, back 2 min early
        (ALLOWS, make_ticket(checked_in=T0 + timedelta(seconds=40)), 900, T0 + timedelta(minutes=13)),  # whole minute
        (ALLOWS, make_ticket(), 300, None),  # within the promise: nothing to offer
        (ALLOWS, make_ticket(), 301, T0 + timedelta(minutes=3)),
        (Office(OFFICE, "Demo"), make_ticket(), 900, None),  # the office does not offer it
        (ALLOWS, make_ticket(slot=T0), 900, None),  # appointments keep their slot
        (ALLOWS, make_ticket(state=TicketState.CALLED), 900, None),
        (ALLOWS, replace(make_ticket(), return_at=at(10)), 900, None),  # accepted already
    ],
)
def test_a_walk_in_facing_more_than_five_minutes_is_offered_to_come_back_shortly_before_their_turn(
    office: Office, ticket: Ticket, wait_s: int, offered: datetime | None
) -> None:
    assert returning.offer(office, ticket, wait_s, ticket.checked_in_at) == offered


def allow(repo: MemoryRepository) -> None:
    repo.offices[OFFICE] = replace(repo.offices[OFFICE], timed_return=True)


def test_nobody_calls_a_citizen_before_the_time_they_were_told_to_come_back(repo: MemoryRepository, desk: Desk) -> None:
    allow(repo)
    first = desk.issue("A", T0)
    away = returning.accept(repo, first.token, 1200, T0)
    assert away.return_at == T0 + timedelta(minutes=18)
    later = desk.issue("A", at(1))
    desk.open(2, now=at(2))
    called = usecases.call_next(repo, 2, at(2))
    assert called is not None
    assert called.id == later.id
    # Counter 2 is free again before the return time: still nobody to call.
    usecases.act_on_ticket(repo, called.id or 0, Action.FINISH, at(5), counter_id=2)
    assert usecases.call_next(repo, 2, at(10)) is None
    back = usecases.call_next(repo, 2, T0 + timedelta(minutes=18))
    assert back is not None
    assert back.id == first.id


def test_a_returning_citizen_keeps_their_place_relative_to_the_return_time(repo: MemoryRepository, desk: Desk) -> None:
    allow(repo)
    first = desk.issue("A", T0)
    returning.accept(repo, first.token, 600, T0)  # back at T0 + 8 min
    before = desk.issue("A", at(7))  # came in a minute before the return time
    after = desk.issue("A", at(9))
    desk.open(2, now=at(10))
    order = []
    for i in range(3):
        ticket = usecases.call_next(repo, 2, at(10 + i))
        assert ticket is not None
        order.append(ticket.id)
        usecases.act_on_ticket(repo, ticket.id or 0, Action.FINISH, at(10.5 + i), counter_id=2)
    assert order == [before.id, first.id, after.id]


def test_while_away_the_estimate_is_the_return_time_and_the_queue_shows_them_waiting(
    repo: MemoryRepository, desk: Desk
) -> None:
    allow(repo)
    first = desk.issue("A", T0)
    returning.accept(repo, first.token, 900, T0)
    status = usecases.ticket_status(repo, first.token, at(3))
    assert status["estimated_wait_s"] == 10 * 60
    assert status["return_at"] == (T0 + timedelta(minutes=13)).isoformat()
    assert status["timed_return_offer"] is None
    snapshot = usecases.queue_snapshot(repo, OFFICE, at(3))
    assert [(t["number"], t["estimated_wait_s"]) for t in snapshot["waiting"]] == [("A001", 600)]


def test_accepting_twice_or_without_an_offer_is_refused_with_the_reason(repo: MemoryRepository, desk: Desk) -> None:
    ticket = desk.issue("A", T0)
    with pytest.raises(Conflict, match="does not offer"):
        returning.accept(repo, ticket.token, 900, T0)
    allow(repo)
    with pytest.raises(Conflict, match="within five minutes"):
        returning.accept(repo, ticket.token, 120, T0)
    returning.accept(repo, ticket.token, 900, T0)
    with pytest.raises(Conflict, match="already comes back"):
        returning.accept(repo, ticket.token, 900, T0)
    assert desk.events()[-1] == "ticket.returning"


def test_policies_skip_nobody_who_is_present() -> None:
    here, away = make_ticket(id=1), replace(make_ticket(id=2), return_at=at(5))
    assert routing.present([here, away], at(4)) == [here]
    assert routing.present([here, away], at(5)) == [here, away]
    assert routing.loket(Counter(1, OFFICE, "1", frozenset({"A"})), [here], at(4), Floor()) == [here]
