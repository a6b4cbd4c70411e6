"""What the `loket` policy does with remote joiners (issue 15): nobody is called before walking in, a joiner
keeps the place taken when joining, and one who walked in goes before walk-ins who can still be served in time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from scheduler.model import Counter, CounterState, QueueEntry, TicketKind
from scheduler.routing import STARVATION_BOUND, Floor, loket, place_since, walked_in_later

NOW = datetime(2026, 3, 3, 9, tzinfo=UTC)
COUNTER = Counter(1, "town", "1", frozenset({"A"}), CounterState.OPEN)
FLOOR = Floor(counters=(COUNTER,))


def walkin(id: int, minutes_ago: float) -> QueueEntry:
    return QueueEntry(id, "A", TicketKind.WALKIN, NOW - timedelta(minutes=minutes_ago))


def joiner(id: int, joined_minutes_ago: float, walked_in_minutes_ago: float | None) -> QueueEntry:
    arrived = None if walked_in_minutes_ago is None else NOW - timedelta(minutes=walked_in_minutes_ago)
    return QueueEntry(id, "A", TicketKind.REMOTE, NOW - timedelta(minutes=joined_minutes_ago), arrived_at=arrived)


def order(*waiting: QueueEntry) -> list[int]:
    return [t.id for t in loket(COUNTER, list(waiting), NOW, FLOOR)]


def test_the_loket_policy_passes_over_a_remote_joiner_who_is_not_here() -> None:
    assert order(joiner(1, 40, None), walkin(2, 1)) == [2]


def test_a_remote_joiner_who_walked_in_holds_the_place_taken_when_joining() -> None:
    # Joined 25 minutes ago, in the room for 1: ahead of a walk-in who has waited 20 (both past the bound).
    assert place_since(joiner(1, 25, 1)) == NOW - timedelta(minutes=25)
    assert order(walkin(2, 20), joiner(1, 25, 1)) == [1, 2]
    # ...but behind one who has waited longer than they have been in the queue.
    assert order(walkin(2, 30), joiner(1, 25, 1)) == [2, 1]


def test_a_remote_joiner_who_walked_in_goes_before_walk_ins_still_within_their_five_minutes() -> None:
    fresh = joiner(1, 10, 0.5)
    assert walked_in_later(fresh)
    assert order(walkin(2, 4), fresh) == [1, 2]
    # A walk-in past the starvation bound still goes first.
    assert order(walkin(3, STARVATION_BOUND.total_seconds() / 60), fresh) == [3, 1]


def test_a_joiner_checked_in_at_the_moment_of_joining_is_ranked_like_a_walk_in() -> None:
    # The forecast plays joiners on their way as if in the room since joining: then they are ordinary walk-ins.
    same = joiner(1, 3, 3)
    assert not walked_in_later(same)
    assert order(same, walkin(2, 4)) == [2, 1]
