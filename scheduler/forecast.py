"""The forecast: expected demand per service and interval, from past days (or one workload day).

Pure functions, standard library only, no I/O. Times of day are seconds after midnight.

Per service and interval (by default an hour, from the opening time on the quarter hour): the expected number
of arrivals, averaged over the days given (the same weekday's history, or one workload day). A citizen counts
when they can be served: a walk-in at check-in, an appointment at max(check-in, slot); appointments that never
came do not count; walk-ins who gave up do (we staff for everybody who came). The mean and the squared
coefficient of variation of the service time come from the observed durations when a service has at least
`MIN_OBSERVATIONS` of them over the days, else from the scenario's planning figure with cs² = 1. Within an
interval arrivals are taken as Poisson (ca² = 1) at a steady rate: a crowd at the door at opening is smoothed
over its interval, which is why shorter intervals may be asked for.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import time

from scheduler.model import TicketKind
from scheduler.scenario import Scenario
from scheduler.workload import Arrival

#: A service needs this many observed durations before its own mean and spread replace the planning figure.
MIN_OBSERVATIONS = 5


@dataclass(frozen=True)
class Demand:
    """One citizen who came: their service, when they could be served (s after midnight), how long it took.

    `visits_from_workload` makes them from the rows of a workload's arrivals file.
    """

    service: str
    ready_s: float
    duration_s: float | None = None


@dataclass(frozen=True)
class ServiceForecast:
    code: str
    mean_service_s: float
    scv_service: float
    observed: int  # durations behind the two figures above (0: the scenario's planning figure, scv 1)
    arrivals: tuple[float, ...]  # expected arrivals per interval


@dataclass(frozen=True)
class Forecast:
    """Expected demand per service and interval; the intervals are [start_s + i·interval_s, ...) up to end_s."""

    start_s: int
    end_s: int
    interval_s: int
    services: tuple[ServiceForecast, ...]

    @property
    def intervals(self) -> tuple[tuple[int, int], ...]:
        edges = range(self.start_s, self.end_s, self.interval_s)
        return tuple((a, min(a + self.interval_s, self.end_s)) for a in edges)


def seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def clock(s: float) -> str:
    """Seconds after midnight as HH:MM (HH:MM:SS when not on a minute)."""
    s = round(s)
    text = f"{s // 3600:02d}:{s % 3600 // 60:02d}"
    return text if s % 60 == 0 else f"{text}:{s % 60:02d}"


def _day_bounds(scenario: Scenario, days: Sequence[Sequence[Demand]]) -> tuple[int, int]:
    starts = [seconds(a) for c in scenario.counters for a, _ in c.shifts]
    ends = [seconds(b) for c in scenario.counters for _, b in c.shifts]
    readies = [a.ready_s for day in days for a in day]
    # From the opening time (else the first shift or citizen), on the quarter hour before it: 08:30, 07:15.
    start = (seconds(scenario.opens) if scenario.opens else int(min(starts + readies, default=0))) // 900 * 900
    end = seconds(scenario.closes) if scenario.closes else math.ceil(max(ends + readies, default=start + 1))
    return start, max(end, start + 1)


def visits_from_workload(citizens: Iterable[Arrival]) -> list[Demand]:
    """The citizens who came, each when they could be served: a walk-in at check-in, an appointment at
    max(check-in, slot). Appointments that never came are left out."""
    visits = []
    for citizen in citizens:
        if citizen.arrival is None:
            continue
        ready = seconds(citizen.arrival)
        if citizen.kind is TicketKind.APPOINTMENT and citizen.slot is not None:
            ready = max(ready, seconds(citizen.slot))
        visits.append(Demand(citizen.service, ready, citizen.duration_s))
    return visits


def forecast(
    scenario: Scenario,
    days: Sequence[Sequence[Demand]],
    *,
    interval_s: int = 3600,
    start_s: int | None = None,
    end_s: int | None = None,
) -> Forecast:
    """Average the arrivals of `days` per service and interval (see the module docstring for the rules).

    The intervals run from the opening time (or the first shift or arrival), on the quarter hour before
    it, to the closing time; arrivals before the first interval count in it, arrivals after the last in the last one.
    """
    if interval_s <= 0:
        raise ValueError("the interval must be positive")
    if not days:
        raise ValueError("a forecast needs at least one day of arrivals")
    default_start, default_end = _day_bounds(scenario, days)
    start = default_start if start_s is None else start_s
    end = default_end if end_s is None else end_s
    if end <= start:
        raise ValueError("the day must end after it starts")
    n = math.ceil((end - start) / interval_s)
    known = {s.code: s for s in scenario.services}
    counts: dict[str, list[float]] = {code: [0.0] * n for code in known}
    durations: dict[str, list[float]] = {code: [] for code in known}
    for day in days:
        for visit in day:
            if visit.service not in known:
                raise ValueError(f"the arrivals name service {visit.service!r}, which the scenario does not offer")
            i = min(max(int((visit.ready_s - start) // interval_s), 0), n - 1)
            counts[visit.service][i] += 1 / len(days)
            if visit.duration_s is not None:
                durations[visit.service].append(visit.duration_s)
    services = []
    for spec in scenario.services:
        observed = [d for d in durations[spec.code] if d > 0]
        if len(observed) >= MIN_OBSERVATIONS:
            mean = sum(observed) / len(observed)
            scv = sum((d - mean) ** 2 for d in observed) / len(observed) / mean**2
            services.append(ServiceForecast(spec.code, mean, scv, len(observed), tuple(counts[spec.code])))
        else:
            services.append(ServiceForecast(spec.code, float(spec.duration_s), 1.0, 0, tuple(counts[spec.code])))
    return Forecast(start, end, interval_s, tuple(services))
