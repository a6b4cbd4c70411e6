"""The recommendation rules on constructed rows: each speaks past its threshold with enough data, and stays silent
below its minimum of data or below its threshold."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from scheduler import recommendations as rules
from scheduler.recommendations import IdeaVotes, Inputs, Kind, Period, recommend
from scheduler.statistics import Bookings, Happiness, Outcome, VisitRecord

TODAY = date(2026, 3, 16)
PERIOD = Period.before(TODAY)
IN_PERIOD = TODAY - timedelta(days=3)


def visit(
    service: str = "A",
    *,
    day: date = IN_PERIOD,
    hour: int = 10,
    wait_s: int | None = 60,
    kind: str = "walkin",
    in_range: bool | None = None,
) -> VisitRecord:
    return VisitRecord(
        service=service, day=day, hour=hour, kind=kind, outcome=Outcome.SERVED, wait_s=wait_s, service_s=300,
        counter="1", estimate_error_s=None if in_range is None else (0 if in_range else 600),
        in_estimate_range=in_range,
    )  # fmt: skip


def answers(n: int, chosen: dict[str, int]) -> Happiness:
    happy = Happiness()
    for i in range(n):
        happy.add(7, [code for code, count in chosen.items() if i < count])
    return happy


def test_the_look_back_is_whole_weeks_of_finished_days() -> None:
    assert (PERIOD.start, PERIOD.end) == (date(2026, 2, 16), date(2026, 3, 15))


def test_staffing_repeats_todays_advice_and_is_silent_without_one() -> None:
    runs = [{"start": "10:00", "end": "11:00", "extra": [{"skills": ["A"], "counters": 1}]}]
    found = rules.staffing("town", runs)
    assert found is not None
    assert (found.kind, found.numbers["runs"], found.link) == (Kind.STAFFING, runs, "/manage/town?days=30#advice")
    assert rules.staffing("town", []) is None


def test_the_most_chosen_improvement_speaks_with_its_count_and_share() -> None:
    found = rules.top_improvement("town", TODAY, answers(40, {"wait": 12, "signs": 12, "staff": 3}))
    assert found is not None
    # A tie goes to the code first in order: the same answers always give the same recommendation.
    assert dict(found.numbers) == {
        "improvement": "signs",
        "chosen": 12,
        "answers": 40,
        "share": 0.3,
        "month": "2026-03",
    }


@pytest.mark.parametrize(
    ("n", "chosen"),
    [
        (rules.MIN_ANSWERS - 1, {"wait": rules.MIN_ANSWERS - 1}),  # too few answers, though all chose it
        (50, {"wait": 9}),  # 18% of the answers: under the threshold
        (30, {}),  # nothing chosen
    ],
)
def test_the_most_chosen_improvement_is_silent_below_its_minimum_or_threshold(n: int, chosen: dict[str, int]) -> None:
    assert rules.top_improvement("town", TODAY, answers(n, chosen)) is None


def test_the_most_voted_unanswered_idea_needs_enough_votes() -> None:
    found = rules.top_idea("town", IdeaVotes(7, "More chairs", "en", rules.MIN_IDEA_VOTES))
    assert found is not None
    assert (found.numbers["idea"], found.numbers["votes"], found.link) == (7, 3, "/ideas/town")
    assert rules.top_idea("town", IdeaVotes(7, "More chairs", "en", rules.MIN_IDEA_VOTES - 1)) is None
    assert rules.top_idea("town", None) is None


def test_a_service_whose_estimates_are_often_outside_their_range_is_named() -> None:
    visits = [visit("A", in_range=i >= 10) for i in range(25)]  # 10 of 25 outside: 40%
    visits += [visit("B", in_range=i >= 5) for i in range(25)]  # 5 of 25 outside: 20%
    visits += [visit("C", in_range=False) for _ in range(rules.MIN_ESTIMATES - 1)]  # always off, too few
    visits += [visit("B", in_range=False, day=PERIOD.start - timedelta(days=1)) for _ in range(30)]  # too old
    visits += [visit("B", in_range=False, day=TODAY) for _ in range(30)]  # today: not finished
    found = rules.estimates_off("town", visits, PERIOD, ["A", "B", "C"])
    assert [(r.numbers["service"], r.numbers["outside"], r.numbers["checked"], r.numbers["share"]) for r in found] == [
        ("A", 10, 25, 0.4)
    ]
    assert found[0].numbers["mean_error_s"] == 240  # 10 x 600 s over 25
    assert (found[0].numbers["from"], found[0].numbers["to"]) == ("2026-02-16", "2026-03-15")


def test_a_service_with_many_no_shows_is_told_to_remind_earlier() -> None:
    bookings = {
        "A": Bookings(due=40, no_shows=8),  # 20%
        "B": Bookings(due=40, no_shows=6),  # 15%: not above the threshold
        "C": Bookings(due=rules.MIN_BOOKINGS - 1, no_shows=10),  # too few appointments
    }
    found = rules.no_shows("town", bookings, PERIOD, ["A", "B", "C"])
    assert [(r.kind, r.numbers["service"], r.numbers["share"]) for r in found] == [(Kind.NO_SHOWS, "A", 0.2)]


def test_late_hours_are_those_where_more_than_the_share_of_walk_ins_waited_past_the_promise() -> None:
    late, quick = 6 * 60, 60
    visits = [visit(hour=10, wait_s=late if i < 6 else quick) for i in range(30)]  # 20% late
    visits += [visit(hour=11, wait_s=late if i < 3 else quick) for i in range(30)]  # 10%: not more than 10%
    visits += [visit(hour=12, wait_s=late) for _ in range(rules.MIN_HOUR_WALKINS - 1)]  # all late, too few
    visits += [visit(hour=11, wait_s=late, kind="appointment") for _ in range(30)]  # appointments don't count
    visits += [visit(hour=11, wait_s=None) for _ in range(30)]  # never called
    found = rules.late_hours("town", visits, PERIOD)
    assert found is not None
    assert found.numbers["hours"] == [{"hour": 10, "called": 30, "late": 6, "share": 0.2}]
    assert rules.late_hours("town", [visit(hour=10, wait_s=quick) for _ in range(40)], PERIOD) is None


def test_all_rules_together_in_their_order_and_none_without_data() -> None:
    empty = Inputs("town", TODAY, ["A"], [], Happiness(), None, [], {})
    assert recommend(empty) == []
    full = Inputs(
        "town",
        TODAY,
        ["A"],
        [{"start": "10:00", "end": "11:00", "extra": [{"skills": ["A"], "counters": 1}]}],
        answers(30, {"wait": 20}),
        IdeaVotes(1, "More chairs", "en", 5),
        [visit(hour=10, wait_s=600, in_range=False) for _ in range(30)],
        {"A": Bookings(due=30, no_shows=10)},
    )
    assert [r.kind for r in recommend(full)] == list(Kind)
