"""Whether a measure an office took changed anything: day-level values compared, with a bootstrap interval.

An office registers what it changed (a measure): from a day on (*before-after*), or a setting alternating day by
day (*alternating*, an A/B). The evaluation compares the days on each side, one value per day (the share of
walk-ins called within five minutes, the mean wait, the no-shows, the mean happiness), so that one busy day
weighs as one day. The interval of the difference is a percentile bootstrap over days; the verdict follows from
it. The interval is wide on purpose (`LEVEL`): an office changes how it works on the strength of a verdict, and
a change with no effect must be called "no clear effect" nearly always, not one time in twenty.

Plain functions of their inputs, `random` seeded by the caller: the same days give the same answer.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum


class Verdict(StrEnum):
    BETTER = "better"
    WORSE = "worse"
    NO_CLEAR_EFFECT = "no clear effect"
    NOT_ENOUGH_DATA = "not enough data"


#: Days with a value needed on each side before anything is said.
MIN_DAYS = 4
#: The share of bootstrap differences the interval holds.
LEVEL = 0.99
RESAMPLES = 2000
#: Weeks looked at on each side of a before-after measure.
WEEKS = 4


@dataclass(frozen=True)
class Effect:
    """Means of the day values on each side, their difference (after − before, or B − A) and its interval."""

    before: float | None
    after: float | None
    diff: float | None
    ci: tuple[float, float] | None
    verdict: Verdict
    days: tuple[int, int]


def compare(
    before: Sequence[float],
    after: Sequence[float],
    *,
    higher_is_better: bool,
    rng: random.Random,
    resamples: int = RESAMPLES,
    level: float = LEVEL,
) -> Effect:
    """The effect of going from the `before` days to the `after` days on one metric."""
    days = (len(before), len(after))
    mean_before = _mean(before) if before else None
    mean_after = _mean(after) if after else None
    if min(days) < MIN_DAYS or mean_before is None or mean_after is None:
        diff = mean_after - mean_before if mean_before is not None and mean_after is not None else None
        return Effect(mean_before, mean_after, diff, None, Verdict.NOT_ENOUGH_DATA, days)
    diffs = sorted(
        _mean(rng.choices(after, k=len(after))) - _mean(rng.choices(before, k=len(before))) for _ in range(resamples)
    )
    tail = (1 - level) / 2
    low = diffs[int(tail * (resamples - 1))]
    high = diffs[round((1 - tail) * (resamples - 1))]
    if low > 0 or high < 0:
        improved = (low > 0) == higher_is_better
        verdict = Verdict.BETTER if improved else Verdict.WORSE
    else:
        verdict = Verdict.NO_CLEAR_EFFECT
    return Effect(mean_before, mean_after, mean_after - mean_before, (low, high), verdict, days)


def before_after_days(
    started: date, ended: date | None, today: date, weeks: int = WEEKS
) -> tuple[list[date], list[date]]:
    """The days compared for a measure taken on `started` (and dropped on `ended`, if it was): the same weekdays
    `weeks` weeks before it, and as many weeks from it on, up to yesterday (today is not over)."""
    before = [started - timedelta(days=d) for d in range(7 * weeks, 0, -1)]
    last = min(ended or today, today) - timedelta(days=1)
    after = [started + timedelta(days=d) for d in range(7 * weeks) if started + timedelta(days=d) <= last]
    return before, after


def arm(day: date, started: date) -> str:
    """Which side of an alternating measure `day` is on: "A" on the first day, then every other day."""
    return "A" if (day - started).days % 2 == 0 else "B"


def _mean(values: Sequence[float]) -> float:
    return sum(values) / len(values)
