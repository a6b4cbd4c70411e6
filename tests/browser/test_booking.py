"""Online booking in real headless Chromium against a real `loket serve`: book, download the .ics, move, cancel.

The server runs on the real clock, so the test takes the days and times the pages offer (the first free ones)
rather than fixed dates. Passports (B) have one seat per 15-minute slot: a booked slot is full for others.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import date, datetime
from zoneinfo import ZoneInfo

import icalendar
import pytest
from playwright.async_api import Browser, Page, ViewportSize

from tests.support import OFFICE, Seeded, Server, running_server

BRUSSELS = ZoneInfo("Europe/Brussels")
FREE_TIME = "input[name=time]:not([disabled])"
PHONE: ViewportSize = {"width": 360, "height": 740}

# WCAG contrast of every element's own text against the first opaque background behind it.
LOW_CONTRAST = """
() => {
  const rgb = (c) => (c.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
  };
  const background = (el) => {
    for (; el; el = el.parentElement) {
      const c = rgb(getComputedStyle(el).backgroundColor);
      if (c.length === 3 || c[3] > 0) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const low = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || el.getClientRects().length === 0) continue;
    const [a, b] = [lum(rgb(getComputedStyle(el).color)), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)}`);
  }
  return low;
}
"""


@pytest.fixture
def server(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Server]:
    seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as running:
        yield running


def day_of(href: str) -> date:
    found = re.search(r"/(\d{4}-\d{2}-\d{2})\?", href)
    assert found, href
    return date.fromisoformat(found[1])


async def choose_day(page: Page, *, last: bool = False) -> date:
    days = page.locator("ul.days li.available a")
    assert await days.count() > 0
    link = days.last if last else days.first
    href = await link.get_attribute("href")
    assert href
    await link.click()
    await page.wait_for_url(re.compile(re.escape(href.split("?")[0]) + r"\?"))
    return day_of(href)


async def choose_time(page: Page) -> str:
    """Take the first free time with the keyboard: focus it, select it with Space."""
    first = page.locator(FREE_TIME).first
    value = await first.get_attribute("value")
    assert value
    await first.focus()
    await page.keyboard.press("Space")
    assert await first.is_checked()
    return value


async def check_page(page: Page) -> None:
    """Readable on a phone: no sideways scrolling, all text at a contrast of at least 4.5:1."""
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url
    assert await page.evaluate(LOW_CONTRAST) == [], page.url


async def slot_state(page: Page, base: str, day: date, at: str) -> str | None:
    """Whether the time `at` of `day` is free ("free"), full ("full") or not offered (None)."""
    await page.goto(f"{base}/book/town/B/{day.isoformat()}?lang=en")
    radio = page.locator(f"input[name=time][value='{at}']")
    if not await radio.count():
        # A day with no free time left lists its times as text (late in the day the booked one can be the last).
        listed = page.locator("ul.times-list > li", has_text=f"{at} — full")
        return "full" if await listed.count() else None
    if await radio.is_disabled():
        label = await page.locator(f"label[for='time-{at.replace(':', '')}']").text_content()
        assert label is not None
        assert "full" in label
        return "full"
    return "free"


async def test_a_citizen_books_downloads_the_ics_moves_and_cancels_in_a_real_browser(
    browser: Browser, server: Server
) -> None:
    context = await browser.new_context(accept_downloads=True, locale="en-GB", viewport=PHONE)
    page = await context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    # 1. The service, by keyboard from the skip link, with a visible focus ring.
    await page.goto(f"{server.url}/book/town?lang=en")
    await check_page(page)
    await page.keyboard.press("Tab")
    outline = await page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline != "none"
    assert await page.locator("html").get_attribute("lang") == "en"
    await page.locator("ul.services > li", has_text="Passport").get_by_role("link").click()
    await page.wait_for_url(re.compile(r"/book/town/B\?"))

    # 2. The first day with free times; 3. its first free time; 4. the form.
    await check_page(page)
    booked_day = await choose_day(page)
    await check_page(page)
    booked_at = await choose_time(page)
    await page.get_by_role("button", name="Continue").click()
    await page.wait_for_url(re.compile(r"/details\?"))
    await page.get_by_role("button", name="Book this appointment").click()  # nothing filled in
    await page.wait_for_selector(".error-summary")
    await check_page(page)
    assert await page.get_by_label("E-mail address").get_attribute("aria-describedby") == "contact-hint email-error"
    await page.get_by_label("Your name (optional)").fill("Zoë Peeters")
    await page.get_by_label("E-mail address").fill("zoe@example.org")
    await page.get_by_label("E-mail address").press("Enter")  # the keyboard submits the form

    # 5. The confirmation, with the code and its QR code.
    await page.wait_for_url(re.compile(r"/booking/[\w-]+\?"))
    manage_url = page.url.split("?")[0]
    assert "Your appointment is booked." in (await page.locator(".done").text_content() or "")
    code = (await page.locator("#code").text_content() or "").strip()
    assert re.fullmatch(r"[2-9A-Z]{4}-[2-9A-Z]{4}", code)
    assert await page.locator(".qr svg path").count() == 1
    assert booked_at in (await page.locator("dl.summary").first.text_content() or "")
    await check_page(page)

    # The .ics file: the appointment at the booked local time, in Brussels time.
    async with page.expect_download() as downloading:
        await page.get_by_role("link", name="Add to my calendar (.ics file)").click()
    download = await downloading.value
    assert download.suggested_filename == f"appointment-{code}.ics"
    path = await download.path()
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    event = calendar.walk("VEVENT")[0]
    start = event.decoded("dtstart")
    assert isinstance(start, datetime)
    assert start.tzinfo is not None
    assert event["dtstart"].params["TZID"] == "Europe/Brussels"
    assert [str(tz["tzid"]) for tz in calendar.walk("VTIMEZONE")] == ["Europe/Brussels"]
    local = start.astimezone(BRUSSELS)
    assert (local.date(), local.strftime("%H:%M")) == (booked_day, booked_at)
    assert code in str(event["description"])

    assert await slot_state(page, server.url, booked_day, booked_at) == "full"

    # Move: the last offered day (six weeks out, all its times free), its first time.
    await page.goto(manage_url + "?lang=en")
    await page.get_by_role("link", name="Move to another day or time").click()
    await page.wait_for_url(re.compile(r"/move\?"))
    moved_day = await choose_day(page, last=True)
    moved_at = await choose_time(page)
    await page.get_by_role("button", name="Move to this time").click()
    await page.wait_for_url(re.compile(r"done=moved"))
    assert await page.locator(".done").text_content() == "Your appointment was moved."
    assert moved_at in (await page.locator("dl.summary").first.text_content() or "")
    assert await slot_state(page, server.url, booked_day, booked_at) == "free"
    assert await slot_state(page, server.url, moved_day, moved_at) == "full"

    # Cancel: the link only asks; the button cancels.
    await page.goto(manage_url + "?lang=en")
    await page.get_by_role("link", name="Cancel the appointment").click()
    await page.wait_for_url(re.compile(r"/cancel\?"))
    assert await page.locator("h1").text_content() == "Cancel your appointment?"
    assert await slot_state(page, server.url, moved_day, moved_at) == "full"  # asking changed nothing
    await page.goto(manage_url + "/cancel?lang=en")
    await page.get_by_role("button", name="Yes, cancel my appointment").click()
    await page.wait_for_url(re.compile(r"done=cancelled"))
    assert "This appointment was cancelled." in (await page.locator(".state").text_content() or "")
    assert await page.get_by_role("link", name="Move to another day or time").count() == 0

    # The freed time is bookable again, by someone else.
    assert await slot_state(page, server.url, moved_day, moved_at) == "free"
    await page.locator(f"label[for='time-{moved_at.replace(':', '')}']").click()
    await page.get_by_role("button", name="Continue").click()
    await page.get_by_label("Mobile number").fill("0470 12 34 56")
    await page.get_by_label("by SMS").check()
    await page.get_by_role("button", name="Book this appointment").click()
    await page.wait_for_url(re.compile(r"done=booked"))
    assert await slot_state(page, server.url, moved_day, moved_at) == "full"

    assert all(url.startswith(server.url) for url in requested), requested
    await context.close()
