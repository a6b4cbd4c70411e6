"""Open data, the monthly indicator: per office-local calendar month, the mean happiness, its answers, the share of
walk-ins called within the promise (`scheduler.model.PROMISE`, 5 minutes) and the three most chosen improvements;
for one office (`/open-data/{office}/monthly.csv|json`) and for all offices together
(`/open-data/all/monthly.csv|json`, their citizens and answers pooled). Public, CC BY 4.0, like the daily files.

`all` cannot be an office: the office files refuse that name (`scheduler.scenario.RESERVED_OFFICE_NAMES`).

Small cells as in the daily files (`web.opendata`): a figure of fewer than `MIN_CITIZENS` answers (walk-ins) is
left empty, with every figure computed from the same people. A month's answers and its counts per improvement
are the sums of the days of daily.csv, whose rows are fixed by their own day: where the month minus the days
shown would give away the hidden days (one hidden day, or 1 to 4 answers in them together), the month's figure
is left empty (`scheduler.disclosure.gives_away`). The all-offices row is checked the same way against each
office's monthly row and, where that is empty, against the office's days.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep
from api.errors import ApiError
from scheduler.disclosure import gives_away
from scheduler.numbering import office_day
from scheduler.statistics import (
    Happiness,
    Month,
    OfficeStatistics,
    month_of,
    monthly,
    months_between,
    top_improvements,
)
from service.changes import read
from store.statistics import office_statistics
from web.opendata import LICENCE, MIN_CITIZENS, RECENT_KEEP, Base, Column, Tables, cached_file
from web.opendata_cache import Answer

router = APIRouter(tags=["open data"])

#: The address of all offices together, in place of an office id.
ALL = "all"
MAX_MONTHS = 12
DEFAULT_MONTHS = 12
#: How many improvements a month's row names.
TOP = 3
SUMMARY = "One row per office-local calendar month of the range: the happiness indicator"

#: What a month's figures are computed from (`Item`): its answers, its walk-ins called, the answers choosing one
#: improvement (`improvement:CODE`).
ANSWERS = "answers"
WALKINS_CALLED = "walkins_called"
Item = str


def _improvement(code: str) -> Item:
    return f"improvement:{code}"


def _field(name: str, type_: str, meaning: str, base: str | None = None) -> Column:
    """A field as the data dictionary lists it (`web.opendata.Column`); its values come from `_row`, not from
    the daily files' cells."""
    return Column(name, type_, meaning, lambda _cells: None, None if base is None else Base(base, lambda _c: 0))


COLUMNS = [
    _field("month", "string", "The calendar month, office-local (YYYY-MM)"),
    _field("happiness_answers", "integer", 'Answers to "Are you happy with your visit?" in the month', ANSWERS),
    _field(
        "happiness_mean_score",
        "number",
        "Mean score of those answers, from 1 (not at all) to 10 (very); over all offices: the mean of all their "
        "answers together, not a mean of the offices' means",
        ANSWERS,
    ),
    _field(
        "walkins_called",
        "integer",
        "Citizens without an appointment who were called in the month (the base of the share below)",
        WALKINS_CALLED,
    ),
    _field(
        "walkins_within_5min_share",
        "number",
        "Share (0 to 1) of those walk-ins called 5 minutes or less after the start of their wait (check-in, or "
        "the time they were told to come back)",
        WALKINS_CALLED,
    ),
    *(
        column
        for rank in range(1, TOP + 1)
        for column in (
            _field(
                f"improvement_{rank}",
                "string",
                f"The code of the improvement chosen {'most' if rank == 1 else f'{rank}th most'} often in the "
                "month's answers (see the improvements below; ties in code order)",
                f"improvement_{rank}",
            ),
            _field(f"improvement_{rank}_answers", "integer", "How many answers chose it", f"improvement_{rank}"),
        )
    ),
]


@dataclass(frozen=True)
class OfficeMonths:
    """One office's months, and each month's days as daily.csv shows them: their answers and their row."""

    office: str
    name: str
    timezone: str
    months: dict[str, Month]
    days: dict[str, list[tuple[Happiness, dict[str, Any]]]]


def office_months(stats: OfficeStatistics) -> OfficeMonths:
    tables = Tables(stats)
    happiness = stats.happiness(lambda a: a.day)
    days: dict[str, list[tuple[Happiness, dict[str, Any]]]] = {}
    for day in stats.days:
        days.setdefault(month_of(day), []).append((happiness.get(day, Happiness()), tables.day(day)[0]))
    return OfficeMonths(stats.office, stats.name, stats.timezone, monthly(stats.visits, stats.answers), days)


def _count(month: Month, item: Item) -> int:
    if item == ANSWERS:
        return month.happiness.answers
    if item == WALKINS_CALLED:
        return month.walkins.called
    return month.happiness.improvements.get(item.removeprefix("improvement:"), 0)


