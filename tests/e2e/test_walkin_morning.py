"""A morning of walk-ins at the town hall, through the HTTP API of a real `loket serve` on SQLite.

Thirty citizens take tickets for three services; three counters call, serve, mark no-shows, transfer,
park and call back, pause and resume, and close. A plain `websockets` client (not our client package)
records every event; halfway through, its TCP connection is killed without a closing handshake and it
resumes with `?since=<last seq it saw>`. It must end up with every event exactly once, in order, and
each event must be the one the action that caused it announces.
"""

from __future__ import annotations

import asyncio
import collections
import json
import re
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from scheduler.model import Role
from tests.support import OFFICE, Seeded, Server, running_server, seed

pytestmark = pytest.mark.e2e

TOWN = str(OFFICE["name"])
WAIT_S = 10.0  # the longest any single wait may take
Json = dict[str, Any]


class RawRecorder:
    """Keeps every message the office websocket sends, duplicates included; answers pings."""

    def __init__(self, ws_base: str, token: str) -> None:
        self._base = f"{ws_base}/ws/offices/{TOWN}?token={token}"
        self.events: list[Json] = []
        self.snapshots: list[Json] = []
        self.resumed_from: list[int | None] = []
        self.closes: list[ConnectionClosed] = []
        self._ws: ClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._changed = asyncio.Condition()

    @property
    def last_seq(self) -> int:
        if self.events:
            return int(self.events[-1]["seq"])
        return int(self.snapshots[-1]["seq"])

    async def connect(self, since: int | None = None) -> None:
        url = self._base if since is None else f"{self._base}&since={since}"
        self._ws = await asyncio.wait_for(connect(url), WAIT_S)
        self.resumed_from.append(since)
        self._reader = asyncio.create_task(self._read(self._ws))

    async def _read(self, ws: ClientConnection) -> None:
        try:
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                    continue
                async with self._changed:
                    (self.snapshots if message["type"] == "snapshot" else self.events).append(message)
                    self._changed.notify_all()
        except ConnectionClosed as exc:
            self.closes.append(exc)

    async def until_seq(self, seq: int) -> None:
        try:
            async with asyncio.timeout(WAIT_S), self._changed:
                await self._changed.wait_for(lambda: bool(self.snapshots) and self.last_seq >= seq)
        except TimeoutError:
            raise AssertionError(f"no event {seq} within {WAIT_S} s; last seen {self.last_seq}") from None

    async def drop(self) -> None:
        """Kill the TCP connection: no close frame, no FIN handshake; the server just loses the peer."""
        assert self._ws is not None
        assert self._reader is not None
        self._ws.transport.abort()
        await asyncio.wait_for(self._reader, WAIT_S)

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            await asyncio.wait_for(self._reader, WAIT_S)


