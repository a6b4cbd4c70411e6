"""The holder of a status token leaves the queue, runs late once, asks to be told, and answers the
happiness question once, anonymously."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
import sqlalchemy

from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"nl": "Duidelijker borden", "fr": "Panneaux plus clairs", "en": "Clearer signs"}},
    {"code": "hours", "names": {"nl": "Ruimere uren", "fr": "Horaires plus larges", "en": "Longer hours"}},
    {"code": "chairs", "names": {"en": "More chairs"}},
]


@pytest.fixture
async def api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    office = {**OFFICE, "improvement": IMPROVEMENTS, "late_places": 3}
    async with serving(database_url, seeder(database_url, office)) as served:
        yield served


def token_of(ticket: dict[str, Any]) -> str:
    return str(ticket["status_url"]).rsplit("/", 1)[1]


async def post(api: Api, token: str, what: str, body: dict[str, Any] | None = None) -> httpx.Response:
    return await api.http.post(f"/api/status/{token}/{what}", json=body)


async def order(api: Api) -> list[str]:
    r = await api.http.get("/api/offices/town/queue", headers=api.auth(Role.MANAGER))
    return [t["number"] for t in r.json()["waiting"] if t["service"] == "C"]


async def served(api: Api, service: str = "C") -> str:
    ticket = await api.issue(service)
    await api.open("3")
    counter = api.seeded.counters["3"]
    called = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    assert called.json()["number"] == ticket["number"]
    r = await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    assert r.status_code == 200, r.text
    return token_of(ticket)


async def test_leaving_cancels_the_ticket_once(api: Api) -> None:
    token = token_of(await api.issue("C"))
    r = await post(api, token, "leave")
    assert (r.status_code, r.json()["state"], r.json()["can_leave"]) == (200, "cancelled", False)
    assert await order(api) == []
    again = await post(api, token, "leave")
    assert (again.status_code, again.json()["error"]) == (409, "ticket_not_waiting")


async def test_running_late_moves_back_three_places_once(api: Api) -> None:
    tickets = []
    for _ in range(5):
        tickets.append(await api.issue("C"))
        api.clock.advance(seconds=20)
    late = token_of(tickets[0])
    r = await post(api, late, "late")
    assert r.status_code == 200, r.text
    assert r.json()["can_run_late"] is False
    assert await order(api) == ["C002", "C003", "C004", "C001", "C005"]
    again = await post(api, late, "late")
    assert (again.status_code, again.json()["error"]) == (409, "already_ran_late")


async def test_running_late_with_fewer_behind_goes_to_the_end(api: Api) -> None:
    first, _ = await api.issue("C"), await api.issue("C")
    api.clock.advance(seconds=30)
    assert (await post(api, token_of(first), "late")).status_code == 200
    assert await order(api) == ["C002", "C001"]


async def test_the_happiness_question_comes_after_the_visit_and_is_answered_once(api: Api) -> None:
    waiting = token_of(await api.issue("C"))
    early = await post(api, waiting, "happiness", {"score": 8})
    assert (early.status_code, early.json()["error"]) == (409, "visit_not_finished")
    await post(api, waiting, "leave")
    token = await served(api)
    status = (await api.http.get(f"/api/status/{token}")).json()
    assert status["ask_happiness"] is True
    assert [i["code"] for i in status["improvements"]] == ["wait", "signs", "hours", "chairs"]
    r = await post(api, token, "happiness", {"score": 7, "improvements": ["wait", "signs"]})
    assert (r.status_code, r.json()) == (201, {"score": 7, "improvements": ["wait", "signs"], "thanks": True})
    again = await post(api, token, "happiness", {"score": 10})
    assert (again.status_code, again.json()["error"]) == (409, "already_answered")
    assert (await api.http.get(f"/api/status/{token}")).json()["ask_happiness"] is False


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ({"score": 0}, "invalid_request"),
        ({"score": 11}, "invalid_request"),
        ({"score": 5, "improvements": ["wait", "signs", "hours", "chairs"]}, "invalid_request"),
        ({"score": 5, "improvements": ["free coffee"]}, "unknown_improvement"),
    ],
)
async def test_a_bad_answer_is_refused_and_can_be_given_again(api: Api, body: dict[str, Any], error: str) -> None:
    token = await served(api)
    r = await post(api, token, "happiness", body)
    assert (r.status_code, r.json()["error"]) == (422, error)
    assert (await post(api, token, "happiness", {"score": 9})).status_code == 201


async def test_the_stored_answer_holds_the_service_day_and_hour_only(api: Api) -> None:
    token = await served(api)
    await post(api, token, "happiness", {"score": 6, "improvements": ["hours"]})
    with api.seeded.db.engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT * FROM happiness")).mappings().all()
    [row] = rows
    assert (row["service"], str(row["day"]), row["hour"], row["score"]) == ("C", "2026-03-02", 9, 6)


async def test_the_kiosk_asks_only_where_the_office_wants_it(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    asking = {**OFFICE, "improvement": IMPROVEMENTS, "happiness_at_kiosk": True}
    body = {"service": "A", "score": 9, "improvements": ["chairs"]}
    async with serving(sqlite_url, seeder(sqlite_url, asking)) as api:
        snapshot = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()
        assert snapshot["office"]["happiness_at_kiosk"] is True
        assert [i["code"] for i in snapshot["office"]["improvements"]][-1] == "chairs"
        r = await api.http.post("/api/offices/town/happiness", json=body, headers=api.auth(Role.KIOSK))
        assert (r.status_code, r.json()["score"]) == (201, 9)
        display = await api.http.post("/api/offices/town/happiness", json=body, headers=api.auth(Role.DISPLAY))
        assert display.status_code == 403


async def test_an_office_that_does_not_ask_at_the_kiosk_refuses_answers_there(api: Api) -> None:
    body = {"service": "A", "score": 9}
    r = await api.http.post("/api/offices/town/happiness", json=body, headers=api.auth(Role.KIOSK))
    assert (r.status_code, r.json()["error"]) == (409, "happiness_not_asked_here")


async def test_the_question_is_no_longer_asked_a_day_after_the_visit(api: Api) -> None:
    token = await served(api)
    api.clock.advance(days=1, minutes=1)
    assert (await api.http.get(f"/api/status/{token}")).json()["ask_happiness"] is False
    r = await post(api, token, "happiness", {"score": 9})
    assert (r.status_code, r.json()["error"]) == (409, "survey_closed")
