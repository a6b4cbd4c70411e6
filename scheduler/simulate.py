"""Replay one office day through the code the server runs: a deterministic discrete-event simulation.

The office of a scenario is set up in a `MemoryRepository` and every move goes through
`scheduler.usecases`, exactly as the server's endpoints call them:

* a citizen checks in at their arrival time: `issue_ticket` (with `Appointment(code, slot)` for a
  booking), then `position` with the office's policy: the wait announced on the kiosk ticket;
* each counter opens at the start of each of its shifts and closes at its end; a counter still serving
  someone at the end of its shift finishes that citizen first, then closes;
* whenever a counter is open and idle it asks `call_next` with the policy, by name from
  `routing.POLICIES`; the citizen it calls is served for their `duration_s`, then `act_on_ticket(FINISH)`;
* a walk-in whose patience (counted from check-in) runs out while still waiting leaves:
  `act_on_ticket(CANCEL)`;
* an appointment with no arrival never comes (a no-show: not counted among those who came);
* once no counter is open and no shift starts any more, whoever still waits is sent home (cancelled,
  counted as abandoned), and so is anybody who checks in after that;
* timed return (`return_share` > 0): a walk-in told more than five minutes at check-in is offered to
  come back later (`returning.offer`); a fixed share accept, spread evenly over the day (with share
  1/3, every third citizen offered accepts). They come back exactly at the time given; their
  patience counts from then. Their wait in the metrics of FORMAT.md still counts from check-in; the
  `in_room_*` metrics count it from their return;
* remote joining (`remote_share` > 0): that share of the walk-ins, chosen by their id (`is_remote`), join
  the queue from elsewhere at the moment of their CSV arrival (`issue_ticket` with `Remote(trip)` and the
  policy: it sets `come_at` from the announced estimate), with a trip drawn from their id in `travel_min`.
  Every `KEEP_CURRENT_S` the server's round runs: the queue is forecast with the policy
  (`estimate.forecast`) and `remote.keep_current` keeps `come_at` current, tells "come" and turns who did
  not check in in time into a no-show. A joiner sets off when told "come" (at once if told so on joining)
  and walks in after their trip plus a spread drawn from their id (`arrival_spread_s`): most within
  `ON_TIME_SPREAD_S`, a share `LATE_SHARE` late by `LATE_S`, a share `NEVER_SHARE` never; at the door
  they check in (`remote.arrive`) and only then may a counter call them. Their patience counts from then;
  their wait counts from joining, their in-room wait from walking in.

Shifts that overlap or touch are one open period; a counter without shifts is open from the
scenario's `opens` to its `closes` (if both are given), otherwise never.

Time: clock times `HH:MM:SS` are of one fixed calendar day (`DEFAULT_DAY`, without a clock change) in
the office's time zone, turned into aware UTC datetimes, as the server stores them.

Order of events at the same instant (fixed, so that the same input always gives the same output):
  1. services that end (counter order), and the closing of counters whose shift ended meanwhile;
  2. shift ends, then shift starts (counter order);
  3. walk-ins whose patience runs out (file order): gone before anybody is called at that instant;
  4. arrivals (file order), each told its estimated wait as they check in (remote joiners: join), citizens
     coming back, remote joiners walking in, then the server's remote round;
  5. calls: every open, idle counter calls once, the one idle longest first (ties: scenario order).
A counter whose policy leaves it idle while someone it may serve is waiting asks again `RETRY_S`
later (and after any other event). No randomness anywhere; the same input gives the same output.
"""

from __future__ import annotations

import enum
import hashlib
import heapq
import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from scheduler import remote, returning, routing, usecases
from scheduler.errors import Invalid
from scheduler.lifecycle import Action, CounterAction
from scheduler.memory import MemoryRepository
from scheduler.model import PROMISE, Counter, Office, Service, TicketKind, TicketState
from scheduler.numbering import office_day
from scheduler.percentile import nearest_rank
from scheduler.scenario import Scenario
from scheduler.workload import Arrival

