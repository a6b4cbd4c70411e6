"""The join page over HTTP, in process and without JavaScript (issue 15): the services served today with their
estimate in Dutch, French and English; a join answered with the status page (number, check-in code, its QR,
when to set off, the page's address); every refusal in words with its 4xx and the citizen's input kept; the
status page of a citizen on their way: "set off at HH:MM", then "leave now" once that time has come."""

from __future__ import annotations

import contextlib
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import httpx
import pytest
from starlette.concurrency import run_in_threadpool

from scheduler.model import Role
from service import housekeeping
from tests.api.conftest import Api, Gateway, Inbox, gateway, inbox, serving  # noqa: F401 - fixtures
from tests.support import OFFICE, Seeded
from tests.web.test_status_page import Page, parse
from web.join import wait_words

BRUSSELS = ZoneInfo("Europe/Brussels")
#: The test office, taking anybody from elsewhere, with a service no counter serves (never offered).
JOIN_OFFICE: dict[str, Any] = {
    **OFFICE,
    "remote_share_max": 1.0,
    "service": [*OFFICE["service"], {"code": "D", "name": "Driving licence", "mean_duration_s": 600}],  # type: ignore[misc]
}
HEADINGS = {
    "nl": "Van op afstand aansluiten in de wachtrij",
    "fr": "Rejoindre la file à distance",
    "en": "Join the queue from elsewhere",
}
ESTIMATE = {"nl": "Geschatte wachttijd: ", "fr": "Attente estimée : ", "en": "Estimated wait: "}
SERVICE_NAMES = {
    "nl": ["Identiteitskaart", "Passport", "Certificates"],
    "fr": ["Carte d'identité", "Passport", "Certificates"],
    "en": ["Identity card", "Passport", "Certificates"],
}


@contextlib.asynccontextmanager
async def office_with(
    url: str, seeder: Callable[..., Seeded], office: dict[str, Any] | None = None, **settings: object
) -> AsyncIterator[Api]:
    async with serving(url, seeder(url, office or JOIN_OFFICE), **settings) as served:
        yield served


@pytest.fixture
async def api(
    sqlite_url: str,
    seeder: Callable[..., Seeded],
    inbox: tuple[Inbox, int],  # noqa: F811 - the fixture imported above
    gateway: Gateway,  # noqa: F811
) -> AsyncIterator[Api]:
    """The join office in process, able to send e-mails and SMS (so the page offers both)."""
    async with office_with(
        sqlite_url, seeder, smtp_host="127.0.0.1", smtp_port=inbox[1], sms_url=gateway.url
    ) as served:
        yield served


@dataclass
class Ahead:
    """Who is ahead of the next joiner for passports (B): one at counter 1, others on their way."""

    called: dict[str, Any]
    joiners: list[str]


async def queue_of_passports(api: Api, joiners: int = 3) -> Ahead:
    """An hour of passports (B) ahead on counter 1: one walk-in called, then people who joined from elsewhere
    before (whatever the policy, nobody overtakes them); the clock then moves on a minute."""
    await api.open("1")
    await api.issue("B")
    called = await call_next(api)
    tokens = []
    for _ in range(joiners):
        r = await api.http.post(
            "/api/offices/town/remote-tickets", json={"service": "B", "language": "nl", "travel_min": 5}
        )
        assert r.status_code == 201, r.text
        tokens.append(r.json()["status_url"].rsplit("/", 1)[1])
    api.clock.advance(minutes=1)
    return Ahead(called, tokens)


async def form(api: Api, lang: str = "en", status: int = 200) -> Page:
    r = await api.http.get(f"/join/town?lang={lang}")
    assert r.status_code == status, r.text
    return parse(r)


async def post(api: Api, lang: str = "en", **fields: str) -> httpx.Response:
    return await api.http.post(f"/join/town?lang={lang}", data=fields)


async def join(api: Api, lang: str = "en", **fields: str) -> str:
    """Join through the form; the status page's path."""
    r = await post(api, lang, **{"service": "B", "travel_min": "10", "tell": "page", **fields})
    assert r.status_code == 303, r.text
    location = r.headers["location"]
    assert location.startswith("/t/"), location
    assert "done=joined" in location, location
    return urlsplit(location).path


async def call_next(api: Api) -> dict[str, Any]:
    r = await api.http.post(f"/api/counters/{api.seeded.counters['1']}/call-next", headers=api.auth(Role.CLERK))
    assert r.status_code == 200, r.text
    assert r.json() is not None
    return dict(r.json())


