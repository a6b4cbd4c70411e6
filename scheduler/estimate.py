"""How long a waiting citizen will wait.

Two estimators: `forecast` plays the queue forward with the office's own policy (used for what
citizens are told); `estimate_for_position` is the rough queue-length rule (the people ahead in the
service who cannot go to an idle counter right away, times the planned duration, over the counters
open with that skill), used where the forecast stops.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta

from scheduler.model import Counter, CounterState, Ticket
from scheduler.routing import Floor, Policy, Queued, priority_key


def estimate_for_position(ahead: int, able: int, idle: int, duration_s: int) -> int:
    """Seconds until the citizen with `ahead` people before them is called."""
    if ahead < idle:
        return 0
    return round((ahead - idle + 1) * duration_s / max(able, 1))


def queue_length_wait(floor: Floor, service: str, ahead: int, now: datetime, duration_s: int) -> int:
    """The rough rule where no forecast is played: counters open or paused with the skill, those idle now."""
    return estimate_for_position(ahead, *staffing(floor, service, now), duration_s)


def staffing(floor: Floor, service: str, now: datetime) -> tuple[int, int]:
    """For `queue_length_wait`: the counters open or paused with the skill, and how many of them are idle now.
    The same for every citizen of the service: a page asking for many reads it once."""
    able = [c for c in floor.counters if c.state is not CounterState.CLOSED and c.serves(service)]
    idle = sum(1 for c in able if c.state is CounterState.OPEN and floor.free_at.get(c.id) == now)
    return len(able), idle


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
    max_calls: int | None = None,
) -> dict[int, int]:
    """Seconds until each waiting ticket (by id) is called, by playing the queue forward.

    The office's policy ranks everybody once, as a counter with every skill would see them now; then
    the open counters call in the order they will be free, each taking the best-ranked citizen it may
    serve, for the service's time; nobody new is assumed to arrive. Better than the queue-length rule
    where counters have several skills, are busy for different times, or serve services of very
    different lengths. One ranking, then a few steps per call: cheap enough for every kiosk ticket.
    (Ranks that would change as time passes — an appointment's slot coming — are taken as they are now.)
    Stops once `until` is called, or after `max_calls` calls. Citizens on their way (joined from
    elsewhere, not checked in yet) are played as if in the room since they joined: the forecast says when
    their turn comes, which is what tells them when to set off (`scheduler.remote`).
    """
    waiting = [t if t.here else replace(t, arrived_at=t.checked_in_at) for t in waiting]
    free = {k.id: max(now, floor.free_at.get(k.id, now)) for k in floor.counters if k.state is CounterState.OPEN}
    if not free or not waiting:
        return {}
    everything = frozenset(s for k in floor.counters for s in k.services) | {t.service for t in waiting}
    universal = Counter(id=-1, office="", name="", services=everything, state=CounterState.OPEN)
    # Rank as if nobody were sent to one counter (the universal counter may take anyone), then put the
    # real tickets back: the play below still keeps each sent ticket for its counter.
    original = {t.id: t for t in waiting}
    ranked = [
        original[t.id]
        for t in policy(
            universal,
            [replace(t, target_counter_id=None) if t.target_counter_id is not None else t for t in waiting],
            now,
            floor,
        )
    ]
    # Per service, the citizens in ranked order; a counter takes the best head among its services.
    queues: dict[str, deque[tuple[int, Queued]]] = {}
    for rank, ticket in enumerate(ranked):
        queues.setdefault(ticket.service, deque()).append((rank, ticket))
    by_id = {k.id: k for k in floor.counters}
    heap = [(when, counter_id) for counter_id, when in free.items()]
    heapq.heapify(heap)
    result: dict[int, int] = {}
    limit = len(ranked) if max_calls is None else max_calls
    while heap and len(result) < limit:
        when, counter_id = heapq.heappop(heap)
        counter = by_id[counter_id]
        chosen, back = _best_head(queues, counter, when)
        if chosen is None:
            if back is not None:  # only citizens who are away: the counter takes the first one back
                heapq.heappush(heap, (back, counter_id))
            continue  # nothing left this counter may take: it stays out of the forecast
        result[chosen.id or 0] = round((when - now).total_seconds())
        if chosen.id == until:
            break
        heapq.heappush(heap, (when + timedelta(seconds=floor.durations.get(chosen.service, 600)), counter_id))
    return result


def _best_head(
    queues: dict[str, deque[tuple[int, Queued]]], counter: Counter, when: datetime
) -> tuple[Queued | None, datetime | None]:
    """The best-ranked citizen this counter may take at `when`; else when the first citizen it may
    take comes back from a timed return (None: nobody left for it)."""
    best: tuple[int, str] | None = None
    back: datetime | None = None
    for service in counter.serving_now:
        line = queues.get(service)
        if not line:
            continue
        # A ticket sent to another counter is not this counter's to take, nor one whose holder is
        # still away: look past them.
        for rank, ticket in line:
            if ticket.target_counter_id not in (None, counter.id):
                continue
            if ticket.return_at is not None and ticket.return_at > when:
                back = ticket.return_at if back is None else min(back, ticket.return_at)
                continue
            if best is None or rank < best[0]:
                best = (rank, service)
            break
    if best is None:
        return None, back
    line = queues[best[1]]
    for index, (rank, ticket) in enumerate(line):
        if rank == best[0]:
            del line[index]
            return ticket, None
    return None, back  # pragma: no cover - the head found above is in its line
