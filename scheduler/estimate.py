"""How long a waiting citizen will wait.

A first estimator in the spirit of the queue-length predictor: the people ahead in the service
who cannot go to an idle counter right away, times the service's planned duration, spread over
the counters open with that skill. The scheduler issue replaces it with one measured by replay;
callers only rely on `estimate_waits`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from datetime import datetime

from scheduler.model import Counter, CounterState, Ticket
from scheduler.routing import priority_key


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
