"""An office day ends: yesterday's leftovers are never called today."""

from __future__ import annotations

from datetime import timedelta

from scheduler.lifecycle import Action
from scheduler.memory import MemoryRepository
from scheduler.model import TicketState
from scheduler.usecases import act_on_ticket, call_next, end_earlier_days, queue_snapshot
from tests.scheduler.conftest import OFFICE, T0, Desk

NEXT_MORNING = T0 + timedelta(days=1)


def test_a_ticket_left_waiting_yesterday_is_not_called_today(desk: Desk, repo: MemoryRepository) -> None:
    desk.issue("A", T0)
    desk.open(1, now=NEXT_MORNING)
    assert call_next(repo, 1, NEXT_MORNING) is None
    assert queue_snapshot(repo, OFFICE, NEXT_MORNING)["waiting"] == []


def test_yesterdays_calls_are_not_among_todays_recent_calls(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, now=T0)
    desk.issue("A", T0)
    called = call_next(repo, 1, T0)
    assert called is not None
    assert [c["number"] for c in queue_snapshot(repo, OFFICE, T0)["recent_calls"]] == ["A001"]
    assert queue_snapshot(repo, OFFICE, NEXT_MORNING)["recent_calls"] == []


def test_ending_earlier_days_cancels_leftover_waiting_and_parked_tickets_only(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(1, now=T0)
    left = desk.issue("A", T0)
    parked = desk.issue("A", T0)
    served = desk.issue("B", T0)
    first = call_next(repo, 1, T0)
    assert first is not None
    assert first.id == left.id
    act_on_ticket(repo, left.id or 0, Action.PARK, T0, counter_id=1)
    assert (call_next(repo, 1, T0) or left).id == parked.id
    act_on_ticket(repo, parked.id or 0, Action.FINISH, T0, counter_id=1)
    today = desk.issue("A", NEXT_MORNING)

    assert end_earlier_days(repo, OFFICE, T0) == 0  # same day: nothing ends
    assert end_earlier_days(repo, OFFICE, NEXT_MORNING) == 2  # the parked A001 and the waiting B001
    assert repo.ticket(left.id or 0).state is TicketState.CANCELLED
    assert repo.ticket(served.id or 0).state is TicketState.CANCELLED
    assert repo.ticket(parked.id or 0).state is TicketState.DONE
    assert repo.ticket(today.id or 0).state is TicketState.WAITING
    assert today.number == "A001"  # numbering restarted this morning
    assert desk.events()[-2:] == ["ticket.cancelled", "ticket.cancelled"]
