"""`loket kiosk --issue`: one ticket without a screen, from a real process against a real server (and without it,
from the kiosk's block); `--sync`: the journal uploaded."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from scheduler.model import Role
from tests.kiosk.test_printing import FakeNetworkPrinter, qr_payloads
from tests.support import OFFICE, ROOT, Seeded, Server, free_port, running_server


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The default journal goes to this test's folder, never the user's."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state"


@pytest.fixture
def served(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[tuple[Server, Seeded]]:
    seeded = seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as server:
        yield server, seeded


def kiosk(server_url: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "loket", "kiosk", "--server", server_url, "--token", token, "--office", "town"]
    return subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=60)


def test_issue_prints_the_number_and_status_url_and_the_ticket_on_the_printer(served: tuple[Server, Seeded]) -> None:
    server, seeded = served
    printer = FakeNetworkPrinter()
    try:
        done = kiosk(
            server.url, seeded.tokens[Role.KIOSK], "--issue", "A", "--language", "fr", "--printer", printer.spec
        )
        assert done.returncode == 0, done.stderr
        url, number = done.stdout.splitlines()
        assert number == "A001"  # the last line: the number
        assert "/t/" in url
        printed = printer.output()
    finally:
        printer.stop()
    assert b"A001" in printed
    assert b"Carte d'identit\x82" in printed  # CP858, as the printer's code page was set


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--issue", "A", "--printer", "lpt1"), "--printer"),
        (("--issue", "A", "--paper", "72"), "--paper must be 80 or 58"),
        (("--issue", "A", "--language", "de"), "--language must be nl, fr or en"),
        (("--issue", "Z"), "service_not_found"),
        (("--issue", "A", "--journal", "/proc/loket/kiosk.jsonl"), "--journal: cannot use /proc/loket/kiosk.jsonl"),
    ],
)
def test_bad_options_and_refusals_are_one_readable_line(
    served: tuple[Server, Seeded], args: tuple[str, ...], message: str
) -> None:
    server, seeded = served
    done = kiosk(server.url, seeded.tokens[Role.KIOSK], *args)
    assert done.returncode == 2
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_an_unreachable_server_is_said_plainly() -> None:
    done = kiosk(f"http://127.0.0.1:{free_port()}", "token", "--issue", "A")
    assert done.returncode == 2
    assert "cannot be reached" in done.stderr
    assert "Traceback" not in done.stderr


def test_web_serves_the_kiosk_page_to_a_browser() -> None:
    port = free_port()
    command = [sys.executable, "-m", "loket", "kiosk", "--server", "http://127.0.0.1:9", "--token", "t"]
    command += ["--office", "town", "--web", "--web-port", str(port)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        page = None
        deadline = time.monotonic() + 20
        while page is None and time.monotonic() < deadline:
            try:
                page = httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            except httpx.TransportError:
                time.sleep(0.2)
        assert page is not None
        assert page.status_code == 200
        assert f"http://127.0.0.1:{port}/static/js/textual.js" in page.text
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_offline_issue_prints_from_the_block_and_sync_lands_every_ticket_with_its_number(
    sqlite_url: str, seeder: Callable[..., Seeded], state_home: Path
) -> None:
    seeded = seeder(sqlite_url, OFFICE)
    token = seeded.tokens[Role.KIOSK]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with running_server(sqlite_url, port=port):
        reserved = kiosk(url, token, "--name", "hall-1", "--sync")
        assert reserved.returncode == 0, reserved.stderr
        assert {"reserved A500-A549", "reserved B500-B549", "reserved C500-C549"} <= set(reserved.stdout.splitlines())
        assert "0 synced" in reserved.stdout

    printer = FakeNetworkPrinter()
    try:
        offline = kiosk(url, token, "--name", "hall-1", "--issue", "A", "--language", "fr", "--printer", printer.spec)
        printed = printer.output()
    finally:
        printer.stop()
    assert offline.returncode == 0, offline.stderr
    status_url, number = offline.stdout.splitlines()
    assert number == "A500"
    assert "offline" in offline.stderr
    assert b"A500" in printed
    assert b"Hors ligne - votre place est gard\x82e" in printed  # CP858; the dash as the printer has it
    assert status_url.encode() in qr_payloads(printed)
    assert b"Personnes avant vous" not in printed  # nobody knows offline

    second = kiosk(url, token, "--name", "hall-1", "--issue", "B")
    assert second.stdout.splitlines()[-1] == "B500"
    third = kiosk(url, token, "--name", "hall-1", "--issue", "A")
    assert third.stdout.splitlines()[-1] == "A501"

    down = kiosk(url, token, "--name", "hall-1", "--sync")
    assert down.returncode == 2
    assert "cannot be reached" in down.stderr
    assert "Traceback" not in down.stderr

    journal = state_home / "loket" / "kiosk-town-hall-1.jsonl"
    assert [
        line["number"] for line in map(json.loads, journal.read_text().splitlines()) if line["type"] == "ticket"
    ] == [
        "A500",
        "B500",
        "A501",
    ]
    with running_server(sqlite_url, port=port):
        synced = kiosk(url, token, "--name", "hall-1", "--sync")
        assert synced.returncode == 0, synced.stderr
        lines = synced.stdout.splitlines()
        assert [line.split()[1] for line in lines if line.startswith("synced ")] == ["A500", "B500", "A501"]
        assert "3 synced, 0 waiting" in lines[-1]
        queue = httpx.get(f"{url}/api/offices/town/queue", headers={"Authorization": f"Bearer {token}"}).json()
        assert [t["number"] for t in queue["waiting"]] == ["A500", "B500", "A501"]
        status = httpx.get(status_url.replace("/t/", "/api/status/"))
        assert status.status_code == 200, status.text
        assert status.json()["number"] == "A500"
        again = kiosk(url, token, "--name", "hall-1", "--sync")
        assert "0 synced" in again.stdout


def test_offline_without_a_block_issues_nothing_and_says_why(tmp_path: Path) -> None:
    journal = tmp_path / "hall.jsonl"
    done = kiosk(f"http://127.0.0.1:{free_port()}", "token", "--issue", "A", "--journal", str(journal))
    assert done.returncode == 2
    assert "no number of A left" in done.stderr
    assert done.stdout == ""
    assert journal.read_text() == ""
