"""A change of the set-up goes live: a display's socket on a real server hears `office.changed`, numbered with the
office's events, and reads the new names; on SQLite and PostgreSQL the change, its audit row and its event commit
together, and deleting what rows refer to is refused (not a database error)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select
from websockets.asyncio.client import connect

from scheduler.model import Role
from store.admin import add_user
from store.tables import AuditRow, EventRow, TokenRow
from tests.api.conftest import Api, serving
from tests.support import Seeded, running_server

NAMES = {"nl": "Identiteitskaart (eID)", "fr": "Carte d'identité (eID)", "en": "Identity card (eID)"}


async def test_a_display_hears_office_changed_after_a_service_is_renamed(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url)
    with running_server(sqlite_url) as server:
        display = f"{server.ws}/ws/offices/town?token={seeded.tokens[Role.DISPLAY]}"
        async with connect(display, close_timeout=1) as ws:
            snapshot = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert snapshot["type"] == "snapshot"
            async with httpx.AsyncClient(base_url=server.url) as http:
                r = await http.patch(
                    "/api/offices/town/services/A",
                    json={"names": NAMES},
                    headers={"Authorization": f"Bearer {seeded.tokens[Role.MANAGER]}"},
                )
                assert r.status_code == 200, r.text
                heard = await next_event(ws)
                assert heard["type"] == "office.changed"
                assert (heard["what"], heard["code"], heard["seq"]) == ("services", "A", snapshot["seq"] + 1)
                again = await http.get(
                    "/api/offices/town/queue", headers={"Authorization": f"Bearer {seeded.tokens[Role.DISPLAY]}"}
                )
                assert again.json()["services"][0]["names"] == NAMES


async def next_event(ws: Any) -> dict[str, Any]:
    """The next frame that is not a ping."""
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] != "ping":
            return dict(frame)


@pytest.fixture
async def api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(database_url, seeder(database_url)) as served:
        yield served


def manager(api: Api) -> dict[str, str]:
    return api.auth(Role.MANAGER)


def stored(api: Api) -> tuple[list[str], list[str]]:
    with Session(api.seeded.db.reader) as session:
        actions = [a.action for a in session.exec(select(AuditRow).order_by(AuditRow.id))]  # type: ignore[arg-type]
        events = [e.type for e in session.exec(select(EventRow).where(EventRow.office == "town"))]
    return actions, events


async def test_each_change_commits_with_its_audit_row_and_its_event_on_both_databases(api: Api) -> None:
    body = {"code": "D", "names": NAMES, "bookable": True}
    assert (await api.http.post("/api/offices/town/services", json=body, headers=manager(api))).status_code == 201
    r = await api.http.patch("/api/offices/town/services/D", json={"duration_s": 1200}, headers=manager(api))
    assert r.json()["duration_s"] == 1200
    assert (
        await api.http.put("/api/offices/town/hours", json={"tue": [["09:00", "12:00"]]}, headers=manager(api))
    ).status_code == 200
    assert (await api.http.delete("/api/offices/town/services/D", headers=manager(api))).status_code == 204
    refused = await api.http.patch("/api/offices/town/services/D", json={"duration_s": 1}, headers=manager(api))
    assert refused.status_code == 404
    assert stored(api) == (
        ["service.created", "service.changed", "hours.set", "service.deleted"],
        ["office.changed"] * 4,
    )


async def test_a_counter_that_served_and_a_user_with_tokens_are_handled_on_both_databases(api: Api) -> None:
    one = api.seeded.counters["3"]
    await api.open("3")
    await api.issue("C")
    called = await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(Role.CLERK))
    await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": one}, headers=api.auth(Role.CLERK)
    )
    await api.http.post(f"/api/counters/{one}/close", headers=api.auth(Role.CLERK))
    r = await api.http.delete(f"/api/counters/{one}", headers=manager(api))
    assert (r.status_code, r.json()["reason"]) == (409, "history")
    # A user who logged in: their token refers to them; deleting them revokes it and keeps it for the record.
    add_user(api.seeded.db, "an", "town", Role.CLERK, "a long secret", api.clock())
    assert (await api.http.post("/api/login", json={"username": "an", "password": "a long secret"})).status_code == 200
    assert (await api.http.delete("/api/offices/town/users/an", headers=manager(api))).status_code == 204
    with Session(api.seeded.db.reader) as session:
        kept = session.exec(select(TokenRow).where(TokenRow.label == "login an")).one()
    assert (kept.username, kept.revoked_at is not None) == (None, True)
    made = await api.http.post("/api/offices/town/counters", json={"name": "4", "skills": ["C"]}, headers=manager(api))
    assert (await api.http.delete(f"/api/counters/{made.json()['id']}", headers=manager(api))).status_code == 204
