"""Offline kiosks against a real `loket serve` on a real SQLite file: the kiosks (`loket kiosk ... --issue` and
`--sync`, real processes) reserve blocks of numbers, keep issuing and printing (to raw-TCP printers on loopback)
while the server is down, and upload their journals when it is back. The queue then holds every ticket with the
number printed on it, in check-in order, no number twice; a kiosk killed between its journal and its printer,
and a server killed during a sync, lose nothing and double nothing.

The kills wait on conditions, not on luck: the kiosk is killed while its printer holds it (the printer took the
connection and never answers the status request the kiosk waits on before printing), and the server while a
proxy holds the answer to a ticket it has stored (the kiosk never hears of it)."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.model import Role
from tests.support import ROOT, Seeded, Server, free_port, seed, start_server

pytestmark = pytest.mark.e2e

TOWN = "town"
WAIT_S = 30.0
DLE_EOT = b"\x10\x04"
#: Status answers of a printer with its cover closed and paper in (ESC/POS DLE EOT 1-4).
HEALTHY = {1: 0x16, 2: 0x12, 3: 0x12, 4: 0x12}
OFFLINE_NL = b"Offline - uw plaats blijft behouden"


class Printer:
    """A raw-TCP receipt printer on 127.0.0.1: each connection's bytes are one ticket. A `mute` printer takes the
    connection and the status request and never answers (the kiosk waits for it before printing)."""

    def __init__(self) -> None:
        self.mute = False
        self.tickets: list[bytes] = []
        self.asked = threading.Event()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def spec(self) -> str:
        return f"tcp://127.0.0.1:{self.port}"

    def _serve(self) -> None:
        with self._server:
            while True:
                connection, _ = self._server.accept()
                if self._stopping:
                    connection.close()
                    return
                threading.Thread(target=self._take, args=(connection,), daemon=True).start()

    def _take(self, connection: socket.socket) -> None:
        mute, received = self.mute, bytearray()
        with connection:
            scanned = 0
            try:
                while chunk := connection.recv(65536):
                    received += chunk
                    while (found := received.find(DLE_EOT, scanned)) != -1 and found + 2 < len(received):
                        scanned = found + 3
                        self.asked.set()
                        if not mute and received[found + 2] in HEALTHY:
                            connection.sendall(bytes([HEALTHY[received[found + 2]]]))
            except OSError:  # the kiosk was killed
                pass
        if not mute and received:
            self.tickets.append(bytes(received))

    def stop(self) -> None:
        self._stopping = True
        with socket.create_connection(("127.0.0.1", self.port)):
            pass
        self._thread.join(timeout=5)


class Proxy:
    """A TCP proxy on loopback in front of the server. `hold_at(n)`: the answer to the n-th offline ticket the
    kiosk uploads is kept back (the server stored the ticket; the kiosk never hears so); `held` is set then."""

    MARK = f"POST /api/offices/{TOWN}/tickets/offline".encode()

    def __init__(self, upstream_port: int) -> None:
        self.upstream_port = upstream_port
        self.hold_after: int | None = None
        self.held = threading.Event()
        self._seen = 0
        self._lock = threading.Lock()
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = int(self._server.getsockname()[1])
        self._stopping = False
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def hold_at(self, n: int) -> None:
        self.hold_after, self._seen = n, 0
        self.held.clear()

    def _serve(self) -> None:
        with self._server:
            while True:
                client, _ = self._server.accept()
                if self._stopping:
                    client.close()
                    return
                threading.Thread(target=self._connect, args=(client,), daemon=True).start()

    def _connect(self, client: socket.socket) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.upstream_port), timeout=5)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        holding = threading.Event()
        threading.Thread(target=self._up, args=(client, upstream, holding), daemon=True).start()
        self._down(upstream, client, holding)

    def _up(self, client: socket.socket, upstream: socket.socket, holding: threading.Event) -> None:
        """Kiosk -> server: everything; the n-th offline upload switches this connection's answers off."""
        seen = bytearray()
        try:
            while chunk := client.recv(65536):
                seen += chunk
                with self._lock:
                    while (found := seen.find(self.MARK)) != -1:
                        del seen[: found + len(self.MARK)]
                        self._seen += 1
                        if self.hold_after is not None and self._seen == self.hold_after:
                            holding.set()
                    del seen[: max(0, len(seen) - len(self.MARK))]
                upstream.sendall(chunk)
        except OSError:
            pass
        finally:
            with_shutdown(upstream)

    def _down(self, upstream: socket.socket, client: socket.socket, holding: threading.Event) -> None:
        """Server -> kiosk: forwarded, unless held (then kept back until the server goes away)."""
        try:
            while chunk := upstream.recv(65536):
                if holding.is_set():
                    self.held.set()
                    continue
                client.sendall(chunk)
        except OSError:
            pass
        finally:
            client.close()
            upstream.close()

    def stop(self) -> None:
        self._stopping = True
        with socket.create_connection(("127.0.0.1", self.port)):
            pass
        self._thread.join(timeout=5)


