"""The ticket's life: every move is checked against one table, an illegal one raises.

waiting -> called -> serving -> done
             |  \\        \\-> parked -> called (called back) / cancelled
             |   \\-> no_show
             \\-> transferred (a new waiting ticket continues the visit)
"""

from __future__ import annotations

import enum
from dataclasses import replace
from datetime import datetime

from scheduler.errors import IllegalTransition
from scheduler.model import Counter, CounterState, Ticket, TicketState

W, C, S, D, N, P, T, X = (
    TicketState.WAITING,
    TicketState.CALLED,
    TicketState.SERVING,
    TicketState.DONE,
    TicketState.NO_SHOW,
    TicketState.PARKED,
    TicketState.TRANSFERRED,
    TicketState.CANCELLED,
)


class Action(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    PARK = "park"
    TRANSFER = "transfer"
    CANCEL = "cancel"


# action -> (states it may start from, state it leads to)
TRANSITIONS: dict[Action, tuple[frozenset[TicketState], TicketState]] = {
    Action.CALL: (frozenset({W, P}), C),
    Action.RECALL: (frozenset({C}), C),
    Action.START: (frozenset({C}), S),
    # Clerks often skip "start"; finishing a called ticket is still a served citizen.
    Action.FINISH: (frozenset({C, S}), D),
    Action.NO_SHOW: (frozenset({C}), N),
    Action.PARK: (frozenset({C, S}), P),
    Action.TRANSFER: (frozenset({C, S, P}), T),
    Action.CANCEL: (frozenset({W, P}), X),
}


def check(ticket: Ticket, action: Action) -> TicketState:
    """The state `action` leads to from the ticket's state, or IllegalTransition."""
    sources, target = TRANSITIONS[action]
    if ticket.state not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"ticket {ticket.number} is {ticket.state.value}; '{action.value}' needs it to be {allowed}"
        )
    return target


def apply(ticket: Ticket, action: Action, now: datetime, *, counter_id: int | None = None) -> Ticket:
    """The ticket after `action` at `now` (pure; the store persists it with a compare-and-set)."""
    target = check(ticket, action)
    if action is Action.CALL:
        # A waiting ticket is called for the first time (a ticket never waits again: a transfer continues the
        # visit in a new one); a parked one called back keeps its first call.
        first = now if ticket.state is W else ticket.first_called_at or now
        return replace(
            ticket,
            state=target,
            counter_id=counter_id,
            called_at=now,
            first_called_at=first,
            recalls=0,
            target_counter_id=None,
        )
    if action is Action.RECALL:  # `called_at` is the last call (the no-show delay counts from it)
        return replace(ticket, recalls=ticket.recalls + 1, called_at=now)
    if action is Action.START:
        return replace(ticket, state=target, started_at=now)
    if action in (Action.FINISH, Action.NO_SHOW, Action.TRANSFER, Action.CANCEL):
        return replace(ticket, state=target, finished_at=now)
    if action is Action.PARK:
        return replace(ticket, state=target)
    raise AssertionError(action)  # pragma: no cover - every Action is handled above


class CounterAction(enum.StrEnum):
    OPEN = "open"
    PAUSE = "pause"
    RESUME = "resume"
    CLOSE = "close"


_O, _P, _C = CounterState.OPEN, CounterState.PAUSED, CounterState.CLOSED

COUNTER_TRANSITIONS: dict[CounterAction, tuple[frozenset[CounterState], CounterState]] = {
    CounterAction.OPEN: (frozenset({_C}), _O),
    CounterAction.PAUSE: (frozenset({_O}), _P),
    CounterAction.RESUME: (frozenset({_P}), _O),
    CounterAction.CLOSE: (frozenset({_O, _P}), _C),
}


def apply_counter(counter: Counter, action: CounterAction, *, reason: str | None = None) -> Counter:
    sources, target = COUNTER_TRANSITIONS[action]
    if counter.state not in sources:
        allowed = ", ".join(sorted(s.value for s in sources))
        raise IllegalTransition(
            f"counter {counter.name} is {counter.state.value}; '{action.value}' needs it to be {allowed}"
        )
    # Closing ends the clerk's day: the next one starts serving every skill again.
    serving = None if action is CounterAction.CLOSE else counter.serving
    return replace(
        counter, state=target, pause_reason=reason if action is CounterAction.PAUSE else None, serving=serving
    )
