"""The expected effect of a measure before it is taken: the office's last days replayed through the simulator
(`scheduler.simulate`, what `loket simulate` runs) once with the setting at A and once at B.

A past day becomes a workload day (`scheduler.workload.Arrival`s): every citizen at the local time they came in
(a remote joiner when they walked in; one who never did is left out), an appointment with its slot, each for
the seconds they really took at the counter (the service's planned time if not kept). The counters are those
that called someone that day, each open from its first call to its last finish: the staffing the office really
had. Nobody gives up (the rows do not say how patient anybody was).

The simulator models the routing policy exactly. Timed return and joining from elsewhere it models with a share
of citizens who take them up, which a past day without them cannot tell: the replay assumes
`ASSUMED_RETURN_SHARE` and `ASSUMED_REMOTE_SHARE`, and says so. It does not model no-shows of walk-ins or
happiness: those metrics have no expected value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import routing, simulate
from scheduler.errors import Invalid
from scheduler.measures import MEAN_WAIT_MIN, WITHIN_5_MIN, Setting, SettingValue
from scheduler.model import PROMISE, TicketKind, TicketState
from scheduler.scenario import CounterSpec, Scenario, ServiceSpec
from scheduler.workload import Arrival

#: The past days replayed at most (calendar days before the measure is registered).
DAYS = 14
#: Of the walk-ins offered to come back later, the share assumed to accept (timed return on).
ASSUMED_RETURN_SHARE = 0.5
#: The share of walk-ins assumed to join from elsewhere (joining from elsewhere on).
ASSUMED_REMOTE_SHARE = 0.25


@dataclass(frozen=True)
class PastTicket:
    """A ticket of a past day that begins a visit (not the continuation of a transfer), as stored."""

    day: date
    kind: str
    service: str
    state: str
    checked_in_at: datetime
    arrived_at: datetime | None = None
    slot_at: datetime | None = None
    called_at: datetime | None = None
    first_called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    service_s: int | None = None
    counter_id: int | None = None


@dataclass(frozen=True)
class PastDay:
    day: date
    scenario: Scenario
    arrivals: tuple[Arrival, ...]


def _local(moment: datetime, zone: ZoneInfo) -> time:
    return moment.astimezone(zone).time().replace(microsecond=0)


def past_days(
    tickets: Iterable[PastTicket],
    zone: ZoneInfo,
    durations: Mapping[str, int],
    counters: Mapping[int, tuple[str, tuple[str, ...]]],
    office: str = "office",
) -> list[PastDay]:
    """The office's past days as workload days, in day order; a day on which no counter called anybody is left
    out (nothing to replay), and so is a citizen whose service no counter of the day served."""
    by_day: dict[date, list[PastTicket]] = {}
    for ticket in tickets:
        by_day.setdefault(ticket.day, []).append(ticket)
    days = []
    for day, rows in sorted(by_day.items()):
        shifts: dict[int, tuple[datetime, datetime]] = {}
        for row in rows:
            began = row.first_called_at or row.called_at
            if row.counter_id is None or row.counter_id not in counters or began is None:
                continue
            done = row.finished_at or began + timedelta(seconds=row.service_s or durations.get(row.service, 600))
            first, last = shifts.get(row.counter_id, (began, done))
            shifts[row.counter_id] = (min(first, began), max(last, done))
        specs = []
        for counter_id, (opens, closes) in sorted(shifts.items()):
            name, skills = counters[counter_id]
            start, end = _local(opens, zone), _local(max(closes, opens + timedelta(minutes=1)), zone)
            if end <= start:  # past midnight: the replay is of one day
                end = time(23, 59, 59)
            specs.append(CounterSpec(name, skills, ((start, end),)))
        served = {s for spec in specs for s in spec.services}
        arrivals = []
        for i, row in enumerate(rows):
            came = row.arrived_at if row.kind == TicketKind.REMOTE.value else row.checked_in_at
            if came is None or row.service not in served or row.service not in durations:
                continue
            appointment = row.kind == TicketKind.APPOINTMENT.value and row.slot_at is not None
            duration = row.service_s
            if duration is None and row.state == TicketState.DONE.value and row.started_at and row.finished_at:
                duration = max(0, round((row.finished_at - row.started_at).total_seconds()))
            arrivals.append(
                Arrival(
                    str(i + 1),
                    TicketKind.APPOINTMENT if appointment else TicketKind.WALKIN,
                    row.service,
                    _local(came, zone),
                    _local(row.slot_at, zone) if appointment and row.slot_at else None,
                    duration if duration is not None else durations[row.service],
                )
            )
        if specs and arrivals:
            services = tuple(ServiceSpec(code, {"en": code}, d, False) for code, d in sorted(durations.items()))
            scenario = Scenario(office, office, None, None, services, tuple(specs), timezone=str(zone))
            days.append(PastDay(day, scenario, tuple(arrivals)))
    return days


@dataclass(frozen=True)
class Arm:
    """How a replay runs one side: the policy, and the shares taking up timed return and joining from elsewhere."""

    policy: str
    return_share: float = 0.0
    remote_share: float = 0.0


def arms(setting: Setting, policy: str) -> tuple[Arm, Arm]:
    """The replay's A and B for `setting`, the rest as the office runs (`policy`, the server's)."""

    def side(value: SettingValue) -> Arm:
        if setting.name == "policy":
            return Arm(str(value))
        if setting.name == "timed_return":
            return Arm(policy, return_share=ASSUMED_RETURN_SHARE if value else 0.0)
        if setting.name == "remote_join":
            return Arm(policy, remote_share=ASSUMED_REMOTE_SHARE if value else 0.0)
        raise Invalid(f"the replay does not know setting {setting.name!r}", code="unknown_setting")

    return side(setting.a), side(setting.b)


#: What the replay assumes per setting, as {what: share} (the dashboard says it in words).
ASSUMPTIONS: dict[str, dict[str, float]] = {
    "timed_return": {"return_share": ASSUMED_RETURN_SHARE},
    "remote_join": {"remote_share": ASSUMED_REMOTE_SHARE},
}
#: Why a replay has no expected effect: a stable code, and the same in English.
NO_SETTING, NO_DAYS, NONE_CALLED = "no_setting", "no_days", "no_walk_in_called"
REASONS = {
    NO_SETTING: "no setting to replay: the replay compares two values of a setting",
    NO_DAYS: "no past day with citizens called to replay",
    NONE_CALLED: "no walk-in was called in the replayed days",
}


def day_metrics(citizens: Sequence[simulate.CitizenRecord]) -> dict[str, float]:
    """A replayed day's values, counted as `scheduler.measures.day_values` counts a real one: the walk-ins called
    (everybody but appointments), their wait in the room."""
    waits = [
        w for c in citizens if c.kind is not TicketKind.APPOINTMENT and c.served and (w := c.in_room_wait_s) is not None
    ]
    if not waits:
        return {}
    return {
        WITHIN_5_MIN: sum(1 for w in waits if w <= PROMISE.total_seconds()) / len(waits),
        MEAN_WAIT_MIN: sum(waits) / len(waits) / 60,
    }


def expected(days: Sequence[PastDay], setting: Setting | None, policy: str = routing.DEFAULT_POLICY) -> dict[str, Any]:
    """What the replay of `days` expects of going from A to B: per metric the mean of the days' values with A
    (`before`), with B (`after`) and their difference; `effect` None with a `reason` (`REASONS`) when it cannot
    tell."""
    base: dict[str, Any] = {"days": 0, "first": None, "last": None, "effect": None, "assumption": None}
    if setting is None:
        return {**base, "reason": NO_SETTING, "detail": REASONS[NO_SETTING]}
    if not days:
        return {**base, "reason": NO_DAYS, "detail": REASONS[NO_DAYS]}
    a, b = arms(setting, policy)
    sides: list[dict[str, list[float]]] = [{}, {}]
    for day in days:
        for values, arm in zip(sides, (a, b), strict=True):
            result = simulate.simulate(
                day.scenario,
                day.arrivals,
                arm.policy,
                estimates=False,
                return_share=arm.return_share,
                remote_share=arm.remote_share,
            )
            for metric, value in day_metrics(result.citizens).items():
                values.setdefault(metric, []).append(value)
    effect = {}
    for metric in (WITHIN_5_MIN, MEAN_WAIT_MIN):
        with_a, with_b = sides[0].get(metric, []), sides[1].get(metric, [])
        if with_a and with_b:
            before, after = sum(with_a) / len(with_a), sum(with_b) / len(with_b)
            effect[metric] = {"before": round(before, 4), "after": round(after, 4), "diff": round(after - before, 4)}
    return {
        **base,
        "days": len(days),
        "first": days[0].day.isoformat(),
        "last": days[-1].day.isoformat(),
        "effect": effect or None,
        "assumption": ASSUMPTIONS.get(setting.name),
        "reason": None if effect else NONE_CALLED,
        "detail": None if effect else REASONS[NONE_CALLED],
    }
