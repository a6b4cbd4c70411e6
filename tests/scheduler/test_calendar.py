"""The office calendar: hours, holidays, closing days, slot lengths, walk-in share, past slots."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from scheduler import calendar
from scheduler.errors import Invalid
from scheduler.model import Counter, Office, Service
from scheduler.scenario import parse_scenario

MONDAY = date(2026, 3, 2)
NIGHT_BEFORE = datetime(2026, 3, 1, 20, 0, tzinfo=UTC)
SPLIT: dict[int, tuple[calendar.Period, ...]] = {0: ((time(8, 30), time(12, 30)), (time(13, 30), time(16, 0)))}
A = Service("o", "A", {"en": "Identity card"}, 600, bookable=True)
COUNTERS = [Counter(1, "o", "1", frozenset({"A"})), Counter(2, "o", "2", frozenset({"A", "B"}))]


def office(**kwargs: object) -> Office:
    return Office("o", "Office", "Europe/Brussels", **{"hours": SPLIT, "walk_in_share": 0.0, **kwargs})  # type: ignore[arg-type]


def local(hh: int, mm: int, day: date = MONDAY) -> str:
    return f"{day.isoformat()}T{hh:02d}:{mm:02d}:00+01:00"


def slots(**kwargs: object) -> list[tuple[str, int]]:
    of = kwargs.pop("office", office())
    service = kwargs.pop("service", A)
    shifts = kwargs.pop("shifts", {})
    day = kwargs.pop("day", MONDAY)
    now = kwargs.pop("now", NIGHT_BEFORE)
    holidays = kwargs.pop("holidays", frozenset())
    found = calendar.slots(of, service, COUNTERS, shifts, day, now, holidays)  # type: ignore[arg-type]
    return [(s.at.astimezone(ZoneInfo("Europe/Brussels")).isoformat(), s.capacity) for s in found]


def test_slots_follow_each_other_within_each_opening_period() -> None:
    found = slots()
    assert found[:2] == [(local(8, 30), 2), (local(8, 40), 2)]
    assert found[23] == (local(12, 20), 2)
    assert found[24] == (local(13, 30), 2)
    assert found[-1] == (local(15, 50), 2)
    assert len(found) == 24 + 15


@pytest.mark.parametrize(
    ("case", "kwargs", "expected"),
    [
        ("public holiday", {"holidays": {MONDAY}}, 0),
        ("closing day", {"office": office(closed_days=frozenset({MONDAY}))}, 0),
        ("closed weekday", {"day": date(2026, 3, 3)}, 0),
        ("holiday another day", {"holidays": {date(2026, 4, 6)}}, 39),
        ("not bookable", {"service": Service("o", "A", {}, 600)}, 0),
        (
            "past slots dropped",
            {"now": datetime(2026, 3, 2, 11, 0, tzinfo=UTC)},
            2 + 15,
        ),  # 12:00 local: 12:10 and 12:20 left
        ("a slot starting now is past", {"now": datetime(2026, 3, 2, 11, 10, tzinfo=UTC)}, 1 + 15),
        ("own slot length", {"service": Service("o", "A", {}, 600, bookable=True, slot_s=1800)}, 8 + 5),
        ("duration rounded up to 5 minutes", {"service": Service("o", "A", {}, 601, bookable=True)}, 16 + 10),
    ],
)
def test_how_many_slots_a_day_has(case: str, kwargs: dict[str, object], expected: int) -> None:
    assert len(slots(**kwargs)) == expected, case


@pytest.mark.parametrize(
    ("share", "capacity"),
    [(0.0, 2), (0.25, 1), (0.5, 1), (0.51, 0), (1.0, 0)],
)
def test_the_walk_in_share_is_taken_off_and_capacity_rounded_down(share: float, capacity: int) -> None:
    assert {c for _, c in slots(office=office(walk_in_share=share))} == {capacity}


def test_the_walk_in_share_can_differ_per_hour() -> None:
    busy_mornings = office(walk_in_share=0.0, walk_in_by_hour={8: 1.0, 9: 0.5})
    found = dict(slots(office=busy_mornings))
    assert (found[local(8, 50)], found[local(9, 0)], found[local(9, 50)], found[local(10, 0)]) == (0, 1, 1, 2)


def test_an_office_file_sets_checklists_and_walk_in_shares_per_hour() -> None:
    scenario = parse_scenario(
        {
            "name": "o",
            "walk_in_by_hour": {"08": 1.0, "12:00": 0.25},
            "service": [{"code": "A", "checklist": {"nl": ["Oude kaart"], "fr": ["Ancienne carte"]}}],
        }
    )
    assert scenario.walk_in_by_hour == {8: 1.0, 12: 0.25}
    assert scenario.services[0].checklist == {"nl": ("Oude kaart",), "fr": ("Ancienne carte",)}


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"walk_in_by_hour": {"25": 0.5}}, "not an hour"),
        ({"walk_in_by_hour": {"8": 1.5}}, "from 0 to 1"),
        ({"service": [{"code": "A", "checklist": {"de": ["x"]}}]}, "checklist"),
        ({"service": [{"code": "A", "checklist": {"nl": "one text"}}]}, "checklist"),
    ],
)
def test_broken_checklists_and_hourly_shares_are_refused(extra: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_scenario({"name": "o", **extra})


def test_only_counters_whose_shifts_cover_the_whole_slot_count() -> None:
    shifts = {1: [(time(8, 30), time(10, 5))], 2: [(time(9, 0), time(16, 0))]}
    found = dict(slots(shifts=shifts))
    assert found[local(8, 30)] == 1  # counter 2 starts at 9
    assert found[local(9, 50)] == 2
    assert found[local(10, 0)] == 1  # counter 1 leaves at 10:05, before the slot ends
    assert found[local(15, 50)] == 1


def test_slot_at_finds_a_slot_with_its_capacity() -> None:
    at = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    slot = calendar.slot_at(office(), A, COUNTERS, {}, at, NIGHT_BEFORE, ())
    assert (slot.at, slot.capacity) == (at, 2)


@pytest.mark.parametrize(
    ("at", "code", "says"),
    [
        (datetime(2026, 3, 2, 9, 5, tzinfo=UTC), "no_such_slot", "10:05 is not the start of a slot of service A"),
        (datetime(2026, 3, 2, 11, 40, tzinfo=UTC), "no_such_slot", "12:40 is not the start of a slot"),  # lunch
        (datetime(2026, 3, 3, 9, 0, tzinfo=UTC), "no_such_slot", "no opening hours on Tuesdays"),
        (datetime(2026, 4, 6, 8, 0, tzinfo=UTC), "no_such_slot", "2026-04-06 is a public holiday"),
        (datetime(2026, 3, 1, 19, 0, tzinfo=UTC), "slot_in_past", "in the past"),
    ],
)
def test_slot_at_names_why_there_is_no_slot(at: datetime, code: str, says: str) -> None:
    with pytest.raises(Invalid, match=says) as refused:
        calendar.slot_at(office(), A, COUNTERS, {}, at, NIGHT_BEFORE, {date(2026, 4, 6)})
    assert refused.value.code == code


def test_a_closing_day_is_named() -> None:
    with pytest.raises(Invalid, match="the office is closed on 2026-03-02"):
        calendar.slot_at(
            office(closed_days=frozenset({MONDAY})),
            A,
            COUNTERS,
            {},
            datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
            NIGHT_BEFORE,
            (),
        )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"mon": [["08:30", "12:30"], ["13:30", "16:00"]]}, None),
        ({"maandag": [["08:30", "12:30"]]}, "not one of mon"),
        ({"mon": [["12:30", "08:30"]]}, "run forward"),
        ({"mon": [["08:30", "12:30"], ["12:00", "16:00"]]}, "not overlap"),
        ({"mon": [["08:30"]]}, "not a pair"),
        ({"mon": [["8h30", "12:30"]]}, "no times"),
    ],
)
def test_hours_from_an_office_file(raw: dict[str, object], message: str | None) -> None:
    if message is None:
        assert calendar.parse_hours(raw) == SPLIT
    else:
        with pytest.raises(Invalid, match=message):
            calendar.parse_hours(raw)


def test_default_hours_are_opens_to_closes_on_weekdays() -> None:
    assert calendar.default_hours(time(9), time(17)) == {d: ((time(9), time(17)),) for d in range(5)}
    assert calendar.default_hours(None, time(17)) == {}


def test_an_office_file_sets_hours_closing_days_walk_in_share_and_slot_lengths() -> None:
    scenario = parse_scenario(
        {
            "name": "o",
            "opens": "09:00",
            "closes": "17:00",
            "hours": {"mon": [["08:30", "12:30"], ["13:30", "16:00"]]},
            "closed": ["2026-12-24"],
            "walk_in_share": 0.25,
            "service": [{"code": "A", "bookable": True, "slot_s": 1200}, {"code": "B"}],
        }
    )
    assert (scenario.hours, scenario.closed, scenario.walk_in_share) == (SPLIT, frozenset({date(2026, 12, 24)}), 0.25)
    assert [s.slot_s for s in scenario.services] == [1200, None]
    plain = parse_scenario({"name": "o", "opens": "09:00", "closes": "17:00"})
    assert (plain.hours, plain.closed, plain.walk_in_share) == (
        calendar.default_hours(time(9), time(17)),
        frozenset(),
        0.5,
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        ({"walk_in_share": 1.5}, "'walk_in_share' must be a number from 0 to 1"),
        ({"closed": ["24/12"]}, "closed day '24/12' is not a date"),
        ({"hours": {"mon": "all day"}}, "give a list"),
        ({"service": [{"code": "A", "slot_s": 90}]}, "slot_s must be"),
    ],
)
def test_an_office_file_with_a_broken_calendar_is_refused(extra: dict[str, object], message: str) -> None:
    with pytest.raises(Invalid, match=message):
        parse_scenario({"name": "o", **extra})
