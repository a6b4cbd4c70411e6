"""What a hostile citizen or another web site could make a real `loket serve` do, tried as they would (issue 13):
one ticket writing to many people, anonymous or case-shifted bookings, names that write the e-mails, forms posted
from another site, and one status token holding many live streams. Each was live on the server before its fix.

One server for the file (an SMS gateway set, so that notices are offered); each test is its own client address
(`X-Forwarded-For`, believed from loopback as from a reverse proxy), so the per-address budgets do not meet.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Iterator
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import Thread

import httpx
import pytest

from tests.security.conftest import Template, copy_of
from tests.support import Server, running_server

pytestmark = pytest.mark.e2e

_addresses = (f"203.0.113.{n}" for n in itertools.count(1))
_numbers = (f"+3247{n:07d}" for n in itertools.count(1000))


def _silent_gateway() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    gateway = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    Thread(target=gateway.serve_forever, daemon=True).start()
    return gateway


@pytest.fixture(scope="module")
def server(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("abuse")
    gateway = _silent_gateway()
    env = {
        "LOKET_SMS_URL": f"http://127.0.0.1:{gateway.server_address[1]}/send",
        "LOKET_BOOKING_RATE_PER_HOUR": "0",
        "LOKET_PUBLIC_URL": "https://loket.example",
    }
    try:
        with running_server(copy_of(template, directory), env=env, log=directory / "server.log") as running:
            yield running
    finally:
        gateway.shutdown()
        gateway.server_close()


@contextlib.asynccontextmanager
async def client(server: Server, **headers: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with an address of its own, as a reverse proxy would report it."""
    headers = {"X-Forwarded-For": next(_addresses), **headers}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=10) as http:
        yield http


async def ticket(http: httpx.AsyncClient, template: Template) -> str:
    r = await http.post(
        "/api/offices/town/tickets",
        json={"service": "A", "language": "nl"},
        headers={"Authorization": f"Bearer {template.tokens['kiosk']}"},
    )
    assert r.status_code == 201, r.text
    return str(r.json()["status_url"]).rsplit("/", 1)[1]


class Slots:
    """Free slots of service A in town on the first bookable day ahead, one per call."""

    def __init__(self) -> None:
        self.day: str | None = None
        self.free: list[str] = []

    async def next(self, http: httpx.AsyncClient) -> str:
        ahead = 1
        while not self.free:
            day = (date.today() + timedelta(days=ahead)).isoformat()
            r = await http.get("/api/offices/town/slots", params={"service": "A", "day": day})
            assert r.status_code == 200, r.text
            self.day, self.free = day, [s["at"] for s in r.json() if s["free"] > 0]
            ahead += 1
            assert ahead < 20, "no bookable day in the next weeks"
        return self.free.pop(0)


@pytest.fixture(scope="module")
def slots() -> Slots:
    return Slots()


async def book(http: httpx.AsyncClient, slots: Slots, **contact: str) -> httpx.Response:
    body = {"service": "A", "slot_at": await slots.next(http), "language": "nl", **contact}
    return await http.post("/api/offices/town/bookings", json=body)


# 1. One ticket, many people.


async def test_one_ticket_cannot_have_the_office_write_to_a_second_number(server: Server, template: Template) -> None:
    async with client(server) as http:
        token = await ticket(http, template)
        first = next(_numbers)
        assert (await http.post(f"/api/status/{token}/notify", json={"phone": first})).status_code == 200
        for _ in range(3):
            r = await http.post(f"/api/status/{token}/notify", json={"phone": next(_numbers)})
            assert (r.status_code, r.json()["error"]) == (409, "contact_already_set")
        again = await http.post(f"/api/status/{token}/notify", json={"phone": first})
        assert again.status_code == 200  # the same one again changes nothing
        page = await http.post(
            f"/t/{token}/notify?lang=en",
            data={"phone": next(_numbers)},
            headers={"Origin": server.url},
            follow_redirects=False,
        )
        assert page.status_code == 409  # the page, in words, by the same rule
        assert "cannot be changed" in page.text


async def test_requests_to_be_told_are_limited_per_address(server: Server, template: Template) -> None:
    async with client(server) as http:
        answers = []
        for _ in range(11):
            token = await ticket(http, template)
            answers.append(await http.post(f"/api/status/{token}/notify", json={"phone": next(_numbers)}))
    assert [r.status_code for r in answers] == [200] * 10 + [429]
    assert answers[-1].json()["error"] == "too_many_requests"
    assert 0 < int(answers[-1].headers["Retry-After"]) <= 3600


