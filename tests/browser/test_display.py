"""The waiting-room display in real headless Chromium against a real `loket serve`."""

from __future__ import annotations

import asyncio
import itertools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, Page

from scheduler.model import Role
from tests.browser.conftest import CHANGE_CLOCK, shown_after
from tests.support import OFFICE, Seeded, Server, free_port, running_server, start_server

# Speech replaced by a recorder: what would be said, in which language, from when to when.
FAKE_SPEECH = """
window.__loketSpoken = [];
window.__loketSpeech = (text, lang, call) => new Promise((resolve) => {
  const entry = {text, lang, number: call.number, recall: call.recall, start: performance.now(), end: null};
  window.__loketSpoken.push(entry);
  setTimeout(() => { entry.end = performance.now(); resolve(); }, 60);
});
"""


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[role]}"}

    def post(self, path: str, role: Role, body: dict[str, Any] | None = None) -> httpx.Response:
        return httpx.post(f"{self.server.url}{path}", json=body, headers=self.auth(role), timeout=10)

    def open(self, counter: str) -> int:
        counter_id = self.seeded.counters[counter]
        assert self.post(f"/api/counters/{counter_id}/open", Role.CLERK).status_code == 200
        return counter_id

    def issue(self, service: str) -> None:
        assert self.post("/api/offices/town/tickets", Role.KIOSK, {"service": service, "language": "nl"}).is_success

    def call_next(self, counter_id: int) -> dict[str, Any]:
        r = self.post(f"/api/counters/{counter_id}/call-next", Role.CLERK)
        assert r.status_code == 200, r.text
        return dict(r.json())

    def finish(self, ticket: dict[str, Any], counter_id: int) -> None:
        assert self.post(f"/api/tickets/{ticket['id']}/finish", Role.CLERK, {"counter": counter_id}).is_success

    @property
    def page_url(self) -> str:
        return f"{self.server.url}/display/town?token={self.seeded.tokens[Role.DISPLAY]}"


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, {**OFFICE, "no_show_min_recalls": 0, "no_show_delay_s": 0})
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


async def board(browser: Browser, url: str) -> Page:
    page = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await page.add_init_script(FAKE_SPEECH)
    await page.add_init_script(CHANGE_CLOCK)
    await page.goto(url)
    await page.wait_for_function("() => document.getElementById('services').querySelectorAll('tbody tr').length > 0")
    return page


async def shown(page: Page) -> list[dict[str, Any]]:
    return list(await page.evaluate("window.__loketShown || []"))


async def test_a_ticket_called_through_the_api_appears_within_a_second(browser: Browser, office: Office) -> None:
    counter = office.open("1")
    office.issue("A")
    page = await board(browser, office.page_url)
    called = await asyncio.to_thread(office.call_next, counter)
    await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A001'")
    # From the server's call (its called_at) to the number on the page (the page's clock).
    assert await shown_after(page, "latest-number", "A001", called["called_at"]) < 1.0
    assert await page.text_content("#latest-counter") == "1"
    # The number is at least 8% of the screen's height.
    height = await page.evaluate("document.querySelector('#latest .call').getBoundingClientRect().height")
    assert height >= 0.08 * 1080


async def test_twenty_calls_in_a_burst_all_appear_in_order_and_none_twice(browser: Browser, office: Office) -> None:
    counter = office.open("3")  # certificates
    for _ in range(20):
        office.issue("C")
    page = await board(browser, office.page_url)

    def burst() -> list[str]:
        numbers = []
        for _ in range(20):
            ticket = office.call_next(counter)
            numbers.append(ticket["number"])
            office.finish(ticket, counter)
        return numbers

    called = await asyncio.to_thread(burst)
    # A last call after the burst marks its end: events come in order, so a duplicate of the burst would be
    # shown before the marker.
    office.issue("C")
    marker = (await asyncio.to_thread(office.call_next, counter))["number"]
    await page.wait_for_function(
        f"() => (window.__loketShown || []).some((s) => s.number === {json.dumps(marker)})", timeout=5000
    )
    seen = await shown(page)
    assert [s["number"] for s in seen] == [*called, marker]
    seen = seen[:-1]
    assert [s["number"] for s in seen] == called
    assert [s["seq"] for s in seen] == sorted({s["seq"] for s in seen})
    history = await page.locator("#history li .number").all_text_contents()
    assert history == list(reversed(called))[:7]  # the burst's last call is now history, below the marker


