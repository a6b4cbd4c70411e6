"""Recommendations to officials over HTTP: a manager of the office (or an admin) gets each kind with its numbers,
link and words in nl/fr/en; clerks and the public are refused; the dashboard shows them in a panel."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from scheduler.advice import EVENT_TYPE
from scheduler.events import Event
from scheduler.model import Role
from store.tables import BookingRow, HappinessRow, IdeaRow, TicketRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded
from tests.web.test_dashboard import page

IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"en": "Clearer signs"}},
]
TODAY = date(2026, 3, 2)  # the clock's Monday, 08:30 UTC; Brussels is UTC+1
RUNS = [{"start": "10:00", "end": "11:00", "extra": [{"skills": ["A"], "counters": 1}]}]


def utc(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)


def write_weeks(seeded: Seeded) -> None:
    """The four weeks before today: 25 walk-ins for identity cards (A) from 10:00 local, each told 2 minutes (1 to 3)
    and called after 10: every estimate off, every one late. 25 passport appointments (B), 10 never came. This
    month: 24 answers, 12 choosing a shorter wait. An idea with 4 votes, unanswered; today's staffing advice."""
    with Session(seeded.db.engine) as session:
        for i in range(25):
            # Never on a Monday: the server's own staffing advice (same weekday's history) stays out of the way.
            day = TODAY - timedelta(days=1 + i % 20 + (i % 20 in (6, 13)))
            checked_in = utc(day, 9, i)
            session.add(
                TicketRow(
                    office="town", service="A", number=f"A{i:03d}", day=day, kind="walkin", language="nl",
                    token=f"status-reco-{i}", state="done", checked_in_at=checked_in,
                    called_at=checked_in + timedelta(minutes=10), first_called_at=checked_in + timedelta(minutes=10),
                    finished_at=checked_in + timedelta(minutes=15), service_s=300,
                    announced_wait_s=120, announced_low_s=60, announced_high_s=180,
                )
            )  # fmt: skip
            session.add(
                BookingRow(
                    office="town", service="B", code=f"R{i:03d}", slot_at=utc(day, 12, i),
                    state="no_show" if i < 10 else "checked_in", language="fr",
                )
            )  # fmt: skip
        for i in range(24):
            chosen = ["wait"] if i < 12 else []
            session.add(HappinessRow(office="town", service="A", day=TODAY, hour=9, score=6, improvements=chosen))
        session.add(IdeaRow(office="town", text="Plus de chaises", language="fr", day=TODAY, votes=4, visit="v1"))
        session.add(IdeaRow(office="town", text="Hidden", language="en", day=TODAY, votes=9, visit="v2", hidden=True))
        session.commit()
    now = utc(TODAY, 8, 30)
    seeded.db.write("town", now, lambda repo: repo.emit(Event("town", EVENT_TYPE, {"advice": RUNS, "lines": []})))


@contextlib.asynccontextmanager
async def weeks_served(url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    seeded = seeder(url, {**OFFICE, "improvement": IMPROVEMENTS})
    write_weeks(seeded)
    async with serving(url, seeded) as served:
        yield served


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with weeks_served(sqlite_url, seeder) as served:
        yield served


@pytest.fixture
async def both_api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    """On SQLite and on the real PostgreSQL."""
    async with weeks_served(database_url, seeder) as served:
        yield served


async def recommended(api: Api, role: Role = Role.MANAGER, office: str = "town", **params: str) -> httpx.Response:
    return await api.http.get(f"/api/offices/{office}/recommendations", params=params, headers=api.auth(role))


def by_kind(r: httpx.Response) -> dict[str, dict[str, Any]]:
    assert r.status_code == 200, r.text
    return {item["kind"]: item for item in r.json()["recommendations"]}


async def test_a_manager_gets_every_kind_with_its_numbers_and_a_link(both_api: Api) -> None:
    found = by_kind(await recommended(both_api))
    assert list(found) == ["staffing", "top_improvement", "top_idea", "estimates_off", "no_shows", "late_hours"]
    assert found["staffing"]["numbers"]["runs"] == RUNS
    improvement = found["top_improvement"]["numbers"]
    assert (improvement["improvement"], improvement["chosen"], improvement["answers"]) == ("wait", 12, 24)
    assert (found["top_idea"]["numbers"]["text"], found["top_idea"]["numbers"]["votes"]) == ("Plus de chaises", 4)
    estimates = found["estimates_off"]["numbers"]
    assert (estimates["service"], estimates["outside"], estimates["checked"]) == ("A", 25, 25)
    assert (found["no_shows"]["numbers"]["service"], found["no_shows"]["numbers"]["share"]) == ("B", 0.4)
    assert found["late_hours"]["numbers"]["hours"][0]["hour"] == 10
    for item in found.values():
        assert item["link"].startswith("/")
    assert found["estimates_off"]["text"].startswith("Identity card: the wait announced")
    assert "Passport: 10 of 25 appointments (40%) never came" in found["no_shows"]["text"]


async def test_the_texts_come_in_the_language_asked_for(api: Api) -> None:
    found = by_kind(await recommended(api, lang="fr"))
    assert found["top_improvement"]["text"].startswith("Amélioration la plus choisie ce mois-ci : « Attendre moins »")
    assert "Carte d'identité" in found["estimates_off"]["text"]
    assert found["staffing"]["text"].startswith("Effectifs aujourd'hui : 10:00-11:00")
    dutch = by_kind(await recommended(api, lang="nl"))
    assert "Korter wachten" in dutch["top_improvement"]["text"]


async def test_an_admin_may_see_them_and_an_unknown_office_is_a_404(api: Api) -> None:
    assert (await recommended(api, Role.ADMIN)).status_code == 200
    r = await recommended(api, Role.ADMIN, office="nowhere")
    assert (r.status_code, r.json()["error"]) == (404, "office_not_found")


async def test_clerks_and_the_public_are_refused(api: Api) -> None:
    r = await recommended(api, Role.CLERK)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    r = await api.http.get("/api/offices/town/recommendations")
    assert r.status_code == 401
    r = await recommended(api, lang="de")
    assert r.status_code == 422


@pytest.mark.parametrize(
    ("lang", "heading", "words"),
    [
        ("en", "Recommendations", "Passport: 10 of 25 appointments"),
        ("nl", "Aanbevelingen", "Herinner deze burgers vroeger."),
        ("fr", "Recommandations", "Envoyez le rappel plus tôt."),
    ],
)
async def test_the_dashboard_shows_them_in_a_panel_in_each_language(
    api: Api, lang: str, heading: str, words: str
) -> None:
    r = await page(api, api.seeded.tokens[Role.MANAGER], lang=lang)
    assert r.status_code == 200, r.text
    assert f"<h3>{heading}</h3>" in r.text
    assert words in r.text
    assert 'data-kind="late_hours"' in r.text
    assert 'href="/manage/town?days=30#chart-no-shows"' in r.text
