"""The kiosk without its server, driven by Textual's pilot: a real `loket serve` it reserves its blocks from, then
stopped (offline issuing, printed on a real TCP printer, the screen saying offline), then back (the journal
synced: every ticket in the queue with the number printed on it, in check-in order)."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot

from kiosk import screens
from kiosk.app import KioskApp, KioskConfig
from kiosk.blocks import office_day
from kiosk.journal import Journal
from kiosk.qr import qr_text
from tests.kiosk.test_app import Office, choose_language, kiosk, services_ready, tap, text_of, until
from tests.kiosk.test_journal import block
from tests.kiosk.test_printing import COVER_CLOSED, DLE_EOT, PAPER_OK, qr_payloads
from tests.support import OFFICE, Seeded, free_port, start_server
from tui.bigtext import big

OFFLINE = {
    "nl": "De kiosk is offline",
    "fr": "La borne est hors ligne",
    "en": "The kiosk is offline",
}
KEPT = {
    "nl": "Offline — uw plaats blijft behouden",
    "fr": "Hors ligne — votre place est gardée",
    "en": "Offline — your place is kept",
}
#: As printed: CP858, the dash made ASCII.
KEPT_PRINTED = {
    "nl": b"Offline - uw plaats blijft behouden",
    "fr": b"Hors ligne - votre place est gard\x82e",
    "en": b"Offline - your place is kept",
}
USED_UP = {
    "nl": "geen nummers meer",
    "fr": "plus de numéros",
    "en": "no numbers left",
}


class RollPrinter:
    """A raw-TCP receipt printer on 127.0.0.1 that prints ticket after ticket: the bytes of each connection are
    one ticket. Answers the DLE EOT status requests (cover closed, paper ok)."""

    def __init__(self) -> None:
        self.tickets: list[bytes] = []
        self.printed = threading.Condition()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        replies = {1: 0x16, 2: COVER_CLOSED, 3: 0x12, 4: PAPER_OK}
        with self._server:
            while True:
                try:
                    connection, _ = self._server.accept()
                except OSError:
                    return
                received = bytearray()
                with connection:
                    scanned = 0
                    while chunk := connection.recv(65536):
                        received += chunk
                        while (found := received.find(DLE_EOT, scanned)) != -1 and found + 2 < len(received):
                            scanned = found + 3
                            if received[found + 2] in replies:
                                connection.sendall(bytes([replies[received[found + 2]]]))
                if received:
                    with self.printed:
                        self.tickets.append(bytes(received))
                        self.printed.notify_all()

    def stop(self) -> None:
        self._server.close()
        self._thread.join(timeout=5)


@pytest.fixture
def roll() -> Iterator[RollPrinter]:
    printer = RollPrinter()
    yield printer
    printer.stop()


def journal_numbers(path: Path) -> list[str]:
    return [t.number for t in Journal(path).refresh().tickets.values()]


async def take_offline(app: KioskApp, pilot: Pilot[None], language: str, service: str) -> screens.OfflineTicketScreen:
    """Choose the language and the service; the server does not answer: the ticket from the kiosk's block."""
    await choose_language(app, pilot, language)
    await services_ready(app, pilot, service)
    await tap(pilot, f"#service-{service}")
    await until(pilot, lambda: isinstance(app.screen, screens.OfflineTicketScreen), "the offline ticket")
    shown = app.screen
    assert isinstance(shown, screens.OfflineTicketScreen)
    await until(pilot, lambda: text_of(app, "#number") == big(shown.issued.number), "the number in block letters")
    return shown


async def back_to_start(app: KioskApp, pilot: Pilot[None]) -> None:
    await tap(pilot, "#number")
    await until(pilot, lambda: isinstance(app.screen, screens.LanguageScreen), "the start again")