#: A Tuesday without a clock change in Europe/Brussels: every day of a workload is replayed on it.
DEFAULT_DAY = date(2026, 3, 3)
#: A counter left idle by its policy while someone it may serve waits asks again after this long.
RETRY_S = 30
#: The percentile of `p95_wait_s` (nearest rank).
PERCENTILE = 95
#: The language tickets are issued in (it changes nothing in the rules).
LANGUAGE = "nl"
#: How often the server's remote round (`remote.keep_current`) runs while someone is on the way.
KEEP_CURRENT_S = 60
#: The trips of remote joiners, drawn from their id between these (minutes), unless told otherwise.
TRAVEL_MIN = (5, 30)
#: Of the remote joiners: who never comes, who comes late (by `LATE_S`); the others walk in within
#: `ON_TIME_SPREAD_S` of the moment they should (set off when told, plus their trip).
NEVER_SHARE = 0.05
LATE_SHARE = 0.10
LATE_S = (300, 1200)
ON_TIME_SPREAD_S = (-120, 180)

Metric = float | int | str | None


@dataclass(frozen=True)
class CitizenRecord:
    """What happened to one citizen of the workload. Times are aware UTC datetimes."""

    id: str
    kind: TicketKind
    service: str
    #: Check-in; None: an appointment that never came.
    arrival: datetime | None
    slot: datetime | None
    #: When a counter called them; None: never called.
    called_at: datetime | None = None
    #: The counter (its name) that called them.
    counter: str | None = None
    #: When they left without being called: patience ran out, or sent home at closing.
    left_at: datetime | None = None
    #: Sent home because no counter would open any more (also counted in `abandoned`).
    sent_home: bool = False
    #: The wait announced at check-in (`usecases.position` right after issuing), in seconds.
    estimate_s: int | None = None
    #: The queue-length baseline at check-in, in seconds (see `ql_estimate`).
    estimate_ql_s: float | None = None
    #: The range announced with the estimate (`estimate.wait_range`), in seconds.
    estimate_range_s: tuple[int, int] | None = None
    #: Their ticket number, e.g. A012.
    number: str | None = None
    #: When they were told to come back (accepted a timed return); None: they waited in the room.
    return_at: datetime | None = None
    #: A remote joiner's trip in seconds (kind REMOTE: `arrival` is when they joined).
    travel_s: int | None = None
    #: When a remote joiner walked in and checked in; None: never (or not a remote joiner).
    entered_at: datetime | None = None
    #: A remote joiner who did not check in in time: the server made their ticket a no-show.
    missed: bool = False

    @property
    def came(self) -> bool:
        return self.arrival is not None

    @property
    def served(self) -> bool:
        return self.called_at is not None

    @property
    def abandoned(self) -> bool:
        return self.came and self.called_at is None

    @property
    def wait_start(self) -> datetime | None:
        """Check-in, or the booked slot if the citizen came early (FORMAT.md)."""
        if self.arrival is None:
            return None
        return max(self.arrival, self.slot) if self.slot is not None else self.arrival

    @property
    def wait_s(self) -> float | None:
        """Seconds from the start of the wait to the call (or to leaving unserved), never below 0;
        None for a citizen who never came."""
        start, end = self.wait_start, self.called_at or self.left_at
        if start is None or end is None:
            return None
        return max(0.0, (end - start).total_seconds())

    @property
    def in_room_wait_s(self) -> float | None:
        """Like `wait_s`, but counted from their return for those who accepted to come back later, and
        from walking in for remote joiners (None for one who never walked in)."""
        start, end = self.wait_start, self.called_at or self.left_at
        if start is None or end is None:
            return None
        if self.kind is TicketKind.REMOTE:
            if self.entered_at is None:
                return None
            start = max(start, self.entered_at)
        return max(0.0, (end - max(start, self.return_at or start)).total_seconds())

    @property
    def in_room(self) -> bool:
        """Whether the citizen was in the building: everybody who came, but a remote joiner once walked in."""
        return self.came and (self.kind is not TicketKind.REMOTE or self.entered_at is not None)


@dataclass(frozen=True)
class SimulationResult:
    scenario: str
    policy: str
    day: date
    #: One record per citizen of the workload, in file order.
    citizens: tuple[CitizenRecord, ...]

    def metrics(self) -> dict[str, Metric]:
        """The metrics of FORMAT.md plus `policy` (see `summarize`)."""
        return summarize(self.citizens, self.policy)


