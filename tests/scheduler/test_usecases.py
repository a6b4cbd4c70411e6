"""What kiosks, clerks and citizens can ask of an office, run against the in-memory repository."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from scheduler.errors import Conflict, DomainError, IllegalTransition, Invalid, NotFound
from scheduler.lifecycle import Action, CounterAction, apply
from scheduler.memory import MemoryRepository
from scheduler.model import Counter, CounterState, Office, Service, Ticket, TicketKind, TicketState
from scheduler.usecases import (
    RECENT_CALLS,
    Appointment,
    act_on_counter,
    act_on_ticket,
    call_next,
    issue_ticket,
    queue_snapshot,
    ticket_status,
)
from tests.scheduler.conftest import ANNEX, OFFICE, T0, Desk, at, populate


def called(repo: MemoryRepository, counter_id: int, now: datetime) -> Ticket:
    ticket = call_next(repo, counter_id, now)
    assert ticket is not None, f"counter {counter_id} found nobody to call"
    return ticket


def unchanged(repo: MemoryRepository) -> tuple[list[Ticket], list[Counter], list[Any]]:
    """Everything a refused request must leave alone: tickets, counters and events of both offices."""
    offices = (OFFICE, ANNEX)
    tickets = sorted((t for o in offices for t in repo.tickets_in(o, set(TicketState))), key=lambda t: t.id or 0)
    counters = [c for o in offices for c in repo.counters(o)]
    return tickets, counters, [e for o in offices for e in repo.events[o]]


# --- taking a ticket -------------------------------------------------------------------------


def test_walk_in_gets_a_waiting_ticket_with_its_place_and_wait(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    first = desk.issue_result("A", at(1))
    second = desk.issue_result("A", at(2))
    third = desk.issue_result("A", at(3))

    ticket = third.ticket
    assert (ticket.number, ticket.service, ticket.kind, ticket.state) == (
        "A003",
        "A",
        TicketKind.WALKIN,
        TicketState.WAITING,
    )
    assert (ticket.checked_in_at, ticket.language, ticket.token, ticket.office) == (at(3), "nl", "token-3", OFFICE)
    # Two idle counters take the first two at once; the third waits for the first of them to finish (600 s).
    assert [(i.people_ahead, i.estimated_wait_s) for i in (first, second, third)] == [(0, 0), (1, 0), (2, 600)]
    assert not third.replayed
    _, event = repo.events[OFFICE][-1]
    assert event.type == "ticket.issued"
    assert "estimated_wait_s" not in event.data  # estimates are read apart, outside the write
    assert event.data["ticket"]["number"] == "A003"


def test_booked_citizen_checks_in_as_an_appointment(desk: Desk) -> None:
    ticket = desk.book("B", at(1), slot=at(20), code="BK-7")
    assert (ticket.kind, ticket.slot_at, ticket.appointment, ticket.number) == (
        TicketKind.APPOINTMENT,
        at(20),
        "BK-7",
        "B001",
    )


def test_office_with_a_service_nobody_serves(repo: MemoryRepository) -> None:
    repo.add_office(
        Office("wing", "Wing"),
        [Service("wing", "A", {"en": "Identity card"}), Service("wing", "D", {"en": "Dogs"})],
        [Counter(20, "wing", "Wing 1", frozenset({"A"}))],
    )
    with pytest.raises(Conflict) as refused:
        issue_ticket(repo, "wing", "D", "en", at(1), token="t")
    assert refused.value.code == "service_unavailable"
    assert repo.tickets_in("wing", set(TicketState)) == []
    # A closed counter still counts: the ticket waits until it opens.
    assert issue_ticket(repo, "wing", "A", "en", at(1), token="t").ticket.number == "A001"


@pytest.mark.parametrize(
    ("office", "service", "language", "error", "code"),
    [
        ("nowhere", "A", "nl", NotFound, "office_not_found"),
        (OFFICE, "Z", "nl", NotFound, "service_not_found"),
        (OFFICE, "A", "de", Invalid, "invalid_language"),
    ],
)
def test_ticket_request_that_makes_no_sense_is_refused_and_changes_nothing(
    repo: MemoryRepository, office: str, service: str, language: str, error: type[DomainError], code: str
) -> None:
    before = unchanged(repo)
    with pytest.raises(error) as refused:
        issue_ticket(repo, office, service, language, at(1), token="t", idempotency_key="k")
    assert refused.value.code == code
    assert unchanged(repo) == before
    # No number was used up either.
    assert issue_ticket(repo, OFFICE, "A", "nl", at(2), token="t2").ticket.number == "A001"


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
def test_tickets_are_issued_in_the_three_office_languages(repo: MemoryRepository, language: str) -> None:
    assert issue_ticket(repo, OFFICE, "A", language, at(1), token="t").ticket.language == language


# --- idempotency -----------------------------------------------------------------------------


def test_same_idempotency_key_returns_the_same_ticket(desk: Desk, repo: MemoryRepository) -> None:
    first = desk.issue_result("A", at(1), key="kiosk-1:42")
    again = desk.issue_result("A", at(2), key="kiosk-1:42")

    assert again.replayed
    assert again.ticket == first.ticket
    assert (again.people_ahead, again.estimated_wait_s) == (first.people_ahead, first.estimated_wait_s)
    assert [t.number for t in repo.tickets_in(OFFICE, set(TicketState))] == ["A001"]
    assert desk.events() == ["ticket.issued"]
    # The retry did not use up a number.
    assert desk.issue("A", at(3)).number == "A002"


def test_same_idempotency_key_for_an_appointment_returns_the_same_check_in(desk: Desk) -> None:
    booking = Appointment("BK-1", at(30))
    first = desk.issue_result("B", at(1), key="k", appointment=booking)
    again = desk.issue_result("B", at(2), key="k", appointment=booking)
    assert again.replayed
    assert again.ticket.id == first.ticket.id


@pytest.mark.parametrize(
    ("service", "appointment"),
    [
        ("B", None),
        ("A", Appointment("BK-1", at(30))),
    ],
    ids=["other-service", "now-with-an-appointment"],
)
def test_idempotency_key_reused_for_other_service_is_refused(
    desk: Desk, repo: MemoryRepository, service: str, appointment: Appointment | None
) -> None:
    desk.issue("A", at(1), key="k")
    before = unchanged(repo)
    with pytest.raises(Conflict) as refused:
        desk.issue(service, at(2), key="k", appointment=appointment)
    assert refused.value.code == "idempotency_key_reused"
    assert unchanged(repo) == before


def test_idempotency_key_reused_for_another_appointment_is_refused(desk: Desk) -> None:
    desk.issue("B", at(1), key="k", appointment=Appointment("BK-1", at(30)))
    with pytest.raises(Conflict, match="Idempotency-Key"):
        desk.issue("B", at(2), key="k", appointment=Appointment("BK-2", at(30)))
    with pytest.raises(Conflict, match="Idempotency-Key"):
        desk.issue("B", at(2), key="k")


def test_idempotency_keys_belong_to_one_office(desk: Desk) -> None:
    here = desk.issue("A", at(1), key="k")
    there = desk.issue("A", at(2), key="k", office=ANNEX)
    assert there.id != here.id
    assert there.office == ANNEX


def test_replayed_request_reports_the_current_place_in_line(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    first = desk.issue_result("A", at(2), key="k")
    assert first.people_ahead == 1
    called(repo, 1, at(3))
    assert desk.issue_result("A", at(4), key="k").people_ahead == 0


def test_replay_after_a_transfer_returns_the_first_ticket_and_the_place_in_the_new_line(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(2)
    desk.issue("B", at(0))
    first = desk.issue_result("A", at(1), key="k")
    ticket = called(repo, 2, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=2, to_service="B")

    again = desk.issue_result("A", at(4), key="k")

    assert again.replayed
    assert again.ticket.id == first.ticket.id
    assert (again.people_ahead, again.estimated_wait_s) == (1, 1800)  # B001 first; only counter 1 serves B, closed


# --- calling the next citizen ----------------------------------------------------------------


def test_call_next_calls_the_longest_waiting_ticket_it_serves_and_announces_it(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(1)
    desk.issue("C", at(0))
    desk.issue("A", at(2))
    desk.issue("B", at(1))

    ticket = called(repo, 1, at(5))

    assert (ticket.number, ticket.state, ticket.counter_id, ticket.called_at) == (
        "B001",
        TicketState.CALLED,
        1,
        at(5),
    )
    assert repo.ticket(ticket.id or 0) == ticket
    _, event = repo.events[OFFICE][-1]
    assert event.type == "ticket.called"
    assert event.data["ticket"]["counter"] == {"id": 1, "name": "Loket 1"}


def test_appointment_due_within_five_minutes_is_called_before_older_walk_ins(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(2)
    desk.issue("A", at(0))
    desk.book("A", at(1), slot=at(15))
    assert called(repo, 2, at(9)).number == "A001"  # slot 6 minutes away: the walk-in first
    act_on_ticket(repo, 1, Action.FINISH, at(9), counter_id=2)
    desk.issue("A", at(9))
    assert called(repo, 2, at(10)).number == "A002"  # slot 5 minutes away: the appointment now


@pytest.mark.parametrize("start", [False, True], ids=["called", "serving"])
def test_busy_counter_cannot_call_next(desk: Desk, repo: MemoryRepository, start: bool) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    desk.issue("A", at(2))
    first = called(repo, 1, at(3))
    if start:
        act_on_ticket(repo, first.id or 0, Action.START, at(4), counter_id=1)
    before = unchanged(repo)

    with pytest.raises(Conflict) as refused:
        call_next(repo, 1, at(5))

    assert refused.value.code == "counter_busy"
    assert unchanged(repo) == before
    assert desk.waiting_numbers() == ["A002"]


@pytest.mark.parametrize(
    ("action", "kwargs"),
    [
        (Action.FINISH, {}),
        (Action.NO_SHOW, {}),
        (Action.PARK, {}),
        (Action.TRANSFER, {"to_service": "B"}),
    ],
    ids=lambda v: str(getattr(v, "value", "")),
)
def test_counter_is_free_again_once_its_ticket_is_handed_off(
    desk: Desk, repo: MemoryRepository, action: Action, kwargs: dict[str, Any]
) -> None:
    desk.open(2)
    desk.issue("A", at(1))
    desk.issue("A", at(2))
    first = called(repo, 2, at(3))
    if action is Action.NO_SHOW:  # the office's rule: one recall, then a minute, before a no-show
        act_on_ticket(repo, first.id or 0, Action.RECALL, at(3), counter_id=2)
    act_on_ticket(repo, first.id or 0, action, at(4), counter_id=2, **kwargs)
    assert called(repo, 2, at(5)).number == "A002"


@pytest.mark.parametrize(
    ("actions", "state"),
    [
        ([], "closed"),
        ([CounterAction.OPEN, CounterAction.PAUSE], "paused"),
        ([CounterAction.OPEN, CounterAction.CLOSE], "closed"),
    ],
    ids=["never-opened", "paused", "closed-again"],
)
def test_paused_counter_cannot_call_next(
    desk: Desk, repo: MemoryRepository, actions: list[CounterAction], state: str
) -> None:
    for action in actions:
        act_on_counter(repo, 1, action, at(0))
    desk.issue("A", at(1))
    before = unchanged(repo)
    with pytest.raises(Conflict, match=f"is {state}") as refused:
        call_next(repo, 1, at(2))
    assert refused.value.code == "counter_not_open"
    assert unchanged(repo) == before


def test_call_next_returns_none_when_nobody_waits_for_its_services(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(2)
    desk.issue("B", at(1))
    desk.issue("C", at(2))
    before = unchanged(repo)
    assert call_next(repo, 2, at(3)) is None
    assert unchanged(repo) == before
    assert desk.waiting_numbers() == ["B001", "C001"]


class RivalClaimsFirst(MemoryRepository):
    """Counter 2 claims the first ticket counter 1 tries to call, between counter 1's read and write."""

    def __init__(self) -> None:
        super().__init__()
        self.lost: list[str] = []

    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        if expected is TicketState.WAITING and not self.lost:
            self.lost.append(ticket.number)
            stored = self.ticket(ticket.id or 0)
            assert super().replace_ticket(apply(stored, Action.CALL, T0, counter_id=2), TicketState.WAITING)
            return False
        return super().replace_ticket(ticket, expected)


