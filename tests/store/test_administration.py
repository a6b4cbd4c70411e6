"""The stored set-up on SQLite and PostgreSQL: an office read back as the scenario it was made from; changes
written in the office's write with their audit row and their event, the audit read newest first."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from scheduler.errors import Conflict
from scheduler.scenario import parse_scenario
from store import administration as stored
from store.admin import apply_scenario
from store.repository import SqlRepository
from tests.scheduler.test_administration import FULL
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def test_an_office_reads_back_as_the_scenario_it_was_made_from(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db
    apply_scenario(db, parse_scenario(FULL))
    with db.transaction() as session:
        assert stored.scenario_of(session, "o") == parse_scenario(FULL)


def test_changes_are_audited_and_announced_and_read_newest_first(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db

    def late_places(value: int) -> Callable[[SqlRepository], object]:
        return lambda repo: stored.change_settings(repo, "town", {"late_places": value}, NOW, "mia")

    for value in (5, 6, 7):
        db.write("town", NOW, late_places(value))
    _, events = db.write("town", NOW, lambda repo: stored.change_settings(repo, "town", {"late_places": 7}, NOW, "mia"))
    assert events == []  # no change, nothing announced nor audited
    with db.transaction() as session:
        page = stored.audit_page(session, "town", 2, None)
        assert [e["detail"]["after"] for e in page] == [{"late_places": 7}, {"late_places": 6}]
        older = stored.audit_page(session, "town", 2, page[-1]["id"])
    assert [e["detail"] for e in older] == [{"before": {"late_places": 3}, "after": {"late_places": 5}}]


def test_two_counters_cannot_share_a_name(database_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(database_url)
    db, second = seeded.db, seeded.counters["2"]
    with pytest.raises(Conflict) as refused:
        db.write("town", NOW, lambda repo: stored.change_counter(repo, second, {"name": "1"}, NOW, "mia"))
    assert (refused.value.code, refused.value.extra["field"]) == ("counter_name_taken", "name")
