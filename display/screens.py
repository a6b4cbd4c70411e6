"""The display's one screen. Data comes down through `show` (called by the app, `display.app`); the screen
never talks to the server itself."""

from __future__ import annotations

from datetime import datetime

from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Static

from client.errors import LoketError
from display.board import Board
from display.words import labels, wait_text
from i18n import gettext
from tui.bigtext import big
from tui.clock import local_clock
from tui.hours import hours_today_text


def refusal_text(refusal: LoketError, office: str, language: str = "en") -> str:
    """Why the server refused this display, for whoever installs it (said in the problem band, in `language`)."""
    if refusal.status == 401 or refusal.code in ("unauthorized", "invalid_token"):
        said = gettext(
            language, "This display's token was refused (%(detail)s). Start it with a display token: --token."
        )
        return said % {"detail": refusal.detail}
    if refusal.status == 403:
        said = gettext(
            language, "This token may not follow office %(office)s (%(detail)s). Check --token and --office."
        )
        return said % {"office": office, "detail": refusal.detail}
    if refusal.status == 404:
        return gettext(language, "The server has no office %(office)s. Check --office.") % {"office": repr(office)}
    return gettext(language, "The server refused this display: %(detail)s") % {"detail": refusal.detail}


class BoardScreen(Screen[None]):
    """The latest call in block letters, the calls before it, and per service the people waiting and the wait."""

    def compose(self) -> ComposeResult:
        with Horizontal(id="top"):
            yield Static("", id="office")
            yield Static("", id="hours")
            yield Static("", id="offline")
            yield Static("", id="clock")
        yield Static("", id="problem")
        with Vertical(id="latest"):
            with Horizontal(id="latest-labels"):
                yield Static("", id="ticket-label", classes="latest-label")
                yield Static("", id="counter-label", classes="latest-label")
            with Horizontal(id="latest-big"):
                yield Static("", id="number")
                yield Static("", id="arrow")
                yield Static("", id="counter")
            yield Static("", id="recall")
        with Horizontal(id="bottom"):
            yield Static("", id="previous")
            yield Static("", id="services")

    def show(self, board: Board | None, *, online: bool, problem: str, now: datetime, language: str) -> None:
        """Redraw everything from the board as it is now (called by the app on every change and every second)."""
        texts = labels(language)
        timezone = board.timezone if board else "Europe/Brussels"
        self.query_one("#office", Static).update(escape(board.office_name) if board else "")
        self.query_one("#clock", Static).update(local_clock(now, timezone))
        hours = hours_today_text(board.hours_today if board else None, language)
        self.query_one("#hours", Static).update(escape(hours))
        offline = self.query_one("#offline", Static)
        offline.update("" if online else f"● {texts.offline}")
        offline.display = not online
        shown_problem = self.query_one("#problem", Static)
        shown_problem.update(escape(problem))
        shown_problem.display = bool(problem)
        self.query_one("#ticket-label", Static).update(texts.ticket)
        self.query_one("#counter-label", Static).update(texts.counter)
        latest = board.latest if board else None
        if latest is None:
            waiting = texts.no_calls if board else ("" if problem else texts.connecting)
            self.query_one("#number", Static).update(waiting)
            self.query_one("#arrow", Static).update("")
            self.query_one("#counter", Static).update("")
        else:
            self.query_one("#number", Static).update(big(latest.number))
            self.query_one("#arrow", Static).update("\n\n→")
            self.query_one("#counter", Static).update(big(latest.counter))
        recall = self.query_one("#recall", Static)
        recall.update(f"⟲ {texts.recall}" if latest is not None and latest.recall else "")
        self.query_one("#previous", Static).update(self._previous(board, language))
        self.query_one("#services", Static).update(self._services(board, language))

    @staticmethod
    def _previous(board: Board | None, language: str) -> str:
        texts = labels(language)
        lines = [f"[b]{texts.previous}[/b]", ""]
        for call in board.previous if board else ():
            at = local_clock(call.called_at, board.timezone) if board and call.called_at else ""
            lines.append(f"{escape(call.number):<6} → {texts.counter} {escape(call.counter):<6} {at}")
        return "\n".join(lines)

    @staticmethod
    def _services(board: Board | None, language: str) -> str:
        texts = labels(language)
        lines = [f"[b]{texts.service:<28} {texts.waiting:>10}  {texts.wait:>10}[/b]", ""]
        for service in board.services if board else ():
            name = service.name(language)[:28]
            lines.append(
                f"{escape(name):<28} {service.waiting:>10}  {wait_text(service.estimated_wait_s, language):>10}"
            )
            if service.on_the_way:
                lines.append(f"{'':<28} {'(' + texts.on_the_way % {'n': service.on_the_way} + ')':>10}")
        return "\n".join(lines)
