"""A staff page's `?token=` traded for a cookie, so that the token leaves the address bar and the history.

Opened with `?token=`, the display and the dashboard check the token, then answer 303 to the same address
without it and set an HttpOnly, SameSite=Strict cookie (Secure over https) whose path is that page's own: the
browser sends it back to that page and to what lies under it (the display's socket and queue), to nothing else
on the server. A TV whose bookmark carries the token simply trades it again at each start.

A member of staff logged in on the web (web/staff_session.py) holds a session cookie (`loket_staff`, Path=/):
the staff pages take it when they have neither `?token=` nor their own cookie (`staff_token_of`); citizens'
pages never do (`token_of`).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode, urlsplit

from fastapi.responses import RedirectResponse
from starlette.requests import HTTPConnection

#: The session cookie of staff logged in on the web (web/staff_session.py, which names it too).
SESSION_COOKIE = "loket_staff"


def token_of(connection: HTTPConnection, cookie: str) -> str | None:
    """The token in the address (to be traded) or else the one in the page's cookie."""
    return connection.query_params.get("token") or connection.cookies.get(cookie) or None


def staff_token_of(connection: HTTPConnection, cookie: str) -> str | None:
    """For a staff page (the display, the dashboard): the token in the address, else the page's cookie, else the
    web session's (a member of staff logged in at /login). Never for a citizen's page: a logged-in clerk browsing
    the ideas page is no visitor."""
    return connection.query_params.get("token") or staff_cookie_of(connection, cookie)


def staff_cookie_of(connection: HTTPConnection, cookie: str) -> str | None:
    """For what lies under a staff page (the display's socket and queue): the page's cookie, else the web
    session's."""
    return connection.cookies.get(cookie) or connection.cookies.get(SESSION_COOKIE) or None


def to_trade(connection: HTTPConnection) -> bool:
    return "token" in connection.query_params


def page_path(connection: HTTPConnection) -> str:
    return quote(connection.url.path)


def traded(connection: HTTPConnection, cookie: str, token: str, *, max_age: int | None) -> RedirectResponse:
    """303 to the page's address without `token` (its other parameters kept), setting the cookie.
    `max_age`: None for a cookie that ends with the browser session."""
    query = urlencode([(name, value) for name, value in connection.query_params.multi_items() if name != "token"])
    path = page_path(connection)
    answer = RedirectResponse(f"{path}?{query}" if query else path, status_code=303)
    answer.headers["Cache-Control"] = "no-store"
    answer.set_cookie(
        cookie,
        token,
        max_age=max_age,
        path=path,
        secure=connection.url.scheme == "https",
        httponly=True,  # no script of the page, nor one that got into it, reads the token
        samesite="strict",  # another site's page never gets the browser to send it
    )
    return answer


def from_own_page(connection: HTTPConnection, public_url: str) -> bool:
    """For a websocket the cookie opens: browsers name the page that opened it in `Origin`, and only pages of
    this server (the host it was reached at, or LOKET_PUBLIC_URL) may use the cookie. A request without `Origin`
    comes from no browser page: it carries the cookie only if its sender put it there, knowing the token."""
    origin = connection.headers.get("origin")
    if origin is None:
        return True
    claimed = urlsplit(origin).netloc.lower()
    return claimed in {connection.headers.get("host", "").lower(), urlsplit(public_url).netloc.lower()} - {""}


#: The first name of `staff_cookie_of` (an earlier note to the display's author named it so).
cookie_of = staff_cookie_of
