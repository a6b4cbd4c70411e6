"""A real `loket serve` taken through a citizen's booking, a walk-in's status-token actions, a clerk's login and
staff requests with bearer tokens, while its mail server refuses the citizen's address (quoting it) and its SMS
gateway fails: nothing personal and no secret may appear in what the server logs."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from websockets.sync.client import connect

from tests.security.conftest import PASSWORD, USERNAME, Template, copy_of
from tests.support import free_port, running_server

NAME = "Zoë Vanderelst-Quintijn"
EMAIL = "zoe.quintijn-4471@example.org"
PHONE_TYPED, PHONE_E164 = "0470 91 82 73", "+32470918273"
WALK_IN_EMAIL = "walkin.vermeulen-2208@example.org"

pytestmark = pytest.mark.e2e


class RefusingInbox:
    """Refuses every recipient and quotes the address, as real servers do."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: unknown user"


@dataclass
class Run:
    log: str
    secrets: dict[str, str]


def _failing_gateway() -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def _refuse(self) -> None:
            self.send_response(500)
            self.end_headers()
            self.wfile.write(self.path.encode())  # echoes the number, as a careless gateway might

        do_GET = do_POST = _refuse

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _free_slots(http: httpx.Client) -> list[dict[str, object]]:
    """The free slots of service A on the first day ahead with any (the server runs on the real clock)."""
    for ahead in range(1, 15):
        day = (date.today() + timedelta(days=ahead)).isoformat()
        slots = http.get("/api/offices/town/slots", params={"service": "A", "day": day}).json()
        free = [slot for slot in slots if slot["free"] > 0]
        if len(free) >= 2:
            return free
    raise AssertionError("no bookable day in the next two weeks")


def _walk_through(url: str, ws: str, tokens: dict[str, str]) -> dict[str, str]:
    """Everything a day brings; answers the secrets that went over the wire."""
    secrets: dict[str, str] = {"name": NAME, "email": EMAIL, "phone": PHONE_E164, "password": PASSWORD}
    secrets["phone as typed"] = PHONE_TYPED
    secrets["walk-in e-mail"] = WALK_IN_EMAIL
    for who in ("kiosk", "display", "clerk", "manager", "admin"):
        secrets[f"{who} token"] = tokens[who]

    def bearer(who: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[who]}"}

    with httpx.Client(base_url=url, timeout=30) as http:
        slots = _free_slots(http)
        body = {
            "service": "A",
            "slot_at": slots[0]["at"],
            "language": "nl",
            "name": NAME,
            "email": EMAIL,
            "phone": PHONE_TYPED,
            "remind_via": "sms",
        }
        booked = http.post("/api/offices/town/bookings", json=body)
        assert booked.status_code == 201, booked.text
        manage = secrets["manage token"] = booked.json()["manage_url"].rsplit("/", 1)[1]
        code = secrets["booking code"] = booked.json()["code"]
        assert http.get(f"/api/bookings/{manage}").status_code == 200
        assert http.get(f"/booking/{manage}").status_code == 200
        assert http.post(f"/api/bookings/{manage}/move", json={"slot_at": slots[1]["at"]}).status_code == 200

        ticket = http.post(
            "/api/offices/town/tickets", json={"service": "A", "language": "fr"}, headers=bearer("kiosk")
        )
        assert ticket.status_code == 201, ticket.text
        status = secrets["status token"] = ticket.json()["status_url"].rsplit("/", 1)[1]
        assert http.get(f"/t/{status}").status_code == 200
        told = http.post(f"/api/status/{status}/notify", json={"email": WALK_IN_EMAIL})
        assert told.status_code == 200, told.text
        assert http.post(f"/api/status/{status}/late").status_code == 200
        assert http.post(f"/t/{status}/leave").status_code == 303

        login = http.post("/api/login", json={"username": USERNAME, "password": PASSWORD})
        assert login.status_code == 200, login.text
        secrets["login token"] = login.json()["token"]
        wrong = http.post("/api/login", json={"username": USERNAME, "password": PASSWORD + "-not"})
        assert wrong.status_code == 401
        secrets["wrong password"] = PASSWORD + "-not"
        login_bearer = {"Authorization": f"Bearer {secrets['login token']}"}
        assert http.get("/api/offices/town/queue", headers=login_bearer).status_code == 200
        for who in ("display", "clerk", "manager", "admin"):
            assert http.get("/api/offices/town/queue", headers=bearer(who)).status_code == 200
        assert http.get("/api/offices/annex/queue", headers=bearer("clerk")).status_code == 403
        assert http.get(f"/display/town?token={tokens['display']}").status_code == 303  # traded for a cookie
        checked_in = http.post(
            "/api/offices/town/tickets", json={"appointment": code, "language": "nl"}, headers=bearer("kiosk")
        )
        assert checked_in.status_code in (201, 409), checked_in.text  # too early is fine: the code was sent
        assert (
            http.get("/api/offices/town/queue", headers={"Authorization": "Bearer forged-or-mistyped"}).status_code
            == 401
        )
    with connect(f"{ws}/ws/offices/town?token={tokens['display']}", open_timeout=15) as socket:
        assert json.loads(socket.recv(timeout=15))["type"] == "snapshot"
    with connect(f"{ws}/ws/offices/town", additional_headers=bearer("clerk"), open_timeout=15) as socket:
        assert json.loads(socket.recv(timeout=15))["type"] == "snapshot"
    return secrets


