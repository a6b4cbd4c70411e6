"""The ticket's status page over HTTP, in process: what it says in Dutch, French and English, every action
without JavaScript (a form, a 303 back, a refusal in words), the happiness question after the visit, and the
live status as server-sent events."""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser
from typing import Any

import httpx
import pytest
import sqlalchemy
from fastapi import FastAPI

from api import status_events
from scheduler.model import Role
from server import create_app
from settings import Settings
from tests.api.conftest import Api, Clock, Gateway, Inbox, gateway, inbox  # noqa: F401 - fixtures
from tests.support import OFFICE, Seeded

IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"nl": "Duidelijker borden", "fr": "Panneaux plus clairs", "en": "Clearer signs"}},
    {"code": "hours", "names": {"nl": "Ruimere uren", "fr": "Horaires plus larges", "en": "Longer hours"}},
    {"code": "chairs", "names": {"nl": "Meer stoelen", "fr": "Plus de chaises", "en": "More chairs"}},
]
STATUS_OFFICE = {**OFFICE, "improvement": IMPROVEMENTS, "late_places": 3, "timed_return": True}


class Page(HTMLParser):
    """A page taken apart: its elements with their attributes, its text, and the text of elements by id."""

    def __init__(self, raw: str) -> None:
        super().__init__()
        self.raw = raw
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.texts: list[str] = []
        self.feed(raw)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    def handle_data(self, data: str) -> None:
        self.texts.append(data)

    @property
    def text(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.texts))

    def all(self, tag: str, **attrs: str) -> list[dict[str, str]]:
        return [a for t, a in self.elements if t == tag and all(a.get(k) == v for k, v in attrs.items())]

    def one(self, tag: str, **attrs: str) -> dict[str, str]:
        found = self.all(tag, **attrs)
        assert len(found) == 1, f"{len(found)} <{tag} {attrs}>"
        return found[0]

    def text_of(self, id_: str) -> str:
        found = re.search(rf'<(\w+)[^>]*\bid="{re.escape(id_)}"[^>]*>(.*?)</\1>', self.raw, re.DOTALL)
        assert found, f"no element with id {id_!r}"
        return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", found[2]))).strip()


def parse(r: httpx.Response) -> Page:
    assert r.headers["content-type"].startswith("text/html"), r.text
    return Page(r.text)


class Office(Api):
    app: FastAPI

    async def ticket(self, service: str = "A", language: str = "en") -> str:
        """A new ticket's status token."""
        return str((await self.issue(service, language))["status_url"]).rsplit("/", 1)[1]

    async def page(self, token: str, query: str = "", status: int = 200) -> Page:
        r = await self.http.get(f"/t/{token}{query}")
        assert r.status_code == status, r.text
        return parse(r)

    async def form(self, token: str, action: str, status: int = 303, **fields: Any) -> httpx.Response:
        r = await self.http.post(f"/t/{token}/{action}?lang=en", data=fields)
        assert r.status_code == status, r.text
        return r

    async def status(self, token: str) -> dict[str, Any]:
        return dict((await self.http.get(f"/api/status/{token}")).json())

    async def call(self, counter: str = "1") -> dict[str, Any]:
        counter_id = self.seeded.counters[counter]
        r = await self.http.post(f"/api/counters/{counter_id}/call-next", headers=self.auth(Role.CLERK))
        assert r.status_code == 200, r.text
        return dict(r.json())

    async def ticket_action(self, ticket: dict[str, Any], action: str, counter: str = "1") -> None:
        r = await self.http.post(
            f"/api/tickets/{ticket['id']}/{action}",
            json={"counter": self.seeded.counters[counter]},
            headers=self.auth(Role.CLERK),
        )
        assert r.status_code == 200, r.text

    async def served(self) -> str:
        """The token of a ticket whose visit just ended."""
        token = await self.ticket("C")
        await self.open("3")
        await self.ticket_action(await self.call("3"), "finish", "3")
        return token


