"""Issuing, calling and moving tickets through the HTTP API."""

from __future__ import annotations

import asyncio

from scheduler.model import Role
from tests.api.conftest import Api

C, M = Role.CLERK, Role.MANAGER


async def test_ticket_has_number_status_url_and_estimate(api: Api) -> None:
    first = await api.issue("A", "fr")
    second = await api.issue("A", "nl")
    assert (first["number"], second["number"]) == ("A001", "A002")
    assert str(first["status_url"]).startswith("https://loket.example/t/")
    assert second["people_ahead"] == 1
    assert isinstance(second["estimated_wait_s"], int)


async def test_same_idempotency_key_gives_the_same_ticket_and_never_a_second(api: Api) -> None:
    first = await api.issue("B", **{"Idempotency-Key": "kiosk1-0001"})
    again = await api.issue("B", **{"Idempotency-Key": "kiosk1-0001"})
    assert again["id"] == first["id"]
    assert again["status_url"] == first["status_url"]
    queue = (await api.http.get("/api/offices/town/queue", headers=api.auth(M))).json()
    assert [t["number"] for t in queue["waiting"]] == ["B001"]


async def test_concurrent_retries_with_one_key_make_one_ticket(api: Api) -> None:
    results = await asyncio.gather(*(api.issue("C", **{"Idempotency-Key": "same"}) for _ in range(8)))
    assert {r["id"] for r in results} == {results[0]["id"]}
    queue = (await api.http.get("/api/offices/town/queue", headers=api.auth(M))).json()
    assert len(queue["waiting"]) == 1


async def test_reusing_a_key_for_another_service_is_refused(api: Api) -> None:
    await api.issue("A", **{"Idempotency-Key": "k"})
    r = await api.http.post(
        "/api/offices/town/tickets",
        json={"service": "B", "language": "nl"},
        headers={**api.auth(Role.KIOSK), "Idempotency-Key": "k"},
    )
    assert r.status_code == 409
    assert r.json()["error"] == "idempotency_key_reused"


async def test_call_next_answers_204_when_nobody_waits(api: Api) -> None:
    await api.open("3")
    r = await api.http.post(f"/api/counters/{api.seeded.counters['3']}/call-next", headers=api.auth(C))
    assert r.status_code == 204
    assert r.content == b""


async def test_a_whole_visit_with_transfer_keeps_number_and_check_in_time(api: Api) -> None:
    ticket = await api.issue("A")
    api.clock.advance(minutes=3)
    await api.open("1")
    await api.open("2")
    one, two = api.seeded.counters["1"], api.seeded.counters["2"]
    called = (await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(C))).json()
    assert called["number"] == "A001"
    assert called["counter"] == {"id": one, "name": "1"}
    r = await api.http.post(f"/api/tickets/{called['id']}/start", json={"counter": one}, headers=api.auth(C))
    assert r.json()["state"] == "serving"
    r = await api.http.post(f"/api/tickets/{called['id']}/transfer", json={"to_service": "C"}, headers=api.auth(C))
    moved = r.json()
    assert r.status_code == 200, r.text
    assert (moved["number"], moved["service"], moved["state"]) == ("A001", "C", "waiting")
    assert moved["checked_in_at"] == ticket["checked_in_at"]
    status = (await api.http.get(f"/api/status/{str(ticket['status_url']).rsplit('/', 1)[1]}")).json()
    assert (status["service"], status["state"]) == ("C", "waiting")
    again = (await api.http.post(f"/api/counters/{two}/call-next", headers=api.auth(C))).json()
    assert again["id"] == moved["id"]
    r = await api.http.post(f"/api/tickets/{again['id']}/finish", json={"counter": two}, headers=api.auth(C))
    assert r.json()["state"] == "done"


async def test_parked_ticket_is_called_back_by_number(api: Api) -> None:
    await api.issue("A")
    await api.open("1")
    one = api.seeded.counters["1"]
    called = (await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(C))).json()
    r = await api.http.post(f"/api/tickets/{called['id']}/park", headers=api.auth(C))
    assert r.json()["state"] == "parked"
    assert (await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(C))).status_code == 204
    r = await api.http.post(f"/api/tickets/{called['id']}/call", json={"counter": one}, headers=api.auth(C))
    assert r.status_code == 200, r.text
    assert r.json()["state"] == "called"


async def test_another_counter_cannot_finish_my_citizen(api: Api) -> None:
    await api.issue("A")
    await api.open("1")
    one, two = api.seeded.counters["1"], api.seeded.counters["2"]
    called = (await api.http.post(f"/api/counters/{one}/call-next", headers=api.auth(C))).json()
    r = await api.http.post(f"/api/tickets/{called['id']}/finish", json={"counter": two}, headers=api.auth(C))
    assert r.status_code == 409
    assert r.json()["error"] == "not_your_ticket"


async def test_pause_keeps_the_reason_and_blocks_calls_until_resume(api: Api) -> None:
    await api.issue("C")
    await api.open("3")
    three = api.seeded.counters["3"]
    r = await api.http.post(f"/api/counters/{three}/pause", json={"reason": "lunch"}, headers=api.auth(C))
    assert (r.json()["state"], r.json()["pause_reason"]) == ("paused", "lunch")
    r = await api.http.post(f"/api/counters/{three}/call-next", headers=api.auth(C))
    assert r.json()["error"] == "counter_not_open"
    await api.http.post(f"/api/counters/{three}/resume", headers=api.auth(C))
    r = await api.http.post(f"/api/counters/{three}/call-next", headers=api.auth(C))
    assert r.json()["number"] == "C001"


async def test_queue_snapshot_shows_services_counters_waiting_and_recent_calls(api: Api) -> None:
    for service in "AABC":
        await api.issue(service)
    await api.open("1")
    await api.http.post(f"/api/counters/{api.seeded.counters['1']}/call-next", headers=api.auth(C))
    queue = (await api.http.get("/api/offices/town/queue", headers=api.auth(Role.DISPLAY))).json()
    assert queue["seq"] == 6  # four issued, one opened, one called
    assert {s["code"]: s["waiting"] for s in queue["services"]} == {"A": 1, "B": 1, "C": 1}
    counters = {c["name"]: c for c in queue["counters"]}
    assert counters["1"]["state"] == "open"
    assert counters["1"]["ticket"]["number"] == "A001"
    assert counters["2"]["state"] == "closed"
    assert [t["number"] for t in queue["waiting"]] == ["A002", "B001", "C001"]
    assert [c["number"] for c in queue["recent_calls"]] == ["A001"]
    assert "token" not in str(queue)


async def test_the_wait_a_citizen_was_told_is_kept_once_for_the_estimates_accuracy(api: Api) -> None:
    await api.issue("A")
    told = await api.issue("A", **{"Idempotency-Key": "k-1"})
    again = await api.issue("A", **{"Idempotency-Key": "k-1"})  # a replay tells again, but changes nothing
    assert again["id"] == told["id"]
    stored = api.seeded.db.read(lambda repo: repo.ticket(int(told["id"])))
    assert (stored.announced_wait_s, [stored.announced_low_s, stored.announced_high_s]) == (
        told["estimated_wait_s"],
        told["estimated_wait_range_s"],
    )
