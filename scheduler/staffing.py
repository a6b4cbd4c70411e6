"""How many counters to open: Erlang C, a variability correction, and per-hour advice for multi-skill offices.

Pure functions, standard library only, no I/O. Times of day are seconds after midnight.

The queueing model
------------------
One service, `c` counters, Poisson arrivals at rate λ, service times with mean 1/μ, offered load a = λ/μ
(in Erlangs). For exponential service times (M/M/c) Erlang C is exact:

* Erlang B by its recursion B(0) = 1, B(n) = a·B(n-1) / (n + a·B(n-1)): every step stays in [0, 1], so
  it neither overflows nor loses precision for hundreds of servers and large loads (no factorials, no
  powers of a);
* the probability of waiting C = c·B / (c - a·(1 - B)) for a < c (and 1 when a >= c: the queue grows);
* P(W > t) = C · exp(-(cμ - λ)·t) and the mean wait E[W] = C / (cμ - λ).

Service-time variability (the approximation)
--------------------------------------------
Real services are not exponential (a passport takes 12 ± 3 minutes, a quick question 3 ± 5). We use the
Allen–Cunneen approximation for the GI/G/c queue: the mean wait is that of M/M/c times
k = (ca² + cs²) / 2, where ca² and cs² are the squared coefficients of variation of the inter-arrival and
service times (A. O. Allen, *Probability, Statistics, and Queueing Theory with Computer Science
Applications*, 2nd ed., Academic Press, 1990; see also W. Whitt, "Approximations for the GI/G/m queue",
Production and Operations Management 2(2), 1993). For the tail we keep Erlang C's probability of waiting
and stretch the conditional wait, which stays exponential, by the same factor:
P(W > t) ≈ C · exp(-(cμ - λ)·t / k). Its mean is then exactly Allen–Cunneen's, and k = 1 gives back
M/M/c. It is an approximation: good in heavy traffic, rougher for one or two lightly loaded counters.

Several services and counters with several skills (the approximation)
----------------------------------------------------------------------
Exact models of skill-based routing have no closed form. We use a pooled check per group of services: for
every group S of services, the counters that have at least one skill of S must number at least the counters
that S's demand would need if they formed one pooled queue for S alone (its arrivals merged, its service time
the mixture of the services' times, hence a larger cs²). A single service is the group {service}; the whole
office is the group of all services. This is a Hall-type condition: necessary in the model (those are the only
counters that can serve S, and even wholly given to S they must be that many), and - since skill-based routing
with a little cross-training comes close to full pooling (R. B. Wallace and W. Whitt, "A staffing algorithm
for call centers with skill-based routing", Manufacturing & Service Operations Management 7(4), 2005) - a good
guide to sufficiency, but not a proof: a counter shared by two groups is counted in full in both. Counters
open for part of an interval count for that share of it.

While some group falls short, the advice adds one counter with a single skill: the service whose extra counter
closes the most shortfall (summed over the short groups it belongs to, each capped at one counter; ties: the
service itself most short, then scenario order). Then any added counter that the others make unnecessary is
dropped again. Greedy, so not guaranteed minimal (on both commune days, per hour and per half hour, it
matches a brute-force search). One
skill per extra counter keeps the advice specific ("one more counter for passports"); a clerk with more skills
only adds capacity to more groups. The honest check of the whole advice is to re-simulate the day with it
(`with_extra_shifts`, then the simulator; bench/staffing.py).

The forecast
------------
Per service and interval (by default an hour, from the opening time on the quarter hour): the expected number
of arrivals, averaged over the days given (the same weekday's history, or one workload day). A citizen counts
when they can be served: a walk-in at check-in, an appointment at max(check-in, slot); appointments that never
came do not count; walk-ins who gave up do (we staff for everybody who came). The mean and the squared
coefficient of variation of the service time come from the observed durations when a service has at least
`MIN_OBSERVATIONS` of them over the days, else from the scenario's planning figure with cs² = 1. Within an
interval arrivals are taken as Poisson (ca² = 1) at a steady rate: a crowd at the door at opening is smoothed
over its interval, which is why shorter intervals may be asked for.

The counters planned in an interval are counted as the share of the interval each counter is open
(a counter on lunch break for half of the hour counts as 0.5).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from itertools import combinations

from scheduler.model import PROMISE, TicketKind
from scheduler.scenario import CounterSpec, Scenario
from scheduler.workload import Arrival

#: A service needs this many observed durations before its own mean and spread replace the planning figure.
MIN_OBSERVATIONS = 5
#: Up to this many services with demand in an interval, every group of services is checked (2^n - 1 groups);
#: above it, the single services, the skill sets of the counters and the whole office.
MAX_EXACT_SERVICES = 12

_EPS = 1e-9


# ---------------------------------------------------------------------------------------------- Erlang B and C


def erlang_b(servers: int, load: float) -> float:
    """Erlang B blocking probability for `servers` servers and `load` Erlangs (stable recursion)."""
    if servers < 0 or load < 0:
        raise ValueError("servers and load must not be negative")
    b = 1.0
    for n in range(1, servers + 1):
        b = load * b / (n + load * b)
    return b


def _c_from_b(servers: int, load: float, b: float) -> float:
    if load <= 0:
        return 0.0
    if servers <= load:
        return 1.0
    return servers * b / (servers - load * (1.0 - b))


def erlang_c(servers: int, load: float) -> float:
    """Probability that an arriving customer waits, M/M/`servers` with `load` Erlangs (1 if a >= c)."""
    return _c_from_b(servers, load, erlang_b(servers, load))


def _check(arrival_rate_per_s: float, mean_service_s: float, scv_arrival: float, scv_service: float) -> None:
    if arrival_rate_per_s < 0:
        raise ValueError("arrival rate must not be negative")
    if mean_service_s <= 0:
        raise ValueError("mean service time must be positive")
    if scv_arrival < 0 or scv_service < 0:
        raise ValueError("squared coefficients of variation must not be negative")


def _tail(c_prob: float, servers: int, rate: float, mean_service_s: float, t: float, k: float) -> float:
    """P(W > t) given the probability of waiting, with the conditional wait stretched by k."""
    if c_prob <= 0:
        return 0.0
    if servers <= rate * mean_service_s:
        return 1.0
    if t <= 0:
        return c_prob
    if k <= 0:  # no variability at all: a stable D/D/c queue never makes anyone wait
        return 0.0
    return c_prob * math.exp(-(servers / mean_service_s - rate) * t / k)


def wait_exceeds(
    servers: int,
    arrival_rate_per_s: float,
    mean_service_s: float,
    t_s: float,
    *,
    scv_arrival: float = 1.0,
    scv_service: float = 1.0,
) -> float:
    """P(wait > t_s): exact for M/M/c (both scv = 1), Allen–Cunneen-stretched otherwise (module docstring)."""
    _check(arrival_rate_per_s, mean_service_s, scv_arrival, scv_service)
    load = arrival_rate_per_s * mean_service_s
    k = (scv_arrival + scv_service) / 2
    return _tail(erlang_c(servers, load), servers, arrival_rate_per_s, mean_service_s, t_s, k)


def mean_wait_s(
    servers: int,
    arrival_rate_per_s: float,
    mean_service_s: float,
    *,
    scv_arrival: float = 1.0,
    scv_service: float = 1.0,
) -> float:
    """Mean wait in the queue, C / (cμ - λ) × (ca² + cs²)/2; infinite when the counters cannot keep up."""
    _check(arrival_rate_per_s, mean_service_s, scv_arrival, scv_service)
    load = arrival_rate_per_s * mean_service_s
    if load <= 0:
        return 0.0
    if servers <= load:
        return math.inf
    k = (scv_arrival + scv_service) / 2
    return erlang_c(servers, load) / (servers / mean_service_s - arrival_rate_per_s) * k


def counters_needed(
    arrival_rate_per_s: float,
    mean_service_s: float,
    target_wait_s: float = PROMISE.total_seconds(),
    target_share: float = 0.9,
    scv_service: float = 1.0,
    *,
    scv_arrival: float = 1.0,
) -> int:
    """The smallest number of counters c > offered load with P(wait <= target_wait_s) >= target_share.

    Zero arrivals need zero counters. Linear in the answer: Erlang B is carried forward one counter at a time.
    """
    _check(arrival_rate_per_s, mean_service_s, scv_arrival, scv_service)
    if not 0 <= target_share < 1:
        raise ValueError("target share must be at least 0 and below 1")
    if target_wait_s < 0:
        raise ValueError("target wait must not be negative")
    if arrival_rate_per_s == 0:
        return 0
    load = arrival_rate_per_s * mean_service_s
    k = (scv_arrival + scv_service) / 2
    servers = math.floor(load) + 1
    b = erlang_b(servers, load)
    while True:
        c_prob = _c_from_b(servers, load, b)
        if 1 - _tail(c_prob, servers, arrival_rate_per_s, mean_service_s, target_wait_s, k) >= target_share:
            return servers
        servers += 1
        b = load * b / (servers + load * b)


# ---------------------------------------------------------------------------------------------- the forecast


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


# ---------------------------------------------------------------------------------------------- the advice


def open_share(counter: CounterSpec, start_s: float, end_s: float) -> float:
    """The share of [start_s, end_s) during which the counter is open."""
    open_s = sum(max(0, min(end_s, seconds(b)) - max(start_s, seconds(a))) for a, b in counter.shifts)
    return min(1.0, open_s / (end_s - start_s))


@dataclass(frozen=True)
class ExtraCounters:
    """Open `counters` more counters with these skills (the advice gives one skill each)."""

    skills: tuple[str, ...]
    counters: int


@dataclass(frozen=True)
class IntervalAdvice:
    start_s: int
    end_s: int
    arrivals: Mapping[str, float]  # expected arrivals per service
    planned: Mapping[str, float]  # counters open with the skill (shares of the interval; multi-skill count for each)
    needed: Mapping[str, int]  # counters the service would need as its own pooled queue
    planned_total: float  # counters open (shares of the interval)
    needed_total: int  # counters the whole office would need as one pooled queue of all its counters
    extra: tuple[ExtraCounters, ...]  # what to open on top of the plan (empty: the plan suffices)

    @property
    def extra_total(self) -> int:
        return sum(e.counters for e in self.extra)


@dataclass(frozen=True)
class StaffingAdvice:
    scenario: str
    services: tuple[str, ...]
    target_wait_s: float
    target_share: float
    forecast: Forecast
    intervals: tuple[IntervalAdvice, ...]


@dataclass(frozen=True)
class _Pool:
    rate_per_s: float
    mean_service_s: float
    scv_service: float


def _pool(parts: Iterable[tuple[float, float, float]]) -> _Pool:
    """Merge (rate, mean, scv) streams into one queue: rates add, service time is their mixture."""
    items = [p for p in parts if p[0] > 0]
    rate = sum(r for r, _, _ in items)
    if rate <= 0:
        return _Pool(0.0, 1.0, 1.0)
    mean = sum(r * m for r, m, _ in items) / rate
    second = sum(r * m * m * (1 + scv) for r, m, scv in items) / rate
    return _Pool(rate, mean, max(0.0, second / mean**2 - 1))


def _groups(active: Sequence[str], skill_sets: Iterable[frozenset[str]]) -> list[frozenset[str]]:
    if len(active) <= MAX_EXACT_SERVICES:
        return [frozenset(g) for size in range(1, len(active) + 1) for g in combinations(active, size)]
    wanted = set(active)
    groups = {frozenset({s}) for s in active} | {frozenset(wanted)}
    groups |= {skills & wanted for skills in skill_sets if skills & wanted}
    return sorted(groups, key=lambda g: (len(g), sorted(g)))


def _advise_interval(
    forecast_: Forecast,
    i: int,
    counters: Sequence[tuple[frozenset[str], float]],
    target_wait_s: float,
    target_share: float,
    scv_arrival: float,
) -> IntervalAdvice:
    start, end = forecast_.intervals[i]
    length = end - start
    streams = {s.code: (s.arrivals[i] / length, s.mean_service_s, s.scv_service) for s in forecast_.services}
    codes = [s.code for s in forecast_.services]
    active = [c for c in codes if streams[c][0] > 0]

    def need(group: Iterable[str]) -> int:
        pool = _pool(streams[c] for c in group)
        return counters_needed(
            pool.rate_per_s, pool.mean_service_s, target_wait_s, target_share, pool.scv_service, scv_arrival=scv_arrival
        )

    def capacity(group: frozenset[str], extra: Sequence[tuple[frozenset[str], float]] = ()) -> float:
        return sum(share for skills, share in (*counters, *extra) if skills & group)

    needs = {group: need(group) for group in _groups(active, (skills for skills, _ in counters))}
    added: list[tuple[frozenset[str], float]] = []
    while True:
        short = {g: n - capacity(g, added) for g, n in needs.items() if n - capacity(g, added) > _EPS}
        if not short:
            break
        # One more counter for the service whose extra counter would close the most shortfall.
        score = {c: sum(min(d, 1.0) for g, d in short.items() if c in g) for c in active}
        best = min(active, key=lambda c: (-score[c], -short.get(frozenset({c}), 0.0), codes.index(c)))
        added.append((frozenset({best}), 1.0))
    # Greedy may overshoot: drop any extra counter that the others make unnecessary.
    for j in reversed(range(len(added))):
        rest = added[:j] + added[j + 1 :]
        if all(n - capacity(g, rest) <= _EPS for g, n in needs.items()):
            added = rest
    extra: dict[tuple[str, ...], int] = {}
    for skills, _ in added:
        key = tuple(c for c in codes if c in skills)
        extra[key] = extra.get(key, 0) + 1
    return IntervalAdvice(
        start_s=start,
        end_s=end,
        arrivals={s.code: s.arrivals[i] for s in forecast_.services},
        planned={c: capacity(frozenset({c})) for c in codes},
        needed={c: need([c]) for c in codes},
        planned_total=sum(share for _, share in counters),
        needed_total=need(codes),
        extra=tuple(
            ExtraCounters(skills, n) for skills, n in sorted(extra.items(), key=lambda kv: (codes.index(kv[0][0]), kv))
        ),
    )


def advise(
    scenario: Scenario,
    forecast_: Forecast,
    *,
    target_wait_s: float = PROMISE.total_seconds(),
    target_share: float = 0.9,
    scv_arrival: float = 1.0,
) -> StaffingAdvice:
    """Counters planned (from the shifts) and needed per skill and interval, and what to open on top."""
    intervals = []
    for i, (start, end) in enumerate(forecast_.intervals):
        counters = [(frozenset(c.services), open_share(c, start, end)) for c in scenario.counters]
        counters = [(skills, share) for skills, share in counters if share > 0]
        intervals.append(_advise_interval(forecast_, i, counters, target_wait_s, target_share, scv_arrival))
    return StaffingAdvice(
        scenario=scenario.name,
        services=tuple(s.code for s in forecast_.services),
        target_wait_s=target_wait_s,
        target_share=target_share,
        forecast=forecast_,
        intervals=tuple(intervals),
    )


@dataclass(frozen=True)
class AdviceRun:
    """Open `extra` on top of the plan from `start_s` to `end_s`: consecutive intervals with the same advice,
    merged. The words are the edges' (`i18n.advice`), from `run_json`."""

    start_s: int
    end_s: int
    extra: tuple[ExtraCounters, ...]


