"""The ticket's status page in real headless Chromium against a real `loket serve`: it follows the ticket live
(called, then the happiness question) without a reload, the answer given in the browser is stored, and a
page that loses the server says so."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
import sqlalchemy
from playwright.async_api import Browser, expect

from scheduler.model import Role
from tests.browser.conftest import CHANGE_CLOCK, shown_after
from tests.support import Seeded, Server, running_server
from tests.web.test_status_page import STATUS_OFFICE

# Vibration and tones recorded instead of felt and heard.
RECORDER = """
window.__vibrated = [];
navigator.vibrate = (pattern) => { window.__vibrated.push(pattern); return true; };
window.__tones = 0;
const realOscillator = AudioContext.prototype.createOscillator;
AudioContext.prototype.createOscillator = function () { window.__tones += 1; return realOscillator.call(this); };
"""


class Office:
    def __init__(self, server: Server, seeded: Seeded) -> None:
        self.server, self.seeded = server, seeded

    def post(self, path: str, role: Role, body: dict[str, Any] | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.seeded.tokens[role]}"}
        r = httpx.post(f"{self.server.url}{path}", json=body, headers=headers, timeout=10)
        assert r.is_success, r.text
        return dict(r.json())


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, STATUS_OFFICE)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


def stored(office: Office) -> list[tuple[int, str]]:
    with office.seeded.db.engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT score, improvements FROM happiness")).all()
    return [(row[0], row[1]) for row in rows]


async def test_the_page_follows_the_ticket_live_takes_the_happiness_answer_and_says_when_offline(
    browser: Browser, office: Office
) -> None:
    ticket = office.post("/api/offices/town/tickets", Role.KIOSK, {"service": "C", "language": "nl"})
    other = office.post("/api/offices/town/tickets", Role.KIOSK, {"service": "B", "language": "fr"})
    path = "/t/" + ticket["status_url"].rsplit("/", 1)[1]
    page = await browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    await page.add_init_script(RECORDER)
    await page.add_init_script(CHANGE_CLOCK)
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(f"{office.server.url}{path}?lang=en")
    await page.wait_for_selector("html[data-live=on]")
    assert await page.text_content("#number") == ticket["number"]
    await page.click("#sound")  # the gesture that lets the page make a sound
    await page.wait_for_selector("#sound[aria-pressed=true]")
    tones = await page.evaluate("window.__tones")

    counter = office.seeded.counters["3"]
    await asyncio.to_thread(office.post, f"/api/counters/{counter}/open", Role.CLERK)
    called = await asyncio.to_thread(office.post, f"/api/counters/{counter}/call-next", Role.CLERK)
    # A locator, not wait_for_function: the page's Content-Security-Policy forbids evaluating strings.
    await expect(page.locator("#message")).to_contain_text("please go to counter 3")
    # From the server's call (its called_at) to the words on the page (the page's clock).
    assert await shown_after(page, "message", "please go to counter 3", called["called_at"]) < 2.0
    assert await page.get_attribute("body", "class") == "state-called"
    assert await page.evaluate("window.__vibrated.length") == 1
    assert await page.evaluate("window.__tones") > tones
    assert not await page.is_visible("#leave")

    body = {"counter": counter}
    await asyncio.to_thread(office.post, f"/api/tickets/{called['id']}/finish", Role.CLERK, body)
    await page.wait_for_selector("#happiness", state="visible", timeout=2000)
    assert await page.text_content("#message") == "Thank you for your visit."
    await page.get_by_label("7", exact=True).check()
    await page.get_by_label("Clearer signs").check()
    await page.get_by_label("Longer hours").check()
    await page.get_by_label("More chairs").check()
    # A fourth choice cannot be made; unchecking one frees the others again.
    assert await page.is_disabled("input[value=wait]")
    await page.get_by_label("More chairs").uncheck()
    assert not await page.is_disabled("input[value=wait]")
    await page.click("#happiness-form button[type=submit]")
    await page.wait_for_selector("#done")
    assert await page.text_content("#done") == "Thank you for your answer!"
    assert not await page.is_visible("#happiness")
    [(score, improvements)] = stored(office)
    assert score == 7
    assert sorted(json.loads(improvements)) == ["hours", "signs"]
    assert all(url.startswith(office.server.url) for url in requested), requested

    # Another citizen's page while the server goes away: a discreet note, in their language.
    waiting = await browser.new_page()
    await waiting.goto(office.server.url + "/t/" + other["status_url"].rsplit("/", 1)[1])
    await waiting.wait_for_selector("html[data-live=on]")
    assert not await waiting.is_visible("#offline")
    stopping = await asyncio.to_thread(office.server.stop)
    assert stopping < 5, "an open event stream held the server up"
    await waiting.wait_for_selector("#offline", state="visible", timeout=5000)
    assert "Pas de connexion" in (await waiting.text_content("#offline") or "")
