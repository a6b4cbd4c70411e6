"""How many counters to open: per-interval advice for multi-skill offices, on the queueing model
(`scheduler.erlang`: Erlang C with the Allen–Cunneen correction) and the forecast (`scheduler.forecast`).

Pure functions, standard library only, no I/O. Times of day are seconds after midnight.

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

The counters planned in an interval are counted as the share of the interval each counter is open
(a counter on lunch break for half of the hour counts as 0.5).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import time
from itertools import combinations

from scheduler.erlang import counters_needed
from scheduler.forecast import Forecast, clock, seconds
from scheduler.model import PROMISE
from scheduler.scenario import CounterSpec, Scenario

#: Up to this many services with demand in an interval, every group of services is checked (2^n - 1 groups);
#: above it, the single services, the skill sets of the counters and the whole office.
MAX_EXACT_SERVICES = 12

_EPS = 1e-9


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