def advice_runs(advice: StaffingAdvice) -> list[AdviceRun]:
    """The stretches of the day that need more counters than planned, consecutive equal intervals merged."""
    runs: list[AdviceRun] = []
    for iv in advice.intervals:
        if runs and runs[-1].extra == iv.extra and runs[-1].end_s == iv.start_s:
            runs[-1] = AdviceRun(runs[-1].start_s, iv.end_s, iv.extra)
        else:
            runs.append(AdviceRun(iv.start_s, iv.end_s, iv.extra))
    return [run for run in runs if run.extra]


def run_json(run: AdviceRun) -> dict[str, object]:
    """One stretch of advice as plain JSON (the shape `i18n.advice` says in words)."""
    return {
        "start": clock(run.start_s),
        "end": clock(run.end_s),
        "extra": [{"skills": list(e.skills), "counters": e.counters} for e in run.extra],
    }


def with_extra_shifts(scenario: Scenario, advice: StaffingAdvice) -> Scenario:
    """The scenario with the advised extra counters added, each open over consecutive intervals that need it.

    Extra counters are named `+SKILLS-N` (e.g. `+B-1`, `+DE-2`) and have exactly the advised skills.
    """
    layers: dict[tuple[str, ...], list[int]] = {}
    for i, iv in enumerate(advice.intervals):
        for e in iv.extra:
            layers.setdefault(e.skills, [0] * len(advice.intervals))[i] = e.counters
    added = []
    taken = {c.name for c in scenario.counters}
    for skills, per_interval in layers.items():
        for layer in range(max(per_interval)):
            shifts: list[tuple[int, int]] = []
            for iv, n in zip(advice.intervals, per_interval, strict=True):
                if n > layer:
                    if shifts and shifts[-1][1] == iv.start_s:
                        shifts[-1] = (shifts[-1][0], iv.end_s)
                    else:
                        shifts.append((iv.start_s, iv.end_s))
            name = f"+{''.join(skills)}-{layer + 1}"
            while name in taken:
                name += "'"
            taken.add(name)
            added.append(CounterSpec(name, skills, tuple((_time(a), _time(b)) for a, b in shifts)))
    return Scenario(
        name=scenario.name,
        title=scenario.title,
        opens=scenario.opens,
        closes=scenario.closes,
        services=scenario.services,
        counters=(*scenario.counters, *added),
        timezone=scenario.timezone,
    )