class EveryClaimLost(MemoryRepository):
    def replace_ticket(self, ticket: Ticket, expected: TicketState) -> bool:
        if expected is TicketState.WAITING:
            return False
        return super().replace_ticket(ticket, expected)


def test_call_next_skips_a_ticket_claimed_by_another_counter() -> None:
    repo = populate(RivalClaimsFirst())
    desk = Desk(repo)
    desk.open(1, 2)
    desk.issue("A", at(1))
    desk.issue("A", at(2))
    events_before = len(repo.events[OFFICE])

    ticket = called(repo, 1, at(3))

    assert repo.lost == ["A001"]
    assert (ticket.number, ticket.counter_id) == ("A002", 1)
    assert repo.ticket(1).counter_id == 2  # the rival keeps what it claimed
    assert repo.ticket(2).counter_id == 1
    new_events = repo.events[OFFICE][events_before:]
    assert [(e.type, e.data["ticket"]["number"]) for _, e in new_events] == [("ticket.called", "A002")]


def test_call_next_returns_none_when_every_candidate_was_claimed_elsewhere() -> None:
    repo = populate(EveryClaimLost())
    desk = Desk(repo)
    desk.open(1)
    desk.issue("A", at(1))
    desk.issue("B", at(2))
    events_before = len(repo.events[OFFICE])
    assert call_next(repo, 1, at(3)) is None
    assert len(repo.events[OFFICE]) == events_before


