"""Real `loket serve` processes: stopping with clients connected, several servers on one PostgreSQL, workers."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from scheduler.model import Role
from tests.conftest import POSTGRES_URL
from tests.support import OFFICE, ROOT, Seeded, free_port, running_server, seed

pytestmark = pytest.mark.e2e

TOWN = str(OFFICE["name"])
WAIT_S = 10.0  # the longest any single wait may take
# The hub's safety-net poll would deliver a lost notice within its interval; pushed far out, only the
# bus (LISTEN/NOTIFY) can make an event cross from one process to another within these tests' limits.
NO_POLL = {"LOKET_BUS_POLL_INTERVAL_S": "600"}
Json = dict[str, Any]


class Listener:
    """A plain websocket client of the office: records every message with the time it arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.snapshot: Json | None = None
        self.events: list[Json] = []
        self.arrived: list[float] = []
        self.closed: ConnectionClosed | None = None
        self._changed = asyncio.Condition()
        self._reader = asyncio.create_task(self._read())

    @classmethod
    async def open(cls, ws_base: str, token: str) -> Listener:
        ws = await asyncio.wait_for(connect(f"{ws_base}/ws/offices/{TOWN}?token={token}"), WAIT_S)
        listener = cls(ws)
        await listener._until(lambda: listener.snapshot is not None, "the snapshot")
        return listener

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await self.ws.send('{"type":"pong"}')
                    continue
                async with self._changed:
                    if message["type"] == "snapshot":
                        self.snapshot = message
                    else:
                        self.events.append(message)
                        self.arrived.append(time.time())  # wall clock: compared with the server's timestamps
                    self._changed.notify_all()
        except ConnectionClosed as exc:
            self.closed = exc
        finally:
            async with self._changed:
                self._changed.notify_all()

    @property
    def seqs(self) -> list[int]:
        return [e["seq"] for e in self.events]

    @property
    def local_port(self) -> int:
        return int(self.ws.local_address[1])

    async def _until(self, condition: Any, what: str) -> None:
        try:
            async with asyncio.timeout(WAIT_S), self._changed:
                await self._changed.wait_for(lambda: condition() or self._reader.done())
        except TimeoutError:
            raise AssertionError(f"no {what} within {WAIT_S} s (saw seqs {self.seqs})") from None
        assert condition(), f"the connection ended before {what}: {self.closed!r}"

    async def until_seq(self, seq: int) -> None:
        await self._until(lambda: bool(self.events) and self.events[-1]["seq"] >= seq, f"event {seq}")

    async def until_closed(self) -> ConnectionClosed:
        await asyncio.wait_for(self._reader, WAIT_S)
        assert self.closed is not None
        return self.closed

    async def close(self) -> None:
        await self.ws.close()
        await asyncio.wait_for(self._reader, WAIT_S)


def _auth(seeded: Seeded, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[role]}"}


async def _post(http: httpx.AsyncClient, path: str, headers: dict[str, str], body: Json | None = None) -> Json:
    response = await http.post(path, json=body, headers=headers)
    assert response.status_code in (200, 201), f"POST {path}: {response.status_code} {response.text}"
    answer: Json = response.json()
    return answer


@pytest.fixture
def seeded_sqlite(sqlite_url: str) -> Iterator[Seeded]:
    seeded = seed(sqlite_url)
    yield seeded
    seeded.db.engine.dispose()


@pytest.fixture
def seeded_postgres(postgres_url: str) -> Iterator[Seeded]:
    seeded = seed(postgres_url)
    yield seeded
    seeded.db.engine.dispose()


# -- (a) stopping ---------------------------------------------------------------------------------------


