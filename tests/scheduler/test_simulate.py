"""The day simulator: hand-made days whose every wait is known, the metric definitions of FORMAT.md,
determinism, and every workload of ../shared/workloads replayed with every policy."""

from __future__ import annotations

import tomllib
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from scheduler import routing
from scheduler.errors import Invalid
from scheduler.model import TicketKind
from scheduler.scenario import Scenario, parse_scenario
from scheduler.simulate import (
    DEFAULT_DAY,
    CitizenRecord,
    SimulationResult,
    ql_estimate,
    simulate,
    summarize,
)
from scheduler.workload import Arrival, parse_arrivals
from tests.conftest import workload_days, workloads

BRUSSELS = ZoneInfo("Europe/Brussels")


def office(*counters: tuple[str, str, str], durations: str = "A:600 B:300") -> Scenario:
    """An office from (name, skills, shifts) like ("1", "A B", "09:00-12:00 13:00-17:00")."""
    services = [{"code": code, "mean_duration_s": int(s)} for code, s in (d.split(":") for d in durations.split())]
    return parse_scenario(
        {
            "name": "town",
            "service": services,
            "counter": [
                {"name": name, "services": skills.split(), "shifts": [s.split("-") for s in shifts.split()]}
                for name, skills, shifts in counters
            ],
        }
    )


def day(*rows: str) -> tuple[Arrival, ...]:
    """Rows of the arrivals CSV: id,kind,service,arrival,slot,duration_s,patience_s."""
    return parse_arrivals(["id,kind,service,arrival,slot,duration_s,patience_s", *rows])


def local(moment: datetime | None) -> str | None:
    return moment.astimezone(BRUSSELS).strftime("%H:%M:%S") if moment else None


def calls(result: SimulationResult) -> dict[str, tuple[str | None, str | None]]:
    """Citizen id -> (local call time, counter)."""
    return {c.id: (local(c.called_at), c.counter) for c in result.citizens}


def waits(result: SimulationResult) -> dict[str, float | None]:
    return {c.id: c.wait_s for c in result.citizens}


ONE_COUNTER = office(("1", "A B", "09:00-17:00"))


# --- waits as FORMAT.md defines them -----------------------------------------------------------------


def test_a_walkins_wait_runs_from_check_in_to_the_call() -> None:
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,"))
    assert calls(result) == {"1": ("09:00:00", "1"), "2": ("09:10:00", "1")}
    assert waits(result) == {"1": 0, "2": 540}


@pytest.mark.parametrize(
    ("arrival", "slot", "called", "wait"),
    [
        ("08:50:00", "09:20:00", "09:00:00", 0),  # early, called before the slot: never below 0
        ("09:00:00", "09:05:00", "09:10:00", 300),  # early: from the slot, not from check-in
        ("09:07:00", "09:05:00", "09:10:00", 180),  # late: from check-in, not from the slot
    ],
)
def test_an_appointments_wait_runs_from_the_later_of_check_in_and_slot(
    arrival: str, slot: str, called: str, wait: float
) -> None:
    # fifo: the walk-in who came at 08:55 keeps the counter busy 09:00-09:10 unless the appointment came first.
    arrivals = day("0,walkin,B,08:55:00,,600,", f"1,appointment,A,{arrival},{slot},300,")
    record = simulate(ONE_COUNTER, arrivals, "fifo").citizens[1]
    assert (local(record.called_at), record.wait_s) == (called, wait)


def test_a_walkin_whose_patience_runs_out_leaves_and_counts_as_not_called_in_time() -> None:
    result = simulate(
        ONE_COUNTER,
        day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,60", "3,walkin,A,09:02:00,,60,"),
    )
    left = next(c for c in result.citizens if c.id == "2")
    assert (left.abandoned, left.served, local(left.left_at), left.wait_s) == (True, False, "09:02:00", 60)
    metrics = result.metrics()
    assert (metrics["served"], metrics["abandoned"], metrics["came"]) == (2, 1, 3)
    assert metrics["walkin_sl5"] == pytest.approx(1 / 3)  # only the first; the third waited 8 min
    assert calls(result)["3"] == ("09:10:00", "1")  # the one who left no longer holds a place


