"""Measures evaluated on constructed days with a known effect (`scheduler.evaluation`)."""

from __future__ import annotations

import random
from datetime import date

import pytest

from scheduler.evaluation import MIN_DAYS, Verdict, arm, before_after_days, compare

TRIALS = 100


def day_shares(rng: random.Random, days: int, share: float, walk_ins: int = 100, spread: float = 0.03) -> list[float]:
    """Each day's share of walk-ins called within five minutes, for an office whose true share is `share`: days
    differ a little (`spread`), and each day counts its own citizens."""
    values = []
    for _ in range(days):
        p = min(1.0, max(0.0, rng.gauss(share, spread)))
        values.append(sum(rng.random() < p for _ in range(walk_ins)) / walk_ins)
    return values


def verdicts(effect: float, seed: int) -> list[Verdict]:
    found = []
    for trial in range(TRIALS):
        days = random.Random(f"{seed}-{trial}")
        before, after = day_shares(days, 20, 0.70), day_shares(days, 20, 0.70 + effect)
        found.append(compare(before, after, higher_is_better=True, rng=random.Random(trial)).verdict)
    return found


def test_a_real_ten_point_improvement_is_judged_better_in_at_least_95_percent_of_trials() -> None:
    found = verdicts(0.10, seed=1)
    assert found.count(Verdict.BETTER) >= 0.95 * TRIALS, found


def test_a_change_with_no_effect_is_judged_no_clear_effect_in_at_least_95_percent_of_trials() -> None:
    found = verdicts(0.0, seed=2)
    assert found.count(Verdict.NO_CLEAR_EFFECT) >= 0.95 * TRIALS, found


def test_a_real_ten_point_loss_is_judged_worse() -> None:
    assert verdicts(-0.10, seed=3).count(Verdict.WORSE) >= 0.95 * TRIALS


def test_when_lower_is_better_a_shorter_wait_is_better() -> None:
    rng = random.Random(4)
    before = [rng.gauss(600, 30) for _ in range(20)]
    after = [rng.gauss(400, 30) for _ in range(20)]
    effect = compare(before, after, higher_is_better=False, rng=random.Random(0))
    assert effect.verdict is Verdict.BETTER
    assert effect.diff is not None
    assert effect.ci is not None
    assert effect.ci[0] <= effect.diff <= effect.ci[1] < 0


@pytest.mark.parametrize(("before", "after"), [(MIN_DAYS - 1, 20), (20, MIN_DAYS - 1), (0, 20), (20, 0)])
def test_too_few_days_on_either_side_is_not_enough_data(before: int, after: int) -> None:
    effect = compare([0.7] * before, [0.9] * after, higher_is_better=True, rng=random.Random(0))
    assert effect.verdict is Verdict.NOT_ENOUGH_DATA
    assert effect.ci is None
    assert effect.days == (before, after)


def test_the_same_days_and_seed_give_the_same_interval() -> None:
    before, after = [0.6, 0.7, 0.65, 0.72, 0.68], [0.75, 0.8, 0.7, 0.78, 0.82]
    first = compare(before, after, higher_is_better=True, rng=random.Random(7))
    assert first == compare(before, after, higher_is_better=True, rng=random.Random(7))


def test_before_after_compares_the_same_weekdays_and_stops_at_yesterday() -> None:
    started = date(2026, 3, 2)  # a Monday
    before, after = before_after_days(started, None, today=date(2026, 3, 12), weeks=2)
    assert before[0] == date(2026, 2, 16)
    assert before[-1] == date(2026, 3, 1)
    assert len(before) == 14
    assert after == [date(2026, 3, d) for d in range(2, 12)]
    _, dropped = before_after_days(started, date(2026, 3, 5), today=date(2026, 4, 1), weeks=2)
    assert dropped == [date(2026, 3, 2), date(2026, 3, 3), date(2026, 3, 4)]


def test_an_alternating_measure_puts_every_other_day_on_each_side() -> None:
    started = date(2026, 3, 2)
    sides = [arm(date(2026, 3, d), started) for d in range(2, 16)]
    assert sides == ["A", "B"] * 7
    assert sides[:5].count("A") == 3
    assert sides[7:12].count("B") == 3
