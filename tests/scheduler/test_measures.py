"""Measures: checking what a manager sends, the setting an alternating measure puts in force on a day, and the day
values a measure is judged on (`scheduler.measures`)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest

from scheduler.errors import Conflict, Invalid
from scheduler.evaluation import Verdict
from scheduler.measures import (
    ALTERNATING,
    BEFORE_AFTER,
    HAPPINESS,
    MEAN_WAIT_MIN,
    NO_SHOW_SHARE,
    WITHIN_5_MIN,
    Setting,
    check_no_clash,
    day_values,
    evaluate,
    in_force,
    measure_of,
    setting_on,
)
from scheduler.model import Office
from scheduler.statistics import Answer, OfficeStatistics, Outcome, VisitRecord

MONDAY = date(2026, 3, 2)
POLICY = {"name": "policy", "a": "fifo", "b": "loket"}
GOOD: dict[str, Any] = {"title": "Fifo or loket", "kind": ALTERNATING, "started": "2026-03-02", "setting": POLICY}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"title": ""}, "invalid_title"),
        ({"title": "   "}, "invalid_title"),
        ({"title": "x" * 201}, "invalid_title"),
        ({"description": "x" * 2001}, "invalid_description"),
        ({"kind": "sometimes"}, "unknown_kind"),
        ({"started": "2026-02-30"}, "invalid_date"),
        ({"started": "yesterday"}, "invalid_date"),
        ({"ended": "2026-03-01"}, "ended_before_started"),
        ({"setting": None}, "setting_required"),
        ({"setting": {"name": "colour", "a": "red", "b": "blue"}}, "unknown_setting"),
        ({"setting": {"name": "kiosk_offer", "a": True, "b": False}}, "unknown_setting"),
        ({"setting": {"name": "policy", "a": "fifo", "b": "random"}}, "invalid_setting_value"),
        ({"setting": {"name": "policy", "a": "fifo", "b": "fifo"}}, "invalid_setting_value"),
        ({"setting": {"name": "timed_return", "a": 1, "b": 0}}, "invalid_setting_value"),
        ({"setting": {"name": "remote_join", "a": "true", "b": "false"}}, "invalid_setting_value"),
        ({"setting": {"name": "policy", "a": "fifo", "b": "loket", "c": "x"}}, "invalid_setting"),
    ],
)
def test_a_bad_measure_is_refused_naming_the_problem(change: dict[str, Any], code: str) -> None:
    with pytest.raises(Invalid) as refused:
        measure_of("town", **{**GOOD, **change})
    assert refused.value.code == code


@pytest.mark.parametrize(
    "setting",
    [
        {"name": "policy", "a": "appointments-first", "b": "loket"},
        {"name": "timed_return", "a": False, "b": True},
        {"name": "remote_join", "a": True, "b": False},
    ],
)
def test_every_setting_the_server_can_alternate_is_accepted(setting: dict[str, Any]) -> None:
    measure = measure_of("town", **{**GOOD, "setting": setting, "ended": "2026-03-31"})
    assert measure.setting == Setting(setting["name"], setting["a"], setting["b"])
    assert measure.ended == date(2026, 3, 31)


def test_a_before_after_measure_needs_no_setting() -> None:
    measure = measure_of("town", title=" New signs ", kind=BEFORE_AFTER, started="2026-03-02")
    assert (measure.title, measure.setting, measure.ended) == ("New signs", None, None)


def test_an_alternating_measure_puts_a_on_its_first_day_and_b_on_the_next_and_nothing_outside_it() -> None:
    measure = measure_of("town", **{**GOOD, "ended": "2026-03-05"})
    on = {MONDAY + timedelta(days=d): setting_on(measure, MONDAY + timedelta(days=d)) for d in range(-1, 5)}
    assert list(on.values()) == [None, "fifo", "loket", "fifo", "loket", None]


def test_a_before_after_measure_switches_nothing() -> None:
    measure = measure_of("town", title="Signs", kind=BEFORE_AFTER, started="2026-03-02", setting=POLICY)
    assert setting_on(measure, MONDAY) is None


def test_the_office_runs_with_the_settings_of_the_day() -> None:
    office = Office("town", "Town", timed_return=False, remote_join=True)
    policy = measure_of("town", **GOOD)
    returning = measure_of("town", **{**GOOD, "setting": {"name": "timed_return", "a": False, "b": True}})
    monday, tuesday = (
        in_force(office, [policy, returning], MONDAY),
        in_force(office, [policy, returning], MONDAY + timedelta(days=1)),
    )
    assert (monday.policy, monday.timed_return, monday.remote_join) == ("fifo", False, True)
    assert (tuesday.policy, tuesday.timed_return, tuesday.remote_join) == ("loket", True, True)
    assert in_force(office, [policy], MONDAY - timedelta(days=1)) is office


def test_two_measures_may_not_alternate_the_same_setting_on_the_same_days() -> None:
    first = measure_of("town", **{**GOOD, "ended": "2026-03-31", "id": 1})
    later = measure_of("town", **{**GOOD, "started": "2026-04-01"})
    overlapping = measure_of("town", **{**GOOD, "started": "2026-03-31"})
    other_setting = measure_of("town", **{**GOOD, "setting": {"name": "remote_join", "a": True, "b": False}})
    check_no_clash(later, [first])
    check_no_clash(other_setting, [first])
    with pytest.raises(Conflict) as refused:
        check_no_clash(overlapping, [first])
    assert refused.value.code == "setting_already_alternating"


def visit(day: date, wait_s: int | None, *, kind: str = "walkin", outcome: str = Outcome.SERVED) -> VisitRecord:
    return VisitRecord("A", day, 9, kind, outcome, wait_s, 300 if outcome == Outcome.SERVED else None, None)


def stats(visits: list[VisitRecord], answers: list[Answer]) -> OfficeStatistics:
    return OfficeStatistics(
        "town", "Town", "Europe/Brussels", MONDAY, MONDAY + timedelta(days=1), [], [], visits, answers, {}, {}
    )


def test_day_values_count_walk_ins_for_waits_every_ended_visit_for_no_shows_and_the_answers() -> None:
    tuesday = MONDAY + timedelta(days=1)
    visits = [
        visit(MONDAY, 60),
        visit(MONDAY, 300),  # exactly the promise: within it
        visit(MONDAY, 600),
        visit(MONDAY, 1200, kind="remote"),  # joined from elsewhere: a walk-in too
        visit(MONDAY, 3000, kind="appointment"),  # not a walk-in: no wait figure
        visit(MONDAY, 30, outcome=Outcome.NO_SHOW),
        visit(MONDAY, None, outcome=Outcome.LEFT),
        visit(MONDAY, None, outcome=Outcome.OPEN),  # not ended: no base of the no-show share
        visit(tuesday, None, kind="appointment", outcome=Outcome.NO_SHOW),
    ]
    answers = [Answer("A", MONDAY, 9, 4, ()), Answer("A", MONDAY, 10, 5, ()), Answer("A", tuesday, 9, 2, ())]
    values = day_values(stats(visits, answers))
    assert values[WITHIN_5_MIN] == {MONDAY: pytest.approx(3 / 5)}
    assert values[MEAN_WAIT_MIN] == {MONDAY: pytest.approx((60 + 300 + 600 + 1200 + 30) / 5 / 60)}
    assert values[NO_SHOW_SHARE] == {MONDAY: pytest.approx(1 / 7), tuesday: 1.0}
    assert values[HAPPINESS] == {MONDAY: 4.5, tuesday: 2.0}


def test_an_alternating_measure_with_a_real_ten_point_gain_on_b_days_is_judged_better() -> None:
    measure = measure_of("town", **GOOD, id=3)
    rng = random.Random(5)
    days = [MONDAY + timedelta(days=d) for d in range(28)]
    # B days (every other day from the second) gain ten points; the wait does not move.
    within = {d: rng.gauss(0.70, 0.02) + (0.10 if (d - MONDAY).days % 2 else 0.0) for d in days}
    waits = {d: rng.gauss(6.0, 0.3) for d in days}
    found = evaluate(measure, {WITHIN_5_MIN: within, MEAN_WAIT_MIN: waits}, today=MONDAY + timedelta(days=28))
    assert found.effects[WITHIN_5_MIN].verdict is Verdict.BETTER
    assert found.effects[WITHIN_5_MIN].diff == pytest.approx(0.10, abs=0.03)
    assert found.effects[MEAN_WAIT_MIN].verdict is Verdict.NO_CLEAR_EFFECT
    assert found.effects[HAPPINESS].verdict is Verdict.NOT_ENOUGH_DATA
    assert found.verdict is Verdict.BETTER
    assert found.days == (14, 14)


def test_a_measure_without_days_yet_has_not_enough_data() -> None:
    measure = measure_of("town", **GOOD)
    assert evaluate(measure, {}, today=MONDAY).verdict is Verdict.NOT_ENOUGH_DATA
