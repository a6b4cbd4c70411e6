"""Liveness and readiness for load balancers and supervisors."""

from __future__ import annotations

import logging

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep
from store.failures import ping

router = APIRouter(tags=["health"])
log = logging.getLogger("loket.health")


@router.get("/healthz")
async def healthz(parts: PartsDep) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""

    try:
        await run_in_threadpool(ping, parts.db.reader)
    except Exception as exc:
        # The driver's words (host, port, user, database, sometimes the query) are for the operator's log, not
        # for anyone who can reach /healthz; a password in them is masked there too.
        password = parts.db.engine.url.password
        said = str(exc).replace(str(password), "***") if password else str(exc)
        log.warning("healthz: database unavailable: %s: %s", type(exc).__name__, said[:500])
        return JSONResponse(
            {"status": "unavailable", "error": "database_unavailable", "detail": "database unavailable"}, 503
        )
    return JSONResponse({"status": "ok", "database": parts.db.engine.dialect.name})
