"""Joining the queue from elsewhere through the API: the ticket keeps its place but nobody calls it until its
holder checks in (at the kiosk with its code, or answering the clerk's call by number); every refusal; the
messages to set off and the lapse of a ticket whose holder never came (real SMTP on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import httpx
import pytest
from starlette.concurrency import run_in_threadpool

from scheduler.model import Role, TicketState
from service import housekeeping
from tests.api.conftest import Api, Gateway, Inbox, serving
from tests.support import OFFICE, Seeded

JOIN = "/api/offices/town/remote-tickets"


@pytest.fixture
async def api(
    sqlite_url: str, seeder: Callable[..., Seeded], inbox: tuple[Inbox, int], gateway: Gateway
) -> AsyncIterator[Api]:
    settings = {"smtp_host": "127.0.0.1", "smtp_port": inbox[1], "sms_url": gateway.url}
    async with serving(sqlite_url, seeder(sqlite_url, {**OFFICE, "remote_share_max": 1.0}), **settings) as served:
        yield served


async def join(api: Api, service: str = "A", travel_min: int = 10, **extra: Any) -> httpx.Response:
    return await api.http.post(JOIN, json={"service": service, "language": "nl", "travel_min": travel_min, **extra})


async def call_next(api: Api, counter: str) -> dict[str, Any] | None:
    r = await api.http.post(f"/api/counters/{api.seeded.counters[counter]}/call-next", headers=api.auth(Role.CLERK))
    assert r.status_code in (200, 204), r.text
    return dict(r.json()) if r.status_code == 200 else None


def state_of(api: Api, number: str) -> TicketState:
    tickets = api.seeded.db.read(lambda repo: repo.tickets_in("town", set(TicketState)))
    return next(t.state for t in tickets if t.number == number)


async def test_a_remote_joiner_keeps_a_place_but_is_called_only_once_checked_in_at_the_kiosk(api: Api) -> None:
    await api.open("1")
    joined = await join(api, "B", travel_min=20)
    assert joined.status_code == 201, joined.text
    ticket = joined.json()
    assert len(ticket["code"]) == 6
    assert ticket["state"] == "waiting"
    assert ticket["here"] is False
    # The office's zone, not UTC: what the citizen reads is their clock.
    assert (
        datetime.fromisoformat(ticket["come_at"]).utcoffset()
        == datetime.fromisoformat("2026-03-02T09:30:00+01:00").utcoffset()
    )
    assert ticket["told_by"] == []
    assert ticket["travel_min"] == 20
    walk_in = await api.issue("B")
    # Nobody calls a ticket whose holder is not in the building: the walk-in who came after goes first.
    called = await call_next(api, "1")
    assert called is not None
    assert called["number"] == walk_in["number"]
    await api.http.post(
        f"/api/tickets/{called['id']}/finish", json={"counter": api.seeded.counters["1"]}, headers=api.auth(Role.CLERK)
    )
    assert await call_next(api, "1") is None
    snapshot = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.CLERK))).json()
    assert {s["code"]: s["on_the_way"] for s in snapshot["services"]}["B"] == 1

    checked = await api.http.post(
        "/api/offices/town/tickets",
        json={"code": ticket["code"].lower(), "language": "nl"},
        headers=api.auth(Role.KIOSK),
    )
    assert checked.status_code == 200, checked.text
    assert (checked.json()["number"], checked.json()["here"]) == (ticket["number"], True)
    again = await api.http.post(
        "/api/offices/town/tickets", json={"code": ticket["code"], "language": "nl"}, headers=api.auth(Role.KIOSK)
    )
    assert again.status_code == 200  # checking in twice changes nothing
    called = await call_next(api, "1")
    assert called is not None
    assert called["number"] == ticket["number"]


async def test_a_clerk_calling_the_number_checks_a_remote_joiner_in(api: Api) -> None:
    await api.open("1")
    ticket = (await join(api, "A")).json()
    r = await api.http.post(
        f"/api/counters/{api.seeded.counters['1']}/call-number",
        json={"number": ticket["number"]},
        headers=api.auth(Role.CLERK),
    )
    assert r.status_code == 200, r.text
    assert (r.json()["state"], r.json()["here"]) == ("called", True)


async def test_an_unknown_code_is_refused_and_a_booking_code_goes_to_the_booking_check_in(api: Api) -> None:
    unknown = await api.http.post(
        "/api/offices/town/tickets", json={"code": "ZZZZ22", "language": "nl"}, headers=api.auth(Role.KIOSK)
    )
    assert (unknown.status_code, unknown.json()["error"]) == (404, "code_not_found")
    booking = await api.http.post(
        "/api/offices/town/tickets", json={"code": "K7QX-M4TP", "language": "nl"}, headers=api.auth(Role.KIOSK)
    )
    assert (booking.status_code, booking.json()["error"]) == (404, "appointment_not_found")


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        ({"travel_min": 7}, 422, "invalid_travel_min"),
        ({"service": "Z"}, 404, "service_not_found"),
        ({"language": "de"}, 422, "invalid_request"),
        ({"colour": "red"}, 422, "invalid_request"),
        ({"email": "not an address"}, 422, "invalid_email"),
        ({"phone": "123"}, 422, "invalid_phone"),
    ],
    ids=["trip not offered", "unknown service", "unknown language", "unknown field", "bad e-mail", "bad phone"],
)
async def test_bad_input_is_refused_with_its_reason(api: Api, body: dict[str, Any], status: int, error: str) -> None:
    r = await api.http.post(JOIN, json={"service": "A", "language": "nl", "travel_min": 10, **body})
    assert (r.status_code, r.json()["error"]) == (status, error), r.text


async def test_one_open_remote_ticket_per_contact_and_office(api: Api) -> None:
    first = await join(api, email="Anna@Example.org")
    assert first.status_code == 201, first.text
    assert first.json()["told_by"] == ["email"]
    again = await join(api, "C", email="anna@example.org")
    assert (again.status_code, again.json()["error"]) == (409, "already_joined")


async def test_the_queue_is_closed_outside_opening_hours(api: Api) -> None:
    api.clock.advance(hours=10)  # 19:30 in Brussels; the office closes at 18:00
    r = await join(api)
    assert (r.status_code, r.json()["error"]) == (409, "queue_closed")


async def test_an_office_can_refuse_remote_joiners_or_cap_their_share(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with serving(sqlite_url, seeder(sqlite_url, {**OFFICE, "remote_join": False})) as closed:
        r = await join(closed)
        assert (r.status_code, r.json()["error"]) == (409, "remote_join_disabled")


async def test_past_the_remote_share_the_queue_takes_nobody_more_from_elsewhere(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with serving(sqlite_url, seeder(sqlite_url, {**OFFICE, "remote_share_max": 0.5})) as api:
        assert (await join(api)).status_code == 201  # an empty queue takes one
        r = await join(api)
        assert (r.status_code, r.json()["error"]) == (409, "remote_share_full")
        await api.issue("A")
        await api.issue("A")
        assert (await join(api)).status_code == 201  # two of four waiting: within half


async def test_joins_from_one_address_are_limited_per_hour(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    office = {**OFFICE, "remote_share_max": 1.0}
    async with serving(sqlite_url, seeder(sqlite_url, office), join_rate_per_hour=2) as api:
        assert [(await join(api)).status_code for _ in range(2)] == [201, 201]
        r = await join(api)
        assert (r.status_code, r.json()["error"]) == (429, "too_many_requests")
        assert int(r.headers["Retry-After"]) > 0


async def test_a_remote_joiner_is_told_to_set_off_and_lapses_after_the_grace(
    api: Api, inbox: tuple[Inbox, int]
) -> None:
    await api.open("1")
    await api.issue("B")
    assert await call_next(api, "1") is not None  # a passport at the one counter: 15 minutes
    ticket = (await join(api, "B", travel_min=5, email="anna@example.org")).json()
    come_at = datetime.fromisoformat(ticket["come_at"])
    assert come_at > api.clock.now
    await run_in_threadpool(housekeeping.remote_round, api.parts)
    assert not any("set off" in str(m["Subject"]) for m in inbox[0].mails)  # not yet

    api.clock.now = come_at
    await run_in_threadpool(housekeeping.remote_round, api.parts)
    told = [m for m in inbox[0].mails if m["To"] == "anna@example.org"]
    assert [str(m["Subject"]) for m in told] == [f"Tijd om te vertrekken: ticket {ticket['number']}"]
    assert ticket["code"] in told[0].get_content()
    status = (await api.http.get(f"/api/status/{ticket['status_url'].rsplit('/', 1)[1]}")).json()
    assert status["code"] == ticket["code"]
    assert status["arrive_by"] is not None

    api.clock.now = datetime.fromisoformat(status["arrive_by"])
    await run_in_threadpool(housekeeping.remote_round, api.parts)
    assert state_of(api, ticket["number"]) is TicketState.WAITING  # the last minute of the grace still counts
    api.clock.advance(minutes=1)
    await run_in_threadpool(housekeeping.remote_round, api.parts)
    assert state_of(api, ticket["number"]) is TicketState.NO_SHOW
    told = [m for m in inbox[0].mails if m["To"] == "anna@example.org"]
    assert str(told[-1]["Subject"]) == f"Uw ticket {ticket['number']} is vervallen"
    assert "/join/town" in told[-1].get_content()
