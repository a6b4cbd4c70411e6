"""Every HTML page of a real `loket serve` in real headless Chromium: each comes with a Content-Security-Policy
that allows no inline script, and works under it (no refusal reported, nothing loaded from elsewhere), the API
reference pages included; the display and the dashboard trade their `?token=` for a cookie and keep working."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, Page

from scheduler.model import Role
from tests.browser.policy import watch
from tests.support import OFFICE, Seeded, Server, running_server


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def token(self, role: Role) -> str:
        return self.seeded.tokens[role]

    def post(self, path: str, role: Role, body: dict[str, object] | None = None) -> dict[str, object]:
        headers = {"Authorization": f"Bearer {self.token(role)}"}
        r = httpx.post(f"{self.server.url}{path}", json=body, headers=headers, timeout=10)
        assert r.is_success, r.text
        return dict(r.json())

    def status_path(self) -> str:
        ticket = self.post("/api/offices/town/tickets", Role.KIOSK, {"service": "A", "language": "en"})
        return "/t/" + str(ticket["status_url"]).rsplit("/", 1)[1]


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


END = "loket-test: nothing more before this"
SERVICES_SHOWN = "document.querySelectorAll('#services tbody tr').length > 0"
# ReDoc draws Redocly's logo from Redocly's site, whatever its options: the policy keeps it out, and says so.
REDOCLY_LOGO = "Loading the image 'https://cdn.redoc.ly/redoc/logo-mini.svg' violates"
# (what, address, a sign that the page is drawn: a selector or a script condition, the refusals expected)
PAGES: list[tuple[str, Callable[[Office], str], str, tuple[str, ...]]] = [
    ("display", lambda o: f"/display/town?token={o.token(Role.DISPLAY)}", SERVICES_SHOWN, ()),
    ("display refusal", lambda _o: "/display/town", "h1", ()),
    ("dashboard", lambda o: f"/manage/town?token={o.token(Role.MANAGER)}", "h1", ()),
    ("dashboard refusal", lambda _o: "/manage/town?token=wrong", "h1", ()),
    ("status", lambda o: o.status_path(), "h1", ()),
    ("booking", lambda _o: "/book/town?lang=en", "ul.services", ()),
    ("ideas", lambda _o: "/ideas/town?lang=en", "h1", ()),
    ("swagger ui", lambda _o: "/docs", ".swagger-ui .opblock", ()),
    ("redoc", lambda _o: "/redoc", "redoc h1", (REDOCLY_LOGO,)),
]


async def settled(page: Page) -> None:
    """Wait until what the page's scripts load or open after drawing has been asked for, answered and reported.

    Playwright's network idle: the page has loaded and has had no request in flight for 500 ms (its websocket
    and event stream aside), however long its requests took. Then a marker written to the console: the
    browser reports in order, so every refusal and request before it has reached the watch."""
    await page.wait_for_load_state("networkidle")
    async with page.expect_console_message(lambda message: message.text == END):
        await page.evaluate("(end) => console.log(end)", END)


@pytest.mark.parametrize(("what", "address", "drawn", "expected"), PAGES, ids=[p[0] for p in PAGES])
async def test_every_page_has_a_policy_without_inline_script_and_works_under_it(
    browser: Browser, office: Office, what: str, address: Callable[[Office], str], drawn: str, expected: tuple[str, ...]
) -> None:
    page = await browser.new_page()
    seen = watch(page)
    answer = await page.goto(office.server.url + address(office))
    assert answer is not None
    if drawn.startswith("document."):
        await page.wait_for_function(f"() => {drawn}")
    else:
        await page.wait_for_selector(drawn)
    await settled(page)
    headers = await answer.all_headers()
    policy = {d.split()[0]: d.split()[1:] for d in headers["content-security-policy"].split("; ")}
    assert policy.get("script-src", policy["default-src"]) == ["'self'"], what
    assert policy["frame-ancestors"] == ["'none'"]
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"
    assert [v for v in seen.violations if not v.startswith(expected)] == [], what
    ours = (office.server.url, office.server.ws, f"blob:{office.server.url}")
    refused = " ".join(seen.violations)  # asked for, and kept out by the policy
    assert [url for url in seen.requested if not url.startswith(ours) and url not in refused] == [], what


async def test_the_display_opened_with_its_token_moves_it_to_a_cookie_and_still_shows_calls_live(
    browser: Browser, office: Office
) -> None:
    secret = office.token(Role.DISPLAY)
    counter = office.seeded.counters["1"]
    office.post(f"/api/counters/{counter}/open", Role.CLERK)
    office.post("/api/offices/town/tickets", Role.KIOSK, {"service": "A", "language": "nl"})
    page = await browser.new_page()
    seen = watch(page)
    await page.goto(f"{office.server.url}/display/town?token={secret}&lang=fr,nl")
    assert page.url == f"{office.server.url}/display/town?lang=fr%2Cnl"
    await page.wait_for_function(f"() => {SERVICES_SHOWN}")
    office.post(f"/api/counters/{counter}/call-next", Role.CLERK)
    await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A001'")
    await page.reload()  # a TV that reloads the clean address
    await page.wait_for_function("() => document.getElementById('latest-number').textContent === 'A001'")
    assert secret not in await page.content()
    assert [url for url in seen.requested[1:] if secret in url] == []  # only the first address carried it
    cookies = [c for c in await page.context.cookies() if c["name"] != "loket_site"]  # the pages' own, constant
    assert [(c["name"], c["path"], c["httpOnly"], c["sameSite"]) for c in cookies] == [
        ("loket_display", "/display/town", True, "Strict")
    ]
    assert seen.violations == []


async def test_the_dashboard_opened_with_its_token_moves_it_to_a_cookie_and_its_links_work(
    browser: Browser, office: Office
) -> None:
    secret = office.token(Role.MANAGER)
    page = await browser.new_page()
    await page.goto(f"{office.server.url}/manage/town?token={secret}")
    assert page.url == f"{office.server.url}/manage/town"
    await page.get_by_role("link", name="7 days").click()
    await page.wait_for_url(f"{office.server.url}/manage/town?days=7")
    assert "7 days" in (await page.locator("strong", has_text="days").text_content() or "")
    assert secret not in await page.content()