def with_shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_WR)


@dataclass
class Room:
    """The office's server (stopped and started again on the same database and port) and its kiosks."""

    url: str
    seeded: Seeded
    port: int
    log: Path
    state: Path
    server: Server | None = None
    printers: list[Printer] = field(default_factory=list)

    def start(self) -> None:
        assert self.server is None
        self.server = start_server(self.url, port=self.port, log=self.log)

    def stop(self) -> None:
        assert self.server is not None
        self.server.stop()
        self.server = None

    def kill(self) -> None:
        """SIGKILL: no shutdown of any kind."""
        assert self.server is not None
        self.server.process.kill()
        self.server.process.wait()
        self.server.stop()
        self.server = None

    @property
    def server_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kiosk(self, name: str) -> Kiosk:
        printer = Printer()
        self.printers.append(printer)
        return Kiosk(self, name, self.state / f"{name}.jsonl", printer)

    def queue(self) -> dict[str, Any]:
        token = self.seeded.tokens[Role.CLERK]
        r = httpx.get(f"{self.server_url}/api/offices/{TOWN}/queue", headers={"Authorization": f"Bearer {token}"})
        assert r.status_code == 200, r.text
        return dict(r.json())

    def stored(self) -> list[tuple[str, bool, str]]:
        """Every ticket of the office in the database: (number, offline, state)."""
        from sqlmodel import Session, select

        from store.tables import TicketRow

        with Session(self.seeded.db.engine) as session:
            rows = session.exec(select(TicketRow).where(TicketRow.office == TOWN)).all()
            return [(r.number, bool(r.offline), r.state) for r in rows]


@dataclass
class Kiosk:
    room: Room
    name: str
    journal: Path
    printer: Printer

    def command(self, *args: str, server: str | None = None) -> list[str]:
        token = self.room.seeded.tokens[Role.KIOSK]
        return [sys.executable, "-m", "loket", "kiosk", "--server", server or self.room.server_url, "--token", token,
                "--office", TOWN, "--name", self.name, "--journal", str(self.journal), "--printer", self.printer.spec,
                *args]  # fmt: skip

    def run(self, *args: str, server: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args, server=server), cwd=ROOT, capture_output=True, text=True, timeout=120, env=self.env
        )

    @property
    def env(self) -> dict[str, str]:
        return {**os.environ, "XDG_STATE_HOME": str(self.room.state)}

    def issue(self, service: str) -> str:
        """`--issue`: the number it printed last on its stdout."""
        done = self.run("--issue", service)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1]

    def sync(self, *, server: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("--sync", server=server)

    def journal_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.journal.read_text(encoding="utf-8").splitlines():
            with contextlib.suppress(ValueError):  # a torn last line
                lines.append(json.loads(raw))
        return lines

    def journalled(self) -> list[str]:
        return [line["number"] for line in self.journal_lines() if line["type"] == "ticket"]

    def synced_keys(self) -> set[str]:
        return {line["key"] for line in self.journal_lines() if line["type"] == "synced"}


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Room]:
    url = f"sqlite:///{tmp_path}/loket.db"
    state = tmp_path / "state"
    state.mkdir()
    made = Room(url, seed(url), free_port(), tmp_path / "server.log", state)
    made.start()
    try:
        yield made
    finally:
        if made.server is not None:
            made.server.stop()
        for printer in made.printers:
            printer.stop()
        made.seeded.db.engine.dispose()


def reserve(kiosk: Kiosk) -> None:
    done = kiosk.sync()
    assert done.returncode == 0, done.stdout + done.stderr
    assert "reserved" in done.stdout, done.stdout


def assert_printed(kiosk: Kiosk, numbers: list[str]) -> None:
    """Each number on its own ticket of this kiosk's printer, in order, with the offline line."""
    tickets = kiosk.printer.tickets
    assert len(tickets) == len(numbers), (numbers, len(tickets))
    for paper, number in zip(tickets, numbers, strict=True):
        assert number.encode() in paper, number
        assert OFFLINE_NL in paper, number


def waiting_numbers(room: Room) -> list[str]:
    return [t["number"] for t in room.queue()["waiting"]]


