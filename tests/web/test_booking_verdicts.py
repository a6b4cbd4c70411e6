"""Every booking case through both doors, the JSON API and the booking page, in process: the API's verdict is the
one in the table, and the page gives the same one in its own way (the confirmation, back to the times with the
problem, or the same status with the refusal in words). The rules are the scheduler's; the doors only map them."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from i18n import gettext, messages
from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.support import Seeded
from tests.web.conftest import BOOKING_OFFICE

# The clock stands at Monday 2026-03-02 09:30 in Brussels (UTC+1). Identity cards (A) have 10-minute slots with
# two seats; driving licences (D) cannot be booked; Wednesday 11 March is the office's own closing day; Monday
# 6 April is Easter Monday; citizens book up to six weeks ahead.
DAY = "2026-03-02"
CITIZEN = {"name": "Zoë Peeters", "email": "zoe@example.org", "phone": "0470 12 34 56", "remind_via": "email"}
BLANK = {"name": "", "email": "", "phone": "", "remind_via": "none"}
#: Refusals the page answers by sending the citizen back to the times, the code in the address.
BACK_TO_THE_TIMES = {"slot_full", "no_such_slot", "slot_in_past"}
#: What the page says for every other refusal.
WORDS = {
    "service_not_found": messages.BOOK_NO_SUCH_SERVICE,
    "service_not_bookable": messages.BOOK_NO_SUCH_SERVICE,
    "beyond_booking_horizon": messages.BOOK_DAY_NOT_BOOKABLE,
    "contact_required": messages.BOOK_CONTACT_REQUIRED,
    "invalid_name": messages.BOOK_INVALID_NAME,
    "invalid_email": messages.BOOK_INVALID_EMAIL,
    "invalid_phone": messages.BOOK_INVALID_PHONE,
    "email_required": messages.BOOK_EMAIL_REQUIRED,
    "phone_required": messages.BOOK_PHONE_REQUIRED,
    "too_many_bookings": messages.BOOK_TOO_MANY_BOOKINGS,
    "too_many_bookings_today": messages.BOOK_TOO_MANY_TODAY,
    "too_many_requests": messages.BOOK_TOO_MANY_REQUESTS,
}

Setup = Callable[[Api], Awaitable[None]]


async def _nothing(_api: Api) -> None:
    return None


async def _staff_books(api: Api, time: str, **contact: str) -> str:
    body = {"service": "A", "slot_at": f"{DAY}T{time}:00+01:00", "language": "nl", **contact}
    r = await api.http.post("/api/offices/town/bookings", json=body, headers=api.auth(Role.MANAGER))
    assert r.status_code == 201, r.text
    return str(r.json()["manage_url"]).rsplit("/", 1)[1]


async def _both_seats_taken(api: Api) -> None:
    for _ in range(2):
        await _staff_books(api, "11:00")


async def _two_to_come(api: Api) -> None:
    for time in ("11:10", "11:20"):
        await _staff_books(api, time, email=CITIZEN["email"])


async def _three_made_today(api: Api) -> None:
    for time in ("11:10", "11:20", "11:30"):
        token = await _staff_books(api, time, email=CITIZEN["email"])
        assert (await api.http.post(f"/api/bookings/{token}/cancel")).status_code == 200


async def _budget_spent(api: Api) -> None:
    body = {"service": "A", "slot_at": f"{DAY}T11:10:00+01:00", "language": "en", "email": "first@example.org"}
    assert (await api.http.post("/api/offices/town/bookings", json=body)).status_code == 201


@dataclass(frozen=True)
class Case:
    name: str
    verdict: tuple[int, str | None]
    service: str = "A"
    day: str = DAY
    time: str = "11:00"
    fields: dict[str, str] = field(default_factory=lambda: dict(CITIZEN))
    setup: Setup = _nothing
    settings: dict[str, Any] = field(default_factory=dict)


CASES = [
    Case("ok", (201, None)),
    Case("unknown service", (404, "service_not_found"), service="Z"),
    Case("service not bookable", (422, "service_not_bookable"), service="D"),
    Case("slot begun", (422, "slot_in_past"), time="09:00"),
    Case("slot over yesterday", (422, "slot_in_past"), day="2026-02-27"),
    Case("beyond the horizon", (422, "beyond_booking_horizon"), day="2026-05-04"),
    Case("public holiday", (422, "no_such_slot"), day="2026-04-06"),
    Case("the office's closing day", (422, "no_such_slot"), day="2026-03-11"),
    Case("a weekend day", (422, "no_such_slot"), day="2026-03-07"),
    Case("not the start of a slot", (422, "no_such_slot"), time="11:05"),
    Case("after closing time", (422, "no_such_slot"), time="18:00"),
    Case("slot full", (409, "slot_full"), setup=_both_seats_taken),
    Case("no contact", (422, "contact_required"), fields={**BLANK, "name": "Ann"}),
    Case("blank e-mail", (422, "contact_required"), fields={**BLANK, "name": "Ann", "email": "  "}),
    Case("a name on two lines", (422, "invalid_name"), fields={**CITIZEN, "name": "Ann\nPay at https://evil"}),
    Case("a name too long", (422, "invalid_name"), fields={**CITIZEN, "name": "A" * 81}),
    Case("not an e-mail address", (422, "invalid_email"), fields={**CITIZEN, "email": "ann@@"}),
    Case("not a phone number", (422, "invalid_phone"), fields={**CITIZEN, "phone": "123"}),
    Case("reminded by e-mail without one", (422, "email_required"), fields={**CITIZEN, "email": ""}),
    Case(
        "reminded by SMS without a phone", (422, "phone_required"), fields={**CITIZEN, "phone": "", "remind_via": "sms"}
    ),
    Case("too many to come", (409, "too_many_bookings"), setup=_two_to_come, settings={"booking_cap": 2}),
    Case(
        "too many made today",
        (409, "too_many_bookings_today"),
        setup=_three_made_today,
        settings={"booking_day_cap": 3},
    ),
    Case("hourly budget spent", (429, "too_many_requests"), setup=_budget_spent, settings={"booking_rate_per_hour": 1}),
]


async def _by_api(api: Api, case: Case) -> httpx.Response:
    body = {"service": case.service, "slot_at": f"{case.day}T{case.time}:00+01:00", "language": "en", **case.fields}
    return await api.http.post("/api/offices/town/bookings", json=body)


async def _by_page(api: Api, case: Case) -> httpx.Response:
    form = f"/book/town/{case.service}/{case.day}/details?time={case.time}&lang=en"
    return await api.http.post(form, data={**BLANK, **case.fields})


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
async def test_the_booking_page_and_the_api_give_the_same_verdict_in_every_case(
    sqlite_url: str, seeder: Callable[..., Seeded], case: Case
) -> None:
    async with serving(sqlite_url, seeder(sqlite_url, BOOKING_OFFICE), **case.settings) as api:
        await case.setup(api)
        by_api = await _by_api(api, case)
        assert (by_api.status_code, by_api.json().get("error")) == case.verdict, by_api.text
        page = await _by_page(api, case)
    status, code = case.verdict
    location = page.headers.get("location", "")
    if code is None:
        assert (page.status_code, location.split("?")[0].rsplit("/", 1)[0]) == (303, "/booking"), page.text[:300]
    elif code in BACK_TO_THE_TIMES:
        back = f"/book/town/{case.service}/{case.day}?problem={code}&lang=en"
        assert (page.status_code, location) == (303, back), page.text[:300]
    else:
        assert page.status_code == status, page.text[:300]
        assert gettext("en", WORDS[code]) in page.text.replace("&#39;", "'").replace("&#34;", '"')
