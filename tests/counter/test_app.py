"""The clerk terminal driven by Textual's pilot against a real `loket serve` started by each test."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, SelectionList

from counter import screens
from counter.app import CounterApp, CounterConfig
from scheduler.model import Role
from store.admin import add_user, revoke_token
from tests import tui
from tests.support import OFFICE, Seeded, Server, free_port, running_server, start_server

WAIT_S = 15.0
PASSWORD = "correct horse battery staple"


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[role]}"}

    def issue(self, service: str) -> str:
        body = {"service": service, "language": "nl"}
        r = httpx.post(f"{self.server.url}/api/offices/town/tickets", json=body, headers=self.auth(Role.KIOSK))
        assert r.status_code == 201, r.text
        return str(r.json()["number"])

    def queue(self) -> dict[str, Any]:
        r = httpx.get(f"{self.server.url}/api/offices/town/queue", headers=self.auth(Role.MANAGER))
        return dict(r.json())

    def ticket(self, number: str) -> dict[str, Any]:
        queue = self.queue()
        at_counters = [c["ticket"] for c in queue["counters"] if c["ticket"]]
        found = [t for t in [*queue["waiting"], *queue.get("parked", []), *at_counters] if t["number"] == number]
        assert found, f"{number} is not waiting, parked or at a counter"
        return dict(found[0])


def users(seeded: Seeded) -> None:
    for name in ("ann", "bob"):
        add_user(seeded.db, name, "town", Role.CLERK, PASSWORD, datetime.now(UTC))


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    users(seeded)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


@contextlib.asynccontextmanager
async def terminal(server: Server, **config: Any) -> AsyncIterator[tuple[CounterApp, Pilot[None]]]:
    app = CounterApp(CounterConfig(server=server.url, **config))
    async with app.run_test(size=(140, 45)) as pilot:
        yield app, pilot


until = functools.partial(tui.until, wait_s=WAIT_S)


text = tui.text


async def log_in(app: CounterApp, pilot: Pilot[None], counter: str, office: Office, user: str = "ann") -> None:
    await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
    await tui.tap(pilot, "#username")
    await pilot.press(*user, "enter", *PASSWORD, "enter")
    await until(pilot, lambda: isinstance(app.screen, screens.CounterScreen), "the counter choice")
    await pilot.pause(0.2)
    app.screen.query_one("#counter").value = office.seeded.counters[counter]  # type: ignore[attr-defined]
    await pilot.pause(0.2)
    await tui.tap(pilot, "#start")
    await until(pilot, lambda: isinstance(app.screen, screens.DeskScreen), "the desk")
    await until(pilot, lambda: f"Counter {counter}" in text(app, "#header"), "the counter's header")


async def key(app: CounterApp, pilot: Pilot[None], keys: str, expect: str) -> None:
    """Press a key and wait for the server's answer in the notice line."""
    await pilot.press(*keys)
    await until(pilot, lambda: expect in text(app, "#notice"), f"'{expect}' after {keys!r}")


async def test_a_whole_service_cycle_changes_the_screen_only_on_the_servers_answers(office: Office) -> None:
    office.issue("A")
    office.issue("A")
    async with terminal(office.server) as (app, pilot):
        await log_in(app, pilot, "1", office)
        await key(app, pilot, "o", "Counter open.")
        await until(pilot, lambda: "— open" in text(app, "#header"), "the open counter")
        await until(pilot, lambda: app.screen.query_one("#queue", DataTable).row_count == 2, "two in the queue")
        await key(app, pilot, "n", "Called A001")
        await until(pilot, lambda: "A001" in text(app, "#current"), "A001 at the counter")
        assert office.ticket("A001")["state"] == "called"
        await key(app, pilot, "s", "Serving A001")
        assert office.ticket("A001")["state"] == "serving"
        await key(app, pilot, "f", "A001 done")
        await until(pilot, lambda: "Nobody at your counter" in text(app, "#current"), "an empty counter")
        await until(pilot, lambda: "1 served" in text(app, "#stats"), "the clerk's numbers")
        await key(app, pilot, "n", "Called A002")
        await key(app, pilot, "n", "A002 is still at your counter")  # refused by the server, said in words
        await key(app, pilot, "f", "A002 done")
        await key(app, pilot, "n", "Nobody is waiting")