@pytest.mark.parametrize(
    ("patience", "outcome"),
    [
        (299, "left at 09:09:59"),
        (300, "left at 09:10:00"),  # patience ends as the counter frees: gone before anybody is called
        (301, "called at 09:10:00"),
        ("", "called at 09:10:00"),  # no patience: waits as long as it takes
    ],
)
def test_patience_runs_out_before_the_calls_of_the_same_second(patience: int | str, outcome: str) -> None:
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", f"2,walkin,A,09:05:00,,60,{patience}"))
    second = next(c for c in result.citizens if c.id == "2")
    happened = f"called at {local(second.called_at)}" if second.served else f"left at {local(second.left_at)}"
    assert happened == outcome


def test_no_show_appointments_do_not_count_as_having_come() -> None:
    result = simulate(ONE_COUNTER, day("1,appointment,A,,09:00:00,600,", "2,appointment,A,09:29:00,09:30:00,600,"))
    no_show = result.citizens[0]
    assert (no_show.came, no_show.wait_s, no_show.called_at, no_show.abandoned) == (False, None, None, False)
    metrics = result.metrics()
    assert (metrics["came"], metrics["no_shows"], metrics["appointments"]) == (1, 1, 1)
    assert metrics["appointment_punctuality"] == 1.0
    assert metrics["walkin_sl5"] is None  # no walk-in came: nothing to count


def test_a_counter_busy_at_the_end_of_its_shift_finishes_first_then_closes_until_its_next_shift() -> None:
    counter = office(("1", "A", "09:00-09:10 09:30-10:00"))
    result = simulate(counter, day("1,walkin,A,09:05:00,,600,", "2,walkin,A,09:06:00,,60,"))
    # Citizen 1 is served 09:05-09:15, past the end of the shift; nobody else is called until 09:30.
    assert calls(result) == {"1": ("09:05:00", "1"), "2": ("09:30:00", "1")}


def test_whoever_still_waits_when_no_counter_will_open_again_is_sent_home() -> None:
    counter = office(("1", "A", "09:00-09:10"))
    result = simulate(counter, day("1,walkin,A,09:05:00,,600,", "2,walkin,A,09:06:00,,60,", "3,walkin,A,11:00:00,,60,"))
    sent = {c.id: (c.sent_home, local(c.left_at), c.wait_s) for c in result.citizens if c.abandoned}
    assert sent == {"2": (True, "09:15:00", 540), "3": (True, "11:00:00", 0)}
    metrics = result.metrics()
    assert metrics["served"] + metrics["abandoned"] == metrics["came"] == 3  # type: ignore[operator]
    assert metrics["sent_home"] == 2


def test_counters_open_at_the_start_of_their_shift_only() -> None:
    result = simulate(office(("1", "A", "09:00-10:00")), day("1,walkin,A,08:50:00,,600,"))
    assert calls(result) == {"1": ("09:00:00", "1")}
    assert waits(result) == {"1": 600}


def test_touching_shifts_are_one_open_period() -> None:
    result = simulate(
        office(("1", "A", "09:00-09:10 09:10-10:00")), day("1,walkin,A,09:05:00,,600,", "2,walkin,A,09:06:00,,60,")
    )
    assert calls(result)["2"] == ("09:15:00", "1")


