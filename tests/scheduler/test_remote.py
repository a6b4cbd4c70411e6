"""The rules of joining from elsewhere (scheduler/remote.py), on the in-memory repository: codes, the trip
choices, when to set off, the share, who may be called, and the round that tells and lapses."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from scheduler import remote, routing, usecases
from scheduler.errors import Conflict, Invalid
from scheduler.lifecycle import CounterAction
from scheduler.memory import MemoryRepository
from scheduler.model import Counter, CounterState, Ticket, TicketKind, TicketState
from tests.scheduler.conftest import OFFICE, T0, at, make_ticket, populate


@pytest.fixture
def repo() -> MemoryRepository:
    return populate(MemoryRepository())


def join(
    repo: MemoryRepository, service: str = "B", travel_min: int = 10, now_min: float = 0, **contact: str
) -> Ticket:
    now = at(now_min)
    remote.check_join(repo, repo.office(OFFICE), service, now, frozenset(), email=contact.get("email"), phone=None)
    issued = usecases.issue_ticket(
        repo,
        OFFICE,
        service,
        "nl",
        now,
        token=f"t{now_min}{service}{len(repo.tickets_in(OFFICE, set(TicketState)))}",
        remote=usecases.Remote(travel_min * 60, contact.get("email")),
        policy=routing.loket,
    )
    return issued.ticket


@pytest.mark.parametrize(
    ("typed", "code"),
    [("k7qxm4", "K7QXM4"), ("K7Q XM4", "K7QXM4"), ("k7q-xm4", "K7QXM4"), ("K7QX-M4TP", None), ("O0I1L5", None)],
    ids=["lower case", "spaces", "dash", "a booking code", "look-alikes"],
)
def test_a_remote_code_is_read_as_typed_or_refused(typed: str, code: str | None) -> None:
    assert remote.normalise_code(typed) == code


@pytest.mark.parametrize("minutes", [0, 7, 60, -5])
def test_only_the_offered_trips_are_taken(minutes: int) -> None:
    with pytest.raises(Invalid) as refused:
        remote.check_travel(minutes)
    assert refused.value.code == "invalid_travel_min"


@pytest.mark.parametrize(
    ("turn_min", "travel_min", "leave_min"),
    [(60, 10, 45), (60, 45, 10), (20, 30, 0), (0, 5, 0)],
    ids=["an hour away", "long trip", "trip longer than the wait: now", "already due: now"],
)
def test_the_time_to_set_off_is_the_turn_less_the_trip_and_the_margin(
    turn_min: int, travel_min: int, leave_min: int
) -> None:
    assert remote.come_at(at(turn_min), travel_min * 60, at(0)) == at(leave_min)


@pytest.mark.parametrize(
    ("remote_waiting", "others", "share", "full"),
    [
        (0, 0, 0.5, False),
        (1, 0, 0.5, True),
        (1, 2, 0.5, False),
        (2, 2, 0.5, True),
        (3, 0, 1.0, False),
        (0, 9, 0.0, False),
    ],
)
def test_the_remote_share_caps_joiners_but_an_empty_queue_takes_one(
    remote_waiting: int, others: int, share: float, full: bool
) -> None:
    office = replace(populate(MemoryRepository()).office(OFFICE), remote_share_max=share)
    waiting = [replace(make_ticket(), kind=TicketKind.REMOTE)] * remote_waiting + [make_ticket()] * others
    assert remote.remote_share_full(office, waiting) is full


def test_routing_finds_a_remote_joiner_eligible_only_once_here(repo: MemoryRepository) -> None:
    joined = join(repo, "B")
    counter = Counter(1, OFFICE, "Loket 1", frozenset({"A", "B"}), state=CounterState.OPEN)
    assert not routing.eligible(counter, joined)
    assert routing.eligible(counter, replace(joined, arrived_at=at(1)))


def test_a_remote_joiners_promise_counts_from_walking_in(repo: MemoryRepository) -> None:
    joined = replace(join(repo, "B", now_min=0), arrived_at=at(40))
    assert joined.in_room_since == at(40)


def test_the_estimate_of_a_remote_joiner_is_their_turn_as_if_here_since_joining(repo: MemoryRepository) -> None:
    walk_in = usecases.issue_ticket(repo, OFFICE, "B", "nl", at(0), token="w").ticket
    joined = join(repo, "B", travel_min=5, now_min=1)
    assert usecases.position(repo, walk_in, at(1)).people_ahead == 0
    assert usecases.position(repo, joined, at(1)).people_ahead == 1


def test_joining_is_refused_when_closed_disabled_or_twice_by_one_contact(repo: MemoryRepository) -> None:
    office = repo.office(OFFICE)
    with pytest.raises(Conflict) as closed:
        remote.check_join(repo, office, "A", T0 + timedelta(hours=10), frozenset(), email=None, phone=None)
    assert closed.value.code == "queue_closed"
    with pytest.raises(Conflict) as holiday:
        remote.check_join(repo, office, "A", T0, frozenset({T0.date()}), email=None, phone=None)
    assert holiday.value.code == "queue_closed"
    with pytest.raises(Conflict) as disabled:
        remote.check_join(repo, replace(office, remote_join=False), "A", T0, frozenset(), email=None, phone=None)
    assert disabled.value.code == "remote_join_disabled"
    repo.add_office(replace(office, remote_share_max=1.0), repo.services(OFFICE), repo.counters(OFFICE))
    join(repo, "A", email="anna@example.org")
    with pytest.raises(Conflict) as twice:
        join(repo, "C", email="anna@example.org")
    assert twice.value.code == "already_joined"


def test_the_round_tells_to_set_off_once_then_lapses_who_never_came(repo: MemoryRepository) -> None:
    usecases.act_on_counter(repo, 1, CounterAction.OPEN, at(0))
    usecases.issue_ticket(repo, OFFICE, "B", "nl", at(0), token="w")
    usecases.call_next(repo, 1, at(0))  # a 15-minute passport at the only counter for B
    joined = join(repo, "B", travel_min=5)
    assert joined.come_at == at(5)
    assert usecases.remote_round(repo, OFFICE, at(2), routing.loket) == []
    told = usecases.remote_round(repo, OFFICE, at(5), routing.loket)
    assert [(n.kind, n.number, n.code) for n in told] == [("come", joined.number, joined.code)]
    assert usecases.remote_round(repo, OFFICE, at(6), routing.loket) == []  # once
    grace = repo.office(OFFICE).remote_grace_min
    assert usecases.remote_round(repo, OFFICE, at(5 + 5 + grace), routing.loket) == []
    lapsed = usecases.remote_round(repo, OFFICE, at(5 + 5 + grace + 1), routing.loket)
    assert [n.kind for n in lapsed] == ["missed"]
    assert repo.ticket(joined.id or 0).state is TicketState.NO_SHOW


def test_a_remote_joiner_who_checked_in_is_neither_told_nor_lapsed(repo: MemoryRepository) -> None:
    joined = join(repo, "B", travel_min=5)
    remote.check_in(repo, OFFICE, (joined.code or "").lower(), at(1))
    assert repo.ticket(joined.id or 0).here
    assert usecases.remote_round(repo, OFFICE, at(120), routing.loket) == []
    assert repo.ticket(joined.id or 0).state is TicketState.WAITING
