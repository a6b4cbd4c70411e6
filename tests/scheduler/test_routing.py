"""Which waiting citizen a free counter calls next."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from scheduler.model import Counter, CounterState, Ticket, TicketState
from scheduler.routing import APPOINTMENT_DUE, eligible, rank
from tests.scheduler.conftest import OFFICE, at, make_ticket

LOKET_1 = Counter(1, OFFICE, "Loket 1", frozenset({"A", "B"}), state=CounterState.OPEN)
LOKET_2 = Counter(2, OFFICE, "Loket 2", frozenset({"A"}), state=CounterState.OPEN)
LOKET_3 = Counter(3, OFFICE, "Loket 3", frozenset({"C"}), state=CounterState.OPEN)


def numbers(tickets: list[Ticket]) -> list[str]:
    return [t.number for t in tickets]


@pytest.mark.parametrize(
    ("counter", "service", "may_call"),
    [
        (LOKET_1, "A", True),
        (LOKET_1, "B", True),
        (LOKET_1, "C", False),
        (LOKET_2, "A", True),
        (LOKET_2, "B", False),
        (LOKET_2, "C", False),
        (LOKET_3, "A", False),
        (LOKET_3, "B", False),
        (LOKET_3, "C", True),
    ],
    ids=lambda v: v.name if isinstance(v, Counter) else str(v),
)
def test_counter_only_gets_services_it_serves(counter: Counter, service: str, may_call: bool) -> None:
    ticket = make_ticket(service)
    assert eligible(counter, ticket) is may_call
    assert rank(counter, [ticket], at(1)) == ([ticket] if may_call else [])


def test_counter_passes_over_other_services_to_reach_its_own() -> None:
    waiting = [make_ticket("C", at(0), id=1), make_ticket("B", at(1), id=2), make_ticket("A", at(2), id=3)]
    assert numbers(rank(LOKET_2, waiting, at(5))) == ["A003"]
    assert numbers(rank(LOKET_1, waiting, at(5))) == ["B002", "A003"]
    assert numbers(rank(LOKET_3, waiting, at(5))) == ["C001"]


@pytest.mark.parametrize("state", [s for s in TicketState if s is not TicketState.WAITING], ids=str)
def test_only_waiting_tickets_can_be_called_next(state: TicketState) -> None:
    assert not eligible(LOKET_1, make_ticket(state=state))
    assert rank(LOKET_1, [make_ticket(state=state)], at(1)) == []


def test_walk_ins_are_called_in_order_of_arrival() -> None:
    waiting = [
        make_ticket(checked_in=at(3), id=1),
        make_ticket(checked_in=at(1), id=2),
        make_ticket(checked_in=at(2), id=3),
    ]
    assert numbers(rank(LOKET_2, waiting, at(10))) == ["A002", "A003", "A001"]


def test_tickets_checked_in_at_the_same_moment_go_in_ticket_order() -> None:
    waiting = [make_ticket(checked_in=at(1), id=7), make_ticket(checked_in=at(1), id=5)]
    assert numbers(rank(LOKET_2, waiting, at(2))) == ["A005", "A007"]


@pytest.mark.parametrize(
    ("slot_in", "appointment_first"),
    [
        (timedelta(minutes=-30), True),  # late for the slot
        (timedelta(0), True),  # slot is now
        (timedelta(minutes=4, seconds=59), True),
        (APPOINTMENT_DUE, True),  # exactly five minutes before the slot
        (APPOINTMENT_DUE + timedelta(seconds=1), False),
        (timedelta(minutes=20), False),
    ],
    ids=["slot-30min-ago", "slot-now", "slot-in-4m59s", "slot-in-5min", "slot-in-5min1s", "slot-in-20min"],
)
def test_appointment_due_within_five_minutes_is_called_before_older_walk_ins(
    slot_in: timedelta, appointment_first: bool
) -> None:
    now = at(60)
    older_walk_in = make_ticket(checked_in=at(0), id=1)
    appointment = make_ticket(checked_in=at(50), id=2, slot=now + slot_in)
    expected = ["A002", "A001"] if appointment_first else ["A001", "A002"]
    assert numbers(rank(LOKET_2, [older_walk_in, appointment], now)) == expected
    assert numbers(rank(LOKET_2, [appointment, older_walk_in], now)) == expected


def test_five_minutes_margin_is_the_office_rule() -> None:
    assert timedelta(minutes=5) == APPOINTMENT_DUE


def test_due_appointments_are_called_by_slot_not_by_check_in() -> None:
    now = at(60)
    early_for_later_slot = make_ticket(checked_in=at(10), id=1, slot=at(63))
    late_for_earlier_slot = make_ticket(checked_in=at(58), id=2, slot=at(61))
    assert numbers(rank(LOKET_2, [early_for_later_slot, late_for_earlier_slot], now)) == ["A002", "A001"]


def test_early_appointment_waits_until_its_slot_counts() -> None:
    slot = at(60)
    appointment = make_ticket(checked_in=slot - timedelta(minutes=15), id=1, slot=slot)
    walk_in_before_slot = make_ticket(checked_in=slot - timedelta(minutes=10), id=2)
    walk_in_just_before_slot = make_ticket(checked_in=slot - timedelta(minutes=6), id=3)
    waiting = [appointment, walk_in_before_slot, walk_in_just_before_slot]

    # Ten minutes before the slot the appointment is not due yet: checked in first, yet both walk-ins
    # who arrived before the slot go ahead of it, because its wait only counts from the slot.
    assert numbers(rank(LOKET_2, waiting, slot - timedelta(minutes=6))) == ["A002", "A003", "A001"]
    # Once the slot is five minutes away, it goes first.
    assert numbers(rank(LOKET_2, waiting, slot - timedelta(minutes=5))) == ["A001", "A002", "A003"]


@pytest.mark.parametrize(
    ("checked_in", "slot", "wait_counts_from"),
    [
        (at(40), at(60), at(60)),  # early: from the slot
        (at(60), at(60), at(60)),
        (at(70), at(60), at(70)),  # late: from the check-in
        (at(70), None, at(70)),  # walk-in: from the check-in
    ],
    ids=["early", "on-time", "late", "walk-in"],
)
def test_the_wait_counts_from_check_in_or_from_the_slot_whichever_is_later(
    checked_in: datetime, slot: datetime | None, wait_counts_from: datetime
) -> None:
    assert make_ticket(checked_in=checked_in, slot=slot).in_room_since == wait_counts_from


def test_ticket_sent_to_a_counter_is_only_for_that_counter() -> None:
    reserved = make_ticket(checked_in=at(0), id=1, target_counter_id=2)
    later = make_ticket(checked_in=at(5), id=2)
    assert not eligible(LOKET_1, reserved)
    assert eligible(LOKET_2, reserved)
    assert numbers(rank(LOKET_1, [reserved, later], at(10))) == ["A002"]
    assert numbers(rank(LOKET_2, [reserved, later], at(10))) == ["A001", "A002"]
