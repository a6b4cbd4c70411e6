"""Kiosks reserve blocks of numbers to issue from when the server cannot be reached; online numbers skip them."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import httpx
import pytest

from scheduler import offline
from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario, create_token
from store.tables import NumberRow
from tests.api.conftest import Api
from tests.support import OFFICE

BLOCKS = "/api/offices/town/number-blocks"


def refusal(r: httpx.Response) -> tuple[int, str, object]:
    body = r.json()
    return r.status_code, str(body["error"]), body.get("field")


async def reserve(api: Api, kiosk: str = "hall-1", service: str = "A", **body: Any) -> httpx.Response:
    return await api.http.post(BLOCKS, json={"kiosk": kiosk, "service": service, **body}, headers=api.auth(Role.KIOSK))


async def blocks(api: Api, kiosk: str = "hall-1") -> dict[str, Any]:
    r = await api.http.get(BLOCKS, params={"kiosk": kiosk}, headers=api.auth(Role.KIOSK))
    assert r.status_code == 200, r.text
    return dict(r.json())


def online_last(api: Api, last: int, service: str = "A") -> None:
    """The day's online numbers given so far, as if `last` tickets had been issued."""
    with api.seeded.db.transaction() as session:
        session.merge(NumberRow(office="town", service=service, day=date(2026, 3, 2), last=last))


async def test_the_first_block_of_the_day_is_500_to_549(api: Api) -> None:
    r = await reserve(api)
    assert r.status_code == 201, r.text
    assert r.json() == {
        "kiosk": "hall-1",
        "service": "A",
        "day": "2026-03-02",
        "first": 500,
        "last": 549,
        "first_number": "A500",
        "last_number": "A549",
        "status_url_prefix": "https://loket.example/t/",
    }


async def test_each_next_block_follows_the_highest_whichever_kiosk_reserved_it(api: Api) -> None:
    answers = [await reserve(api, "hall-1"), await reserve(api, "hall-2", size=10), await reserve(api, "hall-1")]
    assert [(r.json()["first"], r.json()["last"]) for r in answers] == [(500, 549), (550, 559), (560, 609)]
    other = await reserve(api, "hall-1", "B", size=200)
    assert (other.json()["first_number"], other.json()["last_number"]) == ("B500", "B699")


async def test_online_numbers_jump_over_the_blocks(api: Api) -> None:
    await reserve(api, "hall-1")
    await reserve(api, "hall-2")
    online_last(api, 498)
    numbers = [(await api.issue("A"))["number"] for _ in range(3)]
    assert numbers == ["A499", "A600", "A601"]
    assert (await reserve(api, "hall-3")).json()["first"] == 602  # after what was given online too


async def test_a_block_reserved_after_a_busy_morning_starts_after_its_numbers(api: Api) -> None:
    online_last(api, 530)
    assert (await reserve(api)).json()["first"] == 531


async def test_blocks_restart_at_500_the_next_day(api: Api) -> None:
    await reserve(api)
    api.clock.advance(days=1)
    r = await reserve(api)
    assert (r.json()["day"], r.json()["first"]) == ("2026-03-03", 500)


async def test_a_kiosk_sees_its_blocks_of_today_with_the_numbers_synced(api: Api) -> None:
    await reserve(api, "hall-1", size=10)
    await reserve(api, "hall-2", size=10)
    await reserve(api, "hall-1", "C", size=10)
    for key, number in (("a", "A503"), ("b", "A500")):
        body = {
            "kiosk": "hall-1",
            "service": "A",
            "number": number,
            "language": "nl",
            "checked_in_at": api.clock.now.isoformat(),
            "token": f"token-of-{number}-0123456789abc",
        }
        r = await api.http.post(
            "/api/offices/town/tickets/offline", json=body, headers={**api.auth(Role.KIOSK), "Idempotency-Key": key}
        )
        assert r.status_code == 201, r.text
    assert await blocks(api, "hall-1") == {
        "day": "2026-03-02",
        "status_url_prefix": "https://loket.example/t/",
        "blocks": [
            {
                "service": "A",
                "first": 500,
                "last": 509,
                "first_number": "A500",
                "last_number": "A509",
                "used": [500, 503],
            },
            {"service": "C", "first": 500, "last": 509, "first_number": "C500", "last_number": "C509", "used": []},
        ],
    }
    assert [b["first"] for b in (await blocks(api, "hall-2"))["blocks"]] == [510]
    assert (await blocks(api, "nobody"))["blocks"] == []
    api.clock.advance(days=1)
    assert await blocks(api, "hall-1") == {
        "day": "2026-03-03",
        "status_url_prefix": "https://loket.example/t/",
        "blocks": [],
    }


