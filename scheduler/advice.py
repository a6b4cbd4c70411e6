"""Live staffing advice: today's plan (the counters' shifts) against the demand of the same weekday's history.

A read, written against `Repository`: it returns the `staffing.advice` event and emits nothing, so the caller
decides whether the advice changed enough to send it again. The event holds the advice as data; the caller
adds it in words in every language (`i18n.advice`), since the scheduler has no catalogs.

The office as a `Scenario`: its services with their planned durations, its counters with their skills and
shifts. A counter counts as planned only during its shifts (a counter without shifts has no plan and adds
nothing); the day runs from the first shift (or arrival of the history) to the last. The forecast averages the
history per service and hour over the days it covers (see `forecast`), and the advice is for the hours from now
until closing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from scheduler import forecast, staffing
from scheduler.events import Event, EventType
from scheduler.repository import Repository
from scheduler.scenario import CounterSpec, Scenario, ServiceSpec

EVENT_TYPE = EventType.STAFFING_ADVICE


def office_scenario(repo: Repository, office_id: str) -> Scenario:
    """The office as the staffing model sees it: services, and counters with their skills and shifts."""
    office = repo.office(office_id)
    services = repo.services(office_id)
    order = {s.code: i for i, s in enumerate(services)}
    shifts = repo.counter_shifts(office_id)
    counters = tuple(
        CounterSpec(
            name=c.name,
            services=tuple(sorted((s for s in c.services if s in order), key=order.__getitem__)),
            shifts=tuple(shifts.get(c.id, ())),
        )
        for c in repo.counters(office_id)
        if any(s in order for s in c.services)
    )
    return Scenario(
        name=office.id,
        title=office.name,
        opens=None,
        closes=None,
        services=tuple(ServiceSpec(s.code, dict(s.names), s.duration_s, s.bookable) for s in services),
        counters=counters,
        timezone=office.timezone,
    )


def staffing_advice(
    repo: Repository, office_id: str, now: datetime, history: Sequence[forecast.Demand], *, days: int = 1
) -> Event | None:
    """The `staffing.advice` event for the rest of today, or None without history or when the day is over.

    `history` is the visits of the same weekday in earlier weeks (times of day local to the office), and
    `days` how many days they cover: the forecast is their average. Visits of services the office no longer
    offers are left out.
    """
    if days < 1:
        raise ValueError("the history covers at least one day")
    scenario = office_scenario(repo, office_id)
    known = {s.code for s in scenario.services}
    visits = [v for v in history if v.service in known]
    if not visits:
        return None
    # Spread over `days` days, so that `forecast` averages by their number.
    expected = forecast.forecast(scenario, [visits, *([[]] * (days - 1))])
    advice = staffing.advise(scenario, expected)
    local = now.astimezone(ZoneInfo(scenario.timezone))
    now_s = local.hour * 3600 + local.minute * 60 + local.second
    rest = replace(advice, intervals=tuple(iv for iv in advice.intervals if iv.end_s > now_s))
    if not rest.intervals:
        return None
    return Event(
        office_id,
        EVENT_TYPE,
        {
            # What to open, as data: the edge that sends the event adds it in words (`lines`, `lines_by_language`).
            "advice": [staffing.run_json(run) for run in staffing.advice_runs(rest)],
            "hours": [staffing.interval_json(iv) for iv in rest.intervals],
            "computed_at": now.isoformat(),
        },
    )
