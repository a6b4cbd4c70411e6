"""The monthly indicator in open data: per office-local month the mean happiness, its answers, the share of walk-ins
called within 5 minutes and the three most chosen improvements; for one office and for all offices pooled; CSV and
JSON that agree; small cells suppressed, also where a month minus the days of daily.csv would give a day away."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from scheduler.errors import Invalid
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario
from store.tables import HappinessRow, TicketRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

IMPROVEMENTS = [
    {"code": "wait", "names": {"en": "Shorter wait"}},
    {"code": "signs", "names": {"en": "Clearer signs"}},
    {"code": "staff", "names": {"en": "Friendlier staff"}},
]
JANUARY = date(2026, 1, 12)  # a Monday; Brussels is UTC+1 all winter
FEBRUARY = date(2026, 2, 9)


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


class Writer:
    def __init__(self, session: Session, seeded: Seeded) -> None:
        self.session, self.seeded, self.n = session, seeded, 0

    def ticket(self, office: str, day: date, wait_min: float, kind: str = "walkin") -> None:
        """A citizen served after `wait_min` minutes, checked in at 09:00 local (08:00 UTC)."""
        self.n += 1
        start = utc(day, 8) + timedelta(minutes=self.n % 30)
        called = start + timedelta(minutes=wait_min)
        self.session.add(
            TicketRow(
                office=office, service="A", number=f"A{self.n:03d}", day=day, kind=kind, language="nl",
                token=f"status-{office}-{self.n}", state="done", checked_in_at=start, called_at=called,
                first_called_at=called, slot_at=start if kind == "appointment" else None,
                finished_at=called + timedelta(minutes=5), service_s=300,
            )
        )  # fmt: skip

    def answers(self, office: str, day: date, scores: list[int], improvements: list[list[str]] | None = None) -> None:
        for i, score in enumerate(scores):
            chosen = improvements[i] if improvements else []
            self.session.add(
                HappinessRow(office=office, service="A", day=day, hour=10, score=score, improvements=chosen)
            )


def write_months(seeded: Seeded) -> None:
    """January, town: 10 answers (five 6s, five 8s: mean 7), `wait` chosen 7 times, `signs` 6, `staff` 2; ten
    walk-ins, eight called within 5 minutes (and three appointments who waited long, not counted). Village: five
    answers of 10 and five walk-ins within 5 minutes.

    February, town: 3 answers and 4 walk-ins (too few). Village: 6 answers on one day and 3 on another, which
    daily.csv hides: the month's 9 minus the 6 shown would give those 3 away."""
    with Session(seeded.db.engine) as session:
        w = Writer(session, seeded)
        chosen = [["wait", "signs"]] * 5 + [["wait"]] * 2 + [["signs", "staff"]] + [["staff"]] + [[]]
        w.answers("town", JANUARY, [6] * 5 + [8] * 5, chosen)
        for wait in (0, 1, 2, 3, 4, 5, 4.5, 2, 6, 12):
            w.ticket("town", JANUARY + timedelta(days=1), wait)
        for _ in range(3):
            w.ticket("town", JANUARY + timedelta(days=1), 40, kind="appointment")
        w.answers("village", JANUARY, [10] * 5)
        for wait in (1, 2, 3, 4, 5):
            w.ticket("village", JANUARY, wait)
        w.answers("town", FEBRUARY, [9, 9, 3], [["wait"]] * 3)
        for wait in (1, 1, 1, 1):
            w.ticket("town", FEBRUARY, wait)
        w.answers("village", FEBRUARY, [7] * 6)
        w.answers("village", FEBRUARY + timedelta(days=1), [2] * 3)
        session.commit()


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    seeded = seeder(sqlite_url, {**OFFICE, "improvement": IMPROVEMENTS})
    apply_scenario(seeded.db, parse_scenario({**OFFICE, "name": "village", "improvement": IMPROVEMENTS}))
    write_months(seeded)
    async with serving(sqlite_url, seeded) as served:  # the clock: Monday 2 March 2026
        yield served


WINTER = {"from": "2026-01", "to": "2026-02"}


async def get(api: Api, path: str, **params: str) -> httpx.Response:
    r = await api.http.get(path, params=params)
    assert r.status_code == 200, r.text
    return r


async def months(api: Api, office: str) -> dict[str, dict[str, Any]]:
    data = (await get(api, f"/open-data/{office}/monthly.json", **WINTER)).json()
    return {row["month"]: row for row in data["rows"]}


