"""`GET /t/{token}`: the page a ticket's QR code opens on the citizen's phone.

Server-rendered and complete without JavaScript: every action is a form that POSTs to `/t/{token}/...`
and is answered with a 303 back to the page (a refusal: the page again, with the reason in words). With
JavaScript (web/static/status.js) the page follows `GET /api/status/{token}/events` and updates itself.
The actions call the same scheduler functions as the JSON API (api/citizens.py, api/tickets.py).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import PartsDep, client_of
from api.errors import refusal_of
from i18n import LANGUAGES, gettext, messages, ngettext, resolve_language
from i18n.messages import NN_
from scheduler import citizen, returning, usecases
from scheduler.errors import DomainError, Invalid
from scheduler.model import Office
from service.changes import change, read
from service.parts import Parts
from service.telling import contact_to_tell
from store.repository import SqlRepository
from web.page import LANGUAGE_NAMES, choose_language
from web.qr import qr_svg

router = APIRouter(tags=["citizen pages"])

HEADERS = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
}
LOCALES = {"nl": "nl-BE", "fr": "fr-BE", "en": "en-GB"}
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
_REFUSALS = {
    "ticket_not_found": messages.NO_TICKET_HAS_THIS_CODE,
    "ticket_not_waiting": messages.STATUS_NOT_WAITING,
    "ticket_changed": messages.STATUS_CHANGED,
    "already_ran_late": messages.STATUS_ALREADY_LATE,
    "running_late_not_offered": messages.STATUS_LATE_NOT_OFFERED,
    "timed_return_not_offered": messages.STATUS_RETURN_NOT_OFFERED,
    "invalid_email": messages.BOOK_INVALID_EMAIL,
    "invalid_phone": messages.BOOK_INVALID_PHONE,
    "contact_required": messages.STATUS_CONTACT_REQUIRED,
    "contact_already_set": messages.STATUS_CONTACT_ALREADY_SET,
    "too_many_requests": messages.STATUS_TOO_MANY_REQUESTS,
    "notification_not_offered": messages.STATUS_NOT_OFFERED,
    "visit_not_finished": messages.STATUS_AFTER_THE_VISIT,
    "already_answered": messages.STATUS_ALREADY_ANSWERED,
    "survey_closed": messages.STATUS_SURVEY_CLOSED,
    "invalid_score": messages.STATUS_CHOOSE_A_SCORE,
    "too_many_improvements": messages.STATUS_AT_MOST_THREE,
    "unknown_improvement": messages.STATUS_UNKNOWN_IMPROVEMENT,
}
#: What a 303 back to the page says was done (`?done=`).
DONE = ("left", "late", "return", "notify", "happiness", "joined")
# Translators: a countdown on the status page of a citizen on their way: the minutes left to check in at the kiosk.
MINUTES_LEFT = NN_("%(n)d minute left", "%(n)d minutes left")


def wait_text(language: str, seconds: int, low: int, high: int) -> str:
    """ "about 12 minutes (8–17)"; web/static/status.js says the same."""
    minutes, top = round(seconds / 60), math.ceil(high / 60)
    if max(minutes, top) < 2:
        return gettext(language, messages.LESS_THAN_A_MINUTE)
    minutes = max(minutes, 2)
    bottom, top = min(low // 60, minutes), max(top, minutes)
    if bottom == top:
        return gettext(language, messages.ABOUT_MINUTES) % {"minutes": minutes}
    return gettext(language, messages.STATUS_WAIT_RANGE) % {"minutes": minutes, "low": bottom, "high": top}


def _instant(iso: str | None) -> datetime | None:
    return datetime.fromisoformat(iso) if iso else None


def shown(status: dict[str, Any], media: list[str], now: datetime | None = None) -> dict[str, bool]:
    """Which parts of the page apply now; web/static/status.js decides the same from each live status (and,
    for a citizen on their way, again every second by the phone's clock). `media`: what this server can send
    messages on ("email", "sms"). A remote joiner not yet here: "remote" (the code to check in with), then
    "set_off" while `come_at` is ahead, "go" (leave now) once it has passed."""
    waiting = status["state"] == "waiting"
    remote = waiting and bool(status.get("code")) and not status.get("here", True)
    come = _instant(status.get("come_at"))
    ahead = come is not None and now is not None and come > now
    return {
        "remote": remote,
        "set_off": remote and come is not None and ahead,
        "go": remote and come is not None and not ahead,
        "waiting": waiting,
        "leave": bool(status["can_leave"]),
        "late": bool(status["can_run_late"]),
        "offer": waiting and bool(status["timed_return_offer"]),
        "returning": waiting and bool(status["return_at"]),
        "notify": waiting and not status["notify_requested"] and bool(media),
        "notified": waiting and bool(status["notify_requested"]),
        "happiness": bool(status["ask_happiness"]),
    }


def saying(status: dict[str, Any], language: str) -> str:
    text = _SAYINGS[status["state"]]
    if status["state"] == "called" and status.get("recalls"):
        text = messages.CALLED_AGAIN
    counter = (status.get("counter") or {}).get("name", "")
    return gettext(language, text).replace("%(counter)s", str(counter))


def _clock_time(iso: str | None, zone: str) -> str:
    return datetime.fromisoformat(iso).astimezone(ZoneInfo(zone)).strftime("%H:%M") if iso else ""


def _labels(language: str) -> dict[str, Any]:
    """The words status.js needs, in the page's language."""

    def plural(forms: messages.Plural) -> dict[str, str]:
        samples = {"one": 1, "other": 2, "many": 1_000_000}
        return {name: ngettext(language, *forms, n) for name, n in samples.items()}

    return {
        "sayings": {state: gettext(language, text) for state, text in _SAYINGS.items()},
        "calledAgain": gettext(language, messages.CALLED_AGAIN),
        "ahead": plural(messages.PEOPLE_AHEAD),
        "soon": gettext(language, messages.LESS_THAN_A_MINUTE),
        "about": gettext(language, messages.ABOUT_MINUTES),
        "range": gettext(language, messages.STATUS_WAIT_RANGE),
        "minutesLeft": plural(MINUTES_LEFT),
    }


def minutes_left(language: str, until: datetime | None, now: datetime) -> str:
    """ "12 minutes left" until `until` (whole minutes, rounded up; never below 0); web/static/status.js counts
    down the same."""
    if until is None:
        return ""
    left = max(0, math.ceil((until - now).total_seconds() / 60))
    return ngettext(language, *MINUTES_LEFT, left) % {"n": left}


def _page(
    request: Request,
    token: str,
    language: str,
    found: tuple[dict[str, Any], Office] | None,
    *,
    template: str = "status.html",
    code: int = 200,
    **context: Any,
) -> HTMLResponse:
    here = f"/t/{quote(token, safe='')}"
    path = request.url.path if request.method == "GET" else here
    switch = [(c, LANGUAGE_NAMES[c], f"{path}?{urlencode({'lang': c})}") for c in LANGUAGES]
    extra: dict[str, Any] = {}
    if found is not None:
        status, office = found
        parts: Parts = request.app.state.parts
        media = parts.messenger.media()
        now = parts.clock()
        turn_at = (now + timedelta(seconds=status["estimated_wait_s"])).isoformat()
        extra = {
            "status": status,
            "media": media,
            "shown": shown(status, media, now),
            "come_at": _clock_time(status.get("come_at"), office.timezone),
            "arrive_by": _clock_time(status.get("arrive_by"), office.timezone),
            "turn_at": _clock_time(turn_at, office.timezone),
            "left": minutes_left(language, _instant(status.get("arrive_by")), now),
            "qr": qr_svg(status["code"]) if status.get("code") and not status.get("here", True) else None,
            "link": parts.settings.public_url.rstrip("/") + here,
            "saying": saying(status, language),
            "service": status["service_names"].get(language) or status["service"],
            "ahead": ngettext(language, *messages.PEOPLE_AHEAD, status["people_ahead"]) % {"n": status["people_ahead"]},
            "wait": wait_text(language, status["estimated_wait_s"], *status["estimated_wait_range_s"]),
            "offer_at": _clock_time(status["timed_return_offer"], office.timezone),
            "return_at": _clock_time(status["return_at"], office.timezone),
            "improvements": [(i.code, i.name(language)) for i in office.improvements],
            # The ideas page takes the token once and keeps it in its own cookie (web/ideas.py).
            "ideas_link": f"/ideas/{quote(office.id, safe='')}?{urlencode({'token': token, 'lang': language})}",
            "live": template == "status.html",
            "config": json.dumps(
                {
                    "events": f"/api/status/{quote(token, safe='')}/events",
                    "locale": LOCALES[language],
                    "timezone": office.timezone,
                    "media": media,
                    "status": status,
                    "labels": _labels(language),
                },
                ensure_ascii=False,
            ).replace("<", "\\u003c"),
        }
    html = request.app.state.templates.get_template(template).render(
        language=language, switch=switch, here=here, lang_query=urlencode({"lang": language}), **extra, **context
    )
    return HTMLResponse(html, status_code=code, headers=HEADERS)


async def _find(parts: Parts, token: str) -> tuple[dict[str, Any], Office]:
    now = parts.clock()

    def both(repo: SqlRepository) -> tuple[dict[str, Any], Office]:
        status = usecases.ticket_status(repo, token, now, parts.policy)
        return status, repo.office(status["office"]["id"])

    return await read(parts, both)


def _language(lang: str | None, status: dict[str, Any]) -> str:
    return resolve_language(lang) if lang else str(status["language"])


def _not_found(request: Request, token: str, lang: str | None) -> HTMLResponse:
    language = choose_language(lang, request.headers.get("accept-language"))
    return _page(request, token, language, None, code=404)


@router.get("/t/{token}", response_class=HTMLResponse)
async def status_page(
    token: str, request: Request, parts: PartsDep, lang: str | None = None, done: str | None = None
) -> Response:
    """The ticket's status in the citizen's language (`?lang=nl|fr|en`, else the one chosen at the kiosk)."""
    try:
        found = await _find(parts, token)
    except DomainError:
        return _not_found(request, token, lang)
    return _page(request, token, _language(lang, found[0]), found, done=done if done in DONE else None)


@router.get("/t/{token}/leave", response_class=HTMLResponse, include_in_schema=False)
async def leave_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    """Are you sure? (The page's "Leave the queue" leads here; the answer POSTs.)"""
    try:
        found = await _find(parts, token)
    except DomainError:
        return _not_found(request, token, lang)
    return _page(request, token, _language(lang, found[0]), found, template="status_leave.html")


async def _act(
    request: Request,
    parts: Parts,
    token: str,
    lang: str | None,
    done: str,
    action: Callable[[SqlRepository, datetime, dict[str, Any]], object],
    **values: Any,
) -> Response:
    """Do `action` in one transaction; 303 back to the page, or the page with the refusal in words."""
    try:
        status, _office = await _find(parts, token)
    except DomainError:
        return _not_found(request, token, lang)
    language, now = _language(lang, status), parts.clock()
    try:
        await change(parts, status["office"]["id"], now, lambda repo: action(repo, now, status))
    except DomainError as exc:
        code, _headers = refusal_of(exc)
        problem = gettext(language, _REFUSALS.get(exc.code, messages.BOOK_SOMETHING_WRONG))
        return _page(request, token, language, await _find(parts, token), code=code, problem=problem, values=values)
    query = urlencode({"lang": language, "done": done})
    return RedirectResponse(f"/t/{quote(token, safe='')}?{query}", status_code=303, headers=HEADERS)


async def _form(request: Request) -> dict[str, list[str]]:
    return parse_qs((await request.body()).decode("utf-8", errors="replace"))


@router.post("/t/{token}/leave", include_in_schema=False)
async def leave(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    return await _act(request, parts, token, lang, "left", lambda repo, now, _s: citizen.leave(repo, token, now))


@router.post("/t/{token}/late", include_in_schema=False)
async def run_late(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    return await _act(request, parts, token, lang, "late", lambda repo, now, _s: citizen.run_late(repo, token, now))


@router.post("/t/{token}/timed-return", include_in_schema=False)
async def come_back_later(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    def accept(repo: SqlRepository, now: datetime, status: dict[str, Any]) -> object:
        return returning.accept(repo, token, status["estimated_wait_s"], now)

    return await _act(request, parts, token, lang, "return", accept)


@router.post("/t/{token}/notify", include_in_schema=False)
async def tell_me(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    form = await _form(request)
    email, phone = (form.get(name, [""])[0].strip()[:254] for name in ("email", "phone"))

    def ask(repo: SqlRepository, _now: datetime, _status: dict[str, Any]) -> object:
        contact = contact_to_tell(parts, email, phone, client_of(request))
        return citizen.ask_to_be_told(repo, token, contact.email, contact.phone)

    return await _act(request, parts, token, lang, "notify", ask, email=email, phone=phone)


@router.post("/t/{token}/happiness", include_in_schema=False)
async def answer(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    form = await _form(request)
    score_text, chosen = form.get("score", [""])[0], form.get("improvement", [])

    def rate(repo: SqlRepository, now: datetime, _status: dict[str, Any]) -> object:
        if not score_text.isdigit():
            raise Invalid("choose a score from 1 to 10", code="invalid_score")
        return citizen.answer_happiness(repo, token, int(score_text), chosen, now)

    return await _act(request, parts, token, lang, "happiness", rate, score=score_text, chosen=chosen)