def test_only_counters_with_the_skill_call_a_citizen() -> None:
    two = office(("1", "B", "09:00-10:00"), ("2", "A", "09:00-10:00"))
    result = simulate(two, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,"))
    assert calls(result) == {"1": ("09:00:00", "2"), "2": ("09:10:00", "2")}


# --- the order of events at one instant ---------------------------------------------------------------


def test_a_counter_freed_at_the_instant_someone_checks_in_calls_the_one_who_waited_longest() -> None:
    result = simulate(
        ONE_COUNTER,
        day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:05:00,,60,", "3,walkin,A,09:10:00,,60,"),
        "fifo",
    )
    assert calls(result) == {"1": ("09:00:00", "1"), "2": ("09:10:00", "1"), "3": ("09:11:00", "1")}


@pytest.mark.parametrize(
    ("first_service_s", "expected_counter"),
    [
        (0, "1"),  # both idle since 09:00, a tie: scenario order
        (60, "2"),  # counter 1 served until 09:01, counter 2 is idle since 09:00: it calls
    ],
)
def test_the_counter_idle_longest_calls_first(first_service_s: int, expected_counter: str) -> None:
    two = office(("1", "A", "09:00-10:00"), ("2", "A", "09:00-10:00"))
    result = simulate(two, day(f"1,walkin,A,09:00:00,,{first_service_s},", "2,walkin,A,09:30:00,,60,"))
    assert calls(result)["1"] == ("09:00:00", "1")
    assert calls(result)["2"] == ("09:30:00", expected_counter)


def test_policies_decide_who_is_called_appointments_first_versus_fifo() -> None:
    arrivals = day(
        "0,walkin,A,09:00:00,,600,",
        "1,walkin,A,09:01:00,,60,",
        "2,appointment,A,09:02:00,09:10:00,60,",
    )
    assert calls(simulate(ONE_COUNTER, arrivals, "fifo"))["1"] == ("09:10:00", "1")
    assert calls(simulate(ONE_COUNTER, arrivals, "appointments-first"))["2"] == ("09:10:00", "1")


# --- metrics -----------------------------------------------------------------------------------------


def test_the_five_minute_line_is_inclusive() -> None:
    result = simulate(
        ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:05:00,,60,", "3,walkin,A,09:04:59,,60,")
    )
    assert waits(result) == {"1": 0, "2": 360, "3": 301}
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:05:00,,60,"))
    assert result.metrics()["walkin_sl5"] == 1.0  # 0 s and exactly 300 s


def test_metrics_over_a_small_day() -> None:
    result = simulate(
        ONE_COUNTER,
        day(
            "1,walkin,A,09:00:00,,600,",  # wait 0
            "2,walkin,A,09:01:00,,300,",  # called 09:10: 540
            "3,appointment,B,09:14:00,09:15:00,60,",  # called 09:15 by appointments-first: 0
            "4,walkin,A,09:02:00,,60,30",  # leaves at 09:02:30: 30
            "5,appointment,A,,09:30:00,60,",  # never came
        ),
        "appointments-first",
    )
    metrics = result.metrics()
    assert metrics == {
        "policy": "appointments-first",
        "came": 4,
        "no_shows": 1,
        "served": 3,
        "abandoned": 1,
        "sent_home": 0,
        "walkins": 3,
        "appointments": 1,
        "walkin_sl5": pytest.approx(1 / 3),
        "appointment_punctuality": 1.0,
        "mean_wait_s": pytest.approx((0 + 540 + 0 + 30) / 4),
        "p95_wait_s": 540.0,
        "max_wait_s": 540.0,
        "estimate_mae_s": metrics["estimate_mae_s"],
        "estimate_mae_ql_s": metrics["estimate_mae_ql_s"],
        "estimate_in_range": metrics["estimate_in_range"],
        "timed_returns": 0,
        "in_room_walkin_sl5": pytest.approx(1 / 3),
        "in_room_mean_wait_s": pytest.approx((0 + 540 + 0 + 30) / 4),
        "in_room_max_wait_s": 540.0,
        "in_room_sl5": 0.5,  # 1 and 3 in time, 2 and 4 not
        "remote_count": 0,
        "remote_missed": 0,
        "remote_in_room_sl5": None,
    }
    in_range = metrics["estimate_in_range"]
    assert isinstance(in_range, int | float)
    assert 0 <= in_range <= 1
    assert metrics["estimate_mae_s"] is not None
    assert metrics["estimate_mae_ql_s"] is not None


def test_the_announced_estimate_is_what_the_kiosk_would_be_told() -> None:
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,"))
    first, second = result.citizens
    assert first.estimate_s == 0  # an idle counter
    assert second.estimate_s == 540  # the forecast: counter 1 is free at 09:10 (planned 600 s)
    # Queue-length baseline: (0 ahead + 1) × 600 s ÷ 1 open counter with the skill.
    assert (first.estimate_ql_s, second.estimate_ql_s) == (600, 600)
    assert result.metrics()["estimate_mae_s"] == 0
    assert result.metrics()["estimate_mae_ql_s"] == (600 + 60) / 2


@pytest.mark.parametrize(
    ("ahead", "open_counters", "mean_s", "expected"),
    [(0, 1, 600, 600), (3, 2, 600, 1200), (4, 3, 180, 300)],
)
def test_the_queue_length_baseline(ahead: int, open_counters: int, mean_s: float, expected: float) -> None:
    assert ql_estimate(ahead, open_counters, mean_s) == expected


def test_the_queue_length_baseline_before_opening_counts_from_the_opening() -> None:
    two = office(("1", "A", "09:00-10:00"), ("2", "A", "09:00-10:00"), ("3", "A", "09:30-10:00"))
    result = simulate(two, day("1,walkin,A,08:50:00,,60,", "2,walkin,A,08:51:00,,60,"))
    # At 08:51 nobody is open: 9 min until 09:00, then (1 ahead + 1) × 600 s ÷ 2 counters.
    assert result.citizens[1].estimate_ql_s == 540 + 600


def test_pooled_days_summarize_like_one() -> None:
    first = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,60,"))
    second = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,60,"))
    pooled = summarize([*first.citizens, *second.citizens], "fifo")
    assert (pooled["came"], pooled["mean_wait_s"], pooled["max_wait_s"]) == (3, 540 / 3, 540)


# --- what it refuses ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("scenario", "arrivals", "policy", "message"),
    [
        (ONE_COUNTER, day("1,walkin,A,09:00:00,,60,"), "fastest", "unknown policy 'fastest'"),
        (ONE_COUNTER, day("1,walkin,Z,09:00:00,,60,"), "fifo", "line 2 (id 1): service 'Z' is not a service"),
        (office(("1", "A", "09:00-10:00")), day("1,walkin,B,09:00:00,,60,"), "fifo", "no counter of town serves"),
        (office(("1", "A", "10:00-09:00")), day(), "fifo", "counter 1: shift 10:00:00-09:00:00 ends before"),
    ],
)
def test_a_day_that_cannot_be_replayed_is_refused_with_a_reason(
    scenario: Scenario, arrivals: tuple[Arrival, ...], policy: str, message: str
) -> None:
    with pytest.raises(Invalid) as refused:
        simulate(scenario, arrivals, policy)
    assert message in refused.value.detail


