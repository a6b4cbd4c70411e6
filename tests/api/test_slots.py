"""The office calendar over HTTP: free slots, and a slot never booked over its capacity, also under concurrency."""

from __future__ import annotations

import asyncio
from collections import Counter

import httpx
import pytest

from scheduler.model import Role
from tests.api.conftest import Api

# The test office is bookable Monday to Friday 08:00-18:00 with no walk-in share; service A (10-minute
# slots) has counters 1 and 2: two seats per slot. The clock stands at Monday 2026-03-02 09:30 in Brussels.
SLOT = "2026-03-02T11:00:00+01:00"


async def book(api: Api, slot_at: str = SLOT, service: str = "A") -> httpx.Response:
    return await api.http.post(
        "/api/offices/town/bookings",
        json={"service": service, "slot_at": slot_at, "language": "nl"},
        headers=api.auth(Role.MANAGER),
    )


async def free(api: Api, day: str = "2026-03-02", service: str = "A") -> dict[str, int]:
    r = await api.http.get("/api/offices/town/slots", params={"service": service, "day": day})
    assert r.status_code == 200, r.text
    return {s["at"]: s["free"] for s in r.json()}


async def test_twenty_requests_for_the_last_seat_make_exactly_one_booking(both_api: Api) -> None:
    api = both_api
    assert (await book(api)).status_code == 201  # one of the two seats
    assert (await free(api))[SLOT] == 1
    answers = await asyncio.gather(*(book(api) for _ in range(20)))
    assert Counter(r.status_code for r in answers) == {201: 1, 409: 19}
    refusals = [r.json() for r in answers if r.status_code == 409]
    assert {r["error"] for r in refusals} == {"slot_full"}
    assert refusals[0]["detail"] == f"the slot {SLOT} of service A is fully booked"
    slots = await free(api)
    assert slots[SLOT] == 0
    assert slots["2026-03-02T11:10:00+01:00"] == 2


async def test_slots_are_public_ahead_of_now_and_count_down(api: Api) -> None:
    slots = await free(api)
    assert list(slots)[:2] == ["2026-03-02T09:40:00+01:00", "2026-03-02T09:50:00+01:00"]  # now is 09:30
    assert list(slots)[-1] == "2026-03-02T17:50:00+01:00"
    assert set(slots.values()) == {2}
    assert (await book(api, "2026-03-02T10:00:00Z")).status_code == 201  # 11:00 in Brussels
    assert (await free(api))[SLOT] == 1


@pytest.mark.parametrize(
    ("day", "why"), [("2026-04-06", "Easter Monday"), ("2026-03-07", "Saturday"), ("2026-03-01", "the past")]
)
async def test_no_slots_on_holidays_weekends_or_in_the_past(api: Api, day: str, why: str) -> None:
    assert await free(api, day) == {}, why


@pytest.mark.parametrize(
    ("slot_at", "detail"),
    [
        ("2026-04-06T10:00:00+02:00", "no slot at 2026-04-06T10:00:00+02:00: 2026-04-06 is a public holiday"),
        (
            "2026-03-07T10:00:00+01:00",
            "no slot at 2026-03-07T10:00:00+01:00: the office has no opening hours on Saturdays",
        ),
        (
            "2026-03-02T11:05:00+01:00",
            "no slot at 2026-03-02T11:05:00+01:00: 11:05 is not the start of a slot of service A "
            "(slots of 10 minutes from the opening hours 08:00-18:00)",
        ),
        ("2026-03-02T18:00:00+01:00", "18:00 is not the start of a slot"),
    ],
)
async def test_a_slot_that_does_not_exist_is_422(api: Api, slot_at: str, detail: str) -> None:
    r = await book(api, slot_at)
    assert r.status_code == 422
    assert r.json()["error"] == "no_such_slot"
    assert detail in r.json()["detail"]


async def test_slots_of_an_unknown_service_are_404(api: Api) -> None:
    r = await api.http.get("/api/offices/town/slots", params={"service": "Q", "day": "2026-03-02"})
    assert (r.status_code, r.json()["error"]) == (404, "service_not_found")