async def test_sigterm_stops_a_server_with_twenty_live_clients_within_a_second(
    sqlite_url: str, seeded_sqlite: Seeded, tmp_path: Path
) -> None:
    log = tmp_path / "serve.log"
    with running_server(sqlite_url, log=log) as server:
        listeners = [await Listener.open(server.ws, seeded_sqlite.tokens[Role.DISPLAY]) for _ in range(20)]
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
                await _post(
                    http,
                    f"/api/offices/{TOWN}/tickets",
                    _auth(seeded_sqlite, Role.KIOSK),
                    {"service": "A", "language": "nl"},
                )
            for listener in listeners:
                await listener.until_seq(1)  # every client is live, not just connected
            # The test's loop keeps running meanwhile, so the clients answer the closing handshake.
            took = await asyncio.to_thread(server.stop)
            closes = [await listener.until_closed() for listener in listeners]
        finally:
            for listener in listeners:
                await listener.close()

    # Within a second by the server's own clock: `loket serve` gives its connections 1 s to close
    # (timeout_graceful_shutdown=1) and says so when they take longer.
    written = log.read_text()
    assert "Finished server process" in written, written
    assert "timeout graceful shutdown exceeded" not in written, f"SIGTERM took {took:.2f} s: {written}"
    # Not killed: uvicorn re-raises the SIGTERM it handled once it has shut down, hence -15.
    assert server.process.returncode in (0, -15)
    # A graceful stop: each client was told the server is restarting (1012) rather than losing the
    # connection (1006), so a display knows to come back.
    assert {c.rcvd.code if c.rcvd else None for c in closes} == {1012}


# -- (b) two servers, one PostgreSQL ------------------------------------------------------------------------


@pytest.mark.postgres
async def test_two_servers_on_one_postgresql_show_their_clients_the_same_events(
    postgres_url: str, seeded_postgres: Seeded
) -> None:
    seeded = seeded_postgres
    clerk, kiosk = _auth(seeded, Role.CLERK), _auth(seeded, Role.KIOSK)
    counter = seeded.counters["1"]
    with running_server(postgres_url, env=NO_POLL) as one, running_server(postgres_url, env=NO_POLL) as two:
        on_one = await Listener.open(one.ws, seeded.tokens[Role.DISPLAY])
        on_two = await Listener.open(two.ws, seeded.tokens[Role.DISPLAY])
        try:
            async with (
                httpx.AsyncClient(base_url=one.url, timeout=WAIT_S) as http_one,
                httpx.AsyncClient(base_url=two.url, timeout=WAIT_S) as http_two,
            ):
                await _post(http_one, f"/api/counters/{counter}/open", clerk)
                for i, http in enumerate((http_two, http_one, http_two, http_one)):
                    await _post(http, f"/api/offices/{TOWN}/tickets", kiosk, {"service": "AB"[i % 2], "language": "fr"})
                await on_two.until_seq(5)

                called = await _post(http_one, f"/api/counters/{counter}/call-next", clerk)
                await on_two.until_seq(6)
                # From server 1's call (its called_at) to the event at server 2's client.
                crossed = on_two.arrived[on_two.seqs.index(6)] - datetime.fromisoformat(called["called_at"]).timestamp()

                # Both servers act, interleaved, and their clients must agree on one history.
                await _post(http_two, f"/api/tickets/{called['id']}/start", clerk)
                await _post(http_one, f"/api/tickets/{called['id']}/finish", clerk)
                await _post(http_two, f"/api/counters/{counter}/call-next", clerk)
                queue = (await http_two.get(f"/api/offices/{TOWN}/queue", headers=kiosk)).json()
            last = queue["seq"]
            await on_one.until_seq(last)
            await on_two.until_seq(last)
        finally:
            await on_one.close()
            await on_two.close()

    event = on_two.events[5]
    assert (event["type"], event["ticket"]["id"]) == ("ticket.called", called["id"])
    # Carried by NOTIFY: the only other way across, the safety-net poll, first looks 600 s after start (NO_POLL).
    # How fast NOTIFY carries it is the benchmarks' to measure (docs/benchmarks.md), not a wall-clock limit here.
    poll_s = float(NO_POLL["LOKET_BUS_POLL_INTERVAL_S"])
    assert crossed < poll_s, f"the call through server 1 took {crossed:.2f} s to reach a client of server 2"
    assert last == 9
    assert on_one.seqs == on_two.seqs == list(range(1, last + 1))
    assert on_one.events == on_two.events


