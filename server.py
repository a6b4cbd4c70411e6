"""The composition root: `create_app(settings)` wires the database, the event bus, the hub and the routes."""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from sqlalchemy.engine import make_url
from starlette.concurrency import run_in_threadpool

from api import (
    administration,
    auth,
    bookings,
    citizens,
    counters,
    errors,
    health,
    ideas,
    live,
    measures,
    metrics,
    offices,
    offline,
    printers,
    recommendations,
    remote,
    status_events,
    tickets,
)
from api.headers import SecurityHeaders
from api.limits import BodyLimit
from api.metrics import Metrics, RequestMetrics
from api.origin import SameOrigin
from live.bus import Bus, MemoryBus, PostgresBus
from live.hub import Hub
from live.statuses import StatusFeeds
from scheduler import citizen, routing, usecases
from service import housekeeping
from service.messaging import Messenger
from service.parts import Clock, Parts, TokenCache
from service.ratelimit import RateLimit
from settings import Settings
from store import migrate
from store.database import Database
from store.engine import is_postgres, make_engine, normalise_url
from web import admin as admin_pages
from web import booking as booking_pages
from web import booking_manage, dashboard, display, docs, join, opendata, opendata_ideas, opendata_monthly, status
from web import ideas as idea_pages
from web import login as login_pages
from web.templates import make_environment


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_bus(settings: Settings) -> Bus:
    """LISTEN/NOTIFY when the database is PostgreSQL (several processes), in memory otherwise."""
    url = normalise_url(settings.database_url)
    if is_postgres(url):
        return PostgresBus(make_url(url).set(drivername="postgresql").render_as_string(hide_password=False))
    return MemoryBus()


def create_app(settings: Settings, *, clock: Clock | None = None, bus: Bus | None = None) -> FastAPI:
    # An unknown policy stops start-up, not the first call; an alternating measure's policy of the day goes first.
    policy = routing.in_force(routing.policy_named(settings.policy))
    engine = make_engine(settings.database_url, pool_size=settings.db_pool_size)
    clock = clock or _utcnow
    db = Database(engine, clock)
    hub = Hub(
        db,
        bus or default_bus(settings),
        queue_size=settings.ws_queue_size,
        poll_interval_s=settings.bus_poll_interval_s,
    )

    def followed_statuses(office: str, tokens: list[str]) -> dict[str, tuple[dict[str, Any], object]]:
        now = clock()
        statuses = db.read(lambda repo: usecases.ticket_statuses(repo, office, tokens, now, policy))
        return {token: (status, citizen.status_gist(status, now)) for token, status in statuses.items()}

    parts = Parts(
        settings=settings,
        db=db,
        hub=hub,
        statuses=StatusFeeds(hub, followed_statuses),
        clock=clock,
        tokens=TokenCache(settings.token_cache_s),
        messenger=Messenger(settings, db, clock),
        booking_limit=RateLimit(settings.booking_rate_per_hour),
        notify_limit=RateLimit(settings.notify_rate_per_hour, what="requests to be told"),
        join_limit=RateLimit(settings.join_rate_per_hour, what="joins of the queue"),
        idea_limit=RateLimit(settings.ideas_rate_per_hour, what="ideas"),
        policy=policy,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if settings.migrate_on_start:
            await run_in_threadpool(migrate.upgrade, settings.database_url)
        await hub.start()
        if settings.gc_freeze:
            # What start-up made (modules, routes, templates) lives as long as the server. Frozen, it is out of the
            # collector's way: under a region's load full collections paused the server for 100-120 ms each.
            gc.freeze()
        try:
            async with housekeeping.running(parts):
                yield
            await parts.messenger.drain()
        finally:
            await parts.statuses.stop()
            await hub.stop()
            engine.dispose()

    app = FastAPI(
        title="Loket",
        summary="Counter queues and appointments for public offices",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # web.docs serves /docs and /redoc from local files
        redoc_url=None,
    )
    app.state.parts = parts
    app.state.templates = make_environment()
    errors.install(app)
    errors.document(app)
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SameOrigin, public_url=settings.public_url)
    app.state.metrics = Metrics(parts)
    app.add_middleware(RequestMetrics, metrics=app.state.metrics)
    app.add_middleware(SecurityHeaders)  # outermost of ours: refusals by the others get the headers too
    for module in (
        health,
        metrics,
        auth,
        offices,
        tickets,
        offline,
        remote,
        bookings,
        citizens,
        ideas,
        status_events,
        counters,
        measures,
        recommendations,
        live,
        status,
        display,
        printers,
        booking_pages,
        booking_manage,
        join,
        idea_pages,
        opendata_ideas,
        opendata_monthly,
        opendata,
        dashboard,
        login_pages,
        admin_pages,
    ):
        app.include_router(module.router)
    app.include_router(administration.router)
    app.mount("/static", StaticFiles(packages=[("web", "static")]), name="static")
    docs.install(app)
    return app


def app_from_environment() -> FastAPI:
    """For `uvicorn --factory server:app_from_environment` and `loket serve --workers N`."""
    settings = Settings().model_copy(update={"gc_freeze": True})  # a server process: its start-up is for good
    if os.environ.get("LOKET_WORKER") == "1":
        settings = settings.model_copy(update={"migrate_on_start": False})
    return create_app(settings)
