"""`GET /t/{token}`: the page a ticket's QR code opens on the citizen's phone."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment

from api.changes import read
from api.deps import PartsDep
from i18n import LANGUAGES, gettext, messages, ngettext, resolve_language
from scheduler import usecases
from scheduler.errors import NotFound

router = APIRouter(tags=["citizen pages"])

_SAYINGS = {
    "waiting": messages.WAITING_TO_BE_CALLED,
    "called": messages.CALLED,
    "serving": messages.CALLED,
    "done": messages.SERVED,
    "no_show": messages.NO_SHOW,
    "parked": messages.PARKED,
    "transferred": messages.TRANSFERRED,
    "cancelled": messages.CANCELLED,
}


def _wait_text(language: str, seconds: int) -> str:
    minutes = round(seconds / 60)
    if minutes < 2:
        return gettext(language, messages.LESS_THAN_A_MINUTE)
    return gettext(language, messages.ABOUT_MINUTES) % {"minutes": minutes}


def describe(status: dict[str, Any], language: str) -> dict[str, Any]:
    counter = (status.get("counter") or {}).get("name", "")
    saying = _SAYINGS[status["state"]]
    if status["state"] == "called" and status.get("recalls"):
        saying = messages.CALLED_AGAIN
    ahead = int(status.get("people_ahead", 0))
    return {
        "number": status["number"],
        "service": status["service_names"].get(language) or status["service"],
        "office": status["office"]["name"],
        "state": status["state"],
        "message": gettext(language, saying) % {"counter": counter}
        if "%(counter)s" in saying
        else gettext(language, saying),
        "ahead": ngettext(language, *messages.PEOPLE_AHEAD, ahead) % {"n": ahead}
        if status["state"] == "waiting"
        else None,
        "wait": _wait_text(language, int(status["estimated_wait_s"])) if status["state"] == "waiting" else None,
    }


@router.get("/t/{token}", response_class=HTMLResponse)
async def status_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> HTMLResponse:
    env: Environment = request.app.state.templates
    now = parts.clock()
    try:
        status = await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))
    except NotFound:
        language = resolve_language(lang or request.headers.get("accept-language", "en")[:5])
        html = env.get_template("status.html").render(language=language, ticket=None, languages=LANGUAGES, token=token)
        return HTMLResponse(html, status_code=404)
    language = resolve_language(lang) if lang else status["language"]
    html = env.get_template("status.html").render(
        language=language, ticket=describe(status, language), languages=LANGUAGES, token=token
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
