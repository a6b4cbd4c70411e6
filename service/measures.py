"""Measures of an office: registering one (with the what-if replay's expected effect) and judging it on the days
since. Shared by the API (`api.measures`) and the dashboard's panel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Any

from starlette.concurrency import run_in_threadpool

from scheduler import measures, whatif
from scheduler.measures import Measure
from scheduler.numbering import office_day
from service.parts import Parts
from store import measures as stored
from store.database import Database
from store.statistics import office_statistics


def office_today(db: Database, office: str, now: datetime) -> date:
    """The office's local day at `now` (NotFound for an unknown office)."""
    return office_day(now, db.read(lambda repo: repo.office(office)).timezone)


def register_now(
    db: Database, policy: str, office: str, raw: Mapping[str, Any], by: str | None, now: datetime
) -> Measure:
    """Check `raw`, replay the office's last `whatif.DAYS` days with the setting at A and at B, and store the measure
    with that expected effect. Raises Invalid (a bad field), Conflict (the setting already alternates then),
    NotFound (no such office)."""
    today = office_today(db, office, now)
    measure = measures.measure_of(office, **raw)
    measures.check_no_clash(measure, stored.measures_of(db, office))  # before the replay's seconds, not after
    days = stored.recent_days(db, office, today - timedelta(days=whatif.DAYS), today - timedelta(days=1))
    expected = replace(measure, expected=whatif.expected(days, measure.setting, policy))
    return stored.add_measure(db, expected, by, now, check=lambda others: measures.check_no_clash(measure, others))


async def register(parts: Parts, office: str, raw: Mapping[str, Any], by: str | None) -> Measure:
    """`register_now` off the event loop: the replay takes a while (two replays of up to two weeks)."""
    now = parts.clock()
    return await run_in_threadpool(register_now, parts.db, parts.settings.policy, office, raw, by, now)


def judged(db: Database, measure: Measure, today: date) -> dict[str, Any]:
    """The measure with its measured effect per metric, its verdict and its expected effect, as the API shows it."""
    window = measures.window(measure, today)
    values: dict[str, dict[date, float]] = {}
    if window is not None:
        values = measures.day_values(office_statistics(db, measure.office, *window))
    found = measures.evaluate(measure, values, today, seed=measure.id or 0)
    return {
        **summary(measure, today),
        "effect": {metric: measures.effect_json(effect) for metric, effect in found.effects.items()},
        "verdict": found.verdict.value,
        "days": {"before": found.days[0], "after": found.days[1]},
        "expected": measure.expected,
    }


def summary(measure: Measure, today: date) -> dict[str, Any]:
    return {
        "id": measure.id,
        "title": measure.title,
        "description": measure.description,
        "kind": measure.kind,
        "started": measure.started.isoformat(),
        "ended": measure.ended.isoformat() if measure.ended else None,
        "setting": measure.setting.as_dict() if measure.setting else None,
        "in_force_today": measures.setting_on(measure, today),
    }


def judge_all(db: Database, office: str, now: datetime) -> list[dict[str, Any]]:
    """Every measure of the office, judged (the dashboard's panel)."""
    today = office_today(db, office, now)
    return [judged(db, m, today) for m in stored.measures_of(db, office)]
