"""The clerk terminal in a real terminal: `loket counter` runs inside tmux, keys are typed with send-keys and the
screen is read back with capture-pane, as a clerk at a counter would see it."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from scheduler.model import Role
from store.admin import add_user
from tests.conftest import _missing
from tests.support import OFFICE, Seeded, Server, running_server

PASSWORD = "correct horse battery staple"
WAIT_S = 20.0
LOKET = str(Path(sys.executable).with_name("loket"))


class Tmux:
    """One detached tmux session of its own (its own socket, so a clerk's real tmux is never touched)."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.socket = f"loket-test-{uuid.uuid4().hex[:8]}"
        variables = [part for name, value in (env or {}).items() for part in ("-e", f"{name}={value}")]
        self._run("new-session", "-d", "-s", "t", "-x", "140", "-y", "45", *variables, *command)

    def _run(self, *args: str) -> str:
        done = subprocess.run(["tmux", "-L", self.socket, *args], capture_output=True, text=True, timeout=10)
        assert done.returncode == 0, done.stderr
        return done.stdout

    def keys(self, *keys: str) -> None:
        self._run("send-keys", "-t", "t", *keys)

    def type(self, text: str) -> None:
        self._run("send-keys", "-t", "t", "-l", text)  # -l: the letters themselves, not key names

    def screen(self) -> str:
        return self._run("capture-pane", "-p", "-t", "t")

    def wait_for(self, text: str, wait_s: float = WAIT_S) -> str:
        deadline = time.monotonic() + wait_s
        while time.monotonic() < deadline:
            shown = self.screen()
            if text in shown:
                return shown
            time.sleep(0.2)
        raise AssertionError(f"{text!r} never appeared on the terminal; it shows:\n{self.screen()}")

    def type_into_field(self, text: str) -> None:
        """Type `text` into the focused field until it shows: keys typed while the app is still starting (its
        first frame is drawn before the field has the focus) are lost, as they would be for a clerk."""
        for _ in range(int(WAIT_S)):
            self.keys("C-u")  # the field empty again
            self.type(text)
            with contextlib.suppress(AssertionError):
                self.wait_for(text, wait_s=1.0)
                return
        raise AssertionError(f"{text!r} never appeared in the field; the terminal shows:\n{self.screen()}")

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.socket, "kill-server"], capture_output=True, timeout=10)


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[tuple[Server, Seeded]]:
    if shutil.which("tmux") is None:
        _missing("tmux", "not installed: `make test` installs it with apt-get when run as root")
    seeded = seeder(sqlite_url, OFFICE)
    add_user(seeded.db, "ann", "town", Role.CLERK, PASSWORD, datetime.now(UTC))
    with running_server(sqlite_url) as server:
        yield server, seeded


@pytest.fixture
def tmux() -> Iterator[Callable[[list[str]], Tmux]]:
    sessions: list[Tmux] = []

    def start(command: list[str]) -> Tmux:
        sessions.append(Tmux(command))
        return sessions[-1]

    yield start
    for session in sessions:
        session.close()


def test_a_clerk_logs_in_and_calls_a_citizen_with_the_keyboard_in_a_real_terminal(
    office: tuple[Server, Seeded], tmux: Callable[[list[str]], Tmux]
) -> None:
    server, seeded = office
    kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
    ticket = {"service": "A", "language": "nl"}
    issued = httpx.post(f"{server.url}/api/offices/town/tickets", json=ticket, headers=kiosk)
    assert issued.status_code == 201, issued.text
    counter = seeded.counters["1"]
    term = tmux([LOKET, "counter", "--server", server.url, "--counter", str(counter)])

    term.wait_for("clerk terminal")
    term.type_into_field("ann")
    term.keys("Tab")  # at once (Enter moves the focus only once its message is handled: keys typed meanwhile are lost)
    term.type(PASSWORD)
    term.wait_for("•" * len(PASSWORD))
    term.keys("Enter")
    term.wait_for("Your counter")
    term.keys("Tab", "Enter")  # the counter given with --counter is chosen; Tab reaches Start
    term.wait_for("Counter 1 — ")
    term.type("o")
    term.wait_for("Counter open.")
    term.type("n")
    shown = term.wait_for("Called A001")
    assert PASSWORD not in shown
    manager = {"Authorization": f"Bearer {seeded.tokens[Role.MANAGER]}"}
    queue = httpx.get(f"{server.url}/api/offices/town/queue", headers=manager).json()
    at_counter = {c["id"]: c["ticket"] for c in queue["counters"]}
    assert at_counter[counter]["number"] == "A001"
    assert at_counter[counter]["state"] == "called"
    term.type("f")
    term.wait_for("A001 done")
