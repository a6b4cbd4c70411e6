"""Issue 18's "done when": in real Chromium, a manager logs in at /login, opens /admin/{office}, changes a service's
names (nl/fr/en) and today's opening hours; a waiting-room display already showing in Chromium and a kiosk (the
Textual app, driven by its pilot) already running against the same real `loket serve` show the new name and the
new hours, live, without a reload or a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.async_api import Browser, Page
from textual.widgets import Button

from kiosk.app import KioskApp, KioskConfig
from scheduler.calendar import WEEKDAYS
from scheduler.model import Role
from store import admin
from tests import tui
from tests.browser.policy import watch
from tests.kiosk.test_app import choose_language, services_ready
from tests.support import OFFICE, Seeded, Server, running_server

PASSWORD = "correct horse battery"
NAMES = {"nl": "Elektronische identiteitskaart", "fr": "Carte d'identité électronique", "en": "Electronic ID card"}
HOURS = "09:15-12:00, 13:00-17:45"
SHOWN_HOURS = "09:15–12:00, 13:00–17:45"
WAIT_MS = 15_000


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def queue(self) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.seeded.tokens[Role.DISPLAY]}"}
        return dict(httpx.get(f"{self.server.url}/api/offices/town/queue", headers=headers, timeout=10).json())


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    admin.add_user(seeded.db, "ann", "town", Role.MANAGER, PASSWORD, datetime.now(UTC))
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


def todays_weekday() -> str:
    return WEEKDAYS[datetime.now(ZoneInfo("Europe/Brussels")).weekday()]


async def log_in(browser: Browser, office: Office) -> Page:
    page = await browser.new_page()
    await page.goto(f"{office.server.url}/login?lang=fr")
    await page.fill("#username", "ann")
    await page.fill("#password", PASSWORD)
    await page.click("#log-in")
    await page.wait_for_url(f"{office.server.url}/manage/town?lang=fr")
    assert await page.locator("#logout").count() == 1
    return page


async def change_the_office(page: Page, office: Office) -> None:
    """Through the administration page, as a manager would: the service's names, then today's hours."""
    await page.click("#admin-link")
    await page.wait_for_url(f"{office.server.url}/admin/town?lang=fr")
    await page.click("#service-A summary")
    for language, name in NAMES.items():
        await page.fill(f"#services-A-name_{language}", name)
    await page.click("#services-A-save")
    await page.wait_for_url("**/admin/town?done=service_saved&lang=fr#services")
    assert await page.text_content("#done") == "Le service a été enregistré."
    await page.fill(f"#hours-hours_{todays_weekday()}", HOURS)
    await page.click("#hours-save")
    await page.wait_for_url("**/admin/town?done=hours_saved&lang=fr#hours")
    assert await page.text_content("#done") == "Les heures d'ouverture ont été enregistrées."
    audit = await page.text_content("#audit-log")
    assert audit is not None
    assert "a fixé les heures d'ouverture" in audit
    assert "a modifié le service A" in audit


async def test_a_manager_changes_names_and_hours_on_the_web_and_a_display_and_a_kiosk_show_them(
    browser: Browser, office: Office
) -> None:
    # The waiting room's TV and a kiosk are on before the change.
    tv = await browser.new_page(viewport={"width": 1920, "height": 1080})
    await tv.goto(f"{office.server.url}/display/town?token={office.seeded.tokens[Role.DISPLAY]}&lang=fr")
    await tv.wait_for_function("() => document.querySelectorAll('#services tbody tr').length > 0")
    await tv.evaluate("window.__notReloaded = true")
    kiosk = KioskApp(
        KioskConfig(
            server=office.server.url,
            token=office.seeded.tokens[Role.KIOSK],
            office="town",
            idle_s=600.0,
            retry_delay_s=0.2,
        )
    )
    async with kiosk.run_test(size=(120, 45)) as pilot:
        await choose_language(kiosk, pilot, "fr")
        button = await services_ready(kiosk, pilot, "A")
        assert str(button.label).startswith("Carte d'identité")

        manager = await log_in(browser, office)
        await change_the_office(manager, office)

        # The server's word: the snapshot every device reads.
        snapshot = office.queue()
        service = next(s for s in snapshot["services"] if s["code"] == "A")
        assert service["names"] == NAMES
        today = [period.split("-") for period in HOURS.split(", ")]
        if not snapshot["office"]["closed_today"]:
            assert snapshot["office"]["hours_today"] == today
        assert snapshot["office"]["hours"][todays_weekday()] == today

        # The display, live: the new name in its services, today's new hours on top, no reload.
        await tv.wait_for_function(
            "(name) => document.getElementById('services').textContent.includes(name)", arg=NAMES["fr"], timeout=WAIT_MS
        )
        if not snapshot["office"]["closed_today"]:  # a public holiday keeps the office closed whatever its hours
            await tv.wait_for_function(
                "(hours) => document.getElementById('hours').textContent.includes(hours)",
                arg=SHOWN_HOURS,
                timeout=WAIT_MS,
            )
        assert await tv.evaluate("window.__notReloaded === true")

        # The kiosk, live: the new name on the service's button, without a restart.
        await tui.until(
            pilot,
            lambda: str(kiosk.screen.query_one("#service-A", Button).label).startswith(NAMES["fr"]),
            "the new name on the kiosk",
            wait_s=WAIT_MS / 1000,
        )
        if not snapshot["office"]["closed_today"]:
            await tui.until(pilot, lambda: SHOWN_HOURS in tui.text(kiosk, "#hours"), "today's hours on the kiosk")


async def test_the_session_cookie_in_a_real_browser_and_the_staff_pages_under_their_policy(
    browser: Browser, office: Office
) -> None:
    page = await browser.new_page()
    seen = watch(page)
    await page.goto(f"{office.server.url}/admin/town?lang=nl")
    assert await page.locator("#log-in").count() == 1  # no session yet: the login form, which comes back here
    await page.fill("#username", "ann")
    await page.fill("#password", PASSWORD)
    await page.click("#log-in")
    await page.wait_for_url(f"{office.server.url}/admin/town?lang=nl")
    assert await page.text_content("h1") == "Town hall — beheer"
    cookies = {c["name"]: c for c in await page.context.cookies()}
    staff = cookies["loket_staff"]
    assert (staff["path"], staff["httpOnly"], staff["sameSite"], staff["secure"]) == ("/", True, "Lax", False)
    assert "loket_staff" not in await page.evaluate("document.cookie")  # no script reads it
    await page.click("#dashboard-link")
    await page.wait_for_url(f"{office.server.url}/manage/town?lang=nl")
    await page.click("#logout")
    await page.wait_for_url(f"{office.server.url}/login?done=logout&lang=nl")
    assert await page.text_content("#logged-out") == "U bent afgemeld."
    assert "loket_staff" not in {c["name"] for c in await page.context.cookies()}
    await page.goto(f"{office.server.url}/manage/town")
    assert await page.locator("#log-in").count() == 1
    assert seen.violations == []
    assert [url for url in seen.requested if not url.startswith(office.server.url)] == []
