"""`GET /display/{office}`: the waiting-room board for a TV — plain HTML, CSS and JavaScript from this server,
driven by the office websocket (see web/static/display.js)."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, WebSocket
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment

from api.deps import PartsDep, resolve
from api.errors import ApiError
from api.websocket import follow
from i18n import LANGUAGES, gettext, messages, pgettext
from i18n.messages import N_
from scheduler.access import Permission
from scheduler.errors import NotFound
from scheduler.events import EventType
from service.changes import read
from service.snapshot import queue_snapshot
from web import token_cookie
from web.page import choose_language

router = APIRouter(tags=["displays"])

#: The cookie a display's `?token=` is traded for (web/token_cookie.py), kept as long as browsers allow: a TV
#: shows its board for months, and the token itself says how long it is valid.
COOKIE = "loket_display"
COOKIE_MAX_AGE_S = 400 * 24 * 3600

#: The board's words, in every language it may alternate between.
LABELS = (
    N_("Ticket"),
    # Translators: the place where a citizen is served ("loket" / "guichet"), also spoken: "Ticket A 12, counter 3".
    N_("Counter"),
    # Translators: shown on the board when a ticket is called again.
    N_("Recall"),
    N_("Previous calls"),
    N_("Waiting"),
    N_("Estimated wait"),
    # Translators: minutes, after a number on the board.
    N_("min"),
    # Translators: a small mark on the board while it has lost its connection to the server.
    N_("Offline"),
    # Translators: after the number waiting for a service on the board: how many of them joined from elsewhere
    # and are not in the room yet, e.g. "5 (2 on their way)".
    N_("%(n)d on their way"),
    messages.OPEN_TODAY,
    messages.CLOSED_TODAY,
)


def _languages(lang: str | None) -> list[str]:
    wanted = [part.strip() for part in (lang or "nl,fr").split(",") if part.strip()]
    return [code for code in wanted if code in LANGUAGES] or ["nl", "fr"]


def _refusal(env: Environment, status: int, title: str, detail: str, language: str) -> HTMLResponse:
    html = env.get_template("display_error.html").render(title=title, detail=detail, language=language)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/display/{office}", response_class=HTMLResponse)
async def display_page(
    office: str,
    request: Request,
    parts: PartsDep,
    token: str | None = None,
    lang: str | None = None,
    staff: bool = False,
) -> Response:
    """The board. `token`: a display token of the office (read only), traded for a cookie of this page and
    answered with a 303 to the address without it; `lang`: the languages the labels and announcements
    alternate between, e.g. `nl,fr` (the default) or `fr,nl,en`; `staff=1`: the staff view, which also shows
    the kiosks' printer faults (for a screen behind the counters)."""
    env: Environment = request.app.state.templates
    # Whoever installs the display reads why it does not work: in the board's first language when the address
    # names them, else in their browser's.
    said = choose_language(lang.split(",")[0] if lang else None, request.headers.get("accept-language"))
    command = "loket token create --role display --office " + office
    how = gettext(said, "Create one with: %(command)s") % {"command": command}
    # A TV's token, else a logged-in member of staff's session (a manager opening the board from the dashboard).
    token = token_cookie.staff_token_of(request, COOKIE)
    if not token:
        add = gettext(said, "Add ?token=DISPLAY_TOKEN to the address.")
        return _refusal(env, 401, gettext(said, "This display has no token"), f"{add} {how}", said)
    try:
        principal = await resolve(parts, token)
    except ApiError:
        revoked = gettext(said, "It may have been revoked.")
        return _refusal(env, 401, gettext(said, "This display's token is not valid"), f"{revoked} {how}", said)
    if not principal.may(Permission.READ, office):
        refused = gettext(said, "This token may not show office %(office)s") % {"office": office}
        return _refusal(env, 403, refused, how, said)
    if token_cookie.to_trade(request):
        return token_cookie.traded(request, COOKIE, token, max_age=COOKIE_MAX_AGE_S)
    try:
        found = await read(parts, lambda repo: repo.office(office))
    except NotFound:
        title = gettext(said, "There is no office %(office)s") % {"office": repr(office)}
        return _refusal(env, 404, title, gettext(said, "Check the address of the display."), said)
    languages = _languages(lang)
    labels = {code: {label: gettext(code, label) for label in LABELS} for code in languages}
    # The staff view's printer alerts, e.g. "Kiosk hall-1: printer out of paper".
    printers = {
        code: {
            "alert": gettext(code, messages.PRINTER_ALERT),
            **{state: pgettext(code, *words) for state, words in messages.PRINTER_STATES.items()},
        }
        for code in languages
    }
    config = {
        "office": found.id,
        "officeName": found.name,
        "timezone": found.timezone,
        # The socket and the queue lie under the page's address, where its cookie goes: the page holds no token.
        "base": token_cookie.page_path(request),
        "languages": languages,
        "labels": labels,
        "printers": printers,
        "staff": staff,
        # The event names the board reacts to, from the one list of them (scheduler.events.EventType).
        "events": {
            "called": EventType.TICKET_CALLED.value,
            "recalled": EventType.TICKET_RECALLED.value,
            "printer": EventType.PRINTER_STATUS.value,
            # What makes the board read the queue again: a ticket or counter moved, or a manager changed the
            # office (its name, services, counters, hours).
            "changes": [
                kind.value for kind in EventType if kind.value.split(".")[0] in ("ticket", "counter", "office")
            ],
        },
    }
    html = env.get_template("display.html").render(
        office_name=found.name,
        # Inside <script>: no "<" may close it early, whatever an office is called.
        config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
        language=languages[0],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})


@router.get("/display/{office}/queue")
async def display_queue(office: str, request: Request, parts: PartsDep) -> dict[str, Any]:
    """The board's queue snapshot, for the page's cookie (`GET /api/offices/{office}/queue` with a token)."""
    principal = await resolve(parts, token_cookie.staff_cookie_of(request, COOKIE))
    if not principal.may(Permission.READ, office):
        raise ApiError(403, "forbidden", f"this token may not show office {office}")
    now = parts.clock()
    return await read(parts, lambda repo: queue_snapshot(repo, office, now, parts.policy))


@router.websocket("/display/{office}/ws")
async def display_events(websocket: WebSocket, office: str, since: int | None = None) -> None:
    """The office websocket (api/websocket.py) for the page's cookie."""
    if not token_cookie.from_own_page(websocket, websocket.app.state.parts.settings.public_url):
        await websocket.close(code=4403, reason="another site's page")  # before accepting: the handshake fails
        return
    await follow(websocket, office, since, token_cookie.staff_cookie_of(websocket, COOKIE))
