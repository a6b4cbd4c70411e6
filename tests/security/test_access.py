"""Who may do what, endpoint by endpoint: every route of the app has a row here, and each row is tried as
nobody, a kiosk, a display, a clerk of another office, a clerk, a manager and an admin.

A caller a row lets through gets one of the row's answers (a 409 or 422 there is a rule of the office speaking
after access was granted); any other caller gets 401 without a token and 403 with one. Each request is made
afresh for each caller (a new ticket, a new booking, the caller's own counter), so one caller's success does
not change the next caller's answer.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute, APIWebSocketRoute, iter_route_contexts
from starlette.routing import Mount, Route
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from scheduler.model import Role
from server import create_app
from settings import Settings
from store import admin
from store.database import Database
from store.engine import make_engine
from tests.api.conftest import serving
from tests.security.conftest import BOOKING_DAY, PASSWORD, USERNAME, WHO, World, copy_of
from tests.support import ROOT, Seeded, Server, running_server

ANYONE = frozenset(WHO)
READ = frozenset({"kiosk", "display", "clerk", "manager", "admin"})
ISSUE = frozenset({"kiosk", "manager", "admin"})
SERVE = frozenset({"clerk", "manager", "admin"})
MANAGE = frozenset({"manager", "admin"})
#: Booking needs no token; a token, when sent, must be able to manage the office (a desk booking) or to issue
#: its tickets (the kiosk's "take an appointment instead").
BOOK = frozenset({"none", "kiosk", "manager", "admin"})
#: Each caller let through acts at a counter of its own, so nobody finds a counter the last one left busy.
COUNTER_OF = {"clerk": "1", "manager": "2", "admin": "3"}
SERVICE_AT = {"1": "A", "2": "A", "3": "C"}

#: Seconds a token lookup is remembered in the revocation test (LOKET_TOKEN_CACHE_S).
CACHE_S = 1.0

Request = dict[str, Any]
Make = Callable[[World, str], Awaitable[Request]]


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    who: frozenset[str]
    ok: frozenset[int]
    make: Make
    token_in: str = "header"  # or "query": pages a browser opens (the display board); "cookie": the board's own
    why: str = field(default="", compare=False)


def fixed(url: str, **extra: Any) -> Make:
    async def make(_world: World, _who: str) -> Request:
        return {"url": url, **extra}

    return make


def with_ticket(path: str, **extra: Any) -> Make:
    """`{token}` and `{id}` of a fresh waiting ticket of town."""

    async def make(world: World, _who: str) -> Request:
        ticket = await world.ticket()
        return {"url": path.format(token=ticket["token"], id=ticket["id"]), **extra}

    return make


def with_booking(path: str, *, move: str | None = None, **extra: Any) -> Make:
    """`{token}` of a fresh booking; `move="json"|"form"`: a free slot to move it to, in that shape."""

    async def make(world: World, _who: str) -> Request:
        booking = await world.booking()
        request: Request = {"url": path.format(token=booking["token"], day=BOOKING_DAY), **extra}
        if move == "json":
            request["json"] = {"slot_at": await world.slot()}
        elif move == "form":
            request["data"] = {"time": (await world.slot())[11:16]}
        return request

    return make


def at_counter(action: str, *, ticket: bool = False, body: Any = None, opened: bool = True) -> Make:
    """The caller's own counter of town (open unless `opened=False`); `ticket`: one waiting for it."""

    async def make(world: World, who: str) -> Request:
        name = COUNTER_OF.get(who, "1")
        ident = await world.opened(name) if opened else world.counter(name)
        request: Request = {"url": f"/api/counters/{ident}/{action}"}
        if ticket:
            issued = await world.ticket(SERVICE_AT[name])
            if action == "call-number":
                request["json"] = {"number": issued["number"]}
        if body is not None:
            request["json"] = body
        return request

    return make


async def _book_form(world: World, _who: str) -> Request:
    slot = await world.slot()
    form = {"name": "Test", "email": f"citizen-{slot[11:13]}{slot[14:16]}@example.org", "remind_via": "none"}
    return {"url": f"/book/town/A/{BOOKING_DAY}/details", "data": {**form, "time": slot[11:16]}}


async def _issue(_world: World, _who: str) -> Request:
    return {"url": "/api/offices/town/tickets", "json": {"service": "A", "language": "fr"}}


async def _join(world: World, _who: str) -> Request:
    for _ in range(2):  # walk-ins in the room, so that the remote share always leaves room for one more
        await world.ticket("A")
    return {"url": "/api/offices/town/remote-tickets", "json": {"service": "A", "language": "nl", "travel_min": 10}}


async def _join_form(world: World, _who: str) -> Request:
    for _ in range(2):
        await world.ticket("A")
    return {"url": "/join/town", "data": {"service": "A", "travel_min": "10", "tell": "page"}}


async def _book(world: World, who: str) -> Request:
    slot = await world.slot()
    return {
        "url": "/api/offices/town/bookings",
        "json": {"service": "A", "slot_at": slot, "language": "nl", "name": "Test", "email": f"{who}@example.org"},
    }


