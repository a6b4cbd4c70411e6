"""The clerk terminal: log in, choose a counter, then call, serve, transfer, park and pause with one key each.

Every action goes to the server and the screen changes only with the server's answer (a fresh snapshot
after it, and after every event of the office's websocket): nothing is shown that the server did not say.
When the server cannot be reached a banner says so, actions wait, and the terminal reconnects and resyncs
by itself; an expired or revoked token brings back the login screen, keeping the chosen counter.

It speaks Dutch, French or English. The login screen speaks `CounterConfig.language` (given with
`--language`) or else `login_language` (from the environment's LANG/LC_ALL); once logged in, a language given
with `--language` is stored for the clerk (`PUT /api/me/language`), and without one the clerk's stored
language is used. A change of the office (`office.changed`: services renamed, counters added) shows at once,
on the desk and on the counter choice.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from textual import work
from textual.app import ScreenStackError
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.live import OfficeFeed
from client.models import CounterDay, Snapshot
from counter import screens
from counter.desk import Desk, desk, notice_of
from counter.refusals import Known, refusal_text
from i18n import LANGUAGES, gettext
from tui.app import LoketApp

#: How often the screen is refreshed when nothing happens (the waits grow with time alone).
REFRESH_S = 15.0


@dataclass(frozen=True)
class CounterConfig:
    server: str
    office: str | None = None
    counter: int | None = None
    #: The language chosen with --language (nl, fr, en): spoken from the start and stored for the clerk.
    language: str | None = None
    #: The login screen's language when none was chosen (the environment's, see counter.cli).
    login_language: str = "en"

    def __post_init__(self) -> None:
        for language in (self.language, self.login_language):
            if language is not None and language not in LANGUAGES:
                raise ValueError(f"unknown language {language!r}: choose one of {', '.join(LANGUAGES)}")


class Told(Message):
    """What a worker has to say to the clerk, on the screen that was shown when it started."""

    def __init__(self, screen: Screen[Any], text: str) -> None:
        super().__init__()
        self.where, self.text = screen, text


#: The counter's own actions (the server's names).
COUNTER_ACTIONS = ("open", "close", "resume")
#: The desk's ticket actions and the server's name for each.
TICKET_ACTIONS = {"recall": "recall", "start": "start", "finish": "finish", "no_show": "no-show", "park": "park"}
#: One desk action: the client, this counter, what the clerk typed, the desk shown; answers what it came to.
Act = Callable[[LoketClient, int, str | None, Desk | None], Awaitable[screens.Done]]


class CounterApp(LoketApp):
    CSS_PATH = "counter.tcss"
    TITLE = "Loket"
    # The command palette speaks English only, and a clerk needs none of it.
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, config: CounterConfig) -> None:
        super().__init__()
        self.config = config
        self.client: LoketClient | None = None
        self.token: str | None = None
        self.office: str | None = config.office
        self.clerk = ""
        self.counter_id: int | None = config.counter
        self.snapshot: Snapshot | None = None
        self.today: CounterDay | None = None
        self.notices: dict[str, str] = {}
        self.online = True
        #: What the terminal speaks now.
        self.language = config.language or config.login_language
        self._wanted = asyncio.Event()
        # One read of the server's truth at a time, so a slow read started before an action can never be drawn
        # over the read that follows the action's answer.
        self._reading = asyncio.Lock()

    # -- life cycle -------------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(screens.LoginScreen(language=self.language))

    async def close_client(self) -> None:
        if self.client is not None:
            await self.client.aclose()

    # -- log in, choose the counter -----------------------------------------------------------------------------

    def on_login_wanted(self, message: screens.LoginWanted) -> None:
        self._log_in(message.username, message.password)

    @work(exclusive=True, group="login")
    async def _log_in(self, username: str, password: str) -> None:
        login = self.screen
        lang = self.language
        async with LoketClient(self.config.server, None, timeout=5.0) as anonymous:
            try:
                answer = await anonymous.login(username, password)
            except Unreachable:
                self._tell(login, gettext(lang, "The server cannot be reached. Try again in a moment."))
                return
            except LoketError as refusal:
                self._tell(login, refusal_text(lang, refusal))
                return
        if answer.role not in ("clerk", "manager", "admin"):
            self._tell(login, gettext(lang, "This account may not serve at a counter."))
            return
        office = answer.office or self.config.office
        if not office:
            self._tell(login, gettext(lang, "This account is not bound to an office: start with --office OFFICE."))
            return
        self.office, self.clerk, self.token = office, answer.username or username, answer.token
        if self.client is not None:
            await self.client.aclose()
        self.client = LoketClient(self.config.server, self.token, timeout=5.0)
        await self._settle_language(answer.language)
        try:
            snapshot = await self.client.queue(self.office)
        except Unreachable:
            self._tell(login, gettext(self.language, "The server cannot be reached. Try again in a moment."))
            return
        except LoketError as refusal:
            self._tell(login, refusal_text(self.language, refusal))
            return
        self.snapshot = snapshot
        self.push_screen(self._counter_choice(snapshot))
        # The office is followed from now on: the counter choice shows a counter a manager adds meanwhile.
        await self.stop_background()
        self.keep_running(self._follow(), self._refresh_loop())

    async def _settle_language(self, stored: str | None) -> None:
        """The language chosen with --language is stored for the clerk; without one, the clerk's stored language
        is spoken. A server that cannot store it (an older one) leaves the terminal as it is."""
        assert self.client is not None
        if self.config.language is not None:
            self.language = self.config.language
            if stored != self.config.language:
                with contextlib.suppress(Unreachable, LoketError):
                    await self.client.set_language(self.config.language)
        elif stored in LANGUAGES:
            self.language = stored

    def _counter_choice(self, snapshot: Snapshot) -> screens.CounterScreen:
        choose = snapshot.office.clerks_choose_services
        names = {s.code: s.name(self.language) for s in snapshot.services}
        return screens.CounterScreen(list(snapshot.counters), choose, self.counter_id, self.language, names)

    def on_counter_chosen(self, message: screens.CounterChosen) -> None:
        self._start(message.counter_id, message.services)

    @work(exclusive=True, group="login")
    async def _start(self, counter_id: int, services: list[str] | None) -> None:
        chooser = self.screen
        assert self.client is not None
        assert self.office is not None
        if services is not None:
            try:
                await self.client.set_counter_services(counter_id, services)
            except Unreachable:
                self._tell(chooser, gettext(self.language, "The server cannot be reached. Try again in a moment."))
                return
            except LoketError as refusal:
                self._tell(chooser, refusal_text(self.language, refusal))
                return
        self.counter_id = counter_id
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screens.DeskScreen(self.clerk, self.language))
        if not self._background:
            self.keep_running(self._follow(), self._refresh_loop())
        self._wanted.set()  # the desk drawn at once

    def _tell(self, screen: Screen[Any], text: str) -> None:
        self.post_message(Told(screen, text))

    def on_told(self, message: Told) -> None:
        if isinstance(message.where, screens.LoginScreen | screens.CounterScreen | screens.DeskScreen):
            message.where.notice(message.text)

    def _back_to_login(self, refusal: LoketError) -> None:
        """The token expired or was revoked: log in again; the chosen counter is kept."""
        self.cancel_background()
        while len(self.screen_stack) > 1:
            self.pop_screen()
        self.push_screen(screens.LoginScreen(expired=refusal_text(self.language, refusal), language=self.language))

    # -- live ---------------------------------------------------------------------------------------------------

    @work(group="live")
    async def _follow(self) -> None:
        assert self.office is not None
        assert self.token is not None
        feed = OfficeFeed(self.config.server, self.office, self.token)
        try:
            async for message in feed.messages():
                noticed = None if isinstance(message, Snapshot) else notice_of(message, self.language)
                if noticed is not None:
                    key, text = noticed
                    if text is None:
                        self.notices.pop(key, None)
                    else:
                        self.notices[key] = text
                # Every event may change what the desk shows (office.changed: the services' names, the
                # counter's skills): one read of the snapshot after a burst.
                self._wanted.set()
        except LoketError as refusal:
            if refusal.status in (401, 403) or refusal.code in ("unauthorized", "forbidden"):
                self._back_to_login(refusal)
        finally:
            await feed.aclose()

    @work(group="live")
    async def _refresh_loop(self) -> None:
        while True:
            await self._refresh()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wanted.wait(), REFRESH_S if self.online else 1.0)
            self._wanted.clear()
            await asyncio.sleep(0.1)  # gather a burst of events into one refresh

    async def _refresh(self) -> None:
        async with self._reading:
            await self._read_and_draw()

    async def _read_and_draw(self) -> None:
        if self.client is None or self.office is None:
            return
        try:
            self.snapshot = await self.client.queue(self.office)
            if self.counter_id is not None and self._on(screens.DeskScreen):
                self.today = await self.client.counter_today(self.counter_id)
            self.online = True
        except Unreachable:
            self.online = False
        except LoketError as refusal:
            if refusal.status == 401:
                self._back_to_login(refusal)
                return
            self.online = True
        self._draw()

    def _on(self, kind: type[Screen[Any]]) -> bool:
        try:
            return isinstance(self.screen, kind)
        except ScreenStackError:  # quitting: every screen is gone already
            return False

    def _draw(self) -> None:
        try:
            shown = self.screen
        except ScreenStackError:  # quitting: every screen is gone already
            return
        if isinstance(shown, screens.CounterScreen) and self.snapshot is not None:
            names = {s.code: s.name(self.language) for s in self.snapshot.services}
            with contextlib.suppress(NoMatches):
                shown.offer(list(self.snapshot.counters), self.snapshot.office.clerks_choose_services, names)
        if isinstance(shown, screens.DeskScreen) and self.snapshot is not None and self.counter_id is not None:
            now = self.clock()
            shown.show(
                desk(self.snapshot, self.counter_id, now, self.notices, self.language), self.online, self.today, now
            )

    # -- actions ------------------------------------------------------------------------------------------------

    def on_action_wanted(self, message: screens.ActionWanted) -> None:
        self._act(message.name, message.value)

    @work(exclusive=True, group="act")
    async def _act(self, name: str, value: str | None) -> None:
        shown = self.screen
        if not isinstance(shown, screens.DeskScreen) or self.client is None or self.counter_id is None:
            return
        try:
            done = await self._do(name, value, shown.state)
        except Unreachable:
            self.online = False
            done = screens.Done("unreachable")
        except LoketError as refusal:
            if refusal.status == 401:
                self._back_to_login(refusal)
                return
            state = shown.state
            current = state.current.number if state and state.current else ""
            timezone = state.timezone if state else "Europe/Brussels"
            known = Known(number=current, value=(value or "").strip().upper(), timezone=timezone)
            done = screens.Done("refused", value=refusal_text(self.language, refusal, known))
        # The screen first shows what the server now holds, then says what was done: a clerk who acts on the
        # notice at once acts on the state it describes.
        await self._refresh()
        shown.tell(done)

    async def _do(self, name: str, value: str | None, state: Desk | None) -> screens.Done:
        """One desk action, dispatched by its name; answers what it came to."""
        act: dict[str, Act] = {
            "call_next": self._call_next,
            "call_number": self._call_number,
            "call_back": self._call_number,
            "pause": self._pause,
            "transfer": self._transfer,
            **dict.fromkeys(COUNTER_ACTIONS, self._counter_action(name)),
            **dict.fromkeys(TICKET_ACTIONS, self._ticket_action(name)),
        }
        assert self.client is not None
        assert self.counter_id is not None
        return await act[name](self.client, self.counter_id, value, state)

    @staticmethod
    async def _call_next(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
        called = await client.call_next(me)
        return screens.Done("called", called.number) if called else screens.Done("nobody_waiting")

    @staticmethod
    async def _call_number(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
        called = await client.call_number(me, str(value))
        return screens.Done("called", called.number)

    @staticmethod
    async def _pause(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
        await client.counter_action(me, "pause", reason=value)
        return screens.Done("paused", value=str(value))

    @staticmethod
    def _counter_action(name: str) -> Act:
        async def act(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
            await client.counter_action(me, name)  # type: ignore[arg-type]
            return screens.Done(name)

        return act

    @staticmethod
    def _ticket_action(name: str) -> Act:
        async def act(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
            current = state.current if state else None
            if current is None:
                return screens.Done("nobody_here")
            await client.ticket_action(current.id, TICKET_ACTIONS[name], counter=me)  # type: ignore[arg-type]
            return screens.Done(name, current.number)

        return act

    @staticmethod
    async def _transfer(client: LoketClient, me: int, value: str | None, state: Desk | None) -> screens.Done:
        current = state.current if state else None
        if current is None:
            return screens.Done("nobody_here")
        target = str(value).strip()
        word, _, rest = target.partition(" ")
        if rest.strip() and word.lower() in screens.counter_words():
            wanted = rest.strip()
            counter = (state.counters_by_name if state else {}).get(wanted)
            if counter is None:
                return screens.Done("no_such_counter", value=wanted)
            moved = await client.ticket_action(current.id, "transfer", counter=me, to_counter=counter)
        else:
            moved = await client.ticket_action(current.id, "transfer", counter=me, to_service=target.upper())
        return screens.Done("transferred", current.number, moved.number)