async def test_transfer_keeps_the_place_and_park_and_call_back_bring_the_citizen_back(office: Office) -> None:
    office.issue("A")
    async with terminal(office.server) as (app, pilot):
        await log_in(app, pilot, "1", office)
        await key(app, pilot, "o", "Counter open.")
        await key(app, pilot, "n", "Called A001")
        await pilot.press("t")
        await until(pilot, lambda: isinstance(app.screen, screens.Prompt), "the transfer prompt")
        await pilot.press("b", "enter")
        await until(pilot, lambda: "A001 transferred" in text(app, "#notice"), "the transfer")
        moved = office.queue()["waiting"]
        assert [(t["number"], t["service"]) for t in moved] == [("A001", "B")]
        await key(app, pilot, "n", "Called A001")  # counter 1 serves B too
        await key(app, pilot, "p", "A001 parked")
        await until(pilot, lambda: "Nobody at your counter" in text(app, "#current"), "an empty counter")
        await pilot.press("b")
        await until(pilot, lambda: isinstance(app.screen, screens.Prompt), "the call-back prompt")
        await pilot.press(*"a001", "enter")
        await until(pilot, lambda: "Called A001" in text(app, "#notice"), "the parked citizen called back")
        assert office.ticket("A001")["state"] == "called"


async def test_a_server_answer_arriving_while_the_desk_is_taken_down_is_dropped_quietly(office: Office) -> None:
    # Quitting removes the desk's widgets before the live workers stop; a read answered in between used to
    # crash the terminal (NoMatches on '#banner') instead of being dropped.
    async with terminal(office.server) as (app, pilot):
        await log_in(app, pilot, "1", office)
        await app.screen.query_one("#banner").remove()
        office.issue("A")  # an event: the terminal reads the server and draws
        await until(pilot, lambda: bool(app.snapshot and app.snapshot.waiting), "the read after the event")
        await pilot.pause(0.3)
        assert isinstance(app.screen, screens.DeskScreen)


async def test_no_show_only_after_the_offices_recalls_and_delay(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url, {**OFFICE, "no_show_min_recalls": 1, "no_show_delay_s": 2})
    users(seeded)
    with running_server(sqlite_url) as server:
        office = Office(server, seeded)
        office.issue("C")
        async with terminal(server) as (app, pilot):
            await log_in(app, pilot, "3", office)
            await key(app, pilot, "o", "Counter open.")
            await key(app, pilot, "n", "Called C001")
            await key(app, pilot, "x", "Call C001 again first: 1 more recall")
            await key(app, pilot, "r", "C001 recalled")
            await until(pilot, lambda: "recalled 1×" in text(app, "#current"), "the recall on screen")
            await key(app, pilot, "x", "may be marked a no-show from")
            assert office.ticket("C001")["state"] == "called"
            await pilot.pause(2.5)
            await key(app, pilot, "x", "C001 did not come")
            await until(pilot, lambda: "Nobody at your counter" in text(app, "#current"), "an empty counter")


async def test_pause_with_a_reason_and_resume(office: Office) -> None:
    async with terminal(office.server) as (app, pilot):
        await log_in(app, pilot, "2", office)
        await key(app, pilot, "o", "Counter open.")
        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, screens.Prompt), "the pause prompt")
        await pilot.press(*"lunch", "enter")
        await until(pilot, lambda: "paused (lunch)" in text(app, "#header"), "the paused counter")
        await key(app, pilot, "z", "Resumed.")
        await until(pilot, lambda: "— open" in text(app, "#header"), "the open counter")


async def test_two_terminals_calling_at_the_same_moment_never_get_the_same_citizen(office: Office) -> None:
    for _ in range(6):
        office.issue("A")
    together = asyncio.Barrier(2)
    called: list[str] = []

    async def clerk(user: str, counter: str) -> None:
        # Each terminal in its own task: Textual keeps the running app in a context variable.
        async with terminal(office.server) as (app, pilot):
            await log_in(app, pilot, counter, office, user)
            await key(app, pilot, "o", "Counter open.")
            for _ in range(3):
                await together.wait()
                await key(app, pilot, "n", "Called")
                called.append(text(app, "#notice").split()[-1])
                await key(app, pilot, "f", "done")

    await asyncio.gather(clerk("ann", "1"), clerk("bob", "2"))
    assert sorted(called) == [f"A00{i}" for i in range(1, 7)]


