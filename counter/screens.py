"""The clerk terminal's screens: log in and choose a counter, then the desk. Data comes down as attributes,
what the clerk does goes up as messages; the app talks to the server."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, SelectionList, Static

from client.models import Counter, CounterDay
from counter.desk import Desk, waited_s
from tui.clock import local_clock
from tui.clock import minutes_seconds as clock


class LoginWanted(Message):
    def __init__(self, username: str, password: str) -> None:
        super().__init__()
        self.username, self.password = username, password


class CounterChosen(Message):
    def __init__(self, counter_id: int, services: list[str] | None) -> None:
        super().__init__()
        self.counter_id, self.services = counter_id, services


class ActionWanted(Message):
    """One of the desk's actions (`name`), with what a prompt asked for (`value`)."""

    def __init__(self, name: str, value: str | None = None) -> None:
        super().__init__()
        self.name, self.value = name, value


@dataclass(frozen=True)
class Done:
    """What a desk action came to, as the app learned it from the server; the desk screen says it in words.
    `what` is a key of DESK_SAID, `number` the ticket's number, `value` what the clerk typed or the server said."""

    what: str
    number: str = ""
    value: str = ""


#: What the clerk is told once the server did (or refused) a desk action. {n}: the number; {v}: the value.
DESK_SAID = {
    "called": "Called {n}",
    "nobody_waiting": "Nobody is waiting for your services.",
    "paused": "Paused: {v}",
    "open": "Counter open.",
    "close": "Counter closed.",
    "resume": "Resumed.",
    "recall": "{n} recalled",
    "start": "Serving {n}",
    "finish": "{n} done",
    "no_show": "{n} did not come",
    "park": "{n} parked",
    "transferred": "{n} transferred, keeps its place ({v})",
    "nobody_here": "Nobody is at your counter: call someone first.",
    "no_such_counter": "There is no counter {v!r}.",
    "unreachable": "The server cannot be reached: nothing was done. Try again when the banner is gone.",
    "refused": "{v}",
}


def said(done: Done) -> str:
    return DESK_SAID[done.what].format(n=done.number, v=done.value)


