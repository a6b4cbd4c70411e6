"""What a change holds on PostgreSQL (`Database.write(hold=...)`): changes at two counters of one office run side by
side, office-wide changes one at a time, and the events of all of them are numbered in commit order."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from scheduler.events import Event
from scheduler.repository import Repository
from store.database import Database, Hold
from tests.support import Seeded

pytestmark = pytest.mark.postgres
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def slow_and_quick(db: Database, first: Hold, second: Hold) -> tuple[bool, list[tuple[str, int]]]:
    """A change holding `first` waits inside its transaction while one holding `second` tries to commit.
    Returns whether the second committed meanwhile, and each change's event seq (in commit order)."""
    inside, second_done = threading.Event(), threading.Event()
    seqs: list[tuple[str, int]] = []

    def emitting(name: str, wait: Callable[[], object]) -> Callable[[Repository], None]:
        def fn(repo: Repository) -> None:
            inside.set()
            wait()
            repo.emit(Event("town", "test.change", {"name": name}))

        return fn

    def slow() -> None:
        _, events = db.write("town", NOW, emitting("slow", lambda: second_done.wait(3)), hold=first)
        seqs.append(("slow", events[0]["seq"]))

    worker = threading.Thread(target=slow)
    worker.start()
    assert inside.wait(5)
    _, events = db.write("town", NOW, emitting("quick", lambda: None), hold=second)
    seqs.append(("quick", events[0]["seq"]))
    overtook = not second_done.is_set() and worker.is_alive()
    second_done.set()
    worker.join(10)
    return overtook, sorted(seqs, key=lambda s: s[1])


def test_changes_at_two_counters_of_one_office_run_side_by_side(
    postgres_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(postgres_url)
    before = seeded.db.read(lambda repo: repo.current_seq("town"))
    overtook, seqs = slow_and_quick(seeded.db, seeded.counters["1"], seeded.counters["2"])
    assert overtook
    assert seqs == [("quick", before + 1), ("slow", before + 2)]  # numbered in commit order, contiguous


def test_a_walk_in_is_issued_while_an_office_wide_change_runs(postgres_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(postgres_url)
    overtook, _ = slow_and_quick(seeded.db, "office", "nothing")
    assert overtook


@pytest.mark.parametrize(("first", "second"), [("office", "office"), ("counter", "counter")])
def test_changes_holding_the_same_thing_wait_for_each_other(
    postgres_url: str, seeder: Callable[..., Seeded], first: str, second: str
) -> None:
    seeded = seeder(postgres_url)
    hold: dict[str, Hold] = {"office": "office", "counter": seeded.counters["1"]}
    before = seeded.db.read(lambda repo: repo.current_seq("town"))
    overtook, seqs = slow_and_quick(seeded.db, hold[first], hold[second])
    assert not overtook
    assert seqs == [("slow", before + 1), ("quick", before + 2)]
