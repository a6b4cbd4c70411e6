"""The life of a ticket and of a counter: which moves are allowed, and what each move records."""

from __future__ import annotations

from dataclasses import replace
from itertools import product

import pytest

from scheduler.errors import IllegalTransition
from scheduler.lifecycle import COUNTER_TRANSITIONS, TRANSITIONS, Action, CounterAction, apply, apply_counter, check
from scheduler.model import Counter, CounterState, TicketState
from tests.scheduler.conftest import OFFICE, at, make_ticket

# The office rules, written out by hand: the state each action leads to from each state, "-" when
# the action is refused. TRANSITIONS in scheduler.lifecycle must say exactly the same.
TICKET_RULES = """
state        call    recall  start    finish  no-show  park    transfer     cancel
waiting      called  -       -        -       -        -       -            cancelled
called       -       called  serving  done    no_show  parked  transferred  -
serving      -       -       -        done    -        parked  transferred  -
parked       called  -       -        -       -        -       transferred  cancelled
done         -       -       -        -       -        -       -            -
no_show      -       -       -        -       -        -       -            -
transferred  -       -       -        -       -        -       -            -
cancelled    -       -       -        -       -        -       -            -
"""

COUNTER_RULES = """
state   open  pause   resume  close
closed  open  -       -       -
open    -     paused  -       closed
paused  -     -       open    closed
"""


def _grid(text: str) -> dict[tuple[str, str], str | None]:
    header, *rows = (line.split() for line in text.strip().splitlines())
    grid: dict[tuple[str, str], str | None] = {}
    for state, *cells in rows:
        assert len(cells) == len(header) - 1, f"row {state} has {len(cells)} cells"
        for action, cell in zip(header[1:], cells, strict=True):
            grid[(state, action)] = None if cell == "-" else cell
    return grid


EXPECTED_TICKET = _grid(TICKET_RULES)
EXPECTED_COUNTER = _grid(COUNTER_RULES)


def test_the_written_rules_cover_every_ticket_state_and_action() -> None:
    assert set(EXPECTED_TICKET) == {(s.value, a.value) for s, a in product(TicketState, Action)}
    assert set(TRANSITIONS) == set(Action)


@pytest.mark.parametrize(
    ("state", "action"), list(product(TicketState, Action)), ids=lambda v: str(getattr(v, "value", v))
)
def test_every_illegal_ticket_transition_raises(state: TicketState, action: Action) -> None:
    expected = EXPECTED_TICKET[(state.value, action.value)]
    sources, target = TRANSITIONS[action]
    ticket = make_ticket(state=state, counter_id=1 if state is not TicketState.WAITING else None)

    # The table in the code agrees with the rules written above ...
    assert (state in sources) == (expected is not None)
    # ... and the functions obey it.
    if expected is None:
        with pytest.raises(IllegalTransition):
            check(ticket, action)
        with pytest.raises(IllegalTransition):
            apply(ticket, action, at(1), counter_id=2)
    else:
        assert target.value == expected
        assert check(ticket, action) is TicketState(expected)
        assert apply(ticket, action, at(1), counter_id=2).state is TicketState(expected)


@pytest.mark.parametrize("state", [s for s in TicketState if s.is_final], ids=str)
def test_a_finished_ticket_can_no_longer_change(state: TicketState) -> None:
    ticket = make_ticket(state=state)
    for action in Action:
        with pytest.raises(IllegalTransition):
            apply(ticket, action, at(1), counter_id=1)


def test_final_states_are_done_no_show_transferred_and_cancelled() -> None:
    assert {s for s in TicketState if s.is_final} == {
        TicketState.DONE,
        TicketState.NO_SHOW,
        TicketState.TRANSFERRED,
        TicketState.CANCELLED,
    }


def test_illegal_transition_names_the_ticket_and_what_was_needed() -> None:
    with pytest.raises(IllegalTransition, match=r"A001 is waiting; 'finish' needs it to be called, serving"):
        check(make_ticket(), Action.FINISH)


def test_calling_records_the_counter_and_the_time_and_lifts_any_reservation() -> None:
    waiting = make_ticket(target_counter_id=2)
    called = apply(waiting, Action.CALL, at(3), counter_id=2)
    assert (called.state, called.counter_id, called.called_at) == (TicketState.CALLED, 2, at(3))
    assert called.target_counter_id is None
    assert called.recalls == 0


def test_calling_back_a_parked_ticket_starts_a_fresh_call_at_the_new_counter() -> None:
    parked = make_ticket(state=TicketState.PARKED, counter_id=1)
    parked = apply(apply(apply(parked, Action.CALL, at(1), counter_id=1), Action.RECALL, at(2)), Action.PARK, at(3))
    assert parked.recalls == 1
    called_back = apply(parked, Action.CALL, at(10), counter_id=2)
    assert (called_back.state, called_back.counter_id, called_back.called_at) == (TicketState.CALLED, 2, at(10))
    assert called_back.recalls == 0


