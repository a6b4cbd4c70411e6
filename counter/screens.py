"""The clerk terminal's screens: log in and choose a counter, then the desk. Data comes down as attributes,
what the clerk does goes up as messages; the app talks to the server."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime

from babel.numbers import format_decimal
from rich.markup import escape
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import ModalScreen, Screen
from textual.widgets import Button, DataTable, Footer, Input, Label, Select, SelectionList, Static

from client.models import Counter, CounterDay
from counter.desk import Desk, waited_s
from i18n import LANGUAGES, gettext, ngettext, pgettext
from i18n.messages import N_, NC_, InContext
from tui.clock import local_clock
from tui.clock import minutes_seconds as clock
from tui.hours import LOCALES


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


#: What the clerk is told once the server did (or refused) a desk action. %(number)s: the ticket's number;
#: %(value)s: what the clerk typed or the server said.
DESK_SAID = {
    "called": N_("Called %(number)s"),
    "nobody_waiting": N_("Nobody is waiting for your services."),
    "paused": N_("Paused: %(value)s"),
    "open": N_("Counter open."),
    "close": N_("Counter closed."),
    "resume": N_("Resumed."),
    "recall": N_("%(number)s recalled"),
    "start": N_("Serving %(number)s"),
    "finish": N_("%(number)s done"),
    "no_show": N_("%(number)s did not come"),
    "park": N_("%(number)s parked"),
    # Translators: %(value)s is the new number the ticket carries on with, e.g. "A001 transferred, keeps its
    # place (B001)".
    "transferred": N_("%(number)s transferred, keeps its place (%(value)s)"),
    "nobody_here": N_("Nobody is at your counter: call someone first."),
    "no_such_counter": N_("There is no counter %(value)s."),
    "unreachable": N_("The server cannot be reached: nothing was done. Try again when the banner is gone."),
}


def said(done: Done, language: str = "en") -> str:
    if done.what == "refused":  # the refusal, said already in the clerk's language (counter.refusals)
        return done.value
    return gettext(language, DESK_SAID[done.what]) % {"number": done.number, "value": done.value}


#: A counter's and a ticket's states as the clerk reads them.
STATES = {
    "open": NC_("counter state", "open"),
    "paused": NC_("counter state", "paused"),
    "closed": NC_("counter state", "closed"),
    "waiting": NC_("ticket state", "waiting"),
    "called": NC_("ticket state", "called"),
    "serving": NC_("ticket state", "being served"),
    "parked": NC_("ticket state", "parked"),
}


def state_word(language: str, state: str) -> str:
    known = STATES.get(state)
    return pgettext(language, *known) if known else state


#: A ticket a kiosk issued while the server was away, and what the clerk must tell an appointment checked in
#: offline outside its window (the server's `offline_note`).
OFFLINE_LINES = {
    None: N_("Taken at a kiosk while it was offline"),
    "early": N_("Checked in offline too early for the appointment: tell them"),
    "late": N_("Checked in offline too late for the appointment: tell them"),
}


def offline_line(language: str, note: str | None) -> str:
    return gettext(language, OFFLINE_LINES.get(note, OFFLINE_LINES[None]))


def counter_words() -> set[str]:
    """The word for "counter" a clerk may type before a counter's name ("counter 3", "loket 3", "guichet 3"): in
    any of the languages, whichever the terminal speaks."""
    return {"counter", *(pgettext(lang, *COUNTER_WORD).lower() for lang in LANGUAGES)}


# Translators: the word a clerk types before a counter's name to transfer a citizen there, e.g. "counter 3".
COUNTER_WORD = NC_("clerk terminal", "counter")


class LoginScreen(Screen[None]):
    """`expired`: why the last session ended (said already in `language`), when the clerk must log in again."""

    # Focused when the screen shows, and only if nothing has the focus yet: a focus() in on_mount could land after
    # keys typed at once (Tab to the password) and pull the focus back, so the password went into the username.
    AUTO_FOCUS = "#username"

    def __init__(self, expired: str = "", language: str = "en") -> None:
        super().__init__()
        self.language = language
        self.notice_text = gettext(language, "Please log in again: %(why)s") % {"why": expired} if expired else ""

    def compose(self) -> ComposeResult:
        lang = self.language
        with Vertical(id="login"):
            yield Static(gettext(lang, "Loket — clerk terminal"), id="title")
            yield Input(placeholder=pgettext(lang, "clerk terminal", "username"), id="username")
            yield Input(placeholder=pgettext(lang, "clerk terminal", "password"), password=True, id="password")
            yield Button(pgettext(lang, "clerk terminal", "Log in"), id="log-in", variant="primary")
            yield Static(self.notice_text, id="notice", markup=False)

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
            self.notice(gettext(self.language, "Type your username and password."))
            return
        self.post_message(LoginWanted(username, password))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # none while the screen is taken down
            line.update(text)


class CounterScreen(Screen[None]):
    """Choose your counter and, where the office allows it, the services you serve today. `names`: the services'
    names in the clerk's language, by code."""

    def __init__(
        self,
        counters: list[Counter],
        choose_services: bool,
        preferred: int | None,
        language: str = "en",
        names: dict[str, str] | None = None,
    ) -> None:
        super().__init__()
        self.counters = counters
        self.choose_services = choose_services
        self.preferred = preferred
        self.language = language
        self.names = names or {}

    def _options(self) -> list[tuple[str, int]]:
        lang = self.language
        return [
            (gettext(lang, "Counter %(name)s (%(services)s)") % {"name": c.name, "services": ", ".join(c.skills)}, c.id)
            for c in self.counters
        ]

    def compose(self) -> ComposeResult:
        lang = self.language
        options = self._options()
        with Vertical(id="choose"):
            yield Static(gettext(lang, "Your counter"), id="title")
            ids = [c.id for c in self.counters]
            if self.preferred in ids:
                yield Select(options, id="counter", allow_blank=False, value=self.preferred)
            else:
                yield Select(options, id="counter", prompt=gettext(lang, "Choose your counter"))
            if self.choose_services:
                yield Static(gettext(lang, "Services you serve today"))
                yield SelectionList[str](id="services")
            yield Button(pgettext(lang, "clerk terminal", "Start"), id="start", variant="primary")
            yield Static("", id="notice", markup=False)

    def on_mount(self) -> None:
        self._fill_services()

    def offer(self, counters: list[Counter], choose_services: bool, names: dict[str, str]) -> None:
        """The office changed while the clerk chooses (a counter added, renamed, new skills): offer it as it is
        now, keeping the counter chosen when it is still there."""

        def offered(counters: list[Counter]) -> list[tuple[int, str, tuple[str, ...], tuple[str, ...]]]:
            return [(c.id, c.name, c.skills, c.services) for c in counters]

        if (offered(counters), choose_services, names) == (offered(self.counters), self.choose_services, self.names):
            return
        if not self.is_mounted:
            return
        if choose_services != self.choose_services:
            self.choose_services = choose_services
            self.counters, self.names = counters, names
            self.refresh(recompose=True)
            return
        self.counters, self.names = counters, names
        select = self.query_one("#counter", Select)
        chosen = select.value
        select.set_options(self._options())
        if any(c.id == chosen for c in counters):
            select.value = chosen
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
            now = set(counter.services)
            services.add_options([(self._service(s), s, s in now) for s in counter.skills])

    def _service(self, code: str) -> str:
        name = self.names.get(code)
        return f"{code} — {name}" if name and name != code else code

    def on_button_pressed(self, event: Button.Pressed) -> None:
        chosen = self.query_one("#counter", Select).value
        if not isinstance(chosen, int):
            self.notice(gettext(self.language, "Choose your counter first."))
            return
        services = list(self.query_one("#services", SelectionList).selected) if self.choose_services else None
        if services is not None and not services:
            self.notice(gettext(self.language, "Choose at least one service."))
            return
        self.post_message(CounterChosen(chosen, services))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # none while the screen is taken down
            line.update(text)


