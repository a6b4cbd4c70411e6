"""The call policies by name, and what the `loket` policy promises."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from scheduler.errors import Invalid
from scheduler.model import PROMISE, Counter, CounterState, QueueEntry, TicketKind
from scheduler.routing import STARVATION_BOUND, Floor, loket, policy_named

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OPEN = CounterState.OPEN


def walkin(id: int, service: str, minutes_ago: float) -> QueueEntry:
    return QueueEntry(id, service, TicketKind.WALKIN, NOW - timedelta(minutes=minutes_ago))


def appointment(id: int, service: str, slot_in_minutes: float, came_minutes_ago: float = 1) -> QueueEntry:
    return QueueEntry(
        id,
        service,
        TicketKind.APPOINTMENT,
        NOW - timedelta(minutes=came_minutes_ago),
        slot_at=NOW + timedelta(minutes=slot_in_minutes),
    )


GENERALIST = Counter(4, "demo", "4", frozenset({"A", "E"}), OPEN)
SPECIALIST = Counter(1, "demo", "1", frozenset({"A"}), OPEN)


def floor(specialist_free_in_minutes: float) -> Floor:
    return Floor(
        counters=(SPECIALIST, GENERALIST),
        free_at={1: NOW + timedelta(minutes=specialist_free_in_minutes), 4: NOW},
        durations={"A": 120, "E": 1200},
    )


def test_among_citizens_who_can_still_be_served_in_time_the_earliest_deadline_goes_first() -> None:
    a = walkin(1, "A", minutes_ago=2)
    e = walkin(2, "E", minutes_ago=0)
    assert [t.id for t in loket(GENERALIST, [a, e], NOW, floor(10))] == [1, 2]


def test_a_citizen_who_can_still_be_served_in_time_goes_before_one_already_late() -> None:
    late = walkin(1, "E", minutes_ago=7)
    savable = walkin(2, "E", minutes_ago=4)
    assert [t.id for t in loket(GENERALIST, [late, savable], NOW, floor(0))] == [2, 1]


def test_after_the_starvation_bound_the_longest_wait_goes_first_whatever_else_waits() -> None:
    starving = walkin(1, "A", minutes_ago=STARVATION_BOUND.total_seconds() / 60)
    savable = walkin(2, "E", minutes_ago=4)
    due = appointment(3, "E", slot_in_minutes=-1)
    assert [t.id for t in loket(GENERALIST, [savable, due, starving], NOW, floor(0))] == [1, 3, 2]


def test_an_appointment_whose_slot_has_come_goes_before_walk_ins() -> None:
    due = appointment(1, "E", slot_in_minutes=-2, came_minutes_ago=10)
    walk = walkin(2, "E", minutes_ago=3)
    assert [t.id for t in loket(GENERALIST, [walk, due], NOW, floor(0))] == [1, 2]


def test_an_appointment_far_from_its_slot_does_not_jump_the_queue() -> None:
    early = appointment(1, "E", slot_in_minutes=40)
    walk = walkin(2, "E", minutes_ago=1)
    assert [t.id for t in loket(GENERALIST, [early, walk], NOW, floor(0))] == [2, 1]


def test_a_counter_never_gets_services_it_does_not_serve() -> None:
    assert loket(SPECIALIST, [walkin(1, "E", 9)], NOW, floor(0)) == []


@pytest.mark.parametrize("seed", range(20))
def test_nobody_who_waited_the_starvation_bound_is_passed_over_by_someone_who_waited_less(seed: int) -> None:
    rng = random.Random(seed)
    waiting = [
        walkin(i, rng.choice("AE"), minutes_ago=rng.uniform(0, 25))
        if rng.random() < 0.8
        else appointment(i, rng.choice("AE"), slot_in_minutes=rng.uniform(-20, 30), came_minutes_ago=rng.uniform(0, 25))
        for i in range(1, 30)
    ]
    order = loket(GENERALIST, waiting, NOW, floor(rng.uniform(0, 15)))
    assert sorted(t.id for t in order) == sorted(t.id for t in waiting)
    for i, ticket in enumerate(order):
        if NOW - ticket.in_room_since >= STARVATION_BOUND:
            assert all(other.in_room_since <= ticket.in_room_since for other in order[:i]), "passed over"


def test_policies_are_found_by_name_and_an_unknown_name_is_refused() -> None:
    assert policy_named("loket") is loket
    with pytest.raises(Invalid, match="fifo"):
        policy_named("random")
    assert timedelta(minutes=5) == PROMISE