def test_recall_counts_and_moves_the_call_time_but_keeps_the_counter() -> None:
    called = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    recalled = apply(apply(called, Action.RECALL, at(2)), Action.RECALL, at(3))
    assert (recalled.state, recalled.counter_id, recalled.recalls, recalled.called_at) == (
        TicketState.CALLED,
        1,
        2,
        at(3),
    )


def test_the_first_call_is_kept_through_recalls() -> None:
    called = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    recalled = apply(apply(called, Action.RECALL, at(2)), Action.RECALL, at(3))
    assert (called.first_called_at, recalled.first_called_at, recalled.called_at) == (at(1), at(1), at(3))


def test_calling_back_a_parked_ticket_keeps_the_first_call() -> None:
    called = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    parked = apply(apply(called, Action.RECALL, at(2)), Action.PARK, at(3))
    called_back = apply(parked, Action.CALL, at(10), counter_id=2)
    assert (called_back.first_called_at, called_back.called_at) == (at(1), at(10))
    assert apply(called_back, Action.FINISH, at(12)).first_called_at == at(1)


def test_a_ticket_continuing_a_transfer_records_its_own_first_call() -> None:
    # The continuing ticket is a copy of the first (see usecases._transfer): its own first call replaces the copy.
    first = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    continued = replace(first, state=TicketState.WAITING, counter_id=None, called_at=None)
    assert apply(continued, Action.CALL, at(9), counter_id=2).first_called_at == at(9)


def test_start_records_when_service_began() -> None:
    called = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    started = apply(called, Action.START, at(2))
    assert (started.state, started.started_at, started.finished_at) == (TicketState.SERVING, at(2), None)


@pytest.mark.parametrize(
    ("action", "state"),
    [
        (Action.FINISH, TicketState.DONE),
        (Action.NO_SHOW, TicketState.NO_SHOW),
        (Action.TRANSFER, TicketState.TRANSFERRED),
    ],
)
def test_ending_a_visit_at_the_counter_records_when_it_ended(action: Action, state: TicketState) -> None:
    called = apply(make_ticket(), Action.CALL, at(1), counter_id=1)
    ended = apply(called, action, at(7))
    assert (ended.state, ended.finished_at, ended.counter_id, ended.called_at) == (state, at(7), 1, at(1))


def test_cancelling_a_waiting_ticket_records_when() -> None:
    cancelled = apply(make_ticket(), Action.CANCEL, at(4))
    assert (cancelled.state, cancelled.finished_at) == (TicketState.CANCELLED, at(4))


def test_parking_does_not_end_the_visit() -> None:
    serving = apply(apply(make_ticket(), Action.CALL, at(1), counter_id=1), Action.START, at(2))
    parked = apply(serving, Action.PARK, at(5))
    assert (parked.state, parked.finished_at, parked.started_at) == (TicketState.PARKED, None, at(2))


def test_apply_does_not_change_the_ticket_it_was_given() -> None:
    waiting = make_ticket()
    apply(waiting, Action.CALL, at(1), counter_id=1)
    assert (waiting.state, waiting.counter_id, waiting.called_at) == (TicketState.WAITING, None, None)


# --- counters --------------------------------------------------------------------------------


def test_the_written_rules_cover_every_counter_state_and_action() -> None:
    assert set(EXPECTED_COUNTER) == {(s.value, a.value) for s, a in product(CounterState, CounterAction)}
    assert set(COUNTER_TRANSITIONS) == set(CounterAction)


@pytest.mark.parametrize(
    ("state", "action"), list(product(CounterState, CounterAction)), ids=lambda v: str(getattr(v, "value", v))
)
def test_every_illegal_counter_transition_raises(state: CounterState, action: CounterAction) -> None:
    expected = EXPECTED_COUNTER[(state.value, action.value)]
    sources, target = COUNTER_TRANSITIONS[action]
    counter = Counter(1, OFFICE, "Loket 1", frozenset({"A"}), state=state)

    assert (state in sources) == (expected is not None)
    if expected is None:
        with pytest.raises(IllegalTransition):
            apply_counter(counter, action)
    else:
        assert target.value == expected
        assert apply_counter(counter, action).state is CounterState(expected)


def test_pause_reason_is_kept_only_while_paused() -> None:
    counter = Counter(1, OFFICE, "Loket 1", frozenset({"A"}), state=CounterState.OPEN)
    paused = apply_counter(counter, CounterAction.PAUSE, reason="lunch")
    assert (paused.state, paused.pause_reason) == (CounterState.PAUSED, "lunch")
    assert apply_counter(paused, CounterAction.RESUME, reason="ignored").pause_reason is None
    assert apply_counter(paused, CounterAction.CLOSE).pause_reason is None