@pytest.fixture
async def office(
    sqlite_url: str,
    seeder: Callable[..., Seeded],
    inbox: tuple[Inbox, int],  # noqa: F811 - the fixture imported above
    gateway: Gateway,  # noqa: F811
) -> AsyncIterator[Office]:
    """The app in process on the status office, able to send e-mails and SMS (to a real SMTP server and gateway)."""
    seeded, clock = seeder(sqlite_url, STATUS_OFFICE), Clock()
    settings = Settings(
        database_url=sqlite_url,
        public_url="https://loket.example",
        smtp_host="127.0.0.1",
        smtp_port=inbox[1],
        sms_url=gateway.url,
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            served = Office(http, seeded, clock, app.state.parts)
            served.app = app
            yield served


def visible(page: Page, tag: str, id_: str) -> bool:
    return "hidden" not in page.one(tag, id=id_)


# What the page says.


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("nl", ["Uw ticket", "Identiteitskaart", "2 personen vóór u", "Wachtrij verlaten"]),
        ("fr", ["Votre ticket", "Carte d'identité", "2 personnes devant vous", "Quitter la file d'attente"]),
        ("en", ["Your ticket", "Identity card", "2 people ahead of you", "Leave the queue"]),
    ],
)
async def test_the_page_speaks_the_ticket_language_or_the_one_asked_for(
    office: Office, language: str, says: list[str]
) -> None:
    for _ in range(2):
        await office.ticket("A")
    token = await office.ticket("A", language)
    for query in ("", f"?lang={language}"):
        page = await office.page(token, query)
        assert page.one("html")["lang"] == language
        text = page.text.replace("’", "'")
        for words in says:
            assert words in text, words


async def test_a_waiting_ticket_shows_the_people_ahead_and_the_wait_with_its_range(office: Office) -> None:
    for _ in range(4):
        await office.ticket("B")
    token = await office.ticket("B")
    status = await office.status(token)
    low, high = (round(s / 60) for s in status["estimated_wait_range_s"])
    assert low < high
    page = await office.page(token)
    assert "4 people ahead of you" in page.text
    minutes = round(status["estimated_wait_s"] / 60)
    assert re.fullmatch(rf"about {minutes} minutes \((\d+)–(\d+)\)", page.text_of("wait"))


async def test_a_called_ticket_says_which_counter_and_a_recall_says_so(office: Office) -> None:
    token = await office.ticket("A", "fr")
    await office.open("2")
    ticket = await office.call("2")
    page = await office.page(token)
    assert page.one("body")["class"] == "state-called"
    assert "C'est votre tour : veuillez vous présenter au guichet 2." in page.text.replace("’", "'")
    assert not visible(page, "dd", "ahead")
    await office.ticket_action(ticket, "recall", "2")
    again = await office.page(token, "?lang=en")
    assert "You were called again: please go to counter 2." in again.text


async def test_the_page_loads_nothing_from_elsewhere_and_is_not_kept(office: Office) -> None:
    token = await office.ticket("A")
    r = await office.http.get(f"/t/{token}")
    assert r.headers["cache-control"] == "no-store"
    assert "default-src 'self'" in r.headers["content-security-policy"]
    page = parse(r)
    assert page.one("meta", name="referrer")["content"] == "no-referrer"
    links = [a.get("src") or a.get("href") or a.get("action") or "" for _, a in page.elements]
    assert [link for link in links if "//" in link] == []
    assert page.one("script", src="/static/status.js")
    for static in ("/static/status.js", "/static/status.css"):
        assert (await office.http.get(static)).status_code == 200
    # The refresh only for browsers without JavaScript.
    assert '<noscript><meta http-equiv="refresh" content="15"></noscript>' in r.text
    assert r.text.count('http-equiv="refresh"') == 1


async def test_an_unknown_code_gets_a_readable_page_in_the_language_asked_for(office: Office) -> None:
    page = await office.page("not-a-code", "?lang=fr", status=404)
    assert "Aucun ticket" in page.text or "aucun ticket" in page.text
    # The QR of a ticket an offline kiosk printed leads here until the kiosk syncs it: the citizen is told so.
    assert "la borne est de nouveau en ligne" in page.text


# Actions without JavaScript.


async def test_leaving_asks_first_then_cancels_and_a_second_time_is_refused_in_words(office: Office) -> None:
    token = await office.ticket("A")
    confirm = await office.page(token, "/leave?lang=en")
    assert confirm.one("form", method="post")["action"] == f"/t/{token}/leave?lang=en"
    assert (await office.status(token))["state"] == "waiting"
    r = await office.form(token, "leave")
    assert r.headers["location"] == f"/t/{token}?lang=en&done=left"
    page = await office.page(token, "?lang=en&done=left")
    assert "You left the queue." in page.text
    assert "This ticket was cancelled." in page.text
    assert not visible(page, "section", "leave")
    refused = parse(await office.form(token, "leave", status=409))
    assert "Your ticket is no longer waiting, so this can no longer be done." in refused.text_of("problem")


