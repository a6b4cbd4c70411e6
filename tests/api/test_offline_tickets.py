"""A kiosk syncs the tickets it issued while the server was unreachable: each keeps its number and its place, once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from scheduler.model import Booking, BookingState, Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario, create_token
from store.tables import EventRow, TicketRow
from tests.api.conftest import Api
from tests.support import OFFICE

SYNC = "/api/offices/town/tickets/offline"
TOKEN = "a-status-token-of-22-chars"


def refusal(r: httpx.Response) -> tuple[int, str, object]:
    body = r.json()
    return r.status_code, str(body["error"]), body.get("field")


async def reserve(api: Api, kiosk: str = "hall-1", service: str = "A") -> dict[str, Any]:
    r = await api.http.post(
        "/api/offices/town/number-blocks", json={"kiosk": kiosk, "service": service}, headers=api.auth(Role.KIOSK)
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


def walk_in(number: object = "A500", at: datetime | None = None, **fields: Any) -> dict[str, Any]:
    when = at or datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
    body = {"kiosk": "hall-1", "service": "A", "number": number, "language": "nl", "token": TOKEN}
    return {**body, "checked_in_at": when.isoformat(), **fields}


async def sync(api: Api, body: dict[str, Any], key: str | None = "key-1", role: Role = Role.KIOSK) -> httpx.Response:
    headers = {**api.auth(role), **({"Idempotency-Key": key} if key is not None else {})}
    return await api.http.post(SYNC, json=body, headers=headers)


def tickets(api: Api) -> list[TicketRow]:
    with Session(api.seeded.db.reader) as session:
        return list(session.exec(select(TicketRow).order_by(col(TicketRow.id))))


def events(api: Api) -> list[tuple[str, dict[str, Any]]]:
    with Session(api.seeded.db.reader) as session:
        rows = session.exec(select(EventRow).where(EventRow.office == "town").order_by(col(EventRow.seq)))
        return [(r.type, dict(r.data)) for r in rows]


async def queue(api: Api) -> dict[str, Any]:
    r = await api.http.get("/api/offices/town/queue", headers=api.auth(Role.CLERK))
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_a_ticket_issued_offline_keeps_its_number_and_its_place(api: Api) -> None:
    await reserve(api)
    api.clock.advance(minutes=10)  # 08:40: the kiosk was offline from 08:31 to 08:39
    online = await api.issue("A")
    r = await sync(api, walk_in("A500", datetime(2026, 3, 2, 8, 35, tzinfo=UTC)))
    assert r.status_code == 201, r.text
    assert r.json() == {
        "id": r.json()["id"],
        "number": "A500",
        "service": "A",
        "kind": "walkin",
        "state": "waiting",
        "language": "nl",
        "checked_in_at": "2026-03-02T08:35:00+00:00",
        "status_url": f"https://loket.example/t/{TOKEN}",
        "offline": True,
        "note": None,
    }
    waiting = (await queue(api))["waiting"]
    assert [(t["number"], t["offline"]) for t in waiting] == [("A500", True), (online["number"], False)]
    issued = [data["ticket"] for type_, data in events(api) if type_ == "ticket.issued"]
    assert [(t["number"], t["offline"]) for t in issued] == [(online["number"], False), ("A500", True)]
    status = await api.http.get(f"/api/status/{TOKEN}")
    assert (status.json()["number"], status.json()["people_ahead"]) == ("A500", 0)


async def test_the_same_key_again_answers_200_with_the_same_ticket_and_never_a_second(api: Api) -> None:
    await reserve(api)
    first = await sync(api, walk_in())
    again = await sync(api, walk_in())
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json() == first.json()
    assert len(tickets(api)) == 1


async def test_retries_racing_with_one_key_make_one_ticket(api: Api) -> None:
    await reserve(api)
    answers = await asyncio.gather(*(sync(api, walk_in()) for _ in range(6)))
    assert sorted(r.status_code for r in answers) == [200] * 5 + [201]
    assert len({r.json()["id"] for r in answers}) == 1
    assert len(tickets(api)) == 1


async def test_the_same_number_under_another_key_is_refused(api: Api) -> None:
    await reserve(api)
    assert (await sync(api, walk_in())).status_code == 201
    again = await sync(api, walk_in(token="another-token-of-22-chars"), key="key-2")
    assert refusal(again) == (409, "number_taken", "number")
    reused = await sync(api, walk_in("A501"), key="key-1")
    assert refusal(reused) == (409, "idempotency_key_reused", "Idempotency-Key")
    assert [t.number for t in tickets(api)] == ["A500"]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (walk_in("A550"), (409, "number_not_reserved", "number")),  # hall-2's block
        (walk_in("A499"), (409, "number_not_reserved", "number")),
        (walk_in("A500", kiosk="hall-3"), (409, "number_not_reserved", "number")),
        (walk_in("A500", datetime(2026, 3, 2, 8, 33, tzinfo=UTC)), (422, "invalid_checked_in_at", "checked_in_at")),
        (walk_in("A500", datetime(2026, 3, 1, 12, tzinfo=UTC)), (422, "invalid_checked_in_at", "checked_in_at")),
        # A number for a time is seconds since 1970: long before the block's day.
        (walk_in("A500", checked_in_at=12), (422, "invalid_checked_in_at", "checked_in_at")),
        (walk_in("A500", language="de"), (422, "invalid_language", "language")),
        (walk_in("A500", token="too-short"), (422, "invalid_ticket_token", "token")),
        (walk_in("A500", token="with spaces in it, 22 chars"), (422, "invalid_ticket_token", "token")),
        (walk_in("A500", kiosk="hall 1"), (422, "invalid_kiosk", "kiosk")),
        (walk_in("A500", service="Z"), (404, "service_not_found", "service")),
        (walk_in("A0500"), (422, "invalid_number", "number")),
        (walk_in("500"), (422, "invalid_number", "number")),
        (walk_in("A500", service=None), (422, "service_required", "service")),
        (walk_in(None), (422, "number_required", "number")),
        (walk_in("A500", service=None, appointment="NOPE-NOPE"), (422, "unknown_appointment", "appointment")),
    ],
)
async def test_a_bad_ticket_is_refused_naming_its_field(
    api: Api, body: dict[str, Any], expected: tuple[int, str, str]
) -> None:
    await reserve(api, "hall-1")
    await reserve(api, "hall-2")
    api.clock.advance(seconds=30)  # 08:30:30; "2 minutes ahead" is until 08:32:30
    assert refusal(await sync(api, body)) == expected
    assert tickets(api) == []


@pytest.mark.parametrize(
    ("key", "expected"),
    [(None, (422, "idempotency_key_required", "Idempotency-Key")), ("", (422, "idempotency_key_required", None))],
)
async def test_the_idempotency_key_is_required(api: Api, key: str | None, expected: tuple[int, str, object]) -> None:
    await reserve(api)
    r = await sync(api, walk_in(), key=key)
    assert refusal(r)[:2] == expected[:2]
    assert tickets(api) == []


async def test_an_overlong_idempotency_key_is_a_422(api: Api) -> None:
    await reserve(api)
    r = await sync(api, walk_in(), key="k" * 201)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request")


@pytest.mark.parametrize(
    "body",
    [
        walk_in(checked_in_at="2026-03-02T08:35:00"),  # no zone
        walk_in(checked_in_at="yesterday"),
        walk_in(number=500),
        walk_in(token=["x"] * 22),
        walk_in(token="t" * 65),
        walk_in(number="A" * 17),
        walk_in(appointment="K" * 65),
        walk_in(kiosk="k" * 41),
        walk_in(extra="field"),
        {"kiosk": "hall-1"},
    ],
)
async def test_junk_is_a_422_never_a_500(api: Api, body: dict[str, Any]) -> None:
    await reserve(api)
    r = await sync(api, body)
    assert (r.status_code, r.json()["error"]) == (422, "invalid_request"), r.text
    assert r.json()["problems"][0]["where"]


async def test_a_kiosk_cannot_take_over_a_citizens_status_page(api: Api) -> None:
    await reserve(api)
    online = await api.issue("A")
    stolen = online["status_url"].rsplit("/", 1)[1]
    r = await sync(api, walk_in(token=stolen))
    assert refusal(r) == (409, "token_taken", "token")
    assert (await api.http.get(f"/api/status/{stolen}")).json()["number"] == online["number"]


async def test_a_ticket_synced_after_its_day_ended_is_kept_and_cancelled(api: Api) -> None:
    await reserve(api)
    api.clock.advance(days=1)
    r = await sync(api, walk_in())
    assert (r.status_code, r.json()["state"], r.json()["number"]) == (201, "cancelled", "A500")
    assert [(t.number, t.state, str(t.day)) for t in tickets(api)] == [("A500", "cancelled", "2026-03-02")]
    assert [(type_, data.get("reason")) for type_, data in events(api)] == [
        ("ticket.issued", None),
        ("ticket.cancelled", "day_ended"),
    ]
    assert (await queue(api))["waiting"] == []
    assert (await sync(api, walk_in())).status_code == 200


def _book(api: Api, slot_at: datetime, state: BookingState = BookingState.BOOKED) -> None:
    booking = Booking("town", "B", "K7QX-M4TP", slot_at, "fr", state=state, created_at=api.clock.now)
    api.seeded.db.write("town", api.clock.now, lambda repo: repo.add_booking(booking))


@pytest.mark.parametrize(
    ("checked_in_at", "note"),
    [
        (datetime(2026, 3, 2, 7, 50, tzinfo=UTC), "early"),  # check-in opens at 07:55
        (datetime(2026, 3, 2, 8, 20, tzinfo=UTC), None),  # and closes at 08:20
        (datetime(2026, 3, 2, 8, 25, tzinfo=UTC), "late"),
    ],
)
async def test_an_appointment_typed_offline_is_checked_in_and_the_clerk_told_early_or_late(
    api: Api, checked_in_at: datetime, note: str | None
) -> None:
    _book(api, datetime(2026, 3, 2, 8, 10, tzinfo=UTC))
    body = {
        "kiosk": "hall-1",
        "appointment": "k7qx m4tp",
        "language": "fr",
        "checked_in_at": checked_in_at.isoformat(),
        "token": TOKEN,
    }
    r = await sync(api, body)
    assert r.status_code == 201, r.text
    assert (r.json()["number"], r.json()["service"], r.json()["kind"], r.json()["note"]) == (
        "K7QX-M4TP",
        "B",
        "appointment",
        note,
    )
    assert [(t["number"], t["offline_note"]) for t in (await queue(api))["waiting"]] == [("K7QX-M4TP", note)]
    await api.open("1")
    called = await api.http.post(f"/api/counters/{api.seeded.counters['1']}/call-next", headers=api.auth(Role.CLERK))
    assert (called.json()["number"], called.json()["offline_note"]) == ("K7QX-M4TP", note)
    assert (await api.http.get(f"/api/status/{TOKEN}")).json()["state"] == "called"
    again = await sync(api, {**body, "token": "another-token-of-22-chars"}, key="key-2")
    assert refusal(again) == (409, "appointment_already_checked_in", "appointment")


async def test_a_cancelled_appointment_is_refused_as_unknown(api: Api) -> None:
    _book(api, datetime(2026, 3, 2, 8, 10, tzinfo=UTC), state=BookingState.CANCELLED)
    body = {"kiosk": "hall-1", "appointment": "K7QX-M4TP", "language": "fr", "checked_in_at": "2026-03-02T08:05:00Z"}
    r = await sync(api, {**body, "token": TOKEN})
    assert refusal(r) == (422, "unknown_appointment", "appointment")
    assert tickets(api) == []


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
async def test_the_office_manager_and_admins_may_sync(api: Api, role: Role) -> None:
    await reserve(api)
    assert (await sync(api, walk_in(), role=role)).status_code == 201


@pytest.mark.parametrize("role", [Role.CLERK, Role.DISPLAY])
async def test_clerks_and_displays_may_not(api: Api, role: Role) -> None:
    await reserve(api)
    assert refusal(await sync(api, walk_in(), role=role)) == (403, "forbidden", None)
    assert tickets(api) == []


async def test_a_kiosk_of_another_office_may_not_sync_into_this_one(api: Api) -> None:
    db = api.seeded.db
    apply_scenario(db, parse_scenario({**OFFICE, "name": "annex", "title": "Annex"}))
    annex = {"Authorization": f"Bearer {create_token(db, Role.KIOSK, 'annex', datetime.now(UTC))}"}
    await reserve(api)
    r = await api.http.post(SYNC, json=walk_in(), headers={**annex, "Idempotency-Key": "k"})
    assert r.status_code == 403
    assert (await api.http.post(SYNC, json=walk_in(), headers={"Idempotency-Key": "k"})).status_code == 401
    assert tickets(api) == []


async def test_a_slow_kiosk_clock_does_not_put_a_ticket_before_its_block(api: Api) -> None:
    api.clock.advance(minutes=30)  # 09:00: the block is reserved
    await reserve(api)
    api.clock.advance(minutes=10)
    r = await sync(api, walk_in(at=datetime(2026, 3, 2, 8, 0, tzinfo=UTC)))
    assert (r.status_code, r.json()["checked_in_at"]) == (201, "2026-03-02T09:00:00+00:00")