def _time(s: int) -> time:
    s = min(s, 24 * 3600 - 1)
    return time(s // 3600, s % 3600 // 60, s % 60)


# ---------------------------------------------------------------------------------------------- presenting it


def _count(x: float) -> str:
    return f"{x:.0f}" if abs(x - round(x)) < 0.05 else f"{x:.1f}"


def _extra_text(extra: Sequence[ExtraCounters]) -> str:
    return ", ".join(f"{e.counters}×{'/'.join(e.skills)}" if e.counters > 1 else "/".join(e.skills) for e in extra)


def _wrap(title: str, items: Sequence[str], width: int = 110) -> list[str]:
    lines = [title]
    for j, item in enumerate(items):
        piece = item + ("," if j < len(items) - 1 else "")
        if len(lines[-1]) + 1 + len(piece) > width:
            lines.append(" " * 8)
        lines[-1] += " " + piece
    return lines


def format_table(advice: StaffingAdvice, sentences: Sequence[str] = ()) -> str:
    """A plain-text table: per interval, counters planned/needed per skill ('!' = short), and what to open;
    then the advice in `sentences` (said by the caller, `i18n.advice`)."""
    head = ["time", "came", *advice.services, "all", "open more"]
    rows = [head]
    for iv in advice.intervals:
        cells = [f"{clock(iv.start_s)}-{clock(iv.end_s)}", _count(sum(iv.arrivals.values()))]
        for code in advice.services:
            short = "!" if iv.planned[code] + _EPS < iv.needed[code] else ""
            cells.append(f"{_count(iv.planned[code])}/{iv.needed[code]}{short}")
        short = "!" if iv.planned_total + _EPS < iv.needed_total else ""
        cells.append(f"{_count(iv.planned_total)}/{iv.needed_total}{short}")
        cells.append(_extra_text(iv.extra) or "-")
        rows.append(cells)
    widths = [max(len(r[j]) for r in rows) for j in range(len(head))]
    table = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    wait = f"{advice.target_wait_s / 60:g} min"
    lines = [
        f"{advice.scenario}: counters planned/needed per skill so that {advice.target_share:.0%} wait at most {wait}",
        "",
        *table,
        "",
        "planned: counters open with the skill (share of the interval; a counter with several skills counts for each)",
        "needed:  counters the service would need as its own pooled queue (Erlang C, Allen-Cunneen correction);",
        "         'all': the whole office as one pool. '!' = fewer planned than needed.",
        "open more: extra counters (one skill each; greedy, then any that the others make unnecessary dropped)",
        "         so that every group of services sharing counters has enough: an approximation, re-simulate it.",
        *_wrap(
            "service times:",
            [
                f"{s.code} {s.mean_service_s:.0f} s (cs² {s.scv_service:.2f}{'' if s.observed else ', planned'})"
                for s in advice.forecast.services
            ],
        ),
    ]
    lines += ["", *sentences] if sentences else ["", "The planned counters suffice all day."]
    return "\n".join(lines)


def interval_json(iv: IntervalAdvice, digits: int = 3) -> dict[str, object]:
    """One interval of advice as plain JSON."""
    return {
        "start": clock(iv.start_s),
        "end": clock(iv.end_s),
        "arrivals": {k: round(v, digits) for k, v in iv.arrivals.items()},
        "planned": {k: round(v, digits) for k, v in iv.planned.items()},
        "needed": dict(iv.needed),
        "planned_total": round(iv.planned_total, digits),
        "needed_total": iv.needed_total,
        "extra": [{"skills": list(e.skills), "counters": e.counters} for e in iv.extra],
    }


def advice_json(advice: StaffingAdvice) -> dict[str, object]:
    """The advice as plain JSON-able data (the caller adds it in words)."""
    return {
        "scenario": advice.scenario,
        "target_wait_s": advice.target_wait_s,
        "target_share": advice.target_share,
        "interval_s": advice.forecast.interval_s,
        "services": {
            s.code: {
                "mean_service_s": round(s.mean_service_s, 1),
                "scv_service": round(s.scv_service, 3),
                "observed": s.observed,
            }
            for s in advice.forecast.services
        },
        "intervals": [interval_json(iv) for iv in advice.intervals],
    }
