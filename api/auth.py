"""Clerks log in with a password and get a token for their terminal; wrong passwords are rate limited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep, PrincipalDep
from api.errors import ApiError
from api.login_limit import LoginLimit
from api.schemas import ChooseLanguage, ChosenLanguage, Login, Me, Token
from scheduler.errors import Conflict
from service import administration
from store import admin

router = APIRouter(tags=["access"])


def login_limit(request: Request) -> LoginLimit:
    """The app's failed-login counts (one per app, made on the first login)."""
    state = request.app.state
    limit: LoginLimit | None = getattr(state, "login_limit", None)
    if limit is None:
        limit = state.login_limit = LoginLimit()
    return limit


@router.post(
    "/api/login",
    response_model=Token,
    responses={
        401: {"description": "`bad_credentials`: unknown user or wrong password"},
        429: {
            "description": "`too_many_failed_logins`: 5 wrong passwords for this username from this address, "
            "or 20 from this address, in 15 minutes; or, past 5 failures for this username from anywhere, "
            "less than 1 s, 2 s, 4 s ... (at most 60 s) since its last attempt (see Retry-After). The right "
            "password is refused too until then"
        },
    },
)
async def login(body: Login, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Exchange a username and password for a token (valid 12 hours)."""
    limit = login_limit(request)
    address = request.client.host if request.client else "unknown"
    attempt = limit.begin(body.username, address, parts.clock().timestamp())
    try:
        token, who = await run_in_threadpool(admin.login, parts.db, body.username, body.password, parts.clock())
    except Conflict as exc:
        raise ApiError(401, exc.code, exc.detail) from None
    except BaseException:
        limit.forget(attempt)
        raise
    limit.succeeded(attempt)
    language = await run_in_threadpool(admin.user_language, parts.db, body.username)
    return {
        "token": token,
        "role": who.role.value,
        "office": who.office,
        "username": who.username,
        "language": language,
    }


@router.get("/api/me", response_model=Me, responses={401: {"description": "`unauthorized`, `invalid_token`"}})
async def me(parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Who holds this token: username (null for a device), role, office, and the language they chose."""
    return await administration.me(parts, principal)


@router.put(
    "/api/me/language",
    response_model=ChosenLanguage,
    responses={
        400: {"description": "`no_user`: a device's token (kiosk, display) has no person to remember it for"},
        401: {"description": "`unauthorized`, `invalid_token`"},
        422: {"description": "`invalid_language`: not nl, fr or en"},
    },
)
async def choose_language(body: ChooseLanguage, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Remember the staff member's language (the clerk terminal and the staff pages speak it from then on)."""
    return await administration.set_language(parts, principal, body.language)
