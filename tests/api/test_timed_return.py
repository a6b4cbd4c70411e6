"""Timed return over HTTP: the offer on the kiosk ticket and the status, accepting it, and the queue."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

import pytest

from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded


@pytest.fixture
async def returning_api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url, {**OFFICE, "timed_return": True})) as served:
        yield served


def token_of(ticket: dict[str, object]) -> str:
    return str(ticket["status_url"]).rsplit("/", 1)[1]


async def test_a_long_wait_comes_with_an_offer_that_the_citizen_can_accept(returning_api: Api) -> None:
    api = returning_api
    await api.open("1")
    first, second, third = [await api.issue("B") for _ in range(3)]
    assert first["timed_return_offer"] is None  # first in line at an open counter: nothing to offer
    assert third["estimated_wait_s"] > 300
    assert third["timed_return_offer"] is not None
    r = await api.http.post(f"/api/status/{token_of(third)}/timed-return")
    assert r.status_code == 200, r.text
    status = r.json()
    assert status["return_at"] == third["timed_return_offer"]
    assert status["timed_return_offer"] is None
    again = await api.http.post(f"/api/status/{token_of(third)}/timed-return")
    assert (again.status_code, again.json()["error"]) == (409, "timed_return_not_offered")
    assert "already comes back" in again.json()["detail"]
    queue = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.MANAGER))).json()
    away = {t["number"]: t["return_at"] for t in queue["waiting"]}
    assert away == {first["number"]: None, second["number"]: None, third["number"]: status["return_at"]}


async def test_nobody_calls_the_citizen_before_their_return_time(returning_api: Api) -> None:
    api = returning_api
    await api.open("1")
    await api.issue("B")  # called by counter 1 below
    away = await api.issue("B")
    r = await api.http.post(f"/api/status/{token_of(away)}/timed-return")
    assert r.status_code == 200, r.text
    counter = api.seeded.counters["1"]
    called = (await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))).json()
    finish = await api.http.post(
        f"/api/tickets/{called['id']}/finish", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    assert finish.status_code == 200, finish.text
    nobody = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    assert nobody.status_code == 204
    api.clock.advance(minutes=30)
    back = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    assert back.status_code == 200
    assert back.json()["id"] == away["id"]


async def test_an_office_without_timed_return_refuses_with_a_reason(api: Api) -> None:
    await api.open("1")
    tickets = [await api.issue("B") for _ in range(3)]
    assert tickets[2]["timed_return_offer"] is None
    r = await api.http.post(f"/api/status/{token_of(tickets[2])}/timed-return")
    assert r.status_code == 409
    assert r.json() == {"error": "timed_return_not_offered", "detail": "office town does not offer to come back later"}


async def test_an_unknown_status_code_is_404(api: Api) -> None:
    r = await api.http.post("/api/status/nope/timed-return")
    assert (r.status_code, r.json()["error"]) == (404, "ticket_not_found")
