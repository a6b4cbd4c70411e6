"""The display page follows the office as a manager changes it (`office.changed`): a renamed service, today's
opening hours and the office's name, in real headless Chromium against a real `loket serve`, no reload."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page

from scheduler.model import Role
from tests.browser.test_display import Office, board
from tests.support import OFFICE, Seeded, running_server

EVERY_DAY = {day: [["08:30", "12:30"], ["13:30", "16:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


def manage(office: Office, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.request(
        method, f"{office.server.url}{path}", json=body, headers=office.auth(Role.MANAGER), timeout=10
    )
    assert answer.is_success, answer.text
    return dict(answer.json())


def closed_today(office: Office) -> bool:
    """Closed today whatever the hours: a public holiday, when the suite runs on one."""
    queue = httpx.get(f"{office.server.url}/api/offices/town/queue", headers=office.auth(Role.DISPLAY), timeout=10)
    return bool(queue.json()["office"].get("closed_today"))


async def shows(page: Page, selector: str, text: str) -> None:
    await page.wait_for_function(
        "([selector, text]) => (document.querySelector(selector)?.textContent || '').includes(text)",
        arg=[selector, text],
        timeout=15000,
    )


async def test_a_renamed_service_todays_hours_and_a_closing_day_show_without_a_reload(
    browser: Browser,
    office: Office,
) -> None:
    page = await board(browser, office.page_url + "&lang=fr")
    await shows(page, "#services tbody", "Carte d'identité")
    names = {"nl": "eID-kaart", "fr": "Carte eID", "en": "eID card"}
    await asyncio.to_thread(manage, office, "PATCH", "/api/offices/town/services/A", {"names": names})
    await asyncio.to_thread(manage, office, "PUT", "/api/offices/town/hours", EVERY_DAY)
    await shows(page, "#services tbody", "Carte eID")
    assert "Carte d'identité" not in (await page.text_content("#services tbody") or "")
    if not await asyncio.to_thread(closed_today, office):
        await shows(page, "#hours", "Ouvert aujourd’hui 08:30–12:30, 13:30–16:00")
    today = datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()
    await asyncio.to_thread(manage, office, "PUT", "/api/offices/town/closed", {"days": [today]})
    await shows(page, "#hours", "Fermé aujourd’hui")
    assert await page.is_visible("#hours")
