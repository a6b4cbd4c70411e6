"""Anonymous statistics of one office over a range of its days, counted from its rows: what the open data and the
manager dashboard show. Pure functions and plain data, standard library only; `store.statistics` reads the rows.

The aggregates are computed here in Python, so that percentiles come out the same on SQLite and PostgreSQL.
Nothing finer than an office-local hour leaves this module.

A citizen is one visit: a ticket that continues a transfer is the same citizen and is followed to the end of the
visit (served, no-show, left) instead of being counted again. A visit belongs to the office-local day of its
ticket and to the hour its wait started (`scheduler.model.wait_start`: check-in, the booked slot when the citizen
came early, or the time they were told to come back); its wait runs from there to the first call (`first_called_at`),
or to the last one (`called_at`) for a ticket whose first call was not recorded.

The estimate's accuracy compares the wait the citizen was told when the ticket was issued (`announced_wait_s` and
its range) with how long they really waited from that moment to their first call; visits without a kept estimate
are left out of it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, time, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from scheduler.model import PROMISE, TicketKind, TicketState, wait_start
from scheduler.percentile import nearest_rank

_WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

K = TypeVar("K", bound=Hashable)


class Outcome:
    SERVED = "served"
    NO_SHOW = "no_show"
    LEFT = "left"
    #: Still waiting, at a counter or parked (today), or never ended.
    OPEN = "open"


_OUTCOMES = {
    TicketState.DONE.value: Outcome.SERVED,
    TicketState.NO_SHOW.value: Outcome.NO_SHOW,
    TicketState.CANCELLED.value: Outcome.LEFT,
}


@dataclass(frozen=True)
class VisitRecord:
    """One citizen's visit, as the statistics see it: no ticket, no time finer than the hour."""

    service: str
    day: date
    #: The office-local hour the wait started.
    hour: int
    kind: str
    outcome: str
    #: Seconds from the start of the wait to the first call; None when never called.
    wait_s: int | None
    #: Seconds at the counter, when served.
    service_s: int | None
    #: The name of the counter that served the citizen, when served.
    counter: str | None
    #: How far the wait told at issue was from the real one (seconds from issue to the first call), and whether
    #: the real one fell inside the range told; None when no estimate was kept or the citizen was never called.
    estimate_error_s: int | None = None
    in_estimate_range: bool | None = None


@dataclass
class Tally:
    """The numbers of a group of visits (a day, or a day, service and hour)."""

    citizens: int = 0
    walkins: int = 0
    appointments: int = 0
    served: int = 0
    no_shows: int = 0
    left: int = 0
    waits: list[int] = field(default_factory=list)
    service_times: list[int] = field(default_factory=list)
    #: Per visit with a kept estimate and a call: the absolute error of the estimate, in seconds.
    estimate_errors: list[int] = field(default_factory=list)
    #: Of those, how many waited within the range told.
    in_estimate_range: int = 0

    def add(self, visit: VisitRecord) -> None:
        self.citizens += 1
        if visit.kind == TicketKind.APPOINTMENT.value:
            self.appointments += 1
        else:
            self.walkins += 1
        self.served += visit.outcome == Outcome.SERVED
        self.no_shows += visit.outcome == Outcome.NO_SHOW
        self.left += visit.outcome == Outcome.LEFT
        if visit.wait_s is not None:
            self.waits.append(visit.wait_s)
        if visit.service_s is not None:
            self.service_times.append(visit.service_s)
        if visit.estimate_error_s is not None:
            self.estimate_errors.append(visit.estimate_error_s)
            self.in_estimate_range += bool(visit.in_estimate_range)

    @property
    def still_open(self) -> int:
        return self.citizens - self.served - self.no_shows - self.left

    @property
    def called(self) -> int:
        """How many waits were measured: the base of every wait figure."""
        return len(self.waits)

    @property
    def wait_mean_s(self) -> float | None:
        return sum(self.waits) / len(self.waits) if self.waits else None

    @property
    def wait_p50_s(self) -> int | None:
        return nearest_rank(self.waits, 50)

    @property
    def wait_p90_s(self) -> int | None:
        return nearest_rank(self.waits, 90)

    @property
    def within_5min_share(self) -> float | None:
        """Of the citizens called, the share called within the promise (`PROMISE`) of the start of their wait."""
        return sum(1 for w in self.waits if w <= PROMISE.total_seconds()) / len(self.waits) if self.waits else None

    @property
    def service_mean_s(self) -> float | None:
        return sum(self.service_times) / len(self.service_times) if self.service_times else None

    @property
    def estimated(self) -> int:
        """How many estimates could be checked: the base of the accuracy figures."""
        return len(self.estimate_errors)

    @property
    def estimate_mae_s(self) -> float | None:
        """The mean absolute error of the waits told at issue, in seconds."""
        return sum(self.estimate_errors) / len(self.estimate_errors) if self.estimate_errors else None

    @property
    def estimate_in_range_share(self) -> float | None:
        """The share of the checked estimates whose real wait fell inside the range told."""
        return self.in_estimate_range / len(self.estimate_errors) if self.estimate_errors else None


