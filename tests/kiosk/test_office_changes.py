"""The kiosk follows the office as a manager changes it: today's hours, a renamed service, a new one, all on the
services screen without a restart (snapshots built in memory; the live path is in test_app.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from textual.app import App, ComposeResult
from textual.widgets import Button, Static

from client.models import Snapshot
from kiosk import screens
from kiosk.office import office_view
from scheduler.model import Role
from tests import tui
from tests.kiosk.test_app import Office, choose_language, kiosk, office_fixture, services_ready, until
from tests.support import OFFICE


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

        new_names = {"nl": "eID", "fr": "eID belge", "en": "Belgian eID"}
        added_names = {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}
        renamed, added = {**A, "names": new_names}, {"code": "D", "names": added_names}
        changed = office_view(snapshot({"name": "Town hall (Annex)", "hours_today": []}, [renamed, added]))
        screen.show(changed, online=True)
        await tui.until(pilot, lambda: screen.query("#service-D"), "the new service D")
        labels = {b.id: str(b.label) for b in screen.query(Button)}
        assert labels["service-A"].startswith(new_names[language])
        assert labels["service-D"].startswith(added_names[language])
        assert tui.text(pilot.app, "#hours") == closed_today
        assert tui.text(pilot.app, "#office-name") == "Town hall (Annex)"


async def test_hours_are_left_out_when_the_server_does_not_say_them() -> None:
    screen = screens.ServicesScreen("nl", office_view(snapshot({}, [A])), online=True)
    async with Host(screen).run_test(size=(120, 45)) as pilot:
        await tui.until(pilot, lambda: screen.query("#service-A"), "the button of service A")
        hours = screen.query_one("#hours", Static)
        assert (str(hours.render()), hours.display) == ("", False)


# -- live, against a real server: a manager changes the office through the administration API ------------------

office = pytest.fixture(office_fixture(OFFICE), name="office")
EVERY_DAY = {day: TWO_PERIODS for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def manage(office: Office, method: str, path: str, body: dict[str, Any]) -> dict[str, Any]:
    answer = httpx.request(method, f"{office.url}{path}", json=body, headers=office.auth(Role.MANAGER), timeout=10)
    assert answer.is_success, answer.text
    return dict(answer.json())


def today_in_brussels() -> str:
    return datetime.now(ZoneInfo("Europe/Brussels")).date().isoformat()


async def test_a_kiosk_shows_a_renamed_service_a_new_one_and_todays_hours_without_a_restart(office: Office) -> None:
    office.open_counter("1")
    async with kiosk(office.config()) as (app, pilot):
        await choose_language(app, pilot, "fr")
        await services_ready(app, pilot, "A")
        await until(pilot, lambda: "Carte d'identité" in str(app.screen.query_one("#service-A", Button).label), "A")

        names = {"nl": "Elektronische identiteitskaart", "fr": "Carte eID", "en": "eID card"}
        manage(office, "PATCH", "/api/offices/town/services/A", {"names": names})
        manage(office, "PUT", "/api/offices/town/hours", EVERY_DAY)
        added = {"code": "D", "names": {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}}
        manage(office, "POST", "/api/offices/town/services", added)

        await until(pilot, lambda: str(app.screen.query_one("#service-A", Button).label).startswith("Carte eID"), "eID")
        await until(pilot, lambda: app.screen.query("#service-D"), "the new service D")
        assert str(app.screen.query_one("#service-D", Button).label).startswith("Permis de conduire")
        holiday = office.queue()["office"].get("closed_today")
        said = "Fermé aujourd’hui" if holiday else "Ouvert aujourd’hui 08:30–12:30, 13:30–16:00"
        await until(pilot, lambda: tui.text(app, "#hours") == said, "today's hours")

        manage(office, "PUT", "/api/offices/town/closed", {"days": [today_in_brussels()]})
        await until(pilot, lambda: tui.text(app, "#hours") == "Fermé aujourd’hui", "closed today")
