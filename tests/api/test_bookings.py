"""Citizens book over HTTP without a token and keep the booking with its manage token: see, move, cancel,
erase, the .ics file; phone numbers, caps per contact and the hourly budget per client refuse clearly."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import icalendar
import pytest

from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.support import Seeded

# The clock stands at Monday 2026-03-02 09:30 in Brussels; passports (B) have one seat per 15-minute slot.
SLOT = "2026-03-02T11:00:00+01:00"
LATER = "2026-03-02T11:15:00+01:00"
CITIZEN = {"name": "Zoë Peeters", "email": "zoe@example.org", "phone": "0470 12 34 56", "remind_via": "email"}


async def book(api: Api, slot_at: str = SLOT, service: str = "B", **fields: Any) -> httpx.Response:
    body = {"service": service, "slot_at": slot_at, "language": "fr", **CITIZEN, **fields}
    return await api.http.post("/api/offices/town/bookings", json=body)


def token_of(booking: dict[str, Any]) -> str:
    return str(booking["manage_url"]).rsplit("/", 1)[1]


async def free(api: Api, at: str, service: str = "B") -> int:
    r = await api.http.get("/api/offices/town/slots", params={"service": service, "day": at[:10]})
    return int({s["at"]: s["free"] for s in r.json()}[at])


async def test_a_citizen_books_without_a_token_and_the_link_shows_the_booking(api: Api) -> None:
    r = await book(api)
    assert r.status_code == 201, r.text
    booked = r.json()
    token = token_of(booked)
    assert len(token) >= 32  # 192 random bits
    seen = (await api.http.get(f"/api/bookings/{token}")).json()
    assert seen == booked
    assert (seen["slot_at"], seen["state"], seen["phone"], seen["service_name"]) == (
        SLOT,
        "booked",
        "+32470123456",
        "Passport",
    )
    api.clock.advance(minutes=80)  # 10:50, inside the check-in window
    check_in = await api.http.post(
        "/api/offices/town/tickets",
        json={"appointment": seen["code"], "language": "fr"},
        headers=api.auth(Role.KIOSK),
    )
    assert check_in.status_code == 201, check_in.text


async def test_a_wrong_link_finds_nothing(api: Api) -> None:
    r = await api.http.get("/api/bookings/not-a-real-token-at-all")
    assert (r.status_code, r.json()["error"]) == (404, "booking_not_found")


async def test_moving_frees_the_old_slot_and_takes_the_new(api: Api) -> None:
    token = token_of((await book(api)).json())
    r = await api.http.post(f"/api/bookings/{token}/move", json={"slot_at": LATER})
    assert r.status_code == 200, r.text
    assert r.json()["slot_at"] == LATER
    assert (await free(api, SLOT), await free(api, LATER)) == (1, 0)


async def test_moving_to_a_full_slot_keeps_the_booking_where_it_was(api: Api) -> None:
    token = token_of((await book(api)).json())
    assert (await book(api, LATER, email="other@example.org", phone=None)).status_code == 201
    r = await api.http.post(f"/api/bookings/{token}/move", json={"slot_at": LATER})
    assert (r.status_code, r.json()["error"]) == (409, "slot_full")
    assert (await api.http.get(f"/api/bookings/{token}")).json()["slot_at"] == SLOT


async def test_cancelling_frees_the_slot_at_once_and_only_once(api: Api) -> None:
    token = token_of((await book(api)).json())
    assert await free(api, SLOT) == 0
    r = await api.http.post(f"/api/bookings/{token}/cancel")
    assert (r.status_code, r.json()["state"]) == (200, "cancelled")
    assert await free(api, SLOT) == 1
    again = await api.http.post(f"/api/bookings/{token}/cancel")
    assert (again.status_code, again.json()["error"]) == (409, "booking_cancelled")
    assert (await book(api, email="next@example.org", phone=None)).status_code == 201


async def test_erasing_leaves_no_personal_data_and_frees_the_slot(api: Api) -> None:
    token = token_of((await book(api)).json())
    r = await api.http.delete(f"/api/bookings/{token}")
    assert r.status_code == 200, r.text
    erased = r.json()
    assert (erased["name"], erased["email"], erased["phone"], erased["erased"]) == (None, None, None, True)
    assert erased["state"] == "cancelled"
    assert await free(api, SLOT) == 1


async def test_the_calendar_file_holds_the_local_time_in_the_office_zone(api: Api) -> None:
    booked = (await book(api)).json()
    r = await api.http.get(f"/api/bookings/{token_of(booked)}/appointment.ics")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/calendar")
    cal = icalendar.Calendar.from_ical(r.content)
    event = next(iter(cal.walk("VEVENT")))
    start = event.decoded("dtstart")
    assert start.tzinfo is not None
    assert str(start.tzinfo) == "Europe/Brussels"
    assert start.isoformat() == SLOT
    assert (event.decoded("dtend") - start).total_seconds() == 15 * 60
    assert booked["code"] in str(event.get("description"))
    assert [tz["tzid"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Brussels"]
    assert start.astimezone(ZoneInfo("UTC")).hour == 10


@pytest.mark.parametrize(
    ("fields", "status", "error"),
    [
        ({"phone": "12345"}, 422, "invalid_phone"),
        ({"phone": "+32 470 12 34 5"}, 422, "invalid_phone"),
        ({"email": "not-an-address"}, 422, "invalid_email"),
        ({"email": None, "remind_via": "email"}, 422, "email_required"),
        ({"phone": None, "remind_via": "sms"}, 422, "phone_required"),
        ({"remind_via": "pigeon"}, 422, "invalid_request"),
        ({"slot_at": "2026-04-06T10:00:00+02:00"}, 422, "no_such_slot"),  # Easter Monday
        ({"slot_at": "2026-03-02T11:05:00+01:00"}, 422, "no_such_slot"),  # not the start of a slot
    ],
    ids=[
        "short phone",
        "phone a digit short",
        "email",
        "email to remind",
        "phone to remind",
        "medium",
        "holiday",
        "off",
    ],
)
async def test_bad_contacts_and_slots_are_refused_naming_the_problem(
    api: Api, fields: dict[str, Any], status: int, error: str
) -> None:
    r = await book(api, **fields)
    assert (r.status_code, r.json()["error"]) == (status, error), r.text
    assert r.json()["detail"]


async def test_a_contact_has_at_most_the_cap_of_appointments_to_come(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    async with serving(sqlite_url, seeder(sqlite_url), booking_cap=2) as api:
        assert (await book(api, SLOT)).status_code == 201
        assert (await book(api, LATER)).status_code == 201
        r = await book(api, "2026-03-02T11:30:00+01:00", email=None, remind_via="none")  # the same phone
        assert (r.status_code, r.json()["error"], r.json()["cap"]) == (409, "too_many_bookings", 2)


@pytest.fixture
async def thrifty(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url), booking_rate_per_hour=3) as api:
        yield api


async def test_one_client_gets_a_budget_per_hour_with_retry_after(thrifty: Api) -> None:
    api = thrifty
    token = token_of((await book(api, email="a@example.org", phone=None)).json())
    assert (await book(api, LATER, email="b@example.org", phone=None)).status_code == 201
    assert (await api.http.post(f"/api/bookings/{token}/cancel")).status_code == 200
    r = await book(api, "2026-03-02T11:30:00+01:00", email="c@example.org", phone=None)
    assert (r.status_code, r.json()["error"]) == (429, "too_many_requests")
    assert 0 < int(r.headers["retry-after"]) <= 3600
    staff = await api.http.post(
        "/api/offices/town/bookings",
        json={"service": "B", "slot_at": "2026-03-02T11:30:00+01:00", "language": "nl", "phone": "0470123456"},
        headers=api.auth(Role.MANAGER),
    )
    assert staff.status_code == 201  # a desk booking for someone on the phone spends no budget


async def test_a_bad_staff_token_is_refused_rather_than_ignored(api: Api) -> None:
    r = await api.http.post(
        "/api/offices/town/bookings",
        json={"service": "B", "slot_at": SLOT, "language": "nl"},
        headers={"Authorization": "Bearer nonsense"},
    )
    assert (r.status_code, r.json()["error"]) == (401, "invalid_token")