@dataclass
class Happiness:
    """The answers to the happiness question of a group: how many, their scores, the improvements chosen."""

    answers: int = 0
    score_total: int = 0
    improvements: Counter[str] = field(default_factory=Counter)

    def add(self, score: int, improvements: Iterable[str]) -> None:
        self.answers += 1
        self.score_total += score
        self.improvements.update(improvements)

    @property
    def mean_score(self) -> float | None:
        return self.score_total / self.answers if self.answers else None


@dataclass
class Bookings:
    """The appointments booked for a day whose slot has passed: checked in, or never came."""

    due: int = 0
    no_shows: int = 0

    @property
    def no_show_rate(self) -> float | None:
        return self.no_shows / self.due if self.due else None


def tally(visits: Iterable[VisitRecord], key: Callable[[VisitRecord], K]) -> dict[K, Tally]:
    """The visits grouped by `key`, in key order."""
    groups: dict[K, Tally] = {}
    for visit in visits:
        groups.setdefault(key(visit), Tally()).add(visit)
    return dict(sorted(groups.items()))


@dataclass(frozen=True)
class Answer:
    """One anonymous answer to the happiness question, as stored."""

    service: str
    day: date
    hour: int
    score: int
    improvements: tuple[str, ...]


@dataclass(frozen=True)
class OfficeStatistics:
    """Everything counted for one office over `start`..`end` (office-local days, both included)."""

    office: str
    name: str
    timezone: str
    start: date
    end: date
    #: (code, names) of the office's services, in their order.
    services: list[tuple[str, dict[str, str]]]
    #: (code, names) of the office's happiness improvements, in their order.
    improvements: list[tuple[str, dict[str, str]]]
    visits: list[VisitRecord]
    answers: list[Answer]
    bookings: dict[date, Bookings]
    #: The office-local hours of each weekday (0 = Monday) the office is open for bookings.
    opening_hours: dict[int, list[int]]

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    def daily(self) -> dict[date, Tally]:
        return tally(self.visits, lambda v: v.day)

    def hourly(self) -> dict[tuple[date, str, int], Tally]:
        return tally(self.visits, lambda v: (v.day, v.service, v.hour))

    def by_service(self) -> dict[tuple[date, str], Tally]:
        """Per day and service (e.g. the estimate's accuracy)."""
        return tally(self.visits, lambda v: (v.day, v.service))

    def happiness(self, key: Callable[[Answer], K]) -> dict[K, Happiness]:
        groups: dict[K, Happiness] = {}
        for answer in self.answers:
            groups.setdefault(key(answer), Happiness()).add(answer.score, answer.improvements)
        return groups

    def served_by_counter(self) -> dict[tuple[date, str], int]:
        """Citizens served per day and counter (counter names, not people)."""
        counts = Counter((v.day, v.counter) for v in self.visits if v.outcome == Outcome.SERVED and v.counter)
        return {(day, str(name)): n for (day, name), n in sorted(counts.items())}

    def hours_of(self, day: date) -> list[int]:
        """The hours of `day` a table per hour covers: the opening hours, and every hour something happened."""
        busy = {v.hour for v in self.visits if v.day == day} | {a.hour for a in self.answers if a.day == day}
        return sorted(set(self.opening_hours.get(day.weekday(), [])) | busy)

    def active_days(self) -> list[date]:
        """The days with at least one citizen or answer."""
        return sorted({v.day for v in self.visits} | {a.day for a in self.answers})


def opening_hours(hours: dict[str, list[list[str]]]) -> dict[int, list[int]]:
    """Per weekday, the local hours h whose [h:00, h+1:00) overlaps an opening period."""
    out: dict[int, list[int]] = {}
    for weekday, name in enumerate(_WEEKDAYS):
        covered: set[int] = set()
        for opens, closes in hours.get(name, []):
            start, end = time.fromisoformat(opens), time.fromisoformat(closes)
            last = end.hour if (end.minute, end.second) != (0, 0) else end.hour - 1
            covered.update(range(start.hour, last + 1))
        if covered:
            out[weekday] = sorted(covered)
    return out


