"""How long a waiting citizen is told they will wait."""

from __future__ import annotations

import pytest

from scheduler.estimate import estimate_for_position, estimate_waits, wait_range
from scheduler.model import Counter, CounterState
from tests.scheduler.conftest import OFFICE, at, make_ticket

DURATIONS = {"A": 600, "B": 900, "C": 300}


def counters(state_1: CounterState, state_2: CounterState, state_3: CounterState = CounterState.OPEN) -> list[Counter]:
    return [
        Counter(1, OFFICE, "Loket 1", frozenset({"A", "B"}), state=state_1),
        Counter(2, OFFICE, "Loket 2", frozenset({"A"}), state=state_2),
        Counter(3, OFFICE, "Loket 3", frozenset({"C"}), state=state_3),
    ]


@pytest.mark.parametrize(
    ("ahead", "able", "idle", "duration_s", "seconds"),
    [
        (0, 1, 1, 600, 0),  # an idle counter takes you at once
        (1, 2, 2, 600, 0),  # two idle counters, one person ahead: still at once
        (2, 2, 2, 600, 300),  # both idle counters get the two ahead; the first to finish takes you
        (0, 1, 0, 600, 600),  # the only counter is busy
        (0, 2, 0, 600, 300),  # two busy counters finish, on average, twice as fast
        (3, 2, 1, 600, 900),  # one goes to the idle counter, three services to share over two
        (4, 1, 0, 900, 4500),
        (0, 0, 0, 300, 300),  # nobody staffed: counted as one counter rather than dividing by zero
        (1, 3, 0, 1000, 667),  # rounded to whole seconds
    ],
)
def test_wait_is_the_people_who_cannot_go_to_an_idle_counter_spread_over_the_able_counters(
    ahead: int, able: int, idle: int, duration_s: int, seconds: int
) -> None:
    assert estimate_for_position(ahead, able, idle, duration_s) == seconds


def test_each_service_has_its_own_line_and_duration() -> None:
    waiting = [
        make_ticket("A", at(1), id=1),
        make_ticket("A", at(2), id=2),
        make_ticket("B", at(3), id=3),
        make_ticket("C", at(4), id=4),
    ]
    # Loket 1 (A, B) busy, Loket 2 (A) idle, Loket 3 (C) busy.
    result = estimate_waits(waiting, counters(CounterState.OPEN, CounterState.OPEN), {1, 3}, DURATIONS, at(5))
    assert result == {1: 0, 2: 600 // 2, 3: 900, 4: 300}


def test_paused_counter_can_be_waited_for_but_is_not_idle() -> None:
    waiting = [make_ticket("A", at(1), id=1)]
    paused = estimate_waits(waiting, counters(CounterState.OPEN, CounterState.PAUSED), {1}, DURATIONS, at(5))
    closed = estimate_waits(waiting, counters(CounterState.OPEN, CounterState.CLOSED), {1}, DURATIONS, at(5))
    idle = estimate_waits(waiting, counters(CounterState.OPEN, CounterState.OPEN), {1}, DURATIONS, at(5))
    assert (idle, paused, closed) == ({1: 0}, {1: 300}, {1: 600})


def test_position_follows_the_calling_order() -> None:
    walk_in = make_ticket("A", at(1), id=1)
    due_appointment = make_ticket("A", at(2), id=2, slot=at(6))
    result = estimate_waits(
        [walk_in, due_appointment], counters(CounterState.OPEN, CounterState.CLOSED), {1}, DURATIONS, at(5)
    )
    assert result == {2: 600, 1: 1200}


def test_a_service_without_a_known_duration_counts_ten_minutes() -> None:
    waiting = [make_ticket("Z", at(1), id=1)]
    staffed = [Counter(9, OFFICE, "Loket 9", frozenset({"Z"}), state=CounterState.OPEN)]
    assert estimate_waits(waiting, staffed, {9}, DURATIONS, at(2)) == {1: 600}


def test_nobody_waiting_means_no_estimates() -> None:
    assert estimate_waits([], counters(CounterState.OPEN, CounterState.OPEN), set(), DURATIONS, at(1)) == {}


@pytest.mark.parametrize(
    ("wait", "ahead", "duration", "counters", "expected"),
    [
        (0, 0, 600, 2, (0, 384)),  # called at once, unless the counter is taken first
        (1200, 3, 600, 2, (431, 1969)),  # 1.2816 x 600 x sqrt(4) / 2 = 769
        (300, 8, 300, 1, (0, 1453)),  # never below zero
        (600, 0, 600, 0, (0, 1369)),  # no counter open: as if one
    ],
)
def test_the_announced_range_widens_with_the_people_ahead_and_narrows_with_counters(
    wait: int, ahead: int, duration: int, counters: int, expected: tuple[int, int]
) -> None:
    assert wait_range(wait, ahead, duration, counters) == expected


def test_the_forecast_keeps_a_ticket_sent_to_one_counter_for_that_counter() -> None:
    from datetime import UTC, datetime, timedelta

    from scheduler.estimate import forecast
    from scheduler.model import Counter, CounterState, QueueEntry, TicketKind
    from scheduler.routing import Floor, appointments_first

    now = datetime(2026, 3, 2, 9, tzinfo=UTC)
    one = Counter(1, "o", "1", frozenset({"A"}), CounterState.OPEN)
    two = Counter(2, "o", "2", frozenset({"A"}), CounterState.OPEN)
    sent = QueueEntry(1, "A", TicketKind.WALKIN, now - timedelta(minutes=9), target_counter_id=2)
    other = QueueEntry(2, "A", TicketKind.WALKIN, now - timedelta(minutes=1))
    floor = Floor((one, two), {1: now, 2: now + timedelta(minutes=4)}, {"A": 600})
    # Counter 1 is free first but may not take the sent ticket: it takes the other; counter 2 takes
    # its own when it is free, four minutes from now.
    assert forecast([sent, other], floor, now, appointments_first) == {2: 0, 1: 240}
