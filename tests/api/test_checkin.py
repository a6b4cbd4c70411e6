"""Appointment check-in over HTTP, as the kiosk does it: book (as staff), then check in with the code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario
from tests.api.conftest import Api
from tests.support import OFFICE

ANNEX = {**OFFICE, "name": "annex", "title": "Annex"}


async def book(api: Api, minutes_ahead: float, service: str = "A", office: str = "town") -> dict[str, Any]:
    slot = api.clock.now + timedelta(minutes=minutes_ahead)
    r = await api.http.post(
        f"/api/offices/{office}/bookings",
        json={"service": service, "slot_at": slot.isoformat(), "language": "fr"},
        headers=api.auth(Role.MANAGER),
    )
    assert r.status_code == 201, r.text
    return dict(r.json())


async def check_in(api: Api, code: str, key: str | None = None, **body: str) -> httpx.Response:
    headers = {**api.auth(Role.KIOSK), **({"Idempotency-Key": key} if key else {})}
    return await api.http.post(
        "/api/offices/town/tickets", json={"appointment": code, "language": "nl", **body}, headers=headers
    )


async def test_on_time_check_in_gives_an_appointment_ticket_on_both_databases(both_api: Api) -> None:
    api = both_api
    booking = await book(api, 60, service="B")
    assert booking["state"] == "booked"
    api.clock.advance(minutes=50)  # 10 minutes early
    r = await check_in(api, booking["code"].lower().replace("-", ""), key="kiosk-1-1")
    assert r.status_code == 201, r.text
    ticket = r.json()
    assert (ticket["kind"], ticket["service"], ticket["number"], ticket["state"]) == (
        "appointment",
        "B",
        "B001",
        "waiting",
    )
    assert ticket["status_url"].startswith("https://loket.example/t/")
    queue = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.MANAGER))).json()
    assert [(t["id"], t["kind"]) for t in queue["waiting"]] == [(ticket["id"], "appointment")]
    again = await check_in(api, booking["code"], key="kiosk-1-1")
    assert again.status_code == 200, again.text
    assert again.json()["id"] == ticket["id"]
    twice = await check_in(api, booking["code"], key="kiosk-1-2")
    assert twice.status_code == 409
    assert twice.json() == {
        "error": "appointment_already_checked_in",
        "detail": f"the appointment {booking['code']} is already checked in (ticket B001)",
    }


async def test_too_early_says_from_when_check_in_opens(api: Api) -> None:
    booking = await book(api, 60)  # 10:30 in Brussels
    r = await check_in(api, booking["code"])
    assert r.status_code == 409
    assert r.json() == {
        "error": "appointment_too_early",
        "detail": "the appointment is at 10:30: check-in opens at 10:15",
        "check_in_from": "2026-03-02T10:15:00+01:00",
    }
    api.clock.advance(minutes=45)
    assert (await check_in(api, booking["code"])).status_code == 201


async def test_too_late_names_the_service_for_a_walk_in_ticket(api: Api) -> None:
    booking = await book(api, 30, service="C")
    api.clock.advance(minutes=41)
    r = await check_in(api, booking["code"])
    assert r.status_code == 409
    body = r.json()
    assert (body["error"], body["service"]) == ("appointment_too_late", "C")
    assert "walk-in ticket" in body["detail"]
    walk_in = await api.issue(body["service"])
    assert walk_in["kind"] == "walkin"


@pytest.mark.parametrize("code", ["ZZZZ-ZZZZ", "hello"])
async def test_an_unknown_code_is_404(api: Api, code: str) -> None:
    r = await check_in(api, code)
    assert r.status_code == 404
    assert r.json() == {
        "error": "appointment_not_found",
        "detail": f"office town has no booking with the code {code!r}",
    }


async def test_another_offices_code_is_404(api: Api) -> None:
    apply_scenario(api.seeded.db, parse_scenario(ANNEX))
    r = await api.http.post(
        "/api/offices/annex/bookings",
        json={"service": "A", "slot_at": (api.clock.now + timedelta(minutes=10)).isoformat(), "language": "nl"},
        headers=api.auth(Role.ADMIN),
    )
    assert r.status_code == 201, r.text
    refused = await check_in(api, r.json()["code"])
    assert (refused.status_code, refused.json()["error"]) == (404, "appointment_not_found")
    at_annex = await api.http.post(
        "/api/offices/annex/tickets",
        json={"appointment": r.json()["code"], "language": "nl"},
        headers=api.auth(Role.ADMIN),
    )
    assert (at_annex.status_code, at_annex.json()["kind"]) == (201, "appointment")


async def test_a_service_that_is_not_the_booked_one_is_refused(api: Api) -> None:
    booking = await book(api, 15, service="B")
    r = await check_in(api, booking["code"], service="A")
    assert (r.status_code, r.json()["error"]) == (422, "appointment_service_mismatch")
    assert (await check_in(api, booking["code"], service="B")).status_code == 201


async def test_a_ticket_request_needs_a_service_or_an_appointment(api: Api) -> None:
    r = await api.http.post("/api/offices/town/tickets", json={"language": "nl"}, headers=api.auth(Role.KIOSK))
    assert r.status_code == 422
    assert r.json()["error"] == "invalid_request"
    assert "give a service (walk-in) or an appointment" in r.json()["detail"]


async def test_booking_answers_the_booking_in_the_office_time_zone_with_its_private_links(api: Api) -> None:
    r = await api.http.post(
        "/api/offices/town/bookings",
        json={"service": "A", "slot_at": "2026-03-02T14:00:00+01:00", "language": "en"},
        headers=api.auth(Role.MANAGER),
    )
    assert r.status_code == 201, r.text
    body = r.json()
    assert {"code", "service", "slot_at", "state", "language", "manage_url", "cancel_url", "ics_url"} <= set(body)
    assert body["manage_url"].startswith("https://loket.example/booking/")
    assert (body["service"], body["slot_at"], body["state"], body["language"]) == (
        "A",
        "2026-03-02T14:00:00+01:00",
        "booked",
        "en",
    )
    assert len(body["code"]) == 9
    assert body["code"][4] == "-"


@pytest.mark.parametrize(
    ("role", "body", "status", "error"),
    [
        # The kiosk books ("take an appointment instead"): let through to the rules, which refuse a past slot.
        (Role.KIOSK, {"service": "A", "slot_at": "2026-03-02T09:00:00+01:00", "language": "nl"}, 422, "slot_in_past"),
        (Role.CLERK, {"service": "A", "slot_at": "2026-03-02T14:00:00+01:00", "language": "nl"}, 403, "forbidden"),
        (Role.MANAGER, {"service": "A", "slot_at": "2026-03-02T14:00:00", "language": "nl"}, 422, "invalid_request"),
        (Role.MANAGER, {"service": "A", "slot_at": "2026-03-02T09:00:00+01:00", "language": "nl"}, 422, "slot_in_past"),
        (
            Role.MANAGER,
            {"service": "Q", "slot_at": "2026-03-02T14:00:00+01:00", "language": "nl"},
            404,
            "service_not_found",
        ),
    ],
    ids=["kiosk: past slot", "clerk", "no time zone", "past slot", "unknown service"],
)
async def test_booking_with_a_staff_token_needs_a_manager_or_kiosk_and_a_future_slot_with_a_time_zone(
    api: Api, role: Role, body: dict[str, str], status: int, error: str
) -> None:
    r = await api.http.post("/api/offices/town/bookings", json=body, headers=api.auth(role))
    assert (r.status_code, r.json()["error"]) == (status, error), r.text


async def test_the_wait_told_at_check_in_is_kept_on_the_appointment_ticket(api: Api) -> None:
    booking = await book(api, 60)
    api.clock.advance(minutes=55)
    r = await check_in(api, booking["code"])
    assert r.status_code == 201, r.text
    told = r.json()
    stored = api.seeded.db.read(lambda repo: repo.ticket(int(told["id"])))
    assert (stored.announced_wait_s, [stored.announced_low_s, stored.announced_high_s]) == (
        told["estimated_wait_s"],
        told["estimated_wait_range_s"],
    )