def simulate(
    scenario: Scenario,
    arrivals: Sequence[Arrival],
    policy: str = routing.DEFAULT_POLICY,
    *,
    day: date = DEFAULT_DAY,
    estimates: bool = True,
    return_share: float = 0.0,
    remote_share: float = 0.0,
    travel_min: tuple[int, int] = TRAVEL_MIN,
) -> SimulationResult:
    """Replay the day of `scenario` with these citizens, counters calling by the policy named `policy`.

    `estimates=False` skips asking `position` at each check-in (a read, it changes nothing in the
    replay): faster for long validation runs; the estimate metrics are then None.
    `return_share` (0 to 1): the share of walk-ins offered a timed return who accept it.
    `remote_share` (0 to 1): the share of walk-ins who join from elsewhere (chosen by id, `is_remote`),
    with trips between `travel_min` minutes (see the module's docstring).
    Raises Invalid for an unknown policy, a citizen asking for a service that the scenario lacks or
    that no counter serves, or a shift that ends before it starts.
    """
    rule = routing.policy_named(policy)
    if not 0.0 <= return_share <= 1.0:
        raise Invalid(f"return share must be between 0 and 1, not {return_share}", code="invalid_return_share")
    if not 0.0 <= remote_share <= 1.0:
        raise Invalid(f"remote share must be between 0 and 1, not {remote_share}", code="invalid_remote_share")
    low, high = travel_min
    if not 0 <= low <= high:
        raise Invalid(f"travel times must be A-B minutes with 0 <= A <= B, not {low}-{high}", code="invalid_travel")
    replay = _Day(scenario, arrivals, rule, day, estimates, return_share, remote_share, (low * 60, high * 60))
    return SimulationResult(scenario.name, policy, day, replay.run())


def summarize(citizens: Iterable[CitizenRecord], policy: str) -> dict[str, Metric]:
    """The metrics of FORMAT.md over these citizens (one day, or several days pooled), plus `policy`.

    - wait: see `CitizenRecord.wait_s` (call − max(arrival, slot), never below 0); a citizen who left
      unserved counts the time until they left.
    - `walkin_sl5`: share of the walk-ins who came that were called within `PROMISE` (300 s
      inclusive); those who left count as not. `appointment_punctuality`: the same for the appointments
      who came (no-shows are not counted at all). None when there is nobody to count.
    - `served`, `abandoned` (gave up or sent home at closing), `mean_wait_s`, `p95_wait_s`,
      `max_wait_s`: over everybody who came. `p95_wait_s` is the nearest-rank percentile: the
      ceil(0.95 × n)-th smallest wait, a wait that really happened (no interpolation).
    - `estimate_mae_s`, `estimate_mae_ql_s`: mean absolute error against the real wait, over served
      citizens, of the wait announced at check-in and of the queue-length baseline.
    - `estimate_in_range`: share of served citizens whose wait fell inside the announced range.
    - `timed_returns`: citizens who accepted to come back later; `in_room_walkin_sl5`,
      `in_room_mean_wait_s`, `in_room_max_wait_s`: as above with waits counted from their return
      (`CitizenRecord.in_room_wait_s`); equal to the others when nobody came back later.
    - Remote joiners (kind REMOTE) are not among the walk-ins: `walkin_sl5` counts those who came in
      person, from check-in. `remote_count`: remote joiners; `remote_missed`: those whose ticket became a
      no-show (never came, or too late); `remote_in_room_sl5`: share of those who walked in that were
      called within `PROMISE` of walking in; `in_room_sl5`: the same over everybody who was in the room
      (walk-ins and appointments as their `in_room_wait_s`). The in-room mean and max leave out remote
      joiners who never walked in; `mean_wait_s` etc. count a remote joiner's wait from joining.
    """
    everyone = list(citizens)
    came = [c for c in everyone if c.came]
    waits = sorted(_wait(c) for c in came)
    served = [c for c in came if c.served]
    walkins = [c for c in came if c.kind is TicketKind.WALKIN]
    appointments = [c for c in came if c.kind is TicketKind.APPOINTMENT]
    remotes = [c for c in came if c.kind is TicketKind.REMOTE]
    in_room = [_in_room(c) for c in came if c.in_room]
    return {
        "policy": policy,
        "came": len(came),
        "no_shows": len(everyone) - len(came),
        "served": len(served),
        "abandoned": len(came) - len(served),
        "sent_home": sum(1 for c in came if c.sent_home),
        "walkins": len(walkins),
        "appointments": len(appointments),
        "walkin_sl5": _share_in_time(walkins),
        "appointment_punctuality": _share_in_time(appointments),
        "mean_wait_s": sum(waits) / len(waits) if waits else None,
        "p95_wait_s": nearest_rank(waits, PERCENTILE),
        "max_wait_s": waits[-1] if waits else None,
        "estimate_mae_s": _mae(served, lambda c: c.estimate_s),
        "estimate_mae_ql_s": _mae(served, lambda c: c.estimate_ql_s),
        "estimate_in_range": _in_range(served),
        "timed_returns": sum(1 for c in came if c.return_at is not None),
        "in_room_walkin_sl5": _share_in_time(walkins, _in_room),
        "in_room_mean_wait_s": sum(in_room) / len(in_room) if in_room else None,
        "in_room_max_wait_s": max(in_room) if in_room else None,
        "in_room_sl5": _share_in_time([c for c in came if c.in_room], _in_room),
        "remote_count": len(remotes),
        "remote_missed": sum(1 for c in remotes if c.missed),
        "remote_in_room_sl5": _share_in_time([c for c in remotes if c.in_room], _in_room),
    }