@pytest.fixture
def other_postgres_url() -> Iterator[str]:
    """A second schema in the same PostgreSQL database: another deployment next to `postgres_url`'s."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.mark.postgres
async def test_deployments_in_two_schemas_of_one_database_do_not_hear_each_other(
    postgres_url: str, seeded_postgres: Seeded, other_postgres_url: str
) -> None:
    ours, theirs = seeded_postgres, seed(other_postgres_url)
    try:
        with (
            running_server(postgres_url, env=NO_POLL) as our_server,
            running_server(other_postgres_url, env=NO_POLL) as their_server,
        ):
            display = await Listener.open(our_server.ws, ours.tokens[Role.DISPLAY])
            try:
                async with httpx.AsyncClient(timeout=WAIT_S) as http:
                    for service in "BA":  # each deployment's office is "town", each starts at seq 1
                        await _post(
                            http,
                            f"{their_server.url}/api/offices/{TOWN}/tickets",
                            _auth(theirs, Role.KIOSK),
                            {"service": service, "language": "fr"},
                        )
                        await _post(
                            http,
                            f"{our_server.url}/api/offices/{TOWN}/tickets",
                            _auth(ours, Role.KIOSK),
                            {"service": "C", "language": "nl"},
                        )
                await display.until_seq(2)
            finally:
                await display.close()
    finally:
        theirs.db.engine.dispose()

    assert [(e["seq"], e["ticket"]["service"]) for e in display.events] == [(1, "C"), (2, "C")]


# -- (c), (d) workers -----------------------------------------------------------------------------------


def test_several_workers_on_sqlite_are_refused_with_a_pointer_to_postgresql(sqlite_url: str, tmp_path: Path) -> None:
    port = free_port()
    result = subprocess.run(
        [sys.executable, "-m", "loket", "serve", "--port", str(port), "--workers", "2"],
        cwd=ROOT,
        env={**os.environ, "LOKET_DATABASE_URL": sqlite_url},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "PostgreSQL" in result.stderr
    assert "--workers" in result.stderr
    assert not (tmp_path / "loket.db").exists()  # refused before touching the database
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)


def _holders(port: int, client_port: int, candidates: list[int]) -> set[int]:
    """Which of these processes holds the server side of the loopback connection from `client_port`."""
    wanted = (f"0100007F:{port:04X}", f"0100007F:{client_port:04X}")
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with open(table) as f:
            for line in f.readlines()[1:]:
                fields = line.split()
                if (fields[1][-13:], fields[2][-13:]) == wanted:
                    inodes.add(fields[9])
    holders = set()
    for pid in candidates:
        fd_dir = Path(f"/proc/{pid}/fd")
        try:
            links = {os.readlink(fd) for fd in fd_dir.iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            holders.add(pid)
    return holders


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


@pytest.mark.postgres
@pytest.mark.usefixtures("proc_net_tcp")
async def test_two_workers_on_postgresql_serve_and_every_client_gets_every_event(
    postgres_url: str, seeded_postgres: Seeded
) -> None:
    seeded = seeded_postgres
    with running_server(postgres_url, workers=2, env=NO_POLL) as server:
        async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
            health = await http.get("/healthz")
        assert health.status_code == 200
        assert health.json()["database"] == "postgresql"

        workers = _children(server.process.pid)
        by_worker: dict[int, Listener] = {}
        try:
            # One client on each worker. Which worker accepts a connection is up to the kernel (and the
            # second may still be starting): connect, keep it if its worker has none yet, else retry.
            deadline = time.monotonic() + 2 * WAIT_S
            while len(by_worker) < 2:
                assert time.monotonic() < deadline, f"every client landed on worker {list(by_worker)}"
                listener = await Listener.open(server.ws, seeded.tokens[Role.DISPLAY])
                (holder,) = _holders(server.port, listener.local_port, workers)
                if holder in by_worker:
                    await listener.close()
                    await asyncio.sleep(0.05)
                else:
                    by_worker[holder] = listener
            listeners = list(by_worker.values())

            # Each request on a new connection, so both workers take some; every event then has to
            # cross to the clients of the other worker through PostgreSQL.
            no_reuse = httpx.Limits(max_keepalive_connections=0)
            async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S, limits=no_reuse) as http:
                await _post(http, f"/api/counters/{seeded.counters['3']}/open", _auth(seeded, Role.CLERK))
                for i in range(10):
                    await _post(
                        http,
                        f"/api/offices/{TOWN}/tickets",
                        _auth(seeded, Role.KIOSK),
                        {"service": "ABC"[i % 3], "language": "nl"},
                    )
                await _post(http, f"/api/counters/{seeded.counters['3']}/call-next", _auth(seeded, Role.CLERK))
            for listener in listeners:
                await listener.until_seq(12)
        finally:
            for listener in by_worker.values():
                await listener.close()

    assert len(by_worker) == 2
    for listener in listeners:
        assert listener.seqs == list(range(1, 13))
        assert [e["type"] for e in listener.events] == ["counter.opened"] + ["ticket.issued"] * 10 + ["ticket.called"]
