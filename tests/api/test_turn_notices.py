"""Walk-ins who leave an address at the status page are told when their turn is near and when they are
called, by e-mail or SMS through real loopback servers, once each; the address is gone after the visit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.concurrency import run_in_threadpool

from scheduler import outbox
from scheduler.model import Role, TicketState
from service import housekeeping
from tests.api.conftest import Api, Gateway, Inbox, serving
from tests.support import OFFICE, Seeded


@pytest.fixture
async def api(
    sqlite_url: str, seeder: Callable[..., Seeded], inbox: tuple[Inbox, int], gateway: Gateway
) -> AsyncIterator[Api]:
    office = {**OFFICE, "notify_before_min": 10}
    settings = {"smtp_host": "127.0.0.1", "smtp_port": inbox[1], "sms_url": gateway.url}
    async with serving(sqlite_url, seeder(sqlite_url, office), **settings) as served:
        yield served


def token_of(ticket: dict[str, Any]) -> str:
    return str(ticket["status_url"]).rsplit("/", 1)[1]


async def tell(api: Api, token: str, **contact: str) -> httpx.Response:
    return await api.http.post(f"/api/status/{token}/notify", json=contact)


async def round_of_notices(api: Api) -> int:
    return await run_in_threadpool(housekeeping.turn_notices_round, api.parts)


def stored_addresses(api: Api) -> list[tuple[str | None, str | None]]:
    tickets = api.seeded.db.read(lambda repo: repo.tickets_in("town", set(TicketState)))
    return [(t.notify_email, t.notify_phone) for t in tickets if t.notify_email or t.notify_phone]


async def call_next(api: Api, counter: str) -> dict[str, Any]:
    r = await api.http.post(f"/api/counters/{api.seeded.counters[counter]}/call-next", headers=api.auth(Role.CLERK))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_the_address_is_never_echoed_back(api: Api) -> None:
    token = token_of(await api.issue("C"))
    r = await tell(api, token, phone="0470 12 34 56")
    assert r.status_code == 200, r.text
    assert r.json()["notify_requested"] is True
    assert "470" not in r.text
    bad = await tell(api, token, phone="123")
    assert (bad.status_code, bad.json()["error"]) == (422, "invalid_phone")
    empty = await tell(api, token)
    assert (empty.status_code, empty.json()["error"]) == (422, "contact_required")


async def test_near_then_called_each_told_once_and_the_address_is_then_gone(
    api: Api, inbox: tuple[Inbox, int], gateway: Gateway
) -> None:
    await api.open("3")
    for _ in range(4):
        await api.issue("C")  # 4 x 5 minutes ahead on one counter: about 20 minutes
    mine = await api.issue("C", language="fr")
    assert (await tell(api, token_of(mine), phone="+32470123456")).status_code == 200
    await round_of_notices(api)
    assert gateway.texts == []  # still far
    for _ in range(3):
        called = await call_next(api, "3")
        await api.http.post(
            f"/api/tickets/{called['id']}/finish",
            json={"counter": api.seeded.counters["3"]},
            headers=api.auth(Role.CLERK),
        )
    await round_of_notices(api)
    await round_of_notices(api)
    [soon] = gateway.texts
    assert soon["to"] == "+32470123456"
    assert soon["text"].startswith(f"Ticket {mine['number']} : votre tour arrive dans environ")
    assert token_of(mine) in soon["text"]
    for _ in range(2):
        called = await call_next(api, "3")
        if called["number"] != mine["number"]:
            await api.http.post(
                f"/api/tickets/{called['id']}/finish",
                json={"counter": api.seeded.counters["3"]},
                headers=api.auth(Role.CLERK),
            )
    await round_of_notices(api)
    await round_of_notices(api)
    assert [t["text"] for t in gateway.texts[1:]] == [f"Ticket {mine['number']} : c'est votre tour, au guichet 3."]
    assert stored_addresses(api) == []
    assert inbox[0].mails == []


async def test_an_email_address_is_told_by_email_and_erased_when_the_citizen_leaves(
    api: Api, inbox: tuple[Inbox, int]
) -> None:
    await api.open("3")
    first = await api.issue("C", language="nl")
    assert (await tell(api, token_of(first), email="zoe@example.org")).status_code == 200
    await round_of_notices(api)
    [mail] = inbox[0].mails
    assert mail["To"] == "zoe@example.org"
    assert mail["Subject"] == f"Bijna uw beurt: ticket {first['number']}"
    second = await api.issue("C")
    await tell(api, token_of(second), email="bob@example.org")
    await api.http.post(f"/api/status/{token_of(second)}/leave")
    await round_of_notices(api)
    assert ("bob@example.org", None) not in stored_addresses(api)


async def test_a_medium_the_server_cannot_send_on_is_refused(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    async with serving(sqlite_url, seeder(sqlite_url)) as api:
        token = token_of(await api.issue("C"))
        r = await tell(api, token, email="zoe@example.org")
        assert (r.status_code, r.json()["error"]) == (409, "notification_not_offered")


async def test_asking_again_neither_adds_a_number_nor_repeats_the_notice(api: Api, gateway: Gateway) -> None:
    """Asking again reset "already told" and took any new number: one ticket could text anyone, again and again."""
    await api.open("3")
    mine = token_of(await api.issue("C"))
    assert (await tell(api, mine, phone="+32470123456")).status_code == 200
    await round_of_notices(api)
    assert [t["to"] for t in gateway.texts] == ["+32470123456"]  # near: nobody ahead
    for _ in range(3):
        assert (await tell(api, mine, phone="0470 12 34 56")).status_code == 200  # the same number, written otherwise
        other = await tell(api, mine, phone="+32470999999")
        assert (other.status_code, other.json()["error"]) == (409, "contact_already_set")
        await round_of_notices(api)
    assert [t["to"] for t in gateway.texts] == ["+32470123456"]
    assert stored_addresses(api) == [(None, "+32470123456")]


async def test_a_ticket_called_again_after_parking_is_told_its_turn_once(api: Api, gateway: Gateway) -> None:
    await api.open("3")
    mine = await api.issue("C", language="en")
    await tell(api, token_of(mine), phone="+32470123456")
    await round_of_notices(api)  # near: nobody ahead
    counter = api.seeded.counters["3"]
    assert (await call_next(api, "3"))["number"] == mine["number"]
    await round_of_notices(api)
    parked = await api.http.post(
        f"/api/tickets/{mine['id']}/park", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    assert parked.status_code == 200, parked.text
    again = await api.http.post(
        f"/api/counters/{counter}/call-number", json={"number": mine["number"]}, headers=api.auth(Role.CLERK)
    )
    assert again.status_code == 200, again.text
    await round_of_notices(api)
    assert [t["text"].split(": ", 1)[1][:18] for t in gateway.texts] == ["your turn comes in", "it is your turn no"]


@pytest.fixture
async def thrifty(
    sqlite_url: str, seeder: Callable[..., Seeded], inbox: tuple[Inbox, int], gateway: Gateway
) -> AsyncIterator[Api]:
    """An office that may send 2 messages an hour."""
    office = {**OFFICE, "notify_before_min": 10}
    settings = {"smtp_host": "127.0.0.1", "smtp_port": inbox[1], "sms_url": gateway.url, "messages_per_hour": 2}
    async with serving(sqlite_url, seeder(sqlite_url, office), **settings) as served:
        yield served


async def test_past_the_hourly_budget_messages_are_held_back_and_the_dashboard_says_so(
    thrifty: Api, gateway: Gateway
) -> None:
    api = thrifty
    await api.open("3")
    for n in range(3):
        assert (await tell(api, token_of(await api.issue("C")), phone=f"+3247012345{n}")).status_code == 200
    await round_of_notices(api)
    assert len(gateway.texts) == 2
    sent, withheld = api.seeded.db.read(lambda repo: outbox.this_hour(repo, "town", api.clock.now))
    assert (sent, withheld) == (2, 1)
    page = await api.http.get("/manage/town", params={"token": api.seeded.tokens[Role.MANAGER]}, follow_redirects=True)
    assert page.status_code == 200, page.text
    assert "Messages held back:</strong> 1 e-mails and SMS this hour were not sent" in page.text
    api.clock.advance(hours=1)  # a new hour, a new budget: the first is told its turn
    await call_next(api, "3")
    await round_of_notices(api)
    assert len(gateway.texts) == 3
