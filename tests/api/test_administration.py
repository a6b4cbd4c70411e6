"""Managers run their office through the JSON API: services, counters, hours, closing days, settings, improvements,
staff and device tokens; every change audited and announced; every bad field refused by name."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from scheduler.model import Role
from store.admin import add_user, create_token
from store.tables import EventRow
from tests.api.conftest import Api, serving
from tests.support import Seeded

NAMES = {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url)) as served:
        yield served


def manager(api: Api) -> dict[str, str]:
    return api.auth(Role.MANAGER)


def refusal(r: httpx.Response) -> tuple[int, str, object]:
    body = r.json()
    return r.status_code, str(body["error"]), body.get("field")


def events(api: Api, type_: str = "office.changed") -> list[dict[str, Any]]:
    with Session(api.seeded.db.reader) as session:
        rows = session.exec(select(EventRow).where(EventRow.office == "town", EventRow.type == type_))
        return [dict(r.data) for r in rows]


async def audit(api: Api, **params: int) -> list[dict[str, Any]]:
    r = await api.http.get("/api/offices/town/audit", params=params, headers=manager(api))
    assert r.status_code == 200, r.text
    return list(r.json()["entries"])


# --- services --------------------------------------------------------------------------------------------
async def test_a_manager_adds_a_service_that_the_snapshot_shows_last(api: Api) -> None:
    body = {"code": "D", "names": NAMES, "duration_s": 900, "bookable": True, "checklist": {"nl": ["Pasfoto"]}}
    r = await api.http.post("/api/offices/town/services", json=body, headers=manager(api))
    assert r.status_code == 201, r.text
    assert r.json() == {**body, "slot_s": None, "checklist": {"nl": ["Pasfoto"]}, "position": 3}
    snapshot = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.DISPLAY))).json()
    assert [s["code"] for s in snapshot["services"]] == ["A", "B", "C", "D"]
    assert snapshot["services"][-1]["names"] == NAMES
    assert events(api) == [{"what": "services", "code": "D"}]


async def test_renaming_a_service_changes_only_its_names_and_is_audited_with_before_and_after(api: Api) -> None:
    r = await api.http.patch("/api/offices/town/services/B", json={"names": NAMES}, headers=manager(api))
    assert r.status_code == 200, r.text
    assert (r.json()["names"], r.json()["duration_s"], r.json()["bookable"]) == (NAMES, 900, True)
    [entry] = await audit(api)
    assert (entry["actor"], entry["action"], entry["target"]) == ("manager token", "service.changed", "B")
    assert entry["detail"] == {
        "before": {"names": {"nl": "Passport", "fr": "Passport", "en": "Passport"}},
        "after": {"names": NAMES},
    }


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"names": {**NAMES, "fr": ""}}, "invalid_name", "names.fr"),
        ({"names": {**NAMES, "fr": "x" * 81}}, "invalid_name", "names.fr"),
        ({"names": {"nl": "a", "en": "b"}}, "field_required", "names.fr"),
        ({"names": {**NAMES, "de": "Führerschein"}}, "unknown_field", "names.de"),
        ({"duration_s": 0}, "invalid_number", "duration_s"),
        ({"duration_s": "600"}, "invalid_number", "duration_s"),
        ({"bookable": "yes"}, "invalid_flag", "bookable"),
        ({"slot_s": 90}, "invalid_slot", "slot_s"),
        ({"checklist": {"de": ["x"]}}, "invalid_checklist", "checklist"),
        ({"checklist": {"nl": ["x"] * 21}}, "invalid_checklist", "checklist.nl"),
        ({"checklist": {"nl": ["y" * 201]}}, "invalid_checklist", "checklist.nl.0"),
        ({"code": "Z"}, "code_fixed", "code"),
        ({"colour": "red"}, "unknown_field", "colour"),
    ],
)
async def test_a_bad_service_field_is_refused_by_name_and_nothing_changes(
    api: Api, body: dict[str, Any], code: str, field: str
) -> None:
    r = await api.http.patch("/api/offices/town/services/A", json=body, headers=manager(api))
    assert refusal(r) == (422, code, field)
    assert await audit(api) == []
    assert events(api) == []


@pytest.mark.parametrize(
    ("body", "code", "field"),
    [
        ({"names": NAMES}, "field_required", "code"),
        ({"code": "d", "names": NAMES}, "invalid_code", "code"),
        ({"code": "ABC", "names": NAMES}, "invalid_code", "code"),
        ({"code": "D"}, "field_required", "names"),
    ],
)
async def test_a_new_service_needs_a_code_of_capital_letters_and_three_names(
    api: Api, body: dict[str, Any], code: str, field: str
) -> None:
    r = await api.http.post("/api/offices/town/services", json=body, headers=manager(api))
    assert refusal(r) == (422, code, field)


async def test_a_service_code_already_taken_is_a_conflict(api: Api) -> None:
    r = await api.http.post("/api/offices/town/services", json={"code": "A", "names": NAMES}, headers=manager(api))
    assert refusal(r) == (409, "service_exists", "code")


async def test_a_service_still_waited_for_cannot_be_deleted_and_says_how_many_wait(api: Api) -> None:
    await api.issue("C")
    await api.issue("C")
    r = await api.http.delete("/api/offices/town/services/C", headers=manager(api))
    assert refusal(r) == (409, "service_in_use", "code")
    assert (r.json()["waiting"], r.json()["bookings"]) == (2, 0)
    assert "2 ticket(s)" in r.json()["detail"]


async def test_a_service_with_a_booking_to_come_cannot_be_deleted(api: Api) -> None:
    body = {
        "service": "B",
        "slot_at": "2026-03-02T11:00:00+01:00",
        "language": "fr",
        "name": "Zoë",
        "email": "zoe@example.org",
        "remind_via": "email",
    }
    assert (await api.http.post("/api/offices/town/bookings", json=body)).status_code == 201
    r = await api.http.delete("/api/offices/town/services/B", headers=manager(api))
    assert (r.status_code, r.json()["error"], r.json()["bookings"]) == (409, "service_in_use", 1)


async def test_deleting_a_service_nobody_needs_takes_it_from_the_counters_skills(api: Api) -> None:
    r = await api.http.delete("/api/offices/town/services/C", headers=manager(api))
    assert r.status_code == 204, r.text
    setup = (await api.http.get("/api/offices/town/setup", headers=manager(api))).json()
    assert [s["code"] for s in setup["services"]] == ["A", "B"]
    assert {c["name"]: c["skills"] for c in setup["counters"]} == {"1": ["A", "B"], "2": ["A"], "3": []}
    [entry] = await audit(api)
    assert (entry["action"], entry["detail"]["counters"]) == ("service.deleted", ["2", "3"])
    r = await api.http.delete("/api/offices/town/services/C", headers=manager(api))
    assert refusal(r) == (404, "service_not_found", "code")


# --- counters --------------------------------------------------------------------------------------------
async def test_a_manager_adds_renames_and_reshifts_a_counter(api: Api) -> None:
    body = {"name": "4", "skills": ["A"], "shifts": [["08:30", "12:30"], ["13:00", "16:00"]]}
    r = await api.http.post("/api/offices/town/counters", json=body, headers=manager(api))
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == {**body, "id": made["id"], "state": "closed"}
    r = await api.http.patch(f"/api/counters/{made['id']}", json={"name": "Loket 4"}, headers=manager(api))
    assert (r.status_code, r.json()["name"], r.json()["skills"]) == (200, "Loket 4", ["A"])
    assert [e["action"] for e in await audit(api)] == ["counter.changed", "counter.created"]
    assert events(api) == [{"what": "counters", "counter": made["id"]}] * 2


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"name": "2"}, 409, "counter_name_taken", "name"),
        ({"name": ""}, 422, "invalid_counter_name", "name"),
        ({"name": "x" * 65}, 422, "invalid_counter_name", "name"),
        ({"skills": ["A", "Q"]}, 422, "unknown_service", "skills"),
        ({"skills": "A"}, 422, "invalid_skills", "skills"),
        ({"shifts": [["12:00", "09:00"]]}, 422, "invalid_periods", "shifts.0"),
        ({"shifts": [["08:00", "12:00"], ["11:00", "15:00"]]}, 422, "invalid_periods", "shifts.1"),
        ({"shifts": [["8h", "12:00"]]}, 422, "invalid_time", "shifts.0"),
        ({"open": True}, 422, "unknown_field", "open"),
    ],
)
async def test_a_bad_counter_change_is_refused_by_name(
    api: Api, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    r = await api.http.patch(f"/api/counters/{api.seeded.counters['1']}", json=body, headers=manager(api))
    assert refusal(r) == (status, code, field)


async def test_an_open_counter_or_one_that_served_cannot_be_deleted_but_a_new_one_can(api: Api) -> None:
    one = api.seeded.counters["1"]
    await api.open("1")
    r = await api.http.delete(f"/api/counters/{one}", headers=manager(api))
    assert (refusal(r), r.json()["reason"]) == ((409, "counter_in_use", "id"), "open")
    await api.issue("A")
    called = await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(Role.CLERK))
    await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": one}, headers=api.auth(Role.CLERK)
    )
    await api.http.post(f"/api/counters/{one}/close", headers=api.auth(Role.CLERK))
    r = await api.http.delete(f"/api/counters/{one}", headers=manager(api))
    assert (refusal(r), r.json()["reason"]) == ((409, "counter_in_use", "id"), "history")
    made = await api.http.post("/api/offices/town/counters", json={"name": "spare"}, headers=manager(api))
    r = await api.http.delete(f"/api/counters/{made.json()['id']}", headers=manager(api))
    assert r.status_code == 204, r.text
    r = await api.http.delete(f"/api/counters/{made.json()['id']}", headers=manager(api))
    assert refusal(r) == (404, "counter_not_found", "id")


# --- hours, closing days, settings, improvements --------------------------------------------------------
async def test_hours_put_are_the_snapshots_hours_and_today_s(api: Api) -> None:
    week = {"mon": [["08:30", "12:30"], ["13:30", "16:00"]], "sat": [["09:00", "12:00"]]}
    r = await api.http.put("/api/offices/town/hours", json=week, headers=manager(api))
    assert r.status_code == 200, r.text
    expected = {"mon": week["mon"], "tue": [], "wed": [], "thu": [], "fri": [], "sat": week["sat"], "sun": []}
    assert r.json() == {"hours": expected}
    office = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()["office"]
    # 2026-03-02, the test clock's day, is a Monday.
    assert (office["hours"], office["hours_today"], office["closed_today"]) == (expected, week["mon"], None)
    assert events(api) == [{"what": "hours"}]


@pytest.mark.parametrize(
    ("week", "code", "field"),
    [
        ({"maandag": [["08:30", "12:30"]]}, "invalid_weekday", "hours.maandag"),
        ({"mon": [["12:30", "08:30"]]}, "invalid_periods", "hours.mon.0"),
        ({"mon": [["08:30", "12:30"], ["12:00", "16:00"]]}, "invalid_periods", "hours.mon.1"),
        ({"mon": [["08:30"]]}, "invalid_periods", "hours.mon.0"),
        ({"mon": "all day"}, "invalid_periods", "hours.mon"),
        ({"mon": [["08:30", "25:00"]]}, "invalid_time", "hours.mon.0"),
        ({"mon": [["08:00", "09:00"]] * 7}, "invalid_periods", "hours.mon"),
    ],
)
async def test_bad_hours_are_refused_naming_the_weekday_and_period(
    api: Api, week: dict[str, Any], code: str, field: str
) -> None:
    r = await api.http.put("/api/offices/town/hours", json=week, headers=manager(api))
    assert refusal(r) == (422, code, field)


async def test_closing_days_are_kept_once_and_sorted_and_close_today(api: Api) -> None:
    days = ["2026-12-24", "2026-03-02", "2026-12-24"]
    r = await api.http.put("/api/offices/town/closed", json={"days": days}, headers=manager(api))
    assert r.json() == {"closed": ["2026-03-02", "2026-12-24"]}
    office = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()["office"]
    assert (office["hours_today"], office["closed_today"]) == ([], "closed")
    [entry] = await audit(api)
    assert entry["detail"] == {"added": ["2026-03-02", "2026-12-24"], "removed": []}
    bad = await api.http.put("/api/offices/town/closed", json={"days": ["24/12"]}, headers=manager(api))
    assert refusal(bad) == (422, "invalid_date", "days.0")
    many = await api.http.put("/api/offices/town/closed", json={"days": ["2026-01-01"] * 1001}, headers=manager(api))
    assert refusal(many) == (422, "too_many_days", "days")


async def test_a_public_holiday_closes_today_on_every_snapshot_without_being_listed(api: Api) -> None:
    week = {"mon": [["08:30", "12:30"]]}
    assert (await api.http.put("/api/offices/town/hours", json=week, headers=manager(api))).status_code == 200
    api.clock.now = datetime(2026, 4, 6, 8, 0, tzinfo=UTC)  # Easter Monday, a Belgian public holiday
    office = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()["office"]
    assert (office["hours_today"], office["closed_today"]) == ([], "holiday")
    api.clock.now = datetime(2026, 4, 13, 8, 0, tzinfo=UTC)  # the Monday after: open
    office = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()["office"]
    assert (office["hours_today"], office["closed_today"]) == (week["mon"], None)


async def test_settings_change_only_what_is_given_within_their_ranges(api: Api) -> None:
    r = await api.http.patch(
        "/api/offices/town/settings",
        json={"remote_join": False, "walk_in_share": 0.6, "walk_in_by_hour": {"08": 0.9}, "name": " Stadhuis "},
        headers=manager(api),
    )
    assert r.status_code == 200, r.text
    settings = r.json()["settings"]
    assert (settings["remote_join"], settings["walk_in_share"], settings["walk_in_by_hour"]) == (False, 0.6, {"8": 0.9})
    assert (settings["name"], settings["late_places"]) == ("Stadhuis", 3)
    for body, code, field in [
        ({"late_places": 51}, "invalid_number", "late_places"),
        ({"remote_share_max": 1.5}, "invalid_share", "remote_share_max"),
        ({"timed_return": 1}, "invalid_flag", "timed_return"),
        ({"walk_in_by_hour": {"25": 0.5}}, "invalid_hour", "walk_in_by_hour.25"),
        ({"timezone": "UTC"}, "unknown_field", "timezone"),
        ({"name": ""}, "invalid_name", "name"),
    ]:
        refused = await api.http.patch("/api/offices/town/settings", json=body, headers=manager(api))
        assert refusal(refused) == (422, code, field), body


async def test_improvements_are_replaced_and_shown_at_the_kiosk(api: Api) -> None:
    items = [{"code": "wait", "names": {"nl": "Korter wachten", "en": "A shorter wait"}}]
    r = await api.http.put("/api/offices/town/improvements", json={"improvements": items}, headers=manager(api))
    assert r.json() == {"improvements": items}
    office = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.KIOSK))).json()["office"]
    assert office["improvements"] == items
    many = [{"code": f"i{i}", "names": {"en": "x"}} for i in range(13)]
    r = await api.http.put("/api/offices/town/improvements", json={"improvements": many}, headers=manager(api))
    assert refusal(r) == (422, "too_many_improvements", "improvements")
    r = await api.http.put("/api/offices/town/improvements", json={"improvements": items * 2}, headers=manager(api))
    assert refusal(r) == (422, "duplicate_code", "improvements")


# --- who may ---------------------------------------------------------------------------------------------
CHANGES: list[tuple[str, str, dict[str, Any] | None]] = [
    ("get", "/api/offices/town/setup", None),
    ("post", "/api/offices/town/services", {"code": "D", "names": NAMES}),
    ("patch", "/api/offices/town/services/A", {"duration_s": 700}),
    ("delete", "/api/offices/town/services/C", None),
    ("post", "/api/offices/town/counters", {"name": "9"}),
    ("put", "/api/offices/town/hours", {"mon": [["09:00", "12:00"]]}),
    ("put", "/api/offices/town/closed", {"days": []}),
    ("patch", "/api/offices/town/settings", {"late_places": 2}),
    ("put", "/api/offices/town/improvements", {"improvements": []}),
    ("get", "/api/offices/town/users", None),
    ("post", "/api/offices/town/users", {"username": "x", "role": "clerk", "password": "long enough"}),
    ("get", "/api/offices/town/tokens", None),
    ("post", "/api/offices/town/tokens", {"role": "kiosk", "label": "hall"}),
    ("get", "/api/offices/town/audit", None),
]


async def test_clerks_kiosks_displays_and_other_offices_managers_are_refused_everything(api: Api) -> None:
    add_user(api.seeded.db, "elsewhere", None, Role.ADMIN, "long enough", api.clock())  # an admin, for the office
    other = await api.http.post(
        "/api/offices/town/services", json={"code": "D", "names": NAMES}, headers=api.auth(Role.ADMIN)
    )
    assert other.status_code == 201
    apply_other_office(api)
    outsider = create_token(api.seeded.db, Role.MANAGER, "village", api.clock())
    for headers in [api.auth(Role.CLERK), api.auth(Role.KIOSK), api.auth(Role.DISPLAY), bearer(outsider)]:
        for method, url, body in CHANGES:
            r = await api.http.request(method, url, json=body, headers=headers)
            assert (r.status_code, r.json()["error"]) == (403, "forbidden"), (method, url, headers)
    for method, url, body in CHANGES:
        r = await api.http.request(method, url, json=body)
        assert r.status_code == 401, (method, url)
    counter = api.seeded.counters["1"]
    for headers in [api.auth(Role.CLERK), bearer(outsider)]:
        r = await api.http.patch(f"/api/counters/{counter}", json={"name": "x"}, headers=headers)
        assert r.status_code == 403
    assert [e["action"] for e in await audit(api)] == ["service.created"]


async def test_an_admin_manages_every_office_and_is_named_in_the_audit(api: Api) -> None:
    apply_other_office(api)
    for office in ("town", "village"):
        r = await api.http.patch(
            f"/api/offices/{office}/settings", json={"late_places": 5}, headers=api.auth(Role.ADMIN)
        )
        assert r.status_code == 200, r.text
    admin = create_token(api.seeded.db, Role.ADMIN, None, api.clock(), label="ops")
    await api.http.patch("/api/offices/town/settings", json={"late_places": 6}, headers=bearer(admin))
    assert [e["actor"] for e in await audit(api)] == ["admin token 'ops'", "admin token"]


async def test_an_unknown_office_is_not_found_for_an_admin(api: Api) -> None:
    r = await api.http.get("/api/offices/nowhere/setup", headers=api.auth(Role.ADMIN))
    assert (r.status_code, r.json()["error"]) == (404, "office_not_found")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def apply_other_office(api: Api) -> None:
    from scheduler.scenario import parse_scenario
    from store.admin import apply_scenario

    apply_scenario(api.seeded.db, parse_scenario({"name": "village", "service": [{"code": "A"}]}))


# --- the audit log ---------------------------------------------------------------------------------------
async def test_the_audit_log_is_newest_first_and_pages_on(api: Api) -> None:
    for n in range(5):
        await api.http.patch("/api/offices/town/settings", json={"late_places": n + 4}, headers=manager(api))
    first = (await api.http.get("/api/offices/town/audit?limit=2", headers=manager(api))).json()
    assert [e["detail"]["after"]["late_places"] for e in first["entries"]] == [8, 7]
    second = (
        await api.http.get(f"/api/offices/town/audit?limit=2&before={first['next_before']}", headers=manager(api))
    ).json()
    assert [e["detail"]["after"]["late_places"] for e in second["entries"]] == [6, 5]
    last = await audit(api, limit=2, before=second["next_before"])
    assert [e["detail"]["after"]["late_places"] for e in last] == [4]
    for query in ("limit=0", "limit=201", "before=0", "limit=x"):
        r = await api.http.get(f"/api/offices/town/audit?{query}", headers=manager(api))
        assert r.status_code == 422, query


# --- staff and tokens ------------------------------------------------------------------------------------
async def test_a_manager_adds_a_clerk_who_logs_in_and_gets_their_language(api: Api) -> None:
    body = {"username": "an", "role": "clerk", "password": "a long secret", "language": "nl"}
    r = await api.http.post("/api/offices/town/users", json=body, headers=manager(api))
    assert r.status_code == 201, r.text
    assert {k: r.json()[k] for k in ("username", "role", "office", "language")} == {
        "username": "an",
        "role": "clerk",
        "office": "town",
        "language": "nl",
    }
    login = await api.http.post("/api/login", json={"username": "an", "password": "a long secret"})
    assert (login.json()["role"], login.json()["language"]) == ("clerk", "nl")
    listed = (await api.http.get("/api/offices/town/users", headers=manager(api))).json()["users"]
    assert [u["username"] for u in listed] == ["an"]
    assert "password" not in str(listed)
    [entry] = await audit(api)
    assert entry["action"] == "user.created"
    assert "a long secret" not in str(entry)


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        ({"username": "an", "role": "admin", "password": "a long secret"}, 422, "invalid_role", "role"),
        ({"username": "an", "role": "clerk", "password": "short"}, 422, "weak_password", "password"),
        ({"username": "an", "role": "clerk", "password": "x" * 201}, 422, "invalid_password", "password"),
        ({"username": "a n", "role": "clerk", "password": "a long secret"}, 422, "invalid_username", "username"),
        (
            {"username": "an", "role": "clerk", "password": "a long secret", "language": "de"},
            422,
            "invalid_language",
            "language",
        ),
        (
            {"username": "an", "role": "clerk", "password": "a long secret", "office": "x"},
            422,
            "unknown_field",
            "office",
        ),
    ],
)
async def test_a_bad_new_user_is_refused_by_name(
    api: Api, body: dict[str, Any], status: int, code: str, field: str
) -> None:
    r = await api.http.post("/api/offices/town/users", json=body, headers=manager(api))
    assert refusal(r) == (status, code, field)


async def test_a_new_password_revokes_the_users_tokens_and_the_last_manager_stays(api: Api) -> None:
    add_user(api.seeded.db, "mia", "town", Role.MANAGER, "first secret", api.clock())
    login = await api.http.post("/api/login", json={"username": "mia", "password": "first secret"})
    token = login.json()["token"]
    r = await api.http.patch("/api/offices/town/users/mia", json={"password": "second secret"}, headers=manager(api))
    assert r.status_code == 200, r.text
    api.parts.tokens = type(api.parts.tokens)(api.parts.tokens.ttl_s)  # forget the cached principals
    assert (await api.http.get("/api/me", headers=bearer(token))).status_code == 401
    [entry] = await audit(api)
    assert entry["detail"] == {"before": {}, "after": {}, "password": "reset", "tokens_revoked": 1}
    r = await api.http.patch("/api/offices/town/users/mia", json={"role": "clerk"}, headers=manager(api))
    assert refusal(r) == (409, "last_manager", "role")
    r = await api.http.delete("/api/offices/town/users/mia", headers=manager(api))
    assert refusal(r) == (409, "last_manager", "username")
    add_user(api.seeded.db, "noor", "town", Role.MANAGER, "noor's secret", api.clock())
    r = await api.http.delete("/api/offices/town/users/mia", headers=manager(api))
    assert r.status_code == 204
    r = await api.http.delete("/api/offices/town/users/mia", headers=manager(api))
    assert refusal(r) == (404, "user_not_found", "username")


async def test_another_offices_user_is_not_found_here(api: Api) -> None:
    apply_other_office(api)
    add_user(api.seeded.db, "vera", "village", Role.CLERK, "vera's secret", api.clock())
    r = await api.http.patch("/api/offices/town/users/vera", json={"language": "fr"}, headers=manager(api))
    assert refusal(r) == (404, "user_not_found", "username")
    r = await api.http.post(
        "/api/offices/town/users",
        json={"username": "vera", "role": "clerk", "password": "a long secret"},
        headers=manager(api),
    )
    assert refusal(r) == (409, "user_exists", "username")


async def test_a_device_token_is_shown_once_works_and_stops_when_revoked(api: Api) -> None:
    r = await api.http.post(
        "/api/offices/town/tokens", json={"role": "display", "label": "hall TV"}, headers=manager(api)
    )
    assert r.status_code == 201, r.text
    made = r.json()
    assert (made["role"], made["label"], made["revoked_at"]) == ("display", "hall TV", None)
    assert (await api.http.get("/api/offices/town/queue", headers=bearer(made["secret"]))).status_code == 200
    listed = (await api.http.get("/api/offices/town/tokens", headers=manager(api))).json()["tokens"]
    assert listed[0]["id"] == made["id"]
    assert "secret" not in listed[0]
    assert "digest" not in listed[0]
    r = await api.http.delete(f"/api/offices/town/tokens/{made['id']}", headers=manager(api))
    assert r.json()["revoked_at"] is not None
    api.parts.tokens = type(api.parts.tokens)(api.parts.tokens.ttl_s)
    assert (await api.http.get("/api/offices/town/queue", headers=bearer(made["secret"]))).status_code == 401
    assert [e["action"] for e in await audit(api)] == ["token.revoked", "token.created"]
    assert made["secret"] not in str(await audit(api))
    for body, code in [
        ({"role": "manager", "label": "x"}, "invalid_role"),
        ({"role": "kiosk", "label": ""}, "invalid_label"),
    ]:
        refused = await api.http.post("/api/offices/town/tokens", json=body, headers=manager(api))
        assert (refused.status_code, refused.json()["error"]) == (422, code)


async def test_another_offices_token_cannot_be_revoked_from_here(api: Api) -> None:
    apply_other_office(api)
    create_token(api.seeded.db, Role.KIOSK, "village", api.clock(), label="theirs")
    with Session(api.seeded.db.reader) as session:
        from store.tables import TokenRow

        theirs = session.exec(select(TokenRow).where(TokenRow.label == "theirs")).one()
    r = await api.http.delete(f"/api/offices/town/tokens/{theirs.id}", headers=manager(api))
    assert refusal(r) == (404, "token_not_found", "id")


# --- the staff member's own language ---------------------------------------------------------------------
async def test_a_clerk_chooses_a_language_that_the_next_login_returns(api: Api) -> None:
    add_user(api.seeded.db, "an", "town", Role.CLERK, "a long secret", api.clock())
    login = (await api.http.post("/api/login", json={"username": "an", "password": "a long secret"})).json()
    assert login["language"] is None
    me = await api.http.get("/api/me", headers=bearer(login["token"]))
    assert me.json() == {"username": "an", "role": "clerk", "office": "town", "language": None}
    r = await api.http.put("/api/me/language", json={"language": "fr"}, headers=bearer(login["token"]))
    assert r.json() == {"username": "an", "language": "fr"}
    again = await api.http.post("/api/login", json={"username": "an", "password": "a long secret"})
    assert again.json()["language"] == "fr"
    r = await api.http.put("/api/me/language", json={"language": "de"}, headers=bearer(login["token"]))
    assert refusal(r) == (422, "invalid_language", "language")


async def test_a_device_token_has_no_language_to_remember(api: Api) -> None:
    r = await api.http.put("/api/me/language", json={"language": "nl"}, headers=api.auth(Role.KIOSK))
    assert (r.status_code, r.json()["error"]) == (400, "no_user")
    me = await api.http.get("/api/me", headers=api.auth(Role.KIOSK))
    assert me.json() == {"username": None, "role": "kiosk", "office": "town", "language": None}


# --- what a stranger could send a thousand times ----------------------------------------------------------
async def test_bodies_that_are_not_objects_or_too_big_are_refused_without_a_change(api: Api) -> None:
    r = await api.http.put("/api/offices/town/hours", json=[1, 2], headers=manager(api))
    assert r.status_code == 422
    r = await api.http.post(
        "/api/offices/town/services", content=b"{", headers={**manager(api), "content-type": "application/json"}
    )
    assert (r.status_code, r.json()["error"]) == (400, "malformed_json")
    huge = {"code": "D", "names": {**NAMES, "nl": "x" * 2_000_000}}
    r = await api.http.post("/api/offices/town/services", json=huge, headers=manager(api))
    assert r.status_code == 413
    r = await api.http.get("/api/offices/town/setup")
    assert r.status_code == 401
    assert await audit(api) == []


async def test_a_clerk_is_refused_before_the_body_is_read(api: Api) -> None:
    for method, url in [
        ("patch", "/api/offices/town/services/A"),
        ("put", "/api/offices/town/hours"),
        ("patch", f"/api/counters/{api.seeded.counters['1']}"),
    ]:
        r = await api.http.request(method, url, json={"junk": True}, headers=api.auth(Role.CLERK))
        assert (r.status_code, r.json()["error"]) == (403, "forbidden"), url
