"""Clerks log in with a password and get a token for their terminal."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep
from api.errors import ApiError
from api.schemas import Login, Token
from scheduler.errors import Conflict
from store import admin

router = APIRouter(tags=["access"])


@router.post("/api/login", response_model=Token)
async def login(body: Login, parts: PartsDep) -> dict[str, Any]:
    """Exchange a username and password for a token (valid 12 hours)."""
    try:
        token, who = await run_in_threadpool(admin.login, parts.db, body.username, body.password, parts.clock())
    except Conflict as exc:
        raise ApiError(401, exc.code, exc.detail) from None
    return {"token": token, "role": who.role.value, "office": who.office, "username": who.username}
