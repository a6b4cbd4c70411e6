"""The queueing model: Erlang C against published values and an independent formula, the variability correction,
and the counters needed."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest

from scheduler.erlang import counters_needed, erlang_b, erlang_c, mean_wait_s, wait_exceeds

MINUTE = 60.0


def textbook_erlang_c(servers: int, load: int | Fraction) -> Fraction:
    """The factorial formula, in exact rational arithmetic: an independent oracle (slow, but exact)."""
    a = Fraction(load)
    term, total = Fraction(1), Fraction(1)  # a^0 / 0!
    for k in range(1, servers):
        term = term * a / k
        total += term
    last = term * a / servers * servers / (servers - a)  # a^c / c! · c / (c - a)
    return last / (total + last)


# ---------------------------------------------------------------------------------------------- Erlang C


@pytest.mark.parametrize(
    ("servers", "load", "expected"),
    [
        (1, 0.5, 0.5),  # M/M/1: the probability of waiting is the utilisation
        (2, 1.0, 1 / 3),
        (3, 2.0, 4 / 9),  # the M/M/3 case: λ = 0.2/min, mean service 10 min
        (10, 8.0, 0.409),  # Erlang C tables
    ],
)
def test_erlang_c_matches_published_values(servers: int, load: float, expected: float) -> None:
    assert erlang_c(servers, load) == pytest.approx(expected, abs=5e-4)


def test_mm3_case_mean_wait_and_tail_match_the_published_figures() -> None:
    rate, mean = 0.2 / MINUTE, 10 * MINUTE
    assert erlang_c(3, rate * mean) == pytest.approx(0.4444, abs=1e-4)
    assert mean_wait_s(3, rate, mean) / MINUTE == pytest.approx(4.444, abs=1e-3)
    assert wait_exceeds(3, rate, mean, 5 * MINUTE) == pytest.approx(0.2696, abs=1e-4)


@pytest.mark.parametrize(("servers", "load"), [(1, 0), (2, 1), (4, 3), (7, 5), (20, 17), (30, 29), (60, 45)])
def test_erlang_c_agrees_with_the_factorial_formula(servers: int, load: int) -> None:
    if load == 0:
        assert erlang_c(servers, load) == 0
    else:
        assert erlang_c(servers, load) == pytest.approx(float(textbook_erlang_c(servers, load)), rel=1e-12)


@pytest.mark.parametrize(("servers", "load"), [(500, 480), (500, 250), (800, 799)])
def test_erlang_c_stays_exact_for_hundreds_of_counters(servers: int, load: int) -> None:
    assert erlang_c(servers, load) == pytest.approx(float(textbook_erlang_c(servers, load)), rel=1e-9)


@pytest.mark.parametrize(("servers", "load"), [(5000, 4900.0), (20000, 19999.5), (100, 1e-9)])
def test_erlang_b_and_c_neither_overflow_nor_leave_zero_to_one(servers: int, load: float) -> None:
    b, c = erlang_b(servers, load), erlang_c(servers, load)
    assert 0 <= b <= c <= 1
    assert math.isfinite(c)


@pytest.mark.parametrize(("servers", "load"), [(3, 3.0), (3, 4.5), (1, 1.0)])
def test_counters_that_cannot_keep_up_make_everyone_wait_forever(servers: int, load: float) -> None:
    assert erlang_c(servers, load) == 1
    assert mean_wait_s(servers, load / 600, 600) == math.inf
    assert wait_exceeds(servers, load / 600, 600, 10_000) == 1


@pytest.mark.parametrize("load", [0.3, 2.0, 7.5, 40.0, 123.4])
def test_more_counters_never_make_anyone_wait_longer(load: float) -> None:
    mean = 600.0
    rate = load / mean
    previous = (1.0, math.inf, 1.0)
    for servers in range(1, int(load) + 40):
        now = (erlang_c(servers, load), mean_wait_s(servers, rate, mean), wait_exceeds(servers, rate, mean, 300))
        assert all(n <= p + 1e-15 for n, p in zip(now, previous, strict=True)), servers
        previous = now


# ---------------------------------------------------------------------------------------------- variability


@pytest.mark.parametrize("scv", [0.0, 0.25, 1.0, 2.0])
def test_variability_correction_is_the_pollaczek_khinchine_formula_for_one_counter(scv: float) -> None:
    rate, mean = 1 / 600, 400.0
    rho = rate * mean
    pk = rho * mean * (1 + scv) / (2 * (1 - rho))  # M/G/1 mean wait, exact
    assert mean_wait_s(1, rate, mean, scv_service=scv) == pytest.approx(pk)


def test_steadier_service_times_need_no_more_counters() -> None:
    rate, mean = 20 / 3600, 900.0
    needs = [counters_needed(rate, mean, scv_service=scv) for scv in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert needs == sorted(needs)
    assert needs[0] < needs[-1]


def test_no_variability_at_all_means_no_wait_once_stable() -> None:
    assert wait_exceeds(2, 1 / 600, 900, 1, scv_arrival=0, scv_service=0) == 0
    assert counters_needed(1 / 600, 900, target_wait_s=1, target_share=0.99, scv_service=0, scv_arrival=0) == 2


# ---------------------------------------------------------------------------------------------- counters needed


@pytest.mark.parametrize(
    ("rate_per_min", "mean_min", "wait_min", "share", "scv"),
    [
        (0.2, 10, 5, 0.9, 1.0),  # the M/M/3 case: 3 counters give 73%, so more are needed
        (0.2, 10, 5, 0.7, 1.0),
        (1.0, 9, 5, 0.9, 1.0),
        (1.0, 9, 5, 0.9, 0.3),
        (5.0, 4, 1, 0.95, 1.0),
        (100.0, 5, 0.5, 0.8, 1.0),  # a big call centre
        (0.01, 20, 5, 0.9, 1.0),  # almost nobody comes: still one counter
    ],
)
def test_counters_needed_is_the_smallest_number_that_meets_the_target(
    rate_per_min: float, mean_min: float, wait_min: float, share: float, scv: float
) -> None:
    rate, mean, wait = rate_per_min / MINUTE, mean_min * MINUTE, wait_min * MINUTE
    n = counters_needed(rate, mean, wait, share, scv)
    assert n > rate * mean
    assert 1 - wait_exceeds(n, rate, mean, wait, scv_service=scv) >= share
    if n - 1 > rate * mean:
        assert 1 - wait_exceeds(n - 1, rate, mean, wait, scv_service=scv) < share


def test_the_mm3_case_needs_four_counters_for_ninety_percent_within_five_minutes() -> None:
    assert 1 - wait_exceeds(3, 0.2 / MINUTE, 10 * MINUTE, 5 * MINUTE) == pytest.approx(0.7304, abs=1e-4)
    assert counters_needed(0.2 / MINUTE, 10 * MINUTE) == 4


@pytest.mark.parametrize(
    ("rate", "share", "expected"),
    [
        (0.0, 0.9, 0),  # nobody comes: no counter
        (2.5 / 600, 0.0, 3),  # no service level asked: just enough to keep up (c > offered load)
        (3.0 / 600, 0.0, 4),  # an integer load needs one more than itself
    ],
)
def test_counters_needed_edges(rate: float, share: float, expected: int) -> None:
    assert counters_needed(rate, 600, 300, share) == expected


@pytest.mark.parametrize(
    "kwargs",
    [
        {"arrival_rate_per_s": -1, "mean_service_s": 600},
        {"arrival_rate_per_s": 1, "mean_service_s": 0},
        {"arrival_rate_per_s": 1, "mean_service_s": 600, "target_share": 1.0},
        {"arrival_rate_per_s": 1, "mean_service_s": 600, "target_wait_s": -1},
        {"arrival_rate_per_s": 1, "mean_service_s": 600, "scv_service": -0.5},
    ],
)
def test_counters_needed_refuses_nonsense(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):  # noqa: PT011 - each case has its own message
        counters_needed(**kwargs)


def test_counters_needed_copes_with_a_very_large_load() -> None:
    n = counters_needed(2000 / 60, 300)  # 10 000 Erlangs
    assert 10_000 < n < 10_200
