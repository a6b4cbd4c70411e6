"""The clerk terminal in Dutch and in French in a real terminal: the terminal runs inside a detached tmux session
of a fixed size against a real `loket serve`, keys are typed with send-keys and the screen is read back with
capture-pane, as a clerk sees it. Each screen on the way (login, counter choice, desk, a citizen called) shows
the language's words and none of the English of a translated message; the language chosen is stored for the
clerk, and a later start without --language speaks it after the login (the login screen: LC_ALL/LANG)."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import pytest

from scheduler.model import Role
from store.admin import add_user, user_language
from tests.conftest import _missing
from tests.counter.test_real_terminal import PASSWORD, Tmux
from tests.support import OFFICE, Seeded, Server, running_server
from tests.test_staff_texts import english_left_over

#: The terminal as a clerk starts it: `loket counter ... --language` (counter/cli.py behind it).
COUNTER = [sys.executable, "-m", "loket", "counter"]


@dataclass(frozen=True)
class Words:
    """What the terminal says in one language, screen by screen."""

    login: str
    choose: str
    desk: str
    opened: str
    called: str
    done: str
    footer: str


WORDS = {
    "nl": Words(
        login="Loket — loketterminal",
        choose="Uw loket",
        desk="Loket 1 — gesloten — bedient A, B — loketbediende",
        opened="Loket open.",
        called="B001 geroepen",
        done="B001 afgerond",
        footer="n Volgende roepen",
    ),
    "fr": Words(
        login="Loket — terminal du guichet",
        choose="Votre guichet",
        desk="Guichet 3 — fermé — traite C — agent",
        opened="Guichet ouvert.",
        called="C001 appelé",
        done="C001 terminé",
        footer="n Appeler le suivant",
    ),
}
#: Each language its own clerk, counter and service: the two tests share one server.
SEATS = {"nl": ("noor", "1", "B"), "fr": ("fleur", "3", "C")}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Seeded]]:
    if shutil.which("tmux") is None:
        _missing("tmux", "not installed: `make test` installs it with apt-get when run as root")
    from tests.support import seed

    url = f"sqlite:///{tmp_path_factory.mktemp('counter-tmux') / 'loket.db'}"
    seeded = seed(url, OFFICE)
    for user, _, _ in SEATS.values():
        add_user(seeded.db, user, "town", Role.CLERK, PASSWORD, datetime.now(UTC))
    with running_server(url) as server:
        yield server, seeded


@pytest.fixture
def tmux() -> Iterator[Callable[..., Tmux]]:
    sessions: list[Tmux] = []

    def start(command: list[str], env: dict[str, str] | None = None) -> Tmux:
        sessions.append(Tmux(command, env))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def no_english(shown: str, language: str) -> None:
    left = [word for word, pattern in english_left_over(language).items() if pattern.search(shown)]
    assert not left, f"English on the {language} terminal: {left}\n{shown}"


def log_in(term: Tmux, user: str) -> None:
    """Type the username, Tab to the password (Tab moves the focus before the next key is read; Enter moves it
    only once the field's message is handled, and keys typed at machine speed meanwhile land in the username),
    type it, and once all of it shows masked, Enter."""
    term.type_into_field(user)
    term.keys("Tab")
    term.type(PASSWORD)
    term.wait_for("•" * len(PASSWORD))
    term.keys("Enter")


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_a_clerk_serves_a_citizen_in_their_language_in_a_real_terminal(
    served: tuple[Server, Seeded], tmux: Callable[..., Tmux], language: str
) -> None:
    server, seeded = served
    words = WORDS[language]
    user, counter, service = SEATS[language]
    kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
    issued = httpx.post(
        f"{server.url}/api/offices/town/tickets", json={"service": service, "language": "nl"}, headers=kiosk
    )
    assert issued.status_code == 201, issued.text
    counter_id = str(seeded.counters[counter])
    term = tmux([*COUNTER, "--server", server.url, "--counter", counter_id, "--language", language])

    no_english(term.wait_for(words.login), language)
    log_in(term, user)
    no_english(term.wait_for(words.choose), language)
    term.keys("Tab", "Enter")  # the counter given with --counter is chosen; Tab reaches Start
    term.wait_for(words.desk)
    shown = term.wait_for(words.footer)  # the footer may be drawn a frame after the header
    assert words.desk in shown
    no_english(shown, language)
    term.type("o")
    term.wait_for(words.opened)
    term.type("n")
    shown = term.wait_for(words.called)
    assert PASSWORD not in shown
    no_english(shown, language)
    term.type("f")
    no_english(term.wait_for(words.done), language)
    assert user_language(seeded.db, user) == language  # remembered for the clerk
    term.keys("C-q")

    # Started again without --language, on a machine set to the other language: the login screen speaks the
    # machine's, the desk the clerk's own.
    other = "fr" if language == "nl" else "nl"
    again = tmux(
        [*COUNTER, "--server", server.url, "--counter", counter_id], {"LANG": f"{other}_BE.UTF-8", "LC_ALL": ""}
    )
    again.wait_for(WORDS[other].login)
    log_in(again, user)
    no_english(again.wait_for(words.choose), language)
