"""Measures over HTTP, on a real SQLite file: registering (and every refusal), the server applying an alternating
setting day by day, and a measure judged on constructed days with a known effect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from scheduler.measures import measure_of
from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario
from store.measures import add_measure
from store.tables import HappinessRow, TicketRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

M, C = Role.MANAGER, Role.CLERK
BRUSSELS = ZoneInfo("Europe/Brussels")
ALTERNATING = {"title": "fifo or loket", "kind": "alternating", "started": "2026-03-02"}


async def register(api: Api, body: dict[str, Any], role: Role = M, office: str = "town") -> Any:
    return await api.http.post(f"/api/offices/{office}/measures", json=body, headers=api.auth(role))


@pytest.mark.parametrize("server_policy", ["loket", "appointments-first"])
async def test_the_server_calls_by_fifo_on_an_a_day_and_by_loket_on_a_b_day(
    database_url: str, seeder: Callable[..., Seeded], server_policy: str
) -> None:
    """Two walk-ins: the first has waited seven minutes (past the promise), the second two. Fifo calls the first,
    loket the second (it still keeps the second's promise). Whatever the server's own policy, the measure's wins.
    On a real SQLite file, and on PostgreSQL."""
    async with serving(database_url, seeder(database_url), policy=server_policy) as api:
        setting = {"name": "policy", "a": "fifo", "b": "loket"}
        r = await register(api, {**ALTERNATING, "setting": setting})
        assert r.status_code == 201, r.text
        assert r.json()["in_force_today"] == "fifo"
        called = []
        for day, counter in ((0, "1"), (1, "2")):
            api.clock.now = datetime(2026, 3, 2 + day, 8, 0, tzinfo=UTC)
            first = await api.issue("A")
            api.clock.advance(minutes=5)
            second = await api.issue("A")
            api.clock.advance(minutes=2)
            await api.open(counter)
            r = await api.http.post(f"/api/counters/{api.seeded.counters[counter]}/call-next", headers=api.auth(C))
            assert r.status_code == 200, r.text
            called.append("first" if r.json()["number"] == first["number"] else "second")
            assert r.json()["number"] in (first["number"], second["number"])
        assert called == ["first", "second"]


async def test_timed_return_is_offered_only_on_the_days_the_measure_turns_it_on(api: Api) -> None:
    setting = {"name": "timed_return", "a": False, "b": True}
    assert (await register(api, {**ALTERNATING, "setting": setting})).status_code == 201
    offers = []
    for day in (0, 1):
        api.clock.now = datetime(2026, 3, 2 + day, 8, 0, tzinfo=UTC)
        tickets = [await api.issue("B") for _ in range(4)]
        offers.append(tickets[-1]["timed_return_offer"] is not None)
    assert offers == [False, True]


async def test_clerks_may_neither_register_nor_see_measures(api: Api) -> None:
    r = await register(api, {**ALTERNATING, "setting": {"name": "policy", "a": "fifo", "b": "loket"}}, role=C)
    assert (r.status_code, r.json()["error"]) == (403, "forbidden")
    for path in ("/api/offices/town/measures", "/api/offices/town/measures/1"):
        assert (await api.http.get(path, headers=api.auth(C))).status_code == 403


async def test_a_manager_of_one_office_may_not_touch_another_offices_measures(api: Api) -> None:
    apply_scenario(api.seeded.db, parse_scenario({**OFFICE, "name": "elsewhere"}))
    theirs = add_measure(
        api.seeded.db,
        measure_of("elsewhere", title="Their signs", kind="before-after", started="2026-02-02"),
        None,
        api.clock.now,
    )
    assert (await register(api, {**ALTERNATING, "kind": "before-after"}, office="elsewhere")).status_code == 403
    r = await api.http.get(f"/api/offices/town/measures/{theirs.id}", headers=api.auth(M))
    assert (r.status_code, r.json()["error"]) == (404, "measure_not_found")
    r = await api.http.get(f"/api/offices/elsewhere/measures/{theirs.id}", headers=api.auth(Role.ADMIN))
    assert r.status_code == 200, r.text


async def test_an_unknown_measure_or_office_is_404(api: Api) -> None:
    r = await api.http.get("/api/offices/town/measures/999", headers=api.auth(M))
    assert (r.status_code, r.json()["error"]) == (404, "measure_not_found")
    r = await register(api, {**ALTERNATING, "kind": "before-after"}, role=Role.ADMIN, office="nowhere")
    assert (r.status_code, r.json()["error"]) == (404, "office_not_found")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({**ALTERNATING, "kind": "sometimes"}, "unknown_kind"),
        ({**ALTERNATING, "started": "2026-13-01"}, "invalid_date"),
        ({**ALTERNATING, "kind": "before-after", "ended": "2026-03-01"}, "ended_before_started"),
        (ALTERNATING, "setting_required"),
        ({**ALTERNATING, "setting": {"name": "kiosk_offer", "a": True, "b": False}}, "unknown_setting"),
        ({**ALTERNATING, "setting": {"name": "policy", "a": "fifo", "b": "fast"}}, "invalid_setting_value"),
        ({**ALTERNATING, "title": ""}, "invalid_title"),
        ({**ALTERNATING, "colour": "red"}, "invalid_request"),
        ({"kind": "before-after", "started": "2026-03-02"}, "invalid_request"),
    ],
)
async def test_a_bad_measure_is_a_422_naming_the_problem(api: Api, body: dict[str, Any], code: str) -> None:
    r = await register(api, body)
    assert (r.status_code, r.json()["error"]) == (422, code), r.text


async def test_the_same_setting_may_not_alternate_twice_on_the_same_days(api: Api) -> None:
    body = {**ALTERNATING, "setting": {"name": "policy", "a": "fifo", "b": "loket"}}
    assert (await register(api, body)).status_code == 201
    r = await register(api, {**body, "started": "2026-03-10"})
    assert (r.status_code, r.json()["error"]) == (409, "setting_already_alternating")


STARTED = date(2026, 2, 2)  # a Monday
WALK_INS = 20


def constructed_days(db: Any, counter_id: int) -> None:
    """Four weeks before `STARTED` and four from it on: each day 20 walk-ins, of whom 13-15 are called within
    five minutes before and 15-17 after (a ten-point gain), and the same happiness answers throughout."""
    with db.transaction() as session:
        for offset in range(-28, 28):
            day = STARTED + timedelta(days=offset)
            within = 14 + offset % 3 - 1 + (2 if offset >= 0 else 0)
            for i in range(WALK_INS):
                came = datetime.combine(day, datetime.min.time(), BRUSSELS).replace(hour=9) + timedelta(minutes=12 * i)
                called = came + timedelta(seconds=120 if i < within else 600)
                session.add(
                    TicketRow(
                        office="town",
                        service="A",
                        number=f"A{i + 1:03d}",
                        day=day,
                        kind="walkin",
                        language="nl",
                        token=f"t-{offset}-{i}",
                        state="done",
                        checked_in_at=came,
                        counter_id=counter_id,
                        first_called_at=called,
                        called_at=called,
                        started_at=called,
                        finished_at=called + timedelta(seconds=300),
                        service_s=300,
                    )
                )
            for score in (3, 4, 5):
                session.add(HappinessRow(office="town", service="A", day=day, hour=10, score=score, improvements=[]))


async def test_a_measure_with_a_real_ten_point_gain_is_judged_better_beside_its_expected_effect(api: Api) -> None:
    constructed_days(api.seeded.db, api.seeded.counters["1"])
    api.clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # four weeks after STARTED
    body = {
        "title": "Loket instead of fifo",
        "kind": "before-after",
        "started": STARTED.isoformat(),
        "setting": {"name": "policy", "a": "fifo", "b": "loket"},
    }
    r = await register(api, body)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["expected"]["days"] == 14
    assert set(created["expected"]["effect"]) == {"within_5_min", "mean_wait_min"}
    judged = (await api.http.get(f"/api/offices/town/measures/{created['id']}", headers=api.auth(M))).json()
    within = judged["effect"]["within_5_min"]
    assert within["before"] == pytest.approx(14 / WALK_INS, abs=0.01)
    assert within["diff"] == pytest.approx(2 / WALK_INS, abs=0.01)
    assert 0 < within["ci"][0] <= within["diff"] <= within["ci"][1]
    assert judged["effect"]["mean_wait_min"]["verdict"] == "better"  # fewer long waits
    assert judged["effect"]["happiness"]["verdict"] == "no clear effect"
    assert judged["effect"]["no_show_share"]["diff"] == 0
    assert judged["verdict"] == "better"
    assert judged["days"] == {"before": 28, "after": 28}
    assert judged["expected"] == created["expected"]
    listed = (await api.http.get("/api/offices/town/measures", headers=api.auth(M))).json()["measures"]
    assert [m["id"] for m in listed] == [created["id"]]
