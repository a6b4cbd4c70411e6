"""The client package against a real `loket serve` (and, for the feed's edge cases, a scripted server)."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed

from client import LoketClient, LoketError, OfficeFeed, Unreachable
from client.http import KEEPALIVE_S
from client.models import CounterRef
from scheduler import usecases
from scheduler.model import Role
from store.admin import add_user, new_secret
from tests.support import OFFICE, Seeded, Server, free_port, seed, start_server

TOWN = str(OFFICE["name"])
WAIT_S = 10.0  # the longest any single wait in these tests may take


@dataclass
class Town:
    seeded: Seeded
    server: Server
    url: str  # the database

    def client(self, role: Role) -> LoketClient:
        return LoketClient(self.server.url, self.seeded.tokens[role])

    def counter(self, name: str) -> int:
        return self.seeded.counters[name]


def _town(url: str) -> Iterator[Town]:
    seeded = seed(url)
    town = Town(seeded, start_server(url), url)
    try:
        yield town
    finally:
        town.server.stop()  # the server running now: a test may have restarted it
        seeded.db.engine.dispose()


@pytest.fixture
def town(sqlite_url: str) -> Iterator[Town]:
    """A fresh office on its own server."""
    yield from _town(sqlite_url)


@pytest.fixture(scope="module")
def refusing_town(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Town]:
    """One server for the tests whose every request is refused: they change nothing, so they may share it."""
    yield from _town(f"sqlite:///{tmp_path_factory.mktemp('refusals')}/loket.db")


@pytest.fixture
async def manager(town: Town) -> AsyncIterator[LoketClient]:
    async with town.client(Role.MANAGER) as client:
        yield client


class Collector:
    """Iterates a feed in a background task, keeping every message it yields."""

    def __init__(self, feed: OfficeFeed) -> None:
        self.feed = feed
        self.messages: list[dict[str, Any]] = []
        self._changed = asyncio.Condition()
        self.task = asyncio.create_task(self._run())

    async def _run(self) -> None:
        try:
            async for message in self.feed:
                async with self._changed:
                    self.messages.append(message)
                    self._changed.notify_all()
        finally:
            async with self._changed:
                self._changed.notify_all()

    @property
    def seqs(self) -> list[int]:
        return [m["seq"] for m in self.messages if m.get("type") != "snapshot"]

    @property
    def snapshots(self) -> list[dict[str, Any]]:
        return [m for m in self.messages if m.get("type") == "snapshot"]

    async def until(self, condition: Callable[[], bool], what: str) -> None:
        """Wait (at most WAIT_S) until `condition` holds; fail if the feed ends first."""
        try:
            async with asyncio.timeout(WAIT_S), self._changed:
                await self._changed.wait_for(lambda: condition() or self.task.done())
        except TimeoutError:
            raise AssertionError(f"timed out after {WAIT_S} s waiting for {what}") from None
        if not condition():
            self.task.result()  # the feed's error, if it ended with one
            raise AssertionError(f"the feed ended before {what}")

    async def until_seq(self, seq: int) -> None:
        await self.until(lambda: (self.feed.last_seq or 0) >= seq, f"seq {seq}")

    async def close(self) -> None:
        await self.feed.aclose()
        await asyncio.wait_for(self.task, WAIT_S)


# -- HTTP ------------------------------------------------------------------------------------------


@pytest.mark.e2e
async def test_a_kiosk_retrying_with_the_same_idempotency_key_gets_the_same_ticket(town: Town) -> None:
    async with town.client(Role.KIOSK) as kiosk:
        first = await kiosk.issue_ticket(TOWN, "A", "nl", idempotency_key="kiosk-hall-0001")
        again = await kiosk.issue_ticket(TOWN, "A", "nl", idempotency_key="kiosk-hall-0001")
        other = await kiosk.issue_ticket(TOWN, "A", "nl", idempotency_key="kiosk-hall-0002")
        queue = await kiosk.queue(TOWN)

    assert (again.id, again.number, again.status_url) == (first.id, first.number, first.status_url)
    assert other.number != first.number
    assert [t.number for t in queue.waiting] == [first.number, other.number]
    assert queue.seq == 2  # the replay issued nothing and emitted nothing


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("role", "call", "status", "code"),
    [
        (Role.KIOSK, lambda c: c.issue_ticket(TOWN, "Z", "nl"), 404, "service_not_found"),
        (Role.KIOSK, lambda c: c.queue("nowhere"), 403, "forbidden"),
        (Role.DISPLAY, lambda c: c.issue_ticket(TOWN, "A", "nl"), 403, "forbidden"),
        (Role.KIOSK, lambda c: c.issue_ticket(TOWN, "A", "de"), 422, "invalid_request"),
        (Role.CLERK, lambda c: c.call_next(999_999), 404, "counter_not_found"),
        (Role.CLERK, lambda c: c.ticket_action(999_999, "start"), 404, "ticket_not_found"),
        (None, lambda c: c.queue(TOWN), 401, "unauthorized"),
    ],
    ids=[
        "unknown-service",
        "other-office",
        "display-may-not-issue",
        "bad-language",
        "no-counter",
        "no-ticket",
        "no-token",
    ],
)
async def test_a_refusal_becomes_a_loket_error_with_the_servers_status_and_code(
    refusing_town: Town,
    role: Role | None,
    call: Callable[[LoketClient], Awaitable[object]],
    status: int,
    code: str,
) -> None:
    async with LoketClient(refusing_town.server.url, refusing_town.seeded.tokens[role] if role else None) as client:
        with pytest.raises(LoketError) as caught:
            await call(client)
    assert (caught.value.status, caught.value.code) == (status, code)
    assert caught.value.detail
    assert caught.value.body["error"] == code


@pytest.mark.e2e
async def test_unknown_service_names_the_service_in_the_error(refusing_town: Town) -> None:
    async with refusing_town.client(Role.KIOSK) as kiosk:
        with pytest.raises(LoketError) as caught:
            await kiosk.issue_ticket(TOWN, "Z", "nl")
    assert caught.value.status == 404
    assert caught.value.code == "service_not_found"
    assert "'Z'" in caught.value.detail


@pytest.mark.e2e
async def test_a_counter_serves_a_citizen_through_the_client(town: Town, manager: LoketClient) -> None:
    counter = town.counter("1")
    assert (await manager.counter_action(counter, "open")).state == "open"
    assert await manager.call_next(counter) is None  # nobody waits: 204

    issued = await manager.issue_ticket(TOWN, "B", "fr")
    called = await manager.call_next(counter)
    assert called is not None
    assert (called.id, called.state, called.counter) == (issued.id, "called", CounterRef(id=counter, name="1"))
    assert (await manager.ticket_action(issued.id, "start", counter=counter)).state == "serving"
    assert (await manager.ticket_action(issued.id, "finish")).state == "done"

    paused = await manager.counter_action(counter, "pause", reason="coffee")
    assert (paused.state, paused.pause_reason) == ("paused", "coffee")
    with pytest.raises(LoketError) as caught:
        await manager.call_next(counter)
    assert (caught.value.status, caught.value.code) == (409, "counter_not_open")
    assert (await manager.counter_action(counter, "resume")).state == "open"
    assert (await manager.counter_action(counter, "close")).state == "closed"


@pytest.mark.e2e
async def test_a_transfer_answers_with_the_ticket_that_continues_the_visit(town: Town, manager: LoketClient) -> None:
    counter = town.counter("1")
    await manager.counter_action(counter, "open")
    issued = await manager.issue_ticket(TOWN, "A", "en")
    await manager.call_next(counter)
    continued = await manager.ticket_action(issued.id, "transfer", to_service="C")
    assert continued.id != issued.id
    assert (continued.number, continued.service, continued.state) == (issued.number, "C", "waiting")
    assert continued.checked_in_at == issued.checked_in_at


@pytest.mark.e2e
async def test_a_clerk_logs_in_and_serves_with_the_token_it_got(town: Town) -> None:
    add_user(town.seeded.db, "clerk1", TOWN, Role.CLERK, "correct horse battery", datetime.now(UTC))
    async with LoketClient(town.server.url, None) as anonymous:
        with pytest.raises(LoketError) as caught:
            await anonymous.login("clerk1", "wrong password!")
        assert caught.value.status == 401
        session = await anonymous.login("clerk1", "correct horse battery")
    assert (session.role, session.office, session.username) == ("clerk", TOWN, "clerk1")

    async with LoketClient(town.server.url, session.token) as clerk:
        opened = await clerk.counter_action(town.counter("3"), "open")
        assert opened.state == "open"
        with pytest.raises(LoketError) as refused:
            await clerk.issue_ticket(TOWN, "C", "nl")  # a clerk serves; kiosks issue
        assert refused.value.code == "forbidden"


@pytest.mark.e2e
async def test_a_citizen_reads_the_ticket_status_by_its_token(town: Town, manager: LoketClient) -> None:
    await manager.counter_action(town.counter("3"), "open")
    first = await manager.issue_ticket(TOWN, "C", "nl")
    second = await manager.issue_ticket(TOWN, "C", "nl")
    async with LoketClient(town.server.url, None) as citizen:
        status = await citizen.status(second.status_url.rsplit("/", 1)[1])
        assert second.status_token == second.status_url.rsplit("/", 1)[1]
        assert (status.number, status.state, status.people_ahead) == (second.number, "waiting", 1)
        assert (status.office_id, status.service_names["nl"] != "", status.can_leave) == (TOWN, True, True)
        with pytest.raises(LoketError) as caught:
            await citizen.status("not-a-ticket")
        assert (caught.value.status, caught.value.code) == (404, "ticket_not_found")
    assert first.number != second.number


async def test_a_closed_port_raises_unreachable_not_a_refusal() -> None:
    async with LoketClient(f"http://127.0.0.1:{free_port()}", "some-token", timeout=2) as client:
        with pytest.raises(Unreachable) as caught:
            await client.issue_ticket(TOWN, "A", "nl", idempotency_key="k1")
    assert not isinstance(caught.value, LoketError)
    assert "127.0.0.1" in str(caught.value)


# -- live events -------------------------------------------------------------------------------------


@pytest.mark.e2e
async def test_the_feed_resumes_after_a_server_restart_with_what_it_missed_and_no_duplicates(
    town: Town, manager: LoketClient
) -> None:
    counter = town.counter("1")
    await manager.counter_action(counter, "open")  # seq 1
    await manager.issue_ticket(TOWN, "A", "nl")  # seq 2
    links: list[bool] = []
    feed = Collector(OfficeFeed(town.server.ws, TOWN, town.seeded.tokens[Role.DISPLAY], on_link=links.append))
    try:
        await feed.until(lambda: len(feed.messages) == 1, "the first snapshot")
        assert feed.snapshots[0]["seq"] == 2
        await manager.issue_ticket(TOWN, "B", "nl")  # seq 3
        await feed.until_seq(3)

        await asyncio.to_thread(town.server.stop)
        # It stopped on the SIGTERM by itself, the feed's connection notwithstanding, rather than being killed
        # when `stop` gave up waiting: uvicorn re-raises the SIGTERM it handled once it has shut down (-15).
        assert town.server.process.returncode in (0, -15)
        # While the server is away another process changes the office (seq 4 and 5).
        now = datetime.now(UTC)
        town.seeded.db.write(
            TOWN, now, lambda repo: usecases.issue_ticket(repo, TOWN, "C", "fr", now, token=new_secret())
        )
        town.seeded.db.write(TOWN, now, lambda repo: usecases.call_next(repo, counter, now))

        town.server = await asyncio.to_thread(start_server, town.url, port=town.server.port)
        await manager.issue_ticket(TOWN, "A", "en")  # seq 6, live on the new connection
        await feed.until_seq(6)
    finally:
        await feed.close()

    assert feed.seqs == [3, 4, 5, 6]
    assert len(feed.snapshots) == 1  # the resume was a replay, not a fresh picture
    assert [m["type"] for m in feed.messages[1:]] == [
        "ticket.issued",
        "ticket.issued",
        "ticket.called",
        "ticket.issued",
    ]
    assert feed.feed.connections == 2
    # The link went down with the server and came back once: what a screen's "offline" mark follows.
    assert links[0] is True
    assert links.count(True) == 2
    back = links.index(True, 1)
    assert False in links[1:back]


@contextlib.asynccontextmanager
async def pinging_town(sqlite_url: str) -> AsyncIterator[tuple[Server, Seeded]]:
    """A real server that pings every 0.3 s and hangs up on a client that leaves its pings unanswered."""
    seeded = seed(sqlite_url)
    server = await asyncio.to_thread(start_server, sqlite_url, env={"LOKET_WS_PING_INTERVAL_S": "0.3"})
    try:
        yield server, seeded
    finally:
        await asyncio.to_thread(server.stop)
        seeded.db.engine.dispose()


async def _issue(server: Server, seeded: Seeded, count: int, every_s: float) -> None:
    async with LoketClient(server.url, seeded.tokens[Role.KIOSK]) as kiosk:
        for _ in range(count):
            await kiosk.issue_ticket(TOWN, "A", "nl")
            await asyncio.sleep(every_s)


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("quiet_s", "tickets", "lull_s"),
    [(2.0, 1, 0.0), (0.0, 20, 1.5)],
    # A busy stretch longer than the server's patience, then a lull: the server used to ping only in quiet
    # moments, so at the first lull it hung up on a feed it had never pinged.
    ids=["quiet-then-a-ticket", "busy-then-a-lull"],
)
async def test_the_feed_answers_pings_so_the_server_keeps_it_connected(
    sqlite_url: str, quiet_s: float, tickets: int, lull_s: float
) -> None:
    async with pinging_town(sqlite_url) as (server, seeded):
        feed = Collector(OfficeFeed(server.ws, TOWN, seeded.tokens[Role.DISPLAY]))
        await feed.until(lambda: len(feed.messages) == 1, "the first snapshot")
        await asyncio.sleep(quiet_s)
        await _issue(server, seeded, tickets, 0.1)
        await feed.until_seq(tickets)
        await asyncio.sleep(lull_s)
        await feed.close()
    assert feed.feed.connections == 1
    assert len(feed.snapshots) == 1


async def _read_silently_while_tickets_come(silent: Any, kiosk: LoketClient) -> tuple[list[str], Any]:
    """A ticket every 0.1 s for at most 10 s; the types of the frames read (nothing answered) and the close frame."""
    types: list[str] = []
    for _ in range(100):
        await kiosk.issue_ticket(TOWN, "A", "nl")
        try:
            while True:
                types.append(json.loads(await asyncio.wait_for(silent.recv(), 0.1))["type"])
        except TimeoutError:
            continue
        except ConnectionClosed as closed:
            return types, closed.rcvd
    return types, None


@pytest.mark.e2e
async def test_a_client_that_never_answers_is_closed_even_while_events_flow(sqlite_url: str) -> None:
    async with pinging_town(sqlite_url) as (server, seeded):
        url = f"{server.ws}/ws/offices/{TOWN}?token={seeded.tokens[Role.DISPLAY]}"
        async with connect(url) as silent, LoketClient(server.url, seeded.tokens[Role.KIOSK]) as kiosk:
            assert json.loads(await silent.recv())["type"] == "snapshot"
            types, closed = await _read_silently_while_tickets_come(silent, kiosk)
    assert closed is not None, f"still connected after {len(types)} frames"
    assert (closed.code, closed.reason) == (1001, "no answer to pings")
    assert types.count("ping") >= 2  # judged on pings it was sent, not on events
    assert types.count("ticket.issued") >= 3  # events flowed all along


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("office", "token", "status", "code"),
    [(TOWN, "not-a-token", 401, "invalid_token"), ("nowhere", None, 403, "forbidden")],
    ids=["bad-token", "other-office"],
)
async def test_a_refused_feed_ends_with_a_loket_error_instead_of_retrying(
    refusing_town: Town, office: str, token: str | None, status: int, code: str
) -> None:
    feed = OfficeFeed(refusing_town.server.ws, office, token or refusing_town.seeded.tokens[Role.DISPLAY])
    with pytest.raises(LoketError) as caught:
        await asyncio.wait_for(anext(feed), WAIT_S)
    await feed.aclose()
    assert (caught.value.status, caught.value.code) == (status, code)
    assert feed.connections == 1


# -- the feed's guarantees, against a scripted server ---------------------------------------------------

Script = Callable[[ServerConnection], Awaitable[None]]


async def _send(ws: ServerConnection, *messages: dict[str, Any]) -> None:
    for message in messages:
        await ws.send(json.dumps(message))


def _event(seq: int) -> dict[str, Any]:
    return {"seq": seq, "type": "ticket.issued", "office": TOWN}


async def test_the_feed_never_yields_a_seq_twice_and_resumes_to_fill_a_gap() -> None:
    paths: list[str] = []
    pongs: list[str] = []

    async def first(ws: ServerConnection) -> None:
        await _send(ws, {"type": "snapshot", "seq": 5}, _event(6), _event(7), _event(6), _event(7), _event(9))
        await ws.wait_closed()  # the feed hangs up over the gap after 7

    async def second(ws: ServerConnection) -> None:
        await _send(ws, _event(7), _event(8), _event(9))  # a replay that overlaps what it has
        await ws.close(1012)  # a restart

    async def third(ws: ServerConnection) -> None:
        await _send(ws, {"type": "ping", "seq": 9})
        pongs.append(str(await ws.recv()))
        await _send(ws, _event(9), _event(10))
        await ws.wait_closed()

    scripts: list[Script] = [first, second, third]

    async def handler(ws: ServerConnection) -> None:
        assert ws.request is not None
        paths.append(ws.request.path)
        await scripts[len(paths) - 1](ws)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        feed = Collector(OfficeFeed(f"ws://127.0.0.1:{port}", TOWN, "secret"))
        try:
            await feed.until_seq(10)
        finally:
            await feed.close()

    assert [m["seq"] for m in feed.messages] == [5, 6, 7, 8, 9, 10]
    assert feed.messages[0]["type"] == "snapshot"
    assert paths == [f"/ws/offices/{TOWN}", f"/ws/offices/{TOWN}?since=7", f"/ws/offices/{TOWN}?since=9"]
    assert pongs == ['{"type":"pong"}']


async def test_the_feed_backs_off_while_the_server_is_down_and_stops_when_closed() -> None:
    port = free_port()  # nobody listens here
    loop = asyncio.get_running_loop()
    failed_at: list[float] = []  # when each connection attempt failed (on_link(False))
    six_failed = asyncio.Event()

    def on_link(up: bool) -> None:
        assert not up, "connected to a port nobody listens on"
        failed_at.append(loop.time())
        if len(failed_at) >= 6:
            six_failed.set()

    feed = OfficeFeed(f"ws://127.0.0.1:{port}", TOWN, "secret", min_backoff_s=0.05, max_backoff_s=0.2, on_link=on_link)
    pending = asyncio.create_task(anext(feed))
    await asyncio.wait_for(six_failed.wait(), WAIT_S)
    assert not pending.done()  # still retrying, never giving up on its own
    # Each wait at least the backoff: 0.05 s doubling, held at 0.2 s (sleeps may run late, never early).
    gaps = [later - earlier for earlier, later in itertools.pairwise(failed_at[:5])]
    assert [g >= least for g, least in zip(gaps, (0.05, 0.1, 0.2, 0.2), strict=True)] == [True] * 4, gaps
    await feed.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, WAIT_S)
    assert feed.connections == 0


async def test_closing_the_feed_ends_its_wait_before_the_next_attempt_at_once() -> None:
    # The wait between attempts is an hour: the iteration ends within WAIT_S only if closing cuts it short.
    port = free_port()  # nobody listens here
    failed = asyncio.Event()
    feed = OfficeFeed(
        f"ws://127.0.0.1:{port}", TOWN, "secret", min_backoff_s=3600, max_backoff_s=3600, on_link=lambda _: failed.set()
    )
    pending = asyncio.create_task(anext(feed))
    await asyncio.wait_for(failed.wait(), WAIT_S)  # the first attempt failed: now waiting an hour
    assert not pending.done()
    await feed.aclose()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, WAIT_S)
    assert feed.connections == 0


async def test_an_idle_connection_is_not_reused_once_the_server_may_be_closing_it() -> None:
    # uvicorn closes a keep-alive connection idle for 5 s; a request sent on it at that moment fails as if the
    # server were down. The client reuses a connection only while it is fresh.
    accepted: list[asyncio.StreamWriter] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted.append(writer)
        body = b'{"office": {}, "services": [], "counters": [], "waiting": [], "seq": 0}'
        head = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n" % len(body)
        with contextlib.suppress(asyncio.IncompleteReadError, ConnectionError):
            while await reader.readuntil(b"\r\n\r\n"):
                writer.write(head + body)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        async with LoketClient(f"http://127.0.0.1:{port}", "secret") as client:
            await client.queue(TOWN)
            await client.queue(TOWN)
            assert len(accepted) == 1  # fresh: reused
            await asyncio.sleep(KEEPALIVE_S + 0.5)
            await client.queue(TOWN)
            assert len(accepted) == 2  # idle too long: a new connection
    finally:
        server.close()
        for writer in accepted:  # the connections too, before this test's loop ends
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        await server.wait_closed()
