"""The app in process, with its lifespan, a real SQLite file and an adjustable clock; a real SMTP server
and a real HTTP SMS gateway on loopback for the messages to citizens."""

from __future__ import annotations

import contextlib
import email
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

from scheduler.model import Role
from server import create_app
from service.parts import Parts
from settings import Settings
from tests.support import Seeded, free_port


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@dataclass
class Api:
    http: httpx.AsyncClient
    seeded: Seeded
    clock: Clock
    parts: Parts

    def auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.seeded.tokens[role]}"}

    async def issue(self, service: str = "A", language: str = "nl", **headers: str) -> dict[str, Any]:
        r = await self.http.post(
            "/api/offices/town/tickets",
            json={"service": service, "language": language},
            headers={**self.auth(Role.KIOSK), **headers},
        )
        assert r.status_code in (200, 201), r.text
        return dict(r.json())

    async def open(self, counter: str) -> None:
        r = await self.http.post(f"/api/counters/{self.seeded.counters[counter]}/open", headers=self.auth(Role.CLERK))
        assert r.status_code == 200, r.text


@contextlib.asynccontextmanager
async def serving(url: str, seeded: Seeded, **settings: object) -> AsyncIterator[Api]:
    """The app on this seeded database, in process, with its lifespan and an adjustable clock."""
    clock = Clock()
    app = create_app(Settings(database_url=url, public_url="https://loket.example", **settings), clock=clock)  # type: ignore[arg-type]
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://loket.test") as http:
            yield Api(http, seeded, clock, app.state.parts)


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url)) as served:
        yield served


@pytest.fixture
async def both_api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    """The app on SQLite and on the real PostgreSQL."""
    async with serving(database_url, seeder(database_url)) as served:
        yield served


class Inbox:
    def __init__(self) -> None:
        self.mails: list[EmailMessage] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.mails.append(email.message_from_bytes(bytes(envelope.content or b""), policy=default))  # type: ignore[arg-type]
        return "250 OK"


@dataclass
class Gateway:
    url: str
    texts: list[dict[str, Any]] = field(default_factory=list)


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    box = Inbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    received: list[dict[str, Any]] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            received.append({**body, "auth": self.headers.get("Authorization")})
            self.send_response(200)
            self.end_headers()

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Gateway(f"http://127.0.0.1:{server.server_address[1]}/send", received)
    finally:
        server.shutdown()
        server.server_close()