async def _idea(world: World) -> int:
    """A fresh idea of town, proposed by a fresh visit."""
    token = (await world.ticket())["token"]
    r = await world.http.post("/api/offices/town/ideas", json={"text": "More chairs", "language": "en", "token": token})
    assert r.status_code == 201, r.text
    return int(r.json()["id"])


async def _propose(world: World, _who: str) -> Request:
    token = (await world.ticket())["token"]
    return {"url": "/api/offices/town/ideas", "json": {"text": "More chairs", "language": "en", "token": token}}


async def _propose_form(world: World, _who: str) -> Request:
    token = (await world.ticket())["token"]
    return {"url": "/ideas/town", "data": {"text": "More chairs", "language": "en", "token": token}}


async def _vote(world: World, _who: str) -> Request:
    idea, voter = await _idea(world), (await world.ticket())["token"]
    return {"url": f"/api/ideas/{idea}/vote", "json": {"token": voter}}


def moderating(action: str, body: dict[str, str]) -> Make:
    async def make(world: World, _who: str) -> Request:
        return {"url": f"/api/ideas/{await _idea(world)}/{action}", "json": body}

    return make


MEASURE = {"title": "New signs", "kind": "before-after", "started": "2026-03-02"}


async def _measure(world: World, _who: str) -> Request:
    """A fresh measure of town, registered by an admin."""
    r = await world.http.post("/api/offices/town/measures", json=MEASURE, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    return {"url": f"/api/offices/town/measures/{r.json()['id']}"}


async def _reserve(_world: World, who: str) -> Request:
    return {"url": "/api/offices/town/number-blocks", "json": {"kiosk": f"hall-{who}", "service": "A"}}


async def _sync_offline(world: World, who: str) -> Request:
    """A ticket issued offline from a fresh block (reserved by an admin for a kiosk of the caller's own)."""
    kiosk = f"sync-{who}"
    r = await world.http.post(
        "/api/offices/town/number-blocks", json={"kiosk": kiosk, "service": "A"}, headers=world.auth("admin")
    )
    assert r.status_code == 201, r.text
    entry = {
        "kiosk": kiosk,
        "service": "A",
        "number": r.json()["first_number"],
        "language": "nl",
        "checked_in_at": world.api.clock.now.isoformat(),
        "token": f"offline-token-of-{who}-0123456789",
    }
    return {"url": "/api/offices/town/tickets/offline", "json": entry, "headers": {"Idempotency-Key": f"key-{who}"}}


OK, CREATED, SEE_OTHER = frozenset({200}), frozenset({201}), frozenset({303})

NAMES = {"nl": "Rijbewijs", "fr": "Permis", "en": "Licence"}
NO_CONTENT = frozenset({204})
#: A service code per caller: each caller let through adds or deletes its own.
CODE_OF = {"none": "N", "kiosk": "K", "display": "D", "other-clerk": "O", "clerk": "L", "manager": "M", "admin": "Z"}


async def _add_service(_world: World, who: str) -> Request:
    return {"url": "/api/offices/town/services", "json": {"code": CODE_OF[who], "names": NAMES}}


async def _new_service(world: World, who: str) -> Request:
    """A fresh service of town, made by an admin, to delete."""
    body = {"code": CODE_OF[who], "names": NAMES}
    r = await world.http.post("/api/offices/town/services", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    return {"url": f"/api/offices/town/services/{CODE_OF[who]}"}


async def _add_counter(_world: World, who: str) -> Request:
    return {"url": "/api/offices/town/counters", "json": {"name": f"new {who}", "skills": ["A"]}}


async def _new_counter(world: World, who: str) -> Request:
    """A fresh counter of town, made by an admin, never used (so it may be deleted)."""
    r = await world.http.post("/api/offices/town/counters", json={"name": f"spare {who}"}, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    return {"url": f"/api/counters/{r.json()['id']}"}


async def _rename_counter(world: World, who: str) -> Request:
    return {**(await _new_counter(world, who)), "json": {"name": f"renamed {who}"}}


async def _add_user(_world: World, who: str) -> Request:
    body = {"username": f"new-{who}", "role": "clerk", "password": "long enough", "language": "nl"}
    return {"url": "/api/offices/town/users", "json": body}


async def _new_user(world: World, who: str) -> Request:
    body = {"username": f"gone-{who}", "role": "clerk", "password": "long enough"}
    r = await world.http.post("/api/offices/town/users", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    return {"url": f"/api/offices/town/users/gone-{who}"}


async def _new_token(world: World, _who: str) -> Request:
    body = {"role": "kiosk", "label": "to revoke"}
    r = await world.http.post("/api/offices/town/tokens", json=body, headers=world.auth("admin"))
    assert r.status_code == 201, r.text
    return {"url": f"/api/offices/town/tokens/{r.json()['id']}"}


ADMIN_ROWS = [
    # The administration (issue 18): the office's managers, and admins for every office.
    Row("GET", "/api/offices/{office}/setup", MANAGE, OK, fixed("/api/offices/town/setup")),
    Row("POST", "/api/offices/{office}/services", MANAGE, CREATED, _add_service),
    Row(
        "PATCH",
        "/api/offices/{office}/services/{code}",
        MANAGE,
        OK,
        fixed("/api/offices/town/services/A", json={"duration_s": 600}),
    ),
    Row("DELETE", "/api/offices/{office}/services/{code}", MANAGE, NO_CONTENT, _new_service),
    Row("POST", "/api/offices/{office}/counters", MANAGE, CREATED, _add_counter),
    Row("PATCH", "/api/counters/{counter_id}", MANAGE, OK, _rename_counter),
    Row("DELETE", "/api/counters/{counter_id}", MANAGE, NO_CONTENT, _new_counter),
    Row(
        "PUT",
        "/api/offices/{office}/hours",
        MANAGE,
        OK,
        fixed("/api/offices/town/hours", json={"mon": [["08:00", "18:00"]]}),
    ),
    Row(
        "PUT",
        "/api/offices/{office}/closed",
        MANAGE,
        OK,
        fixed("/api/offices/town/closed", json={"days": ["2026-12-24"]}),
    ),
    Row(
        "PATCH",
        "/api/offices/{office}/settings",
        MANAGE,
        OK,
        fixed("/api/offices/town/settings", json={"late_places": 3}),
    ),
    Row(
        "PUT",
        "/api/offices/{office}/improvements",
        MANAGE,
        OK,
        fixed(
            "/api/offices/town/improvements", json={"improvements": [{"code": "wait", "names": {"en": "Wait less"}}]}
        ),
    ),
    Row("GET", "/api/offices/{office}/users", MANAGE, OK, fixed("/api/offices/town/users")),
    Row("POST", "/api/offices/{office}/users", MANAGE, CREATED, _add_user),
    Row(
        "PATCH",
        "/api/offices/{office}/users/{username}",
        MANAGE,
        OK,
        fixed(f"/api/offices/town/users/{USERNAME}", json={"language": "fr"}),
    ),
    Row("DELETE", "/api/offices/{office}/users/{username}", MANAGE, NO_CONTENT, _new_user),
    Row("GET", "/api/offices/{office}/tokens", MANAGE, OK, fixed("/api/offices/town/tokens")),
    Row(
        "POST",
        "/api/offices/{office}/tokens",
        MANAGE,
        CREATED,
        fixed("/api/offices/town/tokens", json={"role": "display", "label": "hall"}),
    ),
    Row("DELETE", "/api/offices/{office}/tokens/{token_id}", MANAGE, OK, _new_token),
    Row("GET", "/api/offices/{office}/audit", MANAGE, OK, fixed("/api/offices/town/audit")),
    # Who holds this token; a person's own language (a device's token: 400 no_user).
    Row("GET", "/api/me", ANYONE - {"none"}, OK, fixed("/api/me")),
    Row(
        "PUT",
        "/api/me/language",
        ANYONE - {"none"},
        frozenset({200, 400}),
        fixed("/api/me/language", json={"language": "nl"}),
        why="the world's tokens are devices' (no user): 400 no_user; a login's token: 200",
    ),
]


WEEK = {f"hours_{day}": "08:00-18:00" for day in ("mon", "tue", "wed", "thu", "fri")}
SETTINGS_FORM = {
    "name": "Town hall",
    "walk_in_share": "0",
    "remote_share_max": "50",
    "late_places": "3",
    "notify_before_min": "10",
    "remote_grace_min": "10",
    "no_show_min_recalls": "1",
    "no_show_delay_s": "60",
}
SERVICE_FORM = {
    "name_nl": "Identiteitskaart",
    "name_fr": "Carte d'identité",
    "name_en": "Identity card",
    "duration_min": "10",
    "bookable": "on",
}


def at_admin_counter(suffix: str = "", **extra: Any) -> Make:
    """A counter of town in the administration pages' address (a closed one: removing it meets its history)."""

    async def make(world: World, _who: str) -> Request:
        return {"url": f"/admin/town/counters/{world.counter('3')}{suffix}", **extra}

    return make


def fresh_display_token(world_path: str) -> Make:
    """A new display token of town each time, to revoke."""

    async def make(world: World, _who: str) -> Request:
        db = world.api.seeded.db
        admin.create_token(db, Role.DISPLAY, "town", datetime.now(UTC), label="to revoke")
        token_id = admin.tokens(db)[-1].id
        return {"url": world_path.format(id=token_id)}

    return make


async def wrong_login(_world: World, who: str) -> Request:
    """A wrong password for a username of each caller's own (one username's failures would lock it at the 6th)."""
    return {"url": "/login", "data": {"username": f"nobody-{who}", "password": "wrong one"}}


STAFF_PAGE_ROWS = [
    # The staff web pages: the login form and logout are anyone's (a wrong password: 401); the administration
    # pages take the session cookie or a manager's/admin's token in the address (traded for a cookie on GET).
    Row("GET", "/login", ANYONE, OK, fixed("/login")),
    Row("POST", "/login", ANYONE, frozenset({401}), wrong_login, why="bad_credentials: nobody of that name"),
    Row("POST", "/logout", ANYONE, SEE_OTHER, fixed("/logout")),
    Row(
        "GET",
        "/admin",
        MANAGE,
        frozenset({200, 303}),
        fixed("/admin"),
        token_in="query",
        why="a manager goes on to the office's page (303), an admin chooses an office (200)",
    ),
    Row("GET", "/admin/{office}", MANAGE, SEE_OTHER, fixed("/admin/town"), token_in="query"),
    Row(
        "POST",
        "/admin/{office}/services",
        MANAGE,
        frozenset({303, 409}),
        fixed("/admin/town/services", data={**SERVICE_FORM, "code": "D"}),
        token_in="query",
        why="service_exists: the second caller adds D again",
    ),
    Row(
        "POST",
        "/admin/{office}/services/{code}",
        MANAGE,
        SEE_OTHER,
        fixed("/admin/town/services/A", data=SERVICE_FORM),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/services/{code}/delete",
        MANAGE,
        frozenset({303, 404}),
        fixed("/admin/town/services/C/delete"),
        token_in="query",
        why="service_not_found: removed by the caller before",
    ),
    Row(
        "POST",
        "/admin/{office}/counters",
        MANAGE,
        frozenset({303, 409}),
        fixed("/admin/town/counters", data={"name": "9", "skills": ["A"], "shifts": ""}),
        token_in="query",
        why="counter_name_taken: the second caller adds counter 9 again",
    ),
    Row(
        "POST",
        "/admin/{office}/counters/{counter_id}",
        MANAGE,
        SEE_OTHER,
        at_admin_counter(data={"name": "3", "skills": ["C"], "shifts": ""}),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/counters/{counter_id}/delete",
        MANAGE,
        frozenset({303, 404, 409}),
        at_admin_counter("/delete"),
        token_in="query",
        why="counter_in_use / counter_not_found",
    ),
    Row("POST", "/admin/{office}/hours", MANAGE, SEE_OTHER, fixed("/admin/town/hours", data=WEEK), token_in="query"),
    Row(
        "POST",
        "/admin/{office}/closed",
        MANAGE,
        SEE_OTHER,
        fixed("/admin/town/closed", data={"days": "2026-12-24"}),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/settings",
        MANAGE,
        SEE_OTHER,
        fixed("/admin/town/settings", data=SETTINGS_FORM),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/improvements",
        MANAGE,
        SEE_OTHER,
        fixed("/admin/town/improvements", data={"imp_0_code": "wait", "imp_0_en": "Shorter wait"}),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/users",
        MANAGE,
        frozenset({303, 409}),
        fixed(
            "/admin/town/users", data={"username": "newclerk", "role": "clerk", "password": PASSWORD, "language": ""}
        ),
        token_in="query",
        why="user_exists: the second caller adds the same username",
    ),
    Row(
        "POST",
        "/admin/{office}/users/{username}",
        MANAGE,
        SEE_OTHER,
        fixed(f"/admin/town/users/{USERNAME}", data={"role": "clerk", "language": "nl"}),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/users/{username}/delete",
        MANAGE,
        frozenset({303, 404}),
        fixed(f"/admin/town/users/{USERNAME}/delete"),
        token_in="query",
        why="user_not_found: removed before",
    ),
    Row(
        "POST",
        "/admin/{office}/tokens",
        MANAGE,
        frozenset({201}),
        fixed("/admin/town/tokens", data={"role": "display", "label": "hall"}),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/tokens/{token_id}/revoke",
        MANAGE,
        SEE_OTHER,
        fresh_display_token("/admin/town/tokens/{id}/revoke"),
        token_in="query",
    ),
    Row(
        "POST",
        "/admin/{office}/language",
        MANAGE,
        frozenset({400}),
        fixed("/admin/town/language", data={"language": "nl"}),
        token_in="query",
        why="no_user: these tokens belong to no person (a manager's own language: tests/web/test_admin.py)",
    ),
]


ROWS = [
    # The app's own documents and the operations endpoints.
    Row("GET", "/openapi.json", ANYONE, OK, fixed("/openapi.json")),
    Row("GET", "/docs", ANYONE, OK, fixed("/docs")),
    Row("GET", "/redoc", ANYONE, OK, fixed("/redoc")),
    Row("GET", "/healthz", ANYONE, OK, fixed("/healthz")),
    Row("GET", "/metrics", ANYONE, OK, fixed("/metrics"), why="open while LOKET_METRICS_TOKEN is unset"),
    Row("MOUNT", "/static", ANYONE, OK, fixed("/static/display.css")),
    Row("MOUNT", "/docs/assets", ANYONE, OK, fixed("/docs/assets/swagger-ui.css")),
    Row("POST", "/api/login", ANYONE, OK, fixed("/api/login", json={"username": USERNAME, "password": PASSWORD})),
    # Staff: the queue, tickets, counters, printers.
    Row("GET", "/api/offices/{office}/queue", READ, OK, fixed("/api/offices/town/queue")),
    Row("POST", "/api/offices/{office}/tickets", ISSUE, CREATED, _issue),
    # Offline kiosks (issue 19): a kiosk of the office reserves blocks and syncs what it issued offline.
    Row("POST", "/api/offices/{office}/number-blocks", ISSUE, CREATED, _reserve),
    Row("GET", "/api/offices/{office}/number-blocks", ISSUE, OK, fixed("/api/offices/town/number-blocks?kiosk=hall-1")),
    Row("POST", "/api/offices/{office}/tickets/offline", ISSUE, CREATED, _sync_offline),
    Row("POST", "/api/tickets/{ticket_id}/{action}", SERVE, OK, with_ticket("/api/tickets/{id}/cancel")),
    Row(
        "POST",
        "/api/offices/{office}/printer-status",
        ISSUE,
        OK,
        fixed("/api/offices/town/printer-status", json={"kiosk": "hall-1", "state": "ok"}),
    ),
    Row(
        "POST",
        "/api/offices/{office}/happiness",
        ISSUE,
        frozenset({409}),
        fixed("/api/offices/town/happiness", json={"service": "A", "score": 8}),
        why="happiness_not_asked_here: the test office does not ask at the kiosk",
    ),
    Row("POST", "/api/counters/{counter_id}/call-next", SERVE, OK, at_counter("call-next", ticket=True)),
    Row("POST", "/api/counters/{counter_id}/call-number", SERVE, OK, at_counter("call-number", ticket=True)),
    Row(
        "PUT",
        "/api/counters/{counter_id}/services",
        SERVE,
        frozenset({409}),
        at_counter("services", body={"services": ["A"]}),
        why="services_not_choosable: the test office does not let clerks choose",
    ),
    Row("GET", "/api/counters/{counter_id}/today", SERVE, OK, at_counter("today")),
    Row("POST", "/api/counters/{counter_id}/{action}", SERVE, OK, at_counter("open", opened=False)),
    # The pages trade a token in the address for a cookie of the page, with a 303 to the address without it.
    Row("GET", "/display/{office}", READ, SEE_OTHER, fixed("/display/town"), token_in="query"),
    Row("GET", "/display/{office}/queue", READ, OK, fixed("/display/town/queue"), token_in="cookie"),
    Row("GET", "/manage/{office}", MANAGE, SEE_OTHER, fixed("/manage/town"), token_in="query"),
    # Citizens: booking with no token, then the booking's manage token is the key.
    Row(
        "GET", "/api/offices/{office}/slots", ANYONE, OK, fixed(f"/api/offices/town/slots?service=A&day={BOOKING_DAY}")
    ),
    Row("POST", "/api/offices/{office}/bookings", BOOK, CREATED, _book),
    Row("POST", "/api/offices/{office}/remote-tickets", ANYONE, CREATED, _join),
    Row("GET", "/api/bookings/{token}", ANYONE, OK, with_booking("/api/bookings/{token}")),
    Row("POST", "/api/bookings/{token}/move", ANYONE, OK, with_booking("/api/bookings/{token}/move", move="json")),
    Row("POST", "/api/bookings/{token}/cancel", ANYONE, OK, with_booking("/api/bookings/{token}/cancel")),
    Row("DELETE", "/api/bookings/{token}", ANYONE, OK, with_booking("/api/bookings/{token}")),
    Row(
        "GET",
        "/api/bookings/{token}/appointment.ics",
        ANYONE,
        OK,
        with_booking("/api/bookings/{token}/appointment.ics"),
    ),
    Row("GET", "/booking/{token}/appointment.ics", ANYONE, OK, with_booking("/booking/{token}/appointment.ics")),
    Row("GET", "/join/{office}", ANYONE, OK, fixed("/join/town")),
    Row("POST", "/join/{office}", ANYONE, SEE_OTHER, _join_form),
    Row("GET", "/book/{office}", ANYONE, OK, fixed("/book/town")),
    Row("GET", "/book/{office}/{service}", ANYONE, OK, fixed("/book/town/A")),
    Row("GET", "/book/{office}/{service}/{day}", ANYONE, OK, fixed(f"/book/town/A/{BOOKING_DAY}")),
    Row(
        "GET",
        "/book/{office}/{service}/{day}/details",
        ANYONE,
        OK,
        fixed(f"/book/town/A/{BOOKING_DAY}/details?time=10:00"),
    ),
    Row("POST", "/book/{office}/{service}/{day}/details", ANYONE, SEE_OTHER, _book_form),
    Row("GET", "/booking/{token}", ANYONE, OK, with_booking("/booking/{token}")),
    Row("GET", "/booking/{token}/move", ANYONE, OK, with_booking("/booking/{token}/move")),
    Row("GET", "/booking/{token}/move/{day}", ANYONE, OK, with_booking("/booking/{token}/move/{day}")),
    Row(
        "POST",
        "/booking/{token}/move/{day}",
        ANYONE,
        SEE_OTHER,
        with_booking("/booking/{token}/move/{day}", move="form"),
    ),
    Row("GET", "/booking/{token}/cancel", ANYONE, OK, with_booking("/booking/{token}/cancel")),
    Row("POST", "/booking/{token}/cancel", ANYONE, SEE_OTHER, with_booking("/booking/{token}/cancel")),
    Row("GET", "/booking/{token}/erase", ANYONE, OK, with_booking("/booking/{token}/erase")),
    Row("POST", "/booking/{token}/erase", ANYONE, SEE_OTHER, with_booking("/booking/{token}/erase")),
    # Citizens: the ticket's status token is the key.
    Row("GET", "/api/status/{token}", ANYONE, OK, with_ticket("/api/status/{token}")),
    Row(
        "POST",
        "/api/status/{token}/timed-return",
        ANYONE,
        frozenset({409}),
        with_ticket("/api/status/{token}/timed-return"),
        why="no offer: the test office does not offer timed returns",
    ),
    Row("POST", "/api/status/{token}/leave", ANYONE, OK, with_ticket("/api/status/{token}/leave")),
    Row("POST", "/api/status/{token}/late", ANYONE, OK, with_ticket("/api/status/{token}/late")),
    Row(
        "POST",
        "/api/status/{token}/notify",
        ANYONE,
        frozenset({409}),
        with_ticket("/api/status/{token}/notify", json={"email": "a@example.org"}),
        why="notification_not_offered: no SMTP server in these tests",
    ),
    Row(
        "POST",
        "/api/status/{token}/happiness",
        ANYONE,
        frozenset({409}),
        with_ticket("/api/status/{token}/happiness", json={"score": 9}),
        why="visit_not_finished: the ticket still waits",
    ),
    Row(
        "GET",
        "/api/status/{token}/events",
        ANYONE,
        frozenset({404}),
        fixed("/api/status/no-such-token/events"),
        why="an endless stream otherwise; 404, not 401: no token is asked",
    ),
    Row("GET", "/t/{token}", ANYONE, OK, with_ticket("/t/{token}")),
    Row("GET", "/t/{token}/leave", ANYONE, OK, with_ticket("/t/{token}/leave")),
    Row("POST", "/t/{token}/leave", ANYONE, SEE_OTHER, with_ticket("/t/{token}/leave")),
    Row("POST", "/t/{token}/late", ANYONE, SEE_OTHER, with_ticket("/t/{token}/late")),
    Row("POST", "/t/{token}/timed-return", ANYONE, frozenset({409}), with_ticket("/t/{token}/timed-return")),
    Row(
        "POST",
        "/t/{token}/notify",
        ANYONE,
        frozenset({303, 409}),
        with_ticket("/t/{token}/notify", data={"email": "a@example.org"}),
        why="303 although no SMTP server is set (the JSON API answers 409 notification_not_offered)",
    ),
    Row(
        "POST",
        "/t/{token}/happiness",
        ANYONE,
        frozenset({409}),
        with_ticket("/t/{token}/happiness", data={"score": "9"}),
    ),
    # Citizens' ideas: anyone reads; a visit's token (not the caller's) proves the visitor; managers moderate.
    Row("GET", "/api/offices/{office}/ideas", ANYONE, OK, fixed("/api/offices/town/ideas")),
    Row("GET", "/api/offices/{office}/ideas/hidden", MANAGE, OK, fixed("/api/offices/town/ideas/hidden")),
    Row("POST", "/api/offices/{office}/ideas", ANYONE, CREATED, _propose),
    Row("POST", "/api/ideas/{idea_id}/vote", ANYONE, OK, _vote),
    Row("POST", "/api/ideas/{idea_id}/hide", MANAGE, OK, moderating("hide", {"reason": "insults"})),
    Row("POST", "/api/ideas/{idea_id}/restore", MANAGE, OK, moderating("restore", {"reason": "a mistake"})),
    Row("POST", "/api/ideas/{idea_id}/answer", MANAGE, OK, moderating("answer", {"text": "Yes", "state": "planned"})),
    Row("GET", "/ideas/{office}", ANYONE, OK, fixed("/ideas/town")),
    Row("POST", "/ideas/{office}", ANYONE, SEE_OTHER, _propose_form),
    Row("GET", "/open-data/{office}/ideas.csv", ANYONE, OK, fixed("/open-data/town/ideas.csv")),
    Row("GET", "/open-data/{office}/ideas.json", ANYONE, OK, fixed("/open-data/town/ideas.json")),
    # Measures: the office's managers register them and see them judged.
    Row("POST", "/api/offices/{office}/measures", MANAGE, CREATED, fixed("/api/offices/town/measures", json=MEASURE)),
    Row("GET", "/api/offices/{office}/measures", MANAGE, OK, fixed("/api/offices/town/measures")),
    Row("GET", "/api/offices/{office}/measures/{measure_id}", MANAGE, OK, _measure),
    # Open data: anonymous tallies for anyone.
    Row("GET", "/open-data/{office}", ANYONE, OK, fixed("/open-data/town")),
    Row("GET", "/open-data/{office}/daily.csv", ANYONE, OK, fixed("/open-data/town/daily.csv")),
    Row("GET", "/open-data/{office}/daily.json", ANYONE, OK, fixed("/open-data/town/daily.json")),
    Row("GET", "/open-data/{office}/hourly.csv", ANYONE, OK, fixed("/open-data/town/hourly.csv")),
    Row("GET", "/open-data/{office}/hourly.json", ANYONE, OK, fixed("/open-data/town/hourly.json")),
    Row("GET", "/open-data/{office}/monthly.csv", ANYONE, OK, fixed("/open-data/town/monthly.csv")),
    Row("GET", "/open-data/{office}/monthly.json", ANYONE, OK, fixed("/open-data/town/monthly.json")),
    Row("GET", "/open-data/all/monthly.csv", ANYONE, OK, fixed("/open-data/all/monthly.csv")),
    Row("GET", "/open-data/all/monthly.json", ANYONE, OK, fixed("/open-data/all/monthly.json")),
    # Recommendations to officials: the office's managers and admins.
    Row("GET", "/api/offices/{office}/recommendations", MANAGE, OK, fixed("/api/offices/town/recommendations")),
    *ADMIN_ROWS,
    *STAFF_PAGE_ROWS,
]
#: Websockets are tried against a real server: test_only_the_office_staff_and_its_screens_follow_its_websocket.
#: The board's socket, for its cookie: tests/security/test_exposure.py.
WEBSOCKETS = {("WS", "/ws/offices/{office}"), ("WS", "/display/{office}/ws")}


def endpoints(template_path: str) -> set[tuple[str, str]]:
    """(method, path) of every route the app serves; "MOUNT" and "WS" for mounts and websockets."""
    app = create_app(Settings(database_url=f"sqlite:///{template_path}"))
    app.state.parts.db.engine.dispose()
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.routes):
        route, path = context.route, context.path
        assert path is not None, route  # every route the app serves has a path
        if isinstance(route, APIWebSocketRoute):
            found.add(("WS", path))
        elif isinstance(route, Mount):
            found.add(("MOUNT", path))
        elif isinstance(route, APIRoute | Route):
            found.update((m, path) for m in (context.methods or ()) if m != "HEAD")
    return found


def test_every_endpoint_has_a_row_and_every_row_an_endpoint(template: Any) -> None:
    served = endpoints(str(template.path))
    rows = {(row.method, row.path) for row in ROWS} | WEBSOCKETS
    missing = sorted(served - rows)
    assert not missing, "add a row for " + ", ".join(f"{m} {p}" for m, p in missing) + " to tests/security"
    stale = sorted(rows - served)
    assert not stale, "no such endpoint any more: " + ", ".join(f"{m} {p}" for m, p in stale)
    assert len({(row.method, row.path) for row in ROWS}) == len(ROWS), "one row per endpoint"


async def _try(world: World, row: Row, who: str) -> int:
    request = await row.make(world, who)
    url, headers, extra_headers = request.pop("url"), {}, request.pop("headers", {})
    if row.token_in == "query":
        if who != "none":
            url += ("&" if "?" in url else "?") + f"token={world.tokens[who]}"
    elif row.token_in == "cookie":
        headers = {"Cookie": f"loket_display={world.tokens[who]}"} if who != "none" else {}
    else:
        headers = world.auth(who)
    method = "GET" if row.method == "MOUNT" else row.method
    response = await world.http.request(method, url, headers={**headers, **extra_headers}, **request)
    return int(response.status_code)


@pytest.mark.parametrize("row", ROWS, ids=[f"{row.method} {row.path}" for row in ROWS])
async def test_only_the_right_callers_get_through(world: World, row: Row) -> None:
    answers = {who: await _try(world, row, who) for who in WHO}
    expected = {
        who: ("one of " + "/".join(map(str, sorted(row.ok)))) if who in row.who else (401 if who == "none" else 403)
        for who in WHO
    }
    wrong = {
        who: f"got {status}, wanted {expected[who]}"
        for who, status in answers.items()
        if (status not in row.ok if who in row.who else status != expected[who])
    }
    assert not wrong, f"{row.method} {row.path}: {wrong}"


async def test_a_revoked_token_stops_working_within_the_token_cache_time(template: Any, tmp_path: Path) -> None:
    url = copy_of(template, tmp_path)
    db = Database(make_engine(url, pool_size=5))
    token = template.tokens["display"]
    try:
        async with serving(url, Seeded(db, {}, template.counters), token_cache_s=CACHE_S) as api:
            assert api.parts.tokens.ttl_s == CACHE_S  # LOKET_TOKEN_CACHE_S reaches the cache
            now = [1000.0]  # the cache's monotonic seconds, moved by hand: no wall-clock race
            api.parts.tokens.clock = lambda: now[0]
            queue = "/api/offices/town/queue"
            assert (await api.http.get(queue, headers={"Authorization": f"Bearer {token}"})).status_code == 200
            assert admin.revoke_token(db, token, datetime.now(UTC))
            now[0] += CACHE_S / 2
            remembered = await api.http.get(queue, headers={"Authorization": f"Bearer {token}"})
            assert remembered.status_code == 200, "the lookup was not remembered: this test would prove nothing"
            now[0] += CACHE_S / 2 + 0.001
            refused = await api.http.get(queue, headers={"Authorization": f"Bearer {token}"})
            assert (refused.status_code, refused.json()["error"]) == (401, "invalid_token")
    finally:
        db.engine.dispose()


def _loket(*args: str, url: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loket", *args, "--database-url", url],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_loket_token_revoke_takes_the_token_on_stdin_an_id_or_a_label(template: Any, tmp_path: Path) -> None:
    url = copy_of(template, tmp_path)
    tokens = template.tokens
    listed = _loket("token", "list", url=url)
    assert listed.returncode == 0, listed.stderr
    assert not [name for name, token in tokens.items() if token in listed.stdout], "token list shows a secret"
    display_id = next(line.split("\t")[0] for line in listed.stdout.splitlines() if "\tdisplay\ttown\t" in line)

    by_stdin = _loket("token", "revoke", "--stdin", url=url, stdin=tokens["kiosk"] + "\n")
    by_id = _loket("token", "revoke", "--id", display_id, url=url)
    by_label = _loket("token", "revoke", "--label", "annex clerk", url=url)
    again = _loket("token", "revoke", "--stdin", url=url, stdin=tokens["kiosk"] + "\n")
    assert [r.returncode for r in (by_stdin, by_id, by_label, again)] == [0, 0, 0, 2], again.stderr
    assert "no such live token" in again.stderr

    db = Database(make_engine(url))
    try:
        now = datetime.now(UTC)
        alive = {name for name, token in tokens.items() if admin.principal_for(db, token, now) is not None}
    finally:
        db.engine.dispose()
    assert alive == {"clerk", "manager", "admin", "other-display"}


#: Seconds between the server's pings in the websocket test: a followed socket hears one soon after its snapshot.
PING_S = "0.3"


async def _first_answer(server: Server, office: str, token: str | None, *, in_query: bool) -> tuple[str, int | None]:
    """The type of the websocket's first message, and its close code if the server then closed it.

    A socket the server keeps is proven kept by the server's own next word, its ping, not by a quiet spell."""
    url, headers = f"{server.ws}/ws/offices/{office}", {}
    if token is not None and in_query:
        url += f"?token={token}"
    elif token is not None:
        headers = {"Authorization": f"Bearer {token}"}
    async with connect(url, additional_headers=headers, open_timeout=15) as ws:
        first = json.loads(await asyncio.wait_for(ws.recv(), 15))
        try:
            then = json.loads(await asyncio.wait_for(ws.recv(), 15))
        except ConnectionClosed as closed:
            return first["type"], closed.rcvd.code if closed.rcvd else None
        assert then["type"] == "ping", f"{office}: after {first['type']!r} came {then!r}, not the server's ping"
        return first["type"], None


@pytest.mark.e2e
async def test_only_the_office_staff_and_its_screens_follow_its_websocket(template: Any, tmp_path: Path) -> None:
    tokens = template.tokens
    cases = [
        ("display", "town", tokens["display"], True, ("snapshot", None)),
        ("kiosk", "town", tokens["kiosk"], False, ("snapshot", None)),
        ("clerk", "town", tokens["clerk"], True, ("snapshot", None)),
        ("manager", "town", tokens["manager"], False, ("snapshot", None)),
        ("admin", "annex", tokens["admin"], True, ("snapshot", None)),
        ("annex display", "annex", tokens["other-display"], True, ("snapshot", None)),
        ("annex clerk at town", "town", tokens["other-clerk"], False, ("error", 4403)),
        ("annex display at town", "town", tokens["other-display"], True, ("error", 4403)),
        ("no token", "town", None, True, ("error", 4401)),
        ("unknown token", "town", "not-a-token", True, ("error", 4401)),
        ("unknown office", "nowhere", tokens["admin"], False, ("error", 4404)),
    ]
    url, env = copy_of(template, tmp_path), {"LOKET_WS_PING_INTERVAL_S": PING_S}
    with running_server(url, log=tmp_path / "server.log", env=env) as server:
        answers = {name: await _first_answer(server, office, token, in_query=q) for name, office, token, q, _ in cases}
    assert answers == {name: expected for name, *_, expected in cases}


async def test_metrics_with_a_metrics_token_take_it_or_an_admin_token(template: Any, tmp_path: Path) -> None:
    url = copy_of(template, tmp_path)
    db = Database(make_engine(url, pool_size=5))
    secret = "scrape-secret-for-the-test"
    callers = {"none": None, "display": template.tokens["display"], "manager": template.tokens["manager"]}
    callers |= {"admin": template.tokens["admin"], "metrics token": secret, "wrong": "not-it"}
    try:
        async with serving(url, Seeded(db, {}, template.counters), metrics_token=secret) as api:
            answers = {
                who: (await api.http.get("/metrics", headers={"Authorization": f"Bearer {t}"} if t else {})).status_code
                for who, t in callers.items()
            }
    finally:
        db.engine.dispose()
    assert answers == {"none": 401, "display": 403, "manager": 403, "admin": 200, "metrics token": 200, "wrong": 401}
