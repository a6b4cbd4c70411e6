"""Open data: an office's anonymous statistics per day and per (day, service, hour), as CSV and JSON, with a data
dictionary page. Public, no token, licensed CC BY 4.0.

Small cells are suppressed: a value computed from fewer than `MIN_CITIZENS` citizens (or answers, or bookings) is
left empty in the CSV and null in the JSON, counts of 0 to 4 included. Complementary suppression
(`scheduler.disclosure`) then hides more cells, across a day's row and its hourly cells together and within each
row, so that no total minus the parts shown (of a count, or of a mean times its count) leaves 1 to 4 citizens.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep
from api.errors import ApiError
from scheduler.disclosure import Relation, suppress
from scheduler.numbering import office_day
from scheduler.statistics import Bookings, Happiness, OfficeStatistics, Tally
from service.changes import read
from store.statistics import office_statistics
from web.opendata_cache import Answer, AnswerCache, matches

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
class Base:
    """The group of citizens (answers, bookings) values are computed from, and how many there are. Every value of
    one base is shown or suppressed together: a mean shown where its count is hidden would give the count away."""

    name: str
    count: Callable[[Cells], int]


CITIZENS = Base("citizens", lambda c: c.tally.citizens)
WALKINS = Base("walkins", lambda c: c.tally.walkins)
APPOINTMENTS = Base("appointments", lambda c: c.tally.appointments)
SERVED = Base("served", lambda c: c.tally.served)
NO_SHOWS = Base("no_shows", lambda c: c.tally.no_shows)
LEFT = Base("left", lambda c: c.tally.left)
#: Never published: citizens whose visit did not end (none, normally, on a finished day).
STILL_OPEN = Base("still_open", lambda c: c.tally.still_open)
CALLED = Base("called", lambda c: c.tally.called)
TIMED = Base("timed", lambda c: len(c.tally.service_times))
ESTIMATED = Base("estimated", lambda c: c.tally.estimated)
ANSWERS = Base("happiness_answers", lambda c: c.happiness.answers)
BOOKINGS_DUE = Base("bookings_due", lambda c: c.bookings.due)


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    value: Callable[[Cells], Any]
    #: What the value is computed from; None: never suppressed.
    base: Base | None = None


def _round(x: float | None, digits: int) -> float | None:
    return None if x is None else round(x, digits)


def _count(meaning: str, base: Base) -> Column:
    return Column(base.name, "integer", meaning, base.count, base)


_WAITS = [
    Column(
        "wait_mean_s",
        "number",
        "Mean wait in seconds, from the start of the wait (check-in; the booked slot for an appointment who came "
        "early; the time given to a walk-in told to come back) to the first call (the last call where the first was "
        "not recorded), over the citizens called",
        lambda c: _round(c.tally.wait_mean_s, 1),
        CALLED,
    ),
    Column(
        "wait_p50_s",
        "integer",
        "Median wait in seconds (nearest rank) over the citizens called",
        lambda c: c.tally.wait_p50_s,
        CALLED,
    ),
    Column(
        "wait_p90_s",
        "integer",
        "90th percentile of the wait in seconds (nearest rank): 9 in 10 called citizens waited at most this long",
        lambda c: c.tally.wait_p90_s,
        CALLED,
    ),
    Column(
        "served_within_5min_share",
        "number",
        "Share (0 to 1) of the citizens called whose wait was 5 minutes or less (the office's target: 0.9)",
        lambda c: _round(c.tally.within_5min_share, 3),
        CALLED,
    ),
    Column(
        "service_mean_s",
        "number",
        "Mean time at the counter in seconds, over the citizens served",
        lambda c: _round(c.tally.service_mean_s, 1),
        TIMED,
    ),
]

_ESTIMATES = [
    Column(
        "estimate_mae_s",
        "number",
        "Mean absolute error in seconds of the wait told at the kiosk when the ticket was issued, against the real "
        "wait from that moment to the first call, over the citizens called whose estimate was kept",
        lambda c: _round(c.tally.estimate_mae_s, 1),
        ESTIMATED,
    ),
    Column(
        "estimate_in_range_share",
        "number",
        "Share (0 to 1) of those citizens whose real wait fell inside the range told with the estimate",
        lambda c: _round(c.tally.estimate_in_range_share, 3),
        ESTIMATED,
    ),
]

_CITIZENS = [
    _count("Citizens who checked in (walk-ins and appointments; a transfer is the same citizen)", CITIZENS),
    _count("Citizens who took a ticket without an appointment", WALKINS),
    _count("Citizens who checked in for a booked appointment", APPOINTMENTS),
    _count("Citizens whose visit ended served at a counter", SERVED),
    _count("Citizens called who did not come to the counter", NO_SHOWS),
    _count("Citizens who left the queue before being called, or were still waiting at closing", LEFT),
]

_HAPPINESS = [
    _count('Answers to the question "Are you happy with your visit?"', ANSWERS),
    Column(
        "happiness_mean_score",
        "number",
        "Mean score of those answers, from 1 (not at all) to 10 (very)",
        lambda c: _round(c.happiness.mean_score, 2),
        ANSWERS,
    ),
]


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
            "Appointments booked for the day whose citizen checked in or never came (cancelled ones left out)",
            BOOKINGS_DUE,
        ),
        Column(
            "booking_no_show_rate",
            "number",
            "Share (0 to 1) of bookings_due whose citizen never came",
            lambda c: _round(c.bookings.no_show_rate, 3),
            BOOKINGS_DUE,
        ),
        *_HAPPINESS,
        *(
            _count(
                f'Answers choosing the improvement "{names.get("en") or code}"',
                Base(f"improvement_{code}", _chosen(code)),
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


#: The bases a day's figure is the sum of its hourly cells' for: the day minus the cells shown is what the hidden
#: cells hold, so those must cover at least MIN_CITIZENS or nobody (the wait sums follow from `called` and the
#: means, the score sums from the answers and their mean).
_ADDITIVE = [CITIZENS, WALKINS, APPOINTMENTS, SERVED, NO_SHOWS, LEFT, STILL_OPEN, CALLED, TIMED, ESTIMATED, ANSWERS]
#: Within one row: a total and its parts.
_ROW_SUMS = [(CITIZENS, (WALKINS, APPOINTMENTS)), (CITIZENS, (SERVED, NO_SHOWS, LEFT, STILL_OPEN))]
#: Figures of the citizens of a cell: hidden wherever their number is.
_SAME_CITIZENS = [WALKINS, APPOINTMENTS, SERVED, NO_SHOWS, LEFT, CALLED, TIMED, ESTIMATED]

#: Where a figure is: the day itself (None) or one of its (service, hour) cells.
Scope = tuple[str, int] | None
Item = tuple[Scope, str]


def _scope(cells: Cells) -> Scope:
    return None if cells.service is None or cells.hour is None else (cells.service, cells.hour)


def suppressed_items(day: Cells, cells: list[Cells], unlisted: list[Cells], extra: list[Base]) -> frozenset[Item]:
    """The (scope, base) figures of one day to leave empty, in the daily row and the hourly cells together.

    `cells` are the hourly rows published, in their order; `unlisted` the groups of the day that no row shows
    (a service no longer offered) but the day's totals count; `extra` the daily-only bases (bookings,
    improvements), which no other published figure adds up to."""
    everything = [day, *cells, *unlisted]
    counts: dict[Item, int] = {(_scope(c), base.name): base.count(c) for c in everything for base in _ADDITIVE}
    counts.update({(None, base.name): base.count(day) for base in extra})
    parts = [_scope(c) for c in [*cells, *unlisted]]
    relations = [Relation((None, base.name), tuple((scope, base.name) for scope in parts)) for base in _ADDITIVE]
    relations += [
        Relation((_scope(c), total.name), tuple((_scope(c), part.name) for part in of))
        for c in everything
        for total, of in _ROW_SUMS
    ]
    follows = {(_scope(c), CITIZENS.name): [(_scope(c), b.name) for b in _SAME_CITIZENS] for c in everything}
    unpublished = {(_scope(c), STILL_OPEN.name) for c in everything}
    unpublished |= {(_scope(c), base.name) for c in unlisted for base in _ADDITIVE}
    return suppress(counts, relations, threshold=MIN_CITIZENS, follows=follows, unpublished=unpublished)


def publish(columns: list[Column], cells: Cells, hidden: frozenset[Item]) -> dict[str, Any]:
    """One row with its suppressed values as None."""
    scope = _scope(cells)
    return {c.name: None if c.base is not None and (scope, c.base.name) in hidden else c.value(cells) for c in columns}


class Tables:
    """The daily row and the hourly rows of each day, suppressed together so that neither file, nor the two side
    by side, gives a small group away. A day's rows depend on that day alone: any range holds the same rows."""

    def __init__(self, stats: OfficeStatistics) -> None:
        self.stats = stats
        self.daily_columns = daily_columns(stats)
        self.hourly_columns = hourly_columns(stats)
        self._extra = [c.base for c in self.daily_columns if c.base is not None and c.base not in _ADDITIVE]
        self._daily = stats.daily()
        self._daily_happiness = stats.happiness(lambda a: a.day)
        self._hourly = stats.hourly()
        self._hourly_happiness = stats.happiness(lambda a: (a.day, a.service, a.hour))
        #: Per day, the (service, hour) groups with citizens or answers: one pass, not one per day.
        self._groups: dict[date, set[tuple[str, int]]] = {}
        for day, service, hour in [*self._hourly, *self._hourly_happiness]:
            self._groups.setdefault(day, set()).add((service, hour))

    def day(self, day: date) -> tuple[dict[str, Any], list[dict[str, Any]]]:
        """The day's daily row and its hourly rows (none for a day without citizens or answers)."""
        stats = self.stats
        total = Cells(
            day,
            self._daily.get(day, Tally()),
            self._daily_happiness.get(day, Happiness()),
            stats.bookings.get(day, Bookings()),
        )
        groups = self._groups.get(day, set())
        listed = [code for code, _names in stats.services]
        # As `OfficeStatistics.hours_of`: the opening hours and every hour with something in it.
        hours = sorted(set(stats.opening_hours.get(day.weekday(), [])) | {h for _s, h in groups}) if groups else []
        cells = [self._cells(day, service, hour) for hour in hours for service in listed]
        unlisted = [self._cells(day, s, h) for s, h in sorted(groups) if s not in listed]
        hidden = suppressed_items(total, cells, unlisted, self._extra)
        return publish(self.daily_columns, total, hidden), [publish(self.hourly_columns, c, hidden) for c in cells]

    def _cells(self, day: date, service: str, hour: int) -> Cells:
        key = (day, service, hour)
        return Cells(
            day,
            self._hourly.get(key, Tally()),
            self._hourly_happiness.get(key, Happiness()),
            service=service,
            hour=hour,
        )


