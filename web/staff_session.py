"""Staff logged in on the web: a session cookie holding a login token, and who a staff page's visitor is.

`POST /login` (web/login.py) checks the password like `POST /api/login` and sets `loket_staff`: a login token
(12 hours, label "web login USER", revoked by `POST /logout`), `HttpOnly` (no script reads it), `Path=/` (the
dashboard, the administration pages and the display use it), `Secure` when the server's public address is
https (or the request came over https), and `SameSite=Lax`:

- Strict would also do for the 303 that follows the login (a redirect of our own form's post is a same-site
  navigation), but a manager who follows a link to `/manage/...` or `/admin/...` from an e-mail or a chat (a
  navigation started on another site) would arrive without the cookie and be asked to log in again although
  logged in. Lax sends it with such top-level GET navigations only.
- What Lax lets through is harmless here: staff GET pages only read, and are never framed (frame-ancestors
  'none'). A post from another site's page gets no cookie under Lax, and is refused anyway by the same-origin
  middleware (api/origin.py: 403 `cross_site_post`).

A staff page takes, in this order, the first valid one of: the address's `?token=` (a TV's bookmark: traded for
the page's own cookie, web/token_cookie.py), the page's own cookie, the session cookie.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlencode, urlsplit

from fastapi import Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.requests import HTTPConnection

from api.deps import resolve
from api.errors import ApiError
from api.login_limit import LoginLimit
from i18n.messages import N_
from scheduler.access import Permission, Principal
from scheduler.model import Role
from service import administration
from service.parts import Parts
from web.page import Page, choose_language
from web.token_cookie import SESSION_COOKIE

ROLE_NAMES = {
    Role.CLERK.value: N_("clerk"),
    Role.MANAGER.value: N_("manager"),
    Role.ADMIN.value: N_("admin"),
    Role.KIOSK.value: N_("kiosk"),
    Role.DISPLAY.value: N_("display"),
}
#: The label of a web login's token (`loket token list` shows it), after which comes the username.
LABEL = "web login"


@dataclass(frozen=True)
class Staff:
    """Who is looking at a staff page, with which token, and how it came (query, page cookie or session)."""

    principal: Principal
    token: str
    via: str  # "query", "page" or "session"

    @property
    def by_session(self) -> bool:
        return self.via == "session"


def login_limit(connection: HTTPConnection) -> LoginLimit:
    """The app's failed-login counts: the very object `POST /api/login` counts in (api/auth.py `login_limit`,
    on `app.state.login_limit`), so wrong passwords on the page and on the API add up."""
    state = connection.app.state
    limit: LoginLimit | None = getattr(state, "login_limit", None)
    if limit is None:
        limit = state.login_limit = LoginLimit()
    return limit


def candidates(connection: HTTPConnection, page_cookie: str | None) -> list[tuple[str, str]]:
    """The tokens the request carries for a staff page, in the order they are tried."""
    found = [
        ("query", connection.query_params.get("token") or ""),
        ("page", (connection.cookies.get(page_cookie) or "") if page_cookie else ""),
        ("session", connection.cookies.get(SESSION_COOKIE) or ""),
    ]
    return [(via, token) for via, token in found if token]


async def first_valid(parts: Parts, tokens: Iterable[tuple[str, str]]) -> Staff | None:
    for via, token in tokens:
        try:
            return Staff(await resolve(parts, token), token, via)
        except ApiError:
            continue
    return None


async def staff_of(connection: HTTPConnection, parts: Parts, page_cookie: str | None = None) -> Staff | None:
    """The first valid credential of the request, or None."""
    return await first_valid(parts, candidates(connection, page_cookie))


def secure(connection: HTTPConnection, public_url: str) -> bool:
    return urlsplit(public_url).scheme == "https" or connection.url.scheme == "https"


def set_session(response: Response, token: str, *, secure: bool, max_age: int) -> None:
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", secure=secure, httponly=True, samesite="lax")


def clear_session(response: Response, *, secure: bool) -> None:
    response.delete_cookie(SESSION_COOKIE, path="/", secure=secure, httponly=True, samesite="lax")


def safe_next(target: str | None) -> str | None:
    """`target` if it is a path on this server (`/manage/town?days=7`), else None: never another site
    (`https://evil.example`, `//evil.example`, `/\\evil.example`), never a scheme (`javascript:`)."""
    if not target or len(target) > 2000 or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    if any(ord(c) < 0x20 or c in "\\\x7f" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def here(connection: HTTPConnection) -> str:
    """The request's own path and query, without `token`, for `?next=`."""
    query = urlencode([(k, v) for k, v in connection.query_params.multi_items() if k != "token"])
    path = quote(connection.url.path)
    return f"{path}?{query}" if query else path


