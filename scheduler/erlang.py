"""The queueing model: Erlang B and C, the mean wait, and the counters one pooled queue needs.

Pure functions, standard library only, no I/O.

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
"""

from __future__ import annotations

import math

from scheduler.model import PROMISE


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
