"""How long a waiting citizen will wait.

Two estimators: `forecast` plays the queue forward with the office's own policy (used for what
citizens are told); `estimate_for_position` is the rough queue-length rule (the people ahead in the
service who cannot go to an idle counter right away, times the planned duration, over the counters
open with that skill), used where the forecast stops.
"""

from __future__ import annotations

import heapq
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta

from scheduler.model import Counter, CounterState, Ticket
from scheduler.routing import Floor, Policy, Queued, priority_key


def estimate_for_position(ahead: int, able: int, idle: int, duration_s: int) -> int:
    """Seconds until the citizen with `ahead` people before them is called."""
    if ahead < idle:
        return 0
    return round((ahead - idle + 1) * duration_s / max(able, 1))


def estimate_waits(
    waiting: Iterable[Ticket],
    counters: Iterable[Counter],
    busy_counter_ids: Collection[int],
    durations: Mapping[str, int],
    now: datetime,
) -> dict[int, int]:
    """Estimated seconds until each waiting ticket (by id) is called."""
    staffed = [c for c in counters if c.state is not CounterState.CLOSED]
    by_service: dict[str, list[Ticket]] = {}
    for ticket in waiting:
        by_service.setdefault(ticket.service, []).append(ticket)
    result: dict[int, int] = {}
    for service, tickets in by_service.items():
        able = [c for c in staffed if c.serves(service)]
        idle = sum(1 for c in able if c.state is CounterState.OPEN and c.id not in busy_counter_ids)
        duration = durations.get(service, 600)
        for ahead, ticket in enumerate(sorted(tickets, key=lambda t: priority_key(t, now))):
            if ticket.id is not None:
                result[ticket.id] = estimate_for_position(ahead, len(able), idle, duration)
    return result


#: How many observed service times weigh as much as the office's planning figure.
PRIOR_WEIGHT = 5


def learned_duration(planned_s: int, done: int, total_s: float) -> int:
    """The service time to plan with: the planning figure, moved towards today's real times as they
    come in (a weighted mean; after 5 citizens the day's own times count as much as the plan)."""
    return round((PRIOR_WEIGHT * planned_s + total_s) / (PRIOR_WEIGHT + done))


#: The two-sided normal quantile for an 80% range.
_Z80 = 1.2816


def wait_range(wait_s: int, ahead: int, duration_s: float, counters: int) -> tuple[int, int]:
    """An 80% range around an estimated wait.

    Before a citizen is called, the `ahead` people before them (and the ones at the counters) must
    finish; with service times about as spread as their mean (as at municipal counters), the sum over
    `counters` parallel counters has a standard deviation of about duration x sqrt(ahead + 1) / counters.
    """
    spread = _Z80 * duration_s * (ahead + 1) ** 0.5 / max(counters, 1)
    return max(0, round(wait_s - spread)), round(wait_s + spread)


def forecast(
    waiting: Sequence[Queued],
    floor: Floor,
    now: datetime,
    policy: Policy,
    *,
    until: int | None = None,
    max_calls: int = 150,
) -> dict[int, int]:
    """Seconds until each waiting ticket (by id) is called, by playing the queue forward.

    The open counters call in the order they will be free, each choosing with the office's own
    policy and serving for the planned duration; nobody new is assumed to arrive. Better than the
    queue-length rule where counters have several skills, are busy for different times, or serve
    services of very different lengths. Stops once `until` is called, or after `max_calls` calls
    (the rest is left to the caller's rougher estimate).
    """
    free = {k.id: max(now, floor.free_at.get(k.id, now)) for k in floor.counters if k.state is CounterState.OPEN}
    by_id = {k.id: k for k in floor.counters}
    heap = [(when, counter_id) for counter_id, when in free.items()]
    heapq.heapify(heap)
    remaining = list(waiting)
    result: dict[int, int] = {}
    while remaining and heap and len(result) < max_calls:
        when, counter_id = heapq.heappop(heap)
        counter = by_id[counter_id]
        ranked = policy(counter, remaining, when, Floor(floor.counters, free, floor.durations))
        if not ranked:
            continue  # nothing this counter may take: it stays out of the forecast
        chosen = ranked[0]
        remaining.remove(chosen)
        result[chosen.id or 0] = round((when - now).total_seconds())
        if chosen.id == until:
            break
        free[counter_id] = when + timedelta(seconds=floor.durations.get(chosen.service, 600))
        heapq.heappush(heap, (free[counter_id], counter_id))
    return result
