"""The kiosk app driven by Textual's pilot against a real `loket serve` started by each test."""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from textual.pilot import Pilot
from textual.screen import Screen
from textual.widgets import Button, Static

from kiosk import screens
from kiosk.app import KioskApp, KioskConfig
from kiosk.qr import qr_text
from scheduler.bookings import new_code
from scheduler.model import Booking, Role
from tests import tui
from tests.kiosk.test_printing import PAPER_OUT, FakeNetworkPrinter
from tests.support import OFFICE, Seeded, Server, free_port, running_server, start_server
from tui.bigtext import big

WAIT_S = 30.0
LANGUAGES = ["nl", "fr", "en"]


@dataclass
class Office:
    server: Server
    seeded: Seeded
    url: str

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[role]}"}

    def config(self, **changes: Any) -> KioskConfig:
        values: dict[str, Any] = {
            "server": self.server.url,
            "token": self.seeded.tokens[Role.KIOSK],
            "office": "town",
            "idle_s": 600.0,
            "retry_delay_s": 0.2,
        }
        values.update(changes)
        return KioskConfig(**values)

    def open_counter(self, name: str) -> None:
        r = httpx.post(f"{self.url}/api/counters/{self.seeded.counters[name]}/open", headers=self.auth(Role.CLERK))
        assert r.status_code == 200, r.text

    def issue(self, service: str) -> None:
        body = {"service": service, "language": "nl"}
        r = httpx.post(f"{self.url}/api/offices/town/tickets", json=body, headers=self.auth(Role.KIOSK))
        assert r.status_code == 201, r.text

    def queue(self) -> dict[str, Any]:
        return dict(httpx.get(f"{self.url}/api/offices/town/queue", headers=self.auth(Role.MANAGER)).json())

    def waiting(self) -> list[str]:
        return [t["number"] for t in self.queue()["waiting"]]

    def book(self, service: str, minutes_from_now: float) -> str:
        """A booking with its slot that many minutes from now (in the past too: booked earlier)."""
        now = datetime.now(UTC)
        slot = now + timedelta(minutes=minutes_from_now)
        booked_at = min(now, slot - timedelta(hours=1))
        # Straight into the store: these tests are about the check-in window around the slot, at any hour the
        # suite runs, not about the calendar (whose slots exist only in opening hours).
        booking = Booking(office="town", service=service, code=new_code(), slot_at=slot, language="nl")
        return self.seeded.db.write("town", booked_at, lambda repo: repo.add_booking(booking))[0].code

    def events(self, since: int = 0) -> list[dict[str, Any]]:
        return list(self.seeded.db.events_after("town", since) or [])


def office_fixture(office_file: dict[str, object]) -> Callable[..., Iterator[Office]]:
    def make(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
        seeded = seeder(sqlite_url, office_file)
        with running_server(sqlite_url) as server:
            yield Office(server, seeded, server.url)

    return make


office = pytest.fixture(office_fixture(OFFICE), name="office")
returning_office = pytest.fixture(office_fixture({**OFFICE, "timed_return": True}), name="returning_office")


@contextlib.asynccontextmanager
async def kiosk(config: KioskConfig) -> AsyncIterator[tuple[KioskApp, Pilot[None]]]:
    app = KioskApp(config)
    async with app.run_test(size=(120, 45)) as pilot:
        yield app, pilot


until = functools.partial(tui.until, wait_s=WAIT_S)


text_of = tui.text
tap = tui.tap


async def choose_language(app: KioskApp, pilot: Pilot[None], language: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, screens.LanguageScreen), "the language screen")
    await tap(pilot, f"#lang-{language}")
    await until(pilot, lambda: isinstance(app.screen, screens.ServicesScreen), "the services screen")


async def services_ready(app: KioskApp, pilot: Pilot[None], code: str) -> Button:
    await until(pilot, lambda: app.screen.query(f"#service-{code}"), f"the button of service {code}")
    return app.screen.query_one(f"#service-{code}", Button)