def test_ticket_changed_by_someone_else_is_refused_as_a_conflict() -> None:
    repo = populate(EveryClaimLost())
    desk = Desk(repo)
    desk.open(1)
    waiting = desk.issue("A", at(1))
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, waiting.id or 0, Action.CANCEL, at(2))
    assert refused.value.code == "ticket_changed"
    assert desk.events() == ["counter.opened", "ticket.issued"]


# --- acting on one ticket --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "state", "event"),
    [
        (Action.RECALL, TicketState.CALLED, "ticket.recalled"),
        (Action.START, TicketState.SERVING, "ticket.started"),
        (Action.FINISH, TicketState.DONE, "ticket.finished"),
        (Action.NO_SHOW, TicketState.NO_SHOW, "ticket.no_show"),
        (Action.PARK, TicketState.PARKED, "ticket.parked"),
    ],
    ids=str,
)
def test_clerk_actions_on_the_called_ticket_are_saved_and_announced(
    desk: Desk, repo: MemoryRepository, action: Action, state: TicketState, event: str
) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    if action is Action.NO_SHOW:  # the office's rule: one recall, then a minute, before a no-show
        act_on_ticket(repo, ticket.id or 0, Action.RECALL, at(2), counter_id=1)
    changed = act_on_ticket(repo, ticket.id or 0, action, at(3), counter_id=1)
    assert changed.state is state
    assert repo.ticket(ticket.id or 0) == changed
    _, last = repo.events[OFFICE][-1]
    assert last.type == event
    assert last.data["ticket"]["state"] == state.value
    assert last.data["ticket"]["counter"] == {"id": 1, "name": "Loket 1"}