def _day_parts(office: OfficeMonths, month: str, item: Item) -> list[tuple[int, bool]] | None:
    """(count, hidden in daily.csv) of each day of the month; None for a figure no daily one adds up to."""
    days = office.days.get(month, [])
    if item == ANSWERS:
        return [(h.answers, row["happiness_answers"] is None) for h, row in days]
    if item == WALKINS_CALLED:
        return None
    code = item.removeprefix("improvement:")
    # A code the office no longer offers has no daily column: never shown there.
    return [(h.improvements.get(code, 0), row.get(f"improvement_{code}") is None) for h, row in days]


def _office_hidden(office: OfficeMonths, month: str, item: Item) -> bool:
    n = _count(office.months.get(month, Month()), item)
    if n < MIN_CITIZENS:
        return True
    parts = _day_parts(office, month, item)
    return parts is not None and gives_away([c for c, hidden in parts if hidden], MIN_CITIZENS)


def _office_shown(office: OfficeMonths, month: str, item: Item) -> bool:
    """Whether the office's own monthly row shows the figure (an improvement only among its top three)."""
    if item.startswith("improvement:"):
        top = {code for code, _n in top_improvements(office.months.get(month, Month()).happiness, TOP)}
        if item.removeprefix("improvement:") not in top:
            return False
    return not _office_hidden(office, month, item)


def _pooled_hidden(offices: Sequence[OfficeMonths], month: Month, name: str, item: Item) -> bool:
    if _count(month, item) < MIN_CITIZENS:
        return True
    secret: list[int] = []
    for office in offices:
        if _office_shown(office, name, item):
            continue  # the office's own row is safe on its days: only its total counts, and it is shown
        parts = _day_parts(office, name, item)
        if parts is None:
            secret.append(_count(office.months.get(name, Month()), item))
        else:
            secret.extend(c for c, hidden in parts if hidden)
    return gives_away(secret, MIN_CITIZENS)


def _row(name: str, month: Month, hidden: Callable[[Item], bool]) -> dict[str, Any]:
    happy, walkins = month.happiness, month.walkins
    answers_shown, called_shown = not hidden(ANSWERS), not hidden(WALKINS_CALLED)
    mean, share = happy.mean_score, walkins.within_5min_share
    row: dict[str, Any] = {
        "month": name,
        "happiness_answers": happy.answers if answers_shown else None,
        "happiness_mean_score": round(mean, 2) if answers_shown and mean is not None else None,
        "walkins_called": walkins.called if called_shown else None,
        "walkins_within_5min_share": round(share, 3) if called_shown and share is not None else None,
    }
    top = top_improvements(happy, TOP)
    for rank in range(1, TOP + 1):
        code, n = top[rank - 1] if rank <= len(top) else (None, 0)
        shown = code is not None and not hidden(_improvement(code))
        row[f"improvement_{rank}"] = code if shown else None
        row[f"improvement_{rank}_answers"] = n if shown else None
    return row


def office_rows(stats: OfficeStatistics, months: list[str]) -> list[dict[str, Any]]:
    """One office's monthly rows, one per month of `months`, suppressed."""
    office = office_months(stats)
    return [_row(name, office.months.get(name, Month()), partial(_office_hidden, office, name)) for name in months]


def pooled_rows(stats: Sequence[OfficeStatistics], months: list[str]) -> list[dict[str, Any]]:
    """The rows of all offices together: every walk-in and answer pooled (counted as one office's would be),
    then suppressed against each office's own monthly rows and days."""
    offices = [office_months(s) for s in stats]
    pooled = monthly([v for s in stats for v in s.visits], [a for s in stats for a in s.answers])
    return [
        _row(name, month, partial(_pooled_hidden, offices, month, name))
        for name in months
        for month in [pooled.get(name, Month())]
    ]


_MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


def _shift(month: str, by: int) -> str:
    index = int(month[:4]) * 12 + int(month[5:7]) - 1 + by
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def month_range(today: date, start: str | None, end: str | None) -> list[str]:
    """The months asked for: finished months only (`to` before the month of `today`), at most `MAX_MONTHS`;
    by default the last `DEFAULT_MONTHS` finished ones."""
    for given, name in ((start, "from"), (end, "to")):
        if given is not None and not _MONTH.fullmatch(given):
            raise ApiError(422, "invalid_month", f"'{name}' must be a month as YYYY-MM, not {given!r}")
    current = month_of(today)
    end = end or _shift(current, -1)
    start = start or _shift(end, 1 - DEFAULT_MONTHS)
    if end >= current:
        raise ApiError(
            422, "range_not_finished", f"the monthly file covers finished months: 'to' must be before {current}"
        )
    if start > end:
        raise ApiError(422, "invalid_range", "'from' must be on or before 'to'")
    months = months_between(start, end)
    if len(months) > MAX_MONTHS:
        raise ApiError(422, "range_too_long", f"at most {MAX_MONTHS} months at a time; ask for several ranges")
    return months


