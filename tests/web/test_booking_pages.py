"""The citizen booking pages over HTTP, without JavaScript: service, day, time and form; then the booking's own
page to see, move, cancel it or erase the data. Every step in Dutch, French and English, every refusal a page."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.support import Seeded
from tests.web.conftest import BOOKING_OFFICE

# The clock stands at Monday 2026-03-02 09:30 in Brussels. Identity cards (A) have 10-minute slots with two
# seats (counters 1 and 2); passports (B) 15-minute slots with one seat (counter 1).
DAY = "2026-03-02"
FORM = f"/book/town/A/{DAY}/details"
CITIZEN = {"name": "Zoë Peeters", "email": "zoe@example.org", "phone": "0470 12 34 56", "remind_via": "email"}


@dataclass
class Html(HTMLParser):
    """A page taken apart: its elements with their attributes, and its text."""

    elements: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__()

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


def parse(r: httpx.Response) -> Html:
    assert r.headers["content-type"].startswith("text/html"), r.text
    page = Html()
    page.feed(r.text)
    return page


async def get(api: Api, url: str, status: int = 200, headers: dict[str, str] | None = None) -> Html:
    r = await api.http.get(url, headers=headers)
    assert r.status_code == status, r.text
    return parse(r)


async def submit(api: Api, url: str = FORM + "?time=11:00&lang=en", **fields: str) -> httpx.Response:
    return await api.http.post(url, data=fields)


async def book(api: Api, time: str = "11:00", lang: str = "en", **fields: str) -> str:
    """Book through the form; the booking's token."""
    r = await submit(api, f"{FORM}?time={time}&lang={lang}", **{**CITIZEN, **fields})
    assert r.status_code == 303, r.text
    path = urlsplit(r.headers["location"]).path
    assert re.fullmatch(r"/booking/[\w-]{32}", path), path
    return path.rsplit("/", 1)[1]


async def book_by_api(api: Api, slot_at: str, service: str = "A") -> None:
    body = {"service": service, "slot_at": slot_at, "language": "nl"}
    r = await api.http.post("/api/offices/town/bookings", json=body, headers=api.auth(Role.MANAGER))
    assert r.status_code == 201, r.text


async def free(api: Api, at: str, service: str = "A") -> int:
    r = await api.http.get("/api/offices/town/slots", params={"service": service, "day": at[:10]})
    return int({s["at"]: s["free"] for s in r.json()}[at])


def time_input(page: Html, value: str) -> dict[str, str]:
    return page.one("input", name="time", value=value)


def label_of(page: Html, r: httpx.Response, for_id: str) -> list[str]:
    match = re.search(rf'<label for="{for_id}">(.*?)</label>', r.text, re.S)
    assert match, for_id
    return re.sub(r"<[^>]+>|\s+", " ", match[1]).split()


STEPS = [
    ("/book/town", "1"),
    ("/book/town/A", "2"),
    (f"/book/town/A/{DAY}", "3"),
    (f"{FORM}?time=11:00", "4"),
]
WORDS = {
    "nl": ["Kies een dienst", "Kies een dag", "Kies een tijdstip", "Uw gegevens"],
    "fr": ["Choisissez un service", "Choisissez un jour", "Choisissez une heure", "Vos coordonnées"],
    "en": ["Choose a service", "Choose a day", "Choose a time", "Your details"],
}


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
async def test_every_step_is_in_the_chosen_language_and_offers_the_other_two(api: Api, language: str) -> None:
    for (path, _), heading in zip(STEPS, WORDS[language], strict=True):
        sep = "&" if "?" in path else "?"
        r = await api.http.get(f"{path}{sep}lang={language}")
        assert r.status_code == 200, r.text
        page = parse(r)
        assert page.one("html")["lang"] == language
        assert heading in page.text
        switch = {a["hreflang"]: a["href"] for a in page.all("a") if "hreflang" in a}
        assert set(switch) == {"nl", "fr", "en"}
        for code, href in switch.items():
            assert href.startswith(urlsplit(path).path + "?")
            assert parse_qs(urlsplit(href).query)["lang"] == [code]
        assert page.one("meta", name="referrer")["content"] == "no-referrer"
        assert r.headers["cache-control"] == "no-store"
        # Every link onwards keeps the language.
        onward = [a["href"] for a in page.all("a") if a["href"].startswith("/book") and "hreflang" not in a]
        assert all(f"lang={language}" in href for href in onward), onward


