"""Two offices ("town" and "annex"), a token per role, a clerk who logs in with a password, and the app in
process over a copy of that database (seeded once per session: copying a file is faster than migrating)."""

from __future__ import annotations

import shutil
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import add_user, apply_scenario, create_token
from store.database import Database
from store.engine import make_engine
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded, Server, running_server, seed

ANNEX: dict[str, object] = {**OFFICE, "name": "annex", "title": "Annex"}
#: Who calls, from nobody to everybody: "other-clerk" is a clerk of the annex.
WHO = ("none", "kiosk", "display", "other-clerk", "clerk", "manager", "admin")
USERNAME, PASSWORD = "marie", "correct horse battery"
#: The app's clock starts on Monday 2 March 2026, 08:30 UTC; the next day is bookable.
BOOKING_DAY = "2026-03-03"


@dataclass(frozen=True)
class Template:
    path: Path
    tokens: dict[str, str]
    counters: dict[str, int]


@dataclass
class World:
    api: Api
    tokens: dict[str, str]
    _slots: list[str] | None = None
    _booked: int = 0

    @property
    def http(self) -> Any:
        return self.api.http

    def auth(self, who: str) -> dict[str, str]:
        return {} if who == "none" else {"Authorization": f"Bearer {self.tokens[who]}"}

    def counter(self, name: str) -> int:
        return self.api.seeded.counters[name]

    async def ticket(self, service: str = "A") -> dict[str, Any]:
        """A fresh waiting ticket of town, with its status `token`."""
        r = await self.http.post(
            "/api/offices/town/tickets", json={"service": service, "language": "nl"}, headers=self.auth("kiosk")
        )
        assert r.status_code == 201, r.text
        return {**r.json(), "token": r.json()["status_url"].rsplit("/", 1)[1]}

    async def opened(self, counter: str) -> int:
        """The counter's id, open (whatever state it was in)."""
        ident = self.counter(counter)
        await self.http.post(f"/api/counters/{ident}/open", headers=self.auth("admin"))
        return ident

    async def slot(self) -> str:
        """A free slot of service A in town (each call another one)."""
        if self._slots is None:
            r = await self.http.get("/api/offices/town/slots", params={"service": "A", "day": BOOKING_DAY})
            assert r.status_code == 200, r.text
            self._slots = [s["at"] for s in r.json() if s["free"] > 0]
        return self._slots.pop(0)

    async def booking(self, **contact: str) -> dict[str, Any]:
        """A fresh booking in town, with its manage `token`."""
        self._booked += 1
        reachable = {"email": f"citizen-{self._booked}@example.org"}
        body = {"service": "A", "slot_at": await self.slot(), "language": "nl", "name": "Test", **reachable, **contact}
        r = await self.http.post("/api/offices/town/bookings", json=body)
        assert r.status_code == 201, r.text
        return {**r.json(), "token": r.json()["manage_url"].rsplit("/", 1)[1]}


@pytest.fixture(scope="session")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    path = tmp_path_factory.mktemp("security") / "template.db"
    seeded = seed(f"sqlite:///{path}")
    db = seeded.db
    try:
        apply_scenario(db, parse_scenario(ANNEX))
        now = datetime.now(UTC)
        tokens = {role.value: token for role, token in seeded.tokens.items()}
        tokens["other-clerk"] = create_token(db, Role.CLERK, "annex", now, label="annex clerk")
        tokens["other-display"] = create_token(db, Role.DISPLAY, "annex", now, label="annex display")
        add_user(db, USERNAME, "town", Role.CLERK, PASSWORD, now)
    finally:
        db.engine.dispose()
    return Template(path, tokens, seeded.counters)


def copy_of(template: Template, directory: Path) -> str:
    """The template database copied into `directory`, as a URL."""
    target = directory / "loket.db"
    for suffix in ("", "-wal", "-shm"):
        source = Path(f"{template.path}{suffix}")
        if source.exists():
            shutil.copyfile(source, Path(f"{target}{suffix}"))
    return f"sqlite:///{target}"


@pytest.fixture
async def world(template: Template, tmp_path: Path) -> AsyncIterator[World]:
    url = copy_of(template, tmp_path)
    db = Database(make_engine(url, pool_size=5))
    seeded = Seeded(db, {role: template.tokens[role.value] for role in Role}, template.counters)
    try:
        async with serving(url, seeded, booking_rate_per_hour=0) as api:
            yield World(api, template.tokens)
    finally:
        db.engine.dispose()


@pytest.fixture
def real_server(template: Template, tmp_path: Path) -> Iterator[Server]:
    """`loket serve` on a copy of the template database, its log in tmp_path/server.log."""
    with running_server(copy_of(template, tmp_path), log=tmp_path / "server.log") as server:
        yield server
