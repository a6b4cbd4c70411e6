""" "Are you happy?" at the kiosk, for offices that ask there too: the service the citizen came for, a score
from 1 to 10 and up to three things that would make them happier, all by touch. The screen only gathers
the answer; the app sends it (anonymous: the server keeps the service, the day and the hour)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Static

from i18n import gettext
from kiosk.office import OfficeView
from kiosk.screens import StartOver

MAX_CHOSEN = 3


class HappinessGiven(Message):
    def __init__(self, service: str, score: int, improvements: list[str]) -> None:
        super().__init__()
        self.service = service
        self.score = score
        self.improvements = improvements


class RatingScreen(Screen[None]):
    def __init__(self, language: str, office: OfficeView) -> None:
        super().__init__()
        self.language = language
        self.office = office
        self.service: str | None = None
        self.score: int | None = None
        self.chosen: list[str] = []

    def compose(self) -> ComposeResult:
        lang = self.language
        with Vertical(id="rating"):
            yield Static(gettext(lang, "Are you happy?"), id="title")
            yield Static(gettext(lang, "Which service did you come for?"), classes="label")
            with Horizontal(classes="choices"):
                for s in self.office.services:
                    yield Button(s.name(lang), id=f"svc-{s.code}", classes="choice")
            yield Static(gettext(lang, "1 = not at all, 10 = very happy"), classes="label")
            with Horizontal(classes="choices"):
                for n in range(1, 11):
                    yield Button(str(n), id=f"score-{n}", classes="score")
            if self.office.improvements:
                yield Static(gettext(lang, "Choose up to 3 things that would make you happier"), classes="label")
                with Horizontal(classes="choices"):
                    for i in self.office.improvements:
                        yield Button(i.name(lang), id=f"imp-{i.code}", classes="choice")
            with Horizontal(id="actions"):
                yield Button(gettext(lang, "Send"), id="send", classes="big", variant="primary", disabled=True)
                yield Button(gettext(lang, "Back"), id="back")
            yield Static("", id="notice")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        ident = event.button.id or ""
        if ident.startswith("svc-"):
            self.service = ident.removeprefix("svc-")
            self._mark("svc-", {f"svc-{self.service}"})
        elif ident.startswith("score-"):
            self.score = int(ident.removeprefix("score-"))
            self._mark("score-", {f"score-{self.score}"})
        elif ident.startswith("imp-"):
            self._toggle(ident.removeprefix("imp-"))
        elif ident == "send" and self.service is not None and self.score is not None:
            self.query_one("#send", Button).disabled = True
            self.post_message(HappinessGiven(self.service, self.score, list(self.chosen)))
            return
        elif ident == "back":
            self.post_message(StartOver())
            return
        self.query_one("#send", Button).disabled = self.service is None or self.score is None

    def _toggle(self, code: str) -> None:
        if code in self.chosen:
            self.chosen.remove(code)
        elif len(self.chosen) < MAX_CHOSEN:
            self.chosen.append(code)
        else:
            self.notice(gettext(self.language, "You can choose up to 3 things."))
            return
        self.notice("")
        self._mark("imp-", {f"imp-{c}" for c in self.chosen})

    def _mark(self, prefix: str, picked: set[str]) -> None:
        # Chosen buttons say so in text too, not by colour alone.
        for button in self.query(Button):
            ident = button.id or ""
            if ident.startswith(prefix):
                label = str(button.label).removeprefix("✓ ")
                button.variant = "primary" if ident in picked else "default"
                button.label = f"✓ {label}" if ident in picked else label

    def unreachable(self) -> None:
        self.notice(gettext(self.language, "We cannot reach the office's server right now."))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):  # gone if the citizen left meanwhile
            line.update(text)

    def thanked(self) -> None:
        for title in self.query("#title").results(Static):
            title.update(gettext(self.language, "Thank you!"))
        self.notice(gettext(self.language, "Your answer helps us do better."))