def daily_rows(stats: OfficeStatistics) -> list[dict[str, Any]]:
    tables = Tables(stats)
    return [tables.day(day)[0] for day in stats.days]


def hourly_rows(stats: OfficeStatistics) -> list[dict[str, Any]]:
    tables = Tables(stats)
    return [row for day in stats.active_days() for row in tables.day(day)[1]]


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


#: How long an answer whose range includes the last finished day is kept: late answers may still come in for it.
RECENT_KEEP = timedelta(minutes=5)


def _cache(request: Request) -> AnswerCache:
    """The app's cache of rendered files, made on first use (one per app, so tests and processes don't share)."""
    state = request.app.state
    cache: AnswerCache | None = getattr(state, "open_data_cache", None)
    if cache is None:
        cache = state.open_data_cache = AnswerCache()
    return cache


async def cached_file(
    request: Request, key: Hashable, now: datetime, recent: bool, render: Callable[[], Answer]
) -> Response:
    """A rendered file from the app's cache (rendered off the event loop when missing), or 304 when the client
    has it: files that still reach into today are kept `RECENT_KEEP`, older ones until evicted."""
    answer = await _cache(request).answer(key, now, RECENT_KEEP if recent else None, lambda: run_in_threadpool(render))
    headers = {**answer.headers, "ETag": answer.etag}
    if matches(request.headers.get("if-none-match"), answer.etag):
        return Response(status_code=304, headers=headers)
    return Response(answer.body, media_type=answer.media_type, headers=headers)


