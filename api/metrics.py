"""`GET /metrics` for Prometheus: requests, queue lengths, waits and websocket clients.

Request counts and durations are kept per server process (label the scrape target per worker, or
scrape one worker: the queue figures come from the shared database and agree everywhere). Queue
figures are read at scrape time from today's tickets of every office: counts and seconds only,
nothing about a citizen. Routes are labelled by their template (`/api/tickets/{ticket_id}/{action}`),
and requests that match no route as `unmatched`, so labels stay few.
"""

from __future__ import annotations

import hmac
import time
from collections import Counter as Tally
from collections.abc import Iterator
from datetime import datetime
from functools import partial

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import PartsDep, resolve
from api.errors import ApiError
from scheduler import model
from scheduler.model import PROMISE, CounterState, Office, Role, TicketState
from scheduler.numbering import office_day
from scheduler.repository import Repository
from service.parts import Parts
from store.today import TodaysWait, visits_of_day

router = APIRouter(tags=["operations"])

#: Seconds; the last buckets show how far past the five-minute promise the slow requests are.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _office_and_counters(repo: Repository, *, office: str) -> tuple[Office, list[model.Counter]]:
    return repo.office(office), repo.counters(office)


class Metrics:
    """The app's registry: one per app (no module-level state), with the request metrics and the office
    collector."""

    def __init__(self, parts: Parts) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.requests = Counter(
            "loket_http_requests", "HTTP requests answered", ["method", "route", "status"], registry=self.registry
        )
        self.latency = Histogram(
            "loket_http_request_duration_seconds",
            "Time to answer an HTTP request",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(OfficeCollector(parts))

    def exposition(self) -> bytes:
        return bytes(generate_latest(self.registry))


class OfficeCollector(Collector):
    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    def describe(self) -> list[Metric]:
        # Without this the registry would collect once at registration, reading a database that may not be
        # migrated yet (create_app runs before the lifespan migrates).
        return []

    def collect(self) -> Iterator[Metric]:
        labels = ["office", "service"]
        waiting = GaugeMetricFamily(
            "loket_waiting", "Citizens waiting now (away on a timed return included)", labels=labels
        )
        oldest = GaugeMetricFamily(
            "loket_oldest_wait_seconds", "How long the longest-waiting citizen has waited", labels=labels
        )
        called = GaugeMetricFamily("loket_called_today", "Citizens called today", labels=labels)
        waits = GaugeMetricFamily(
            "loket_wait_seconds_sum_today", "Total seconds waited before the call, today", labels=labels
        )
        within = GaugeMetricFamily(
            "loket_called_within_promise_ratio_today",
            "Share of today's calls within 5 minutes of the wait start",
            labels=labels,
        )
        counters = GaugeMetricFamily("loket_counters", "Counters by state", labels=["office", "state"])
        clients = GaugeMetricFamily(
            "loket_websocket_clients", "Websocket clients following the office", labels=["office"]
        )
        now = self.parts.clock()
        db = self.parts.db
        for office in db.office_ids():
            info = db.read(partial(_office_and_counters, office=office))
            day = office_day(now, info[0].timezone)
            visits = visits_of_day(db, office, day)
            for service in sorted({v.service for v in visits}):
                mine = [v for v in visits if v.service == service]
                queued = [v for v in mine if v.state is TicketState.WAITING]
                waited = [w for v in mine if (w := v.wait_s) is not None]
                waiting.add_metric([office, service], len(queued))
                oldest.add_metric([office, service], _longest(queued, now))
                called.add_metric([office, service], len(waited))
                waits.add_metric([office, service], sum(waited))
                if waited:
                    within.add_metric(
                        [office, service], sum(1 for w in waited if w <= PROMISE.total_seconds()) / len(waited)
                    )
            states = Tally(c.state for c in info[1])
            for state in CounterState:
                counters.add_metric([office, state.value], states.get(state, 0))
            clients.add_metric([office], self.parts.hub.listeners(office))
        yield from (waiting, oldest, called, waits, within, counters, clients)


def _longest(queued: list[TodaysWait], now: datetime) -> float:
    starts = [v.waiting_since for v in queued if v.waiting_since <= now]  # a timed return still away: not yet
    return max(((now - s).total_seconds() for s in starts), default=0.0)


class RequestMetrics:
    """ASGI middleware counting every HTTP request by method, route template and status."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def remember(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, remember)
        finally:
            route = scope.get("route")
            template = getattr(route, "path", None) or "unmatched"
            method = str(scope.get("method", ""))
            self.metrics.requests.labels(method, template, str(status)).inc()
            self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


@router.get("/metrics", response_class=Response, include_in_schema=True)
async def metrics(request: Request, parts: PartsDep) -> Response:
    """Prometheus text format. Open unless `LOKET_METRICS_TOKEN` is set; then it takes that token or an
    admin token as `Authorization: Bearer`."""
    await _allowed(request, parts)
    registry: Metrics = request.app.state.metrics
    body = await run_in_threadpool(registry.exposition)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


async def _allowed(request: Request, parts: Parts) -> None:
    wanted = parts.settings.metrics_token
    if not wanted:
        return
    header = request.headers.get("authorization", "")
    secret = header[7:].strip() if header.lower().startswith("bearer ") else ""
    # In constant time: how long a wrong guess takes must not tell how much of it was right.
    if hmac.compare_digest(secret.encode(), wanted.encode()):
        return
    principal = await resolve(parts, secret or None)
    if principal.role is not Role.ADMIN:
        raise ApiError(403, "forbidden", "the metrics take the metrics token or an admin token")