async def test_a_restarted_server_is_found_again_and_the_screen_shows_its_truth(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    users(seeded)
    port = free_port()
    server = start_server(sqlite_url, port=port)
    office = Office(server, seeded)
    office.issue("A")
    try:
        async with terminal(server) as (app, pilot):
            await log_in(app, pilot, "1", office)
            await key(app, pilot, "o", "Counter open.")
            await key(app, pilot, "n", "Called A001")
            await asyncio.to_thread(server.stop)
            await until(pilot, lambda: "SERVER UNREACHABLE" in text(app, "#banner"), "the banner")
            await key(app, pilot, "f", "cannot be reached")
            server = await asyncio.to_thread(start_server, sqlite_url, port=port)
            office.server = server
            office.issue("A")  # happened while the terminal was away
            await until(pilot, lambda: text(app, "#banner") == "", "the banner to go")
            await until(pilot, lambda: app.screen.query_one("#queue", DataTable).row_count == 1, "A002 in the queue")
            assert "A001" in text(app, "#current")  # still called: the finish was not done
            await key(app, pilot, "f", "A001 done")
    finally:
        server.stop()


async def test_a_wrong_password_is_said_and_nothing_else_happens(office: Office) -> None:
    async with terminal(office.server) as (app, pilot):
        await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        await tui.tap(pilot, "#username")
        await pilot.press(*"ann", "enter", *"wrong", "enter")
        await until(pilot, lambda: text(app, "#notice") != "", "the refusal")
        assert isinstance(app.screen, screens.LoginScreen)


async def test_an_unreachable_server_at_login_is_said_plainly() -> None:
    app = CounterApp(CounterConfig(server=f"http://127.0.0.1:{free_port()}"))
    async with app.run_test() as pilot:
        await tui.tap(pilot, "#username")
        await pilot.press(*"ann", "enter", *"pw", "enter")
        await until(pilot, lambda: "cannot be reached" in text(app, "#notice"), "the message")


async def test_a_clerk_chooses_the_services_served_today_where_the_office_allows_it(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, {**OFFICE, "clerks_choose_services": True})
    users(seeded)
    with running_server(sqlite_url) as server:
        office = Office(server, seeded)
        office.issue("A")
        office.issue("B")
        async with terminal(server) as (app, pilot):
            await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
            await tui.tap(pilot, "#username")
            await pilot.press(*"ann", "enter", *PASSWORD, "enter")
            await until(pilot, lambda: isinstance(app.screen, screens.CounterScreen), "the counter choice")
            await pilot.pause(0.2)
            app.screen.query_one("#counter").value = seeded.counters["1"]  # type: ignore[attr-defined]
            await pilot.pause(0.2)
            choice = app.screen.query_one("#services", SelectionList)
            assert sorted(choice.selected) == ["A", "B"]
            choice.deselect("A")
            await tui.tap(pilot, "#start")
            await until(pilot, lambda: isinstance(app.screen, screens.DeskScreen), "the desk")
            await until(pilot, lambda: "serving B —" in text(app, "#header"), "counter 1 serving B only")
            await key(app, pilot, "o", "Counter open.")
            await key(app, pilot, "n", "Called B001")  # A001 came first, but counter 1 serves B today


async def test_a_revoked_token_brings_back_the_login_and_keeps_the_counter(office: Office) -> None:
    async with terminal(office.server) as (app, pilot):
        await log_in(app, pilot, "2", office)
        assert app.token is not None
        revoke_token(office.seeded.db, app.token, datetime.now(UTC))
        await pilot.pause(5.5)  # the server trusts a token it checked for up to 5 s
        await pilot.press("n")
        await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        assert "log in again" in text(app, "#notice")
        assert app.counter_id == office.seeded.counters["2"]
