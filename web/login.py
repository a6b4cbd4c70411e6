"""`GET/POST /login` and `POST /logout`: staff log in to the web pages with their password.

The form works without JavaScript. A right password sets the session cookie (web/staff_session.py) and answers
303 to `?next=` (a path on this server only) or to the user's own page: a manager's dashboard, an admin's list
of offices. Wrong passwords count in the same limits as `POST /api/login` (api/login_limit.py): 401 with the
page again, the username kept; 429 with Retry-After once locked. `POST /logout` revokes the token and clears
the cookie.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from i18n.messages import N_
from scheduler.errors import Conflict
from scheduler.model import Role
from service.parts import Parts
from store import admin
from web import staff_session, token_cookie
from web.page import PRIVATE, Page, form_fields, path

router = APIRouter(tags=["staff login"])

#: The session lasts as long as its token (store.admin.CLERK_TOKEN_TTL: 12 hours).
SESSION_S = int(admin.CLERK_TOKEN_TTL.total_seconds())
MAX_USERNAME, MAX_PASSWORD = 64, 200

WRONG = N_("The username or the password is not right.")
LOCKED = N_("Too many wrong passwords. Try again in %(minutes)d minutes.")
LOCKED_SECONDS = N_("Too many wrong passwords. Try again in %(seconds)d seconds.")
USERNAME_REQUIRED = N_("Type your username.")
PASSWORD_REQUIRED = N_("Type your password.")
TOO_LONG = N_("This is too long.")


def parts_of(request: Request) -> Parts:
    parts: Parts = request.app.state.parts
    return parts


def landing(principal_role: Role, office: str | None) -> str:
    """Where a user goes after logging in when no page asked for it."""
    if principal_role is Role.ADMIN and office is None:
        return "/admin"
    if principal_role in (Role.MANAGER, Role.ADMIN) and office is not None:
        return path("manage", office)
    return "/login"


def _landing_link(page: Page, role: Role, office: str | None) -> str:
    """The link to the user's own page; "" when there is none (a clerk's)."""
    target = landing(role, office)
    return "" if target == "/login" else page.url(target)


def _form(page: Page, *, status: int = 200, username: str = "", next_: str | None = None, **context: Any) -> Response:
    current = context.get("current")
    return page.render(
        "login.html",
        status=status,
        username=username,
        next=next_ or "",
        errors=context.pop("errors", {}),
        role_names={role: page._(name) for role, name in staff_session.ROLE_NAMES.items()},
        landing=_landing_link(page, current.role, current.office) if current is not None else "",
        request_done=page.request.query_params.get("done", ""),
        **context,
    )


@router.get("/login")
async def login_page(request: Request, lang: str | None = None, next: str | None = None) -> Response:
    """The login form; for someone logged in already, who they are and a logout button."""
    parts = parts_of(request)
    staff = await staff_session.staff_of(request, parts)
    current = staff.principal if staff is not None and staff.by_session else None
    stored = await staff_session.stored_language(parts, current) if current is not None else None
    page = staff_session.page_for(request, lang, stored)
    return _form(page, next_=staff_session.safe_next(next), current=current)


@router.post("/login")
async def log_in(request: Request, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    parts = parts_of(request)
    fields = await form_fields(request)
    username = fields.get("username", "").strip()
    password = fields.get("password", "")
    next_ = staff_session.safe_next(fields.get("next"))
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = page._(USERNAME_REQUIRED)
    elif len(username) > MAX_USERNAME:
        errors["username"] = page._(TOO_LONG)
    if not password:
        errors["password"] = page._(PASSWORD_REQUIRED)
    elif len(password) > MAX_PASSWORD:
        errors["password"] = page._(TOO_LONG)
    if errors:
        return _form(page, status=422, username=username[:MAX_USERNAME], next_=next_, errors=errors)
    limit = staff_session.login_limit(request)
    address = request.client.host if request.client else "unknown"
    now: datetime = parts.clock()
    try:
        attempt = limit.begin(username, address, now.timestamp())
    except ApiError as refused:
        retry = int((refused.headers or {}).get("Retry-After", "60"))
        said = (
            page._(LOCKED) % {"minutes": -(-retry // 60)}
            if retry >= 120
            else page._(LOCKED_SECONDS) % {"seconds": retry}
        )
        response = _form(page, status=429, username=username, next_=next_, problem=said)
        response.headers["Retry-After"] = str(retry)
        return response
    try:
        token, who = await run_in_threadpool(admin.login, parts.db, username, password, now, staff_session.LABEL)
    except Conflict:
        return _form(page, status=401, username=username, next_=next_, problem=page._(WRONG))
    except BaseException:
        limit.forget(attempt)
        raise
    limit.succeeded(attempt)
    target = next_ or landing(who.role, who.office)
    if next_ is None and lang:
        target = page.url(target)
    response = RedirectResponse(target, status_code=303, headers=PRIVATE)
    secure = staff_session.secure(request, parts.settings.public_url)
    staff_session.set_session(response, token, secure=secure, max_age=SESSION_S)
    return response


@router.post("/logout")
async def log_out(request: Request, lang: str | None = None) -> Response:
    """Revoke the session's token and clear the cookie; then the login page."""
    parts = parts_of(request)
    token = request.cookies.get(token_cookie.SESSION_COOKIE)
    if token:
        await run_in_threadpool(admin.revoke_token, parts.db, token, parts.clock())
    page = Page.of(request, lang)
    response = RedirectResponse(page.url("/login", done="logout"), status_code=303, headers=PRIVATE)
    staff_session.clear_session(response, secure=staff_session.secure(request, parts.settings.public_url))
    return response