def test_an_empty_day_has_no_waits() -> None:
    metrics = simulate(ONE_COUNTER, ()).metrics()
    assert (metrics["came"], metrics["mean_wait_s"], metrics["p95_wait_s"]) == (0, None, None)


# --- determinism and the shared workloads -------------------------------------------------------------


def load(csv_path: Path) -> tuple[Scenario, tuple[Arrival, ...]]:
    workloads()
    scenario = parse_scenario(tomllib.loads(csv_path.with_suffix(".toml").read_text(encoding="utf-8")))
    with csv_path.open(newline="", encoding="utf-8") as f:
        return scenario, parse_arrivals(f)


@pytest.mark.parametrize("policy", sorted(routing.POLICIES))
def test_the_same_day_replayed_twice_gives_the_same_result(policy: str) -> None:
    scenario, arrivals = load(workloads() / "commune" / "commune-calm.csv")
    first, second = simulate(scenario, arrivals, policy), simulate(scenario, arrivals, policy)
    assert first == second
    assert first.metrics() == second.metrics()


@pytest.mark.parametrize("policy", sorted(routing.POLICIES))
@pytest.mark.parametrize("path", workload_days(), ids=lambda p: p.stem)
def test_every_shared_workload_replays_and_accounts_for_everyone_who_came(path: Path, policy: str) -> None:
    scenario, arrivals = load(path)
    result = simulate(scenario, arrivals, policy)
    metrics = result.metrics()
    assert metrics["came"] == sum(1 for a in arrivals if a.came)
    assert metrics["served"] + metrics["abandoned"] == metrics["came"]  # type: ignore[operator]
    assert len(result.citizens) == len(arrivals)
    assert all(c.wait_s is not None and c.wait_s >= 0 for c in result.citizens if c.came)
    assert all(c.estimate_s is not None for c in result.citizens if c.came)
    # Walk-ins with a patience never wait longer than it, unless sent home when the office closed.
    patience = {a.id: a.patience_s for a in arrivals}
    for c in result.citizens:
        limit = patience[c.id]
        if c.kind is TicketKind.WALKIN and limit is not None and not c.sent_home:
            assert c.wait_s is not None
            assert c.wait_s <= limit, c


def calm_day_metrics(policy: str) -> dict[str, float]:
    scenario, arrivals = load(workloads() / "commune" / "commune-calm.csv")
    metrics = simulate(scenario, arrivals, policy).metrics()
    return {k: float(v) for k, v in metrics.items() if isinstance(v, int | float)}


def test_on_the_calm_day_loket_calls_no_fewer_walk_ins_within_five_minutes_than_appointments_first() -> None:
    # docs/benchmarks.md: loket 86.8%, appointments-first 79.5%, both 100% of the appointments.
    loket, appointments_first = calm_day_metrics("loket"), calm_day_metrics("appointments-first")
    assert loket["walkin_sl5"] >= appointments_first["walkin_sl5"]
    assert loket["appointment_punctuality"] >= appointments_first["appointment_punctuality"]