@pytest.mark.parametrize(
    ("accept", "language", "heading"),
    [("fr-BE,fr;q=0.9,en;q=0.8", "fr", "Choisissez un service"), ("de-DE,nl;q=0.5", "nl", "Kies een dienst")],
)
async def test_without_a_choice_the_language_comes_from_the_browser(
    api: Api, accept: str, language: str, heading: str
) -> None:
    page = await get(api, "/book/town", headers={"Accept-Language": accept})
    assert page.one("html")["lang"] == language
    assert heading in page.text


async def test_only_bookable_services_are_offered_each_with_what_to_bring_in_the_language(api: Api) -> None:
    page = await get(api, "/book/town?lang=fr")
    assert "Carte d'identité" in page.text
    assert "Votre ancienne carte d'identité" in page.text
    assert "Une photo d'identité" in page.text
    assert "Your old identity card" not in page.text
    assert "Passport" in page.text
    assert "Driving licence" not in page.text
    hrefs = [a["href"] for a in page.all("a", **{"class": "button"})]
    assert hrefs == ["/book/town/A?lang=fr", "/book/town/B?lang=fr", "/book/town/C?lang=fr"]
    r = await api.http.get("/book/town/D?lang=fr")  # typed by hand: a readable refusal
    assert r.status_code == 422
    assert "Ce bureau ne prend pas de rendez-vous en ligne pour ce service." in parse(r).text


async def test_weekends_holidays_and_closing_days_are_not_available_and_the_weekdays_are(api: Api) -> None:
    page = await get(api, "/book/town/A?lang=en")
    text = page.text
    assert "Monday, 2 March 2026" in text
    assert "Saturday, 7 March 2026 Not available: closed" in text
    assert "Sunday, 8 March 2026 Not available: closed" in text
    assert "Monday, 6 April 2026 Not available: public holiday" in text  # Easter Monday
    assert "Wednesday, 11 March 2026 Not available: closed" in text  # the office's own closing day
    # Six weeks from today: up to Sunday 12 April, and no further.
    assert "Sunday, 12 April 2026" in text
    assert "13 April 2026" not in text
    links = {a["href"] for a in page.all("a") if a["href"].startswith("/book/town/A/")}
    assert f"/book/town/A/{DAY}?lang=en" in links
    assert "/book/town/A/2026-04-06?lang=en" not in links
    assert "/book/town/A/2026-03-07?lang=en" not in links
    assert len(links) == 28  # 6 weeks of weekdays, less Easter Monday and the closing day
    # Easter Monday typed by hand: no free times.
    easter = await get(api, "/book/town/A/2026-04-06?lang=en")
    assert "No times are free on Monday, 6 April 2026" in easter.text
    assert not easter.all("input", name="time")


async def test_a_fully_booked_day_says_so_in_words(api: Api) -> None:
    for quarter in range(40):  # passports: one seat every 15 minutes, 08:00-18:00
        hour, minute = divmod(8 * 60 + 15 * quarter, 60)
        await book_by_api(api, f"2026-03-03T{hour:02}:{minute:02}:00+01:00", "B")
    page = await get(api, "/book/town/B?lang=nl")
    assert "dinsdag 3 maart 2026 Niet beschikbaar: volgeboekt" in page.text
    assert "/book/town/B/2026-03-03?lang=nl" not in {a["href"] for a in page.all("a")}


async def test_a_full_slot_says_full_and_cannot_be_chosen(api: Api) -> None:
    await book_by_api(api, f"{DAY}T11:00:00+01:00")
    await book_by_api(api, f"{DAY}T11:00:00+01:00")
    r = await api.http.get(f"/book/town/A/{DAY}?lang=fr")
    page = parse(r)
    assert "disabled" in time_input(page, "11:00")
    assert label_of(page, r, "time-1100") == ["11:00", "complet"]
    assert "disabled" not in time_input(page, "11:10")
    assert label_of(page, r, "time-1110") == ["11:10"]
    assert not page.all("input", name="time", value="09:30")  # already begun
    legend = re.search(r"<legend>(.*?)</legend>", r.text)
    assert legend is not None
    assert legend[1] == "lundi 2 mars 2026"


