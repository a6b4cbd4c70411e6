"""The `loket` command as an administrator uses it: real processes, a real SQLite file."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from scheduler.access import Principal
from scheduler.model import Role
from store import admin
from store.database import Database
from store.engine import make_engine
from tests.support import ROOT, free_port, running_server, seed


def loket(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loket", *args, "--database-url", url],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_token_create_prints_only_a_working_token(sqlite_url: str) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket("token", "create", "--role", "kiosk", "--office", "town", url=sqlite_url)
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert result.stdout == token + "\n"
    assert len(token) >= 43
    db = Database(make_engine(sqlite_url))
    try:
        assert admin.principal_for(db, token, datetime.now(UTC)) == Principal(Role.KIOSK, "town")
    finally:
        db.engine.dispose()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("token", "create", "--role", "kiosk", "--office", "nowhere"), "no office 'nowhere'"),
        (("token", "create", "--role", "clerk"), "belongs to an office"),
        (("token", "create", "--role", "wizard", "--office", "town"), "wizard"),
    ],
)
def test_token_create_refuses_with_a_readable_message(sqlite_url: str, args: tuple[str, ...], message: str) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket(*args, url=sqlite_url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_user_added_with_password_on_stdin_can_log_in(sqlite_url: str) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket(
        "user", "add", "marie", "--office", "town", "--password-stdin", url=sqlite_url, stdin="s3cret-enough\n"
    )
    assert result.returncode == 0, result.stderr
    db = Database(make_engine(sqlite_url))
    try:
        _token, who = admin.login(db, "marie", "s3cret-enough", datetime.now(UTC))
        assert who == Principal(Role.CLERK, "town", "marie")
    finally:
        db.engine.dispose()


@pytest.mark.parametrize(
    ("args", "stdin", "message"),
    [
        (("user", "add", "marie", "--office", "town"), "", "--password-stdin"),
        (("user", "add", "marie", "--office", "town", "--password-stdin"), "short\n", "at least 8"),
        (("user", "add", "marie", "--password-stdin"), "long enough pw\n", "belong to an office"),
    ],
)
def test_user_add_refuses_with_a_readable_message(
    sqlite_url: str, args: tuple[str, ...], stdin: str, message: str
) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket(*args, url=sqlite_url, stdin=stdin)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("name = 'x'\n[[service]]\ncode = 'a'\n", "one or two capital letters"),
        ("name = 'x'\n[[counter]]\nname = '1'\nservices = ['Q']\n", "unknown services Q"),
        ("name = = 'x'", "not valid TOML"),
        ("[[service]]\ncode = 'A'\n", "missing 'name'"),
    ],
)
def test_serve_refuses_a_broken_office_file_naming_the_problem(
    sqlite_url: str, tmp_path: Path, content: str, message: str
) -> None:
    office = tmp_path / "office.toml"
    office.write_text(content)
    result = loket("serve", "--office-file", str(office), url=sqlite_url)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_migrate_creates_the_schema(sqlite_url: str) -> None:
    result = loket("migrate", url=sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "up to date" in result.stdout


def test_booking_add_prints_a_code_that_holds_the_office_local_slot(sqlite_url: str) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket(
        "booking", "add", "--office", "town", "--service", "B", "--at", "2030-06-03T10:30", "--language", "fr",
        url=sqlite_url,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    code = result.stdout.strip()
    assert result.stdout == code + "\n"
    db = Database(make_engine(sqlite_url))
    try:
        booking = db.read(lambda repo: repo.booking_by_code("town", code))
    finally:
        db.engine.dispose()
    assert booking is not None
    # 10:30 in Brussels in summer is 08:30 UTC.
    assert (booking.service, booking.slot_at, booking.language) == ("B", datetime(2030, 6, 3, 8, 30, tzinfo=UTC), "fr")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--office", "nowhere", "--service", "A", "--at", "2030-06-03T10:30"), "no office 'nowhere'"),
        (("--office", "town", "--service", "Q", "--at", "2030-06-03T10:30"), "office town has no service 'Q'"),
        (("--office", "town", "--service", "A", "--at", "2020-06-03T10:30"), "is in the past"),
        (("--office", "town", "--service", "A", "--at", "next tuesday"), "not a date and time"),
        (("--office", "town", "--service", "A", "--at", "2030-06-03T10:30", "--language", "de"), "nl, fr, en"),
    ],
    ids=["unknown office", "unknown service", "past slot", "unreadable time", "unknown language"],
)
def test_booking_add_refuses_with_a_readable_message(sqlite_url: str, args: tuple[str, ...], message: str) -> None:
    seed(sqlite_url).db.engine.dispose()
    result = loket("booking", "add", *args, url=sqlite_url)
    assert result.returncode == 2
    assert result.stdout == ""
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_demo_prints_how_to_use_every_part_and_serves_the_office(tmp_path: Path) -> None:
    port = free_port()
    command = [sys.executable, "-m", "loket", "demo", "--port", str(port)]
    command += ["--database-url", f"sqlite:///{tmp_path}/demo.db"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 30
        healthy = False
        while not healthy and time.monotonic() < deadline:
            try:
                healthy = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                time.sleep(0.2)
        assert healthy, "loket demo did not serve within 30 s"
        display = httpx.get(f"http://127.0.0.1:{port}/api/offices/demo/queue", timeout=5)
        assert display.status_code == 401  # served, and not open to anyone
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=10)
    for part in ("display (TV)", "loket kiosk --server", "loket counter --server", "loket display --server", "clerk1"):
        assert part in output
    assert f"http://127.0.0.1:{port}/login?next=/admin/demo" in output


def _demo_manager(output: str) -> str:
    """The password of the demo's manager account, from the line `administration URL (log in as manager PW)`."""
    line = next(line for line in output.splitlines() if line.strip().startswith("administration"))
    return line.rsplit("log in as manager ", 1)[1].rstrip(")")


