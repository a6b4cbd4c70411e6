"""Issue 15 at the kiosk, in Textual's pilot against a real `loket serve`: a code typed or scanned checks in a
remote ticket (joined from elsewhere) or a booking through the same field; a wait over five minutes offers to
wait elsewhere and, for a bookable service, an appointment instead, booked on the spot and printed."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import httpx
import pytest

from kiosk import screens
from scheduler.model import Role, TicketState
from tests.kiosk.test_app import (
    Office,
    check_in,
    choose_language,
    kiosk,
    office_fixture,
    services_ready,
    tap,
    text_of,
    until,
)
from tests.kiosk.test_printing import FakeNetworkPrinter, qr_payloads
from tests.support import OFFICE, Seeded

LANGUAGES = ["nl", "fr", "en"]

# Without opening hours a queue takes people from elsewhere while a counter with the skill is open: the test
# runs at any hour (the office's hours would close the queue at night and at weekends).
ALWAYS_OPEN = {key: value for key, value in OFFICE.items() if key not in ("opens", "closes")}


@pytest.fixture(name="open_office")
def _open_office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    yield from office_fixture(ALWAYS_OPEN)(sqlite_url, seeder)


@pytest.fixture(name="office")
def _office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    yield from office_fixture(OFFICE)(sqlite_url, seeder)


@pytest.fixture
def printer() -> Iterator[FakeNetworkPrinter]:
    fake = FakeNetworkPrinter()
    yield fake
    fake.stop()


def join_remotely(office: Office, service: str) -> dict[str, object]:
    body = {"service": service, "language": "nl", "travel_min": 10}
    r = httpx.post(f"{office.url}/api/offices/town/remote-tickets", json=body)
    assert r.status_code == 201, r.text
    return dict(r.json())


def leave(office: Office, joined: dict[str, object]) -> None:
    """The holder leaves the queue from their status page before ever coming."""
    token = str(joined["status_url"]).rstrip("/").rsplit("/", 1)[-1]
    r = httpx.post(f"{office.url}/api/status/{token}/leave")
    assert r.status_code == 200, r.text


def here(office: Office, number: str) -> bool:
    return bool(next(t["here"] for t in office.queue()["waiting"] if t["number"] == number))


WELCOME = {"nl": "Welkom, u bent ingecheckt: ticket", "fr": "Bienvenue, vous êtes enregistré", "en": "Welcome"}
UNKNOWN_CODE = {"nl": "We kennen deze code niet", "fr": "Nous ne connaissons pas ce code", "en": "We do not know"}
NOT_WAITING = {"nl": "kan niet meer inchecken", "fr": "ne peut plus s'enregistrer", "en": "can no longer check in"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_remote_joiner_checks_in_with_their_code_keeps_their_place_and_nothing_is_printed(
    open_office: Office, printer: FakeNetworkPrinter, language: str
) -> None:
    office = open_office
    office.open_counter("1")
    office.issue("A")
    joined = join_remotely(office, "A")
    number, code = str(joined["number"]), str(joined["code"])
    assert not here(office, number)
    async with kiosk(office.config(printer=printer.spec)) as (app, pilot):
        await check_in(app, pilot, language, code)  # a scanner types the code and Enter (lower case here)
        await until(pilot, lambda: isinstance(app.screen, screens.CheckedInScreen), "the welcome")
        await until(pilot, lambda: WELCOME[language] in text_of(app, "#title"), "the welcome in words")
        assert number in text_of(app, "#title")
        shown = app.screen
        assert isinstance(shown, screens.CheckedInScreen)
        assert (shown.ticket.number, shown.ticket.kind, shown.ticket.here) == (number, "remote", True)
        assert text_of(app, "#wait") == screens.wait_text(shown.ticket.estimated_wait_s, language)
    assert here(office, number)
    assert office.waiting() == ["A001", number]  # its place kept, no new ticket
    printer.stop()
    assert printer.received == b""  # nothing new printed: the citizen follows the ticket on their phone


@pytest.mark.parametrize("language", LANGUAGES)
async def test_unknown_and_spent_codes_are_refused_in_the_citizens_language(open_office: Office, language: str) -> None:
    office = open_office
    office.open_counter("1")
    joined = join_remotely(office, "A")
    leave(office, joined)
    async with kiosk(office.config()) as (app, pilot):
        await check_in(app, pilot, language, "ZZZZZZ")  # six characters: a remote code nobody has
        await until(pilot, lambda: UNKNOWN_CODE[language] in text_of(app, "#notice"), "code_not_found in words")
        await tap(pilot, "#back")
        await check_in(app, pilot, language, str(joined["code"]))  # its ticket left the queue: no longer known
        await until(pilot, lambda: UNKNOWN_CODE[language] in text_of(app, "#notice"), "the spent code refused")
        assert isinstance(app.screen, screens.AppointmentScreen)
    assert office.waiting() == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_ticket_that_can_no_longer_check_in_is_said_plainly(language: str) -> None:
    # 409 ticket_not_waiting: an open remote ticket no longer waiting (the server answers it rarely: a ticket
    # called by number is checked in by the call).
    assert NOT_WAITING[language] in screens.refusal_text(language, "ticket_not_waiting", None, "Europe/Brussels")


async def test_a_booking_code_checks_in_through_the_same_field(office: Office) -> None:
    office.open_counter("1")
    booked = office.book("B", 5)
    async with kiosk(office.config()) as (app, pilot):
        await check_in(app, pilot, "en", booked)
        await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the appointment's ticket")
        shown = app.screen
        assert isinstance(shown, screens.TicketScreen)
        assert (shown.ticket.kind, shown.ticket.number) == ("appointment", "B001")
    assert office.waiting() == ["B001"]


ELSEWHERE = {
    "nl": "Elders wachten",
    "fr": "Attendez ailleurs",
    "en": "Wait elsewhere: scan to follow on your phone, we'll tell you when to come back.",
}
PRINTED_ELSEWHERE = {"nl": b"Liever elders wachten?", "fr": b"Attendre ailleurs ?", "en": b"Wait elsewhere:"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_wait_over_five_minutes_offers_an_appointment_and_the_ticket_offers_to_wait_elsewhere(
    office: Office, printer: FakeNetworkPrinter, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.offers")
    office.open_counter("1")  # serves A and B, ten minutes a visit for A
    office.issue("A")
    async with kiosk(office.config(printer=printer.spec)) as (app, pilot):
        await choose_language(app, pilot, language)
        await services_ready(app, pilot, "A")
        await until(pilot, lambda: app.office is not None and app.office.services[0].waiting == 1, "the wait")
        await tap(pilot, "#service-A")
        await until(pilot, lambda: isinstance(app.screen, screens.OfferScreen), "the appointment offer")
        offer = app.screen
        assert isinstance(offer, screens.OfferScreen)
        assert offer.slots
        assert all(slot.free > 0 for slot in offer.slots)
        await until(pilot, lambda: app.screen.query("#slot-0"), "the free slots as buttons")
        assert office.waiting() == ["A001"]  # nothing issued before the citizen chooses
        await tap(pilot, "#take-ticket")
        await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket, declined the offer")
        await until(pilot, lambda: ELSEWHERE[language] in text_of(app, "#elsewhere"), "the wait-elsewhere offer")
    assert office.waiting() == ["A001", "A002"]
    assert PRINTED_ELSEWHERE[language] in printer.output()
    assert "appointment offer made" in caplog.text
    assert "told_over_promise=1 offered=1 accepted=0" in caplog.text


async def test_under_five_minutes_there_is_no_offer(office: Office, printer: FakeNetworkPrinter) -> None:
    office.open_counter("1")
    async with kiosk(office.config(printer=printer.spec)) as (app, pilot):
        await choose_language(app, pilot, "en")
        await services_ready(app, pilot, "A")
        await tap(pilot, "#service-A")
        await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket, no offer first")
        await until(pilot, lambda: "Take your ticket" in text_of(app, "#printer"), "the ticket printed")
        assert not app.screen.query("#elsewhere")
    assert b"Wait elsewhere" not in printer.output()
    assert office.waiting() == ["A001"]


BOOKED = {"nl": "Uw afspraak", "fr": "Votre rendez-vous", "en": "Your appointment"}


def booking_state(office: Office, code: str) -> str | None:
    booking = office.seeded.db.read(lambda repo: repo.booking_by_code("town", code))
    return booking.state.value if booking is not None else None


@pytest.mark.parametrize("role", [Role.KIOSK, Role.MANAGER])
@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_an_appointment_booked_on_the_spot_is_printed_and_no_ticket_is_issued(
    office: Office, printer: FakeNetworkPrinter, role: Role, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="kiosk.offers")
    office.open_counter("1")
    office.issue("A")
    async with kiosk(office.config(printer=printer.spec, token=office.seeded.tokens[role])) as (app, pilot):
        await choose_language(app, pilot, language)
        await services_ready(app, pilot, "A")
        await until(pilot, lambda: app.office is not None and app.office.services[0].waiting == 1, "the wait")
        await tap(pilot, "#service-A")
        await until(pilot, lambda: isinstance(app.screen, screens.OfferScreen), "the appointment offer")
        offer = app.screen
        assert isinstance(offer, screens.OfferScreen)
        chosen = offer.slots[0]
        await tap(pilot, "#slot-0")
        await until(pilot, lambda: isinstance(app.screen, screens.BookedScreen), "the booked appointment")
        shown = app.screen
        assert isinstance(shown, screens.BookedScreen)
        booking = shown.booking
        assert booking.slot_at == chosen.at
        assert BOOKED[language] in " ".join(str(s.render()) for s in shown.query(".label"))
        assert booking.code in text_of(app, "#booking-code")
    output = printer.output()
    assert booking.code.encode() in output
    assert qr_payloads(output) == [booking.code.encode()]  # the kiosk's scanner reads it when they come back
    local = booking.slot_at.astimezone(chosen.at.tzinfo)
    assert f"{local:%d/%m/%Y}".encode() in output
    assert f"{local:%H:%M}".encode() in output
    # One citizen, one thing: the appointment, and no walk-in ticket beside it.
    assert office.waiting() == ["A001"]
    tickets = office.seeded.db.read(lambda repo: repo.tickets_in("town", set(TicketState)))
    assert [t.number for t in tickets] == ["A001"]
    assert booking_state(office, booking.code) == "booked"
    assert "told_over_promise=1 offered=1 accepted=1" in caplog.text


async def test_a_slot_taken_meanwhile_is_said_and_a_ticket_is_still_offered(
    office: Office, printer: FakeNetworkPrinter
) -> None:
    """Someone else books the last seat of the shown slot before the citizen taps it: they are told, the slot
    leaves the list, and they can still take a ticket."""
    office.open_counter("1")
    office.issue("A")
    async with kiosk(office.config(printer=printer.spec)) as (app, pilot):
        await choose_language(app, pilot, "en")
        await services_ready(app, pilot, "A")
        await until(pilot, lambda: app.office is not None and app.office.services[0].waiting == 1, "the wait")
        await tap(pilot, "#service-A")
        await until(pilot, lambda: isinstance(app.screen, screens.OfferScreen), "the appointment offer")
        assert isinstance(app.screen, screens.OfferScreen)
        taken = app.screen.slots[0].at.isoformat()
        async with httpx.AsyncClient(base_url=office.url, headers=office.auth(Role.MANAGER)) as staff:
            booked = [
                (
                    await staff.post(
                        "/api/offices/town/bookings", json={"service": "A", "slot_at": taken, "language": "en"}
                    )
                ).status_code
                for _ in range(app.screen.slots[0].free)
            ]
        assert set(booked) == {201}
        await tap(pilot, "#slot-0")
        await until(pilot, lambda: "taken just now" in text_of(app, "#notice"), "the refusal in words")
        await tap(pilot, "#take-ticket")
        await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket instead")
    assert office.waiting() == ["A001", "A002"]