class Office:
    """The HTTP calls of the morning; every successful action notes the event it must cause."""

    def __init__(self, http: httpx.AsyncClient, seeded: Seeded) -> None:
        self.http = http
        self.tokens = seeded.tokens
        self.counters = seeded.counters
        self.expected: list[tuple[str, int]] = []  # (event type, ticket or counter id), in order

    def _auth(self, role: Role) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.tokens[role]}"}

    async def _post(self, path: str, role: Role, body: Json | None = None, status: int = 200) -> httpx.Response:
        response = await self.http.post(path, json=body, headers=self._auth(role))
        assert response.status_code == status, f"POST {path}: {response.status_code} {response.text}"
        return response

    async def issue(self, service: str, language: str) -> Json:
        ticket: Json = (
            await self._post(
                f"/api/offices/{TOWN}/tickets", Role.KIOSK, {"service": service, "language": language}, status=201
            )
        ).json()
        self.expected.append(("ticket.issued", ticket["id"]))
        return ticket

    async def counter(self, name: str, action: str, reason: str | None = None) -> Json:
        body = {"reason": reason} if reason else None
        counter: Json = (await self._post(f"/api/counters/{self.counters[name]}/{action}", Role.CLERK, body)).json()
        past = {"open": "opened", "pause": "paused", "resume": "resumed", "close": "closed"}[action]
        self.expected.append((f"counter.{past}", counter["id"]))
        return counter

    async def call_next(self, name: str) -> Json | None:
        response = await self.http.post(
            f"/api/counters/{self.counters[name]}/call-next", headers=self._auth(Role.CLERK)
        )
        if response.status_code == 204:
            return None
        assert response.status_code == 200, response.text
        ticket: Json = response.json()
        assert ticket["counter"]["name"] == name
        self.expected.append(("ticket.called", ticket["id"]))
        return ticket

    async def ticket(self, ticket: Json, action: str, **body: object) -> Json:
        after: Json = (await self._post(f"/api/tickets/{ticket['id']}/{action}", Role.CLERK, body or None)).json()
        event = {
            "call": "called",
            "recall": "recalled",
            "start": "started",
            "finish": "finished",
            "no-show": "no_show",
            "park": "parked",
            "transfer": "transferred",
        }[action]
        self.expected.append((f"ticket.{event}", ticket["id"]))
        return after

    async def serve(self, name: str, *, no_show: bool = False) -> Json | None:
        """Call the next citizen at this counter and serve them (or find they left)."""
        ticket = await self.call_next(name)
        if ticket is None:
            return None
        if no_show:
            await self.ticket(ticket, "no-show")
        else:
            await self.ticket(ticket, "start")
            await self.ticket(ticket, "finish")
        return ticket

    async def queue(self) -> Json:
        response = await self.http.get(f"/api/offices/{TOWN}/queue", headers=self._auth(Role.DISPLAY))
        assert response.status_code == 200, response.text
        snapshot: Json = response.json()
        return snapshot


@pytest.fixture
def town(sqlite_url: str) -> Iterator[tuple[Seeded, Server]]:
    # Real time runs here: marking a no-show right after the call needs an office without recall rules.
    seeded = seed(sqlite_url, {**OFFICE, "no_show_min_recalls": 0, "no_show_delay_s": 0})
    try:
        with running_server(sqlite_url) as server:
            yield seeded, server
    finally:
        seeded.db.engine.dispose()


@pytest.fixture
async def office(town: tuple[Seeded, Server]) -> AsyncIterator[Office]:
    seeded, server = town
    async with httpx.AsyncClient(base_url=server.url, timeout=WAIT_S) as http:
        yield Office(http, seeded)


def _subject(event: Json) -> int:
    return int(event["ticket"]["id"] if "ticket" in event else event["counter"]["id"])


SERVICES = "AABCCABCAC"  # ten citizens a wave: four A, two B, four C
LANGUAGES = ("nl", "fr", "nl", "en")