def _in_range(served: Sequence[CitizenRecord]) -> float | None:
    """Share of served citizens whose real wait fell inside the range announced at check-in."""
    told = [(c.estimate_range_s, _wait(c)) for c in served if c.estimate_range_s is not None]
    return sum(1 for (low, high), wait in told if low <= wait <= high) / len(told) if told else None


def _draw(salt: str, citizen_id: str) -> float:
    """A number in [0, 1) that depends only on the citizen's id (and what it is drawn for): the same
    citizen gets the same draw in every replay, whatever else is in the file."""
    digest = hashlib.sha256(f"{salt}:{citizen_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def is_remote(citizen_id: str, share: float) -> bool:
    """Whether this walk-in joins from elsewhere when `share` of them do; a walk-in remote at some share
    is remote at every larger one."""
    return _draw("remote", citizen_id) < share


def travel_s(citizen_id: str, low_s: int, high_s: int) -> int:
    """A remote joiner's trip, between `low_s` and `high_s`, to the whole minute as the join page asks it."""
    seconds = low_s + _draw("travel", citizen_id) * (high_s - low_s)
    return min(high_s, max(low_s, 60 * round(seconds / 60)))


def arrival_spread_s(citizen_id: str) -> int | None:
    """How much later than they should (told "come", plus their trip) a remote joiner walks in, in
    seconds (below 0: earlier); None: they never come. `NEVER_SHARE` never come, `LATE_SHARE` are late by
    `LATE_S`, the others arrive within `ON_TIME_SPREAD_S`."""
    kind, where = _draw("show", citizen_id), _draw("spread", citizen_id)
    if kind < NEVER_SHARE:
        return None
    low, high = LATE_S if kind < NEVER_SHARE + LATE_SHARE else ON_TIME_SPREAD_S
    return round(low + where * (high - low))


def ql_estimate(ahead: int, open_counters: int, mean_duration_s: float) -> float:
    """The queue-length predictor (Ibrahim & Whitt): (people ahead + 1) × mean service time ÷ open
    counters with the skill."""
    return (ahead + 1) * mean_duration_s / open_counters


def _wait(citizen: CitizenRecord) -> float:
    wait = citizen.wait_s
    assert wait is not None, f"citizen {citizen.id} came but has no wait"
    return wait


def _in_room(citizen: CitizenRecord) -> float:
    wait = citizen.in_room_wait_s
    assert wait is not None, f"citizen {citizen.id} came but has no wait"
    return wait


def _share_in_time(citizens: Sequence[CitizenRecord], wait: Callable[[CitizenRecord], float] = _wait) -> float | None:
    if not citizens:
        return None
    return sum(1 for c in citizens if c.served and wait(c) <= PROMISE.total_seconds()) / len(citizens)


def _mae(served: Sequence[CitizenRecord], estimate: Callable[[CitizenRecord], float | None]) -> float | None:
    errors = [abs(e - _wait(c)) for c in served if (e := estimate(c)) is not None]
    return sum(errors) / len(errors) if errors else None


class _Phase(enum.IntEnum):
    """What happens at one instant, in this order (see the module's docstring)."""

    FINISH = 0
    SHIFT_END = 1
    SHIFT_START = 2
    PATIENCE = 3
    ARRIVAL = 4
    RETURN = 5
    CHECK_IN = 6
    KEEP_CURRENT = 7
    RETRY = 8


class _CitizenDay:
    """What happens to one citizen, filled in as the day goes (frozen into a CitizenRecord at the end)."""

    __slots__ = (
        "called_at",
        "counter",
        "entered_at",
        "estimate_ql_s",
        "estimate_range_s",
        "estimate_s",
        "left_at",
        "missed",
        "number",
        "return_at",
        "sent_home",
        "ticket",
        "travel_s",
    )

    def __init__(self) -> None:
        self.ticket: int | None = None
        self.number: str | None = None
        self.called_at: datetime | None = None
        self.counter: str | None = None
        self.left_at: datetime | None = None
        self.sent_home = False
        self.estimate_s: int | None = None
        self.estimate_ql_s: float | None = None
        self.estimate_range_s: tuple[int, int] | None = None
        self.return_at: datetime | None = None
        self.travel_s: int | None = None
        self.entered_at: datetime | None = None
        self.missed = False


class _Day:
    """One replay: the office in a MemoryRepository, the clock, and the events still to come."""

    def __init__(
        self,
        scenario: Scenario,
        arrivals: Sequence[Arrival],
        policy: routing.Policy,
        day: date,
        estimates: bool,
        return_share: float = 0.0,
        remote_share: float = 0.0,
        travel_range_s: tuple[int, int] = (TRAVEL_MIN[0] * 60, TRAVEL_MIN[1] * 60),
    ) -> None:
        try:
            self.zone = ZoneInfo(scenario.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise Invalid(
                f"scenario {scenario.name}: unknown time zone {scenario.timezone!r}", code="invalid_workload"
            ) from None
        self.day = day
        self._clock: dict[time, datetime] = {}
        self.policy = policy
        self.estimates = estimates
        self.return_share = return_share
        self.offers = 0
        self.office = scenario.name
        self.durations = {s.code: s.duration_s for s in scenario.services}
        self.counters = [
            Counter(i + 1, self.office, spec.name, frozenset(spec.services)) for i, spec in enumerate(scenario.counters)
        ]
        self.repo = MemoryRepository()
        self.office_rules = Office(
            self.office,
            scenario.title,
            scenario.timezone,
            timed_return=scenario.timed_return or return_share > 0,
            remote_grace_min=scenario.remote_grace_min,
        )
        self.repo.add_office(
            self.office_rules,
            [Service(self.office, s.code, dict(s.names), s.duration_s, s.bookable) for s in scenario.services],
            self.counters,
        )
        self.arrivals = list(arrivals)
        self._check(scenario)
        self.remote = [
            a.kind is TicketKind.WALKIN and a.arrival is not None and is_remote(a.id, remote_share)
            for a in self.arrivals
        ]
        self.travel_range_s = travel_range_s
        self.keep_current_at: datetime | None = None
        self.shifts = [self._shifts(scenario, k) for k in range(len(self.counters))]
        self.skilled = {code: [k for k, c in enumerate(self.counters) if c.serves(code)] for code in self.durations}
        self.visits = [_CitizenDay() for _ in self.arrivals]
        self.citizen_of: dict[int, int] = {}  # ticket id -> citizen index
        self.is_open = [False] * len(self.counters)
        self.on_shift = [False] * len(self.counters)
        self.serving: list[int | None] = [None] * len(self.counters)
        self.idle_since = [datetime.min.replace(tzinfo=UTC)] * len(self.counters)
        self.retry_at: list[datetime | None] = [None] * len(self.counters)
        self.waiting = 0
        self.closed_for_good = False
        self.heap: list[tuple[datetime, int, int]] = []
        for k, shifts in enumerate(self.shifts):
            for start, end in shifts:
                self.heap.append((start, _Phase.SHIFT_START, k))
                self.heap.append((end, _Phase.SHIFT_END, k))
        self.starts_left = sum(len(s) for s in self.shifts)
        for i, arrival in enumerate(self.arrivals):
            if arrival.arrival is not None:
                self.heap.append((self.at(arrival.arrival), _Phase.ARRIVAL, i))
        heapq.heapify(self.heap)

    def at(self, clock: time) -> datetime:
        """A clock time of the replayed day, as the aware UTC datetime the server would store."""
        when = self._clock.get(clock)
        if when is None:
            when = self._clock[clock] = datetime.combine(self.day, clock, tzinfo=self.zone).astimezone(UTC)
        return when

    def _check(self, scenario: Scenario) -> None:
        served = {code for c in self.counters for code in c.services}
        for a in self.arrivals:
            where = f"arrivals, line {a.line} (id {a.id})" if a.line else f"citizen {a.id}"
            if a.service not in self.durations:
                known = ", ".join(sorted(self.durations))
                raise Invalid(
                    f"{where}: service {a.service!r} is not a service of {scenario.name} ({known})",
                    code="invalid_workload",
                )
            if a.service not in served:
                raise Invalid(f"{where}: no counter of {scenario.name} serves {a.service!r}", code="invalid_workload")

    def _shifts(self, scenario: Scenario, k: int) -> list[tuple[datetime, datetime]]:
        """The counter's open periods, overlapping or touching ones merged (a clerk who goes on does
        not close and reopen). Without shifts a counter is open from `opens` to `closes`, if given."""
        spec = scenario.counters[k]
        periods = list(spec.shifts)
        if not periods and scenario.opens is not None and scenario.closes is not None:
            periods = [(scenario.opens, scenario.closes)]
        merged: list[tuple[datetime, datetime]] = []
        for start, end in sorted(periods):
            if end <= start:
                raise Invalid(
                    f"scenario {scenario.name}, counter {spec.name}: shift {start.isoformat()}-{end.isoformat()} "
                    "ends before it starts (shifts stay within one day)",
                    code="invalid_workload",
                )
            begins, ends = self.at(start), self.at(end)
            if merged and begins <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], ends))
            else:
                merged.append((begins, ends))
        return merged

    # the replay
    def run(self) -> tuple[CitizenRecord, ...]:
        heap = self.heap
        while heap:
            now = heap[0][0]
            while heap and heap[0][0] == now:
                _, phase, who = heapq.heappop(heap)
                self._handle(phase, who, now)
            if self.waiting:
                self._calls(now)
            if not self.closed_for_good and self.starts_left == 0 and not any(self.is_open):
                self._close_for_good(now)
        assert self.waiting == 0, "every citizen who came was called, gave up or was sent home"
        return tuple(self._record(a, v) for a, v in zip(self.arrivals, self.visits, strict=True))

    def _record(self, arrival: Arrival, visit: _CitizenDay) -> CitizenRecord:
        return CitizenRecord(
            id=arrival.id,
            kind=TicketKind.REMOTE if visit.travel_s is not None else arrival.kind,
            service=arrival.service,
            arrival=self.at(arrival.arrival) if arrival.arrival is not None else None,
            slot=self.at(arrival.slot) if arrival.slot is not None else None,
            called_at=visit.called_at,
            counter=visit.counter,
            left_at=visit.left_at,
            sent_home=visit.sent_home,
            estimate_s=visit.estimate_s,
            estimate_ql_s=visit.estimate_ql_s,
            estimate_range_s=visit.estimate_range_s,
            number=visit.number,
            return_at=visit.return_at,
            travel_s=visit.travel_s,
            entered_at=visit.entered_at,
            missed=visit.missed,
        )

    def _handle(self, phase: int, who: int, now: datetime) -> None:
        if phase == _Phase.FINISH:
            self._finish(who, now)
        elif phase == _Phase.SHIFT_END:
            self.on_shift[who] = False
            if self.is_open[who] and self.serving[who] is None:
                self._counter(who, CounterAction.CLOSE, now)
        elif phase == _Phase.SHIFT_START:
            self.starts_left -= 1
            self.on_shift[who] = True
            if not self.is_open[who]:
                self._counter(who, CounterAction.OPEN, now)
                self.idle_since[who] = now
        elif phase == _Phase.PATIENCE:
            visit = self.visits[who]
            assert visit.ticket is not None
            if self.repo.ticket(visit.ticket).state is TicketState.WAITING:
                usecases.act_on_ticket(self.repo, visit.ticket, Action.CANCEL, now)
                self.waiting -= 1
                visit.left_at = now
        elif phase == _Phase.ARRIVAL:
            self._arrive(who, now)
        elif phase == _Phase.CHECK_IN:
            self._check_in(who, now)
        elif phase == _Phase.KEEP_CURRENT:
            self._keep_current(now)
        elif phase == _Phase.RETRY:  # nothing but the calls that follow every instant
            self.retry_at[who] = None
        # RETURN: a citizen is back in the room; the calls that follow every instant do the rest.

    def _counter(self, k: int, action: CounterAction, now: datetime) -> None:
        usecases.act_on_counter(self.repo, self.counters[k].id, action, now)
        self.is_open[k] = action is CounterAction.OPEN

    def _arrive(self, i: int, now: datetime) -> None:
        if self.remote[i]:
            self._join(i, now)
            return
        arrival, visit = self.arrivals[i], self.visits[i]
        appointment = None
        if arrival.kind is TicketKind.APPOINTMENT and arrival.slot is not None:
            appointment = usecases.Appointment(arrival.id, self.at(arrival.slot))
        ticket = usecases.issue_ticket(
            self.repo, self.office, arrival.service, LANGUAGE, now, token=f"citizen-{i}", appointment=appointment
        ).ticket
        assert ticket.id is not None
        visit.ticket, visit.number = ticket.id, ticket.number
        self.citizen_of[ticket.id] = i
        self.waiting += 1
        in_room_from = now
        if self.estimates or self.return_share:
            told = usecases.position(self.repo, ticket, now, self.policy)
            visit.estimate_s = told.estimated_wait_s
            visit.estimate_range_s = (told.low_s, told.high_s)
            visit.estimate_ql_s = self._ql(arrival.service, told.people_ahead, now)
            if not self.closed_for_good and told.return_offer is not None and self._accepts():
                away = returning.accept(self.repo, ticket.token, told.estimated_wait_s, now)
                assert away.return_at is not None
                visit.return_at = in_room_from = away.return_at
                heapq.heappush(self.heap, (away.return_at, _Phase.RETURN, i))
        if self.closed_for_good:
            self._send_home(i, now)
        elif arrival.patience_s is not None:
            heapq.heappush(self.heap, (in_room_from + timedelta(seconds=arrival.patience_s), _Phase.PATIENCE, i))

    def _join(self, i: int, now: datetime) -> None:
        """A walk-in of the file joins from elsewhere at their arrival time, as the join page does."""
        arrival, visit = self.arrivals[i], self.visits[i]
        visit.travel_s = travel_s(arrival.id, *self.travel_range_s)
        issued = usecases.issue_ticket(
            self.repo,
            self.office,
            arrival.service,
            LANGUAGE,
            now,
            token=f"citizen-{i}",
            remote=usecases.Remote(visit.travel_s),
            policy=self.policy,
        )
        ticket, told = issued.ticket, issued.position
        assert ticket.id is not None
        assert told is not None
        visit.ticket, visit.number = ticket.id, ticket.number
        visit.estimate_s, visit.estimate_range_s = told.estimated_wait_s, (told.low_s, told.high_s)
        visit.estimate_ql_s = self._ql(arrival.service, told.people_ahead, now)
        self.citizen_of[ticket.id] = i
        self.waiting += 1
        if self.closed_for_good:
            self._send_home(i, now)
            return
        if ticket.told_come:
            self._set_off(i, now)
        self._keep_current_later(now)

    def _set_off(self, i: int, now: datetime) -> None:
        """Told to come: the joiner walks in after their trip and their spread (or never)."""
        visit = self.visits[i]
        spread = arrival_spread_s(self.arrivals[i].id)
        if spread is None or visit.travel_s is None:
            return
        walks_in = now + timedelta(seconds=max(0, visit.travel_s + spread))
        heapq.heappush(self.heap, (walks_in, _Phase.CHECK_IN, i))

    def _check_in(self, i: int, now: datetime) -> None:
        """A remote joiner walks in and checks in at the kiosk; too late (a no-show) or after closing: nothing."""
        visit, arrival = self.visits[i], self.arrivals[i]
        assert visit.ticket is not None
        ticket = self.repo.ticket(visit.ticket)
        if ticket.state is not TicketState.WAITING:
            return
        remote.arrive(self.repo, ticket, now)
        visit.entered_at = now
        if arrival.patience_s is not None:
            heapq.heappush(self.heap, (now + timedelta(seconds=arrival.patience_s), _Phase.PATIENCE, i))

    def _keep_current_later(self, now: datetime) -> None:
        """The next remote round, if none is planned: on the next whole `KEEP_CURRENT_S` of the day."""
        if self.keep_current_at is not None:
            return
        step = KEEP_CURRENT_S
        seconds = (now - datetime.combine(self.day, time(), tzinfo=UTC)).total_seconds()
        when = now + timedelta(seconds=step - seconds % step)
        self.keep_current_at = when
        heapq.heappush(self.heap, (when, _Phase.KEEP_CURRENT, -1))

    def _keep_current(self, now: datetime) -> None:
        """The server's round (`usecases.remote_round`): each joiner's turn from the forecast; tells and drops."""
        self.keep_current_at = None
        if not usecases.anyone_on_the_way(self.repo, self.office, now):
            return
        for notice in usecases.remote_round(self.repo, self.office, now, self.policy):
            i = int(notice.token.removeprefix("citizen-"))
            if notice.kind == "come":
                self._set_off(i, now)
            elif notice.kind == "missed":
                visit = self.visits[i]
                visit.missed, visit.left_at = True, now
                self.waiting -= 1
        self._keep_current_later(now)

    def _accepts(self) -> bool:
        """Whether a citizen offered a timed return takes it: of those offered, every 1/share-th accepts
        (no randomness: the same input gives the same output)."""
        self.offers += 1
        return math.floor(self.offers * self.return_share) > math.floor((self.offers - 1) * self.return_share)

    def _ql(self, service: str, ahead: int, now: datetime) -> float | None:
        """The queue-length baseline of FORMAT.md. Before any counter with the skill is open (a crowd at
        the door), it counts from when the first one opens, with the counters open then."""
        able = self.skilled[service]
        open_now = sum(1 for k in able if self.on_shift[k])
        if open_now:
            return ql_estimate(ahead, open_now, self.durations[service])
        starts = [start for k in able for start, _ in self.shifts[k] if start > now]
        if not starts:
            return None
        first = min(starts)
        open_then = sum(1 for k in able if any(s <= first < e for s, e in self.shifts[k]))
        return (first - now).total_seconds() + ql_estimate(ahead, open_then, self.durations[service])

    def _calls(self, now: datetime) -> None:
        idle = sorted(
            (self.idle_since[k], k)
            for k in range(len(self.counters))
            if self.is_open[k] and self.on_shift[k] and self.serving[k] is None
        )
        for _, k in idle:
            counter = self.counters[k]
            ticket = usecases.call_next(self.repo, counter.id, now, self.policy)
            if ticket is None:
                self._retry_later(k, now)
                continue
            assert ticket.id is not None
            i = self.citizen_of[ticket.id]
            visit = self.visits[i]
            visit.called_at, visit.counter = now, counter.name
            self.serving[k] = i
            self.waiting -= 1
            heapq.heappush(self.heap, (now + timedelta(seconds=self.arrivals[i].duration_s), _Phase.FINISH, k))
            if not self.waiting:
                return

    def _retry_later(self, k: int, now: datetime) -> None:
        """The policy left this counter idle: if someone it may serve is waiting, it asks again soon."""
        if self.retry_at[k] is not None:
            return
        counter = self.counters[k]
        waiting = self.repo.queue(self.office, office_day(now, self.zone.key), counter.serving_now)
        if any(routing.eligible(counter, entry) for entry in routing.present(waiting, now)):
            when = now + timedelta(seconds=RETRY_S)
            self.retry_at[k] = when
            heapq.heappush(self.heap, (when, _Phase.RETRY, k))

    def _finish(self, k: int, now: datetime) -> None:
        i = self.serving[k]
        assert i is not None
        ticket = self.visits[i].ticket
        assert ticket is not None
        usecases.act_on_ticket(self.repo, ticket, Action.FINISH, now, counter_id=self.counters[k].id)
        self.serving[k] = None
        self.idle_since[k] = now
        if not self.on_shift[k]:
            self._counter(k, CounterAction.CLOSE, now)

    def _close_for_good(self, now: datetime) -> None:
        """No counter is open and none will open again: whoever still waits goes home."""
        self.closed_for_good = True
        for ticket in self.repo.tickets_in(self.office, {TicketState.WAITING}):
            if ticket.id in self.citizen_of:
                self._send_home(self.citizen_of[ticket.id], now)

    def _send_home(self, i: int, now: datetime) -> None:
        visit = self.visits[i]
        assert visit.ticket is not None
        usecases.act_on_ticket(self.repo, visit.ticket, Action.CANCEL, now)
        self.waiting -= 1
        visit.left_at, visit.sent_home = now, True
