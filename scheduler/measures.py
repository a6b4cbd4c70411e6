"""Measures an office takes, checked; the setting an alternating measure puts in force on a day; and the day
values a measure is judged on (`scheduler.evaluation` compares them).

A measure is *before-after* (the office changed something from `started` on) or *alternating* (an A/B: one of the
settings the server can switch alternates day by day, `evaluation.arm`, and the server applies it: `in_force`).
The settings the server can alternate are the routing policy, timed return and joining from elsewhere. The kiosk's
appointment offer is not among them: it is the kiosk's own behaviour (`kiosk.offers`), no office setting the server
holds, so it cannot be switched by day from here.

The day values, per office-local day: of the walk-ins called (everybody but appointments, as `Tally.walkins`), the
share called within the promise (`PROMISE`) and their mean wait in minutes; of the visits that ended (served,
no-show, left), the share marked no-show; the mean happiness score. A day without a base has no value.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from scheduler import evaluation, routing
from scheduler.errors import Conflict, Invalid
from scheduler.model import Office, TicketKind
from scheduler.statistics import OfficeStatistics, Tally, tally

BEFORE_AFTER = "before-after"
ALTERNATING = "alternating"
KINDS = (BEFORE_AFTER, ALTERNATING)
_ONE_DAY = timedelta(days=1)
TITLE_MAX = 200
DESCRIPTION_MAX = 2000

SettingValue = str | bool
#: The settings the server can alternate by day, and the values each may take.
SETTINGS: dict[str, tuple[SettingValue, ...]] = {
    "policy": tuple(routing.POLICIES),
    "timed_return": (True, False),
    "remote_join": (True, False),
}

WITHIN_5_MIN = "within_5_min"
MEAN_WAIT_MIN = "mean_wait_min"
NO_SHOW_SHARE = "no_show_share"
HAPPINESS = "happiness"
#: Each metric, and whether a higher value is better.
METRICS: dict[str, bool] = {WITHIN_5_MIN: True, MEAN_WAIT_MIN: False, NO_SHOW_SHARE: False, HAPPINESS: True}


@dataclass(frozen=True)
class Setting:
    """What an alternating measure switches: `name` is `a` on A days and `b` on B days."""

    name: str
    a: SettingValue
    b: SettingValue

    def as_dict(self) -> dict[str, SettingValue]:
        return {"name": self.name, "a": self.a, "b": self.b}


@dataclass(frozen=True)
class Measure:
    office: str
    title: str
    kind: str
    started: date
    ended: date | None = None
    description: str | None = None
    setting: Setting | None = None
    id: int | None = None
    #: The expected effect from the what-if replay made when it was registered (`scheduler.whatif`).
    expected: dict[str, Any] | None = field(default=None, compare=False)

    def covers(self, day: date) -> bool:
        return self.started <= day and (self.ended is None or day <= self.ended)


def measure_of(
    office: str,
    *,
    title: str,
    kind: str,
    started: str | date,
    ended: str | date | None = None,
    description: str | None = None,
    setting: Mapping[str, Any] | None = None,
    id: int | None = None,
) -> Measure:
    """A measure from what a manager sent (or what was stored); raises Invalid naming the first problem."""
    title = title.strip()
    if not 1 <= len(title) <= TITLE_MAX:
        raise Invalid(f"a title needs 1 to {TITLE_MAX} characters, not {len(title)}", code="invalid_title")
    if description is not None and len(description) > DESCRIPTION_MAX:
        raise Invalid(f"a description has at most {DESCRIPTION_MAX} characters", code="invalid_description")
    if kind not in KINDS:
        raise Invalid(f"unknown kind {kind!r}; known: {', '.join(KINDS)}", code="unknown_kind")
    first = _day(started, "started")
    last = _day(ended, "ended") if ended is not None else None
    if last is not None and last < first:
        raise Invalid(f"ended ({last}) is before started ({first})", code="ended_before_started")
    if kind == ALTERNATING and setting is None:
        raise Invalid(
            f"an alternating measure needs a setting to alternate: one of {', '.join(SETTINGS)}",
            code="setting_required",
        )
    return Measure(office, title, kind, first, last, description or None, setting_of(setting) if setting else None, id)


def setting_of(raw: Mapping[str, Any]) -> Setting:
    """`{"name", "a", "b"}` checked against the settings the server can alternate."""
    unknown_keys = sorted(set(raw) - {"name", "a", "b"})
    if unknown_keys:
        raise Invalid(f"a setting has only name, a and b, not {', '.join(unknown_keys)}", code="invalid_setting")
    name = raw.get("name")
    if not isinstance(name, str) or name not in SETTINGS:
        raise Invalid(
            f"unknown setting {name!r}; the server can alternate {', '.join(SETTINGS)}", code="unknown_setting"
        )
    allowed = SETTINGS[name]
    values: list[SettingValue] = []
    for side in ("a", "b"):
        value = raw.get(side)
        # True == 1 in Python: compare types too, so that 1 is no "true" and "true" no True.
        match = [ok for ok in allowed if type(value) is type(ok) and value == ok]
        if not match:
            shown = ", ".join(str(ok).lower() if isinstance(ok, bool) else ok for ok in allowed)
            raise Invalid(f"setting {name}: {side} must be one of {shown}, not {value!r}", code="invalid_setting_value")
        values.append(match[0])
    if values[0] == values[1]:
        raise Invalid(f"setting {name}: a and b are the same; nothing would change", code="invalid_setting_value")
    return Setting(name, values[0], values[1])


def _day(value: str | date, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{field}: {value!r} is not a date YYYY-MM-DD", code="invalid_date") from None


def clashing(new: Measure, existing: Iterable[Measure]) -> Measure | None:
    """An alternating measure of the office that switches the same setting on some of the same days: two cannot
    both decide a day."""
    if new.kind != ALTERNATING or new.setting is None:
        return None
    for other in existing:
        if other.kind != ALTERNATING or other.setting is None or other.setting.name != new.setting.name:
            continue
        if (other.ended is None or new.started <= other.ended) and (new.ended is None or other.started <= new.ended):
            return other
    return None


def check_no_clash(new: Measure, existing: Iterable[Measure]) -> None:
    other = clashing(new, existing)
    if other is not None:
        assert new.setting is not None
        raise Conflict(
            f"measure {other.id} ({other.title!r}) already alternates {new.setting.name} on some of these days",
            code="setting_already_alternating",
        )


def setting_on(measure: Measure, day: date) -> SettingValue | None:
    """The value an alternating measure puts in force on `day` (A or B, `evaluation.arm`); None outside it."""
    if measure.kind != ALTERNATING or measure.setting is None or not measure.covers(day):
        return None
    return measure.setting.a if evaluation.arm(day, measure.started) == "A" else measure.setting.b


def in_force(office: Office, measures: Iterable[Measure], day: date) -> Office:
    """The office as it runs on `day`: each setting an alternating measure switches, at its value of the day."""
    changes: dict[str, SettingValue] = {}
    for measure in measures:
        value = setting_on(measure, day)
        if value is not None and measure.setting is not None:
            changes[measure.setting.name] = value
    return replace(office, **changes) if changes else office  # type: ignore[arg-type]


def day_values(stats: OfficeStatistics) -> dict[str, dict[date, float]]:
    """Per metric, the value of each day of `stats` that has one."""
    walkins = tally((v for v in stats.visits if v.kind != TicketKind.APPOINTMENT.value), lambda v: v.day)
    everyone = tally(stats.visits, lambda v: v.day)
    within: dict[date, float] = {}
    wait: dict[date, float] = {}
    for day, walked in walkins.items():
        if walked.within_5min_share is not None and walked.wait_mean_s is not None:
            within[day] = walked.within_5min_share
            wait[day] = walked.wait_mean_s / 60
    no_shows = {day: share for day, t in everyone.items() if (share := _no_show_share(t)) is not None}
    happiness = {day: h.mean_score for day, h in stats.happiness(lambda a: a.day).items() if h.mean_score is not None}
    return {WITHIN_5_MIN: within, MEAN_WAIT_MIN: wait, NO_SHOW_SHARE: no_shows, HAPPINESS: happiness}


def _no_show_share(day: Tally) -> float | None:
    ended = day.served + day.no_shows + day.left
    return day.no_shows / ended if ended else None


def sides(measure: Measure, today: date) -> tuple[list[date], list[date]]:
    """The days compared: the same weekdays before and after (`evaluation.before_after_days`), or the A days and
    the B days of an alternating measure up to yesterday."""
    if measure.kind == BEFORE_AFTER:
        return evaluation.before_after_days(measure.started, measure.ended, today)
    last = min(measure.ended or today, today - _ONE_DAY)
    days = [measure.started + _ONE_DAY * i for i in range(max(0, (last - measure.started).days + 1))]
    return [d for d in days if evaluation.arm(d, measure.started) == "A"], [
        d for d in days if evaluation.arm(d, measure.started) == "B"
    ]


@dataclass(frozen=True)
class Evaluation:
    effects: dict[str, evaluation.Effect]
    verdict: evaluation.Verdict
    #: Days with a value of the first metric (walk-ins within five minutes) on each side.
    days: tuple[int, int]


def evaluate(measure: Measure, values: Mapping[str, Mapping[date, float]], today: date, seed: int = 0) -> Evaluation:
    """Each metric's effect, and one verdict: better when some metric is clearly better and none clearly worse,
    worse the other way round, no clear effect otherwise (mixed too); not enough data when no metric has it."""
    before_days, after_days = sides(measure, today)
    effects = {}
    for metric, higher_is_better in METRICS.items():
        by_day = values.get(metric, {})
        before = [by_day[d] for d in before_days if d in by_day]
        after = [by_day[d] for d in after_days if d in by_day]
        rng = random.Random(f"{seed}-{metric}")
        effects[metric] = evaluation.compare(before, after, higher_is_better=higher_is_better, rng=rng)
    return Evaluation(effects, overall(effects.values()), effects[WITHIN_5_MIN].days)


def overall(effects: Iterable[evaluation.Effect]) -> evaluation.Verdict:
    verdicts = [e.verdict for e in effects if e.verdict is not evaluation.Verdict.NOT_ENOUGH_DATA]
    if not verdicts:
        return evaluation.Verdict.NOT_ENOUGH_DATA
    better = evaluation.Verdict.BETTER in verdicts
    worse = evaluation.Verdict.WORSE in verdicts
    if better and not worse:
        return evaluation.Verdict.BETTER
    if worse and not better:
        return evaluation.Verdict.WORSE
    return evaluation.Verdict.NO_CLEAR_EFFECT


def effect_json(effect: evaluation.Effect) -> dict[str, Any]:
    return {
        "before": _round(effect.before),
        "after": _round(effect.after),
        "diff": _round(effect.diff),
        "ci": [_round(effect.ci[0]), _round(effect.ci[1])] if effect.ci else None,
        "verdict": effect.verdict.value,
        "days": {"before": effect.days[0], "after": effect.days[1]},
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def window(measure: Measure, today: date) -> tuple[date, date] | None:
    """The first and last day whose rows an evaluation reads; None when it has no day yet."""
    before, after = sides(measure, today)
    days: Sequence[date] = sorted([*before, *after])
    return (days[0], days[-1]) if days else None
