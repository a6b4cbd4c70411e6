"""Which published figures to leave empty so that no combination of them isolates fewer than `threshold` people.

A figure is an item: a count, or any value computed from a group of people (a mean, a share), known here by how
many people it covers. Primary suppression hides every item covering fewer than `threshold` people, zero
included. That alone is not enough wherever a total and its parts are both published: the total minus the parts
shown is the sum of the hidden parts, and a mean shown with its count turns into a sum the same way. So for every
`Relation` (total = sum of parts) whose total is shown, complementary suppression hides more parts, smallest first,
while

- exactly one part is hidden (it would follow exactly), or
- the hidden parts together cover 1 to `threshold - 1` people.

A hidden part that adds up to zero may be worked out as zero: that tells about nobody. When no part is left to
hide, the total is hidden instead. Items that `follow` another are hidden with it: every figure computed from the
same people (their count, their waits, their scores) is hidden in the same cells, or the one left shown would give
the others away. Items never published at all (`unpublished`) count as hidden parts when they are not zero.

Hiding only ever adds items, so the loop ends; the answer depends only on the counts and the order of the parts
(ties go to the earlier part), never on anything else, so the same figures always get the same holes.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)


@dataclass(frozen=True)
class Relation(Generic[K]):
    """A published total and the parts it is the exact sum of."""

    total: K
    parts: tuple[K, ...]


def suppress(
    counts: Mapping[K, int],
    relations: Iterable[Relation[K]],
    *,
    threshold: int,
    follows: Mapping[K, Iterable[K]] | None = None,
    unpublished: Set[K] = frozenset(),
) -> frozenset[K]:
    """The items to leave empty: primary suppression below `threshold`, then complementary suppression until
    every relation with a shown total is safe (see the module's docstring)."""
    relations = list(relations)
    followers = {key: tuple(items) for key, items in (follows or {}).items()}
    hidden = {key for key, n in counts.items() if n < threshold} | set(unpublished)
    _spread(hidden, followers, list(hidden))
    changed = True
    while changed:
        changed = False
        for relation in relations:
            if relation.total in hidden:
                continue  # nothing to subtract from
            extra = _complement(relation, counts, hidden, unpublished, threshold)
            if extra is not None:
                hidden.add(extra)
                # At once, so that the next relation already sees what went with it.
                _spread(hidden, followers, [extra])
                changed = True
    return frozenset(hidden)


def gives_away(hidden: Sequence[int], threshold: int) -> bool:
    """Whether a shown total, beside its shown parts, gives away its hidden parts (`hidden`: the count of each):
    exactly one hidden part follows exactly, and hidden parts covering 1 to `threshold - 1` people together
    isolate them. For a total whose parts are already fixed elsewhere (another file), this decides whether the
    total itself must go."""
    covered = sum(hidden)
    return bool(hidden) and (len(hidden) == 1 or 0 < covered < threshold)


def _spread(hidden: set[K], followers: Mapping[K, tuple[K, ...]], pending: list[K]) -> None:
    """Hide what follows the `pending` items, and what follows that."""
    while pending:
        for item in followers.get(pending.pop(), ()):
            if item not in hidden:
                hidden.add(item)
                pending.append(item)


def _complement(
    relation: Relation[K], counts: Mapping[K, int], hidden: set[K], unpublished: Set[K], threshold: int
) -> K | None:
    """The next item to hide for `relation`, or None when it is safe as it stands."""
    # A part nobody ever sees that is zero is known to be zero by everyone: it hides nothing.
    secret = [p for p in relation.parts if p in hidden and not (p in unpublished and counts.get(p, 0) == 0)]
    if not gives_away([counts.get(p, 0) for p in secret], threshold):
        return None
    shown = [(counts.get(p, 0), i, p) for i, p in enumerate(relation.parts) if p not in hidden]
    if not shown:
        return relation.total
    return min(shown, key=lambda entry: entry[:2])[2]
