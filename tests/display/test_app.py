"""The terminal display driven by Textual's pilot against a real `loket serve` started by each test; the calls
are made over HTTP with a clerk token, as a clerk terminal would."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from display.app import DisplayApp, DisplayConfig
from scheduler.model import Role
from tests import tui
from tests.support import OFFICE, Seeded, Server, free_port, running_server, start_server
from tui.bigtext import big

WAIT_S = 15.0


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[role]}"}

    def post(self, path: str, body: dict[str, Any] | None = None, role: Role = Role.CLERK) -> httpx.Response:
        response = httpx.post(f"{self.server.url}{path}", json=body, headers=self.auth(role))
        assert response.status_code < 300, response.text
        return response

    def issue(self, service: str = "A") -> str:
        return str(
            self.post("/api/offices/town/tickets", {"service": service, "language": "nl"}, Role.KIOSK).json()["number"]
        )

    def open(self, counter: str) -> None:
        self.post(f"/api/counters/{self.seeded.counters[counter]}/open")

    def call_next(self, counter: str) -> dict[str, Any]:
        return dict(self.post(f"/api/counters/{self.seeded.counters[counter]}/call-next").json())

    def act(self, ticket: dict[str, Any], action: str, counter: str) -> None:
        self.post(f"/api/tickets/{ticket['id']}/{action}", {"counter": self.seeded.counters[counter]})


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


@contextlib.asynccontextmanager
async def display(server: Server, token: str, **config: Any) -> AsyncIterator[tuple[DisplayApp, Pilot[None]]]:
    app = DisplayApp(DisplayConfig(server=server.url, token=token, office=config.pop("office", "town"), **config))
    async with app.run_test(size=(140, 50)) as pilot:
        yield app, pilot


def board_notes(app: App[None]) -> str:
    board = getattr(app, "board", None)
    calls = [c.number for c in board.calls()] if board else None
    return f"board calls {calls}, online {getattr(app, 'online', None)}"


until = functools.partial(tui.until, wait_s=WAIT_S, describe=board_notes)


text = tui.text


def numbers(app: DisplayApp) -> list[str]:
    return [c.number for c in app.board.calls()] if app.board else []


def latest_is(app: DisplayApp, number: str) -> bool:
    return app.board is not None and app.board.latest is not None and app.board.latest.number == number


async def test_a_called_ticket_is_shown_large_as_the_latest_call_and_a_recall_is_marked(office: Office) -> None:
    office.issue("A")
    office.issue("A")
    async with display(office.server, office.seeded.tokens[Role.DISPLAY]) as (app, pilot):
        await until(pilot, lambda: app.board is not None, "the first snapshot")
        await until(pilot, lambda: "Town hall" in text(app, "#office") or "town" in text(app, "#office"), "the office")
        assert app.board is not None
        assert app.board.latest is None
        office.open("2")
        first = office.call_next("2")
        assert first["number"] == "A001"
        await until(pilot, lambda: latest_is(app, "A001"), "A001 as the latest call")
        await until(pilot, lambda: text(app, "#number") == big("A001"), "A001 in block letters")
        assert text(app, "#counter") == big("2")
        assert text(app, "#recall") == ""
        await until(pilot, lambda: app.board and app.board.services[0].waiting == 1, "one left waiting for A")
        assert "1" in text(app, "#services")

        office.act(first, "finish", "2")
        second = office.call_next("2")
        await until(pilot, lambda: latest_is(app, "A002"), "A002 as the latest call")
        assert "A001" in text(app, "#previous")
        office.act(second, "recall", "2")
        await until(pilot, lambda: app.board and app.board.latest and app.board.latest.recall, "the recall")
        await until(pilot, lambda: text(app, "#recall") != "", "the recall mark")
        assert numbers(app) == ["A002", "A001"]  # the recall is not a second line
        assert text(app, "#number") == big("A002")


async def test_twenty_calls_in_a_burst_all_appear_in_order_none_twice(office: Office) -> None:
    issued = [office.issue("A") for _ in range(20)]
    office.open("1")
    async with display(office.server, office.seeded.tokens[Role.DISPLAY], history=25) as (app, pilot):
        await until(pilot, lambda: app.board is not None, "the first snapshot")
        for _ in range(20):  # blocking calls: the display hears them all at once afterwards
            office.act(office.call_next("1"), "finish", "1")
        await until(pilot, lambda: latest_is(app, issued[-1]), "the last call")
        await pilot.pause(0.5)  # anything more (a duplicate) would have arrived by now
        assert numbers(app) == issued[::-1]
        shown = text(app, "#previous")
        positions = [shown.index(number) for number in issued[-2::-1]]
        assert positions == sorted(positions), "previous calls are listed newest first"
        assert all(shown.count(number) == 1 for number in issued[:-1])


async def test_the_default_board_keeps_the_latest_and_seven_before_it(office: Office) -> None:
    issued = [office.issue("C") for _ in range(10)]
    office.open("3")
    async with display(office.server, office.seeded.tokens[Role.DISPLAY]) as (app, pilot):
        await until(pilot, lambda: app.board is not None, "the first snapshot")
        for _ in range(10):
            office.act(office.call_next("3"), "finish", "3")
        await until(pilot, lambda: latest_is(app, issued[-1]), "the last call")
        assert numbers(app) == issued[:1:-1]


async def test_a_restarted_server_is_followed_again_and_offline_is_shown_meanwhile(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    port = free_port()
    server = start_server(sqlite_url, port=port)
    office = Office(server, seeded)
    for _ in range(4):
        office.issue("A")
    office.open("1")
    try:
        async with display(server, seeded.tokens[Role.DISPLAY]) as (app, pilot):
            await until(pilot, lambda: app.board is not None, "the first snapshot")
            assert not app.screen.query_one("#offline", Static).display
            first = office.call_next("1")
            await until(pilot, lambda: latest_is(app, "A001"), "A001")
            await asyncio.to_thread(server.stop)
            await until(pilot, lambda: not app.online, "offline")
            await until(
                pilot, lambda: "offline" in text(app, "#offline") or "hors ligne" in text(app, "#offline"), "the mark"
            )
            assert app.screen.query_one("#offline", Static).display
            server = await asyncio.to_thread(start_server, sqlite_url, port=port)
            office.server = server
            office.act(first, "finish", "1")
            second = office.call_next("1")  # A002, called while the display may still be away
            await until(pilot, lambda: app.online, "online again")
            await until(pilot, lambda: not app.screen.query_one("#offline", Static).display, "the mark to go")
            await until(pilot, lambda: latest_is(app, "A002"), "A002 after the restart")
            office.act(second, "finish", "1")
            office.call_next("1")
            await until(pilot, lambda: latest_is(app, "A003"), "A003, live after the restart")
            assert numbers(app) == ["A003", "A002", "A001"]
    finally:
        server.stop()


@pytest.mark.parametrize(
    ("token", "office_id", "language", "expected"),
    [
        ("not-a-token", "town", "en", "token was refused"),
        ("not-a-token", "town", "nl", "token van dit scherm werd geweigerd"),
        (None, "nowhere", "en", "may not follow office nowhere"),
        (None, "nowhere", "fr", "ne peut pas suivre le bureau nowhere"),
    ],
)
async def test_a_refused_token_or_office_is_said_on_screen_in_the_displays_language(
    office: Office, token: str | None, office_id: str, language: str, expected: str
) -> None:
    token = token or office.seeded.tokens[Role.DISPLAY]
    async with display(office.server, token, office=office_id, languages=(language,)) as (app, pilot):
        await until(pilot, lambda: app.problem != "", "the refusal")
        assert expected in app.problem
        await until(pilot, lambda: expected in text(app, "#problem"), "the refusal on screen")
        assert app.screen.query_one("#problem", Static).display
        assert not app.screen.query_one("#offline", Static).display
        assert app.board is None


EVERY_DAY = {day: [["08:30", "12:30"], ["13:30", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def manage(office: Office, method: str, path: str, body: dict[str, Any]) -> None:
    answer = httpx.request(method, f"{office.server.url}{path}", json=body, headers=office.auth(Role.MANAGER))
    assert answer.is_success, answer.text


def closed_today(office: Office) -> bool:
    """Whether the office is closed today whatever its hours (a public holiday, when the suite runs on one)."""
    queue = httpx.get(f"{office.server.url}/api/offices/town/queue", headers=office.auth(Role.DISPLAY)).json()
    return bool(queue["office"].get("closed_today"))


async def test_a_renamed_service_and_todays_hours_show_without_a_restart(office: Office) -> None:
    async with display(office.server, office.seeded.tokens[Role.DISPLAY], languages=("nl",)) as (app, pilot):
        await until(pilot, lambda: "Identiteitskaart" in text(app, "#services"), "the services")
        manage(
            office, "PATCH", "/api/offices/town/services/A", {"names": {"nl": "eID-kaart", "fr": "eID", "en": "eID"}}
        )
        manage(office, "PUT", "/api/offices/town/hours", EVERY_DAY)
        await until(pilot, lambda: "eID-kaart" in text(app, "#services"), "the new name")
        assert "Identiteitskaart" not in text(app, "#services")
        said = "Vandaag gesloten" if closed_today(office) else "Vandaag open 08:30–12:30, 13:30–16:00"
        await until(pilot, lambda: text(app, "#hours") == said, "today's hours")