async def finish(api: Api, ticket: dict[str, Any]) -> None:
    r = await api.http.post(
        f"/api/tickets/{ticket['id']}/finish", json={"counter": api.seeded.counters["1"]}, headers=api.auth(Role.CLERK)
    )
    assert r.status_code == 200, r.text


def value_of(page: Page, name: str) -> str | None:
    """The value the form holds for `name`: a text field's value, or the checked choice's."""
    for attrs in page.all("input", name=name):
        if attrs.get("type") == "radio":
            if "checked" in attrs:
                return attrs["value"]
        else:
            return attrs.get("value", "")
    return None


@pytest.mark.parametrize("lang", ["nl", "fr", "en"])
async def test_the_form_offers_the_services_served_today_with_their_estimate(api: Api, lang: str) -> None:
    await queue_of_passports(api)
    snapshot = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.CLERK))).json()
    estimates = {s["code"]: s["estimated_wait_s"] for s in snapshot["services"]}
    assert estimates["B"] > 30 * 60
    page = await form(api, lang)
    assert page.one("html")["lang"] == lang
    assert page.text_of("main").startswith(HEADINGS[lang])
    assert HEADINGS[lang] in page.text_of("main")
    # Every service some counter serves, each with the estimate a newcomer would be told; never D.
    assert [a["value"] for a in page.all("input", name="service")] == ["A", "B", "C"]
    for code, name in zip("ABC", SERVICE_NAMES[lang], strict=True):
        assert name in page.text
        assert page.text_of(f"wait-{code}") == ESTIMATE[lang] + wait_words(lang, estimates[code])
    # Labelled choices: every input has its label.
    for attrs in page.all("input"):
        assert page.all("label", **{"for": attrs["id"]}), attrs
    assert [a["value"] for a in page.all("input", name="travel_min")] == ["5", "10", "20", "30", "45"]
    assert [a["value"] for a in page.all("input", name="tell")] == ["email", "sms", "page"]
    assert value_of(page, "tell") == "page"
    assert page.one("form")["method"] == "post"
    assert page.one("form")["action"] == f"/join/town?lang={lang}"


async def test_joining_without_javascript_gives_the_number_code_qr_set_off_time_and_status_link(api: Api) -> None:
    await queue_of_passports(api)
    path = await join(api, "fr", travel_min="20")
    token = path.rsplit("/", 1)[1]
    status = (await api.http.get(f"/api/status/{token}")).json()
    assert status["kind"] == "remote"
    assert status["here"] is False
    assert status["travel_min"] == 20

    r = await api.http.get(path + "?lang=fr&done=joined")
    assert r.status_code == 200
    page = parse(r)
    assert page.text_of("number") == status["number"]
    assert page.text_of("done").startswith("Vous êtes dans la file.")
    assert page.text_of("code") == status["code"]
    assert len(status["code"]) == 6
    qr = page.one("div", **{"class": "qr"})
    assert qr["role"] == "img"
    assert "borne" in qr["aria-label"]
    assert "<svg" in r.text
    come_at = datetime.fromisoformat(status["come_at"])
    assert come_at > api.clock.now
    assert page.text_of("come-at") == come_at.astimezone(BRUSSELS).strftime("%H:%M")
    turn = api.clock.now.timestamp() + status["estimated_wait_s"]
    assert page.text_of("turn-at") == datetime.fromtimestamp(turn, BRUSSELS).strftime("%H:%M")
    assert "Partez à" in page.text_of("set-off-title")
    assert "hidden" not in page.one("section", id="set-off")
    assert "hidden" in page.one("section", id="go")
    assert page.one("a", id="status-link")["href"] == f"{path}?lang=fr"
    assert page.text_of("status-link") == f"https://loket.example{path}"


async def test_told_by_email_the_joiner_gets_their_address_on_the_ticket(api: Api) -> None:
    path = await join(api, tell="email", email="Anna@Example.org", phone="0470 12 34 56")
    status = (await api.http.get(f"/api/status/{path.rsplit('/', 1)[1]}")).json()
    assert status["notify_requested"] is True
    again = await post(api, service="C", travel_min="5", tell="email", email="anna@example.org")
    assert again.status_code == 409  # the same contact: already in the queue


async def refused(r: httpx.Response, status: int, words: str, kept: dict[str, str]) -> Page:
    assert r.status_code == status, r.text
    page = parse(r)
    summary = page.text_of("error-summary-title")
    assert summary == "There is a problem"
    assert words in page.text, page.text
    assert page.text_of("main")
    assert "<title>Error:" in r.text
    for name, value in kept.items():
        assert value_of(page, name) == value, name
    return page


