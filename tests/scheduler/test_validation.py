"""The simulator against queueing theory and against Ciw, an independent simulator (issue 3, point 2).

The model: one service, 3 counters open all day, Poisson arrivals λ = 0.2/min, exponential service times
of mean 1/μ = 10 min, non-preemptive, nobody gives up. Offered load a = λ/μ = 2 Erlang, ρ = a/c = 2/3.

Erlang C (M/M/c, FIFO): C(c, a) = (a^c/c!)/(1-ρ) / (Σ_{k<c} a^k/k! + (a^c/c!)/(1-ρ)) = 4/9 for c=3, a=2;
    mean wait W = C/(cμ - λ) = (4/9)/(0.1/min) = 4.444 min; P(W > t) = C·exp(-(cμ - λ)t), so
    P(W > 5 min) = (4/9)·e^-0.5 = 0.2696.
Cobham's formula (non-preemptive priority classes, M/M/c, the same service rate for every class):
    W_k = W0 / ((1 - σ_{k-1})(1 - σ_k)),  W0 = C(c, a)/(cμ),  σ_k = Σ_{i<=k} λ_i/(cμ)  (σ_0 = 0).
    A. Cobham, "Priority assignment in waiting line problems", Operations Research 2(1):70-76, 1954
    (correction: Operations Research 3(4):547, 1955); also Gross, Shortle, Thompson & Harris,
    "Fundamentals of Queueing Theory", section "Nonpreemptive priorities", the M/M/c case.
    Here the first class is appointments due on arrival (slot = check-in, so `appointments-first` calls
    them first), 30% of arrivals; the second, walk-ins. With λ1 = 0.06/min, λ2 = 0.14/min, cμ = 0.3/min:
    σ1 = 0.2, σ2 = 2/3, W0 = 1.4815 min, W1 = 1.852 min, W2 = 5.556 min.

How the samples are made, and why so many. A simulated office day must stay within one calendar day
(tickets of an earlier day are never called), so the test pools independent days: arrivals from 00:00
to 22:00, counters open 00:00-23:59:59. Each day starts empty, so arrivals before 02:00 are a warm-up
and not counted (without it the mean wait comes out ~3% low; with it the design is unbiased: 30,000
such days through an independent Lindley-type recursion gave 4.4455 min ± 0.014). Days come in
antithetic pairs (the second day of a pair uses 1 - u for the gaps and service times of the first):
their waits are negatively correlated, which cuts the variance of the pooled mean by ~45% for the same
simulated time. Waits of one day are strongly autocorrelated (busy hours), so the mean wait is noisy:
one day's mean wait has a standard deviation of ~60% of 4.444 min. Standard errors are measured from
the spread between pairs (jackknife) and printed by every assertion; each check also asserts that its
standard error is at most half its tolerance. With 1,600 days the mean wait's standard error is ~1.3%,
so the 3% tolerance is ~2.2 standard errors, no more: 3% of 4.444 min needs this many days.
The walk-ins' wait under priorities is as noisy as fifo's, so it is checked as a ratio to the fifo
wait of the same 800 days (common random numbers), which cancels the busy hours both replays share.
The days are simulated in two processes (the machine has 2 cores); the results do not depend on it.
"""

from __future__ import annotations

import gc
import math
import os
import random
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from datetime import time

import ciw  # type: ignore[import-untyped]
import pytest

from scheduler.model import TicketKind
from scheduler.scenario import CounterSpec, Scenario, ServiceSpec
from scheduler.simulate import simulate
from scheduler.workload import Arrival

LAMBDA = 0.2 / 60  # arrivals per second
MEAN_SERVICE_S = 600
COUNTERS = 3
APPOINTMENT_SHARE = 0.3
ARRIVALS_END_S = 22 * 3600
WARM_UP_S = 2 * 3600
TARGET_S = 300

DAYS = 1600  # replayed with fifo; an even number (antithetic pairs)
PRIORITY_DAYS = 800  # the first days, replayed with appointments-first too
CIW_DAYS = 200  # the first days, replayed in Ciw too
SEED = 20261129