def test_citizen_waiting_can_cancel_and_is_then_never_called(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    waiting = desk.issue("A", at(1))
    cancelled = act_on_ticket(repo, waiting.id or 0, Action.CANCEL, at(2))
    assert cancelled.state is TicketState.CANCELLED
    assert desk.events()[-1] == "ticket.cancelled"
    assert call_next(repo, 1, at(3)) is None


@pytest.mark.parametrize("action", [Action.RECALL, Action.START, Action.FINISH, Action.NO_SHOW, Action.PARK], ids=str)
def test_only_the_counter_holding_a_ticket_may_act_on_it(desk: Desk, repo: MemoryRepository, action: Action) -> None:
    desk.open(1, 2)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    before = unchanged(repo)
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, ticket.id or 0, action, at(3), counter_id=2)
    assert refused.value.code == "not_your_ticket"
    assert unchanged(repo) == before


def test_transfer_by_another_counter_is_refused(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    with pytest.raises(Conflict, match="another counter"):
        act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=2, to_service="B")
    assert repo.ticket(ticket.id or 0).state is TicketState.CALLED


def test_illegal_action_through_a_use_case_changes_nothing(desk: Desk, repo: MemoryRepository) -> None:
    waiting = desk.issue("A", at(1))
    before = unchanged(repo)
    with pytest.raises(IllegalTransition):
        act_on_ticket(repo, waiting.id or 0, Action.FINISH, at(2), counter_id=1)
    assert unchanged(repo) == before


def test_unknown_ticket_or_counter_is_not_found(desk: Desk, repo: MemoryRepository) -> None:
    waiting = desk.issue("A", at(1))
    with pytest.raises(NotFound):
        act_on_ticket(repo, 99, Action.CANCEL, at(2))
    with pytest.raises(NotFound) as other_office:
        act_on_ticket(repo, waiting.id or 0, Action.CALL, at(2), counter_id=10)
    assert other_office.value.code == "counter_not_found"
    with pytest.raises(NotFound):
        call_next(repo, 99, at(2))


def test_calling_a_ticket_by_name_needs_the_counter_that_calls(desk: Desk, repo: MemoryRepository) -> None:
    waiting = desk.issue("A", at(1))
    with pytest.raises(Invalid) as refused:
        act_on_ticket(repo, waiting.id or 0, Action.CALL, at(2))
    assert refused.value.code == "counter_required"


def test_calling_a_ticket_by_name_skips_the_queue_but_not_the_counter_rules(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 3)
    desk.issue("A", at(1))
    later = desk.issue("A", at(2))
    b_ticket = desk.issue("B", at(3))

    with pytest.raises(Conflict) as not_served:
        act_on_ticket(repo, later.id or 0, Action.CALL, at(4), counter_id=3)
    assert not_served.value.code == "service_not_served"
    with pytest.raises(Conflict) as not_open:
        act_on_ticket(repo, later.id or 0, Action.CALL, at(4), counter_id=2)
    assert not_open.value.code == "counter_not_open"

    ticket = act_on_ticket(repo, later.id or 0, Action.CALL, at(4), counter_id=1)
    assert (ticket.number, ticket.state, ticket.counter_id, ticket.called_at) == ("A002", TicketState.CALLED, 1, at(4))
    assert desk.events()[-1] == "ticket.called"

    with pytest.raises(Conflict) as busy:
        act_on_ticket(repo, b_ticket.id or 0, Action.CALL, at(5), counter_id=1)
    assert busy.value.code == "counter_busy"