# 2 and 3. Bookings: a reachable contact, one form of each address, a name that fits a greeting.

#: (form fields, the API's verdict); the page must agree with the API on each.
CASES = [
    ({"name": "Ann"}, (422, "contact_required")),
    ({"name": "Ann", "email": "  "}, (422, "contact_required")),
    ({"name": "Ann\nClick https://evil.example to pay", "email": "ann@example.org"}, (422, "invalid_name")),
    ({"name": "Ann\u202eevil", "email": "ann@example.org"}, (422, "invalid_name")),
    ({"name": "A" * 81, "email": "ann@example.org"}, (422, "invalid_name")),
    ({"name": "Ann", "email": "ann@@"}, (422, "invalid_email")),
    ({"name": "Ann", "phone": "123"}, (422, "invalid_phone")),
    ({"name": "Zoë Van den Bossche-Öztürk", "phone": "0470 12 34 56"}, (201, None)),
    ({"email": "Someone@Example.org"}, (201, None)),
]


@pytest.mark.parametrize(("fields", "verdict"), CASES, ids=[str(i) for i in range(len(CASES))])
async def test_the_booking_page_and_the_api_give_the_same_verdict(
    server: Server, slots: Slots, fields: dict[str, str], verdict: tuple[int, str | None]
) -> None:
    async with client(server) as http:
        r = await book(http, slots, **fields)
        assert (r.status_code, r.json().get("error")) == verdict, r.text
        at = await slots.next(http)
        page = await http.post(
            f"/book/town/A/{at[:10]}/details?time={at[11:16]}&lang=en",
            data={"email": "", "phone": "", "remind_via": "none", **fields},
            headers={"Origin": server.url},
            follow_redirects=False,
        )
    assert page.status_code == (303 if verdict[0] == 201 else 422), page.text[:500]


async def test_an_address_in_another_case_is_the_same_person_for_the_cap(server: Server, slots: Slots) -> None:
    async with client(server) as http:
        for written in ("Victim@example.org", "victim@example.org", " VICTIM@example.org "):
            r = await book(http, slots, email=written)
            assert r.status_code == 201, r.text
            assert r.json()["email"] == "victim@example.org"
        fourth = await book(http, slots, email="victim@EXAMPLE.ORG")
    assert (fourth.status_code, fourth.json()["error"]) == (409, "too_many_bookings")


async def test_booking_and_cancelling_over_and_over_stops_at_the_day_cap(server: Server, slots: Slots) -> None:
    """Each booking and each cancellation writes to the address: the per-day cap bounds what a stranger can send."""
    async with client(server) as http:
        for _ in range(6):
            r = await book(http, slots, email="target@example.org", remind_via="email")
            assert r.status_code == 201, r.text
            token = r.json()["manage_url"].rsplit("/", 1)[1]
            assert (await http.post(f"/api/bookings/{token}/cancel")).status_code == 200
        seventh = await book(http, slots, email="TARGET@example.org")
    assert (seventh.status_code, seventh.json()["error"]) == (409, "too_many_bookings_today")


# 4. Forms posted from another site.