async def _file(
    request: Request, parts: PartsDep, office: str, kind: str, extension: str, start: date | None, end: date | None
) -> Response:
    """A file, computed once per (office, file, range, format) and answered 304 when the client has these bytes."""
    found = await read(parts, lambda repo: repo.office(office))  # NotFound: 404
    now = parts.clock()
    today = office_day(now, found.timezone)
    first, last = _range(today, start, end)
    recent = last >= today - timedelta(days=1)

    def render() -> Answer:
        return _render(office_statistics(parts.db, office, first, last), kind, extension, recent)

    return await cached_file(request, (office, kind, first, last, extension), now, recent, render)


def _render(stats: OfficeStatistics, kind: str, extension: str, recent: bool) -> Answer:
    _summary, columns_of, rows_of = FILES[kind]
    columns, rows = columns_of(stats), rows_of(stats)
    headers = _headers(stats, kind, extension, RECENT_KEEP if recent else timedelta(hours=1))
    if extension == "csv":
        return Answer(as_csv(columns, rows).encode(), "text/csv; charset=utf-8", headers)
    return Answer(bytes(JSONResponse(as_json(stats, kind, columns, rows)).body), "application/json", headers)


def _headers(stats: OfficeStatistics, kind: str, extension: str, max_age: timedelta) -> dict[str, str]:
    name = f"{stats.office}-{kind}-{stats.start}-{stats.end}.{extension}"
    return {
        "Link": f'<{LICENCE["url"]}>; rel="license", </open-data/{stats.office}>; rel="describedby"',
        "X-License": LICENCE["id"],
        "Content-Disposition": f'inline; filename="{name}"',
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": f"public, max-age={int(max_age.total_seconds())}",
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
    summary, _columns_of, _rows_of = FILES[kind]

    @router.get(f"/open-data/{{office}}/{kind}.csv", response_class=Response, summary=f"{kind}.csv: {summary}")
    async def csv_file(office: str, request: Request, parts: PartsDep, start: From = None, to: To = None) -> Response:
        return await _file(request, parts, office, kind, "csv", start, to)

    @router.get(f"/open-data/{{office}}/{kind}.json", response_class=JSONResponse, summary=f"{kind}.json: {summary}")
    async def json_file(office: str, request: Request, parts: PartsDep, start: From = None, to: To = None) -> Response:
        return await _file(request, parts, office, kind, "json", start, to)


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
    # The monthly file is built on this module's daily rows (their small cells), hence imported here, not on top.
    from web import opendata_monthly as monthly

    files.append({"name": "monthly", "summary": monthly.SUMMARY, "columns": monthly.COLUMNS, "all": monthly.ALL})
    from web import opendata_ideas  # imports this module's licence

    files.append({"name": "ideas", "summary": opendata_ideas.SUMMARY, "columns": opendata_ideas.COLUMNS})
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
        max_months=monthly.MAX_MONTHS,
        default_months=monthly.DEFAULT_MONTHS,
        example_months=monthly.month_range(today, None, None),
        hidden_ideas=await opendata_ideas.hidden(parts, office),
    )
    return HTMLResponse(html, headers={"Link": f'<{LICENCE["url"]}>; rel="license"', "X-License": LICENCE["id"]})