def to_login(connection: HTTPConnection, language: str | None = None) -> RedirectResponse:
    """303 to the login page, which comes back here afterwards."""
    params = {"next": here(connection), **({"lang": language} if language else {})}
    return RedirectResponse(f"/login?{urlencode(params)}", status_code=303, headers={"Cache-Control": "no-store"})


# A staff page's guard: who may see it, in which language, and the refusal pages.

NO_ACCESS = N_("You may not see this page")
# Translators: %(user)s is a username or "this token"; %(role)s a role (clerk, manager ...); %(office)s an office.
NO_ACCESS_DETAIL = N_(
    "%(who)s is a %(role)s of %(where)s. This page is for the managers of office %(office)s and for admins."
)
EVERY_OFFICE = N_("every office")
# Translators: the office a token or a user belongs to, e.g. "office town".
OFFICE_NAMED = N_("office %(office)s")
THIS_TOKEN = N_("This token")
TOKEN_NOT_VALID = N_("This token is not valid")
TOKEN_NOT_VALID_DETAIL = N_("It may have expired or been revoked. Log in with your username and password instead.")
LOG_IN_FIRST = N_("Log in to see this page.")
# Translators: how to open a staff page on a TV or from a script, with the command to type (not translated).
HOW_TO_TOKEN = N_("A screen without anyone to log in can open it with a token: %(command)s")


def page_for(request: Request, lang: str | None, stored: str | None = None) -> Page:
    """The page's language: `?lang=`, else the user's own language, else the browser's (Accept-Language)."""
    return Page(request, choose_language(lang, request.headers.get("accept-language"), preferred=stored))


def login_form(page: Page, *, status: int = 401, note: str | None = None) -> Response:
    """The login form in place of a page that needs one: it comes back here after the login."""
    response = page.render(
        "login.html", status=status, username="", next=here(page.request), errors={}, note=note or page._(LOG_IN_FIRST)
    )
    response.headers["WWW-Authenticate"] = 'Cookie realm="loket staff", form="/login"'
    return response


def refusal(
    page: Page, status: int, title: str, detail: str, staff: Staff | None = None, hint: str | None = None
) -> Response:
    return page.render(
        "dashboard_error.html",
        status=status,
        title=title,
        detail=detail,
        hint=hint,
        by_session=staff is not None and staff.by_session,
        login=page.url("/login", next=here(page.request)),
    )


async def guard(
    request: Request,
    parts: Parts,
    office: str,
    permission: Permission,
    *,
    lang: str | None,
    page_cookie: str | None = None,
    hint: str | None = None,
) -> tuple[Staff, Page] | Response:
    """The visitor and the page's language if they may see this office's page; else the answer to give: the
    login form (401, no valid credential), "this token is not valid" (401, a `?token=` that is not), or a
    refusal in words (403)."""
    query_token = request.query_params.get("token")
    if query_token:
        staff = await first_valid(parts, [("query", query_token)])
        if staff is None:
            page = page_for(request, lang)
            return refusal(page, 401, page._(TOKEN_NOT_VALID), page._(TOKEN_NOT_VALID_DETAIL), hint=_hint(page, hint))
    else:
        staff = await staff_of(request, parts, page_cookie)
        if staff is None:
            return login_form(page_for(request, lang))
    page = page_for(request, lang, await stored_language(parts, staff.principal))
    if not staff.principal.may(permission, office):
        return refused(page, staff, office, hint)
    return staff, page


def refused(page: Page, staff: Staff, office: str, hint: str | None = None) -> Response:
    """403 in words: who the visitor is, and who the page is for."""
    principal = staff.principal
    who = principal.username or page._(THIS_TOKEN)
    where = page._(OFFICE_NAMED) % {"office": principal.office} if principal.office else page._(EVERY_OFFICE)
    role = page._(ROLE_NAMES.get(principal.role.value, principal.role.value))
    detail = page._(NO_ACCESS_DETAIL) % {"who": who, "role": role, "where": where, "office": office}
    return refusal(page, 403, page._(NO_ACCESS), detail, staff, _hint(page, hint))


def _hint(page: Page, hint: str | None) -> str | None:
    return page._(HOW_TO_TOKEN) % {"command": hint} if hint else None


async def stored_language(parts: Parts, principal: Principal) -> str | None:
    """The language the user chose for their pages and terminal (None: not chosen, or a token of no user)."""
    if principal.username is None:
        return None
    return await run_in_threadpool(administration.user_language, parts, principal.username)
