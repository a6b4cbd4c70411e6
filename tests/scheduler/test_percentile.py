"""The nearest-rank percentile that the simulator, the statistics and the benchmarks share."""

from __future__ import annotations

import pytest

from scheduler.percentile import nearest_rank


@pytest.mark.parametrize(
    ("values", "p95"),
    [
        ([], None),
        ([7.0], 7.0),
        ([float(i) for i in range(1, 11)], 10.0),  # ceil(9.5) = 10th
        ([float(i) for i in range(1, 21)], 19.0),  # ceil(19) = 19th
        ([float(i) for i in range(1, 101)], 95.0),
        ([float(i) for i in range(1, 102)], 96.0),  # ceil(95.95) = 96th
    ],
)
def test_p95_is_the_nearest_rank_percentile(values: list[float], p95: float | None) -> None:
    assert nearest_rank(values, 95) == p95


@pytest.mark.parametrize(
    ("values", "percent", "expected"),
    [([], 50, None), ([7], 90, 7), ([1, 2, 3, 4], 50, 2), ([5, 1, 4, 2, 3], 90, 5), ([5, 1, 4, 2, 3], 50, 3)],
)
def test_unsorted_values_give_the_smallest_value_with_the_share_at_or_below_it(
    values: list[int], percent: float, expected: int | None
) -> None:
    assert nearest_rank(values, percent) == expected


def test_a_rank_whole_on_paper_is_not_pushed_up_by_rounding() -> None:
    assert nearest_rank(range(1, 11), 90) == 9
    assert nearest_rank(range(1, 1001), 99) == 990