def _demo_credentials(output: str) -> tuple[dict[str, str], dict[str, str]]:
    """The tokens (by role) and clerk passwords (by username) that `loket demo` printed."""
    lines = output.splitlines()
    tokens_at, clerks_at = lines.index("Tokens"), next(i for i, line in enumerate(lines) if line.startswith("Clerks"))
    tokens = dict(line.split() for line in lines[tokens_at + 1 : clerks_at] if line.strip())
    clerks = {}
    for line in lines[clerks_at + 1 :]:
        if not line.strip():
            break
        username, password = line.split()[:2]
        clerks[username] = password
    return tokens, clerks


def test_demo_run_again_revokes_the_tokens_and_clerk_sessions_of_its_previous_run(sqlite_url: str) -> None:
    first = loket("demo", "--no-serve", url=sqlite_url)
    assert first.returncode == 0, first.stderr
    old_tokens, old_clerks = _demo_credentials(first.stdout)
    assert set(old_tokens) == {"kiosk", "display", "clerk", "manager"}
    db = Database(make_engine(sqlite_url))
    try:  # a clerk logged in during the first run, and the manager on the web
        old_session, _ = admin.login(db, "clerk1", old_clerks["clerk1"], datetime.now(UTC))
        old_web, _ = admin.login(db, "manager", _demo_manager(first.stdout), datetime.now(UTC), "web login")
    finally:
        db.engine.dispose()

    second = loket("demo", "--no-serve", url=sqlite_url)
    assert second.returncode == 0, second.stderr
    new_tokens, _ = _demo_credentials(second.stdout)

    with running_server(sqlite_url) as server:

        def status(token: str) -> int:
            headers = {"Authorization": f"Bearer {token}"}
            return httpx.get(f"{server.url}/api/offices/demo/queue", headers=headers, timeout=5).status_code

        assert {role: status(token) for role, token in old_tokens.items()} == dict.fromkeys(old_tokens, 401)
        assert status(old_session) == 401
        assert status(old_web) == 401
        with httpx.Client(base_url=server.url) as browser:  # the new password opens the administration
            form = {"username": "manager", "password": _demo_manager(second.stdout)}
            assert browser.post("/login", data=form, params={"next": "/admin/demo"}).status_code == 303
            assert browser.get("/admin/demo").status_code == 200
        assert 401 not in {status(token) for token in new_tokens.values()}
