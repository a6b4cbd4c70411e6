"""The public open data: daily and hourly files in CSV and JSON that agree, hold nothing personal, nothing finer
than an hour, and suppress every cell computed from fewer than five citizens; a dictionary page; CC BY 4.0."""

from __future__ import annotations

import contextlib
import csv
import io
import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from store.tables import BookingRow, HappinessRow, TicketRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"en": "Clearer signs"}},
]
MONDAY = date(2026, 2, 23)  # a week before the clock's Monday 2026-03-02; Brussels is UTC+1
PERSONAL = {
    "name": "Zoë Peeters",
    "email": "zoe.peeters@example.org",
    "phone": "+32470123456",
    "code": "K7QX-M4TP",
    "manage_token": "manage-Xq9vLr2b7WnTz4",
}
TOKEN = "status-Hb3kPz8QmV2rT6w{}"


def utc(hour: int, minute: int, day: date = MONDAY) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def write_history(seeded: Seeded) -> None:
    """Monday 09:00-10:00 in Brussels: five identity cards (A), served after 1 to 5 minutes, and four passports (B);
    one passport citizen left a phone number to be told. At 10:00 one citizen for C, served after 4 minutes. A
    booking with its contact; five answers.

    The A citizens were told 2 minutes (1 to 3), the B citizens 3 minutes (2 to 4) and the C citizen 4 minutes
    (3 to 5), which was right. The day's hidden hourly cells (B at 9, C at 10) hold five citizens together, so
    the day's total minus A at 9 gives no group smaller than five away and A at 9 can be shown."""
    with Session(seeded.db.engine) as session:
        for i in range(5):
            number = f"A{17 + i:03d}"
            session.add(
                TicketRow(
                    office="town", service="A", number=number, day=MONDAY, kind="walkin", language="nl",
                    token=TOKEN.format(i), state="done", checked_in_at=utc(8, 10 * i),
                    called_at=utc(8, 10 * i + i + 1), finished_at=utc(8, 10 * i + 9), service_s=420,
                    counter_id=seeded.counters["1"], first_called_at=utc(8, 10 * i + i + 1),
                    announced_wait_s=120, announced_low_s=60, announced_high_s=180,
                )
            )  # fmt: skip
        for i in range(4):
            number = f"B{42 + i:03d}"
            session.add(
                TicketRow(
                    office="town", service="B", number=number, day=MONDAY, kind="walkin", language="fr",
                    token=TOKEN.format(10 + i), state="done", checked_in_at=utc(8, 5 + 10 * i),
                    called_at=utc(8, 8 + 10 * i), finished_at=utc(8, 9 + 10 * i), service_s=60,
                    counter_id=seeded.counters["1"],
                    notify_phone=PERSONAL["phone"] if i == 0 else None,
                    announced_wait_s=180, announced_low_s=120, announced_high_s=240,
                )
            )  # fmt: skip
        session.add(
            TicketRow(
                office="town", service="C", number="C001", day=MONDAY, kind="walkin", language="en",
                token=TOKEN.format(20), state="done", checked_in_at=utc(9, 0), called_at=utc(9, 4),
                first_called_at=utc(9, 4), finished_at=utc(9, 9), service_s=300, counter_id=seeded.counters["1"],
                announced_wait_s=240, announced_low_s=180, announced_high_s=300,
            )
        )  # fmt: skip
        session.add(
            BookingRow(
                office="town", service="A", code=PERSONAL["code"], slot_at=utc(13, 0), state="no_show",
                language="nl", name=PERSONAL["name"], email=PERSONAL["email"], phone=PERSONAL["phone"],
                manage_token=PERSONAL["manage_token"],
            )
        )  # fmt: skip
        for score in (9, 7, 8, 10, 6):
            session.add(
                HappinessRow(office="town", service="A", day=MONDAY, hour=9, score=score, improvements=["wait"])
            )
        session.commit()


@contextlib.asynccontextmanager
async def history_served(url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    seeded = seeder(url, {**OFFICE, "improvement": IMPROVEMENTS})
    write_history(seeded)
    async with serving(url, seeded) as served:
        yield served


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with history_served(sqlite_url, seeder) as served:
        yield served


@pytest.fixture
async def both_api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    """On SQLite and on the real PostgreSQL."""
    async with history_served(database_url, seeder) as served:
        yield served


async def get(api: Api, path: str, **params: str) -> httpx.Response:
    r = await api.http.get(path, params=params)
    assert r.status_code == 200, r.text
    return r


def rows_of(r: httpx.Response) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(r.text)))


