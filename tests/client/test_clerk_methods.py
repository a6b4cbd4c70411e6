"""The client's clerk-terminal methods against the app in process (its clock under the test's control)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

import httpx
import pytest

from client import LoketClient, LoketError
from client.models import CounterDay
from scheduler.model import Role
from server import create_app
from settings import Settings
from tests.api.conftest import Clock
from tests.support import OFFICE, Seeded


@dataclass
class Desk:
    clerk: LoketClient
    kiosk: LoketClient
    seeded: Seeded
    clock: Clock


@pytest.fixture
async def desk(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Desk]:
    seeded = seeder(sqlite_url, {**OFFICE, "clerks_choose_services": True})
    clock = Clock()
    app = create_app(Settings(database_url=sqlite_url, public_url="https://loket.example"), clock=clock)
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        LoketClient("http://loket.test", seeded.tokens[Role.CLERK], transport=transport) as clerk,
        LoketClient("http://loket.test", seeded.tokens[Role.KIOSK], transport=transport) as kiosk,
    ):
        yield Desk(clerk, kiosk, seeded, clock)


async def test_a_clerk_day_through_the_client(desk: Desk) -> None:
    one = desk.seeded.counters["1"]
    chosen = await desk.clerk.set_counter_services(one, ["B"])
    assert (chosen.services, chosen.skills) == (("B",), ("A", "B"))
    await desk.kiosk.issue_ticket("town", "B", "nl")
    await desk.clerk.counter_action(one, "open")
    ticket = await desk.clerk.call_number(one, "b001")
    assert ticket.counter is not None
    assert (ticket.number, ticket.state, ticket.counter.id) == ("B001", "called", one)
    desk.clock.advance(minutes=5)
    await desk.clerk.ticket_action(ticket.id, "finish", counter=one)
    assert await desk.clerk.counter_today(one) == CounterDay(
        counter=one, served=1, no_shows=0, mean_service_s=300.0, parked=0
    )


async def test_refusals_come_back_as_loket_errors_with_their_extras(desk: Desk) -> None:
    one = desk.seeded.counters["1"]
    with pytest.raises(LoketError) as invalid:
        await desk.clerk.set_counter_services(one, ["C"])
    assert (invalid.value.status, invalid.value.code, invalid.value.body["unknown"]) == (422, "invalid_services", ["C"])
    with pytest.raises(LoketError) as unknown:
        await desk.clerk.call_number(one, "A001")
    assert (unknown.value.status, unknown.value.code) == (404, "ticket_not_found")
    with pytest.raises(LoketError) as kiosk:
        await desk.kiosk.counter_today(one)
    assert (kiosk.value.status, kiosk.value.code) == (403, "forbidden")