@pytest.fixture(scope="module")
def run(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Run]:
    directory = tmp_path_factory.mktemp("logs")
    inbox = Controller(RefusingInbox(), hostname="127.0.0.1", port=free_port())
    inbox.start()
    gateway = _failing_gateway()
    env = {
        "LOKET_SMTP_HOST": "127.0.0.1",
        "LOKET_SMTP_PORT": str(inbox.port),
        "LOKET_SMS_URL": f"http://127.0.0.1:{gateway.server_address[1]}/send?to={{to}}&text={{text}}",
        "LOKET_BOOKING_RATE_PER_HOUR": "0",
    }
    log = directory / "server.log"
    try:
        with running_server(copy_of(template, directory), env=env, log=log) as server:
            secrets = _walk_through(server.url, server.ws, template.tokens)
        yield Run(Path(log).read_text(encoding="utf-8", errors="replace"), secrets)
    finally:
        gateway.shutdown()
        gateway.server_close()
        inbox.stop()


def _found(run: Run, names: set[str]) -> dict[str, list[str]]:
    lines = run.log.splitlines()
    return {
        name: [line for line in lines if run.secrets[name] in line][:2]
        for name in names
        if run.secrets[name] in run.log
    }


def test_the_server_log_covers_the_walk_through(run: Run) -> None:
    assert '"POST /api/offices/town/bookings HTTP/1.1" 201' in run.log
    assert '"POST /api/login HTTP/1.1" 200' in run.log
    assert "WebSocket /ws/offices/town" in run.log
    assert "e-mail for booking 1 not sent: the SMTP server refused the recipient (550)" in run.log
    assert "SMS for booking 1 not sent: the SMS gateway answered 500" in run.log


def test_the_log_holds_no_name_e_mail_phone_password_or_bearer_token(run: Run) -> None:
    personal = {"name", "email", "phone", "phone as typed", "walk-in e-mail", "password", "wrong password"}
    bearer = {"kiosk token", "display token", "clerk token", "manager token", "admin token", "login token"}
    assert _found(run, personal | bearer | {"booking code"}) == {}


def test_the_log_holds_no_status_or_manage_token(run: Run) -> None:
    """Found here first: the access log wrote the paths of the citizens' pages whole."""
    assert _found(run, {"status token", "manage token"}) == {}
