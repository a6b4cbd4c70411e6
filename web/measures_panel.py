"""The dashboard's "Measures" panel: each measure of the office judged (`service.measures`), its numbers formatted
for the page. The words (metric names, verdicts, headers) are the template's, through the catalogs."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from babel.numbers import format_decimal, format_percent

from scheduler.measures import HAPPINESS, MEAN_WAIT_MIN, METRICS, NO_SHOW_SHARE, WITHIN_5_MIN
from service.measures import judge_all
from store.database import Database
from web.page import LOCALES

#: How each metric is shown: a share in percent (its difference in points), minutes, or a score.
_UNITS = {WITHIN_5_MIN: "pt", NO_SHOW_SHARE: "pt", MEAN_WAIT_MIN: "min", HAPPINESS: ""}


def _value(metric: str, x: float | None, locale: str = "en_GB") -> str:
    if x is None:
        return "–"
    return format_percent(x, locale=locale) if _UNITS[metric] == "pt" else format_decimal(x, "0.0", locale=locale)


def _diff(metric: str, x: float | None, locale: str = "en_GB") -> str:
    if x is None:
        return "–"
    if _UNITS[metric] == "pt":
        return format_decimal(x * 100, "+0;-0", locale=locale)
    return format_decimal(x, "+0.0;-0.0", locale=locale)


def panel(db: Database, office: str, now: datetime, language: str = "en") -> list[dict[str, Any]]:
    """Every measure, latest start first, with a row per metric: before (A), after (B), the difference, its
    interval, the replay's expected difference, the metric's verdict; numbers written as in `language`."""
    locale = LOCALES.get(language, "en_GB")
    shown = []
    for judged in judge_all(db, office, now):
        expected = judged["expected"] or {}
        expected_effect = expected.get("effect") or {}
        rows = []
        for metric in METRICS:
            effect = judged["effect"][metric]
            ci = effect["ci"]
            rows.append(
                {
                    "metric": metric,
                    "unit": _UNITS[metric],
                    "before": _value(metric, effect["before"], locale),
                    "after": _value(metric, effect["after"], locale),
                    "diff": _diff(metric, effect["diff"], locale),
                    "ci": f"{_diff(metric, ci[0], locale)} … {_diff(metric, ci[1], locale)}" if ci else "–",
                    "expected": (
                        _diff(metric, expected_effect[metric]["diff"], locale) if metric in expected_effect else "–"
                    ),
                    "verdict": effect["verdict"],
                }
            )
        shown.append({**judged, "rows": rows, "replay": expected})
    return shown