class LoginScreen(Screen[None]):
    """`expired`: why the last session ended (the server's words), when the clerk must log in again."""

    def __init__(self, expired: str = "") -> None:
        super().__init__()
        self.notice_text = f"Please log in again: {expired}" if expired else ""

    def compose(self) -> ComposeResult:
        with Vertical(id="login"):
            yield Static("Loket — clerk terminal", id="title")
            yield Input(placeholder="username", id="username")
            yield Input(placeholder="password", password=True, id="password")
            yield Button("Log in", id="log-in", variant="primary")
            yield Static(self.notice_text, id="notice")

    def on_mount(self) -> None:
        self.query_one("#username", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "username":
            self.query_one("#password", Input).focus()
        else:
            self._submit()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self._submit()

    def _submit(self) -> None:
        username = self.query_one("#username", Input).value.strip()
        password = self.query_one("#password", Input).value
        if not username or not password:
            self.notice("Type your username and password.")
            return
        self.post_message(LoginWanted(username, password))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # none while the screen is taken down
            line.update(text)


class CounterScreen(Screen[None]):
    """Choose your counter and, where the office allows it, the services you serve today."""

    def __init__(self, counters: list[Counter], choose_services: bool, preferred: int | None) -> None:
        super().__init__()
        self.counters = counters
        self.choose_services = choose_services
        self.preferred = preferred

    def compose(self) -> ComposeResult:
        options = [(f"Counter {c.name} ({', '.join(c.skills or c.services)})", c.id) for c in self.counters]
        with Vertical(id="choose"):
            yield Static("Your counter", id="title")
            ids = [c.id for c in self.counters]
            if self.preferred in ids:
                yield Select(options, id="counter", allow_blank=False, value=self.preferred)
            else:
                yield Select(options, id="counter", prompt="Choose your counter")
            if self.choose_services:
                yield Static("Services you serve today")
                yield SelectionList[str](id="services")
            yield Button("Start", id="start", variant="primary")
            yield Static("", id="notice")

    def on_mount(self) -> None:
        self._fill_services()

    def on_select_changed(self, event: Select.Changed) -> None:
        self._fill_services()

    def _fill_services(self) -> None:
        if not self.choose_services:
            return
        chosen = self.query_one("#counter", Select).value
        counter = next((c for c in self.counters if c.id == chosen), None)
        services = self.query_one("#services", SelectionList)
        services.clear_options()
        if counter is not None:
            skills = list(counter.skills or counter.services)
            now = set(counter.services)
            services.add_options([(s, s, s in now) for s in skills])

    def on_button_pressed(self, event: Button.Pressed) -> None:
        chosen = self.query_one("#counter", Select).value
        if not isinstance(chosen, int):
            self.notice("Choose your counter first.")
            return
        services = list(self.query_one("#services", SelectionList).selected) if self.choose_services else None
        if services is not None and not services:
            self.notice("Choose at least one service.")
            return
        self.post_message(CounterChosen(chosen, services))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # none while the screen is taken down
            line.update(text)


class Prompt(ModalScreen[str | None]):
    """Ask one thing (a ticket number, a transfer target, a pause reason); Escape cancels."""

    BINDINGS: ClassVar = [Binding("escape", "dismiss_none", "Cancel")]

    def __init__(self, question: str, placeholder: str = "") -> None:
        super().__init__()
        self.question, self.placeholder = question, placeholder

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question)
            yield Input(placeholder=self.placeholder, id="answer")

    def on_mount(self) -> None:
        self.query_one("#answer", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


ACTIONS: list[tuple[str, str, str]] = [
    # key, action, label
    ("n", "call_next", "Call next"),
    ("r", "recall", "Recall"),
    ("s", "start", "Start"),
    ("f", "finish", "Finish"),
    ("x", "no_show", "No-show"),
    ("t", "transfer", "Transfer"),
    ("p", "park", "Park"),
    ("b", "call_back", "Call back parked"),
    ("c", "call_number", "Call number"),
    ("z", "pause", "Pause/resume"),
    ("o", "open", "Open"),
    ("k", "close", "Close counter"),
]


class DeskScreen(Screen[None]):
    """The citizen at the counter, the queue of its services, the clerk's numbers, alerts, and the actions."""

    BINDINGS: ClassVar = [Binding(key, f"act('{name}')", label) for key, name, label in ACTIONS]

    def __init__(self, clerk: str) -> None:
        super().__init__()
        self.clerk = clerk
        # The server's latest truth as the app gave it: (state, online, today's numbers, when).
        self._latest: tuple[Desk, bool, CounterDay | None, datetime] | None = None

    @property
    def state(self) -> Desk | None:
        return self._latest[0] if self._latest else None

    @property
    def online(self) -> bool:
        return self._latest[1] if self._latest else True

    def compose(self) -> ComposeResult:
        yield Static("", id="banner")
        yield Static("", id="header")
        with Horizontal(id="middle"):
            with Vertical(id="left"):
                yield Static("", id="current")
                yield Static("", id="stats")
                yield Static("", id="alerts")
            with Vertical(id="right"):
                yield Static("Queue", classes="label")
                yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="buttons"):
            for key, name, label in ACTIONS:
                yield Button(f"{label} ({key})", id=f"do-{name}", classes="action")
        yield Static("", id="notice")
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#queue", DataTable)
        table.add_columns("Number", "Service", "Waiting", "Estimate")
        if self._latest is not None:  # the server answered before the screen was ready
            self._paint(*self._latest)

    def action_act(self, name: str) -> None:
        self._ask(name)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("do-"):
            self._ask(event.button.id.removeprefix("do-"))

    def _ask(self, name: str) -> None:
        if not self.online:
            self.notice("The server cannot be reached: actions wait until it is back.")
            return
        questions = {
            "transfer": ("Transfer to (a service code, or 'counter N')", "B  or  counter 3"),
            "call_number": ("Call which number?", "A012"),
            "pause": ("Why do you pause? (empty: resume)", "lunch, break, meeting"),
            "call_back": ("Call back which parked number?", self._parked_hint()),
        }
        if name == "pause" and self.state and self.state.counter and self.state.counter.state == "paused":
            self.post_message(ActionWanted("resume"))
            return
        if name in questions:
            question, hint = questions[name]

            def answered(value: str | None) -> None:
                if value:
                    self.post_message(ActionWanted(name, value))

            self.app.push_screen(Prompt(question, hint), answered)
            return
        self.post_message(ActionWanted(name))

    def _parked_hint(self) -> str:
        parked = self.state.parked if self.state else ()
        return ", ".join(t.number for t in parked) or "nobody is parked"

    def tell(self, done: Done) -> None:
        self.notice(said(done))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # none while the screen is taken down
            line.update(text)

    def show(self, state: Desk, online: bool, today: CounterDay | None, now: datetime) -> None:
        """Redraw from the server's truth (called by the app after every answer and event). The app may answer
        before this screen is mounted (the latest truth is kept and painted when it is) or while it is being taken
        down, quitting or back to login (its widgets are gone: nothing to paint)."""
        self._latest = (state, online, today, now)
        if self.is_mounted:
            with contextlib.suppress(NoMatches):
                self._paint(state, online, today, now)

    def _paint(self, state: Desk, online: bool, today: CounterDay | None, now: datetime) -> None:
        self.query_one("#banner", Static).update(
            "" if online else "SERVER UNREACHABLE — reconnecting; actions are disabled until it is back"
        )
        self.query_one("#banner", Static).display = not online
        for button in self.query(Button):
            button.disabled = not online
        counter = state.counter
        reason = f" ({counter.pause_reason})" if counter and counter.pause_reason else ""
        self.query_one("#header", Static).update(
            f"Counter {counter.name if counter else '?'} — {counter.state if counter else '?'}{reason} — "
            f"serving {', '.join(counter.services if counter else ())} — clerk {self.clerk}"
        )
        current = state.current
        if current:
            waited = waited_s(current, now) if current.state == "called" else None
            service = state.services_by_code.get(current.service, current.service)
            recalled = f", recalled {current.recalls}×" if current.recalls else ""
            called = f", called {clock(waited)} ago" if waited is not None else ""
            checked_in = local_clock(current.checked_in_at, state.timezone) if current.checked_in_at else "?"
            lines = [
                f"[b]{current.number}[/b]  {service}",
                f"{current.state}{recalled}",
                f"checked in {checked_in}{called}",
            ]
            if current.kind == "appointment":
                lines.append("appointment")
            self.query_one("#current", Static).update("\n".join(lines))
        else:
            self.query_one("#current", Static).update(
                "Nobody at your counter. Press [b]n[/b] to call the next citizen."
            )
        summary = "\n".join(
            f"{s.code}: {s.waiting} waiting{f' ({s.on_the_way} on their way)' if s.on_the_way else ''}, "
            f"oldest {clock(s.oldest_wait_s)}, newcomer ~{s.estimated_wait_s // 60} min"
            for s in state.services
        )
        served = today or CounterDay(counter=state.counter.id if state.counter else 0)
        mean = served.mean_service_s
        self.query_one("#stats", Static).update(
            f"{summary}\nToday: {served.served} served"
            + (f", {mean / 60:.1f} min on average" if mean is not None else "")
            + (f"; parked: {self._parked_hint()}" if state.parked else "")
        )
        self.query_one("#alerts", Static).update("\n".join(f"! {a}" for a in state.alerts))
        table = self.query_one("#queue", DataTable)
        table.clear()
        for ticket in state.queue:
            table.add_row(ticket.number, ticket.service, clock(waited_s(ticket, now)), clock(ticket.estimated_wait_s))
