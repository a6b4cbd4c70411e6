"""Ideas in real headless Chromium against a real `loket serve` (issue 17): after the visit, from the status
page's happiness question to the ideas page; propose an idea, vote for it, vote again and be told no."""

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
ALWAYS_OPEN: dict[str, Any] = {k: v for k, v in OFFICE.items() if k not in ("opens", "closes")}


@pytest.fixture
def visit(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[tuple[Server, str]]:
    """A running server and the status token of a walk-in just served."""
    seeded = seeder(sqlite_url, ALWAYS_OPEN)
    with running_server(sqlite_url) as running:
        clerk = {"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"}
        with httpx.Client(base_url=running.url, timeout=10) as http:
            ticket = http.post(
                "/api/offices/town/tickets",
                json={"service": "C", "language": "en"},
                headers={"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"},
            ).json()
            counter = seeded.counters["3"]
            assert http.post(f"/api/counters/{counter}/open", headers=clerk).status_code == 200
            called = http.post(f"/api/counters/{counter}/call-next", headers=clerk).json()
            finished = http.post(f"/api/tickets/{called['id']}/finish", json={"counter": counter}, headers=clerk)
            assert finished.status_code == 200, finished.text
        yield running, str(ticket["status_url"]).rsplit("/", 1)[1]


async def test_a_citizen_proposes_an_idea_votes_and_is_refused_a_second_vote(
    browser: Browser, visit: tuple[Server, str]
) -> None:
    server, token = visit
    context = await browser.new_context(locale="en-GB", viewport={"width": 360, "height": 740})
    page = await context.new_page()
    await page.goto(f"{server.url}/t/{token}?lang=en")
    await page.get_by_role("link", name=re.compile("Have an idea to make this office better")).click()

    # The token went into the page's cookie: it is no longer in the address.
    await page.wait_for_url(re.compile(r"/ideas/town\?lang=en$"))
    await expect(page.locator("h1")).to_have_text("Ideas for this office")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for control in await page.locator("main textarea, main select").all():
        control_id = await control.get_attribute("id")
        assert await page.locator(f"label[for='{control_id}']").count() == 1, control_id

    await page.get_by_label("Your idea", exact=True).fill("A water fountain in the waiting room")
    await page.get_by_label("Language of your idea").select_option("en")
    await page.get_by_role("button", name="Send my idea").click()
    await page.wait_for_url(re.compile(r"done=proposed"))
    await expect(page.locator(".done")).to_have_text("Thank you: your idea is on the list.")
    idea = page.locator("li.idea").filter(has_text="A water fountain in the waiting room")
    await expect(idea).to_contain_text("0 votes")
    await expect(idea).to_contain_text("State: Open")

    await idea.get_by_role("button", name="Vote for this idea").click()
    await page.wait_for_url(re.compile(r"done=voted"))
    await expect(page.locator(".done")).to_have_text("Thank you for your vote.")
    await expect(page.locator("li.idea").first).to_contain_text("1 vote ")

    await page.locator("li.idea").first.get_by_role("button", name="Vote for this idea").click()
    await expect(page.locator(".error-summary")).to_contain_text("You already voted for this idea.")
    await expect(page.locator("li.idea").first).to_contain_text("1 vote ")
    await context.close()
