"""Joining from elsewhere in real headless Chromium against a real `loket serve` (issue 15): the join page by
keyboard and labels, then the status page it leads to: the number, the check-in code with its QR, and "leave
now" with the minutes left (an empty queue: the turn is now), followed live."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from playwright.async_api import Browser, expect

from scheduler.model import Role
from tests.support import OFFICE, Seeded, Server, running_server

#: Open whenever a counter is: no opening hours, so the real clock's hour does not matter.
ALWAYS_OPEN: dict[str, Any] = {
    **{k: v for k, v in OFFICE.items() if k not in ("opens", "closes")},
    "remote_share_max": 1.0,
}


@pytest.fixture
def server(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Server]:
    seeded = seeder(sqlite_url, ALWAYS_OPEN)
    with running_server(sqlite_url) as running:
        r = httpx.post(
            f"{running.url}/api/counters/{seeded.counters['1']}/open",
            headers={"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"},
            timeout=10,
        )
        assert r.status_code == 200, r.text
        yield running


async def test_a_citizen_joins_from_the_page_and_is_told_to_leave_now(browser: Browser, server: Server) -> None:
    context = await browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    await page.goto(f"{server.url}/join/town?lang=en")

    # Accessibility basics: the language, one heading, every control labelled, groups with a legend.
    assert await page.get_attribute("html", "lang") == "en"
    await expect(page.locator("h1")).to_have_text("Join the queue from elsewhere")
    for control in await page.locator("main input").all():
        control_id = await control.get_attribute("id")
        assert control_id
        assert await page.locator(f"label[for='{control_id}']").count() == 1, control_id
    assert await page.locator("fieldset legend").count() == 3
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    await expect(page.locator("#wait-B")).to_contain_text("Estimated wait:")

    await page.get_by_label("Passport").check()
    await page.get_by_label("10 minutes").check()
    assert await page.get_by_label("I'll keep this page open").is_checked()
    await page.get_by_role("button", name="Join the queue").focus()
    await page.keyboard.press("Enter")

    await page.wait_for_url(re.compile(r"/t/[\w-]+\?"))
    await page.wait_for_selector("html[data-live=on]")
    await expect(page.locator("#done")).to_contain_text("You are in the queue.")
    assert re.fullmatch(r"B\d{3}", (await page.text_content("#number")) or "")
    code = (await page.text_content("#code")) or ""
    assert re.fullmatch(r"[2-9A-Z]{6}", code), code
    assert await page.locator("#remote .qr svg").is_visible()
    assert (
        await page.get_attribute("#remote .qr", "aria-label") == "QR code of your check-in code, to scan at the kiosk"
    )
    # Nobody ahead: the turn is now, so: leave now, and the minutes left to check in, counted by the page.
    await expect(page.locator("#go")).to_be_visible()
    assert not await page.is_visible("#set-off")
    await expect(page.locator("#go-title")).to_have_text("Leave now")
    await expect(page.locator("#countdown")).to_have_text(re.compile(r"^\d+ minutes? left$"))
    assert re.fullmatch(r"\d\d:\d\d", (await page.text_content("#arrive-by")) or "")
    link = await page.text_content("#status-link")
    assert link is not None
    assert link.endswith(page.url.split("?")[0].removeprefix(server.url))
    assert all(url.startswith(server.url) for url in requested), requested
    await context.close()