async def test_the_form_without_javascript_books_and_shows_the_confirmation(api: Api) -> None:
    slots = await get(api, f"/book/town/A/{DAY}?lang=nl")
    form = slots.one("form")
    assert (form["method"], form["action"]) == ("get", FORM)
    assert slots.one("input", type="hidden", name="lang")["value"] == "nl"
    page = await get(api, f"{FORM}?lang=nl&time=11:00")
    assert "maandag 2 maart 2026 om 11:00" in page.text
    post = page.one("form")
    assert post["method"] == "post"
    for name in ("name", "email", "phone"):
        assert page.one("label", **{"for": name})
    assert {r["value"] for r in page.all("input", name="remind_via")} == {"email", "sms", "none"}
    assert "Uw oude identiteitskaart" in page.text

    r = await api.http.post(post["action"], data=CITIZEN)
    assert r.status_code == 303
    location = r.headers["location"]
    assert location.startswith("/booking/")
    assert parse_qs(urlsplit(location).query)["lang"] == ["nl"]
    assert await free(api, f"{DAY}T11:00:00+01:00") == 1

    r = await api.http.get(location)
    assert r.headers["cache-control"] == "no-store"
    assert r.headers["referrer-policy"] == "no-referrer"
    done = parse(r)
    code = done.one("p", **{"class": "code"})
    assert code["id"] == "code"
    found = re.search(r'<p class="code" id="code">([2-9A-Z]{4}-[2-9A-Z]{4})</p>', r.text)
    assert found, r.text
    assert "<svg" in r.text
    assert "<path" in r.text
    assert done.one("div", **{"class": "qr"})["role"] == "img"
    assert "maandag 2 maart 2026 om 11:00" in done.text
    assert "Identiteitskaart" in done.text
    assert "Town hall" in done.text
    assert "Een pasfoto" in done.text
    token = urlsplit(location).path.rsplit("/", 1)[1]
    assert done.one("a", download="")["href"] == f"/booking/{token}/appointment.ics"
    ics = await api.http.get(f"/booking/{token}/appointment.ics")
    assert ics.status_code == 200
    assert found[1] in ics.text


@pytest.mark.parametrize(
    ("fields", "problems"),
    [
        (
            {"name": "Ann", "email": "not-an-address", "phone": "123", "remind_via": "email"},
            {
                "email": "Enter an e-mail address like name@example.com.",
                "phone": "Enter a phone number like 0470 12 34 56 or +32 470 12 34 56.",
            },
        ),
        (
            {"name": "Ann", "email": "", "phone": "", "remind_via": "none"},
            {"email": "Enter an e-mail address or a mobile number, so that we can send you the confirmation."},
        ),
        (
            {"name": "Ann", "email": "", "phone": "0470 12 34 56", "remind_via": "email"},
            {"email": "Enter your e-mail address to be reminded by e-mail."},
        ),
        (
            {"name": "Ann", "email": "ann@example.org", "phone": "", "remind_via": "sms"},
            {"phone": "Enter your mobile number to be reminded by SMS."},
        ),
        (
            {"name": "A" * 81, "email": "ann@example.org", "phone": "", "remind_via": "carrier pigeon"},
            {
                "name": "Enter your name on one line, with at most 80 characters.",
                "remind_via": "Choose how you want to be reminded.",
            },
        ),
    ],
)
async def test_wrong_details_show_the_form_again_with_the_values_and_each_error_at_its_field(
    api: Api, fields: dict[str, str], problems: dict[str, str]
) -> None:
    r = await submit(api, **fields)
    assert r.status_code == 422
    page = parse(r)
    assert re.search(r"<title>Error: Your details", r.text)
    for name in ("name", "email", "phone"):
        assert page.one("input", name=name)["value"] == fields[name]
    for name, message in problems.items():
        error = page.one("p", id=f"{name}-error")
        assert error["class"] == "error"
        assert message in page.text
        described = [a for _, a in page.elements if f"{name}-error" in a.get("aria-describedby", "").split()]
        assert described
        assert described[0].get("aria-invalid") == "true"
    summary = re.search(r'<div class="error-summary".*?</div>', r.text, re.S)
    assert summary is not None
    targets = re.findall(r'href="#([\w-]+)"', summary[0])
    assert targets == [("remind_via-email" if name == "remind_via" else name) for name in problems]
    assert await free(api, f"{DAY}T11:00:00+01:00") == 2  # nothing was booked


