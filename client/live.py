"""`OfficeFeed`: an office's live events, in order, each once, across dropped connections.

    async with OfficeFeed("ws://127.0.0.1:8000", "town", token) as feed:
        async for message in feed:
            ...  # {"type": "snapshot", "seq": N, ...} or {"seq": N, "type": "ticket.called", ...}

The feed answers the server's pings, remembers the last `seq` it yielded and, when the connection
drops, reconnects with backoff (0.2 s doubling to 5 s) and `?since=<last>`. The server then replays
what was missed, or sends a fresh snapshot, which the feed yields too. An event whose `seq` is not
after the last one yielded is dropped, so no `seq` is ever yielded twice (a snapshot resets the count).
A refusal (bad token, unknown office) ends the iteration with a `LoketError`. The token travels in the
`Authorization` header, not as `?token=` (which servers and proxies write to their access logs).

Iterating the feed yields the wire's JSON objects; `feed.messages()` yields the same messages parsed into
`client.models` (a `Snapshot` or an event), which is what the apps read.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from types import TracebackType
from typing import Any, Self
from urllib.parse import quote, urlencode

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

from client.errors import LoketError
from client.models import LiveMessage, live_message

log = logging.getLogger("loket.client.live")

Message = dict[str, Any]

CLOSE_RESUME = 4409  # the server closed us because we fell behind: resume with ?since= (not a refusal)


class OfficeFeed:
    """Iterate an office's events; see the module docstring. Not safe to iterate from two tasks at once.

    `since`: start after this seq (replay) instead of with a snapshot. `min_backoff_s`/`max_backoff_s`:
    reconnection delays. `ws_base_url` may be `ws://`, `wss://`, `http://` or `https://`. `on_link`, if
    given, is told True when a connection opens and False when one drops or an attempt fails (the feed
    itself hides reconnections; a screen may want to say "offline").
    """

    def __init__(
        self,
        ws_base_url: str,
        office: str,
        token: str,
        *,
        since: int | None = None,
        min_backoff_s: float = 0.2,
        max_backoff_s: float = 5.0,
        open_timeout_s: float = 5.0,
        on_link: Callable[[bool], None] | None = None,
    ) -> None:
        base = ws_base_url.rstrip("/")
        if base.startswith(("http://", "https://")):
            base = "ws" + base[4:]
        self._url = f"{base}/ws/offices/{quote(office, safe='')}"
        self._token = token
        self._min_backoff = min_backoff_s
        self._max_backoff = max_backoff_s
        self._open_timeout = open_timeout_s
        self._on_link = on_link
        self._ws: ClientConnection | None = None
        self._backoff = 0.0  # the wait before the next connection attempt; none before the first
        self._refusal: Message | None = None
        self._closing = asyncio.Event()
        self.last_seq: int | None = since
        """The seq of the last message yielded (None before the first): what a resume asks for."""
        self.connections = 0
        """How many times a connection was opened (1 + the reconnections)."""

    @property
    def url(self) -> str:
        """The URL the next connection will use."""
        query = {} if self.last_seq is None else {"since": str(self.last_seq)}
        return f"{self._url}?{urlencode(query)}" if query else self._url

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Stop: close the connection; an iteration waiting for a message ends."""
        self._closing.set()
        ws, self._ws = self._ws, None
        if ws is not None:
            await ws.close()

    def __aiter__(self) -> Self:
        return self

    async def messages(self) -> AsyncIterator[LiveMessage]:
        """The same messages as iterating the feed, each parsed once into its model."""
        async for raw in self:
            yield live_message(raw)

    async def __anext__(self) -> Message:
        while not self._closing.is_set():
            ws = self._ws or await self._connect()
            if ws is None:
                break
            try:
                raw = await ws.recv()
            except ConnectionClosed as exc:
                self._dropped(ws, exc)
                continue
            self._backoff = 0.0  # this connection works: a later drop starts again from the shortest wait
            message = _parse(raw)
            if message is None:
                continue
            kind = message.get("type")
            if kind == "ping":
                with contextlib.suppress(ConnectionClosed):  # noticed by the next recv
                    await ws.send('{"type":"pong"}')
                continue
            if kind == "error":
                self._refusal = message  # the server closes the socket next; its close code decides
                continue
            seq = message.get("seq")
            if not isinstance(seq, int):
                continue
            if kind == "snapshot":
                self.last_seq = seq  # a fresh picture: count from here, even backwards (a reset office)
                return message
            if self.last_seq is not None and seq <= self.last_seq:
                continue  # seen already
            if self.last_seq is not None and seq > self.last_seq + 1:
                # Never happens with a healthy server; heal it by asking for the replay we missed.
                log.warning("event %s after %s: resuming to fill the gap", seq, self.last_seq)
                self._ws = None
                self._wait_longer("a gap in the sequence")
                await ws.close()
                continue
            self.last_seq = seq
            return message
        raise StopAsyncIteration

    async def _connect(self) -> ClientConnection | None:
        """Open a connection, waiting and retrying with backoff; None when the feed is closed meanwhile."""
        while True:
            if self._backoff > 0:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._closing.wait(), timeout=self._backoff)
            if self._closing.is_set():
                return None
            try:
                ws = await connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self._token}"},
                    open_timeout=self._open_timeout,
                )
            except InvalidStatus as exc:
                status = exc.response.status_code
                if 400 <= status < 500:
                    raise LoketError(status, "websocket_refused", f"{self._url}: HTTP {status}") from exc
                self._wait_longer(f"HTTP {status}")
            except (OSError, TimeoutError, InvalidHandshake) as exc:
                self._wait_longer(f"{type(exc).__name__}: {exc}")
            else:
                if self._closing.is_set():  # closed while we were connecting
                    await ws.close()
                    return None
                # The backoff is reset only once a message arrives: a server that accepts and drops at
                # once (restarting, overloaded) is not hammered.
                self._refusal = None
                self.connections += 1
                self._ws = ws
                self._link(True)
                return ws

    def _link(self, up: bool) -> None:
        if self._on_link is not None:
            self._on_link(up)

    def _wait_longer(self, why: str) -> None:
        self._link(False)
        self._backoff = min(max(self._backoff * 2, self._min_backoff), self._max_backoff)
        log.info("office feed %s: %s; retrying in %.1f s", self._url, why, self._backoff)

    def _dropped(self, ws: ClientConnection, exc: ConnectionClosed) -> None:
        """The connection ended: give up on a refusal (4400-4499 but 4409), else reconnect after the backoff."""
        if self._ws is ws:
            self._ws = None
        self._link(False)
        code = exc.rcvd.code if exc.rcvd is not None else None
        if code is not None and 4000 <= code < 5000 and code != CLOSE_RESUME:
            refusal = self._refusal or {}
            raise LoketError(
                code - 4000,
                str(refusal.get("error", "websocket_refused")),
                str(refusal.get("detail", exc.rcvd.reason if exc.rcvd else "")),
                refusal or None,
            ) from exc
        self._wait_longer(f"closed with code {code}")


def _parse(raw: str | bytes) -> Message | None:
    try:
        message = json.loads(raw)
    except ValueError:
        log.warning("ignoring a message that is not JSON: %r", raw[:200])
        return None
    return message if isinstance(message, dict) else None
