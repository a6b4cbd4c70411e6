"""The open data read as an attacker would: the daily row (the total over every service and hour) minus the hourly
cells shown, for every count and for every mean with its count, must never leave a group of 1 to 4 citizens.

The day built here leaked before: four passport citizens hidden at 9:00 next to five identity cards shown, and one
happiness answer hidden at 10:00 next to five shown; the day's totals gave the four passports' waits and the one
citizen's score exactly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlmodel import Session

from store.tables import HappinessRow, TicketRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

MONDAY = date(2026, 2, 23)  # Brussels is UTC+1: local hour = UTC hour + 1
LONE_SCORE = 2
COUNTS = ["citizens", "walkins", "appointments", "served", "no_shows", "left", "happiness_answers"]
#: A mean and the count an attacker multiplies it by (every citizen here was called, served and told a wait).
MEANS = [
    ("happiness_mean_score", "happiness_answers"),
    ("wait_mean_s", "served"),
    ("service_mean_s", "served"),
    ("estimate_mae_s", "served"),
]
CITIZEN_FIGURES = [
    "walkins", "appointments", "served", "no_shows", "left", "wait_mean_s", "wait_p50_s", "wait_p90_s",
    "served_within_5min_share", "service_mean_s", "estimate_mae_s", "estimate_in_range_share",
]  # fmt: skip


def write_day(seeded: Seeded) -> None:
    """Local 9:00: five A citizens (waits 1 to 5 min) and four B (3 min each); 10:00: six A (2 min). Happiness:
    five answers for A at 9:00, one for B at 10:00."""
    groups = [("A", 8, [60, 120, 180, 240, 300]), ("B", 8, [180] * 4), ("A", 9, [120] * 6)]
    with Session(seeded.db.engine) as session:
        n = 0
        for service, utc_hour, waits in groups:
            for wait in waits:
                n += 1
                checked_in = datetime(2026, 2, 23, utc_hour, n, tzinfo=UTC)
                called, finished = checked_in + timedelta(seconds=wait), checked_in + timedelta(seconds=wait + 300)
                session.add(
                    TicketRow(
                        office="town", service=service, number=f"{service}{n:03d}", day=MONDAY, kind="walkin",
                        language="nl", token=f"status-differencing-{n:03d}", state="done", checked_in_at=checked_in,
                        called_at=called, first_called_at=called, finished_at=finished, service_s=300,
                        counter_id=seeded.counters["1"], announced_wait_s=180, announced_low_s=120,
                        announced_high_s=240,
                    )
                )  # fmt: skip
        for score in (9, 7, 8, 10, 6):
            session.add(HappinessRow(office="town", service="A", day=MONDAY, hour=9, score=score, improvements=[]))
        session.add(HappinessRow(office="town", service="B", day=MONDAY, hour=10, score=LONE_SCORE, improvements=[]))
        session.commit()


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    seeded = seeder(sqlite_url, OFFICE)
    write_day(seeded)
    async with serving(sqlite_url, seeded) as served:
        yield served


async def files(api: Api, **params: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Monday's daily row and hourly rows, as published."""
    got = {}
    for kind in ("daily", "hourly"):
        r = await api.http.get(f"/open-data/town/{kind}.json", params=params)
        assert r.status_code == 200, r.text
        got[kind] = [row for row in r.json()["rows"] if row["date"] == MONDAY.isoformat()]
    return got["daily"][0], got["hourly"]


WEEK = {"from": "2026-02-23", "to": "2026-03-01"}


async def test_the_day_minus_the_hours_shown_never_leaves_fewer_than_five_citizens(api: Api) -> None:
    day, hours = await files(api, **WEEK)
    assert (day["citizens"], day["happiness_answers"]) == (15, 6)  # the totals themselves are published
    for count in COUNTS:
        if day[count] is None:
            continue
        left_over = day[count] - sum(row[count] for row in hours if row[count] is not None)
        assert left_over == 0 or left_over >= 5, f"{count}: the hidden cells hold {left_over}"


@pytest.mark.parametrize(("mean", "count"), MEANS)
async def test_no_hidden_cells_mean_can_be_worked_out_from_the_days_mean(api: Api, mean: str, count: str) -> None:
    day, hours = await files(api, **WEEK)
    shown = [row for row in hours if row[mean] is not None and row[count] is not None]
    hidden_n = day[count] - sum(row[count] for row in shown)
    hidden_sum = day[mean] * day[count] - sum(row[mean] * row[count] for row in shown)
    recovered = round(hidden_sum / hidden_n, 1) if hidden_n else None
    assert hidden_n == 0 or hidden_n >= 5, f"{mean} of {hidden_n} hidden citizens worked out: {recovered}"


async def test_the_lone_happiness_score_cannot_be_recovered(api: Api) -> None:
    day, hours = await files(api, **WEEK)
    shown = [row for row in hours if row["happiness_mean_score"] is not None]
    rest = day["happiness_mean_score"] * day["happiness_answers"] - sum(
        row["happiness_mean_score"] * row["happiness_answers"] for row in shown
    )
    rest_n = day["happiness_answers"] - sum(row["happiness_answers"] for row in shown)
    assert (rest_n, round(rest)) != (1, LONE_SCORE)
    assert rest_n >= 5


async def test_cells_big_enough_and_not_needed_to_cover_a_small_one_stay_shown(api: Api) -> None:
    _day, hours = await files(api, **WEEK)
    cell = {(row["hour"], row["service"]): row for row in hours}
    # B at 9 (four) is covered by the smallest other cell, A at 9 (five); A at 10 (six) is untouched.
    assert (cell[(9, "B")]["citizens"], cell[(9, "A")]["citizens"], cell[(10, "A")]["citizens"]) == (None, None, 6)
    assert cell[(10, "A")]["wait_p50_s"] == 120
    # The one answer for B at 10 is covered by A at 9's five.
    assert (cell[(10, "B")]["happiness_answers"], cell[(9, "A")]["happiness_answers"]) == (None, None)


async def test_every_figure_of_the_same_citizens_is_hidden_in_the_same_cells(api: Api) -> None:
    _day, hours = await files(api, **WEEK)
    for row in hours:
        if row["citizens"] is None:
            assert all(row[f] is None for f in CITIZEN_FIGURES), row
        assert (row["happiness_answers"] is None) == (row["happiness_mean_score"] is None), row


async def test_a_day_gets_the_same_holes_whatever_the_range_asked_for(api: Api) -> None:
    # Otherwise two overlapping ranges side by side would show what each one hides.
    assert await files(api, **WEEK) == await files(api, **{"from": "2026-02-23", "to": "2026-02-23"})
    assert await files(api, **WEEK) == await files(api, **{"from": "2026-02-01", "to": "2026-02-28"})
