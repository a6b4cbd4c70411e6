"""Issuing from a kiosk never makes two tickets: a lost answer or a 503 is asked again with the same key."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from kiosk.issuing import Request, issue

TICKET = {"id": 1, "number": "A001", "status_url": "http://x/t/abc"}


class Scripted:
    """A loopback server answering POSTs with the given statuses in turn, recording each Idempotency-Key."""

    def __init__(self, statuses: list[int]) -> None:
        self.statuses = statuses
        self.keys: list[str | None] = []


@pytest.fixture
def scripted() -> Iterator[tuple[Scripted, str]]:
    script = Scripted([])

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            script.keys.append(self.headers.get("Idempotency-Key"))
            status = script.statuses.pop(0) if script.statuses else 201
            body = TICKET if status < 300 else {"error": "database_unavailable", "detail": "try again in 5 s"}
            if status == 409:
                body = {"error": "service_closed", "detail": "closed"}
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield script, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


async def test_a_503_is_asked_again_with_the_same_key(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.statuses = [503, 503]
    async with LoketClient(url, "kiosk-token") as client:
        ticket = await issue(client, Request("town", "nl", service="A"), attempts=3, delay_s=0.01)
    assert ticket.number == "A001"
    assert len(script.keys) == 3
    assert len(set(script.keys)) == 1


async def test_a_503_that_lasts_is_said_as_unreachable(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.statuses = [503, 503]
    async with LoketClient(url, "kiosk-token") as client:
        with pytest.raises(Unreachable):
            await issue(client, Request("town", "nl", service="A"), attempts=2, delay_s=0.01)


async def test_a_refusal_is_not_asked_again(scripted: tuple[Scripted, str]) -> None:
    script, url = scripted
    script.statuses = [409]
    async with LoketClient(url, "kiosk-token") as client:
        with pytest.raises(LoketError):
            await issue(client, Request("town", "nl", service="A"), attempts=3, delay_s=0.01)
    assert len(script.keys) == 1


async def test_a_ticket_screen_left_before_printing_ends_does_not_crash_the_kiosk() -> None:
    from client.models import IssuedTicket
    from kiosk import screens
    from kiosk.app import KioskApp, KioskConfig
    from tests.support import free_port

    app = KioskApp(KioskConfig(server=f"http://127.0.0.1:{free_port()}", token="t", office="town"))
    async with app.run_test() as pilot:
        ticket = IssuedTicket(id=1, number="A001", service="A", state="waiting", status_url="http://x/t/abc")
        shown = screens.TicketScreen("nl", ticket, "Paspoort", "Europe/Brussels")
        await app.push_screen(shown)
        await pilot.pause()
        await app.pop_screen()  # the citizen touched the screen: back to the start
        await pilot.pause()
        shown.printed("Neem uw ticket hieronder.")  # the printer answers late
        shown.notice("...")
        await pilot.pause()
        assert app.is_running