@pytest.mark.parametrize(
    ("fields", "status", "words", "field"),
    [
        ({"travel_min": "7"}, 422, "Choose how long your trip to the office takes.", "travel_min"),
        ({"travel_min": ""}, 422, "Choose how long your trip to the office takes.", "travel_min"),
        ({"tell": "email", "email": "not an address"}, 422, "Enter an e-mail address like", "email"),
        ({"tell": "email", "email": ""}, 422, "Enter your e-mail address to be told by e-mail.", "email"),
        ({"tell": "sms", "phone": "123"}, 422, "Enter a phone number like", "phone"),
        ({"tell": "sms", "phone": ""}, 422, "Enter your mobile number to be told by SMS.", "phone"),
        ({"tell": "pigeon"}, 422, "Choose how you want to be told", "tell"),
        ({"service": "Z"}, 404, "Choose one of the services in the list.", "service"),
        ({"service": ""}, 422, "Choose a service.", "service"),
    ],
    ids=["trip not offered", "no trip", "bad e-mail", "no e-mail", "bad phone", "no phone", "bad medium",
         "unknown service", "no service"],
)  # fmt: skip
async def test_each_refusal_of_the_form_is_said_at_its_field_and_keeps_the_input(
    api: Api, fields: dict[str, str], status: int, words: str, field: str
) -> None:
    given = {"service": "B", "travel_min": "20", "tell": "page", "email": "", "phone": "", **fields}
    r = await post(api, **given)
    kept = {"email": given["email"], "phone": given["phone"]}
    if given["travel_min"] == "20":
        kept["travel_min"] = "20"
    page = await refused(r, status, words, kept)
    error = page.text_of(f"{field}-error")
    assert words in error
    if field in ("email", "phone"):
        assert page.one("input", name=field)["aria-invalid"] == "true"
    if given["service"] in ("A", "B", "C"):
        assert value_of(page, "service") == given["service"]


async def test_one_open_ticket_per_contact_is_refused_in_words(api: Api) -> None:
    await join(api, tell="sms", phone="0470 12 34 56")
    r = await post(api, "nl", service="C", travel_min="5", tell="sms", phone="+32470123456")
    page = await refused_nl(r, 409, "U staat vandaag al in de wachtrij van dit kantoor.")
    assert value_of(page, "phone") == "+32470123456"
    assert value_of(page, "service") == "C"
    assert value_of(page, "travel_min") == "5"
    assert value_of(page, "tell") == "sms"


async def refused_nl(r: httpx.Response, status: int, words: str) -> Page:
    assert r.status_code == status, r.text
    page = parse(r)
    assert page.text_of("error-summary-title") == "Er is een probleem", page.text
    assert words in page.text
    return page


