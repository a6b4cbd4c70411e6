"""Helpers for tests that run the real thing: a seeded database and a `loket serve` process."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import httpx

from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store import migrate
from store.admin import apply_scenario, create_token
from store.database import Database
from store.engine import make_engine

ROOT = Path(__file__).resolve().parent.parent

OFFICE = {
    "name": "town",
    "title": "Town hall",
    # Bookable Monday to Friday 08:00-18:00, no share kept for walk-ins.
    "opens": "08:00",
    "closes": "18:00",
    "walk_in_share": 0.0,
    "service": [
        {
            "code": "A",
            "name": "Identity card",
            "names": {"nl": "Identiteitskaart", "fr": "Carte d'identité"},
            "mean_duration_s": 600,
            "bookable": True,
        },
        {"code": "B", "name": "Passport", "mean_duration_s": 900, "bookable": True},
        {"code": "C", "name": "Certificates", "mean_duration_s": 300, "bookable": True},
    ],
    "counter": [
        {"name": "1", "services": ["A", "B"]},
        {"name": "2", "services": ["A", "C"]},
        {"name": "3", "services": ["C"]},
    ],
}


@dataclass
class Seeded:
    db: Database
    tokens: dict[Role, str]
    counters: dict[str, int]


def seed(url: str, office: dict[str, object] | None = None) -> Seeded:
    """Migrate the database, set up the test office, and make a token per role."""
    migrate.upgrade(url)
    db = Database(make_engine(url, pool_size=20))
    name = apply_scenario(db, parse_scenario(office or OFFICE))
    now = datetime.now(UTC)
    tokens: dict[Role, str] = {role: create_token(db, role, name, now) for role in Role if role is not Role.ADMIN}
    tokens[Role.ADMIN] = create_token(db, Role.ADMIN, None, now)
    snapshot = db.read(lambda repo: repo.counters(name))
    return Seeded(db, tokens, {c.name: c.id for c in snapshot})


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen[bytes]
    log: IO[bytes] | None = None

    @property
    def ws(self) -> str:
        return self.url.replace("http://", "ws://")

    def stop(self, timeout: float = 10) -> float:
        """Stop like a supervisor does (SIGTERM) and return how long it took."""
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.log is not None:
            self.log.close()
        return time.monotonic() - started


def start_server(
    database_url: str,
    *,
    port: int | None = None,
    workers: int = 1,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> Server:
    port = port or free_port()
    environment = {**os.environ, "LOKET_DATABASE_URL": database_url, **(env or {})}
    out = open(log, "ab") if log else None  # noqa: SIM115 - lives as long as the process
    process = subprocess.Popen(
        [sys.executable, "-m", "loket", "serve", "--port", str(port), "--workers", str(workers)],
        cwd=ROOT,
        env=environment,
        stdout=out if out is not None else subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = Server(f"http://127.0.0.1:{port}", port, process, out)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            server.stop()
            raise RuntimeError(f"loket serve exited with {process.returncode}" + (f"; see {log}" if log else ""))
        try:
            if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError("loket serve did not become healthy in 30 s")


@contextmanager
def running_server(database_url: str, **kwargs: object) -> Iterator[Server]:
    server = start_server(database_url, **kwargs)  # type: ignore[arg-type]
    try:
        yield server
    finally:
        server.stop()
