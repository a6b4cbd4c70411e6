"""Shared by the hardening tests: kiosks issuing tickets under load, what the database holds afterwards, and a
TCP proxy in front of PostgreSQL that can cut the database off."""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from scheduler.model import Role
from tests.conftest import POSTGRES_URL
from tests.support import OFFICE, Seeded, free_port

TOWN = str(OFFICE["name"])
SERVICES = "ABC"
Json = dict[str, Any]


# -- kiosks -------------------------------------------------------------------------------------------------


@dataclass
class Attempt:
    """One ticket request as a kiosk saw it: `status` None when no answer came (refused, reset, timed out)."""

    key: str
    service: str
    started: float
    answered: float | None = None
    status: int | None = None
    body: Json | None = None
    retry_after: str | None = None
    failure: str | None = None

    @property
    def acknowledged(self) -> bool:
        return self.status in (200, 201)

    @property
    def answer(self) -> Json:
        """The body the server answered with (the ticket, for a 2xx)."""
        assert self.body is not None, f"no answer to {self.key}: {self.failure}"
        return self.body


@dataclass
class Kiosks:
    """`count` kiosks issuing `rate` tickets a second in total, each request with its own Idempotency-Key.

    Each kiosk waits for its answer before the next request, like a real one; `attempts` records them all.
    """

    base_url: str
    token: str
    count: int = 5
    rate: float = 50.0
    timeout_s: float = 5.0
    attempts: list[Attempt] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._kiosk(i)) for i in range(self.count)]

    async def stop(self) -> None:
        self._stop.set()
        await asyncio.gather(*self._tasks)

    async def until_acknowledged(self, count: int, *, at_least_s: float, timeout_s: float = 20.0) -> None:
        """Wait until the rush has run `at_least_s` and `count` tickets were acknowledged (a loaded machine
        answers the first requests of a fresh server slowly)."""
        started = time.monotonic()
        while time.monotonic() - started < at_least_s or len(self.acknowledged) < count:
            assert time.monotonic() - started < timeout_s, (
                f"{len(self.acknowledged)} of {len(self.attempts)} requests acknowledged in {timeout_s} s: "
                f"{sorted({str(a.status or a.failure) for a in self.attempts})}"
            )
            await asyncio.sleep(0.02)

    async def until_in_flight(self, *, for_s: float, timeout_s: float = 20.0) -> list[Attempt]:
        """Wait until a request has been on its way for `for_s` with neither an answer nor a failure (sent, so
        the server has it); return every request on its way at that moment. The caller acts on it before its
        next await: no kiosk can see an answer in between."""
        started = time.monotonic()
        while not any(time.monotonic() - a.started >= for_s for a in self.in_flight):
            assert time.monotonic() - started < timeout_s, f"no request on its way for {for_s} s in {timeout_s} s"
            await asyncio.sleep(for_s / 4)
        return self.in_flight

    @property
    def in_flight(self) -> list[Attempt]:
        """Requests sent that have neither an answer nor a failure yet."""
        return [a for a in self.attempts if a.status is None and a.failure is None]

    async def _kiosk(self, index: int) -> None:
        interval = self.count / self.rate
        due = time.monotonic() + index * interval / self.count
        headers = {"Authorization": f"Bearer {self.token}"}
        async with httpx.AsyncClient(base_url=self.base_url, headers=headers, timeout=self.timeout_s) as http:
            n = index
            while not self._stop.is_set():
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), max(0.0, due - time.monotonic()))
                if self._stop.is_set():
                    return
                due = max(due + interval, time.monotonic())  # a kiosk that fell behind does not burst
                attempt = Attempt(str(uuid.uuid4()), SERVICES[n % len(SERVICES)], time.monotonic())
                n += self.count
                self.attempts.append(attempt)
                await issue(http, attempt)

    @property
    def acknowledged(self) -> list[Attempt]:
        return [a for a in self.attempts if a.acknowledged]

    @property
    def broken_mid_request(self) -> list[Attempt]:
        """Requests whose connection broke mid-way (sent, maybe applied), not those refused outright: the ones
        in flight at a kill, and any sent on a kept-alive connection the dead server had not closed cleanly."""
        return [a for a in self.attempts if a.status is None and a.failure != "ConnectError"]

    @property
    def unanswered(self) -> list[Attempt]:
        """Requests that may or may not have been applied: no answer, or a 5xx."""
        return [a for a in self.attempts if a.status is None or a.status >= 500]


