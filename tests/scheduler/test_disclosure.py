"""Small-cell suppression: primary below the threshold, complementary so that no total minus the parts shown
gives away a group of 1 to 4 people."""

from __future__ import annotations

import pytest

from scheduler.disclosure import Relation, suppress


def day(**cells: int) -> tuple[dict[str, int], list[Relation[str]]]:
    """A total `day` over the cells given, in their order."""
    counts = {"day": sum(cells.values()), **cells}
    return counts, [Relation("day", tuple(cells))]


def secret_sums(counts: dict[str, int], relations: list[Relation[str]], hidden: frozenset[str]) -> list[int]:
    """What an attacker gets from each relation whose total is shown: total minus the parts shown."""
    return [
        counts[r.total] - sum(counts[p] for p in r.parts if p not in hidden) for r in relations if r.total not in hidden
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Nothing small: nothing hidden.
        ({"a": 5, "b": 7}, set()),
        # One small cell: the next smallest goes with it, else day - b = a.
        ({"a": 4, "b": 5, "c": 9}, {"a", "b"}),
        # Two small cells that cover 5 people together: safe as they are.
        ({"a": 4, "b": 1, "c": 9}, {"a", "b"}),
        # Two small cells covering 3: one more, the smallest shown.
        ({"a": 2, "b": 1, "c": 9, "d": 6}, {"a", "b", "d"}),
        # Empty cells add up to zero: that tells about nobody.
        ({"a": 0, "b": 0, "c": 9}, {"a", "b"}),
        # But a single hidden zero would follow exactly: hidden with a partner, as in a row.
        ({"a": 0, "c": 9, "d": 6}, {"a", "d"}),
        # A small cell among empty ones: the zeros don't cover it.
        ({"a": 0, "b": 3, "c": 0, "d": 6, "e": 8}, {"a", "b", "c", "d"}),
        # Ties go to the earlier part, so the holes never move between two requests.
        ({"a": 4, "b": 6, "c": 6}, {"a", "b"}),
    ],
)
def test_a_total_minus_the_cells_shown_never_isolates_one_to_four_people(
    cells: dict[str, int], expected: set[str]
) -> None:
    counts, relations = day(**cells)
    hidden = suppress(counts, relations, threshold=5)
    assert hidden == expected
    assert all(s == 0 or s >= 5 for s in secret_sums(counts, relations, hidden))


def test_a_total_under_the_threshold_is_hidden_and_its_cells_with_it() -> None:
    counts, relations = day(a=3, b=1)
    assert suppress(counts, relations, threshold=5) == {"day", "a", "b"}


def test_when_nothing_is_left_to_hide_in_the_parts_the_total_goes() -> None:
    # b is hidden from elsewhere (it follows x); the total then gives it away and has no other part to hide.
    counts = {"day": 7, "b": 7, "x": 2}
    hidden = suppress(counts, [Relation("day", ("b",))], threshold=5, follows={"x": ["b"]})
    assert hidden == {"x", "b", "day"}


def test_what_follows_a_hidden_item_is_hidden_and_protected_in_its_own_relations() -> None:
    # Per cell: its citizens and how many of them were called (the base of the mean wait). Cell a has 4 citizens;
    # b, the next smallest, is hidden to cover it, and b's waits with it: then a's and b's waits cover each other
    # and d's smaller group of waits stays shown.
    counts = {"day": 19, "a": 4, "b": 6, "d": 9, "called_day": 15, "called_a": 4, "called_b": 6, "called_d": 5}
    relations = [Relation("day", ("a", "b", "d")), Relation("called_day", ("called_a", "called_b", "called_d"))]
    follows = {"a": ["called_a"], "b": ["called_b"], "d": ["called_d"]}
    assert suppress(counts, relations, threshold=5, follows=follows) == {"a", "b", "called_a", "called_b"}
    # Without following, the waits would be covered by other citizens than the counts: both b and d partly hidden.
    assert suppress(counts, relations, threshold=5) == {"a", "b", "called_a", "called_d"}


def test_rows_and_columns_are_made_safe_together() -> None:
    # Two services by two hours, with the service totals per day and the hour totals: the cell hidden to cover
    # a small one in its row must itself be covered in its column.
    counts = {"A9": 3, "A10": 6, "B9": 7, "B10": 8, "A": 9, "B": 15, "h9": 10, "h10": 14}
    relations = [
        Relation("A", ("A9", "A10")),
        Relation("B", ("B9", "B10")),
        Relation("h9", ("A9", "B9")),
        Relation("h10", ("A10", "B10")),
    ]
    hidden = suppress(counts, relations, threshold=5)
    assert hidden == {"A9", "A10", "B9", "B10"}
    assert all(s == 0 or s >= 5 for s in secret_sums(counts, relations, hidden))


@pytest.mark.parametrize(
    ("still_open", "expected"),
    [
        (0, {"still_open"}),  # known to be zero by everyone: it hides nothing
        (2, {"still_open", "no_shows"}),  # the served and the no-shows would give the 2 still open away
    ],
)
def test_a_part_never_published_counts_as_hidden_unless_it_is_zero(still_open: int, expected: set[str]) -> None:
    counts = {"citizens": 17 + still_open, "served": 11, "no_shows": 6, "still_open": still_open}
    relation = Relation("citizens", ("served", "no_shows", "still_open"))
    assert suppress(counts, [relation], threshold=5, unpublished={"still_open"}) == expected