async def test_a_walk_in_morning_reaches_a_resuming_display_once_each_in_order(
    town: tuple[Seeded, Server], office: Office
) -> None:
    _seeded, server = town
    recorder = RawRecorder(server.ws, office.tokens[Role.DISPLAY])
    await recorder.connect()
    try:
        await recorder.until_seq(0)
        assert recorder.snapshots[0]["seq"] == 0
        assert recorder.snapshots[0]["waiting"] == []

        for name in ("1", "2", "3"):
            assert (await office.counter(name, "open"))["state"] == "open"
        issued = [await office.issue(service, LANGUAGES[i % 4]) for i, service in enumerate(SERVICES)]

        # Counter 1: the first citizen has left; the next one needs a certificate instead.
        left = await office.serve("1", no_show=True)
        assert left is not None
        moved = await office.call_next("1")
        assert moved is not None
        assert moved["service"] in "AB"
        await office.ticket(moved, "start", counter=office.counters["1"])
        continued = await office.ticket(moved, "transfer", to_service="C")
        original = next(t for t in issued if t["id"] == moved["id"])
        assert continued["id"] != moved["id"]
        assert (continued["number"], continued["checked_in_at"]) == (original["number"], original["checked_in_at"])
        assert (continued["service"], continued["state"]) == ("C", "waiting")

        # Counter 2: a citizen must fetch a document and is parked; the clerk serves someone else.
        parked = await office.call_next("2")
        assert parked is not None
        await office.ticket(parked, "start")
        assert (await office.ticket(parked, "park"))["state"] == "parked"
        assert await office.serve("2") is not None

        # Counter 3: the citizen does not come at once and is called again.
        recalled = await office.call_next("3")
        assert recalled is not None
        assert (await office.ticket(recalled, "recall"))["recalls"] == 1
        await office.ticket(recalled, "start")
        await office.ticket(recalled, "finish")

        # Counter 2 pauses: it calls nobody until it resumes, then calls the parked citizen back.
        assert (await office.counter("2", "pause", reason="coffee"))["pause_reason"] == "coffee"
        refused = await office.http.post(
            f"/api/counters/{office.counters['2']}/call-next", headers=office._auth(Role.CLERK)
        )
        assert (refused.status_code, refused.json()["error"]) == (409, "counter_not_open")
        await office.counter("2", "resume")
        back = await office.ticket(parked, "call", counter=office.counters["2"])
        assert (back["id"], back["state"], back["counter"]["name"]) == (parked["id"], "called", "2")
        await office.ticket(parked, "finish")

        # Midway: the display's connection dies without a goodbye while the office carries on.
        await recorder.until_seq(len(office.expected) - 3)  # some events may still be on the way
        await office.serve("1")
        await recorder.drop()
        seen_at_drop = recorder.last_seq
        issued += [await office.issue(service, LANGUAGES[i % 4]) for i, service in enumerate(SERVICES)]
        await office.serve("3")
        missed = (await office.queue())["seq"] - seen_at_drop
        assert missed >= len(SERVICES) + 3  # at least the wave and the citizen served while it was away
        await recorder.connect(since=seen_at_drop)

        # The rest of the morning: a last wave of citizens while the counters work the queue down.
        issued += [await office.issue(service, LANGUAGES[i % 4]) for i, service in enumerate(SERVICES)]
        served, busy = 0, True
        while busy:  # round after round, until no counter finds anybody waiting
            busy = False
            for name in ("1", "2", "3"):
                if await office.serve(name, no_show=served % 9 == 4) is not None:
                    served, busy = served + 1, True
            assert served < 100, "the queue never empties"
        for name in ("1", "2", "3"):
            assert (await office.counter(name, "close"))["state"] == "closed"

        final = await office.queue()
        assert final["waiting"] == []
        assert {c["state"] for c in final["counters"]} == {"closed"}
        last = final["seq"]
        await recorder.until_seq(last)
    finally:
        await recorder.close()

    # Every event once, in order, 1..N, and N is the office's own count.
    seqs = [e["seq"] for e in recorder.events]
    assert seqs == list(range(1, last + 1))
    assert last == len(office.expected)
    # ...and each is what the action behind it announced.
    assert [(e["type"], _subject(e)) for e in recorder.events] == office.expected
    counts = collections.Counter(e["type"] for e in recorder.events)
    assert counts["ticket.issued"] == len(issued) == 30
    assert counts["ticket.called"] == counts["ticket.finished"] + counts["ticket.no_show"] + 2  # transferred, parked
    assert counts["ticket.parked"] == counts["ticket.transferred"] == counts["ticket.recalled"] == 1
    assert counts["counter.paused"] == counts["counter.resumed"] == 1
    assert counts["counter.opened"] == counts["counter.closed"] == 3
    assert counts["ticket.no_show"] >= 2

    # The resume: one snapshot at the start, then a replay from where the display was, no fresh picture.
    assert recorder.resumed_from == [None, seen_at_drop]
    assert len(recorder.snapshots) == 1
    assert recorder.closes[0].rcvd is None  # the drop really was abrupt: no close frame came
    # Every citizen got a number of their service's day sequence, and the transfer kept one.
    for service in "ABC":
        numbers = [t["number"] for t in issued if t["service"] == service]
        assert numbers == [f"{service}{n:03d}" for n in range(1, len(numbers) + 1)]
    transferred = next(e for e in recorder.events if e["type"] == "ticket.transferred")
    assert transferred["to"]["ticket"]["id"] == continued["id"]
    assert ("ticket.called", continued["id"]) in office.expected  # the continuing visit was served at C
    assert all(re.fullmatch(r"[ABC]\d{3}", t["number"]) for t in issued)