def as_text(value: Any) -> str:
    return "" if value is None else str(value)


WEEK = {"from": "2026-02-23", "to": "2026-03-01"}


@pytest.mark.parametrize("kind", ["daily", "hourly"])
async def test_the_csv_and_the_json_hold_the_same_rows(both_api: Api, kind: str) -> None:
    from_csv = rows_of(await get(both_api, f"/open-data/town/{kind}.csv", **WEEK))
    data = (await get(both_api, f"/open-data/town/{kind}.json", **WEEK)).json()
    assert [{k: as_text(v) for k, v in row.items()} for row in data["rows"]] == from_csv
    assert [f["name"] for f in data["fields"]] == list(from_csv[0])
    assert (data["from"], data["to"], data["suppressed_below"]) == ("2026-02-23", "2026-03-01", 5)


async def test_a_day_has_its_counts_waits_happiness_and_improvements(api: Api) -> None:
    days = {row["date"]: row for row in (await get(api, "/open-data/town/daily.json", **WEEK)).json()["rows"]}
    assert list(days) == [(MONDAY + timedelta(days=i)).isoformat() for i in range(7)]
    monday = days["2026-02-23"]
    assert (monday["citizens"], monday["served"]) == (10, 10)
    assert (monday["walkins"], monday["appointments"]) == (None, None)  # the hidden 0 would follow from a 10
    # Waits 1..5 min for A, 3 min for each B, 4 min for C: ten waits.
    waits = sorted([60, 120, 180, 240, 300] + [180] * 4 + [240])
    assert monday["wait_p50_s"] == waits[4]
    assert monday["wait_p90_s"] == waits[8]
    assert monday["served_within_5min_share"] == 1.0
    assert (monday["happiness_answers"], monday["happiness_mean_score"], monday["improvement_wait"]) == (5, 8.0, 5)
    assert monday["improvement_signs"] is None  # chosen 0 times: under five
    assert (monday["bookings_due"], monday["booking_no_show_rate"]) == (None, None)  # one booking
    assert days["2026-02-24"]["citizens"] is None  # nobody: under five too


async def test_an_hour_of_a_service_with_four_citizens_is_suppressed_and_with_five_shown(both_api: Api) -> None:
    # Shown because B at 9 (four) and C at 10 (one) are hidden together: see test_open_data_differencing.py for
    # the day where the five must go too.
    rows = (await get(both_api, "/open-data/town/hourly.json", **WEEK)).json()["rows"]
    cell = {(r["date"], r["hour"], r["service"]): r for r in rows}
    five = cell[("2026-02-23", 9, "A")]
    assert (five["citizens"], five["served"], five["wait_p50_s"], five["wait_p90_s"]) == (5, 5, 180, 300)
    assert five["service_mean_s"] == 420.0
    assert five["happiness_mean_score"] == 8.0
    # Five walk-ins and no appointment: the zero is suppressed, and so is the walk-ins count it would follow from.
    assert (five["appointments"], five["walkins"]) == (None, None)
    four = cell[("2026-02-23", 9, "B")]
    assert all(four[k] is None for k in four if k not in ("date", "hour", "service")), four
    # The opening hours are all there, busy or not, for every service.
    assert sorted({r["hour"] for r in rows}) == list(range(8, 18))
    assert {r["service"] for r in rows} == {"A", "B", "C"}


async def test_the_estimate_accuracy_is_published_per_day_and_hour_and_suppressed_below_five(both_api: Api) -> None:
    days = {r["date"]: r for r in (await get(both_api, "/open-data/town/daily.json", **WEEK)).json()["rows"]}
    # A: told 120 s (60-180), waited 60..300 s: off by 60, 0, 60, 120, 180; three inside. B: four times spot on,
    # C once.
    monday = days["2026-02-23"]
    assert (monday["estimate_mae_s"], monday["estimate_in_range_share"]) == (42.0, 0.8)
    assert (days["2026-02-24"]["estimate_mae_s"], days["2026-02-24"]["estimate_in_range_share"]) == (None, None)
    rows = (await get(both_api, "/open-data/town/hourly.json", **WEEK)).json()["rows"]
    cell = {(r["date"], r["hour"], r["service"]): r for r in rows}
    accuracy = {s: (cell[("2026-02-23", 9, s)]["estimate_mae_s"], cell[("2026-02-23", 9, s)]["estimate_in_range_share"])
                for s in ("A", "B")}  # fmt: skip
    assert accuracy == {"A": (84.0, 0.6), "B": (None, None)}  # four B citizens: under five
    csv_monday = rows_of(await get(both_api, "/open-data/town/daily.csv", **WEEK))[0]
    assert (csv_monday["estimate_mae_s"], csv_monday["estimate_in_range_share"]) == ("42.0", "0.8")