def assert_each_once(room: Room, numbers: list[str]) -> None:
    stored = [number for number, _offline, _state in room.stored()]
    assert sorted(stored) == sorted(set(stored)), stored  # no number twice, whatever the ticket
    assert set(numbers) <= set(stored), (numbers, stored)


def test_two_kiosks_issue_while_the_server_is_down_and_the_queue_holds_every_ticket_in_order(room: Room) -> None:
    hall_1, hall_2 = room.kiosk("hall-1"), room.kiosk("hall-2")
    reserve(hall_1)
    reserve(hall_2)
    room.stop()

    turns = [(hall_1, "A"), (hall_2, "A"), (hall_1, "B"), (hall_2, "C"), (hall_2, "A"), (hall_1, "A"), (hall_1, "C")]
    issued = [(kiosk, kiosk.issue(service)) for kiosk, service in turns]
    numbers = [number for _kiosk, number in issued]
    assert len(set(numbers)) == len(numbers), numbers
    for kiosk in (hall_1, hall_2):
        mine = [number for k, number in issued if k is kiosk]
        assert kiosk.journalled() == mine
        assert_printed(kiosk, mine)

    room.start()
    # The second kiosk uploads first: the queue's order is the check-in order, not the upload's.
    for kiosk in (hall_2, hall_1):
        done = kiosk.sync()
        assert done.returncode == 0, done.stdout + done.stderr
    assert waiting_numbers(room) == numbers
    assert {(number, offline) for number, offline, _ in room.stored()} == {(n, True) for n in numbers}
    assert_each_once(room, numbers)

    # Online again: a number no block holds.
    online = hall_1.issue("A")
    assert online not in numbers
    assert waiting_numbers(room) == [*numbers, online]
    assert_each_once(room, [*numbers, online])


def test_a_kiosk_killed_between_its_journal_and_its_printer_loses_nothing(room: Room) -> None:
    hall_1 = room.kiosk("hall-1")
    reserve(hall_1)
    room.stop()
    first = hall_1.issue("A")

    hall_1.printer.mute = True
    hall_1.printer.asked.clear()
    process = subprocess.Popen(
        hall_1.command("--issue", "A"), cwd=ROOT, env=hall_1.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        # The printer took the connection and the status request: the kiosk waits for its answer.
        assert hall_1.printer.asked.wait(WAIT_S), "the kiosk never reached its printer"
        journalled = hall_1.journalled()
        assert len(journalled) == 2
        killed = journalled[-1]
        printed_keys = {line["key"] for line in hall_1.journal_lines() if line["type"] == "printed"}
        ticket_keys = [line["key"] for line in hall_1.journal_lines() if line["type"] == "ticket"]
        assert ticket_keys[-1] not in printed_keys  # journalled, not printed
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    assert process.returncode == -signal.SIGKILL

    hall_1.printer.mute = False
    after = hall_1.issue("A")
    assert len({first, killed, after}) == 3  # the killed ticket's number stays used
    room.start()
    done = hall_1.sync()
    assert done.returncode == 0, done.stdout + done.stderr
    assert waiting_numbers(room) == [first, killed, after]
    assert_each_once(room, [first, killed, after])


def test_a_server_killed_during_a_sync_loses_nothing_and_doubles_nothing(room: Room) -> None:
    hall_1 = room.kiosk("hall-1")
    reserve(hall_1)
    room.stop()
    numbers = [hall_1.issue(service) for service in "ABAC"]

    room.start()
    proxy = Proxy(room.port)
    try:
        # The server stores the second ticket, and dies before the kiosk hears of it.
        proxy.hold_at(2)
        process = subprocess.Popen(
            hall_1.command("--sync", server=proxy.url),
            cwd=ROOT,
            env=hall_1.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        try:
            assert proxy.held.wait(WAIT_S), "the sync never uploaded its second ticket"
            assert sorted(n for n, _offline, _state in room.stored()) == sorted(numbers[:2])
            room.kill()
            out, err = process.communicate(timeout=120)
        finally:
            process.kill()
            process.wait()
        assert process.returncode == 2, out + err
        tickets = [line for line in hall_1.journal_lines() if line["type"] == "ticket"]
        assert hall_1.synced_keys() == {tickets[0]["key"]}  # the second's answer never came

        room.start()
        proxy.hold_at(0)
        done = hall_1.sync(server=proxy.url)
        assert done.returncode == 0, done.stdout + done.stderr
    finally:
        proxy.stop()
    assert hall_1.synced_keys() == {t["key"] for t in tickets}
    assert waiting_numbers(room) == numbers
    assert_each_once(room, numbers)
    assert len(room.stored()) == len(numbers)