async def test_a_slot_taken_meanwhile_sends_the_citizen_back_to_the_times_with_a_message(api: Api) -> None:
    page = await get(api, f"{FORM}?time=11:00&lang=fr")  # the form is open...
    await book_by_api(api, f"{DAY}T11:00:00+01:00")
    await book_by_api(api, f"{DAY}T11:00:00+01:00")  # ...when the last seat goes
    r = await api.http.post(page.one("form")["action"], data=CITIZEN)
    assert r.status_code == 303
    assert r.headers["location"] == f"/book/town/A/{DAY}?problem=slot_full&lang=fr"
    back = await get(api, r.headers["location"])
    assert "Désolé, quelqu’un d’autre vient de réserver cette heure. Veuillez choisir une autre heure." in back.text
    assert back.one("div", **{"class": "error-summary"})["role"] == "alert"
    assert "disabled" in time_input(back, "11:00")


async def test_a_time_that_is_past_or_no_slot_is_refused_back_at_the_times(api: Api) -> None:
    r = await submit(api, FORM + "?time=09:00&lang=en", **CITIZEN)  # 09:00 has begun: it is 09:30
    assert (r.status_code, r.headers["location"]) == (303, f"/book/town/A/{DAY}?problem=slot_in_past&lang=en")
    r = await submit(api, FORM + "?time=11:05&lang=en", **CITIZEN)
    assert (r.status_code, r.headers["location"]) == (303, f"/book/town/A/{DAY}?problem=no_such_slot&lang=en")
    back = await get(api, r.headers["location"])
    assert "That time can no longer be booked. Please choose another time." in back.text
    missing = await get(api, f"{FORM}?lang=en", status=422)  # no time chosen
    assert "Choose a time." in missing.text
    assert missing.one("fieldset", id="times")["aria-describedby"] == "times-error"


async def test_the_cap_per_contact_and_the_hourly_budget_are_said_at_the_top_of_the_form(
    sqlite_url: str, seeder: Any
) -> None:
    seeded: Seeded = seeder(sqlite_url, BOOKING_OFFICE)
    async with serving(sqlite_url, seeded, booking_rate_per_hour=5, booking_cap=2) as api:
        await book(api, "11:00")
        await book(api, "11:10")
        r = await submit(api, FORM + "?time=11:20&lang=en", **CITIZEN)
        assert r.status_code == 409
        page = parse(r)
        assert "You already have as many appointments to come at this office as one person may." in page.text
        assert page.one("input", name="email")["value"] == CITIZEN["email"]
        await book(api, "11:20", email="other@example.org", phone="")
        await book(api, "11:30", email="third@example.org", phone="")
        r = await submit(api, FORM + "?time=11:40&lang=nl", **{**CITIZEN, "email": "x@example.org", "phone": ""})
        assert r.status_code == 429
        assert "Er kwamen het voorbije uur te veel boekingen en wijzigingen van uw verbinding." in parse(r).text
        assert r.headers["retry-after"]


async def test_the_cancel_link_only_asks_and_the_post_cancels_and_frees_the_time(api: Api) -> None:
    token = await book(api, "11:00", lang="fr")
    await book_by_api(api, f"{DAY}T11:00:00+01:00")
    slots = await get(api, f"/book/town/A/{DAY}?lang=fr")
    assert "disabled" in time_input(slots, "11:00")

    for _ in range(2):  # a mail scanner opening the link, twice
        ask = await get(api, f"/booking/{token}/cancel?lang=fr")
    assert "Annuler votre rendez-vous" in ask.text
    assert await free(api, f"{DAY}T11:00:00+01:00") == 0
    form = ask.one("form")
    assert form["method"] == "post"

    r = await api.http.post(form["action"])
    assert r.status_code == 303
    assert r.headers["location"] == f"/booking/{token}?done=cancelled&lang=fr"
    page = await get(api, r.headers["location"])
    assert "Ce rendez-vous a été annulé." in page.text
    assert not page.all("a", href=f"/booking/{token}/move?lang=fr")
    assert not page.all("a", href=f"/booking/{token}/cancel?lang=fr")
    assert await free(api, f"{DAY}T11:00:00+01:00") == 1
    assert "disabled" not in time_input(await get(api, f"/book/town/A/{DAY}?lang=fr"), "11:00")
    await book(api, "11:00", email="next@example.org", phone="")  # someone else takes it

    again = await api.http.post(form["action"])  # a second press: a page that says why, not an error
    assert again.status_code == 409
    assert "annulé" in parse(again).text
    assert (await api.http.get(f"/booking/{token}/move?lang=fr")).status_code == 303