C_ERLANG = 4 / 9
MU = 1 / MEAN_SERVICE_S
W_ERLANG_S = C_ERLANG / (COUNTERS * MU - LAMBDA)  # 266.7 s = 4.444 min
P_OVER_5_MIN = C_ERLANG * math.exp(-(COUNTERS * MU - LAMBDA) * TARGET_S)  # 0.2696

SCENARIO = Scenario(
    name="mm3",
    title="M/M/3 validation office",
    opens=time(0),
    closes=time(23, 59, 59),
    services=(ServiceSpec("A", {"nl": "A", "fr": "A", "en": "A"}, MEAN_SERVICE_S, False),),
    counters=tuple(CounterSpec(str(k), ("A",), ((time(0), time(23, 59, 59)),)) for k in range(1, COUNTERS + 1)),
)


def cobham_waits_s(rates: list[float], servers: int, mu: float) -> list[float]:
    """Mean wait per priority class (highest first), non-preemptive M/M/c, one service rate (Cobham)."""
    load = sum(rates) / mu
    erlang_c = _erlang_c(servers, load)
    w0 = erlang_c / (servers * mu)
    waits, sigma = [], 0.0
    for rate in rates:
        before, sigma = sigma, sigma + rate / (servers * mu)
        waits.append(w0 / ((1 - before) * (1 - sigma)))
    return waits


def _erlang_c(servers: int, load: float) -> float:
    rho = load / servers
    top = load**servers / math.factorial(servers) / (1 - rho)
    return top / (sum(load**k / math.factorial(k) for k in range(servers)) + top)


def test_the_theory_constants_are_the_ones_of_the_issue() -> None:
    assert _erlang_c(COUNTERS, LAMBDA / MU) == pytest.approx(C_ERLANG)
    assert pytest.approx(4.444, abs=5e-4) == W_ERLANG_S / 60
    assert pytest.approx(0.2696, abs=5e-5) == P_OVER_5_MIN
    w1, w2 = cobham_waits_s([APPOINTMENT_SHARE * LAMBDA, (1 - APPOINTMENT_SHARE) * LAMBDA], COUNTERS, MU)
    assert (w1 / 60, w2 / 60) == pytest.approx((1.852, 5.556), abs=5e-4)
    # Priorities move waiting time between classes, they do not create or remove it (conservation).
    assert APPOINTMENT_SHARE * w1 + (1 - APPOINTMENT_SHARE) * w2 == pytest.approx(W_ERLANG_S)


# --- generating and replaying days ------------------------------------------------------------------


@dataclass(frozen=True)
class Visitor:
    arrival_s: int
    duration_s: int
    appointment: bool


def day_of(uniforms: Iterator[tuple[float, float, float]], antithetic: bool) -> list[Visitor]:
    """One day of Poisson arrivals (whole seconds) from a stream of uniforms; `antithetic` uses 1 - u for
    the gaps and the service times (the class draw stays the same, so the share of appointments does)."""
    visitors: list[Visitor] = []
    t = 0.0
    for u_gap, u_service, u_class in uniforms:
        if antithetic:
            u_gap, u_service = 1 - u_gap, 1 - u_service
        t += -math.log(1 - u_gap) / LAMBDA
        if t >= ARRIVALS_END_S:
            return visitors
        duration = round(-math.log(1 - u_service) * MEAN_SERVICE_S)
        visitors.append(Visitor(round(t), duration, u_class < APPOINTMENT_SHARE))
    raise AssertionError("the stream of uniforms ran out")  # pragma: no cover


def pair_of_days(pair: int) -> tuple[list[Visitor], list[Visitor]]:
    rng = random.Random(SEED * 100_003 + pair)
    uniforms = [(rng.random(), rng.random(), rng.random()) for _ in range(int(LAMBDA * ARRIVALS_END_S * 1.5))]
    return day_of(iter(uniforms), False), day_of(iter(uniforms), True)


