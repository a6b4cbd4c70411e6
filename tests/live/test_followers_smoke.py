"""Many live followers of one office at once, against a real `loket serve`: thirty status pages (one per ticket)
and ten displays follow while the office changes five times.

Counts only, never times (bench/followers.py measures those). One server and one run per file: the tests read
what the followers received.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from scheduler.model import Role
from tests.support import Seeded, Server, running_server, seed

pytestmark = pytest.mark.e2e

OFFICE = "town"
PAGES = 30  # status streams, each following a ticket of its own (service A, in queue order)
DISPLAYS = 10  # display websockets
CALLED = 3  # the changes below call the first three tickets
BOUND_S = 30.0  # on every wait for a condition: reached at once when all is well


@dataclass
class Follower:
    """What one follower received, and a condition to wait on it."""

    frames: list[str] = field(default_factory=list)
    arrived: asyncio.Condition = field(default_factory=asyncio.Condition)

    async def got(self, frame: str) -> None:
        async with self.arrived:
            self.frames.append(frame)
            self.arrived.notify_all()

    async def until(self, done: Callable[[list[str]], object]) -> None:
        async with self.arrived:
            await self.arrived.wait_for(lambda: bool(done(self.frames)))


@dataclass
class Page(Follower):
    token: str = ""

    def places(self) -> list[int]:
        return [place(json.loads(frame)) for frame in self.frames]


@dataclass
class Display(Follower):
    snapshot_seq: int = -1

    def seqs(self) -> list[int]:
        return [int(json.loads(frame)["seq"]) for frame in self.frames]


@dataclass
class Run:
    pages: list[Page]
    displays: list[Display]
    last_seq: int  # the office's seq after the last change
    places: list[int]  # each page's ticket at the end, as the server answers GET /api/status/{token}


def place(status: dict[str, Any]) -> int:
    """People ahead while waiting; -1 once called (or anything else but waiting)."""
    return int(status["people_ahead"]) if status["state"] == "waiting" else -1


def ends_at(final: int) -> Callable[[list[str]], bool]:
    """A page's frames end on the place `final`."""
    return lambda frames: place(json.loads(frames[-1])) == final


def bearer(seeded: Seeded, role: Role) -> dict[str, str]:
    return {"Authorization": f"Bearer {seeded.tokens[role]}"}


async def follow_page(http: httpx.AsyncClient, page: Page) -> None:
    async with http.stream("GET", f"/api/status/{page.token}/events") as response:
        assert response.status_code == 200, await response.aread()
        data: list[str] = []
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                await page.got("\n".join(data))
                data = []


async def follow_display(ws: ClientConnection, display: Display) -> None:
    async for raw in ws:
        text = raw if isinstance(raw, str) else raw.decode()
        if json.loads(text).get("type") == "ping":
            await ws.send('{"type":"pong"}')
        else:
            await display.got(text)


async def open_display(
    server: Server, seeded: Seeded, stack: contextlib.AsyncExitStack, tasks: asyncio.TaskGroup
) -> tuple[Display, asyncio.Task[None]]:
    """A display that has its snapshot, and the task that reads its events."""
    ws = await stack.enter_async_context(
        connect(f"{server.ws}/ws/offices/{OFFICE}?token={seeded.tokens[Role.DISPLAY]}", open_timeout=BOUND_S)
    )
    snapshot = json.loads(await ws.recv())
    assert snapshot["type"] == "snapshot"
    display = Display(snapshot_seq=int(snapshot["seq"]))
    return display, tasks.create_task(follow_display(ws, display))


async def follow_while_the_office_changes(server: Server, seeded: Seeded) -> Run:
    limits = httpx.Limits(max_connections=PAGES + 10)
    clerk, kiosk = bearer(seeded, Role.CLERK), bearer(seeded, Role.KIOSK)
    one, two = seeded.counters["1"], seeded.counters["2"]  # both serve A
    async with (
        httpx.AsyncClient(base_url=server.url, limits=limits, timeout=BOUND_S) as http,
        contextlib.AsyncExitStack() as stack,
        asyncio.TaskGroup() as tasks,
    ):

        async def post(path: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> Any:
            response = await http.post(path, json=body, headers=headers)
            assert response.status_code in (200, 201), response.text
            return response.json()

        async def issue() -> Any:
            return await post(f"/api/offices/{OFFICE}/tickets", kiosk, {"service": "A", "language": "nl"})

        for counter in (one, two):
            await post(f"/api/counters/{counter}/open", clerk)
        tickets = [await issue() for _ in range(PAGES)]
        pages = [Page(token=str(t["status_url"]).rsplit("/", 1)[1]) for t in tickets]
        readers = [tasks.create_task(follow_page(http, page)) for page in pages]
        displays: list[Display] = []
        for _ in range(DISPLAYS):
            display, reader = await open_display(server, seeded, stack, tasks)
            displays.append(display)
            readers.append(reader)
        async with asyncio.timeout(BOUND_S):
            for page in pages:
                await page.until(len)  # its first frame: the page is listening

        # Five changes: tickets 0 and 1 called, one more issued, ticket 0 finished, ticket 2 called.
        first = await post(f"/api/counters/{one}/call-next", clerk)
        await post(f"/api/counters/{two}/call-next", clerk)
        await issue()
        await post(f"/api/tickets/{first['id']}/finish", clerk, {"counter": one})
        await post(f"/api/counters/{one}/call-next", clerk)

        queue = await http.get(f"/api/offices/{OFFICE}/queue", headers=bearer(seeded, Role.MANAGER))
        last_seq = int(queue.json()["seq"])
        places = [place((await http.get(f"/api/status/{page.token}")).json()) for page in pages]
        async with asyncio.timeout(BOUND_S):
            for display in displays:
                await display.until(lambda frames: frames and json.loads(frames[-1])["seq"] >= last_seq)
            for page, final in zip(pages, places, strict=True):
                await page.until(ends_at(final))
        for reader in readers:
            reader.cancel()
    return Run(pages, displays, last_seq, places)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    url = f"sqlite:///{tmp_path_factory.mktemp('followers')}/loket.db"
    seeded = seed(url)
    try:
        with running_server(url) as server:
            outcome = asyncio.run(follow_while_the_office_changes(server, seeded))
    finally:
        seeded.db.engine.dispose()
    return outcome


def test_the_server_answers_each_ticket_its_place_after_the_changes(run: Run) -> None:
    # The ground the other tests stand on: three called, everybody else moved up three places.
    assert run.places == [-1] * CALLED + list(range(PAGES - CALLED))


def test_every_display_gets_every_event_once_in_sequence_order(run: Run) -> None:
    for display in run.displays:
        seqs = display.seqs()
        assert seqs == sorted(set(seqs))
        assert [s for s in seqs if s <= run.last_seq] == list(range(display.snapshot_seq + 1, run.last_seq + 1))
    assert run.last_seq - run.displays[0].snapshot_seq >= 5


def test_every_status_page_ends_on_its_tickets_final_place(run: Run) -> None:
    assert [page.places()[-1] for page in run.pages] == run.places


def test_a_status_page_never_sends_the_same_frame_twice_in_a_row(run: Run) -> None:
    for page in run.pages:
        assert all(a != b for a, b in itertools.pairwise(page.frames)), page.token


def test_a_status_page_only_ever_moves_its_ticket_forward(run: Run) -> None:
    for page in run.pages:
        places = page.places()  # -1 (called) is the front
        assert all(b <= a for a, b in itertools.pairwise(places)), (page.token, places)
