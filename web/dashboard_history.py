"""The dashboard's last 7 or 30 days: charts (inline SVG, `web.charts`) and their tables, in the page's language.

`Words` is the page's language: its translations (the gettext catalogs) and its numbers and dates (Babel).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal, format_percent

from i18n import gettext, ngettext
from i18n.messages import N_, NN_
from scheduler.statistics import OfficeStatistics, Tally, tally
from web import charts
from web.page import LOCALES

TARGET_SHARE = 0.9


@dataclass(frozen=True)
class Words:
    """Text, numbers and dates in one language (nl, fr, en)."""

    language: str

    @property
    def locale(self) -> str:
        return LOCALES[self.language]

    def _(self, message: str, **values: object) -> str:
        text = gettext(self.language, message)
        return text % values if values else text

    def n_(self, singular: str, plural: str, n: int, **values: object) -> str:
        return ngettext(self.language, singular, plural, n) % {"n": n, **values}

    def name(self, names: dict[str, str], fallback: str) -> str:
        """A name given in several languages (a service's, an improvement's) in this one, else English."""
        return names.get(self.language) or names.get("en") or next(iter(names.values()), fallback)

    def decimal(self, x: float | None, pattern: str = "0.0") -> str:
        return "–" if x is None else format_decimal(x, pattern, locale=self.locale)

    def minutes(self, seconds: float | None) -> str:
        return "–" if seconds is None else self.decimal(seconds / 60)

    def share(self, x: float | None) -> str:
        return "–" if x is None else format_percent(x, locale=self.locale)

    def day(self, day: date) -> str:
        """A day in a table: weekday and date, e.g. "Thu 26/02", "jeu. 26/02", "do 26/02"."""
        return format_date(day, "EEE dd/MM", locale=self.locale)

    def date(self, day: date) -> str:
        return format_date(day, "dd/MM/y", locale=self.locale)

    def date_iso(self, text: str | None) -> str:
        """A day given as an ISO date (2026-03-02), written as in this language; anything else as it is."""
        try:
            return self.date(date.fromisoformat(text or ""))
        except ValueError:
            return text or ""

    def now(self, at: datetime) -> str:
        return format_datetime(at, "EEEE d MMMM y, HH:mm", locale=self.locale)


WAITS_TITLE = N_("Waits per service and hour")
WAITS_DESC = N_(
    "For each service (rows) and hour the wait started (columns): median and 90th percentile of the wait in "
    "minutes, as p50/p90; green under 5 minutes, red over 15."
)
# Translators: a cell's tooltip on the chart of waits: the median and the 90th percentile in minutes.
CELL = N_("p50 %(p50)s min, p90 %(p90)s min")
# Translators: a cell's tooltip on the chart of waits when nobody waited then.
NOBODY = N_("nobody")
# Translators: what an empty chart says.
NO_DATA = N_("No data")
WITHIN_TITLE = N_("Share called within 5 minutes, per day")
WITHIN_DESC = N_(
    "Per day, the share of the citizens called whose wait was 5 minutes or less; the dashed line is the 90% target."
)
# Translators: the label of the target line on a chart, e.g. "target 90%".
TARGET = N_("target %(share)s")
NO_SHOWS_TITLE = N_("Appointment no-show rate, per day")
NO_SHOWS_DESC = N_("Per day, the share of the appointments due (checked in or never came) whose citizen never came.")
ESTIMATES_TITLE = N_("Estimate accuracy, mean error per day")
ESTIMATES_DESC = N_(
    "Per day, the mean absolute difference in minutes between the wait a citizen was told at the kiosk and the "
    "real wait from then to the first call."
)
# Translators: minutes on a chart's axis, e.g. "1.5 min".
MINUTES = N_("%(minutes)s min")
COUNTERS_TITLE = N_("Citizens served per counter")
COUNTERS_DESC = NN_(
    "Citizens served at each counter over the %(n)d day.", "Citizens served at each counter over the %(n)d days."
)
# Translators: a counter's name, e.g. "Counter 2".
COUNTER = N_("Counter %(name)s")
HAPPINESS_TITLE = N_("Happiness, mean score per day")
HAPPINESS_DESC = N_("Per day, the mean answer to 'Are you happy with your visit?', from 1 (not at all) to 10 (very).")
IMPROVEMENTS_TITLE = N_("Most chosen improvements")
IMPROVEMENTS_DESC = N_("How many answers chose each improvement, most chosen first.")


def history_view(stats: OfficeStatistics, today: date, words: Words) -> dict[str, Any]:
    """The charts and their tables for the range of `stats`."""
    _ = words._
    names = {code: words.name(names, code) for code, names in stats.services}
    days = stats.days
    daily = stats.daily()
    labels = [d.strftime("%d/%m") for d in days]
    percent = lambda v: words.share(v / 100)  # noqa: E731 - the charts' axis labels

    # Waits per service and hour over the whole range.
    by_hour = tally(stats.visits, lambda v: (v.service, v.hour))
    hours = sorted({h for (_s, h), t in by_hour.items() if t.waits})
    services = [code for code, _ in stats.services if any(s == code and t.waits for (s, _h), t in by_hour.items())]
    cells = {
        (i, j): ((t.wait_p50_s or 0) / 60, (t.wait_p90_s or 0) / 60)
        for i, code in enumerate(services)
        for j, hour in enumerate(hours)
        if (t := by_hour.get((code, hour), Tally())).waits
    }
    wait_rows = [
        {"service": names[s], "hour": f"{h:02d}:00", "called": t.called, "p50": words.minutes(t.wait_p50_s),
         "p90": words.minutes(t.wait_p90_s), "mean": words.minutes(t.wait_mean_s)}
        for (s, h), t in by_hour.items()
        if t.waits and s in names
    ]  # fmt: skip
    waits_svg = charts.heat(
        "chart-waits",
        _(WAITS_TITLE),
        _(WAITS_DESC),
        [names[s] for s in services],
        [f"{h:02d}h" for h in hours],
        cells,
        tip=lambda p50, p90: _(CELL, p50=words.decimal(p50, "0"), p90=words.decimal(p90, "0")),
        nobody=_(NOBODY),
    )

    within = [daily.get(d, Tally()).within_5min_share for d in days]
    within_svg = charts.bars(
        "chart-within",
        _(WITHIN_TITLE),
        _(WITHIN_DESC),
        labels,
        [None if x is None else x * 100 for x in within],
        fmt=percent,
        top=100,
        target=charts.Target(TARGET_SHARE * 100, _(TARGET, share=words.share(TARGET_SHARE))),
    )
    within_rows = [
        {"day": words.day(d), "citizens": daily.get(d, Tally()).citizens, "called": daily.get(d, Tally()).called,
         "share": words.share(x), "p90": words.minutes(daily.get(d, Tally()).wait_p90_s)}
        for d, x in zip(days, within, strict=True)
    ]  # fmt: skip

    rates = [stats.bookings[d].no_show_rate if d in stats.bookings else None for d in days]
    no_show_svg = charts.bars(
        "chart-no-shows",
        _(NO_SHOWS_TITLE),
        _(NO_SHOWS_DESC),
        labels,
        [None if r is None else r * 100 for r in rates],
        fmt=percent,
        top=100,
    )
    no_show_rows = [
        {"day": words.day(d), "due": stats.bookings[d].due, "no_shows": stats.bookings[d].no_shows,
         "rate": words.share(stats.bookings[d].no_show_rate), "called_no_shows": daily.get(d, Tally()).no_shows}
        for d in days
        if d in stats.bookings
    ]  # fmt: skip

    mae = [daily.get(d, Tally()).estimate_mae_s for d in days]
    estimates_svg = charts.bars(
        "chart-estimates",
        _(ESTIMATES_TITLE),
        _(ESTIMATES_DESC),
        labels,
        [None if e is None else e / 60 for e in mae],
        fmt=lambda v: _(MINUTES, minutes=words.decimal(v, "0" if v >= 10 or v == 0 else "0.0")),
    )
    estimate_rows = [
        {"day": words.day(d), "service": names.get(s, s), "checked": t.estimated,
         "mae": words.minutes(t.estimate_mae_s), "in_range": words.share(t.estimate_in_range_share)}
        for (d, s), t in stats.by_service().items()
        if t.estimated
    ]  # fmt: skip

    per_counter = stats.served_by_counter()
    counter_totals: Counter[str] = Counter()
    for (_day, counter), n in per_counter.items():
        counter_totals[counter] += n
    counter_names = sorted(counter_totals, key=lambda c: (-counter_totals[c], c))
    counters_svg = charts.hbars(
        "chart-counters",
        _(COUNTERS_TITLE),
        words.n_(*COUNTERS_DESC, len(days)),
        [_(COUNTER, name=c) for c in counter_names],
        [counter_totals[c] for c in counter_names],
        fmt=lambda v: words.decimal(v, "0"),
        empty=_(NO_DATA),
    )
    counter_days = sorted({d for d, _c in per_counter})
    counter_table = {
        "counters": counter_names,
        "rows": [
            {"day": words.day(d), "served": [per_counter.get((d, c), 0) for c in counter_names]} for d in counter_days
        ],
    }

    happiness = stats.happiness(lambda a: a.day)
    scores = [happiness[d].mean_score if d in happiness else None for d in days]
    happiness_svg = charts.bars(
        "chart-happiness",
        _(HAPPINESS_TITLE),
        _(HAPPINESS_DESC),
        labels,
        scores,
        fmt=lambda v: words.decimal(v),
        top=10,
    )
    everyone = stats.happiness(lambda _a: "all").get("all")
    improvement_names = {code: words.name(names, code) for code, names in stats.improvements}
    chosen = everyone.improvements.most_common() if everyone else []
    improvements_svg = charts.hbars(
        "chart-improvements",
        _(IMPROVEMENTS_TITLE),
        _(IMPROVEMENTS_DESC),
        [improvement_names.get(code, code) for code, _n in chosen],
        [n for _code, n in chosen],
        fmt=lambda v: words.decimal(v, "0"),
        empty=_(NO_DATA),
    )
    return {
        "days": len(days),
        "start": words.date(stats.start),
        "end": words.date(stats.end),
        "totals": tally(stats.visits, lambda _v: "all").get("all", Tally()),
        "waits_svg": waits_svg,
        "wait_rows": wait_rows,
        "within_svg": within_svg,
        "within_rows": within_rows,
        "estimates_svg": estimates_svg,
        "estimate_rows": estimate_rows,
        "no_show_svg": no_show_svg,
        "no_show_rows": no_show_rows,
        "counters_svg": counters_svg,
        "counter_table": counter_table,
        "happiness_svg": happiness_svg,
        "happiness_rows": [
            {"day": words.day(d), "answers": happiness[d].answers, "mean": words.decimal(happiness[d].mean_score or 0)}
            for d in days
            if d in happiness
        ],
        "happiness_total": everyone,
        "improvements_svg": improvements_svg,
        "improvement_rows": [{"name": improvement_names.get(code, code), "code": code, "n": n} for code, n in chosen],
        "today_tally": daily.get(today, Tally()),
        "today_happiness": happiness.get(today),
    }
