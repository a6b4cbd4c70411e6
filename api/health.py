"""Liveness and readiness for load balancers and supervisors."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep

router = APIRouter(tags=["health"])


@router.get("/healthz")
async def healthz(parts: PartsDep) -> JSONResponse:
    """200 when the database answers, 503 when it does not."""

    def ping() -> None:
        with parts.db.reader.connect() as conn:
            conn.execute(text("SELECT 1"))

    try:
        await run_in_threadpool(ping)
    except Exception as exc:
        return JSONResponse({"status": "unavailable", "error": "database_unavailable", "detail": str(exc)[:200]}, 503)
    return JSONResponse({"status": "ok", "database": parts.db.engine.dialect.name})