async def test_a_month_has_its_mean_happiness_share_within_5_minutes_and_top_improvements(api: Api) -> None:
    january = (await months(api, "town"))["2026-01"]
    assert (january["happiness_answers"], january["happiness_mean_score"]) == (10, 7.0)
    # Walk-ins only: 8 of 10 within 5 minutes; the appointments' long waits do not count.
    assert (january["walkins_called"], january["walkins_within_5min_share"]) == (10, 0.8)
    assert (january["improvement_1"], january["improvement_1_answers"]) == ("wait", 7)
    assert (january["improvement_2"], january["improvement_2_answers"]) == ("signs", 6)
    # `staff`, chosen twice, is too small a group to be shown.
    assert (january["improvement_3"], january["improvement_3_answers"]) == (None, None)


async def test_a_month_of_too_few_answers_or_walk_ins_is_suppressed(api: Api) -> None:
    february = (await months(api, "town"))["2026-02"]
    assert (february["happiness_answers"], february["happiness_mean_score"]) == (None, None)
    assert (february["walkins_called"], february["walkins_within_5min_share"]) == (None, None)
    assert february["improvement_1"] is None


async def test_a_month_that_would_give_a_hidden_day_away_is_suppressed(api: Api) -> None:
    days = (await get(api, "/open-data/village/daily.json", **{"from": "2026-02-09", "to": "2026-02-10"})).json()
    assert [row["happiness_answers"] for row in days["rows"]] == [6, None]
    february = (await months(api, "village"))["2026-02"]
    # 9 answers, but 9 minus the day of 6 shown would be the hidden day's 3 answers, and their mean with it.
    assert (february["happiness_answers"], february["happiness_mean_score"]) == (None, None)


async def test_all_offices_together_pool_the_answers_not_the_offices_means(api: Api) -> None:
    data = (await get(api, "/open-data/all/monthly.json", **WINTER)).json()
    assert (data["office"], data["offices"]) == ("all", ["town", "village"])
    january, february = data["rows"]
    # (10 x 7 + 5 x 10) / 15 = 8.0, not the mean of the means (7 + 10) / 2 = 8.5.
    assert (january["happiness_answers"], january["happiness_mean_score"]) == (15, 8.0)
    assert (january["walkins_called"], january["walkins_within_5min_share"]) == (15, round(13 / 15, 3))
    assert (january["improvement_1"], january["improvement_1_answers"]) == ("wait", 7)
    # February pools 3 + 9 answers: the hidden days of both offices hold 6 together, which isolates nobody.
    assert (february["happiness_answers"], february["happiness_mean_score"]) == (12, round((21 + 42 + 6) / 12, 2))
    assert february["walkins_called"] is None  # 4 walk-ins in all


@pytest.mark.parametrize("office", ["town", "all"])
async def test_the_csv_and_the_json_hold_the_same_rows(api: Api, office: str) -> None:
    from_csv = list(csv.DictReader(io.StringIO((await get(api, f"/open-data/{office}/monthly.csv", **WINTER)).text)))
    data = (await get(api, f"/open-data/{office}/monthly.json", **WINTER)).json()
    assert [{k: "" if v is None else str(v) for k, v in row.items()} for row in data["rows"]] == from_csv
    assert [f["name"] for f in data["fields"]] == list(from_csv[0])
    assert [row["month"] for row in from_csv] == ["2026-01", "2026-02"]


async def test_by_default_the_last_twelve_finished_months_and_a_repeat_is_answered_304(api: Api) -> None:
    r = await get(api, "/open-data/town/monthly.csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert [row["month"] for row in rows][::11] == ["2025-03", "2026-02"]
    assert r.headers["x-license"] == "CC-BY-4.0"
    again = await api.http.get("/open-data/town/monthly.csv", headers={"If-None-Match": r.headers["etag"]})
    assert (again.status_code, again.content) == (304, b"")


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"to": "2026-03"}, "range_not_finished"),
        ({"from": "2026-1"}, "invalid_month"),
        ({"from": "2026-02", "to": "2026-01"}, "invalid_range"),
        ({"from": "2024-01", "to": "2026-01"}, "range_too_long"),
    ],
)
async def test_a_bad_range_is_refused_with_its_reason(api: Api, params: dict[str, str], code: str) -> None:
    r = await api.http.get("/open-data/all/monthly.json", params=params)
    assert (r.status_code, r.json()["error"]) == (422, code)


async def test_an_unknown_office_is_a_404_and_no_office_may_be_called_all(api: Api) -> None:
    r = await api.http.get("/open-data/nowhere/monthly.csv")
    assert r.status_code == 404
    with pytest.raises(Invalid, match="reserved"):
        parse_scenario({**OFFICE, "name": "all"})


async def test_the_data_dictionary_documents_the_monthly_file(api: Api) -> None:
    html = (await get(api, "/open-data/town")).text
    for text in ("/open-data/town/monthly.csv", "/open-data/all/monthly.csv", "walkins_within_5min_share"):
        assert text in html