async def test_after_a_server_restart_later_calls_still_appear(
    browser: Browser, sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    port = free_port()
    server = start_server(sqlite_url, port=port)
    office = Office(server, seeded)
    try:
        counter = office.open("1")
        for _ in range(3):
            office.issue("A")
        page = await board(browser, office.page_url)
        first = await asyncio.to_thread(office.call_next, counter)
        await asyncio.to_thread(office.finish, first, counter)
        await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A001'")
        server.stop()
        await page.wait_for_selector("#offline", state="visible")
        server = office.server = start_server(sqlite_url, port=port)
        await page.wait_for_selector("#offline", state="hidden", timeout=15000)
        second = await asyncio.to_thread(office.call_next, counter)
        await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A002'")
        await asyncio.to_thread(office.finish, second, counter)
        await asyncio.to_thread(office.call_next, counter)
        await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A003'")
        assert [s["number"] for s in await shown(page)] == ["A001", "A002", "A003"]
    finally:
        server.stop()


async def test_every_call_is_spoken_in_each_language_in_order_without_overlap_and_a_recall_again(
    browser: Browser, office: Office
) -> None:
    one, two = office.open("1"), office.open("2")
    office.issue("A")
    office.issue("A")
    page = await board(browser, office.page_url)
    first = await asyncio.to_thread(office.call_next, one)
    await asyncio.to_thread(office.call_next, two)  # while the first is being announced
    assert office.post(f"/api/tickets/{first['id']}/recall", Role.CLERK, {"counter": one}).is_success
    await page.wait_for_function(
        "() => (window.__loketSpoken || []).filter((e) => e.end !== null).length >= 6", timeout=10000
    )
    spoken = list(await page.evaluate("window.__loketSpoken"))
    assert [(s["number"], s["lang"], s["recall"]) for s in spoken] == [
        ("A001", "nl", False),
        ("A001", "fr", False),
        ("A002", "nl", False),
        ("A002", "fr", False),
        ("A001", "nl", True),
        ("A001", "fr", True),
    ]
    assert spoken[0]["text"] == "Ticket A 1, loket 1"
    assert spoken[1]["text"] == "Ticket A 1, guichet 1"
    for before, after in itertools.pairwise(spoken):
        assert after["start"] >= before["end"], "an announcement started before the previous one ended"
    assert await page.is_visible("#latest-recall")


@pytest.mark.parametrize(
    ("query", "status", "says"),
    [
        ("", 401, "This display has no token"),
        ("?token=not-a-token", 401, "This display's token is not valid"),
    ],
)
async def test_a_missing_or_wrong_token_gives_a_clear_page(
    browser: Browser, office: Office, query: str, status: int, says: str
) -> None:
    page = await browser.new_page()
    response = await page.goto(f"{office.server.url}/display/town{query}")
    assert response is not None
    assert response.status == status
    assert await page.text_content("h1") == says
    assert "loket token create --role display" in (await page.text_content("p") or "")


async def test_the_page_loads_nothing_from_outside_the_server(browser: Browser, office: Office) -> None:
    page = await browser.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(office.page_url)
    await page.wait_for_function("() => document.getElementById('services').querySelectorAll('tbody tr').length > 0")
    assert requested
    assert all(url.startswith(office.server.url) or url.startswith(office.server.ws) for url in requested), requested


async def test_the_staff_view_shows_a_kiosk_printer_out_of_paper_until_it_is_fixed(
    browser: Browser, office: Office
) -> None:
    page = await board(browser, office.page_url + "&staff=1&lang=nl")
    report = {"kiosk": "hall-1", "state": "paper_out", "detail": ""}
    assert office.post("/api/offices/town/printer-status", Role.KIOSK, report).is_success
    await page.wait_for_selector("#staff-alerts", state="visible")
    assert await page.text_content("#staff-alerts") == "Kiosk hall-1: printer papier op"
    assert office.post("/api/offices/town/printer-status", Role.KIOSK, {**report, "state": "ok"}).is_success
    await page.wait_for_selector("#staff-alerts", state="hidden")
    public = await board(browser, office.page_url)  # the room's board says nothing of it
    assert office.post("/api/offices/town/printer-status", Role.KIOSK, report).is_success
    # A call after the report marks it as handled: the staff view, fed in the same order, has the alert again
    # before the call, and the room's board has had every event before the call too.
    counter = office.open("1")
    office.issue("A")
    marker = (await asyncio.to_thread(office.call_next, counter))["number"]
    for view in (page, public):
        await view.wait_for_function(f"() => document.getElementById('latest-number').textContent === '{marker}'")
    assert await page.is_visible("#staff-alerts")
    assert not await public.is_visible("#staff-alerts")