async def test_no_personal_data_and_nothing_finer_than_an_hour_is_published(both_api: Api) -> None:
    with Session(both_api.seeded.db.engine) as session:
        tickets = session.exec(select(TicketRow)).all()
        secrets = {t.number for t in tickets} | {t.token for t in tickets} | set(PERSONAL.values())
        assert len(secrets) > 10
    bodies = [
        (await get(both_api, f"/open-data/town/{kind}.{ext}", **WEEK)).text
        for kind in ("daily", "hourly")
        for ext in ("csv", "json")
    ]
    for body in bodies:
        assert not re.search(r"\d:\d\d|T\d\d", body)  # no time of day, only dates and hours
    bodies.append((await get(both_api, "/open-data/town")).text)
    for body in bodies:
        for secret in secrets:
            assert secret not in body
    for kind in ("daily", "hourly"):
        data = (await get(both_api, f"/open-data/town/{kind}.json", **WEEK)).json()
        allowed = {"date", "hour", "service"}
        for row in data["rows"]:
            for key, value in row.items():
                if isinstance(value, str):
                    assert key in allowed, (key, value)
                    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}|[A-Z]", value), (key, value)


async def test_the_dictionary_page_lists_every_field_and_the_licence(api: Api) -> None:
    page = (await get(api, "/open-data/town")).text
    for kind in ("daily", "hourly"):
        for field in (await get(api, f"/open-data/town/{kind}.json", **WEEK)).json()["fields"]:
            assert f"<code>{field['name']}</code>" in page, field
        assert f"/open-data/town/{kind}.csv" in page
    assert "improvement_wait" in page
    assert "Shorter wait" in page
    assert "https://creativecommons.org/licenses/by/4.0/" in page
    assert "fewer than 5 citizens" in page


async def test_the_files_carry_the_licence(api: Api) -> None:
    r = await get(api, "/open-data/town/daily.csv", **WEEK)
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-license"] == "CC-BY-4.0"
    assert 'rel="license"' in r.headers["link"]
    assert r.text.splitlines()[0].startswith("date,citizens,")  # plain CSV: the header first
    data = (await get(api, "/open-data/town/daily.json", **WEEK)).json()
    assert data["licence"]["id"] == "CC-BY-4.0"
    assert data["licence"]["url"] == "https://creativecommons.org/licenses/by/4.0/"


async def test_without_a_range_the_last_thirty_days_up_to_yesterday_are_published(api: Api) -> None:
    data = (await get(api, "/open-data/town/daily.json")).json()
    assert (data["from"], data["to"], len(data["rows"])) == ("2026-01-31", "2026-03-01", 30)


@pytest.mark.parametrize(
    ("params", "error"),
    [
        ({"from": "2025-01-01", "to": "2026-02-01"}, "range_too_long"),
        ({"from": "2026-02-10", "to": "2026-02-01"}, "invalid_range"),
        ({"to": "2026-03-02"}, "range_not_finished"),
        ({"from": "yesterday"}, "invalid_request"),
    ],
)
async def test_a_bad_range_is_refused_clearly(api: Api, params: dict[str, str], error: str) -> None:
    for ext in ("csv", "json"):
        r = await api.http.get(f"/open-data/town/daily.{ext}", params=params)
        assert (r.status_code, r.json()["error"]) == (422, error), r.text


async def test_a_whole_year_may_be_asked_for(api: Api) -> None:
    r = await get(api, "/open-data/town/daily.csv", **{"from": "2025-03-01", "to": "2026-03-01"})
    assert len(rows_of(r)) == 366


@pytest.mark.parametrize(
    "path", ["/open-data/atlantis", "/open-data/atlantis/daily.csv", "/open-data/atlantis/hourly.json"]
)
async def test_an_unknown_office_is_a_404(api: Api, path: str) -> None:
    r = await api.http.get(path)
    assert (r.status_code, r.json()["error"]) == (404, "office_not_found")
