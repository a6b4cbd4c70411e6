"""Live staffing advice: the office's plan (shifts) against the same weekday's history, as an event."""

from __future__ import annotations

import json
from datetime import time, timedelta

from i18n import LANGUAGES
from i18n.advice import lines_by_language
from scheduler.advice import office_scenario, staffing_advice
from scheduler.forecast import Demand
from scheduler.memory import MemoryRepository
from tests.scheduler.conftest import OFFICE, T0

MORNING = (time(9), time(12))


def plan_morning(repo: MemoryRepository) -> None:
    for counter_id in (1, 2, 3):
        repo.set_shifts(counter_id, [MORNING])


def busy_hour(weeks: int) -> list[Demand]:
    """Over `weeks` days, 40 identity cards (10 min each) a day between 10:00 and 11:00, and a few certificates."""
    visits = []
    for _ in range(weeks):
        visits += [Demand("A", 10 * 3600 + 90 * i, 600) for i in range(40)]
        visits += [Demand("C", 9 * 3600 + 1200 * i, 300) for i in range(3)]
    return visits


def test_the_shifts_make_the_plan(repo: MemoryRepository) -> None:
    plan_morning(repo)
    scenario = office_scenario(repo, OFFICE)
    assert [(c.name, c.services, c.shifts) for c in scenario.counters] == [
        ("Loket 1", ("A", "B"), (MORNING,)),
        ("Loket 2", ("A",), (MORNING,)),
        ("Loket 3", ("C",), (MORNING,)),
    ]
    assert [s.code for s in scenario.services] == ["A", "B", "C"]
    assert repo.counter_shifts("annex") == {10: []}


def test_more_demand_than_counters_asks_for_more_counters(repo: MemoryRepository) -> None:
    plan_morning(repo)
    event = staffing_advice(repo, OFFICE, T0, busy_hour(4), days=4)  # T0 is Monday 09:30 in Brussels
    assert event is not None
    assert (event.office, event.type) == (OFFICE, "staffing.advice")
    # 40 an hour of 10 minutes is 6.7 Erlangs: two counters for identity cards are far too few.
    [run] = event.data["advice"]
    assert (run["start"], run["end"]) == ("10:00", "11:00")
    assert [extra["skills"] for extra in run["extra"]] == [["A"]]
    assert run["extra"][0]["counters"] > 1
    # The edge that sends it says it in every language (api/housekeeping.py).
    names = {language: {s.code: s.name(language) for s in repo.services(OFFICE)} for language in LANGUAGES}
    by_language = lines_by_language(event.data["advice"], names)
    lines = by_language["en"]
    assert len(lines) == 1
    assert lines[0].startswith("10:00-11:00: open ")
    assert "more counters for Identity card" in lines[0]
    assert by_language["nl"][0].startswith("10:00-11:00: open nog ")
    assert "loketten voor Identiteitskaart" in by_language["nl"][0]
    assert by_language["fr"][0].startswith("10:00-11:00 : ouvrir ")
    assert "guichets de plus pour Carte d'identité" in by_language["fr"][0]
    hours = event.data["hours"]
    assert [(h["start"], h["end"]) for h in hours] == [("09:00", "10:00"), ("10:00", "11:00"), ("11:00", "12:00")]
    busy = hours[1]
    assert busy["arrivals"]["A"] == 40
    assert busy["planned"]["A"] == 2
    assert busy["needed"]["A"] > 2 + 3
    assert busy["extra"] == [{"skills": ["A"], "counters": busy["needed"]["A"] - 2}]
    assert hours[0]["extra"] == [] == hours[2]["extra"]
    assert event.data["computed_at"] == T0.isoformat()
    json.dumps(event.data)  # plain data, ready for the wire
    assert repo.events[OFFICE] == []  # a read: the caller decides whether to send it


def test_the_history_is_averaged_over_its_days(repo: MemoryRepository) -> None:
    plan_morning(repo)
    one_day = staffing_advice(repo, OFFICE, T0, busy_hour(1), days=1)
    four_days = staffing_advice(repo, OFFICE, T0, busy_hour(4), days=4)
    assert one_day is not None
    assert four_days is not None
    assert [h["arrivals"] for h in one_day.data["hours"]] == [h["arrivals"] for h in four_days.data["hours"]]
    diluted = staffing_advice(repo, OFFICE, T0, busy_hour(1), days=4)
    assert diluted is not None
    assert diluted.data["hours"][1]["arrivals"]["A"] == 10


def test_the_advice_covers_the_hours_from_now_until_closing(repo: MemoryRepository) -> None:
    plan_morning(repo)
    later = staffing_advice(repo, OFFICE, T0 + timedelta(hours=1, minutes=45), busy_hour(4), days=4)  # 11:15
    assert later is not None
    assert [h["start"] for h in later.data["hours"]] == ["11:00"]
    assert later.data["advice"] == []
    assert staffing_advice(repo, OFFICE, T0 + timedelta(hours=3), busy_hour(4), days=4) is None  # closed at 12:00


def test_no_history_no_advice(repo: MemoryRepository) -> None:
    plan_morning(repo)
    assert staffing_advice(repo, OFFICE, T0, []) is None
    assert staffing_advice(repo, OFFICE, T0, [Demand("Z", 10 * 3600, 600)]) is None  # a service no longer offered