async def test_a_kiosk_reserves_at_most_twenty_blocks_of_a_service_a_day(api: Api) -> None:
    for _ in range(offline.MAX_BLOCKS):
        assert (await reserve(api, size=10)).status_code == 201
    assert refusal(await reserve(api, size=10)) == (409, "too_many_blocks", "kiosk")
    assert (await reserve(api, "B", size=10)).status_code == 201  # "B" is a kiosk's name here
    assert (await reserve(api, service="B", size=10)).status_code == 201


async def test_no_block_goes_past_9999_however_many_kiosk_names_a_token_invents(api: Api) -> None:
    online_last(api, 9900)
    assert (await reserve(api, "one", size=99)).json()["last"] == 9999
    assert refusal(await reserve(api, "two", size=10)) == (409, "too_many_blocks", "size")
    assert (await api.issue("A"))["number"] == "A10000"  # online keeps issuing


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"kiosk": "hall 1", "service": "A"}, (422, "invalid_kiosk", "kiosk")),
        ({"kiosk": "hallé", "service": "A"}, (422, "invalid_kiosk", "kiosk")),
        ({"kiosk": "hall/1", "service": "A"}, (422, "invalid_kiosk", "kiosk")),
        ({"kiosk": "hall-1", "service": "Z"}, (404, "service_not_found", "service")),
        ({"kiosk": "hall-1", "service": "A", "size": 9}, (422, "invalid_size", "size")),
        ({"kiosk": "hall-1", "service": "A", "size": 201}, (422, "invalid_size", "size")),
        ({"kiosk": "hall-1", "service": "A", "size": -5}, (422, "invalid_size", "size")),
        ({"kiosk": "hall-1", "service": "A", "size": 10**40}, (422, "invalid_size", "size")),
    ],
)
async def test_a_bad_reservation_is_refused_by_name(
    api: Api, body: dict[str, Any], expected: tuple[int, str, str | None]
) -> None:
    r = await api.http.post(BLOCKS, json=body, headers=api.auth(Role.KIOSK))
    assert refusal(r) == expected
    assert (await blocks(api))["blocks"] == []


@pytest.mark.parametrize(
    "body",
    [
        {"kiosk": "", "service": "A"},
        {"kiosk": "x" * 41, "service": "A"},
        {"service": "A"},
        {"kiosk": "hall-1"},
        {"kiosk": "hall-1", "service": "A", "size": "fifty"},
        {"kiosk": "hall-1", "service": "A", "size": 12.5},
        {"kiosk": "hall-1", "service": "A", "extra": 1},
        {"kiosk": ["hall-1"], "service": "A"},
    ],
)
async def test_junk_is_a_422_naming_the_field_never_a_500(api: Api, body: dict[str, Any]) -> None:
    r = await api.http.post(BLOCKS, json=body, headers=api.auth(Role.KIOSK))
    assert r.status_code == 422, r.text
    assert r.json()["error"] == "invalid_request"
    assert r.json()["problems"][0]["where"] in {"kiosk", "service", "size", "extra"}


@pytest.mark.parametrize("kiosk", ["", "x" * 41, "a b"])
async def test_listing_a_bad_kiosk_name_is_refused(api: Api, kiosk: str) -> None:
    r = await api.http.get(BLOCKS, params={"kiosk": kiosk}, headers=api.auth(Role.KIOSK))
    assert r.status_code == 422, r.text


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
async def test_the_office_manager_and_admins_may_reserve(api: Api, role: Role) -> None:
    r = await api.http.post(BLOCKS, json={"kiosk": "spare", "service": "A"}, headers=api.auth(role))
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("role", [Role.CLERK, Role.DISPLAY])
async def test_clerks_and_displays_may_not(api: Api, role: Role) -> None:
    for method, body in (("POST", {"kiosk": "hall-1", "service": "A"}), ("GET", None)):
        r = await api.http.request(method, BLOCKS, json=body, params={"kiosk": "hall-1"}, headers=api.auth(role))
        assert refusal(r) == (403, "forbidden", None)


async def test_a_kiosk_of_another_office_may_not(api: Api) -> None:
    db = api.seeded.db
    apply_scenario(db, parse_scenario({**OFFICE, "name": "annex", "title": "Annex"}))
    annex = {"Authorization": f"Bearer {create_token(db, Role.KIOSK, 'annex', datetime.now(UTC))}"}
    assert (await api.http.post(BLOCKS, json={"kiosk": "hall-1", "service": "A"}, headers=annex)).status_code == 403
    assert (await api.http.get(BLOCKS, params={"kiosk": "hall-1"}, headers=annex)).status_code == 403
    mine = await api.http.post(
        "/api/offices/annex/number-blocks", json={"kiosk": "hall-1", "service": "A"}, headers=annex
    )
    assert mine.json()["first"] == 500
    assert (await blocks(api))["blocks"] == []  # town's numbers untouched


async def test_without_a_token_401(api: Api) -> None:
    assert (await api.http.post(BLOCKS, json={"kiosk": "hall-1", "service": "A"})).status_code == 401
    assert (await api.http.get(BLOCKS, params={"kiosk": "hall-1"})).status_code == 401