class Prompt(ModalScreen[str | None]):
    """Ask one thing (a ticket number, a transfer target, a pause reason); Escape cancels."""

    AUTO_FOCUS = "#answer"

    def __init__(self, question: str, placeholder: str = "", language: str = "en") -> None:
        super().__init__()
        self.question, self.placeholder = question, placeholder
        self._bindings.bind("escape", "dismiss_none", pgettext(language, "clerk terminal", "Cancel"))

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Label(self.question, markup=False)
            yield Input(placeholder=self.placeholder, id="answer")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip() or None)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)


ACTIONS: list[tuple[str, str, InContext]] = [
    # key, action, label
    ("n", "call_next", NC_("clerk terminal", "Call next")),
    ("r", "recall", NC_("clerk terminal", "Recall")),
    ("s", "start", NC_("clerk terminal", "Start")),
    ("f", "finish", NC_("clerk terminal", "Finish")),
    ("x", "no_show", NC_("clerk terminal", "No-show")),
    ("t", "transfer", NC_("clerk terminal", "Transfer")),
    ("p", "park", NC_("clerk terminal", "Park")),
    ("b", "call_back", NC_("clerk terminal", "Call back parked")),
    ("c", "call_number", NC_("clerk terminal", "Call number")),
    ("z", "pause", NC_("clerk terminal", "Pause/resume")),
    ("o", "open", NC_("clerk terminal", "Open")),
    ("k", "close", NC_("clerk terminal", "Close counter")),
]