async def take_ticket(app: KioskApp, pilot: Pilot[None], code: str) -> None:
    """Tap the service; told a wait over five minutes, decline the appointment offered and take the ticket."""
    await tap(pilot, f"#service-{code}")
    await until(
        pilot, lambda: isinstance(app.screen, screens.TicketScreen | screens.OfferScreen), "the ticket or the offer"
    )
    if isinstance(app.screen, screens.OfferScreen):
        await tap(pilot, "#take-ticket")
    await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket screen")


SAYS_SCAN = {"nl": "Scan de code", "fr": "Scannez le code", "en": "Scan the code"}
AHEAD = {"nl": "1 persoon vóór u", "fr": "1 personne devant vous", "en": "1 person ahead of you"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_walk_in_gets_the_number_the_server_confirmed_with_its_qr_in_their_language(
    office: Office, language: str
) -> None:
    office.open_counter("1")
    office.issue("A")
    async with kiosk(office.config()) as (app, pilot):
        await choose_language(app, pilot, language)
        button = await services_ready(app, pilot, "A")
        assert not button.disabled
        await take_ticket(app, pilot, "A")
        shown = app.screen
        assert isinstance(shown, screens.TicketScreen)
        assert office.waiting() == ["A001", "A002"]
        assert shown.ticket.number == "A002"
        # The screen is current before its widgets are mounted: wait for the number, then read the rest.
        await until(pilot, lambda: text_of(app, "#number") == big("A002"), "the number in block letters")
        assert AHEAD[language] in " ".join(str(s.render()) for s in shown.query(Static))
        status_url = shown.ticket.status_url
        assert text_of(app, "#qr") == qr_text(status_url).plain
        await until(pilot, lambda: SAYS_SCAN[language] in text_of(app, "#printer"), "the no-printer line")
        await tap(pilot, "#number")  # a touch anywhere: back to the start
        await until(pilot, lambda: isinstance(app.screen, screens.LanguageScreen), "the start again")


NOT_SERVED = {"nl": "Nu niet bediend", "fr": "Pas servi pour le moment", "en": "Not served right now"}
PRINTER_FAULT = {"nl": "printer werkt niet", "fr": "imprimante ne fonctionne pas", "en": "printer is not working"}
UNREACHABLE = {"nl": "server van het kantoor", "fr": "serveur du bureau", "en": "the office's server"}
UNKNOWN = {"nl": "We kennen deze boekingscode niet", "fr": "Nous ne connaissons pas", "en": "We do not know"}


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_service_nobody_serves_is_greyed_and_comes_alive_when_a_counter_opens(
    office: Office, language: str
) -> None:
    async with kiosk(office.config()) as (app, pilot):
        await choose_language(app, pilot, language)
        button = await services_ready(app, pilot, "A")
        assert button.disabled
        assert NOT_SERVED[language] in str(button.label)
        office.open_counter("1")  # serves A and B; C stays closed
        await until(pilot, lambda: not app.screen.query_one("#service-A", Button).disabled, "service A to open")
        assert not app.screen.query_one("#service-B", Button).disabled
        assert app.screen.query_one("#service-C", Button).disabled
        await tap(pilot, "#service-C")
        await pilot.pause(0.3)
        assert isinstance(app.screen, screens.ServicesScreen)
        assert office.waiting() == []


@pytest.mark.parametrize(("language", "fault"), [("nl", "paper_out"), ("fr", "unreachable"), ("en", "paper_out")])
async def test_a_printer_fault_keeps_the_ticket_on_screen_and_tells_the_staff(
    office: Office, language: str, fault: str
) -> None:
    office.open_counter("1")
    printer = FakeNetworkPrinter(paper=PAPER_OUT)
    spec = printer.spec if fault == "paper_out" else f"tcp://127.0.0.1:{free_port()}"
    before = len(office.events())
    try:
        async with kiosk(office.config(printer=spec, name="hall-1")) as (app, pilot):
            await choose_language(app, pilot, language)
            await services_ready(app, pilot, "B")
            await tap(pilot, "#service-B")
            await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket screen")
            await until(pilot, lambda: PRINTER_FAULT[language] in text_of(app, "#printer"), "the printer notice")
            assert office.waiting() == ["B001"]
            await until(
                pilot,
                lambda: any(e["type"] == "printer.status" for e in office.events()[before:]),
                "the printer.status event",
            )
    finally:
        printer.stop()
    report = next(e for e in office.events()[before:] if e["type"] == "printer.status")
    assert (report["kiosk"], report["state"]) == ("hall-1", fault)


class DroppingProxy:
    """A TCP proxy to the server that swallows the answer to the first ticket request: the server issues the
    ticket, the kiosk never hears of it (a dropped response)."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.dropped = 0
        self.port = free_port()
        self._server: asyncio.Server | None = None
        self._writers: list[asyncio.StreamWriter] = []
        self._tasks: set[asyncio.Task[None]] = set()

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, "127.0.0.1", self.port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for writer in self._writers:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()
        if self._server is not None:
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None  # the server runs each connection's handler as a task
        self._tasks.add(task)
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.target_port)
        self._writers += [writer, up_writer]

        posted = False  # this connection carried the first ticket request

        async def pump(src: asyncio.StreamReader, dst: asyncio.StreamWriter, request: bool) -> None:
            nonlocal posted
            with contextlib.suppress(ConnectionError):
                while data := await src.read(65536):
                    if request and b"POST /api/offices/town/tickets" in data and self.dropped == 0:
                        posted = True
                    if not request and posted and self.dropped == 0:
                        # The server's answer is here, so the ticket is issued; the kiosk's connection dies
                        # before it hears of it.
                        self.dropped += 1
                        break
                    dst.write(data)
                    await dst.drain()
            writer.close()
            up_writer.close()

        try:
            await asyncio.gather(pump(reader, up_writer, True), pump(up_reader, writer, False))
        finally:
            self._tasks.discard(task)


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_retry_after_a_dropped_answer_gets_the_same_ticket_back(office: Office, language: str) -> None:
    office.open_counter("1")
    proxy = DroppingProxy(office.server.port)
    await proxy.start()
    try:
        async with kiosk(office.config(server=f"http://127.0.0.1:{proxy.port}")) as (app, pilot):
            await choose_language(app, pilot, language)
            await services_ready(app, pilot, "A")
            await tap(pilot, "#service-A")
            await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the ticket screen")
            shown = app.screen
            assert isinstance(shown, screens.TicketScreen)
            assert proxy.dropped == 1
            assert shown.ticket.number == "A001"
            assert office.waiting() == ["A001"]  # one ticket, not two
    finally:
        await proxy.stop()


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_unreachable_server_is_said_plainly_and_try_again_never_makes_two_tickets(
    sqlite_url: str, seeder: Callable[..., Seeded], language: str
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    port = free_port()
    server = start_server(sqlite_url, port=port)
    office = Office(server, seeded, server.url)
    office.open_counter("1")
    try:
        async with kiosk(office.config(attempts=2)) as (app, pilot):
            await choose_language(app, pilot, language)
            await services_ready(app, pilot, "A")
            await asyncio.to_thread(server.stop)
            await tap(pilot, "#service-A")
            await until(pilot, lambda: isinstance(app.screen, screens.UnreachableScreen), "the unreachable screen")
            assert UNREACHABLE[language] in text_of(app, "#title")
            assert not app.screen.query(screens.TicketScreen)
            server = await asyncio.to_thread(start_server, sqlite_url, port=port)
            # The citizen presses "try again" (again, should the first try still meet a dying connection).
            for _ in range(3):
                await pilot.pause()  # the screen laid out: a click lands on the button, not on a screen in motion
                asked = app.screen
                await tap(pilot, "#retry")

                def answered(asked: Screen[object] = asked) -> bool:
                    # The ticket, or "unreachable" said again (not a screen passed on the way).
                    return app.screen is not asked and isinstance(
                        app.screen, screens.TicketScreen | screens.UnreachableScreen
                    )

                await until(pilot, answered, "the answer to the retry")
                if isinstance(app.screen, screens.TicketScreen):
                    break
            assert isinstance(app.screen, screens.TicketScreen)
            assert office.waiting() == ["A001"]
    finally:
        server.stop()


async def check_in(app: KioskApp, pilot: Pilot[None], language: str, code: str) -> None:
    await choose_language(app, pilot, language)
    await tap(pilot, "#appointment")
    await until(pilot, lambda: isinstance(app.screen, screens.AppointmentScreen), "the appointment screen")
    await pilot.press(*code.lower().replace("-", ""), "enter")  # a scanner types the code and Enter


EARLY = {"nl": "U bent te vroeg", "fr": "Vous êtes en avance", "en": "You are early"}
LATE = {"nl": "Het uur van uw afspraak is voorbij", "fr": "L'heure de votre rendez-vous est passée",
        "en": "The time of your appointment has passed"}  # fmt: skip


@pytest.mark.parametrize("language", LANGUAGES)
async def test_appointments_check_in_on_time_and_are_told_when_early_or_late(office: Office, language: str) -> None:
    office.open_counter("1")
    booked_from = datetime.now(UTC)
    on_time, early, late = office.book("B", 5), office.book("B", 60), office.book("A", -30)
    # Check-in opens 15 min before the early one's slot, 60 min after it was booked: said to the minute, which
    # the clock may have turned over while booking.
    opens = {
        (moment + timedelta(minutes=45)).astimezone(ZoneInfo("Europe/Brussels")).strftime("%H:%M")
        for moment in (booked_from, datetime.now(UTC))
    }
    async with kiosk(office.config()) as (app, pilot):
        await check_in(app, pilot, language, on_time)
        await until(pilot, lambda: isinstance(app.screen, screens.TicketScreen), "the appointment's ticket")
        shown = app.screen
        assert isinstance(shown, screens.TicketScreen)
        assert (shown.ticket.kind, shown.ticket.number) == ("appointment", "B001")
        await tap(pilot, "#number")

        await check_in(app, pilot, language, early)
        await until(pilot, lambda: EARLY[language] in text_of(app, "#notice"), "the too-early message")
        assert any(time in text_of(app, "#notice") for time in opens), (opens, text_of(app, "#notice"))
        await tap(pilot, "#back")

        await check_in(app, pilot, language, late)
        await until(pilot, lambda: LATE[language] in text_of(app, "#notice"), "the too-late message")
        walk_in = app.screen.query_one("#walk-in", Button)
        assert "hidden" not in walk_in.classes
        await tap(pilot, "#walk-in")
        await until(
            pilot,
            lambda: isinstance(app.screen, screens.TicketScreen) and app.screen.ticket.kind == "walkin",
            "the walk-in ticket offered instead",
        )
    assert office.waiting() == ["B001", "A001"]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_an_unknown_booking_code_is_refused_in_the_citizens_language(office: Office, language: str) -> None:
    async with kiosk(office.config()) as (app, pilot):
        await check_in(app, pilot, language, "ZZZZ-ZZZZ")
        await until(pilot, lambda: UNKNOWN[language] in text_of(app, "#notice"), "the refusal")
        assert office.waiting() == []


async def test_a_long_wait_offers_to_come_back_later(returning_office: Office) -> None:
    office = returning_office
    office.open_counter("1")
    for _ in range(2):
        office.issue("B")
    async with kiosk(office.config()) as (app, pilot):
        await choose_language(app, pilot, "en")
        await services_ready(app, pilot, "B")
        await take_ticket(app, pilot, "B")
        assert app.screen.query("#timed-return")
        await tap(pilot, "#timed-return")
        await until(pilot, lambda: "your ticket keeps its place" in text_of(app, "#notice"), "the confirmation")
        assert isinstance(app.screen, screens.TicketScreen)  # pressing the offer is not "start over"
    waiting = office.queue()["waiting"]
    assert [t["return_at"] is not None for t in waiting if t["number"] == "B003"] == [True]
