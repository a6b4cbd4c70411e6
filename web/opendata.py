"""Open data: an office's anonymous statistics per day and per (day, service, hour), as CSV and JSON, with a data
dictionary page. Public, no token, licensed CC BY 4.0.

Small cells are suppressed: a value computed from fewer than `MIN_CITIZENS` citizens (or answers, or bookings) is
left empty in the CSV and null in the JSON, counts of 0 to 4 included. When a total is shown and exactly one of its
parts is suppressed, the smallest other part is suppressed too, so that the hidden one cannot be worked out by
subtraction within a row.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from api.changes import read
from api.deps import PartsDep
from api.errors import ApiError
from scheduler.numbering import office_day
from store.statistics import Bookings, Happiness, OfficeStatistics, Tally, office_statistics

router = APIRouter(tags=["open data"])

MIN_CITIZENS = 5
MAX_DAYS = 366
DEFAULT_DAYS = 30
LICENCE = {
    "name": "CC BY 4.0",
    "id": "CC-BY-4.0",
    "url": "https://creativecommons.org/licenses/by/4.0/",
}


@dataclass(frozen=True)
class Cells:
    """What one row is computed from: a day, or a day, service and hour."""

    day: date
    tally: Tally
    happiness: Happiness
    bookings: Bookings = field(default_factory=Bookings)
    service: str | None = None
    hour: int | None = None


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    value: Callable[[Cells], Any]
    #: How many citizens (answers, bookings) the value is computed from; None: never suppressed.
    base: Callable[[Cells], int] | None = None


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _count(name: str, meaning: str, get: Callable[[Cells], int]) -> Column:
    return Column(name, "integer", meaning, get, get)


_WAITS = [
    Column(
        "wait_mean_s",
        "number",
        "Mean wait in seconds, from the start of the wait (check-in; the booked slot for an appointment who came "
        "early; the time given to a walk-in told to come back) to the first call (the last call where the first was "
        "not recorded), over the citizens called",
        lambda c: _round(c.tally.wait_mean_s, 1),
        lambda c: c.tally.called,
    ),
    Column(
        "wait_p50_s",
        "integer",
        "Median wait in seconds (nearest rank) over the citizens called",
        lambda c: c.tally.wait_p50_s,
        lambda c: c.tally.called,
    ),
    Column(
        "wait_p90_s",
        "integer",
        "90th percentile of the wait in seconds (nearest rank): 9 in 10 called citizens waited at most this long",
        lambda c: c.tally.wait_p90_s,
        lambda c: c.tally.called,
    ),
    Column(
        "served_within_5min_share",
        "number",
        "Share (0 to 1) of the citizens called whose wait was 5 minutes or less (the office's target: 0.9)",
        lambda c: _round(c.tally.within_5min_share, 3),
        lambda c: c.tally.called,
    ),
    Column(
        "service_mean_s",
        "number",
        "Mean time at the counter in seconds, over the citizens served",
        lambda c: _round(c.tally.service_mean_s, 1),
        lambda c: len(c.tally.service_times),
    ),
]

_ESTIMATES = [
    Column(
        "estimate_mae_s",
        "number",
        "Mean absolute error in seconds of the wait told at the kiosk when the ticket was issued, against the real "
        "wait from that moment to the first call, over the citizens called whose estimate was kept",
        lambda c: _round(c.tally.estimate_mae_s, 1),
        lambda c: c.tally.estimated,
    ),
    Column(
        "estimate_in_range_share",
        "number",
        "Share (0 to 1) of those citizens whose real wait fell inside the range told with the estimate",
        lambda c: _round(c.tally.estimate_in_range_share, 3),
        lambda c: c.tally.estimated,
    ),
]

_CITIZENS = [
    _count("citizens", "Citizens who checked in (walk-ins and appointments; a transfer is the same citizen)",
           lambda c: c.tally.citizens),
    _count("walkins", "Citizens who took a ticket without an appointment", lambda c: c.tally.walkins),
    _count("appointments", "Citizens who checked in for a booked appointment", lambda c: c.tally.appointments),
    _count("served", "Citizens whose visit ended served at a counter", lambda c: c.tally.served),
    _count("no_shows", "Citizens called who did not come to the counter", lambda c: c.tally.no_shows),
    _count("left", "Citizens who left the queue before being called, or were still waiting at closing",
           lambda c: c.tally.left),
]  # fmt: skip

_HAPPINESS = [
    _count("happiness_answers", "Answers to the question \"Are you happy with your visit?\"",
           lambda c: c.happiness.answers),
    Column(
        "happiness_mean_score",
        "number",
        "Mean score of those answers, from 1 (not at all) to 10 (very)",
        lambda c: _round(c.happiness.mean_score, 2),
        lambda c: c.happiness.answers,
    ),
]  # fmt: skip


def _chosen(code: str) -> Callable[[Cells], int]:
    return lambda c: c.happiness.improvements.get(code, 0)


def daily_columns(stats: OfficeStatistics) -> list[Column]:
    """The columns of daily.csv; an improvement column per improvement the office offers."""
    return [
        Column("date", "date", "The office-local day (YYYY-MM-DD)", lambda c: c.day.isoformat()),
        *_CITIZENS,
        *_WAITS,
        *_ESTIMATES,
        _count(
            "bookings_due",
            "Appointments booked for the day whose citizen checked in or never came (cancelled ones left out)",
            lambda c: c.bookings.due,
        ),
        Column(
            "booking_no_show_rate",
            "number",
            "Share (0 to 1) of bookings_due whose citizen never came",
            lambda c: _round(c.bookings.no_show_rate, 3),
            lambda c: c.bookings.due,
        ),
        *_HAPPINESS,
        *(
            _count(
                f"improvement_{code}",
                f'Answers choosing the improvement "{names.get("en") or code}"',
                _chosen(code),
            )
            for code, names in stats.improvements
        ),
    ]


def hourly_columns(_stats: OfficeStatistics) -> list[Column]:
    return [
        Column("date", "date", "The office-local day (YYYY-MM-DD)", lambda c: c.day.isoformat()),
        Column(
            "hour",
            "integer",
            "The office-local hour (0 to 23) the wait started; for happiness, the hour the visit ended",
            lambda c: c.hour,
        ),
        Column("service", "string", "The service's code (see the services below)", lambda c: c.service),
        *_CITIZENS,
        *_WAITS,
        *_ESTIMATES,
        *_HAPPINESS,
    ]


#: (total, parts): a total shown with exactly one part suppressed would give that part away.
_SUMS = [("citizens", ("walkins", "appointments")), ("citizens", ("served", "no_shows", "left"))]


def publish(columns: list[Column], cells: Cells) -> dict[str, Any]:
    """One row with its small cells suppressed (None)."""
    row: dict[str, Any] = {}
    for column in columns:
        small = column.base is not None and column.base(cells) < MIN_CITIZENS
        row[column.name] = None if small else column.value(cells)
    for total, parts in _SUMS:
        if row.get(total) is None:
            continue
        hidden = [p for p in parts if row[p] is None]
        if total == "citizens" and "served" in parts and cells.tally.still_open:
            hidden.append("still open")  # not published: as good as suppressed
        shown = [p for p in parts if row[p] is not None]
        if len(hidden) == 1 and shown:
            row[min(shown, key=lambda p: row[p])] = None
    return row


def daily_rows(stats: OfficeStatistics) -> list[dict[str, Any]]:
    columns = daily_columns(stats)
    tallies, happiness = stats.daily(), stats.happiness(lambda a: a.day)
    rows = []
    for day in stats.days:
        cells = Cells(
            day, tallies.get(day, Tally()), happiness.get(day, Happiness()), stats.bookings.get(day, Bookings())
        )
        rows.append(publish(columns, cells))
    return rows


def hourly_rows(stats: OfficeStatistics) -> list[dict[str, Any]]:
    columns = hourly_columns(stats)
    tallies, happiness = stats.hourly(), stats.happiness(lambda a: (a.day, a.service, a.hour))
    rows = []
    for day in stats.active_days():
        for hour in stats.hours_of(day):
            for service, _names in stats.services:
                key = (day, service, hour)
                cells = Cells(
                    day, tallies.get(key, Tally()), happiness.get(key, Happiness()), service=service, hour=hour
                )
                rows.append(publish(columns, cells))
    return rows


Columns = Callable[[OfficeStatistics], list[Column]]
Rows = Callable[[OfficeStatistics], list[dict[str, Any]]]
#: The files: what a row is, its columns, its rows.
FILES: dict[str, tuple[str, Columns, Rows]] = {
    "daily": ("One row per office-local day of the range, closed days included", daily_columns, daily_rows),
    "hourly": (
        "One row per day with citizens, service and office-local hour (the opening hours and every hour with "
        "citizens)",
        hourly_columns,
        hourly_rows,
    ),
}  # fmt: skip


def _range(today: date, start: date | None, end: date | None) -> tuple[date, date]:
    end = end or today - timedelta(days=1)
    start = start or end - timedelta(days=DEFAULT_DAYS - 1)
    if end >= today:
        raise ApiError(422, "range_not_finished", f"open data covers finished days: 'to' must be before {today}")
    if start > end:
        raise ApiError(422, "invalid_range", "'from' must be on or before 'to'")
    if (end - start).days + 1 > MAX_DAYS:
        raise ApiError(422, "range_too_long", f"at most {MAX_DAYS} days at a time; ask for several ranges")
    return start, end


async def _statistics(parts: PartsDep, office: str, start: date | None, end: date | None) -> OfficeStatistics:
    found = await read(parts, lambda repo: repo.office(office))  # NotFound: 404
    first, last = _range(office_day(parts.clock(), found.timezone), start, end)
    return await run_in_threadpool(office_statistics, parts.db, office, first, last)


def _headers(stats: OfficeStatistics, kind: str, extension: str) -> dict[str, str]:
    name = f"{stats.office}-{kind}-{stats.start}-{stats.end}.{extension}"
    return {
        "Link": f'<{LICENCE["url"]}>; rel="license", </open-data/{stats.office}>; rel="describedby"',
        "X-License": LICENCE["id"],
        "Content-Disposition": f'inline; filename="{name}"',
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": "public, max-age=3600",
    }


def as_csv(columns: list[Column], rows: list[dict[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in columns])
    for row in rows:
        writer.writerow(["" if row[c.name] is None else row[c.name] for c in columns])
    return out.getvalue()


def as_json(stats: OfficeStatistics, kind: str, columns: list[Column], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "office": stats.office,
        "office_name": stats.name,
        "timezone": stats.timezone,
        "file": kind,
        "from": stats.start.isoformat(),
        "to": stats.end.isoformat(),
        "licence": {**LICENCE, "attribution": f"{stats.name}, via Loket open data"},
        "suppressed_below": MIN_CITIZENS,
        "dictionary": f"/open-data/{stats.office}",
        "fields": [{"name": c.name, "type": c.type} for c in columns],
        "rows": rows,
    }


From = Annotated[date | None, Query(alias="from", description="First office-local day (default: 30 days back)")]
To = Annotated[date | None, Query(description="Last office-local day, before today (default: yesterday)")]


def _register(kind: str) -> None:
    summary, columns_of, rows_of = FILES[kind]

    @router.get(f"/open-data/{{office}}/{kind}.csv", response_class=Response, summary=f"{kind}.csv: {summary}")
    async def csv_file(office: str, parts: PartsDep, start: From = None, to: To = None) -> Response:
        stats = await _statistics(parts, office, start, to)
        body = as_csv(columns_of(stats), rows_of(stats))
        return Response(body, media_type="text/csv; charset=utf-8", headers=_headers(stats, kind, "csv"))

    @router.get(f"/open-data/{{office}}/{kind}.json", summary=f"{kind}.json: {summary}")
    async def json_file(office: str, parts: PartsDep, start: From = None, to: To = None) -> JSONResponse:
        stats = await _statistics(parts, office, start, to)
        body = as_json(stats, kind, columns_of(stats), rows_of(stats))
        return JSONResponse(body, headers=_headers(stats, kind, "json"))


for _kind in FILES:
    _register(_kind)


@router.get("/open-data/{office}", response_class=HTMLResponse, summary="The data dictionary of an office's open data")
async def dictionary(office: str, request: Request, parts: PartsDep) -> HTMLResponse:
    env: Environment = request.app.state.templates
    found = await read(parts, lambda repo: repo.office(office))  # NotFound: 404
    today = office_day(parts.clock(), found.timezone)
    end = today - timedelta(days=1)
    stats = await run_in_threadpool(office_statistics, parts.db, office, end, end)
    files = [
        {"name": kind, "summary": summary, "columns": columns_of(stats)}
        for kind, (summary, columns_of, _rows) in FILES.items()
    ]
    html = env.get_template("opendata.html").render(
        office=found,
        files=files,
        services=stats.services,
        improvements=stats.improvements,
        licence=LICENCE,
        min_citizens=MIN_CITIZENS,
        max_days=MAX_DAYS,
        default_days=DEFAULT_DAYS,
        example_from=(end - timedelta(days=DEFAULT_DAYS - 1)).isoformat(),
        example_to=end.isoformat(),
    )
    return HTMLResponse(html, headers={"Link": f'<{LICENCE["url"]}>; rel="license"', "X-License": LICENCE["id"]})
