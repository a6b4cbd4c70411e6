"""Live status pages: one computation per office event, whatever the number of pages open.

A status stream (api/status_events.py) follows one ticket. Each stream used to recompute its ticket's view on
every event of its office, one by one: with 300 pages open, issuing a ticket took seconds. Now each office with
followers in this process has one feed: it listens to the hub once, lets a burst of events settle (at most
one computation per `COALESCE_S`, at once after a quiet spell), reads the queue once for every followed ticket
(the `compute` it is given: `usecases.ticket_statuses`), and hands the bytes of a ticket's frame (encoded
once) only to the streams whose ticket's view changed: its gist, everything but the estimate's drift as time
passes. A stream keeps only the newest frame it has not sent: a slow reader skips views it was too slow for
and never holds up the feed or the other streams.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from typing import Any

from starlette.concurrency import run_in_threadpool

from live.hub import Delivery, Hub, Subscription, encode

log = logging.getLogger("loket.statuses")

#: At most one computation of an office's followed statuses per this many seconds (a burst of events is one).
COALESCE_S = 0.2

#: The most of this process's time an office's feed may take while events keep coming: with a thousand pages
#: followed a computation takes ~60 ms, and issuing tickets at 50/s needs half a core (bench/followers.py).
SHARE = 0.2

#: Put in a feed's queue when a stream starts following: compute soon, as for an event.
NEWCOMER = Delivery(seq=-1, text="", public_text="")

#: Given an office and the status tokens followed there, each token's status and its gist: what must differ
#: for a follower to be told again (those of no ticket left out; see `scheduler.citizen.status_gist`).
Compute = Callable[[str, list[str]], dict[str, tuple[dict[str, Any], object]]]


def frame(status: dict[str, Any]) -> bytes:
    """A status as one server-sent event."""
    return f"event: status\ndata: {encode(status)}\n\n".encode()


class Watch:
    """One open status stream: the newest frame for it not sent yet, if any."""

    def __init__(self, office: str, token: str) -> None:
        self.office = office
        self.token = token
        self.gist: object = None  # the gist of what this stream sent (or will send) last
        self._pending: bytes | None = None
        self._ended = False
        self._wake = asyncio.Event()

    def offer(self, text: bytes, gist: object) -> None:
        if gist != self.gist:
            self.gist = gist
            self._pending = text
            self._wake.set()

    def end(self) -> None:
        """Nothing more will come: the ticket is gone or the server stops."""
        self._ended = True
        self._wake.set()

    async def next(self) -> bytes | None:
        """The next frame to send; None once the stream should end."""
        while True:
            if self._pending is not None:
                text, self._pending = self._pending, None
                return text
            if self._ended:
                return None
            self._wake.clear()
            await self._wake.wait()


class _Feed:
    def __init__(self, office: str) -> None:
        self.office = office
        self.sub: Subscription | None = None  # once the feed's task has subscribed
        self.watches: dict[str, set[Watch]] = {}
        self.task: asyncio.Task[None] | None = None


class StatusFeeds:
    """The feeds of this process, one per office whose tickets someone follows here."""

    def __init__(self, hub: Hub, compute: Compute, coalesce_s: float = COALESCE_S) -> None:
        self.hub = hub
        self.compute = compute
        self.coalesce_s = coalesce_s
        self._feeds: dict[str, _Feed] = {}
        #: Computations run so far (tests wait on it).
        self.computations = 0

    def watch(self, office: str, token: str) -> Watch:
        """Follow `token`'s ticket in `office`. Its first frame comes from the feed's next computation, like the
        others: a crowd of pages opening at once costs one computation, not one each."""
        feed = self._feeds.get(office)
        if feed is None:
            # In the map before anything is awaited: streams opening at the same moment share this one feed.
            feed = self._feeds[office] = _Feed(office)
            feed.task = asyncio.create_task(self._run(feed), name=f"loket-statuses-{office}")
        watch = Watch(office, token)
        feed.watches.setdefault(token, set()).add(watch)
        if feed.sub is not None:  # otherwise the feed computes as soon as it listens
            with contextlib.suppress(asyncio.QueueFull):  # full: the feed computes soon anyway
                feed.sub.queue.put_nowait(NEWCOMER)
        return watch

    def leave(self, watch: Watch) -> None:
        feed = self._feeds.get(watch.office)
        if feed is None:
            return
        streams = feed.watches.get(watch.token)
        if streams is not None:
            streams.discard(watch)
            if not streams:
                del feed.watches[watch.token]
        if not feed.watches:
            del self._feeds[watch.office]
            if feed.sub is not None:
                self.hub.unsubscribe(feed.sub)
            if feed.task is not None:
                feed.task.cancel()

    async def stop(self) -> None:
        feeds, self._feeds = list(self._feeds.values()), {}
        for feed in feeds:
            self._end(feed)
            if feed.task is not None:
                feed.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await feed.task

    async def _run(self, feed: _Feed) -> None:
        sub = feed.sub = await self.hub.subscribe(feed.office)
        try:
            computed = time.monotonic()
            await self._publish(feed)  # the first frames of the streams that came meanwhile
            took = time.monotonic() - computed
            while True:
                delivery = await sub.queue.get()
                if delivery is not None:
                    # Let a burst settle: the next computation starts a coalescing interval after the last one
                    # began, or later when it took long, so that however many follow it never takes more than
                    # `SHARE` of the process's time from issuing and calling.
                    await asyncio.sleep(max(0.0, computed + max(self.coalesce_s, took / SHARE) - time.monotonic()))
                if delivery is None or not _drain(sub):
                    if not sub.overflowed:
                        self._end(feed)  # the server stops
                        return
                    # The hub dropped us (too slow): listen again; the computation below catches up.
                    self.hub.unsubscribe(sub)
                    sub = feed.sub = await self.hub.subscribe(feed.office)
                computed = time.monotonic()
                await self._publish(feed)
                took = time.monotonic() - computed
        finally:
            self.hub.unsubscribe(sub)

    async def _publish(self, feed: _Feed) -> None:
        tokens = list(feed.watches)
        if not tokens:
            return
        try:
            statuses = await run_in_threadpool(self.compute, feed.office, tokens)
        except Exception:
            log.exception("computing the followed statuses of office %s failed", feed.office)
            return
        self.computations += 1
        for token in tokens:
            streams = feed.watches.get(token)
            if not streams:
                continue  # left while we computed
            found = statuses.get(token)
            if found is None:
                for watch in list(streams):
                    watch.end()  # erased: the client's reconnect gets the 404
                continue
            status, gist = found
            text: bytes | None = None
            for watch in streams:
                if watch.gist != gist:
                    text = text or frame(status)  # encoded once, only if someone is to be told
                    watch.offer(text, gist)

    @staticmethod
    def _end(feed: _Feed) -> None:
        for streams in feed.watches.values():
            for watch in streams:
                watch.end()


def _drain(sub: Subscription) -> bool:
    """Empty the queue; False when it held the end (the server stops or dropped us)."""
    while not sub.queue.empty():
        if sub.queue.get_nowait() is None:
            return False
    return True