async def test_moving_takes_the_new_time_and_frees_the_old_one(api: Api) -> None:
    token = await book(api, "11:00")
    page = await get(api, f"/booking/{token}?lang=en")
    move = page.one("a", href=f"/booking/{token}/move?lang=en")
    days = await get(api, move["href"])
    assert "Your appointment now: Monday, 2 March 2026 at 11:00." in days.text
    tuesday = days.one("a", href=f"/booking/{token}/move/2026-03-03?lang=en")
    times = await get(api, tuesday["href"])
    form = times.one("form")
    assert (form["method"], form["action"]) == ("post", f"/booking/{token}/move/2026-03-03?lang=en")
    same_day = await get(api, f"/booking/{token}/move/{DAY}?lang=en")
    assert "disabled" in time_input(same_day, "11:00")  # its own time, marked as such
    assert "your appointment" in same_day.text

    r = await api.http.post(form["action"], data={"time": "14:30"})
    assert r.status_code == 303
    assert r.headers["location"] == f"/booking/{token}?done=moved&lang=en"
    moved = await get(api, r.headers["location"])
    assert "Your appointment was moved." in moved.text
    assert "Tuesday, 3 March 2026 at 14:30" in moved.text
    assert await free(api, f"{DAY}T11:00:00+01:00") == 2
    assert await free(api, "2026-03-03T14:30:00+01:00") == 1

    await book_by_api(api, "2026-03-04T10:00:00+01:00")
    await book_by_api(api, "2026-03-04T10:00:00+01:00")
    full = await api.http.post(f"/booking/{token}/move/2026-03-04?lang=en", data={"time": "10:00"})
    assert full.headers["location"] == f"/booking/{token}/move/2026-03-04?problem=slot_full&lang=en"
    assert "Tuesday, 3 March 2026 at 14:30" in (await get(api, f"/booking/{token}?lang=en")).text


async def test_erasing_asks_first_then_removes_the_contact_and_cancels_the_appointment(api: Api) -> None:
    token = await book(api, "11:00", lang="nl")
    page = await get(api, f"/booking/{token}")  # the booking's language when none is asked
    assert page.one("html")["lang"] == "nl"
    assert "zoe@example.org" in page.text
    ask = await get(api, page.one("a", href=f"/booking/{token}/erase?lang=nl")["href"])
    assert await free(api, f"{DAY}T11:00:00+01:00") == 1
    r = await api.http.post(ask.one("form")["action"])
    assert (r.status_code, r.headers["location"]) == (303, f"/booking/{token}?done=erased&lang=nl")
    erased = await get(api, r.headers["location"])
    assert "zoe@example.org" not in erased.text
    assert "Zoë" not in erased.text
    assert "Deze afspraak werd geannuleerd." in erased.text
    assert await free(api, f"{DAY}T11:00:00+01:00") == 2
    assert not erased.all("a", href=f"/booking/{token}/erase?lang=nl")


async def test_a_past_appointment_shows_its_state_and_offers_no_changes(api: Api) -> None:
    token = await book(api, "11:00")
    api.clock.advance(hours=3)
    page = await get(api, f"/booking/{token}?lang=en")
    assert "This appointment has passed." in page.text
    assert not page.all("a", href=f"/booking/{token}/cancel?lang=en")
    assert not page.all("form")
    r = await api.http.post(f"/booking/{token}/cancel?lang=en")
    assert r.status_code == 409
    assert "This appointment has passed: it can no longer be changed." in parse(r).text