class DeskScreen(Screen[None]):
    """The citizen at the counter, the queue of its services, the clerk's numbers, alerts, and the actions, in
    the clerk's language (the key bindings' descriptions in the footer too)."""

    def __init__(self, clerk: str, language: str = "en") -> None:
        super().__init__()
        self.clerk = clerk
        self.language = language
        for key, name, label in ACTIONS:
            self._bindings.bind(key, f"act('{name}')", pgettext(language, *label))
        # The server's latest truth as the app gave it: (state, online, today's numbers, when).
        self._latest: tuple[Desk, bool, CounterDay | None, datetime] | None = None

    @property
    def state(self) -> Desk | None:
        return self._latest[0] if self._latest else None

    @property
    def online(self) -> bool:
        return self._latest[1] if self._latest else True

    def compose(self) -> ComposeResult:
        lang = self.language
        yield Static("", id="banner")
        yield Static("", id="header", markup=False)
        with Horizontal(id="middle"):
            with Vertical(id="left"):
                yield Static("", id="current")
                yield Static("", id="stats", markup=False)
                yield Static("", id="alerts", markup=False)
            with Vertical(id="right"):
                yield Static(pgettext(lang, "clerk terminal", "Queue"), classes="label")
                yield DataTable(id="queue", cursor_type="row", zebra_stripes=True)
        with Horizontal(id="buttons"):
            for key, name, label in ACTIONS:
                yield Button(f"{pgettext(lang, *label)} ({key})", id=f"do-{name}", classes="action")
        yield Static("", id="notice", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        lang = self.language
        table = self.query_one("#queue", DataTable)
        table.add_columns(
            pgettext(lang, "clerk terminal", "Number"),
            pgettext(lang, "clerk terminal", "Service"),
            pgettext(lang, "clerk terminal", "Waited"),
            pgettext(lang, "clerk terminal", "Estimate"),
        )
        if self._latest is not None:  # the server answered before the screen was ready
            self._paint(*self._latest)

    def action_act(self, name: str) -> None:
        self._ask(name)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("do-"):
            self._ask(event.button.id.removeprefix("do-"))

    def _ask(self, name: str) -> None:
        lang = self.language
        if not self.online:
            self.notice(gettext(lang, "The server cannot be reached: actions wait until it is back."))
            return
        questions = {
            "transfer": (
                gettext(lang, "Transfer to (a service code, or 'counter N')"),
                gettext(lang, "B  or  counter 3"),
            ),
            "call_number": (gettext(lang, "Call which number?"), "A012"),
            "pause": (gettext(lang, "Why do you pause? (empty: resume)"), gettext(lang, "lunch, break, meeting")),
            "call_back": (gettext(lang, "Call back which parked number?"), self._parked_hint()),
        }
        if name == "pause" and self.state and self.state.counter and self.state.counter.state == "paused":
            self.post_message(ActionWanted("resume"))
            return
        if name in questions:
            question, hint = questions[name]

            def answered(value: str | None) -> None:
                if value:
                    self.post_message(ActionWanted(name, value))

            self.app.push_screen(Prompt(question, hint, lang), answered)
            return
        self.post_message(ActionWanted(name))

    def _parked_hint(self) -> str:
        parked = self.state.parked if self.state else ()
        return ", ".join(t.number for t in parked) or gettext(self.language, "nobody is parked")

    def tell(self, done: Done) -> None:
        self.notice(said(done, self.language))

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
        lang = self.language
        banner = self.query_one("#banner", Static)
        banner.update(
            "" if online else gettext(lang, "SERVER UNREACHABLE — reconnecting; actions are disabled until it is back")
        )
        banner.display = not online
        for button in self.query(Button):
            button.disabled = not online
        self.query_one("#header", Static).update(self._header(state))
        self.query_one("#current", Static).update(self._current(state, now))
        self.query_one("#stats", Static).update(self._stats(state, today))
        self.query_one("#alerts", Static).update("\n".join(f"! {a}" for a in state.alerts))
        table = self.query_one("#queue", DataTable)
        table.clear()
        for ticket in state.queue:
            table.add_row(ticket.number, ticket.service, clock(waited_s(ticket, now)), clock(ticket.estimated_wait_s))

    def _header(self, state: Desk) -> str:
        lang = self.language
        counter = state.counter
        if counter is None:
            return gettext(lang, "Counter %(name)s") % {"name": "?"}
        status = state_word(lang, counter.state)
        if counter.pause_reason:
            status = f"{status} ({counter.pause_reason})"
        return " — ".join(
            (
                gettext(lang, "Counter %(name)s") % {"name": counter.name},
                status,
                gettext(lang, "serving %(services)s") % {"services": ", ".join(counter.services) or "-"},
                gettext(lang, "clerk %(name)s") % {"name": self.clerk},
            )
        )

    def _current(self, state: Desk, now: datetime) -> str:
        lang = self.language
        current = state.current
        if current is None:
            nobody = gettext(lang, "Nobody at your counter. Press %(key)s to call the next citizen.")
            return nobody % {"key": "[b]n[/b]"}
        service = escape(state.services_by_code.get(current.service, current.service))
        status = state_word(lang, current.state)
        if current.recalls:
            status += ", " + gettext(lang, "recalled %(n)d×") % {"n": current.recalls}
        checked_in = local_clock(current.checked_in_at, state.timezone) if current.checked_in_at else "?"
        when = gettext(lang, "checked in %(time)s") % {"time": checked_in}
        if current.state == "called":
            when += ", " + gettext(lang, "called %(duration)s ago") % {"duration": clock(waited_s(current, now))}
        lines = [f"[b]{escape(current.number)}[/b]  {service}", escape(status), escape(when)]
        if current.kind == "appointment":
            lines.append(escape(gettext(lang, "appointment")))
        if current.offline:
            lines.append(escape(offline_line(lang, current.offline_note)))
        return "\n".join(lines)

    def _stats(self, state: Desk, today: CounterDay | None) -> str:
        lang = self.language
        lines = []
        for s in state.services:
            line = ngettext(lang, "%(service)s: %(n)d waiting", "%(service)s: %(n)d waiting", s.waiting) % {
                "service": s.code,
                "n": s.waiting,
            }
            if s.on_the_way:
                line += " (" + gettext(lang, "%(n)d on their way") % {"n": s.on_the_way} + ")"
            line += ", " + gettext(lang, "oldest %(wait)s") % {"wait": clock(s.oldest_wait_s)}
            line += ", " + gettext(lang, "newcomer ~%(n)d min") % {"n": s.estimated_wait_s // 60}
            lines.append(line)
        served = today or CounterDay(counter=state.counter.id if state.counter else 0)
        summary = ngettext(lang, "Today: %(n)d served", "Today: %(n)d served", served.served) % {"n": served.served}
        if served.mean_service_s is not None:
            minutes = format_decimal(served.mean_service_s / 60, "0.0", locale=LOCALES.get(lang, "en_GB"))
            summary += ", " + gettext(lang, "%(minutes)s min on average") % {"minutes": minutes}
        if state.parked:
            summary += "; " + gettext(lang, "parked: %(numbers)s") % {"numbers": self._parked_hint()}
        return "\n".join([*lines, summary])
