"""`loket kiosk --issue`: one ticket without a screen, from a real process against a real server."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Callable, Iterator

import httpx
import pytest

from scheduler.model import Role
from tests.kiosk.test_printing import FakeNetworkPrinter
from tests.support import OFFICE, ROOT, Seeded, Server, free_port, running_server


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
        number, url = done.stdout.split()
        assert number == "A001"
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