async def test_offline_the_kiosk_issues_from_its_block_and_the_sync_lands_every_printed_number(
    sqlite_url: str, seeder: Callable[..., Seeded], tmp_path: Path, roll: RollPrinter
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    port = free_port()
    server = start_server(sqlite_url, port=port)
    office = Office(server, seeded, server.url)
    office.open_counter("1")
    office.issue("A")  # A001, online, before the outage
    booked = office.book("B", 5)
    path = tmp_path / "hall-1.jsonl"
    config = office.config(journal=str(path), name="hall-1", printer=roll.spec, block_size=10)
    try:
        async with kiosk(config) as (app, pilot):
            assert app.desk is not None
            day = office_day(datetime.now(UTC), "Europe/Brussels")
            await until(
                pilot,
                lambda: {b.service for b in app.desk.blocks_of_day(day)} == {"A", "B", "C"},  # type: ignore[union-attr]
                "a block of every service reserved and journalled",
            )
            assert {(b.service, b.first, b.last) for b in app.desk.blocks_of_day(day)} == {
                ("A", 500, 509),
                ("B", 500, 509),
                ("C", 500, 509),
            }
            await until(pilot, lambda: isinstance(app.screen, screens.LanguageScreen), "the language screen")
            assert text_of(app, "#offline") == ""

            await asyncio.to_thread(server.stop)
            await until(pilot, lambda: OFFLINE["nl"] in text_of(app, "#offline"), "the first screen saying offline")
            assert OFFLINE["fr"] in text_of(app, "#offline")

            shown = await take_offline(app, pilot, "fr", "A")
            assert shown.issued.number == "A500"
            assert KEPT["fr"] in text_of(app, "#offline")
            assert text_of(app, "#qr") == qr_text(shown.issued.status_url).plain
            assert "/t/" in shown.issued.status_url
            await until(pilot, lambda: "Prenez votre ticket" in text_of(app, "#printer"), "printed")
            first_paper = roll.tickets[0]
            assert b"A500" in first_paper
            assert KEPT_PRINTED["fr"] in first_paper
            assert qr_payloads(first_paper) == [shown.issued.status_url.encode()]
            await back_to_start(app, pilot)

            await choose_language(app, pilot, "en")
            assert OFFLINE["en"] in text_of(app, "#notice")
            assert app.screen.has_class("offline")
            await tap(pilot, "#back")
            for language, service, number in [("nl", "A", "A501"), ("en", "B", "B500")]:
                shown = await take_offline(app, pilot, language, service)
                assert shown.issued.number == number
                assert KEPT[language] in text_of(app, "#offline")
                await back_to_start(app, pilot)

            # A booking's code typed offline: journalled with its code, checked in at the sync.
            await choose_language(app, pilot, "nl")
            await tap(pilot, "#appointment")
            await until(pilot, lambda: isinstance(app.screen, screens.AppointmentScreen), "the appointment screen")
            await pilot.press(*booked.lower().replace("-", ""), "enter")
            await until(pilot, lambda: isinstance(app.screen, screens.OfflineTicketScreen), "the appointment's ticket")
            assert app.screen.issued.number == booked  # type: ignore[attr-defined]
            await until(pilot, lambda: len(roll.tickets) == 4, "four tickets printed")
            assert journal_numbers(path) == ["A500", "A501", "B500", booked]

            server = await asyncio.to_thread(start_server, sqlite_url, port=port)
            await until(
                pilot,
                lambda: len(Journal(path).refresh().synced) == 4,
                "every journalled ticket synced",
            )
            await until(pilot, lambda: app.online, "the kiosk online again")
            await back_to_start(app, pilot)
            await until(pilot, lambda: text_of(app, "#offline") == "", "the first screen no longer offline")
        waiting = office.queue()["waiting"]
    finally:
        server.stop()
    numbers = [t["number"] for t in waiting]
    assert sorted(numbers) == sorted(["A001", "A500", "A501", "B500", booked])
    assert len(numbers) == len(set(numbers))
    order = [t["number"] for t in sorted(waiting, key=lambda t: t["checked_in_at"])]
    assert order == ["A001", "A500", "A501", "B500", booked]
    state = Journal(path).refresh()
    assert state.refused == {}
    assert set(state.printed.values()) == {"ok"}


async def test_started_without_its_server_the_kiosk_knows_its_blocks_and_says_when_they_are_used_up(
    tmp_path: Path,
) -> None:
    """No server at all since the start: the services come from the journal's blocks of today; a block used
    up gives nothing and says so; another service still gives its numbers."""
    path = tmp_path / "hall-1.jsonl"
    day = office_day(datetime.now(UTC), "Europe/Brussels")
    with Journal(path) as journal:
        journal.append(block("A", 500, 500, day))
        journal.append(block("B", 500, 509, day))
    config = KioskConfig(
        server=f"http://127.0.0.1:{free_port()}",
        token="t",
        office="town",
        name="hall-1",
        journal=str(path),
        idle_s=600.0,
        attempts=1,
        retry_delay_s=0.05,
    )
    async with kiosk(config) as (app, pilot):
        await until(pilot, lambda: OFFLINE["en"] in text_of(app, "#offline"), "the first screen saying offline")
        shown = await take_offline(app, pilot, "nl", "A")
        assert shown.issued.number == "A500"
        assert shown.issued.service_name == "Identiteitskaart"
        await back_to_start(app, pilot)
        await choose_language(app, pilot, "en")
        await services_ready(app, pilot, "A")
        await tap(pilot, "#service-A")
        await until(pilot, lambda: isinstance(app.screen, screens.UnreachableScreen), "the used-up screen")
        assert USED_UP["en"] in text_of(app, "#notice")
        assert journal_numbers(path) == ["A500"]  # nothing invented
        await tap(pilot, "#back")
        shown = await take_offline(app, pilot, "fr", "B")
        assert shown.issued.number == "B500"
