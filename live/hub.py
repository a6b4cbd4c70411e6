"""Fan-out of an office's events to its websocket clients, in sequence order, none twice, none missed.

The hub keeps, per office with listeners, the last sequence number it delivered. A bus notice that
continues exactly from there is delivered as is; anything else (a gap, a notice from another process
that arrived out of order, a lost notice found by the poll) is read back from the event log.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from dataclasses import dataclass, field
from typing import Any

from starlette.concurrency import run_in_threadpool

from live.bus import Bus
from scheduler.events import EventType
from store.database import Database, WireEvent

log = logging.getLogger("loket.hub")


def encode(message: dict[str, Any]) -> str:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False)


#: Events for the office's staff only (clerks, managers, admins). Kiosks and displays receive them as
#: `{"seq": N, "type": "staff.only"}`: nothing of their content, but the sequence stays contiguous, so
#: a client never mistakes a hidden event for a missed one.
STAFF_ONLY = frozenset({EventType.STAFFING_ADVICE})


def for_public(event: WireEvent) -> WireEvent:
    """The event as a kiosk or display may see it."""
    if event.get("type") in STAFF_ONLY:
        return {"seq": event["seq"], "type": "staff.only"}
    return event


@dataclass(frozen=True)
class Delivery:
    """An event ready to send: encoded once, whatever the number of clients (twice for staff-only ones)."""

    seq: int
    text: str
    #: What kiosks and displays get instead (see `STAFF_ONLY`).
    public_text: str

    @classmethod
    def of(cls, event: WireEvent) -> Delivery:
        text = encode(event)
        public = for_public(event)
        return cls(event["seq"], text, text if public is event else encode(public))


@dataclass(eq=False)
class Subscription:
    office: str
    queue: asyncio.Queue[Delivery | None]
    overflowed: bool = False


@dataclass
class _Office:
    cursor: int
    subscribers: set[Subscription] = field(default_factory=set)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


class Hub:
    def __init__(self, db: Database, bus: Bus, *, queue_size: int, poll_interval_s: float) -> None:
        self.db = db
        self.bus = bus
        self._queue_size = queue_size
        self._poll_interval_s = poll_interval_s
        self._offices: dict[str, _Office] = {}
        self._poller: asyncio.Task[None] | None = None

    async def start(self) -> None:
        await self.bus.start(self._notified)
        self._poller = asyncio.create_task(self._poll(), name="loket-hub-poll")

    async def stop(self) -> None:
        if self._poller is not None:
            self._poller.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._poller
        await self.bus.stop()
        for office in self._offices.values():
            for sub in office.subscribers:
                sub.queue.put_nowait(None)  # tells each connection to close now
        self._offices.clear()

    async def published(self, office: str, events: list[WireEvent]) -> None:
        """Called after a commit: tell this process's clients and, through the bus, the others."""
        if events:
            await self.bus.publish(office, events)

    async def subscribe(self, office: str) -> Subscription:
        sub = Subscription(office, asyncio.Queue(maxsize=self._queue_size))
        state = self._offices.get(office)
        if state is None:
            seq = await run_in_threadpool(self.db.read, lambda repo: repo.current_seq(office))
            state = self._offices.setdefault(office, _Office(cursor=seq))
        state.subscribers.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        state = self._offices.get(sub.office)
        if state is None:
            return
        state.subscribers.discard(sub)
        if not state.subscribers:
            del self._offices[sub.office]

    def listeners(self, office: str) -> int:
        state = self._offices.get(office)
        return len(state.subscribers) if state else 0

    async def _notified(self, office: str, events: list[dict[str, Any]]) -> None:
        state = self._offices.get(office)
        if state is None:
            return
        async with state.lock:
            if events and events[0].get("seq") == state.cursor + 1:
                self._fan_out(state, events)
            elif not events or events[-1].get("seq", 0) > state.cursor:
                await self._catch_up(office, state)

    async def _catch_up(self, office: str, state: _Office) -> None:
        missed = await run_in_threadpool(self.db.events_after, office, state.cursor)
        if missed is None:
            # Too far behind to replay: every client resyncs from a snapshot.
            state.cursor = await run_in_threadpool(self.db.read, lambda repo: repo.current_seq(office))
            for sub in state.subscribers:
                sub.overflowed = True
                sub.queue.put_nowait(None)
            return
        self._fan_out(state, missed)

    def _fan_out(self, state: _Office, events: list[WireEvent]) -> None:
        for event in events:
            if event["seq"] <= state.cursor:
                continue
            state.cursor = event["seq"]
            delivery = Delivery.of(event)
            for sub in state.subscribers:
                if sub.overflowed:
                    continue
                try:
                    sub.queue.put_nowait(delivery)
                except asyncio.QueueFull:
                    # A client this slow resumes with ?since= after we close it.
                    sub.overflowed = True
                    with contextlib.suppress(asyncio.QueueEmpty):
                        sub.queue.get_nowait()
                    sub.queue.put_nowait(None)

    async def _poll(self) -> None:
        while True:
            await asyncio.sleep(self._poll_interval_s)
            for office, state in list(self._offices.items()):
                try:
                    seq = await run_in_threadpool(self.db.read, lambda repo, o=office: repo.current_seq(o))
                    if seq > state.cursor:
                        async with state.lock:
                            await self._catch_up(office, state)
                except Exception:
                    log.exception("polling office %s for missed events failed", office)
