"""The clerk terminal in the clerk's language, against a real `loket serve`: --language (stored for the clerk),
the stored language after login, the environment's for the login screen; and an office changed by a manager
showing on the desk and on the counter choice without a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from textual.widgets import Button, Input, Select

from client.models import Ticket
from counter import screens
from counter.app import CounterApp, CounterConfig
from counter.cli import CounterProblem, config, environment_language, parse_language
from scheduler.model import Role
from store.admin import add_user, user_language
from tests import tui
from tests.counter.test_app import PASSWORD, Office, key, terminal, text, until
from tests.support import OFFICE, Seeded, running_server


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    add_user(seeded.db, "ann", "town", Role.CLERK, PASSWORD, datetime.now(UTC))
    add_user(seeded.db, "noor", "town", Role.CLERK, PASSWORD, datetime.now(UTC), language="nl")
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


def manage(office: Office, method: str, path: str, body: dict[str, Any]) -> None:
    answer = httpx.request(method, f"{office.server.url}{path}", json=body, headers=office.auth(Role.MANAGER))
    assert answer.is_success, answer.text


async def log_in(app: CounterApp, pilot: Any, user: str) -> None:
    await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
    await tui.tap(pilot, "#username")
    await pilot.press(*user, "enter", *PASSWORD, "enter")
    await until(pilot, lambda: isinstance(app.screen, screens.CounterScreen), "the counter choice")


async def start_at(app: CounterApp, pilot: Any, office: Office, counter: str) -> None:
    await pilot.pause(0.2)
    app.screen.query_one("#counter", Select).value = office.seeded.counters[counter]
    await pilot.pause(0.2)
    await tui.tap(pilot, "#start")
    await until(pilot, lambda: isinstance(app.screen, screens.DeskScreen), "the desk")


def login_words(app: CounterApp) -> tuple[str, str, str]:
    screen = app.screen
    return (
        text(app, "#title"),
        str(screen.query_one("#username", Input).placeholder),
        str(screen.query_one("#log-in", Button).label),
    )


@pytest.mark.parametrize(
    ("language", "login", "header", "opened", "called"),
    [
        ("fr", ("Loket — terminal du guichet", "nom d’utilisateur", "Se connecter"), "Guichet 1 — fermé — traite A, B",
         "Guichet ouvert.", "A001 appelé"),
        ("nl", ("Loket — loketterminal", "gebruikersnaam", "Aanmelden"), "Loket 1 — gesloten — bedient A, B",
         "Loket open.", "A001 geroepen"),
    ],
)  # fmt: skip
async def test_the_language_chosen_speaks_from_the_login_on_and_is_stored_for_the_clerk(
    office: Office,
    language: str,
    login: tuple[str, str, str],
    header: str,
    opened: str,
    called: str,
) -> None:
    office.issue("A")
    async with terminal(office.server, language=language) as (app, pilot):
        await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        assert login_words(app) == login
        await log_in(app, pilot, "ann")
        await start_at(app, pilot, office, "1")
        await until(pilot, lambda: text(app, "#header").startswith(header), "the desk's header")
        await key(app, pilot, "o", opened)
        await key(app, pilot, "n", called)
        assert "A001" in text(app, "#current")
    assert user_language(office.seeded.db, "ann") == language


async def test_without_a_choice_the_login_speaks_the_environments_language_and_the_desk_the_clerks_own(
    office: Office,
) -> None:
    async with terminal(office.server, login_language="fr") as (app, pilot):
        await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        assert login_words(app)[2] == "Se connecter"
        await log_in(app, pilot, "noor")  # her stored language: nl
        assert text(app, "#title") == "Uw loket"
        await start_at(app, pilot, office, "2")
        await until(pilot, lambda: text(app, "#header").startswith("Loket 2 — gesloten"), "the desk in Dutch")
        await key(app, pilot, "n", "Uw loket is niet open: open het eerst (o).")  # a refusal, said in Dutch
    assert user_language(office.seeded.db, "noor") == "nl"  # unchanged


async def test_a_clerk_who_never_chose_keeps_the_login_screens_language(office: Office) -> None:
    async with terminal(office.server, login_language="nl") as (app, pilot):
        await log_in(app, pilot, "ann")
        assert text(app, "#title") == "Uw loket"
    assert user_language(office.seeded.db, "ann") is None  # nothing chosen: nothing stored


async def test_a_wrong_password_is_said_in_the_terminals_language(office: Office) -> None:
    async with terminal(office.server, language="fr") as (app, pilot):
        await until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        await tui.tap(pilot, "#username")
        await pilot.press(*"ann", "enter", *"wrong-password", "enter")
        await until(pilot, lambda: "Nom d’utilisateur inconnu" in text(app, "#notice"), "the refusal in French")


async def test_the_desk_follows_a_renamed_service_and_new_skills_and_the_choice_a_new_counter(office: Office) -> None:
    office.issue("A")
    async with terminal(office.server, language="fr") as (app, pilot):
        await log_in(app, pilot, "ann")
        manage(office, "POST", "/api/offices/town/counters", {"name": "4", "skills": ["B"]})
        select = app.screen.query_one("#counter", Select)
        await until(pilot, lambda: any("Guichet 4 (B)" in str(label) for label, _ in select._options), "counter 4")
        await start_at(app, pilot, office, "1")
        await key(app, pilot, "o", "Guichet ouvert.")
        await key(app, pilot, "n", "A001 appelé")
        await until(pilot, lambda: "Carte d'identité" in text(app, "#current"), "the service's French name")
        names = {"nl": "eID-kaart", "fr": "Carte eID", "en": "eID card"}
        manage(office, "PATCH", "/api/offices/town/services/A", {"names": names})
        await until(pilot, lambda: "Carte eID" in text(app, "#current"), "the service's new name")
        manage(office, "PATCH", f"/api/counters/{office.seeded.counters['1']}", {"skills": ["A", "B", "C"]})
        await until(pilot, lambda: "traite A, B, C" in text(app, "#header"), "the counter's new skills")


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"LANG": "fr_BE.UTF-8"}, "fr"),
        ({"LANG": "nl_BE.UTF-8", "LC_ALL": "fr_FR.UTF-8"}, "fr"),
        ({"LC_ALL": "nl_NL@euro"}, "nl"),
        ({"LANG": "de_DE.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({}, "en"),
    ],
)
def test_the_login_screens_language_comes_from_lc_all_then_lang(environ: dict[str, str], expected: str) -> None:
    assert environment_language(environ) == expected


def test_language_option_accepts_nl_fr_en_and_refuses_others_naming_them() -> None:
    assert (parse_language("FR"), parse_language(None)) == ("fr", None)
    with pytest.raises(CounterProblem, match="'de' is not one of nl, fr, en"):
        parse_language("de")
    chosen = config("http://server", None, None, "nl", {"LANG": "fr_BE.UTF-8"})
    assert (chosen.language, chosen.login_language) == ("nl", "fr")
    with pytest.raises(ValueError, match="unknown language"):
        CounterConfig(server="http://server", language="de")


def offline_ticket(office: Office) -> str:
    """A walk-in a kiosk issued offline from its block, synced: its number."""
    kiosk = office.auth(Role.KIOSK)
    base = f"{office.server.url}/api/offices/town"
    block = httpx.post(f"{base}/number-blocks", json={"kiosk": "hall-1", "service": "A"}, headers=kiosk)
    assert block.status_code == 201, block.text
    body = {
        "kiosk": "hall-1",
        "service": "A",
        "number": block.json()["first_number"],
        "language": "fr",
        "checked_in_at": datetime.now(UTC).isoformat(),
        "token": "offline-ticket-token-0001",
    }
    synced = httpx.post(f"{base}/tickets/offline", json=body, headers={**kiosk, "Idempotency-Key": "hall-1-1"})
    assert synced.status_code == 201, synced.text
    return str(body["number"])


async def test_a_ticket_synced_from_an_offline_kiosk_is_said_so_at_the_counter(office: Office) -> None:
    number = offline_ticket(office)
    async with terminal(office.server, language="fr") as (app, pilot):
        await log_in(app, pilot, "ann")
        await start_at(app, pilot, office, "1")
        await key(app, pilot, "o", "Guichet ouvert.")
        await key(app, pilot, "n", f"{number} appelé")
        await until(pilot, lambda: "Pris à une borne hors ligne" in text(app, "#current"), "the offline mark")


@pytest.mark.parametrize(
    ("note", "says"),
    [
        (None, {"nl": "Genomen aan een zuil die offline was", "fr": "Pris à une borne hors ligne"}),
        ("early", {"nl": "Offline te vroeg aangemeld", "fr": "Enregistré hors ligne trop tôt"}),
        ("late", {"nl": "Offline te laat aangemeld", "fr": "Enregistré hors ligne trop tard"}),
        ("unheard-of", {"nl": "Genomen aan een zuil die offline was", "fr": "Pris à une borne hors ligne"}),
    ],
)
def test_an_offline_appointment_early_or_late_is_told_to_the_clerk_in_their_language(
    note: str | None, says: dict[str, str]
) -> None:
    ticket = Ticket.of({"id": 1, "number": "K7QX-M4TP", "service": "A", "state": "called", "offline": True,
                        "offline_note": note})  # fmt: skip
    assert ticket.offline
    for language, words in says.items():
        assert screens.offline_line(language, ticket.offline_note).startswith(words)
