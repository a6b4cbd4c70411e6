"""`GET /display/{office}`: the waiting-room board for a TV — plain HTML, CSS and JavaScript from this server,
driven by the office websocket (see web/static/display.js)."""

from __future__ import annotations

import json

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from api.changes import read
from api.deps import PartsDep, resolve
from api.errors import ApiError
from i18n import LANGUAGES, gettext
from i18n.messages import N_
from scheduler.access import Permission
from scheduler.errors import NotFound

router = APIRouter(tags=["displays"])

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
)


def _languages(lang: str | None) -> list[str]:
    wanted = [part.strip() for part in (lang or "nl,fr").split(",") if part.strip()]
    return [code for code in wanted if code in LANGUAGES] or ["nl", "fr"]


def _refusal(env: Environment, status: int, title: str, detail: str) -> HTMLResponse:
    html = env.get_template("display_error.html").render(title=title, detail=detail)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


@router.get("/display/{office}", response_class=HTMLResponse)
async def display_page(
    office: str,
    request: Request,
    parts: PartsDep,
    token: str | None = None,
    lang: str | None = None,
    staff: bool = False,
) -> HTMLResponse:
    """The board. `token`: a display token of the office (read only); `lang`: the languages the labels and
    announcements alternate between, e.g. `nl,fr` (the default) or `fr,nl,en`; `staff=1`: the staff view,
    which also shows the kiosks' printer faults (for a screen behind the counters)."""
    env: Environment = request.app.state.templates
    how = "Create one with: loket token create --role display --office " + office
    if not token:
        return _refusal(env, 401, "This display has no token", f"Add ?token=DISPLAY_TOKEN to the address. {how}")
    try:
        principal = await resolve(parts, token)
    except ApiError:
        return _refusal(env, 401, "This display's token is not valid", f"It may have been revoked. {how}")
    if not principal.may(Permission.READ, office):
        return _refusal(env, 403, f"This token may not show office {office}", how)
    try:
        found = await read(parts, lambda repo: repo.office(office))
    except NotFound:
        return _refusal(env, 404, f"There is no office {office!r}", "Check the address of the display.")
    languages = _languages(lang)
    labels = {code: {label: gettext(code, label) for label in LABELS} for code in languages}
    config = {
        "office": found.id,
        "officeName": found.name,
        "timezone": found.timezone,
        "token": token,
        "languages": languages,
        "labels": labels,
        "staff": staff,
    }
    html = env.get_template("display.html").render(
        office_name=found.name,
        # Inside <script>: no "<" may close it early, whatever an office is called.
        config=json.dumps(config, ensure_ascii=False).replace("<", "\\u003c"),
        language=languages[0],
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"})