async def test_running_late_moves_back_once_and_says_how_far(office: Office) -> None:
    tokens = []
    for _ in range(5):
        tokens.append(await office.ticket("C"))
        office.clock.advance(seconds=20)
    page = await office.page(tokens[0])
    assert "You move back 3 places in the queue. You can do this once." in page.text
    await office.form(tokens[0], "late")
    after = await office.page(tokens[0], "?lang=en&done=late")
    assert "You moved back 3 places in the queue." in after.text
    assert "3 people ahead of you" in after.text
    assert not visible(after, "section", "late")
    refused = parse(await office.form(tokens[0], "late", status=409))
    assert "You already moved back once" in refused.text_of("problem")


async def test_accepting_to_come_back_later_shows_the_time_to_be_back(office: Office) -> None:
    await office.open("1")
    tokens = [await office.ticket("B") for _ in range(3)]
    status = await office.status(tokens[2])
    assert status["timed_return_offer"] is not None
    page = await office.page(tokens[2])
    assert visible(page, "section", "offer")
    offered = page.text_of("offer-at")
    await office.form(tokens[2], "timed-return")
    after = await office.page(tokens[2], "?lang=en&done=return")
    assert not visible(after, "section", "offer")
    assert visible(after, "section", "returning")
    assert after.text_of("return-at") == offered
    refused = parse(await office.form(tokens[2], "timed-return", status=409))
    assert "Coming back later is not (or no longer) offered" in refused.text_of("problem")


async def test_asking_to_be_told_shows_it_is_set_without_showing_the_address(office: Office) -> None:
    token = await office.ticket("A")
    bad = parse(await office.form(token, "notify", status=422, phone="123"))
    assert "Enter a phone number like 0470 12 34 56" in bad.text_of("problem")
    empty = parse(await office.form(token, "notify", status=422, email="", phone=""))
    assert "Enter an e-mail address or a mobile number." in empty.text_of("problem")
    await office.form(token, "notify", email="", phone="0470 12 34 56")
    r = await office.http.get(f"/t/{token}?lang=en&done=notify")
    page = parse(r)
    assert visible(page, "p", "notified")
    assert not visible(page, "section", "notify")
    assert "470" not in r.text
    assert (await office.status(token))["notify_requested"] is True


# The happiness question.


async def test_without_a_way_to_send_messages_the_page_does_not_offer_them(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url, STATUS_OFFICE)
    app = create_app(Settings(database_url=sqlite_url), clock=Clock())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            office = Office(http, seeded, Clock(), app.state.parts)
            token = await office.ticket("A")
            page = await office.page(token)
            assert not visible(page, "section", "notify")
            assert page.all("input", name="email") == []
            refused = parse(await office.form(token, "notify", status=409, email="zoe@example.org"))
            assert "Messages cannot be sent that way from this office." in refused.text_of("problem")
            assert (await office.status(token))["notify_requested"] is False


async def test_the_happiness_question_comes_only_after_the_visit(office: Office) -> None:
    token = await office.ticket("A")
    assert not visible(await office.page(token), "section", "happiness")
    refused = parse(await office.form(token, "happiness", status=409, score="8"))
    assert "This question comes after your visit." in refused.text_of("problem")
    done = await office.served()
    page = await office.page(done, "?lang=nl")
    assert visible(page, "section", "happiness")
    assert page.one("input", type="radio", value="10")
    assert "Duidelijker borden" in page.text
    assert len(page.all("input", type="checkbox", name="improvement")) == 4


async def test_more_than_three_improvements_are_refused_in_words_and_nothing_is_stored(office: Office) -> None:
    token = await office.served()
    chosen = ["wait", "signs", "hours", "chairs"]
    r = await office.form(token, "happiness", status=422, score="6", improvement=chosen)
    page = parse(r)
    assert "Choose at most 3 things." in page.text_of("problem")
    assert page.one("input", type="radio", value="6").get("checked") is not None
    no_score = parse(await office.form(token, "happiness", status=422, improvement=["wait"]))
    assert "Choose a score from 1 to 10." in no_score.text_of("problem")
    assert rows(office) == []