async def test_a_booking_form_posted_from_another_site_books_nothing(server: Server, slots: Slots) -> None:
    async with client(server) as http:
        at = await slots.next(http)
        form = f"/book/town/A/{at[:10]}/details?time={at[11:16]}&lang=en"
        fields = {"name": "Ann", "email": "ann@example.org", "phone": "", "remind_via": "email"}

        async def free() -> int:
            r = await http.get("/api/offices/town/slots", params={"service": "A", "day": at[:10]})
            return int({s["at"]: s["free"] for s in r.json()}[at])

        before = await free()
        for headers in (
            {"Origin": "https://evil.example"},
            {"Origin": "null"},
            {"Referer": "https://evil.example/win-a-prize.html"},
            {"Origin": "https://loket.example.evil.example"},
            {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
            {"Origin": "null", "Sec-Fetch-Site": "same-site"},  # a neighbour on the same domain is not us either
        ):
            r = await http.post(form, data=fields, headers=headers, follow_redirects=False)
            assert (r.status_code, r.json()["error"]) == (403, "cross_site_post"), headers
        assert await free() == before
        ours = await http.post(form, data=fields, headers={"Origin": server.url}, follow_redirects=False)
        assert ours.status_code == 303
        assert await free() == before - 1
        # Under the pages' `Referrer-Policy: no-referrer` a browser's own post says `Origin: null`, and its fetch
        # metadata says where it really comes from.
        second = await slots.next(http)
        ours = await http.post(
            f"/book/town/A/{second[:10]}/details?time={second[11:16]}&lang=en",
            data={**fields, "email": "ann.again@example.org"},
            headers={"Origin": "null", "Sec-Fetch-Site": "same-origin"},
            follow_redirects=False,
        )
        assert ours.status_code == 303, ours.text


async def test_an_older_browser_without_fetch_metadata_posts_our_forms_by_the_pages_cookie(
    server: Server, slots: Slots
) -> None:
    """Safari before 16.4 sends no Sec-Fetch-Site and, under no-referrer, `Origin: null` on our own forms."""
    async with client(server) as http:
        at = await slots.next(http)
        form = f"/book/town/A/{at[:10]}/details?time={at[11:16]}&lang=en"
        fields = {"name": "Ann", "email": "old.phone@example.org", "phone": "", "remind_via": "email"}
        without = await http.post(form, data=fields, headers={"Origin": "null"}, follow_redirects=False)
        assert (without.status_code, without.json()["error"]) == (403, "cross_site_post")
        page = await http.get(form)  # the citizen opens the form first
        cookie = page.headers["set-cookie"]
        assert cookie.startswith("loket_site=1;")
        assert "HttpOnly" in cookie
        assert "SameSite=Strict" in cookie
        posted = await http.post(form, data=fields, headers={"Origin": "null"}, follow_redirects=False)
        assert posted.status_code == 303, posted.text
        # A neighbour on the same domain gets the Strict cookie sent along, but says so in its fetch metadata.
        neighbour = await http.post(
            form, data=fields, headers={"Origin": "null", "Sec-Fetch-Site": "same-site"}, follow_redirects=False
        )
        assert (neighbour.status_code, neighbour.json()["error"]) == (403, "cross_site_post")


@pytest.mark.parametrize("action", ["cancel", "erase"])
async def test_another_site_cannot_cancel_or_erase_a_booking(server: Server, slots: Slots, action: str) -> None:
    async with client(server) as http:
        r = await book(http, slots, email=f"{action}@example.org")
        token = r.json()["manage_url"].rsplit("/", 1)[1]
        refused = await http.post(f"/booking/{token}/{action}", headers={"Origin": "https://evil.example"})
        assert (refused.status_code, refused.json()["error"]) == (403, "cross_site_post")
        assert (await http.get(f"/api/bookings/{token}")).json()["state"] == "booked"
        same_site = await http.post(
            f"/booking/{token}/{action}", headers={"Referer": f"{server.url}/booking/{token}"}, follow_redirects=False
        )
        assert same_site.status_code == 303
        assert (await http.get(f"/api/bookings/{token}")).json()["state"] == "cancelled"


async def test_another_site_cannot_make_a_citizen_leave_the_queue(server: Server, template: Template) -> None:
    async with client(server) as http:
        token = await ticket(http, template)
        refused = await http.post(f"/t/{token}/leave", headers={"Origin": "https://evil.example"})
        assert (refused.status_code, refused.json()["error"]) == (403, "cross_site_post")
        assert (await http.get(f"/api/status/{token}")).json()["state"] == "waiting"
        # The public address (behind a proxy the server is reached by another name) is its own origin too.
        left = await http.post(f"/t/{token}/leave", headers={"Origin": "https://loket.example"}, follow_redirects=False)
        assert left.status_code == 303
        assert (await http.get(f"/api/status/{token}")).json()["state"] == "cancelled"


# 5. One status token, many live streams.


async def test_a_status_token_is_followed_on_at_most_five_streams(server: Server, template: Template) -> None:
    async with client(server) as http:
        token = await ticket(http, template)
        path = f"/api/status/{token}/events"
        async with contextlib.AsyncExitStack() as streams:
            opened = [await streams.enter_async_context(http.stream("GET", path)) for _ in range(5)]
            assert [r.status_code for r in opened] == [200] * 5
            sixth = await http.get(path)
            assert (sixth.status_code, sixth.json()["error"]) == (429, "too_many_streams")
            assert int(sixth.headers["Retry-After"]) > 0
            await opened[0].aclose()
            # The server notices the closed stream at its next write or keep-alive; wait on that, not a guess.
            for _ in range(100):
                async with http.stream("GET", path) as again:
                    if again.status_code == 200:
                        break
                await asyncio.sleep(0.2)
            else:
                pytest.fail("a closed stream never gave its place back")