@pytest.mark.parametrize("policy", sorted(routing.POLICIES))
def test_on_the_calm_commune_day_the_announced_wait_beats_the_queue_length_baseline(policy: str) -> None:
    # docs/benchmarks.md: an error of 88-97 s against the baseline's 187-191 s.
    metrics = calm_day_metrics(policy)
    assert metrics["estimate_mae_s"] < metrics["estimate_mae_ql_s"]


@pytest.mark.parametrize("policy", sorted(routing.POLICIES))
def test_on_the_calm_commune_day_the_announced_80_percent_range_holds_at_least_80_percent_of_the_waits(
    policy: str,
) -> None:
    # docs/benchmarks.md: 84.9-87.0% of the served citizens' waits fell inside the range they were told.
    assert calm_day_metrics(policy)["estimate_in_range"] >= 0.8


def test_times_are_of_the_fixed_day_in_the_office_time_zone() -> None:
    record: CitizenRecord = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,60,")).citizens[0]
    assert record.arrival == datetime.combine(DEFAULT_DAY, time(9), tzinfo=BRUSSELS)
    assert record.arrival is not None
    assert str(record.arrival.tzinfo) == "UTC"


def test_a_counter_its_policy_leaves_idle_asks_again_while_someone_it_may_serve_waits(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opens_at = datetime.combine(DEFAULT_DAY, time(9, 2), tzinfo=BRUSSELS)

    def hold_until_nine_o_two(counter, waiting, now, floor):  # type: ignore[no-untyped-def]
        return [] if now < opens_at else routing.fifo(counter, waiting, now, floor)

    monkeypatch.setitem(routing.POLICIES, "hold", hold_until_nine_o_two)
    result = simulate(ONE_COUNTER, day("1,walkin,A,09:00:10,,60,"), "hold")
    # Nothing happens at 09:02 but the counter asking again, every RETRY_S (30 s) from 09:00:10.
    assert calls(result) == {"1": ("09:02:10", "1")}


# --- timed return ------------------------------------------------------------------------------------


def test_a_citizen_who_accepts_to_come_back_is_called_after_returning_and_waits_less_in_the_room() -> None:
    # One counter, 10-minute services: the second and third walk-ins are offered to come back; with
    # a share of 1/2 the second offered (the third walk-in, told ~20 min) accepts.
    arrivals = day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:00:10,,600,", "3,walkin,A,09:00:20,,600,600")
    stay = simulate(ONE_COUNTER, arrivals)
    back = simulate(ONE_COUNTER, arrivals, return_share=0.5)
    third = back.citizens[2]
    assert third.return_at is not None
    assert local(third.return_at) == "09:18:00"
    assert third.called_at is not None
    assert third.called_at >= third.return_at
    # Patience counts from the return: the citizen who would have given up in the room is served.
    assert stay.citizens[2].abandoned
    assert not third.abandoned
    metrics = back.metrics()
    assert metrics["timed_returns"] == 1
    assert third.in_room_wait_s == 120
    assert third.wait_s == 1180
    assert metrics["in_room_max_wait_s"] == 590  # the second walk-in, who stayed
    assert metrics["max_wait_s"] == 1180


@pytest.mark.parametrize(("share", "accepted"), [(0.0, 0), (1 / 3, 1), (0.5, 2), (1.0, 5)])
def test_the_share_who_accept_is_spread_evenly_and_the_same_every_time(share: float, accepted: int) -> None:
    arrivals = day(*(f"{i},walkin,A,09:00:{i:02d},,600," for i in range(6)))
    first = simulate(ONE_COUNTER, arrivals, return_share=share)
    assert first.metrics()["timed_returns"] == accepted
    assert first == simulate(ONE_COUNTER, arrivals, return_share=share)


def test_without_timed_returns_the_in_room_metrics_equal_the_others() -> None:
    metrics = simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,", "2,walkin,A,09:01:00,,600,")).metrics()
    assert metrics["timed_returns"] == 0
    assert metrics["in_room_walkin_sl5"] == metrics["walkin_sl5"]
    assert metrics["in_room_max_wait_s"] == metrics["max_wait_s"]


def test_a_return_share_outside_zero_to_one_is_refused() -> None:
    with pytest.raises(Invalid, match="between 0 and 1"):
        simulate(ONE_COUNTER, day("1,walkin,A,09:00:00,,600,"), return_share=1.5)