async def test_an_answer_is_stored_once_and_thanked_for(office: Office) -> None:
    token = await office.served()
    r = await office.form(token, "happiness", score="8", improvement=["wait", "signs"])
    assert r.headers["location"] == f"/t/{token}?lang=en&done=happiness"
    page = await office.page(token, "?lang=en&done=happiness")
    assert "Thank you for your answer!" in page.text
    assert not visible(page, "section", "happiness")
    assert rows(office) == [(8, "wait signs")]
    again = parse(await office.form(token, "happiness", status=409, score="3"))
    assert "You already answered this question." in again.text_of("problem")
    assert rows(office) == [(8, "wait signs")]


def rows(office: Office) -> list[tuple[int, str]]:
    with office.seeded.db.engine.connect() as conn:
        found = conn.execute(sqlalchemy.text("SELECT * FROM happiness")).mappings().all()
    return [(row["score"], " ".join(json.loads(row["improvements"]) if row["improvements"] else [])) for row in found]


# Live: server-sent events.


class Events:
    """`GET /api/status/{token}/events` on the app itself (httpx's ASGI transport waits for the whole body)."""

    def __init__(self, app: FastAPI, path: str) -> None:
        self.app, self.path = app, path
        self.received: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.incoming: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.buffer = ""
        self.task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Events:
        scope = {
            "type": "http",
            "asgi": {"version": "3.0", "spec_version": "2.3"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": self.path,
            "raw_path": self.path.encode(),
            "query_string": b"",
            "root_path": "",
            "headers": [(b"host", b"loket.test"), (b"accept", b"text/event-stream")],
            "server": ("loket.test", 80),
            "client": ("127.0.0.1", 50000),
        }
        await self.incoming.put({"type": "http.request", "body": b"", "more_body": False})
        self.task = asyncio.create_task(self.app(scope, self.incoming.get, self.received.put))  # type: ignore[arg-type]
        self.start = await asyncio.wait_for(self.received.get(), 5)
        return self

    @property
    def headers(self) -> dict[str, str]:
        return {k.decode(): v.decode() for k, v in self.start["headers"]}

    async def chunk(self, within: float) -> str:
        message = await asyncio.wait_for(self.received.get(), within)
        assert message["type"] == "http.response.body"
        return bytes(message.get("body", b"")).decode()

    async def status(self, within: float = 3) -> dict[str, Any]:
        """The next `event: status`, skipping comments."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while True:
            while "\n\n" in self.buffer:
                block, self.buffer = self.buffer.split("\n\n", 1)
                lines = [line for line in block.split("\n") if not line.startswith(":")]
                fields = dict(line.split(": ", 1) for line in lines if ": " in line)
                if fields.get("event") == "status":
                    return dict(json.loads(fields["data"]))
            self.buffer += await self.chunk(max(0.01, deadline - loop.time()))

    async def until(self, state: str, within: float = 3) -> dict[str, Any]:
        """The first status in `state` (a change before it, such as a new estimate, may come first)."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + within
        while (status := await self.status(max(0.01, deadline - loop.time())))["state"] != state:
            pass
        return status

    async def __aexit__(self, *_exc: object) -> None:
        await self.incoming.put({"type": "http.disconnect"})
        assert self.task is not None
        await asyncio.wait_for(self.task, 5)


async def test_the_events_start_with_the_status_and_follow_the_call(office: Office) -> None:
    token = await office.ticket("A")
    async with Events(office.app, f"/api/status/{token}/events") as events:
        assert events.headers["content-type"].startswith("text/event-stream")
        assert events.headers["cache-control"] == "no-store"
        first = await events.status()
        assert first == await office.status(token)
        assert first["state"] == "waiting"
        await office.open("2")
        await office.call("2")
        called = await events.until("called")
        assert called["counter"]["name"] == "2"
    assert office.parts.hub.listeners("town") == 0  # the client went away: nothing left behind


async def computed(office: Office, after: int, within: float = 3) -> None:
    """Wait until the office's status feed has computed more than `after` times: the events published before
    its last computation began are then in what it handed to the streams."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while office.parts.statuses.computations <= after:
        assert loop.time() < deadline, "the status feed never computed"
        await asyncio.sleep(0.01)


async def test_events_that_change_nothing_for_the_ticket_send_nothing(office: Office) -> None:
    token = await office.ticket("A")
    async with Events(office.app, f"/api/status/{token}/events") as events:
        first = await events.status()
        before = office.parts.statuses.computations
        await office.open("3")  # counter 3 serves certificates only: nothing changes for an identity card
        await computed(office, before)
        await office.open("1")  # a counter for identity cards: the estimate changes
        second = await events.status()  # had the first event sent a status, it would be this one, unchanged
        assert second["estimated_wait_s"] < first["estimated_wait_s"]
        await office.call("1")
        assert (await events.until("called"))["counter"]["name"] == "1"


async def test_a_burst_of_events_is_sent_as_few_statuses(office: Office) -> None:
    await office.ticket("C")
    token = await office.ticket("C")
    async with Events(office.app, f"/api/status/{token}/events") as events:
        await events.status()
        before = office.parts.statuses.computations
        for _ in range(10):
            await office.ticket("C")
        await office.open("3")
        await office.call("3")
        seen = [await events.status()]
        while seen[-1]["people_ahead"] != 0:
            seen.append(await events.status())
        assert len(seen) < 6
        assert office.parts.statuses.computations - before < 6


async def test_one_computation_serves_every_open_stream_of_the_office(office: Office) -> None:
    tokens = [await office.ticket("A") for _ in range(12)]
    asked: list[list[str]] = []
    compute = office.parts.statuses.compute

    def spied(office_id: str, followed: list[str]) -> dict[str, tuple[dict[str, Any], object]]:
        asked.append(followed)
        return compute(office_id, followed)

    office.parts.statuses.compute = spied
    streams = [Events(office.app, f"/api/status/{token}/events") for token in tokens]
    await asyncio.gather(*(stream.__aenter__() for stream in streams))  # a crowd of pages opening at once
    firsts = [await stream.status() for stream in streams]
    try:
        assert firsts == [await office.status(token) for token in tokens]
        assert len(asked) <= 3  # their first frames came from a few computations, not twelve
        asked.clear()
        await office.open("1")
        for stream, first in zip(streams, firsts, strict=True):
            assert (await stream.status())["estimated_wait_s"] < first["estimated_wait_s"]
        assert len(asked) == 1
        assert sorted(asked[0]) == sorted(tokens)
    finally:
        for stream in streams:
            await stream.__aexit__()


async def test_a_quiet_stream_gets_keep_alive_comments(office: Office, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(status_events, "KEEPALIVE_S", 0.2)
    token = await office.ticket("A")
    async with Events(office.app, f"/api/status/{token}/events") as events:
        await events.status()
        assert events.buffer == ""
        assert await events.chunk(2) == ": keep-alive\n\n"


async def test_a_stream_the_hub_gave_up_on_listens_again(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url, STATUS_OFFICE)
    app = create_app(Settings(database_url=sqlite_url, ws_queue_size=1), clock=Clock())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            office = Office(http, seeded, Clock(), app.state.parts)
            token = await office.ticket("C")
            async with Events(app, f"/api/status/{token}/events") as events:
                await events.status()
                for _ in range(5):  # more than a queue of one holds while the stream waits to recompute
                    await office.ticket("B")
                await office.open("3")
                await office.call("3")
                called = await events.until("called")
                assert called["counter"]["name"] == "3"
                assert office.parts.hub.listeners("town") == 1


async def test_the_events_of_an_unknown_code_are_a_json_404(office: Office) -> None:
    r = await office.http.get("/api/status/not-a-code/events")
    assert r.status_code == 404
    assert r.json()["error"] == "ticket_not_found"


async def test_the_events_end_when_the_server_stops(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url, STATUS_OFFICE)
    app = create_app(Settings(database_url=sqlite_url))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            r = await http.post(
                "/api/offices/town/tickets",
                json={"service": "A", "language": "en"},
                headers={"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"},
            )
            token = r.json()["status_url"].rsplit("/", 1)[1]
        events = Events(app, f"/api/status/{token}/events")
        await events.__aenter__()
        await events.status()
    # The lifespan has ended (the hub stopped): the stream finishes by itself.
    assert events.task is not None
    await asyncio.wait_for(events.task, 5)
    body = ""
    while not events.received.empty():
        body += bytes(events.received.get_nowait().get("body", b"")).decode()
    assert "event: status" not in body