def visits_of(rows: Iterable[Any], zone: ZoneInfo, counters: dict[int, str]) -> list[VisitRecord]:
    """The visits of the ticket rows (anything with the ticket's columns as attributes, e.g. SQL rows): each
    chain of transfers is one citizen, counted at its first ticket."""
    rows = list(rows)
    by_id = {row.id: row for row in rows}
    continued = {row.transferred_from: row for row in rows if row.transferred_from is not None}
    visits = []
    for first in rows:
        if first.transferred_from is not None and first.transferred_from in by_id:
            continue  # counted with the ticket it continues
        last, seen = first, {first.id}
        while last.id in continued and continued[last.id].id not in seen:
            last = continued[last.id]
            seen.add(last.id)
        began = wait_start(first.checked_in_at, first.slot_at, first.return_at)
        first_call = first.first_called_at or first.called_at
        wait = None if first_call is None else max(0, round((first_call - began).total_seconds()))
        error, in_range = None, None
        if first_call is not None and first.announced_wait_s is not None:
            real = max(0, round((first_call - first.checked_in_at).total_seconds()))
            error = abs(real - first.announced_wait_s)
            low = first.announced_low_s if first.announced_low_s is not None else first.announced_wait_s
            high = first.announced_high_s if first.announced_high_s is not None else first.announced_wait_s
            in_range = low <= real <= high
        outcome = _OUTCOMES.get(last.state, Outcome.OPEN)
        service_s = None
        if outcome == Outcome.SERVED:
            service_s = last.service_s
            started = last.started_at or last.called_at
            if service_s is None and started is not None and last.finished_at is not None:
                service_s = max(0, round((last.finished_at - started).total_seconds()))
        visits.append(
            VisitRecord(
                service=first.service,
                day=first.day,
                hour=began.astimezone(zone).hour,
                kind=first.kind,
                outcome=outcome,
                wait_s=wait,
                service_s=service_s,
                counter=counters.get(last.counter_id) if outcome == Outcome.SERVED else None,
                estimate_error_s=error,
                in_estimate_range=in_range,
            )
        )
    return visits


def bookings_by_day(rows: Iterable[Any], zone: ZoneInfo, start: date, end: date) -> dict[date, Bookings]:
    """The booked appointments (`slot_at`, `state`) of `start`..`end` (office-local days) whose slot has passed,
    per day in day order."""
    bookings: dict[date, Bookings] = {}
    for row in rows:
        day = _due_on(row, zone, start, end)
        if day is not None:
            entry = bookings.setdefault(day, Bookings())
            entry.due += 1
            entry.no_shows += row.state == "no_show"
    return dict(sorted(bookings.items()))


def bookings_by_service(rows: Iterable[Any], zone: ZoneInfo, start: date, end: date) -> dict[str, Bookings]:
    """As `bookings_by_day`, per service (`service`, `slot_at`, `state`), in code order."""
    bookings: dict[str, Bookings] = {}
    for row in rows:
        if _due_on(row, zone, start, end) is not None:
            entry = bookings.setdefault(row.service, Bookings())
            entry.due += 1
            entry.no_shows += row.state == "no_show"
    return dict(sorted(bookings.items()))


def _due_on(row: Any, zone: ZoneInfo, start: date, end: date) -> date | None:
    """The local day of a booking due in `start`..`end` (its slot passed: checked in or never came), else None."""
    day: date = row.slot_at.astimezone(zone).date()
    return day if start <= day <= end and row.state in ("checked_in", "no_show") else None


def month_of(day: date) -> str:
    """The calendar month of an office-local day, as published: YYYY-MM."""
    return f"{day.year:04d}-{day.month:02d}"


def months_between(start: str, end: str) -> list[str]:
    """The months `start`..`end` (YYYY-MM, both included), in order."""
    year, month = int(start[:4]), int(start[5:7])
    out = []
    while (current := f"{year:04d}-{month:02d}") <= end:
        out.append(current)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


@dataclass
class Month:
    """What a month of the monthly indicator is counted from: its walk-ins (their waits) and its answers."""

    walkins: Tally = field(default_factory=Tally)
    happiness: Happiness = field(default_factory=Happiness)


def monthly(visits: Iterable[VisitRecord], answers: Iterable[Answer]) -> dict[str, Month]:
    """Per office-local calendar month (YYYY-MM), in month order. The visits and answers of several offices
    passed together are pooled: their mean is over all their answers, not a mean of the offices' means."""
    months: dict[str, Month] = {}
    for visit in visits:
        if visit.kind == TicketKind.WALKIN.value:
            months.setdefault(month_of(visit.day), Month()).walkins.add(visit)
    for answer in answers:
        months.setdefault(month_of(answer.day), Month()).happiness.add(answer.score, answer.improvements)
    return dict(sorted(months.items()))


def top_improvements(happiness: Happiness, n: int = 3) -> list[tuple[str, int]]:
    """The `n` most chosen improvements (code, answers choosing it), most chosen first, ties by code: the same
    answers always give the same order."""
    chosen = [(code, count) for code, count in happiness.improvements.items() if count > 0]
    return sorted(chosen, key=lambda item: (-item[1], item[0]))[:n]
