"""`GET /metrics` speaks Prometheus: requests by route template, queue lengths, waits, counters and
websocket clients, with nothing about a citizen in it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from scheduler.model import Role
from server import create_app
from settings import Settings
from tests.api.conftest import Api, serving
from tests.support import Seeded


def samples(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


async def scrape(api: Api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    r = await api.http.get("/metrics")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("text/plain")
    return samples(r.text)


async def test_queue_lengths_waits_and_counters_are_exposed(api: Api) -> None:
    first = await api.issue("C")
    await api.issue("C")
    api.clock.advance(minutes=2)
    got = await scrape(api)
    town_c = (("office", "town"), ("service", "C"))
    assert got[("loket_waiting", town_c)] == 2
    assert got[("loket_oldest_wait_seconds", town_c)] == 120
    assert got[("loket_counters", (("office", "town"), ("state", "closed")))] == 3
    await api.open("3")
    r = await api.http.post(f"/api/counters/{api.seeded.counters['3']}/call-next", headers=api.auth(Role.CLERK))
    assert r.json()["number"] == first["number"]
    got = await scrape(api)
    assert got[("loket_waiting", town_c)] == 1
    assert got[("loket_called_today", town_c)] == 1
    assert got[("loket_wait_seconds_sum_today", town_c)] == 120
    assert got[("loket_called_within_promise_ratio_today", town_c)] == 1.0
    assert got[("loket_counters", (("office", "town"), ("state", "open")))] == 1
    assert got[("loket_websocket_clients", (("office", "town"),))] == 0


async def test_requests_are_counted_by_route_template_not_by_path(api: Api) -> None:
    ticket = await api.issue("C")
    await api.http.get(f"/api/status/{ticket['status_url'].rsplit('/', 1)[1]}")
    await api.http.get("/no/such/page")
    got = await scrape(api)
    route = (("method", "POST"), ("route", "/api/offices/{office}/tickets"), ("status", "201"))
    assert got[("loket_http_requests_total", route)] == 1
    assert (
        got[("loket_http_requests_total", (("method", "GET"), ("route", "/api/status/{token}"), ("status", "200")))]
        == 1
    )
    assert got[("loket_http_requests_total", (("method", "GET"), ("route", "unmatched"), ("status", "404")))] == 1
    text = (await api.http.get("/metrics")).text
    assert ticket["number"] not in text
    assert ticket["status_url"].rsplit("/", 1)[1] not in text


async def test_a_metrics_token_closes_the_endpoint_to_others(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    async with serving(sqlite_url, seeder(sqlite_url), metrics_token="scrape-me") as api:
        assert (await api.http.get("/metrics")).status_code == 401
        manager = await api.http.get("/metrics", headers=api.auth(Role.MANAGER))
        assert (manager.status_code, manager.json()["error"]) == (403, "forbidden")
        assert (await api.http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).status_code == 200
        assert (await api.http.get("/metrics", headers=api.auth(Role.ADMIN))).status_code == 200


def test_the_app_is_made_before_its_database_exists(tmp_path: Path) -> None:
    app = create_app(Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}"))
    assert app.state.metrics is not None
