"""The clerk terminal's endpoints: services served today, recall rules before a no-show, calling by number,
and the counter's numbers of the day — on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

C, M = Role.CLERK, Role.MANAGER
CHOOSING = {**OFFICE, "clerks_choose_services": True}


@pytest.fixture
async def office(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    """The test town with clerks choosing their services and the default recall rules (1 recall, 60 s)."""
    async with serving(database_url, seeder(database_url, CHOOSING)) as api:
        yield api


async def post(api: Api, path: str, role: Role = C, body: dict[str, Any] | None = None) -> httpx.Response:
    return await api.http.post(path, json=body, headers=api.auth(role))


def events_of(api: Api, kind: str) -> list[dict[str, Any]]:
    events = api.seeded.db.events_after("town", 0) or []
    return [e for e in events if e["type"] == kind]


# --- who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.KIOSK, Role.DISPLAY])
@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("PUT", "services", {"services": ["A"]}),
        ("POST", "call-number", {"number": "A001"}),
        ("GET", "today", None),
    ],
    ids=["services", "call-number", "today"],
)
async def test_kiosks_and_displays_may_not_use_the_clerk_endpoints(
    office: Api, role: Role, method: str, path: str, body: dict[str, Any] | None
) -> None:
    await office.issue("A")
    one = office.seeded.counters["1"]
    r = await office.http.request(method, f"/api/counters/{one}/{path}", json=body, headers=office.auth(role))
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")


# --- services served today -------------------------------------------------------------------


async def test_a_clerk_chooses_the_services_of_the_day_and_everyone_hears_it(office: Api) -> None:
    one = office.seeded.counters["1"]
    r = await office.http.put(f"/api/counters/{one}/services", json={"services": ["B"]}, headers=office.auth(C))
    assert r.status_code == 200, r.text
    assert r.json() == {
        "id": one,
        "name": "1",
        "services": ["B"],
        "skills": ["A", "B"],
        "state": "closed",
        "pause_reason": None,
    }
    (event,) = events_of(office, "counter.services")
    assert event["counter"] == r.json()
    queue = (await office.http.get("/api/offices/town/queue", headers=office.auth(Role.DISPLAY))).json()
    shown = {c["name"]: (c["services"], c["skills"]) for c in queue["counters"]}
    assert shown["1"] == (["B"], ["A", "B"])

    # Call-next follows: counter 1 passes over the A ticket that came first.
    await office.issue("A")
    await office.issue("B")
    await office.open("1")
    called = (await post(office, f"/api/counters/{one}/call-next")).json()
    assert called["number"] == "B001"


async def test_closing_the_counter_serves_every_skill_again(office: Api) -> None:
    one = office.seeded.counters["1"]
    await office.open("1")
    r = await office.http.put(f"/api/counters/{one}/services", json={"services": ["A"]}, headers=office.auth(M))
    assert r.json()["services"] == ["A"]
    closed = (await post(office, f"/api/counters/{one}/close")).json()
    assert (closed["services"], closed["skills"]) == (["A", "B"], ["A", "B"])


@pytest.mark.parametrize(
    ("services", "unknown"),
    [([], []), (["C"], ["C"]), (["A", "Z"], ["Z"])],
    ids=["none", "not-a-skill", "unknown"],
)
async def test_services_that_are_not_the_counters_skills_are_refused(
    office: Api, services: list[str], unknown: list[str]
) -> None:
    one = office.seeded.counters["1"]
    r = await office.http.put(f"/api/counters/{one}/services", json={"services": services}, headers=office.auth(C))
    assert r.status_code == 422
    body = r.json()
    assert (body["error"], body["unknown"], body["skills"]) == ("invalid_services", unknown, ["A", "B"])
    assert events_of(office, "counter.services") == []


async def test_an_office_that_fixes_the_services_refuses_the_choice(api: Api) -> None:
    one = api.seeded.counters["1"]
    r = await api.http.put(f"/api/counters/{one}/services", json={"services": ["A"]}, headers=api.auth(C))
    assert (r.status_code, r.json()["error"]) == (409, "services_not_choosable")


async def test_the_office_file_sets_the_rules_and_a_restart_keeps_the_clerks_choice(office: Api) -> None:
    one = office.seeded.counters["1"]
    await office.http.put(f"/api/counters/{one}/services", json={"services": ["A"]}, headers=office.auth(C))
    db = office.seeded.db
    apply_scenario(db, parse_scenario(CHOOSING))  # `loket serve --office-file` at every start
    assert db.read(lambda repo: repo.counter(one)).serving == frozenset({"A"})
    apply_scenario(db, parse_scenario({**CHOOSING, "no_show_min_recalls": 2, "no_show_delay_s": 30}))
    town = db.read(lambda repo: repo.office("town"))
    assert (town.clerks_choose_services, town.no_show_min_recalls, town.no_show_delay_s) == (True, 2, 30)
    apply_scenario(db, parse_scenario(OFFICE))  # choosing no longer allowed: every skill again
    assert db.read(lambda repo: repo.counter(one)).serving is None


# --- recall rules before a no-show -----------------------------------------------------------


async def test_no_show_waits_for_a_recall_and_a_minute(office: Api) -> None:
    one = office.seeded.counters["1"]
    await office.issue("A")
    await office.open("1")
    ticket = (await post(office, f"/api/counters/{one}/call-next")).json()
    path = f"/api/tickets/{ticket['id']}"

    r = await post(office, f"{path}/no-show", body={"counter": one})
    assert r.status_code == 409
    assert {k: r.json()[k] for k in ("error", "recalls_needed", "no_show_from")} == {
        "error": "no_show_too_early",
        "recalls_needed": 1,
        "no_show_from": "2026-03-02T08:31:00+00:00",
    }
    office.clock.advance(seconds=20)
    assert (await post(office, f"{path}/recall", body={"counter": one})).json()["recalls"] == 1
    office.clock.advance(seconds=59)
    r = await post(office, f"{path}/no-show", body={"counter": one})
    assert (r.status_code, r.json()["recalls_needed"], r.json()["no_show_from"]) == (
        409,
        0,
        "2026-03-02T08:31:20+00:00",
    )
    office.clock.advance(seconds=1)
    r = await post(office, f"{path}/no-show", body={"counter": one})
    assert (r.status_code, r.json()["state"]) == (200, "no_show")


# --- calling a ticket by its number ----------------------------------------------------------


async def test_a_ticket_is_called_by_its_number_in_any_case(office: Api) -> None:
    one = office.seeded.counters["1"]
    await office.issue("A")
    second = await office.issue("A")
    await office.open("1")
    r = await post(office, f"/api/counters/{one}/call-number", body={"number": "a002"})
    assert r.status_code == 200, r.text
    ticket = r.json()
    assert (ticket["id"], ticket["state"], ticket["counter"]) == (second["id"], "called", {"id": one, "name": "1"})
    assert [e["ticket"]["number"] for e in events_of(office, "ticket.called")] == ["A002"]


@pytest.mark.parametrize(
    ("setup", "counter", "number", "status", "error"),
    [
        ("open", "1", "A404", 404, "ticket_not_found"),
        ("done", "1", "A001", 409, "illegal_transition"),
        ("open", "3", "A001", 409, "service_not_served"),
        ("busy", "1", "A002", 409, "counter_busy"),
        ("closed", "1", "A001", 409, "counter_not_open"),
    ],
    ids=["unknown", "done", "not-served", "busy", "not-open"],
)
async def test_calling_by_number_is_refused_like_calling_by_name(
    office: Api, setup: str, counter: str, number: str, status: int, error: str
) -> None:
    await office.issue("A")
    await office.issue("A")
    await office.issue("C")
    if setup != "closed":
        await office.open("1")
        await office.open("3")
    one = office.seeded.counters["1"]
    if setup in ("busy", "done"):
        called = (await post(office, f"/api/counters/{one}/call-next")).json()
        if setup == "done":
            await post(office, f"/api/tickets/{called['id']}/finish", body={"counter": one})
    r = await post(office, f"/api/counters/{office.seeded.counters[counter]}/call-number", body={"number": number})
    assert (r.status_code, r.json()["error"]) == (status, error)


# --- the counter's numbers of the day --------------------------------------------------------


async def test_the_clerk_sees_the_counters_numbers_of_today(office: Api) -> None:
    one = office.seeded.counters["1"]
    for _ in range(4):
        await office.issue("A")
    await office.open("1")
    today = f"/api/counters/{one}/today"
    assert (await office.http.get(today, headers=office.auth(C))).json() == {
        "counter": one,
        "served": 0,
        "no_shows": 0,
        "mean_service_s": None,
        "parked": 0,
    }

    async def serve(minutes: float) -> None:
        ticket = (await post(office, f"/api/counters/{one}/call-next")).json()
        office.clock.advance(minutes=minutes)
        await post(office, f"/api/tickets/{ticket['id']}/finish", body={"counter": one})

    await serve(4)
    await serve(8)
    gone = (await post(office, f"/api/counters/{one}/call-next")).json()
    await post(office, f"/api/tickets/{gone['id']}/recall", body={"counter": one})
    office.clock.advance(minutes=1)
    assert (await post(office, f"/api/tickets/{gone['id']}/no-show", body={"counter": one})).status_code == 200
    parked = (await post(office, f"/api/counters/{one}/call-next")).json()
    await post(office, f"/api/tickets/{parked['id']}/park", body={"counter": one})

    r = await office.http.get(today, headers=office.auth(M))
    assert r.status_code == 200, r.text
    assert r.json() == {"counter": one, "served": 2, "no_shows": 1, "mean_service_s": 360.0, "parked": 1}
