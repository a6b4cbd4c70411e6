"""The one percentile of the project: nearest rank, so that every report (simulation, statistics, open data,
benchmarks) names the same value for "p90" and the value is always one that was really observed."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import TypeVar

Number = TypeVar("Number", int, float)


def nearest_rank(values: Iterable[Number], percent: float) -> Number | None:
    """The ceil(percent/100 × n)-th smallest of `values` (1-based), i.e. the smallest value with at least
    `percent`% of the values at or below it; None for no values. E.g. p95 of 1..20 is 19, of 1..10 is 10."""
    ordered = sorted(values)
    if not ordered:
        return None
    # The tolerance keeps a rank that is whole on paper (90% of 10) from being pushed up by rounding.
    rank = math.ceil(percent * len(ordered) / 100 - 1e-9)
    return ordered[min(max(rank, 1), len(ordered)) - 1]