def test_parked_citizen_can_be_called_back_by_another_counter(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.PARK, at(3), counter_id=1)
    # Parked tickets are not in the queue: nobody calls them next by accident ...
    assert call_next(repo, 2, at(4)) is None
    snap = queue_snapshot(repo, OFFICE, at(4))
    assert snap["waiting"] == []
    assert [(t["number"], t["state"], t["counter"]["id"]) for t in snap["parked"]] == [("A001", "parked", 1)]
    # ... they are called back by name.
    back = act_on_ticket(repo, ticket.id or 0, Action.CALL, at(10), counter_id=2)
    assert (back.state, back.counter_id, back.called_at) == (TicketState.CALLED, 2, at(10))


# --- transfers -------------------------------------------------------------------------------


def test_transfer_keeps_the_original_check_in_time_and_number(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    original = desk.issue("A", at(1), key="kiosk-1:7")
    ticket = called(repo, 1, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.START, at(3), counter_id=1)

    continued = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(20), counter_id=1, to_service="B")

    assert continued.id != original.id
    assert (continued.number, continued.checked_in_at, continued.day, continued.token, continued.language) == (
        original.number,
        original.checked_in_at,
        original.day,
        original.token,
        original.language,
    )
    assert (continued.service, continued.state, continued.transferred_from) == ("B", TicketState.WAITING, original.id)
    assert (continued.counter_id, continued.called_at, continued.started_at, continued.finished_at) == (
        None,
        None,
        None,
        None,
    )
    assert continued.target_counter_id is None
    assert repo.ticket(continued.id or 0) == continued
    # The kiosk's retry key stays with the request it answered, not with the visit's continuation.
    assert continued.idempotency_key is None
    old = repo.ticket(original.id or 0)
    assert (old.state, old.finished_at, old.service) == (TicketState.TRANSFERRED, at(20), "A")


def test_transferred_citizen_keeps_their_place_in_time_in_the_new_line(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    desk.issue("A", at(1))
    desk.issue("B", at(5))  # arrived later than the citizen who will be transferred
    ticket = called(repo, 2, at(6))
    act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(20), counter_id=2, to_service="B")
    assert called(repo, 1, at(21)).number == "A001"


def test_transfer_is_announced_with_where_the_citizen_goes(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    continued = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=1, to_counter=2)
    _, event = repo.events[OFFICE][-1]
    assert event.type == "ticket.transferred"
    assert event.data["ticket"]["id"] == ticket.id
    assert event.data["ticket"]["state"] == "transferred"
    assert event.data["ticket"]["counter"] == {"id": 1, "name": "Loket 1"}
    assert event.data["to"]["ticket"]["id"] == continued.id
    assert event.data["to"]["service"] == "A"
    assert event.data["to"]["counter"]["id"] == 2


def test_transfer_to_a_counter_only_that_counter_may_call(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2, 3)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    continued = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=1, to_counter=2)
    assert continued.target_counter_id == 2

    # Counter 1 serves A, is open and free, yet the citizen was sent to counter 2.
    assert call_next(repo, 1, at(4)) is None
    # Nor may it pick the citizen by name.
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, continued.id or 0, Action.CALL, at(4), counter_id=1)
    assert refused.value.code == "not_your_ticket"
    assert repo.ticket(continued.id or 0).state is TicketState.WAITING

    at_two = called(repo, 2, at(5))
    assert (at_two.id, at_two.counter_id, at_two.target_counter_id) == (continued.id, 2, None)


def test_transfer_needs_a_service_or_a_counter(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    before = unchanged(repo)
    with pytest.raises(Invalid) as refused:
        act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=1)
    assert refused.value.code == "transfer_target_required"
    assert unchanged(repo) == before


@pytest.mark.parametrize(
    ("to_service", "to_counter", "error", "code"),
    [
        (None, 3, Invalid, "service_not_served"),  # counter 3 does not serve A
        ("B", 2, Invalid, "service_not_served"),  # counter 2 does not serve B
        ("Z", None, NotFound, "service_not_found"),
        (None, 10, NotFound, "counter_not_found"),  # a counter of another office
        (None, 99, NotFound, "counter_not_found"),
    ],
)
def test_transfer_to_somewhere_that_cannot_take_the_citizen_is_refused(
    desk: Desk,
    repo: MemoryRepository,
    to_service: str | None,
    to_counter: int | None,
    error: type[DomainError],
    code: str,
) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    before = unchanged(repo)
    with pytest.raises(error) as refused:
        act_on_ticket(
            repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=1, to_service=to_service, to_counter=to_counter
        )
    assert refused.value.code == code
    assert unchanged(repo) == before