async def test_without_e_mail_or_sms_configured_the_page_offers_only_to_keep_it_open(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with office_with(sqlite_url, seeder) as api:
        page = await form(api)
        assert [a["value"] for a in page.all("input", name="tell")] == ["page"]
        assert not page.all("input", name="email")
        assert not page.all("input", name="phone")
        r = await post(api, service="A", travel_min="5", tell="email", email="anna@example.org")
        await refused(r, 422, "Messages cannot be sent that way from this office.", {"travel_min": "5"})


async def test_past_the_remote_share_the_page_says_so(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    async with office_with(sqlite_url, seeder, {**JOIN_OFFICE, "remote_share_max": 0.5}) as api:
        await join(api)
        r = await post(api, service="A", travel_min="30", tell="page")
        await refused(r, 409, "The queue takes no more people from elsewhere just now.", {"travel_min": "30"})


async def test_past_the_hourly_budget_of_an_address_the_page_says_so_with_a_429(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with office_with(sqlite_url, seeder, join_rate_per_hour=1) as api:
        await join(api)
        r = await post(api, "fr", service="C", travel_min="45", tell="page")
        assert r.status_code == 429
        assert int(r.headers["Retry-After"]) > 0
        page = parse(r)
        assert "Trop de personnes ont rejoint la file depuis votre connexion" in page.text
        assert value_of(page, "service") == "C"
        assert value_of(page, "travel_min") == "45"


async def test_a_closed_queue_and_an_office_taking_nobody_from_elsewhere_say_so_plainly(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with office_with(sqlite_url, seeder) as api:
        api.clock.advance(hours=10)  # 19:30 in Brussels: the office closed at 18:00
        page = await form(api, "nl")
        assert "De wachtrij voor deze dienst is nu gesloten." in page.text_of("main")
        assert not page.all("form", method="post")
        r = await post(api, "nl", service="A", travel_min="5", tell="page")
        assert r.status_code == 409
        assert "De wachtrij voor deze dienst is nu gesloten." in parse(r).text
    async with office_with(sqlite_url, seeder, {**JOIN_OFFICE, "remote_join": False}) as api:
        page = await form(api, "fr")
        assert "Ce bureau ne permet pas de rejoindre sa file à distance." in page.text
        r = await post(api, "fr", service="A", travel_min="5", tell="page")
        assert r.status_code == 409
        assert "Ce bureau ne permet pas" in parse(r).text


async def test_an_unknown_office_is_a_page_not_found(api: Api) -> None:
    r = await api.http.get("/join/nowhere?lang=en")
    assert r.status_code == 404
    assert "There is no such office." in parse(r).text
    assert (await api.http.post("/join/nowhere?lang=en", data={"service": "A"})).status_code == 404


async def test_a_cross_site_post_is_refused(api: Api) -> None:
    r = await api.http.post(
        "/join/town?lang=en",
        data={"service": "B", "travel_min": "10", "tell": "page"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403


async def test_the_status_page_says_set_off_at_then_leave_now_with_the_minutes_left(api: Api) -> None:
    ahead = await queue_of_passports(api)
    path = await join(api, "nl", travel_min="10")
    token = path.rsplit("/", 1)[1]
    status = (await api.http.get(f"/api/status/{token}")).json()
    come_at = datetime.fromisoformat(status["come_at"])

    page = parse(await api.http.get(path))  # the ticket's language: Dutch
    assert page.text_of("set-off-title") == "Vertrek om " + come_at.astimezone(BRUSSELS).strftime("%H:%M")
    assert "hidden" in page.one("section", id="go")
    assert '<meta http-equiv="refresh"' in page.raw  # without JavaScript the page refreshes itself

    # Just past come_at (the server's clock): leave now, and the minutes left to check in.
    api.clock.now = come_at
    arrive_by = datetime.fromisoformat(status["arrive_by"])
    page = parse(await api.http.get(path))
    assert "hidden" in page.one("section", id="set-off")
    assert "hidden" not in page.one("section", id="go")
    assert page.text_of("go-title") == "Vertrek nu"
    assert page.text_of("arrive-by") == arrive_by.astimezone(BRUSSELS).strftime("%H:%M")
    left = round((arrive_by - api.clock.now).total_seconds() / 60)
    assert page.text_of("countdown") == f"nog {left} minuten"
    assert page.text_of("code") == status["code"]

    # Those ahead leave and the called one is served: the round tells the joiner to set off now, and the page says so.
    for joiner in ahead.joiners:
        assert (await api.http.post(f"/t/{joiner}/leave?lang=nl")).status_code == 303
    await finish(api, ahead.called)
    await run_in_threadpool(housekeeping.remote_round, api.parts)
    status = (await api.http.get(f"/api/status/{token}")).json()
    assert datetime.fromisoformat(status["come_at"]) <= api.clock.now
    arrive_by = datetime.fromisoformat(status["arrive_by"])
    page = parse(await api.http.get(path))
    assert "hidden" not in page.one("section", id="go")
    assert page.text_of("arrive-by") == arrive_by.astimezone(BRUSSELS).strftime("%H:%M")
    left = math.ceil((arrive_by - api.clock.now).total_seconds() / 60)

    api.clock.advance(minutes=left - 1)  # the last minute
    page = parse(await api.http.get(path + "?lang=en"))
    assert page.text_of("countdown") == "1 minute left"
    assert page.text_of("go-title") == "Leave now"


async def test_once_checked_in_the_page_no_longer_shows_the_code_or_the_trip(api: Api) -> None:
    path = await join(api)
    status = (await api.http.get(f"/api/status/{path.rsplit('/', 1)[1]}")).json()
    r = await api.http.post(
        "/api/offices/town/tickets", json={"code": status["code"], "language": "en"}, headers=api.auth(Role.KIOSK)
    )
    assert r.status_code == 200, r.text
    page = parse(await api.http.get(path))
    for section in ("remote", "set-off", "go"):
        assert "hidden" in page.one("section", id=section), section
    assert "<svg" not in page.raw