async def issue(http: httpx.AsyncClient, attempt: Attempt) -> None:
    """Send (or resend) `attempt`'s request and record the answer in it."""
    try:
        response = await http.post(
            f"/api/offices/{TOWN}/tickets",
            json={"service": attempt.service, "language": "nl"},
            headers={"Idempotency-Key": attempt.key},
        )
    except httpx.TransportError as exc:
        attempt.status, attempt.body, attempt.failure = None, None, type(exc).__name__
        attempt.answered = None
        return
    attempt.answered = time.monotonic()
    attempt.status, attempt.failure = response.status_code, None
    attempt.retry_after = response.headers.get("retry-after")
    try:
        attempt.body = response.json()
    except ValueError:
        attempt.body = {"not_json": response.text[:500]}


def kiosk_client(base_url: str, seeded: Seeded) -> httpx.AsyncClient:
    return httpx.AsyncClient(
        base_url=base_url, headers={"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}, timeout=10
    )


# -- what the database holds ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    id: int
    service: str
    number: str
    day: str
    key: str | None


def stored_tickets(seeded: Seeded) -> list[Stored]:
    with seeded.db.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT id, service, number, day, idempotency_key FROM ticket WHERE office = :o ORDER BY id"),
            {"o": TOWN},
        )
        return [Stored(r[0], r[1], r[2], str(r[3]), r[4]) for r in rows]


def duplicate_numbers(tickets: list[Stored]) -> list[tuple[str, str, str]]:
    """(day, service, number) given to more than one ticket."""
    counts = Counter((t.day, t.service, t.number) for t in tickets)
    return sorted(k for k, n in counts.items() if n > 1)


def numbers_by_service(tickets: list[Stored]) -> dict[str, list[int]]:
    """Each service's sequence numbers (today's: the tests run within one day), sorted."""
    out: dict[str, list[int]] = {}
    for t in tickets:
        out.setdefault(t.service, []).append(int(t.number[len(t.service) :]))
    return {service: sorted(numbers) for service, numbers in out.items()}


def event_seqs(seeded: Seeded) -> tuple[list[int], int]:
    """The office's event log sequence numbers, and the office's own counter."""
    with seeded.db.engine.connect() as conn:
        seqs = [r[0] for r in conn.execute(text("SELECT seq FROM event WHERE office = :o ORDER BY seq"), {"o": TOWN})]
        office_seq = conn.execute(text("SELECT seq FROM office WHERE id = :o"), {"o": TOWN}).scalar_one()
    return seqs, int(office_seq)


# -- a PostgreSQL that can go away ----------------------------------------------------------------------------


class DatabaseProxy:
    """A TCP proxy on loopback in front of PostgreSQL, running in a thread of its own (so that blocking test
    code never stalls the server's database traffic).

    `cut()` makes the database unreachable the way a crash or a network failure does: every connection is
    reset and new ones are refused. `restore()` accepts connections again on the same port.
    """

    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="db-proxy", daemon=True)
        self._server: asyncio.Server | None = None
        self._transports: set[asyncio.WriteTransport] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def url_for(self, database_url: str) -> str:
        """`database_url`, but through this proxy."""
        return make_url(database_url).set(host="127.0.0.1", port=self.port).render_as_string(hide_password=False)

    def start(self) -> None:
        self._thread.start()
        self._call(self._listen())

    def cut(self) -> None:
        self._call(self._cut())

    def restore(self) -> None:
        self._call(self._listen())

    def close(self) -> None:
        self._call(self._cut())
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)
        self._loop.close()

    def _call(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(10)

    async def _listen(self) -> None:
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", self.port, reuse_address=True)

    async def _cut(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for transport in list(self._transports):
            transport.abort()  # a reset, not a polite goodbye
        self._transports.clear()

    async def _accept(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            client_writer.transport.abort()
            return
        self.connections += 1
        pair = (client_writer.transport, upstream_writer.transport)
        self._transports.update(pair)
        for reader, writer in ((client_reader, upstream_writer), (upstream_reader, client_writer)):
            task = asyncio.create_task(self._pump(reader, writer, pair))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _pump(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        pair: tuple[asyncio.WriteTransport, asyncio.WriteTransport],
    ) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, OSError):
            pass
        finally:
            for transport in pair:
                transport.close()
                self._transports.discard(transport)


@pytest.fixture
def database_proxy() -> Iterator[DatabaseProxy]:
    target = make_url(POSTGRES_URL)
    proxy = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
    proxy.start()
    yield proxy
    proxy.close()