def _days(months: list[str]) -> tuple[date, date]:
    first = date.fromisoformat(f"{months[0]}-01")
    last = date.fromisoformat(f"{_shift(months[-1], 1)}-01") - timedelta(days=1)
    return first, last


def _render(office: str, stats: list[OfficeStatistics], months: list[str], extension: str, recent: bool) -> Answer:
    rows = pooled_rows(stats, months) if office == ALL else office_rows(stats[0], months)
    max_age = int((RECENT_KEEP if recent else timedelta(hours=1)).total_seconds())
    headers = {
        "Link": f'<{LICENCE["url"]}>; rel="license", </open-data/{office}>; rel="describedby"',
        "X-License": LICENCE["id"],
        "Content-Disposition": f'inline; filename="{office}-monthly-{months[0]}-{months[-1]}.{extension}"',
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": f"public, max-age={max_age}",
    }
    if extension == "csv":
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow([c.name for c in COLUMNS])
        writer.writerows(["" if row[c.name] is None else row[c.name] for c in COLUMNS] for row in rows)
        return Answer(out.getvalue().encode(), "text/csv; charset=utf-8", headers)
    if office == ALL:
        about: dict[str, Any] = {"offices": [s.office for s in stats]}
        attribution = "Loket open data"
    else:
        about = {"office_name": stats[0].name, "timezone": stats[0].timezone}
        attribution = f"{stats[0].name}, via Loket open data"
    body = {
        "office": office,
        **about,
        "file": "monthly",
        "from": months[0],
        "to": months[-1],
        "licence": {**LICENCE, "attribution": attribution},
        "suppressed_below": MIN_CITIZENS,
        "dictionary": f"/open-data/{stats[0].office}" if stats else None,
        "fields": [{"name": c.name, "type": c.type} for c in COLUMNS],
        "rows": rows,
    }
    return Answer(bytes(JSONResponse(body).body), "application/json", headers)


async def _file(
    request: Request, parts: PartsDep, office: str, extension: str, start: str | None, end: str | None
) -> Response:
    """A monthly file, computed once per (office, range, format) and answered 304 when the client has it."""
    now = parts.clock()
    if office == ALL:
        ids = await run_in_threadpool(parts.db.office_ids)
        zones = await read(parts, lambda repo: [repo.office(o).timezone for o in ids])
    else:
        ids, zones = [office], [(await read(parts, lambda repo: repo.office(office))).timezone]  # NotFound: 404
    # Over several offices: the months finished in every one of them.
    today = min((office_day(now, zone) for zone in zones), default=now.date())
    months = month_range(today, start, end)
    first, last = _days(months)
    recent = last >= today - timedelta(days=1)

    def render() -> Answer:
        return _render(office, [office_statistics(parts.db, o, first, last) for o in ids], months, extension, recent)

    key = (office if office != ALL else ("*", ALL), "monthly", months[0], months[-1], extension)
    return await cached_file(request, key, now, recent, render)


FromMonth = Annotated[str | None, Query(alias="from", description="First month, YYYY-MM (default: 12 months back)")]
ToMonth = Annotated[str | None, Query(description="Last month, YYYY-MM, before this month (default: last month)")]


# All offices first: registered before the office's routes, though no office may be called `all` anyway.
@router.get(f"/open-data/{ALL}/monthly.csv", response_class=Response, summary=f"monthly.csv of all offices: {SUMMARY}")
async def all_csv(request: Request, parts: PartsDep, start: FromMonth = None, to: ToMonth = None) -> Response:
    return await _file(request, parts, ALL, "csv", start, to)


@router.get(f"/open-data/{ALL}/monthly.json", response_class=JSONResponse, summary="monthly.json of all offices")
async def all_json(request: Request, parts: PartsDep, start: FromMonth = None, to: ToMonth = None) -> Response:
    return await _file(request, parts, ALL, "json", start, to)


@router.get("/open-data/{office}/monthly.csv", response_class=Response, summary=f"monthly.csv: {SUMMARY}")
async def office_csv(
    office: str, request: Request, parts: PartsDep, start: FromMonth = None, to: ToMonth = None
) -> Response:
    return await _file(request, parts, office, "csv", start, to)


@router.get("/open-data/{office}/monthly.json", response_class=JSONResponse, summary=f"monthly.json: {SUMMARY}")
async def office_json(
    office: str, request: Request, parts: PartsDep, start: FromMonth = None, to: ToMonth = None
) -> Response:
    return await _file(request, parts, office, "json", start, to)