def test_parked_citizen_can_be_transferred(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.PARK, at(3), counter_id=1)
    continued = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(4), to_service="C")
    assert (continued.service, continued.state) == ("C", TicketState.WAITING)


def test_waiting_citizen_cannot_be_transferred(desk: Desk, repo: MemoryRepository) -> None:
    waiting = desk.issue("A", at(1))
    before = unchanged(repo)
    with pytest.raises(IllegalTransition):
        act_on_ticket(repo, waiting.id or 0, Action.TRANSFER, at(2), to_service="B")
    assert unchanged(repo) == before


# --- counters --------------------------------------------------------------------------------


def test_counter_opens_pauses_resumes_and_closes(desk: Desk, repo: MemoryRepository) -> None:
    steps = [
        (CounterAction.OPEN, None, CounterState.OPEN, None, "counter.opened"),
        (CounterAction.PAUSE, "coffee", CounterState.PAUSED, "coffee", "counter.paused"),
        (CounterAction.RESUME, None, CounterState.OPEN, None, "counter.resumed"),
        (CounterAction.PAUSE, None, CounterState.PAUSED, None, "counter.paused"),
        (CounterAction.CLOSE, None, CounterState.CLOSED, None, "counter.closed"),
    ]
    for action, reason, state, shown_reason, event in steps:
        counter = act_on_counter(repo, 1, action, at(1), reason=reason)
        assert (counter.state, counter.pause_reason) == (state, shown_reason)
        assert repo.counter(1) == counter
        _, last = repo.events[OFFICE][-1]
        assert (last.type, last.data["counter"]["state"], last.data["counter"]["pause_reason"]) == (
            event,
            state.value,
            shown_reason,
        )
    assert len(desk.events()) == len(steps)


@pytest.mark.parametrize(
    ("actions", "refused_action"),
    [
        ([], CounterAction.PAUSE),
        ([], CounterAction.RESUME),
        ([], CounterAction.CLOSE),
        ([CounterAction.OPEN], CounterAction.OPEN),
        ([CounterAction.OPEN], CounterAction.RESUME),
        ([CounterAction.OPEN, CounterAction.PAUSE], CounterAction.PAUSE),
        ([CounterAction.OPEN, CounterAction.PAUSE], CounterAction.OPEN),
    ],
    ids=str,
)
def test_counter_action_its_state_does_not_allow_is_refused(
    repo: MemoryRepository, actions: list[CounterAction], refused_action: CounterAction
) -> None:
    for action in actions:
        act_on_counter(repo, 1, action, at(0))
    before = unchanged(repo)
    with pytest.raises(IllegalTransition):
        act_on_counter(repo, 1, refused_action, at(1))
    assert unchanged(repo) == before


@pytest.mark.parametrize("start", [False, True], ids=["called", "serving"])
def test_closing_a_busy_counter_is_refused(desk: Desk, repo: MemoryRepository, start: bool) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    ticket = called(repo, 1, at(2))
    if start:
        act_on_ticket(repo, ticket.id or 0, Action.START, at(3), counter_id=1)
    before = unchanged(repo)
    with pytest.raises(Conflict) as refused:
        act_on_counter(repo, 1, CounterAction.CLOSE, at(4))
    assert refused.value.code == "counter_busy"
    assert unchanged(repo) == before

    act_on_ticket(repo, ticket.id or 0, Action.FINISH, at(5), counter_id=1)
    assert act_on_counter(repo, 1, CounterAction.CLOSE, at(6)).state is CounterState.CLOSED


# --- events ----------------------------------------------------------------------------------


