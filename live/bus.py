"""Telling every server process that an office has new events.

Two buses behind one interface: in memory for one process, PostgreSQL LISTEN/NOTIFY for several
processes sharing one database. A bus may lose or reorder a notice; the hub heals that from the
event log, so a bus only has to be fast, not perfect.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Protocol

from store import notices

log = logging.getLogger("loket.bus")

Listener = Callable[[str, list[dict[str, Any]]], Awaitable[None]]


class Bus(Protocol):
    async def start(self, listener: Listener) -> None: ...

    async def publish(self, office: str, events: list[dict[str, Any]]) -> None: ...

    async def stop(self) -> None: ...


class MemoryBus:
    def __init__(self) -> None:
        self._listener: Listener | None = None

    async def start(self, listener: Listener) -> None:
        self._listener = listener

    async def publish(self, office: str, events: list[dict[str, Any]]) -> None:
        if self._listener is not None:
            await self._listener(office, events)

    async def stop(self) -> None:
        self._listener = None


class PostgresBus:
    """LISTEN on one connection (reconnecting with backoff), NOTIFY from another."""

    def __init__(self, conninfo: str) -> None:
        self._conninfo = conninfo
        self._listener: Listener | None = None
        self._task: asyncio.Task[None] | None = None
        self._sender: notices.Connection | None = None
        self._send_lock = asyncio.Lock()
        self.connected = asyncio.Event()

    async def start(self, listener: Listener) -> None:
        self._listener = listener
        self._task = asyncio.create_task(self._listen(), name="loket-pg-listen")
        # Start-up waits for the first LISTEN, so no notice published after start-up is missed.
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.connected.wait(), timeout=10)

    async def _listen(self) -> None:
        backoff = 0.2
        while True:
            try:
                async with await notices.connect(self._conninfo) as conn:
                    await notices.listen(conn)
                    self.connected.set()
                    backoff = 0.2
                    async for notice in conn.notifies():
                        await self._deliver(notice.payload)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the database went away: say so, wait, listen again
                self.connected.clear()
                log.warning("event bus lost PostgreSQL (%s); retrying in %.1fs", exc, backoff)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, 5.0)

    async def _deliver(self, payload: str) -> None:
        if self._listener is None:
            return
        try:
            message = json.loads(payload)
            await self._listener(str(message["office"]), list(message.get("events", [])))
        except Exception:
            log.exception("bad event notice %r", payload[:200])

    async def publish(self, office: str, events: list[dict[str, Any]]) -> None:
        payload = json.dumps({"office": office, "events": events}, separators=(",", ":"))
        if len(payload.encode()) > notices.MAX_PAYLOAD:
            payload = json.dumps({"office": office, "events": []})
        async with self._send_lock:
            for attempt in (1, 2):
                try:
                    if self._sender is None or self._sender.closed:
                        self._sender = await notices.connect(self._conninfo)
                    await notices.notify(self._sender, payload)
                    return
                except notices.Unreachable as exc:
                    self._sender = None
                    if attempt == 2:
                        # The events are committed; other processes find them by polling the log.
                        log.warning("could not notify other processes: %s", exc)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._sender is not None:
            await self._sender.close()
