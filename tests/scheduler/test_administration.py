"""The set-up rules shared by the administration and the office files: each value checked once, a refusal naming
its field; an office written back as a file reads to the same office."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

import pytest

from scheduler import administration as rules
from scheduler.errors import Invalid
from scheduler.memory import MemoryRepository
from scheduler.model import Office
from scheduler.scenario import office_file, parse_scenario
from scheduler.usecases import queue_snapshot

NAMES = {"nl": "Rijbewijs", "fr": "Permis", "en": "Licence"}


def refused(fn: Any, *args: Any) -> tuple[str, object]:
    with pytest.raises(Invalid) as caught:
        fn(*args)
    return caught.value.code, caught.value.extra.get("field")


def test_a_new_service_gets_its_defaults_and_keeps_what_it_was_given() -> None:
    assert rules.new_service({"code": "D", "names": {**NAMES, "fr": "  Permis "}}) == {
        "code": "D",
        "names": NAMES,
        "duration_s": 600,
        "bookable": False,
        "slot_s": None,
        "checklist": {},
    }


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"names": NAMES}, "field_required", "code"),
        ({"code": "É", "names": NAMES}, "invalid_code", "code"),
        ({"code": "D", "names": {**NAMES, "nl": "   "}}, "invalid_name", "names.nl"),
        ({"code": "D", "names": "Licence"}, "invalid_body", "names"),
        ({"code": "D", "names": NAMES, "duration_s": True}, "invalid_number", "duration_s"),
        ({"code": "D", "names": NAMES, "duration_s": 4 * 3600 + 1}, "invalid_number", "duration_s"),
        ({"code": "D", "names": NAMES, "slot_s": 0}, "invalid_slot", "slot_s"),
        ({"code": "D", "names": NAMES, "extra": 1}, "unknown_field", "extra"),
    ],
)
def test_a_bad_new_service_is_refused_naming_the_field(body: dict[str, Any], code: str, field: str) -> None:
    assert refused(rules.new_service, body) == (code, field)


def test_a_service_change_holds_only_the_fields_given() -> None:
    assert rules.service_change({"bookable": True}) == {"bookable": True}
    assert rules.service_change({"checklist": {"fr": ["Photo"]}}) == {"checklist": {"fr": ("Photo",)}}


def test_hours_accept_the_office_files_weekdays_and_drop_closed_days() -> None:
    week = rules.hours({"mon": [["08:30", "12:30"], ["13:30", "16:00"]], "sun": []})
    assert week == {0: ((time(8, 30), time(12, 30)), (time(13, 30), time(16)))}
    assert rules.hours_view(week)["mon"] == [["08:30", "12:30"], ["13:30", "16:00"]]
    assert rules.hours_view(week)["sun"] == []
    assert refused(rules.hours, {0: [["08:30", "12:30"]]}) == ("invalid_weekday", "hours.0")


def test_closing_days_are_deduplicated_sorted_and_past_days_allowed() -> None:
    assert rules.closed_days(["2026-12-24", "2020-01-01", "2026-12-24"]) == (date(2020, 1, 1), date(2026, 12, 24))
    assert refused(rules.closed_days, "2026-12-24") == ("invalid_date", "closed")


def test_counter_skills_must_be_services_of_the_office_each_once() -> None:
    assert rules.new_counter({"name": " 4 ", "skills": ["A"]}, {"A", "B"}) == {
        "name": "4",
        "skills": ("A",),
        "shifts": (),
    }
    assert refused(rules.new_counter, {"name": "4", "skills": ["A", "A"]}, {"A"}) == ("invalid_skills", "skills")
    assert refused(rules.counter_change, {"skills": ["Z"]}, {"A"}) == ("unknown_service", "skills")


def test_an_office_file_and_the_api_refuse_the_same_value_with_the_same_words() -> None:
    with pytest.raises(Invalid) as from_file:
        parse_scenario({"name": "o", "late_places": 51})
    with pytest.raises(Invalid) as from_api:
        rules.settings_change({"late_places": 51})
    assert from_file.value.code == "invalid_office_file"
    assert from_file.value.detail == f"office file: {from_api.value.detail}"
    assert from_file.value.extra == from_api.value.extra == {"field": "late_places"}


def test_an_office_file_names_the_service_field_it_refuses() -> None:
    with pytest.raises(Invalid) as caught:
        parse_scenario({"name": "o", "service": [{"code": "A", "names": {"fr": "x" * 81}}]})
    assert caught.value.extra == {"field": "service.0.names.fr"}


FULL = {
    "name": "o",
    "title": "Office O",
    "timezone": "Europe/Brussels",
    "timed_return": True,
    "clerks_choose_services": True,
    "no_show_min_recalls": 2,
    "no_show_delay_s": 90,
    "walk_in_share": 0.25,
    "late_places": 4,
    "happiness_at_kiosk": True,
    "notify_before_min": 15,
    "remote_join": False,
    "remote_share_max": 0.3,
    "remote_grace_min": 5,
    "closed": ["2026-12-24"],
    "hours": {"mon": [["08:30", "12:30"], ["13:30", "16:00"]], "sat": [["09:00", "12:00"]]},
    "walk_in_by_hour": {"8": 0.8},
    "service": [
        {
            "code": "A",
            "name": "ID",
            "names": {"nl": "Identiteit", "fr": "Identité", "en": "ID"},
            "mean_duration_s": 600,
            "bookable": True,
            "slot_s": 1200,
            "checklist": {"nl": ["Foto"]},
        },
        {
            "code": "B",
            "name": "Pass",
            "names": {"nl": "Pas", "fr": "Passe", "en": "Pass"},
            "mean_duration_s": 300,
            "bookable": False,
        },
    ],
    "counter": [
        {"name": "1", "services": ["A", "B"], "shifts": [["08:30", "12:30"]]},
        {"name": "2", "services": ["B"], "shifts": []},
    ],
    "improvement": [{"code": "wait", "names": {"nl": "Korter", "en": "Shorter"}}],
}


def test_an_office_written_as_a_file_reads_back_the_same() -> None:
    scenario = parse_scenario(FULL)
    written = office_file(scenario)
    assert written == FULL
    assert parse_scenario(written) == scenario


def test_the_snapshot_carries_the_weeks_hours_and_todays_unless_closed_or_a_holiday() -> None:
    repo = MemoryRepository()
    monday = datetime(2026, 3, 2, 9, tzinfo=UTC)
    hours: dict[int, tuple[tuple[time, time], ...]] = {0: ((time(8, 30), time(12, 30)),)}
    repo.add_office(Office(id="o", name="O", hours=hours), [], [])
    office = queue_snapshot(repo, "o", monday)["office"]
    assert (office["hours_today"], office["closed_today"]) == ([["08:30", "12:30"]], None)
    assert office["hours"]["tue"] == []
    assert queue_snapshot(repo, "o", monday, holidays={date(2026, 3, 2)})["office"]["closed_today"] == "holiday"
    repo.add_office(Office(id="c", name="C", hours=hours, closed_days=frozenset({date(2026, 3, 2)})), [], [])
    closed = queue_snapshot(repo, "c", monday)["office"]
    assert (closed["hours_today"], closed["closed_today"]) == ([], "closed")
