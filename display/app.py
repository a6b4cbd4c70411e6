"""The waiting-room display in a terminal: the latest call very large, the calls before it, and per service
the people waiting and the estimated wait; labels alternate between the office's languages.

The app owns the network: one worker follows the office's websocket (`client.live.OfficeFeed`: resume with
`since`, reconnect with backoff, a fresh snapshot when the gap is too old) and posts what it hears as
messages; the app feeds them, in order, to the pure board model (`display.board`), which never shows a call
twice. Another worker re-reads the snapshot for the per-service numbers after events (gathered) and every
`REFRESH_S`. A lost connection shows a discreet "offline" mark; a refused token or office is said on screen.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from textual import work
from textual.css.query import NoMatches
from textual.message import Message

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.live import OfficeFeed
from client.models import LiveMessage, Snapshot
from display.board import HISTORY, LANGUAGE_PERIOD_S, Board, language_at
from display.screens import BoardScreen, refusal_text
from tui.app import LoketApp

#: How often the per-service numbers are re-read when nothing happens (the waits change with time alone).
REFRESH_S = 15.0
#: Events within this many seconds are answered with one snapshot read.
GATHER_S = 0.5
#: A connection down for longer than this shows the offline mark (a quick resume does not blink it).
OFFLINE_AFTER_S = 1.0


@dataclass(frozen=True)
class DisplayConfig:
    server: str
    token: str
    office: str
    languages: tuple[str, ...] = ("nl", "fr")
    #: How many calls are listed under the latest one.
    history: int = HISTORY
    #: Seconds each language stays on screen.
    language_period_s: int = LANGUAGE_PERIOD_S


class FeedMessage(Message):
    """A snapshot or an event from the office's websocket, in the order the feed yielded it."""

    def __init__(self, message: LiveMessage) -> None:
        super().__init__()
        self.message = message


class Counts(Message):
    """A snapshot read over HTTP: only its per-service numbers are used."""

    def __init__(self, snapshot: Snapshot) -> None:
        super().__init__()
        self.snapshot = snapshot


class Link(Message):
    """The websocket connection opened (`up`) or dropped."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up


class Refused(Message):
    """The server refused this display (token, office): said on screen; the display cannot work."""

    def __init__(self, refusal: LoketError) -> None:
        super().__init__()
        self.refusal = refusal


class DisplayApp(LoketApp):
    TITLE = "Loket"
    CSS = """
    Screen { layout: vertical; }
    #top { height: 1; background: $primary-background; }
    #office { width: 1fr; text-style: bold; padding: 0 1; }
    #hours { width: auto; color: $text-muted; padding: 0 1; }
    #offline { width: auto; color: $text-muted; padding: 0 1; }
    #clock { width: auto; text-style: bold; padding: 0 1; }
    #problem { height: auto; background: $error; color: $text; text-style: bold; padding: 1 2; }
    #latest { height: auto; border: heavy $accent; padding: 0 2; }
    #latest-labels { height: 1; }
    .latest-label { width: 1fr; color: $text-muted; }
    #latest-big { height: auto; min-height: 5; }
    #number { width: 1fr; text-style: bold; color: $accent; }
    #arrow { width: 4; text-style: bold; }
    #counter { width: 1fr; text-style: bold; color: $accent; }
    #recall { height: 1; color: $warning; text-style: bold; }
    #bottom { height: 1fr; }
    #previous { width: 1fr; padding: 1 2; }
    #services { width: 1fr; padding: 1 2; }
    """

    def __init__(self, config: DisplayConfig, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__(clock=clock)
        self.config = config
        self.client = LoketClient(config.server, config.token, timeout=5.0)
        self.board: Board | None = None
        self.online = True
        #: Why the server refused this display (said in the band, in the language shown): None until it does.
        self.refusal: LoketError | None = None
        self._link_up = False
        self._down_since = 0.0
        self._refresh_wanted = asyncio.Event()

    # -- life cycle ---------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(BoardScreen())
        self._down_since = self._monotonic()
        self.keep_running(self.follow_office(), self.refresh_counts())
        self.set_interval(1.0, self._tick)
        self.call_after_refresh(self._draw)

    async def close_client(self) -> None:
        await self.client.aclose()

    def _monotonic(self) -> float:
        return asyncio.get_running_loop().time()

    # -- network (workers) ----------------------------------------------------------------------------------

    @work(exclusive=True, group="feed")
    async def follow_office(self) -> None:
        feed = OfficeFeed(self.config.server, self.config.office, self.config.token, on_link=self._heard_link)
        try:
            async for message in feed.messages():
                self.post_message(FeedMessage(message))
        except LoketError as refusal:
            self.post_message(Refused(refusal))
        finally:
            await feed.aclose()

    def _heard_link(self, up: bool) -> None:
        self.post_message(Link(up))

    @work(exclusive=True, group="refresh")
    async def refresh_counts(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._refresh_wanted.wait(), REFRESH_S)
            await asyncio.sleep(GATHER_S)  # a burst of events: one read
            self._refresh_wanted.clear()
            try:
                self.post_message(Counts(await self.client.queue(self.config.office)))
            except Unreachable:
                pass  # the feed's connection says whether we are offline; try again later
            except LoketError as refusal:
                self.post_message(Refused(refusal))
                return

    # -- what the workers tell --------------------------------------------------------------------------------

    def on_feed_message(self, message: FeedMessage) -> None:
        heard = message.message
        if isinstance(heard, Snapshot):
            self.board = self.board.reset(heard) if self.board else Board.from_snapshot(heard, self.config.history)
        elif self.board is not None:
            self.board = self.board.apply(heard)
            self._refresh_wanted.set()
        self._link(True)
        self._draw()

    def on_counts(self, message: Counts) -> None:
        if self.board is not None:
            self.board = self.board.with_services(message.snapshot)
            self._draw()

    def on_link(self, message: Link) -> None:
        self._link(message.up)
        if message.up:
            self._refresh_wanted.set()  # the numbers may have changed while we were away
        self._draw()

    def on_refused(self, message: Refused) -> None:
        self.refusal = message.refusal
        self._draw()

    def _link(self, up: bool) -> None:
        if up:
            self._link_up = self.online = True
        elif self._link_up:
            self._link_up = False
            self._down_since = self._monotonic()

    # -- drawing --------------------------------------------------------------------------------------------

    def _tick(self) -> None:
        if not self._link_up and self._monotonic() - self._down_since >= OFFLINE_AFTER_S:
            self.online = False
        self._draw()

    def language(self) -> str:
        return language_at(self.clock(), self.config.languages, self.config.language_period_s)

    @property
    def problem(self) -> str:
        """Why the display cannot work, in the language shown now; empty while it works."""
        return refusal_text(self.refusal, self.config.office, self.language()) if self.refusal else ""

    def _draw(self) -> None:
        shown = self.screen
        if not (isinstance(shown, BoardScreen) and shown.is_mounted):
            return
        problem = self.problem
        try:
            shown.show(
                self.board,
                online=self.online or bool(problem),
                problem=problem,
                now=self.clock(),
                language=self.language(),
            )
        except NoMatches:
            # The second's tick can land while the screen is mounted but its widgets are not yet (start-up on
            # a busy machine) or no longer (shutting down): the next tick draws it whole.
            return