def test_events_are_numbered_per_office_without_gaps(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    act_on_counter(repo, 10, CounterAction.OPEN, at(1))
    desk.issue("A", at(2))
    desk.issue("A", at(2), office=ANNEX)
    with pytest.raises(Conflict):  # refused (counter 2 is closed): uses no number
        call_next(repo, 2, at(3))
    called(repo, 1, at(4))
    called(repo, 10, at(5))
    desk.issue("A", at(6), key="k")
    desk.issue("A", at(7), key="k")  # replay: no new event

    demo = repo.events[OFFICE]
    annex = repo.events[ANNEX]
    assert [seq for seq, _ in demo] == [1, 2, 3, 4]
    assert [e.type for _, e in demo] == ["counter.opened", "ticket.issued", "ticket.called", "ticket.issued"]
    assert [seq for seq, _ in annex] == [1, 2, 3]
    assert [e.type for _, e in annex] == ["counter.opened", "ticket.issued", "ticket.called"]
    assert all(e.office == OFFICE for _, e in demo)
    assert all(e.office == ANNEX for _, e in annex)
    assert (repo.current_seq(OFFICE), repo.current_seq(ANNEX)) == (4, 3)


# --- what the displays and the citizens see --------------------------------------------------


def _busy_morning(desk: Desk, repo: MemoryRepository) -> dict[str, Ticket]:
    desk.open(1, 2, 3, now=T0)
    tickets = {
        "A001": desk.issue("A", at(1)),
        "A002": desk.issue("A", at(2)),
        "B001": desk.issue("B", at(3)),
        "C001": desk.issue("C", at(4)),
        "A003": desk.issue("A", at(5)),
        "A004": desk.book("A", at(5.5), slot=at(12)),
    }
    assert called(repo, 1, at(6)).number == "A001"  # the appointment is not due yet at 6
    assert called(repo, 3, at(7)).number == "C001"
    act_on_counter(repo, 2, CounterAction.PAUSE, at(8), reason="lunch")
    act_on_ticket(repo, tickets["C001"].id or 0, Action.FINISH, at(9), counter_id=3)
    return tickets


def test_queue_snapshot_shows_the_office_as_it_is(desk: Desk, repo: MemoryRepository) -> None:
    tickets = _busy_morning(desk, repo)
    snap = queue_snapshot(repo, OFFICE, at(10))

    assert snap["office"] == {
        "id": OFFICE,
        "name": "Demo town hall",
        "timezone": "Europe/Brussels",
        "clerks_choose_services": False,
        "happiness_at_kiosk": False,
        "improvements": [],
        "hours": {**{day: [["08:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")}, "sat": [], "sun": []},
        "hours_today": [["08:00", "18:00"]],
        "closed_today": None,
    }
    assert snap["seq"] == 13 == repo.current_seq(OFFICE)  # 3 opened, 6 issued, 2 called, 1 paused, 1 finished

    # The wait a newcomer would be told, playing the queue forward. Only counter 1 is open for A and B
    # (counter 2 is paused, with no known return): free at 16, then A004 (due), A002, B001, A003, then
    # the newcomer at 16 + 10 + 10 + 15 + 10 = 61 min: 51 min from now. B: after A004, A002, B001... and A003
    # (who came first), the same 61 min.
    assert [(s["code"], s["waiting"], s["estimated_wait_s"], s["duration_s"]) for s in snap["services"]] == [
        ("A", 3, 3060, 600),
        ("B", 1, 3060, 900),
        ("C", 0, 0, 300),
    ]
    assert snap["services"][0]["names"]["fr"] == "Carte d'identité"

    a001 = tickets["A001"]
    assert snap["counters"] == [
        {
            "id": 1,
            "name": "Loket 1",
            "services": ["A", "B"],
            "skills": ["A", "B"],
            "state": "open",
            "pause_reason": None,
            "ticket": {
                "id": a001.id,
                "number": "A001",
                "service": "A",
                "kind": "walkin",
                "state": "called",
                "language": "nl",
                "checked_in_at": at(1).isoformat(),
                "called_at": at(6).isoformat(),
                "recalls": 0,
                "return_at": None,
                "here": True,
                "arrived_at": None,
                "offline": False,
                "offline_note": None,
                "counter": {"id": 1, "name": "Loket 1"},
            },
        },
        {
            "id": 2,
            "name": "Loket 2",
            "services": ["A"],
            "skills": ["A"],
            "state": "paused",
            "pause_reason": "lunch",
            "ticket": None,
        },
        {
            "id": 3,
            "name": "Loket 3",
            "services": ["C"],
            "skills": ["C"],
            "state": "open",
            "pause_reason": None,
            "ticket": None,
        },
    ]

    # In call order: the appointment is due (slot at 12, now 10), then everybody by arrival. Counter 1
    # alone serves them (2 is paused): free at 16, then every 10 minutes (15 for the passport).
    assert [(w["number"], w["kind"], w["estimated_wait_s"]) for w in snap["waiting"]] == [
        ("A004", "appointment", 360),
        ("A002", "walkin", 960),
        ("B001", "walkin", 1560),
        ("A003", "walkin", 2460),
    ]
    assert all(w["state"] == "waiting" and w["counter"] is None for w in snap["waiting"])

    assert [(c["number"], c["state"], c["counter"]) for c in snap["recent_calls"]] == [
        ("C001", "done", {"id": 3, "name": "Loket 3"}),
        ("A001", "called", {"id": 1, "name": "Loket 1"}),
    ]


def test_queue_snapshot_never_shows_status_codes(desk: Desk, repo: MemoryRepository) -> None:
    tickets = _busy_morning(desk, repo)
    text = repr(queue_snapshot(repo, OFFICE, at(10)))
    assert all(t.token not in text for t in tickets.values())
    assert "APPT" not in text  # nor booking codes


def test_recent_calls_are_newest_first_and_a_recall_counts_as_new(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    for minute in range(RECENT_CALLS + 2):
        desk.issue("A", at(minute))
    for minute in range(RECENT_CALLS + 2):
        ticket = called(repo, 1, at(20 + minute))
        act_on_ticket(repo, ticket.id or 0, Action.FINISH, at(20 + minute), counter_id=1)
    first_calls = queue_snapshot(repo, OFFICE, at(40))["recent_calls"]
    assert [c["number"] for c in first_calls] == [f"A{n:03d}" for n in range(RECENT_CALLS + 2, 2, -1)]

    desk.issue("A", at(41))
    recalled = called(repo, 1, at(42))
    act_on_ticket(repo, recalled.id or 0, Action.RECALL, at(43), counter_id=1)
    latest = queue_snapshot(repo, OFFICE, at(44))["recent_calls"][0]
    assert (latest["number"], latest["recalls"], latest["called_at"]) == ("A011", 1, at(43).isoformat())


def test_ticket_status_tells_people_ahead_and_the_wait(desk: Desk, repo: MemoryRepository) -> None:
    tickets = _busy_morning(desk, repo)
    status = ticket_status(repo, tickets["A003"].token, at(10))
    assert (status["number"], status["state"], status["people_ahead"], status["estimated_wait_s"]) == (
        "A003",
        "waiting",
        2,
        2460,  # A004, A002 and B001 before, all at counter 1 (free at 16 min), as the display says
    )
    assert status["office"] == {"id": OFFICE, "name": "Demo town hall", "timezone": "Europe/Brussels"}
    assert status["service_names"]["nl"] == "Identiteitskaart"
    assert status["counter"] is None
    assert "token" not in status


def test_ticket_status_and_the_display_agree_on_every_wait(desk: Desk, repo: MemoryRepository) -> None:
    tickets = _busy_morning(desk, repo)
    snap = queue_snapshot(repo, OFFICE, at(10))
    for entry in snap["waiting"]:
        status = ticket_status(repo, tickets[entry["number"]].token, at(10))
        assert status["estimated_wait_s"] == entry["estimated_wait_s"], entry["number"]


def test_ticket_status_of_a_called_ticket_names_the_counter(desk: Desk, repo: MemoryRepository) -> None:
    tickets = _busy_morning(desk, repo)
    status = ticket_status(repo, tickets["A001"].token, at(10))
    assert (status["state"], status["counter"], status["people_ahead"], status["estimated_wait_s"]) == (
        "called",
        {"id": 1, "name": "Loket 1"},
        0,
        0,
    )


def test_ticket_status_after_transfer_follows_the_new_ticket(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    desk.issue("B", at(0))
    original = desk.issue("A", at(1))
    ticket = called(repo, 2, at(2))
    assert ticket.id == original.id
    continued = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=2, to_service="B")

    status = ticket_status(repo, original.token, at(4))

    assert (status["id"], status["number"], status["service"], status["state"], status["counter"]) == (
        continued.id,
        "A001",
        "B",
        "waiting",
        None,
    )
    assert status["service_names"]["en"] == "Driving licence"
    assert status["people_ahead"] == 1  # B001 arrived before A001 did


def test_unknown_status_code_is_not_found(repo: MemoryRepository) -> None:
    with pytest.raises(NotFound) as refused:
        ticket_status(repo, "no-such-token", at(1))
    assert refused.value.code == "ticket_not_found"


def test_closing_a_counter_sends_citizens_transferred_to_it_back_to_the_pool(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(1, 2, now=T0)
    ticket = desk.issue("A", at(1))
    assert called(repo, 1, at(2)).id == ticket.id
    moved = act_on_ticket(repo, ticket.id or 0, Action.TRANSFER, at(3), counter_id=1, to_counter=2)
    assert moved.target_counter_id == 2
    act_on_counter(repo, 2, CounterAction.CLOSE, at(4))
    assert repo.ticket(moved.id or 0).target_counter_id is None
    assert called(repo, 1, at(5)).id == moved.id
    assert [e.type for _, e in repo.events[OFFICE]][-3:] == ["counter.closed", "ticket.released", "ticket.called"]


def test_in_a_crowd_beyond_the_forecast_limit_the_estimate_is_the_queue_length_rule(
    desk: Desk, repo: MemoryRepository
) -> None:
    from scheduler.estimate import estimate_for_position
    from scheduler.usecases import FORECAST_LIMIT

    desk.open(1, 2, now=T0)  # both serve A (600 s), both idle
    for i in range(FORECAST_LIMIT):
        desk.issue("A", at(i / 100))
    last = desk.issue_result("A", at(2))
    assert last.people_ahead == FORECAST_LIMIT
    assert last.estimated_wait_s == estimate_for_position(FORECAST_LIMIT, 2, 2, 600)
