"""The what-if replay of a measure (`scheduler.whatif`): past days made into workload days, and the expected effect
of a setting's A and B through the simulator."""

from __future__ import annotations

import tomllib
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler import whatif
from scheduler.measures import MEAN_WAIT_MIN, WITHIN_5_MIN, Setting
from scheduler.model import TicketKind
from scheduler.scenario import parse_scenario
from scheduler.workload import parse_arrivals
from tests.conftest import workloads

DAY = date(2026, 3, 2)
BRUSSELS = ZoneInfo("Europe/Brussels")


def at(hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, 2, hour, minute, tzinfo=UTC)  # Brussels is one hour ahead in March


def test_a_past_day_becomes_the_citizens_who_came_and_the_counters_that_called() -> None:
    tickets = [
        whatif.PastTicket(DAY, "walkin", "A", "done", at(8), called_at=at(8, 10), finished_at=at(8, 20), counter_id=1),
        whatif.PastTicket(
            DAY, "appointment", "A", "done", at(8, 50), slot_at=at(9), called_at=at(9), service_s=900, counter_id=1
        ),
        whatif.PastTicket(DAY, "remote", "A", "waiting", at(8, 30), arrived_at=at(9, 5)),
        whatif.PastTicket(DAY, "remote", "A", "no_show", at(8, 40)),  # never walked in: not replayed
        whatif.PastTicket(DAY, "walkin", "B", "cancelled", at(8, 45)),  # counter 2 (B) called nobody that day
    ]
    (day,) = whatif.past_days(tickets, BRUSSELS, {"A": 600, "B": 300}, {1: ("1", ("A",)), 2: ("2", ("B",))})
    assert day.day == DAY
    (counter,) = day.scenario.counters
    assert (counter.name, counter.shifts) == ("1", ((time(9, 10), time(10, 15)),))
    came = [(a.kind, a.arrival, a.slot, a.duration_s) for a in day.arrivals]
    assert came == [
        (TicketKind.WALKIN, time(9), None, 600),
        (TicketKind.APPOINTMENT, time(9, 50), time(10), 900),
        (TicketKind.WALKIN, time(10, 5), None, 600),
    ]


def test_a_day_on_which_nobody_was_called_is_not_replayed() -> None:
    tickets = [whatif.PastTicket(DAY + timedelta(days=1), "walkin", "A", "cancelled", at(8))]
    assert whatif.past_days(tickets, BRUSSELS, {"A": 600}, {1: ("1", ("A",))}) == []


def test_without_a_setting_or_a_day_there_is_no_expected_effect_and_the_reason_is_said() -> None:
    assert whatif.expected([], None)["reason"] == whatif.NO_SETTING
    assert whatif.expected([], Setting("policy", "fifo", "loket"))["reason"] == whatif.NO_DAYS
    assert whatif.expected([], Setting("policy", "fifo", "loket"))["effect"] is None


def test_loket_instead_of_fifo_is_expected_to_call_more_walk_ins_within_five_minutes_on_the_busy_commune_day() -> None:
    folder = workloads() / "commune"
    scenario = parse_scenario(tomllib.loads((folder / "commune-busy.toml").read_text()))
    arrivals = parse_arrivals((folder / "commune-busy.csv").read_text().splitlines())
    found = whatif.expected([whatif.PastDay(DAY, scenario, arrivals)], Setting("policy", "fifo", "loket"))
    assert (found["days"], found["reason"], found["assumption"]) == (1, None, None)
    assert found["effect"][WITHIN_5_MIN]["diff"] > 0.05
    assert found["effect"][MEAN_WAIT_MIN]["diff"] < 0
    returning = whatif.expected([whatif.PastDay(DAY, scenario, arrivals)], Setting("timed_return", False, True))
    assert returning["assumption"] == {"return_share": whatif.ASSUMED_RETURN_SHARE}