@pytest.mark.parametrize(
    ("url", "status", "says"),
    [
        ("/booking/not-a-token?lang=fr", 404, "Aucun rendez-vous ne correspond à ce lien."),
        ("/booking/not-a-token/cancel?lang=fr", 404, "Aucun rendez-vous ne correspond à ce lien."),
        ("/booking/not-a-token/move/2026-03-03?lang=fr", 404, "Aucun rendez-vous ne correspond à ce lien."),
        ("/book/nowhere?lang=fr", 404, "Cet office n’existe pas."),
        ("/book/town/Z?lang=fr", 404, "en ligne"),
        ("/book/town/A/2026-13-45?lang=fr", 404, "Ce jour ne peut pas être réservé."),
        ("/book/town/A/2027-03-02?lang=fr", 404, "Ce jour ne peut pas être réservé."),
        (f"{FORM}?time=late&lang=fr", 422, "Choisissez une heure."),
    ],
)
async def test_unknown_links_give_a_readable_page_in_the_language(api: Api, url: str, status: int, says: str) -> None:
    r = await api.http.get(url)
    assert r.status_code == status
    page = parse(r)
    assert page.one("html")["lang"] == "fr"
    assert says in page.text


async def test_a_post_to_an_unknown_token_is_a_page_too(api: Api) -> None:
    for action in ("cancel", "erase", "move/2026-03-03"):
        r = await api.http.post(f"/booking/not-a-token/{action}?lang=en", data={"time": "10:00"})
        assert r.status_code == 404
        assert "No appointment has this link." in parse(r).text


async def test_no_page_loads_or_links_anything_outside_the_server(api: Api) -> None:
    token = await book(api, "11:00")
    moving = await book(api, "11:10", email="b@example.org", phone="")
    urls = [
        "/book/town",
        "/book/town/A",
        f"/book/town/A/{DAY}",
        f"{FORM}?time=11:20",
        f"/booking/{token}",
        f"/booking/{token}/cancel",
        f"/booking/{token}/erase",
        f"/booking/{moving}/move",
        f"/booking/{moving}/move/2026-03-03",
        "/booking/unknown",
    ]
    pages = [await api.http.get(url) for url in urls]
    pages.append(await submit(api, email="wrong"))
    for r in pages:
        page = parse(r)
        for tag, attrs in page.elements:
            for name in ("src", "href", "action"):
                value = attrs.get(name, "")
                assert not re.match(r"(?i)^(https?:)?//", value), f"{r.url}: <{tag} {name}={value}>"
        stylesheets = [a["href"] for a in page.all("link", rel="stylesheet")]
        assert stylesheets == ["/static/booking.css"]
        assert not page.all("script")
    css = await api.http.get("/static/booking.css")
    assert css.status_code == 200
    assert "url(" not in css.text
    assert "@import" not in css.text


async def test_every_page_has_its_headings_in_order_and_a_label_for_every_field(api: Api) -> None:
    token = await book(api, "11:00")
    urls = [
        "/book/town",
        "/book/town/A",
        f"/book/town/A/{DAY}",
        f"{FORM}?time=11:20",
        f"/booking/{token}",
        f"/booking/{token}/cancel",
        f"/booking/{token}/move/2026-03-03",
        "/booking/unknown",
    ]
    responses = [await api.http.get(url) for url in urls]
    responses.append(await submit(api, email="wrong", phone="1", remind_via="sms"))
    for r in responses:
        page = parse(r)
        levels = [int(tag[1]) for tag, _ in page.elements if re.fullmatch(r"h[1-6]", tag)]
        assert levels.count(1) == 1, r.url
        assert levels[0] == 1, r.url
        assert all(b <= a + 1 for a, b in itertools.pairwise(levels)), (r.url, levels)
        labelled = {label["for"] for label in page.all("label")}
        fields = [a for tag, a in page.elements if tag == "input" and a.get("type") != "hidden"]
        assert all(a["id"] in labelled for a in fields), r.url
        radios = [a for a in fields if a.get("type") == "radio"]
        assert not radios or page.all("fieldset"), r.url
        assert len(page.all("legend")) == len(page.all("fieldset")), r.url
