"""Remote joiners in the day simulator (issue 15, item 7): who joins from elsewhere, when they walk in, that
nobody calls them before, and the metrics counted from entering the room."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from scheduler import remote, routing
from scheduler import simulate as replay
from scheduler.errors import Invalid
from scheduler.model import PROMISE, Counter, CounterState, QueueEntry, TicketKind
from scheduler.simulate import (
    LATE_S,
    LATE_SHARE,
    NEVER_SHARE,
    ON_TIME_SPREAD_S,
    arrival_spread_s,
    is_remote,
    simulate,
    travel_s,
)
from tests.scheduler.test_simulate import ONE_COUNTER, day, office

IDS = [str(i) for i in range(1, 4001)]


def test_remote_share_is_chosen_deterministically_by_id() -> None:
    chosen = [i for i in IDS if is_remote(i, 0.25)]
    assert chosen == [i for i in IDS if is_remote(i, 0.25)]
    assert abs(len(chosen) / len(IDS) - 0.25) < 0.03
    # Somebody remote at a share stays remote at every larger one.
    assert set(chosen) <= {i for i in IDS if is_remote(i, 0.5)}
    assert not any(is_remote(i, 0.0) for i in IDS)
    assert all(is_remote(i, 1.0) for i in IDS)


def test_trips_are_whole_minutes_within_the_range_and_the_same_every_time() -> None:
    trips = [travel_s(i, 5 * 60, 30 * 60) for i in IDS]
    assert trips == [travel_s(i, 5 * 60, 30 * 60) for i in IDS]
    assert all(300 <= t <= 1800 and t % 60 == 0 for t in trips)
    assert len(set(trips)) > 20
    assert {travel_s(i, 600, 600) for i in IDS[:50]} == {600}


def test_a_documented_share_comes_late_or_never_and_the_others_about_on_time() -> None:
    spreads = [arrival_spread_s(i) for i in IDS]
    never = sum(1 for s in spreads if s is None) / len(IDS)
    late = sum(1 for s in spreads if s is not None and s >= LATE_S[0]) / len(IDS)
    assert abs(never - NEVER_SHARE) < 0.02
    assert abs(late - LATE_SHARE) < 0.02
    on_time = [s for s in spreads if s is not None and s < LATE_S[0]]
    assert all(ON_TIME_SPREAD_S[0] <= s <= ON_TIME_SPREAD_S[1] for s in on_time)


def remote_ids(rows: int, share: float) -> list[str]:
    return [str(i) for i in range(1, rows + 1) if is_remote(str(i), share)]


def test_in_the_replay_no_remote_joiner_is_called_before_walking_in() -> None:
    rows = [f"{i},walkin,A,09:{i:02d}:00,,300," for i in range(1, 40)]
    result = simulate(office(("1", "A", "09:00-13:00"), ("2", "A", "09:00-13:00")), day(*rows), remote_share=0.5)
    joiners = [c for c in result.citizens if c.kind is TicketKind.REMOTE]
    assert joiners
    assert any(c.entered_at is not None for c in joiners)
    for c in joiners:
        if c.called_at is not None:
            assert c.entered_at is not None, c
            assert c.called_at >= c.entered_at, c


def test_remote_joiners_are_the_walk_ins_chosen_by_id_with_their_trip() -> None:
    rows = [f"{i},walkin,A,09:{i:02d}:00,,120," for i in range(1, 30)]
    result = simulate(ONE_COUNTER, day(*rows, "99,appointment,B,09:20:00,09:30:00,60,"), remote_share=0.5)
    joined = [c.id for c in result.citizens if c.kind is TicketKind.REMOTE]
    assert joined == [i for i in remote_ids(29, 0.5)]
    assert all(c.travel_s == travel_s(c.id, 300, 1800) for c in result.citizens if c.kind is TicketKind.REMOTE)
    assert next(c for c in result.citizens if c.id == "99").kind is TicketKind.APPOINTMENT


def test_a_joiner_whose_turn_is_now_sets_off_at_once_and_is_called_on_walking_in() -> None:
    # Nobody else waits: the turn is now, so they are told to come when they join, and walk in after the trip.
    joiner = next(i for i in IDS if is_remote(i, 0.5) and 0 < (arrival_spread_s(i) or 0) < 200)
    result = simulate(ONE_COUNTER, day(f"{joiner},walkin,A,09:00:00,,60,"), remote_share=0.5, travel_min=(10, 10))
    (c,) = result.citizens
    assert c.kind is TicketKind.REMOTE
    assert c.arrival is not None
    assert c.entered_at is not None
    assert c.entered_at - c.arrival == timedelta(seconds=600 + (arrival_spread_s(joiner) or 0))
    assert c.called_at == c.entered_at
    assert c.in_room_wait_s == 0
    metrics = result.metrics()
    assert metrics["remote_count"] == 1
    assert metrics["remote_in_room_sl5"] == 1.0
    assert metrics["walkins"] == 0


def test_a_joiner_who_never_comes_becomes_a_no_show_after_the_grace_and_counts_as_missed() -> None:
    never = next(i for i in IDS if is_remote(i, 1.0) and arrival_spread_s(i) is None)
    result = simulate(ONE_COUNTER, day(f"{never},walkin,A,09:00:00,,60,"), remote_share=1.0, travel_min=(10, 10))
    (c,) = result.citizens
    assert c.missed
    assert c.called_at is None
    assert c.entered_at is None
    assert c.arrival is not None
    assert c.left_at is not None
    # Told to come at 09:00 (no one ahead): the trip (10 min) and the grace (10 min), then the next round.
    assert timedelta(minutes=20) < c.left_at - c.arrival <= timedelta(minutes=20, seconds=replay.KEEP_CURRENT_S)
    metrics = result.metrics()
    assert metrics["remote_missed"] == 1
    assert metrics["remote_in_room_sl5"] is None
    assert metrics["served"] == 0
    assert metrics["abandoned"] == 1


def test_a_joiner_told_to_come_later_sets_off_when_the_server_tells_them() -> None:
    # Ten walk-ins of 10 min each ahead on one counter: the joiner's turn is far, they are told later.
    rows = [f"w{i},walkin,A,09:00:{i:02d},,600," for i in range(10)]
    joiner = next(i for i in IDS if is_remote(i, 0.01) and arrival_spread_s(i) is not None)
    result = simulate(ONE_COUNTER, day(*rows, f"{joiner},walkin,A,09:01:00,,60,"), remote_share=0.01)
    c = next(c for c in result.citizens if c.id == joiner)
    assert c.kind is TicketKind.REMOTE
    assert c.entered_at is not None
    assert c.arrival is not None
    assert c.travel_s is not None
    assert c.entered_at - c.arrival > timedelta(seconds=c.travel_s + 600)  # did not set off on joining


def test_the_in_room_metrics_count_everybody_from_entering_the_room() -> None:
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,"))
    metrics = result.metrics()
    assert metrics["in_room_sl5"] == 0.5
    assert metrics["remote_count"] == 0
    assert metrics["remote_missed"] == 0
    assert metrics["remote_in_room_sl5"] is None


def test_walk_ins_in_person_are_counted_from_check_in_and_joiners_apart() -> None:
    rows = [f"{i},walkin,A,09:{i:02d}:00,,240," for i in range(1, 50)]
    scenario = office(("1", "A", "09:00-13:00"), ("2", "A", "09:00-13:00"))
    result = simulate(scenario, day(*rows), remote_share=0.5)
    metrics = result.metrics()
    in_person = [c for c in result.citizens if c.kind is TicketKind.WALKIN]
    joiners = [c for c in result.citizens if c.kind is TicketKind.REMOTE]
    assert metrics["walkins"] == len(in_person)
    assert metrics["remote_count"] == len(joiners)
    on_time = sum(1 for c in in_person if c.wait_s is not None and c.served and c.wait_s <= PROMISE.total_seconds())
    assert metrics["walkin_sl5"] == on_time / len(in_person)
    entered = [c for c in joiners if c.entered_at is not None]
    in_time = sum(1 for c in entered if c.served and (c.in_room_wait_s or 0) <= PROMISE.total_seconds())
    assert metrics["remote_in_room_sl5"] == in_time / len(entered)
    assert metrics["remote_missed"] == sum(1 for c in joiners if c.missed)


def test_a_remote_replay_is_the_same_every_time() -> None:
    rows = [f"{i},walkin,{'AB'[i % 2]},09:{i:02d}:00,,300," for i in range(1, 50)]
    first = simulate(ONE_COUNTER, day(*rows), remote_share=0.5)
    assert first == simulate(ONE_COUNTER, day(*rows), remote_share=0.5)


@pytest.mark.parametrize(
    ("kwargs", "match"), [({"remote_share": 1.5}, "between 0 and 1"), ({"travel_min": (30, 5)}, "A-B")]
)
def test_a_bad_remote_setting_is_refused(kwargs: dict[str, object], match: str) -> None:
    with pytest.raises(Invalid, match=match):
        simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,"), **kwargs)  # type: ignore[arg-type]


def test_the_come_margin_is_the_promise() -> None:
    # What the replay's remote joiners are told rests on it (scheduler/remote.py).
    assert remote.COME_MARGIN == PROMISE


def test_no_policy_ranks_a_remote_joiner_who_is_not_here() -> None:
    now = datetime(2026, 3, 3, 9, tzinfo=UTC)
    away = QueueEntry(1, "A", TicketKind.REMOTE, now - timedelta(minutes=30))
    here = QueueEntry(2, "A", TicketKind.REMOTE, now - timedelta(minutes=30), arrived_at=now)
    counter = Counter(1, "town", "1", frozenset({"A"}), CounterState.OPEN)
    for policy in routing.POLICIES.values():
        assert [t.id for t in policy(counter, [away, here], now, routing.Floor(counters=(counter,)))] == [2]