def clock(seconds: int) -> time:
    return time(seconds // 3600, seconds % 3600 // 60, seconds % 60)


def as_arrivals(visitors: list[Visitor]) -> list[Arrival]:
    arrivals = []
    for i, v in enumerate(visitors):
        at = clock(v.arrival_s)
        if v.appointment:
            arrivals.append(Arrival(str(i), TicketKind.APPOINTMENT, "A", at, at, v.duration_s))
        else:
            arrivals.append(Arrival(str(i), TicketKind.WALKIN, "A", at, None, v.duration_s))
    return arrivals


def loket_waits(visitors: list[Visitor], policy: str) -> list[int]:
    """Each visitor's wait in seconds, replayed by scheduler.simulate (-1: never called)."""
    result = simulate(SCENARIO, as_arrivals(visitors), policy, estimates=False)
    return [-1 if c.wait_s is None or not c.served else round(c.wait_s) for c in result.citizens]


def ciw_waits(visitors: list[Visitor], priority: bool) -> list[int]:
    """The same visitors, arrival times and service times in Ciw: each one's wait, in seconds."""
    classes = ["appointment", "walkin"] if priority else ["everyone"]

    def members(name: str) -> list[Visitor]:
        return [v for v in visitors if not priority or v.appointment == (name == "appointment")]

    arrivals, services = {}, {}
    for name in classes:
        mine = members(name)
        gaps = [b.arrival_s - a.arrival_s for a, b in zip([Visitor(0, 0, False), *mine], mine, strict=False)]
        arrivals[name] = [ciw.dists.Sequential([*gaps, 10**9])]  # then nobody else comes
        services[name] = [ciw.dists.Sequential([v.duration_s for v in mine] or [0])]
    network = ciw.create_network(
        arrival_distributions=arrivals,
        service_distributions=services,
        number_of_servers=[COUNTERS],
        **({"priority_classes": {"appointment": 0, "walkin": 1}} if priority else {}),
    )
    ciw.seed(0)  # nothing in this network is random; Ciw wants a seed all the same
    sim = ciw.Simulation(network)
    sim.simulate_until_max_time(26 * 3600)
    # Within a class Ciw serves in arrival order: its n-th arrival of a class is our n-th of that class.
    by_class: dict[str, list[tuple[float, float]]] = {name: [] for name in classes}
    for record in sim.get_all_records():
        by_class[record.customer_class].append((record.arrival_date, record.waiting_time))
    queues = {name: iter(sorted(rows)) for name, rows in by_class.items()}
    waits = []
    for v in visitors:
        arrival, wait = next(queues["appointment" if priority and v.appointment else classes[-1]])
        assert arrival == v.arrival_s
        waits.append(round(wait))
    return waits


# What is summed per pair of days, each as (sum of waits, citizens, waits over 5 min): the fifo replay; the
# appointments-first replay per class; then the same three in Ciw.
FIFO, PRIO_APPT, PRIO_WALK, CIW_FIFO, CIW_APPT, CIW_WALK = range(6)
WAIT, CITIZENS, OVER_5_MIN = range(3)
Sums = dict[tuple[int, int], int]  # (quantity, column) -> total


@dataclass(frozen=True)
class PairResult:
    sums: Sums
    never_called: int
    counted: int
    identical_fifo: int = 0  # citizens who waited exactly as long in Ciw (pairs replayed in Ciw only)
    identical_prio: int = 0


def replay_pair(pair: int) -> PairResult:
    """Both days of a pair through `simulate` with fifo (and, for the first `PRIORITY_DAYS`, with
    appointments-first; for the first `CIW_DAYS`, both through Ciw too), summed over the citizens who
    came after the warm-up."""
    gc.disable()  # ~13% faster: the replay makes many short-lived objects and no garbage cycles worth a pass
    try:
        return _replay_pair(pair)
    finally:
        gc.enable()


def _replay_pair(pair: int) -> PairResult:
    with_priority, with_ciw = pair < PRIORITY_DAYS // 2, pair < CIW_DAYS // 2
    sums: Sums = {(q, c): 0 for q in range(6) for c in range(3)}
    never_called = identical_fifo = identical_prio = counted = 0

    def add(quantity: int, wait: int) -> None:
        sums[quantity, WAIT] += wait
        sums[quantity, CITIZENS] += 1
        sums[quantity, OVER_5_MIN] += wait > TARGET_S

    for visitors in pair_of_days(pair):
        fifo = loket_waits(visitors, "fifo")
        prio = loket_waits(visitors, "appointments-first") if with_priority else []
        c_fifo, c_prio = (ciw_waits(visitors, False), ciw_waits(visitors, True)) if with_ciw else ([], [])
        never_called += sum(1 for w in (*fifo, *prio) if w < 0)
        for i, v in enumerate(visitors):
            if v.arrival_s < WARM_UP_S:
                continue
            counted += 1
            klass = PRIO_APPT if v.appointment else PRIO_WALK
            add(FIFO, fifo[i])
            if with_priority:
                add(klass, prio[i])
            if with_ciw:
                add(CIW_FIFO, c_fifo[i])
                add(klass - PRIO_APPT + CIW_APPT, c_prio[i])
                identical_fifo += fifo[i] == c_fifo[i]
                identical_prio += prio[i] == c_prio[i]
    return PairResult(sums, never_called, counted, identical_fifo, identical_prio)


@dataclass(frozen=True)
class Estimate:
    value: float
    standard_error: float

    def describe(self, truth: float, name: str, unit: float = 1.0) -> str:
        off = (self.value - truth) / truth
        return (
            f"{name}: {self.value / unit:.4f} against {truth / unit:.4f} ({100 * off:+.2f}%), "
            f"standard error {self.standard_error / unit:.4f} ({100 * self.standard_error / truth:.2f}%)"
        )


def estimate(results: list[PairResult], statistic: Callable[[Sums], float]) -> Estimate:
    """A statistic of the pooled sums, with its jackknife standard error over the pairs of days."""
    total = {key: sum(r.sums[key] for r in results) for key in results[0].sums}
    value = statistic(total)
    left_out = [statistic({key: total[key] - r.sums[key] for key in total}) for r in results]
    m, centre = len(left_out), sum(left_out) / len(left_out)
    return Estimate(value, math.sqrt((m - 1) / m * sum((x - centre) ** 2 for x in left_out)))


def mean_wait(quantity: int) -> Callable[[Sums], float]:
    return lambda s: s[quantity, WAIT] / s[quantity, CITIZENS]


def share_over_5_min(quantity: int) -> Callable[[Sums], float]:
    return lambda s: s[quantity, OVER_5_MIN] / s[quantity, CITIZENS]


@pytest.fixture(scope="module")
def replayed() -> list[PairResult]:
    pairs = range(DAYS // 2)
    workers = max(1, min(2, os.cpu_count() or 1))
    if workers == 1:
        return [replay_pair(p) for p in pairs]
    with ProcessPoolExecutor(workers) as pool:
        return list(pool.map(replay_pair, pairs, chunksize=8))


def test_every_citizen_of_the_validation_days_is_called(replayed: list[PairResult]) -> None:
    assert sum(r.never_called for r in replayed) == 0
    expected = DAYS * LAMBDA * (ARRIVALS_END_S - WARM_UP_S)
    assert abs(sum(r.counted for r in replayed) - expected) < 5 * math.sqrt(expected)


def test_mean_wait_of_fifo_m_m_3_is_within_3_percent_of_erlang_c(replayed: list[PairResult]) -> None:
    mean = estimate(replayed, mean_wait(FIFO))
    report = mean.describe(W_ERLANG_S, "mean wait (min)", 60)
    assert abs(mean.value - W_ERLANG_S) <= 0.03 * W_ERLANG_S, report
    assert mean.standard_error <= 0.015 * W_ERLANG_S, f"too few days for a 3% tolerance: {report}"


def test_share_waiting_over_5_minutes_is_within_0_015_of_erlang_c(replayed: list[PairResult]) -> None:
    share = estimate(replayed, share_over_5_min(FIFO))
    report = share.describe(P_OVER_5_MIN, "P(wait > 5 min)")
    assert abs(share.value - P_OVER_5_MIN) <= 0.015, report
    assert share.standard_error <= 0.005, f"too few days for a 0.015 tolerance: {report}"


COBHAM = cobham_waits_s([APPOINTMENT_SHARE * LAMBDA, (1 - APPOINTMENT_SHARE) * LAMBDA], COUNTERS, MU)


def test_appointments_first_gives_appointments_cobhams_mean_wait(replayed: list[PairResult]) -> None:
    mean = estimate(replayed[: PRIORITY_DAYS // 2], mean_wait(PRIO_APPT))
    report = mean.describe(COBHAM[0], "appointments' mean wait (min)", 60)
    assert abs(mean.value - COBHAM[0]) <= 0.03 * COBHAM[0], report
    assert mean.standard_error <= 0.015 * COBHAM[0], f"too few days for a 3% tolerance: {report}"


def test_appointments_first_gives_walkins_cobhams_mean_wait(replayed: list[PairResult]) -> None:
    """The walk-ins' wait under priorities swings with the busy hours as much as fifo's does, so it is
    checked against Cobham's formula relative to Erlang C, W2 / W = (1 - ρ) / ((1 - σ1)(1 - σ2)) = 1.25,
    on the very same days replayed with fifo (common random numbers: both see the same busy hours);
    the absolute value follows from the fifo mean, checked against Erlang C above."""
    expected = COBHAM[1] / W_ERLANG_S
    ratio = estimate(replayed[: PRIORITY_DAYS // 2], lambda s: mean_wait(PRIO_WALK)(s) / mean_wait(FIFO)(s))
    report = ratio.describe(expected, "walk-ins' mean wait ÷ fifo's mean wait")
    assert abs(ratio.value - expected) <= 0.03 * expected, report
    assert ratio.standard_error <= 0.015 * expected, f"too few days for a 3% tolerance: {report}"


@pytest.mark.parametrize(
    ("ours", "theirs", "statistic", "name"),
    [
        (FIFO, CIW_FIFO, mean_wait, "fifo: mean wait"),
        (FIFO, CIW_FIFO, share_over_5_min, "fifo: P(wait > 5 min)"),
        (PRIO_APPT, CIW_APPT, mean_wait, "appointments-first: appointments' mean wait"),
        (PRIO_WALK, CIW_WALK, mean_wait, "appointments-first: walk-ins' mean wait"),
    ],
)
def test_the_same_days_replayed_in_ciw_agree_within_3_percent(
    replayed: list[PairResult], ours: int, theirs: int, statistic: Callable[[int], Callable[[Sums], float]], name: str
) -> None:
    in_ciw = replayed[: CIW_DAYS // 2]
    loket, other = estimate(in_ciw, statistic(ours)).value, estimate(in_ciw, statistic(theirs)).value
    assert abs(loket - other) <= 0.03 * other, f"{name}: loket {loket:.4f}, Ciw {other:.4f}"


def test_ciw_gives_almost_every_citizen_the_very_same_wait(replayed: list[PairResult]) -> None:
    """Same arrivals, same service times, same discipline: the two simulators agree citizen by citizen,
    except where two events fall on the same second and they break the tie differently."""
    in_ciw = replayed[: CIW_DAYS // 2]
    counted = sum(r.counted for r in in_ciw)
    fifo = sum(r.identical_fifo for r in in_ciw) / counted
    prio = sum(r.identical_prio for r in in_ciw) / counted
    assert fifo >= 0.99, f"fifo: {100 * fifo:.2f}% identical waits"
    assert prio >= 0.98, f"appointments-first: {100 * prio:.2f}% identical waits"


def test_antithetic_days_mirror_each_other() -> None:
    first, second = pair_of_days(0)
    assert 0 < sum(v.appointment for v in first) < len(first)
    assert [v.appointment for v in first[:50]] == [v.appointment for v in second[:50]]
    # Short gaps and long services on one day are long gaps and short services on the other.
    assert first[0].arrival_s != second[0].arrival_s
