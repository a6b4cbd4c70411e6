"""The kiosk follows the office as a manager changes it: today's hours, a renamed service, a new one, all on the
services screen without a restart (snapshots built in memory; the live path is in test_app.py)."""

from __future__ import annotations

from typing import Any

import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button, Static

from client.models import Snapshot
from kiosk import screens
from kiosk.office import office_view
from tests import tui


def snapshot(office: dict[str, Any], services: list[dict[str, Any]]) -> Snapshot:
    counter = {"id": 1, "name": "1", "state": "open", "services": [s["code"] for s in services]}
    return Snapshot.of(
        {"office": {"id": "town", "name": "Town hall", **office}, "services": services, "counters": [counter]}
    )


A = {"code": "A", "names": {"nl": "Identiteitskaart", "fr": "Carte d'identité", "en": "Identity card"}}
TWO_PERIODS = [["08:30", "12:30"], ["13:30", "16:00"]]


class Host(App[None]):
    def __init__(self, screen: screens.ServicesScreen) -> None:
        super().__init__()
        self.shown = screen

    def compose(self) -> ComposeResult:
        yield from ()

    def on_mount(self) -> None:
        self.push_screen(self.shown)


@pytest.mark.parametrize(
    ("language", "open_today", "closed_today"),
    [
        ("nl", "Vandaag open 08:30–12:30, 13:30–16:00", "Vandaag gesloten"),
        ("fr", "Ouvert aujourd’hui 08:30–12:30, 13:30–16:00", "Fermé aujourd’hui"),
        ("en", "Open today 08:30–12:30, 13:30–16:00", "Closed today"),
    ],
)
async def test_the_services_screen_shows_todays_hours_and_follows_a_changed_office(
    language: str, open_today: str, closed_today: str
) -> None:
    first = office_view(snapshot({"hours_today": TWO_PERIODS}, [A]))
    screen = screens.ServicesScreen(language, first, online=True)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await tui.until(pilot, lambda: screen.query("#service-A"), "the button of service A")
        assert tui.text(pilot.app, "#hours") == open_today
        assert tui.text(pilot.app, "#office-name") == "Town hall"

        renamed = {**A, "names": {"nl": "eID", "fr": "eID belge", "en": "Belgian eID"}}
        added = {"code": "D", "names": {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}}
        changed = office_view(snapshot({"name": "Town hall (Annex)", "hours_today": []}, [renamed, added]))
        screen.show(changed, online=True)
        await tui.until(pilot, lambda: screen.query("#service-D"), "the new service D")
        labels = {b.id: str(b.label) for b in screen.query(Button)}
        assert labels["service-A"].startswith(renamed["names"][language])
        assert labels["service-D"].startswith(added["names"][language])
        assert tui.text(pilot.app, "#hours") == closed_today
        assert tui.text(pilot.app, "#office-name") == "Town hall (Annex)"


async def test_hours_are_left_out_when_the_server_does_not_say_them() -> None:
    screen = screens.ServicesScreen("nl", office_view(snapshot({}, [A])), online=True)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await tui.until(pilot, lambda: screen.query("#service-A"), "the button of service A")
        hours = screen.query_one("#hours", Static)
        assert (str(hours.render()), hours.display) == ("", False)
