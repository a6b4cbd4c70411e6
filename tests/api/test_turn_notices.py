"""Walk-ins who leave an address at the status page are told when their turn is near and when they are
called, by e-mail or SMS through real loopback servers, once each; the address is gone after the visit."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from starlette.concurrency import run_in_threadpool

from api import housekeeping
from scheduler.model import Role, TicketState
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
