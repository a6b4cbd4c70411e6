"""`GET /manage/{office}`: the manager's dashboard, in nl/fr/en (`?lang=`, the user's own language, the browser's).

For a manager of the office or an admin: logged in on the web (the session cookie, web/staff_session.py), or
with `?token=MANAGER_TOKEN` (traded for a cookie of this page, web/token_cookie.py). Without either, the login
form (401). Today, live (the page reloads itself every 15 seconds): who waits for what and since when, the
estimates, the counters, alerts for anyone waiting more than 5 minutes, the last staffing advice, the
recommendations and the measures. Then the last 7 or 30 days (today included), drawn on the server as inline
SVG (`web.dashboard_history`), every chart with its numbers in a table. Every word through the catalogs,
numbers and dates with Babel.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep
from i18n.messages import N_
from scheduler import advice, outbox, routing
from scheduler.access import Permission
from scheduler.errors import NotFound
from scheduler.model import PROMISE, TicketState
from scheduler.numbering import day_start, office_day
from scheduler.repository import Repository
from service.changes import read
from service.recommendations import recommendations
from service.snapshot import queue_snapshot
from store.statistics import latest_event, office_statistics
from web import measures_panel, staff_session, token_cookie
from web.dashboard_history import Words, history_view
from web.page import LANGUAGE_NAMES, path

router = APIRouter(tags=["manager dashboard"])

ENGLISH = Words("en")
RANGES = (7, 30)
REFRESH_S = 15
#: The cookie the dashboard's `?token=` is traded for (web/token_cookie.py); it ends with the browser session,
#: so a manager who closes the browser of a shared computer leaves no way in behind.
COOKIE = "loket_manage"


NO_SUCH_RANGE = N_("No dashboard over %(days)d days")
CHOOSE_RANGE = N_("Choose ?days=7 or ?days=30.")
NO_SUCH_OFFICE = N_("There is no office %(office)s")
CHECK_ADDRESS = N_("Check the address of the dashboard.")


@dataclass(frozen=True)
class Waiting:
    number: str
    service: str
    waited_s: int


def live_view(
    repo: Repository, office_id: str, now: datetime, policy: routing.Policy, words: Words = ENGLISH
) -> dict[str, Any]:
    """Today's state of the office: the queue snapshot, and who is in the room since when (wait start)."""
    snapshot = queue_snapshot(repo, office_id, now, policy)
    office = repo.office(office_id)
    today = office_day(now, office.timezone)
    waiting = [t for t in repo.tickets_in(office_id, {TicketState.WAITING}) if t.day == today]
    here = [t for t in waiting if not routing.away(t, now)]
    waits = sorted(
        (Waiting(t.number, t.service, max(0, round((now - t.in_room_since).total_seconds()))) for t in here),
        key=lambda w: -w.waited_s,
    )
    services = []
    for s in snapshot["services"]:
        mine = [w for w in waits if w.service == s["code"]]
        services.append(
            {
                "code": s["code"],
                "name": words.name(s["names"], s["code"]),
                "waiting": len(mine),
                "away": sum(1 for t in waiting if t.service == s["code"] and routing.away(t, now)),
                "oldest_s": mine[0].waited_s if mine else None,
                "estimate_s": s["estimated_wait_s"],
            }
        )
    names = {s["code"]: s["name"] for s in services}
    return {
        "office": office,
        "today": today,
        "services": services,
        "counters": snapshot["counters"],
        "alerts": [
            {"number": w.number, "service": names.get(w.service, w.service), "minutes": w.waited_s // 60}
            for w in waits
            if w.waited_s > PROMISE.total_seconds()
        ],
        "waiting": len(waits),
        "oldest_s": waits[0].waited_s if waits else None,
    }


def _gather(parts: PartsDep, office: str, now: datetime, days: int, words: Words) -> dict[str, Any]:
    """Everything the page shows (blocking: run it in a thread), in the language of `words`."""
    live = parts.db.read(lambda repo: live_view(repo, office, now, parts.policy, words))
    today = live["today"]
    stats = office_statistics(parts.db, office, today - timedelta(days=days - 1), today)
    staffing = latest_event(parts.db, office, advice.EVENT_TYPE, day_start(now, live["office"].timezone))
    sent, withheld = parts.db.read(lambda repo: outbox.this_hour(repo, office, now))
    lines = (staffing or {}).get("lines", [])
    by_language = (staffing or {}).get("lines_by_language", {})
    return {
        "live": live,
        "history": history_view(stats, today, words),
        "advice": by_language.get(words.language, lines) if isinstance(by_language, dict) else lines,
        "messages": {"sent": sent, "withheld": withheld, "budget": parts.settings.messages_per_hour},
        "recommendations": recommendations(parts.db, office, now, words.language),
        "measures": measures_panel.panel(parts.db, office, now, words.language),
    }


@router.get("/manage/{office}")
async def dashboard_page(
    office: str, request: Request, parts: PartsDep, token: str | None = None, days: int = 30, lang: str | None = None
) -> Response:
    """The dashboard. For a manager of the office or an admin, logged in (`/login`) or with `token`: a manager
    token of the office, or an admin token, traded for a cookie of this page and answered with a 303 to the
    address without it. `days`: 7 or 30 (default); `lang`: nl, fr or en (default: the user's own language, else
    the browser's)."""
    hint = f"loket token create --role manager --office {office}"
    guarded = await staff_session.guard(
        request, parts, office, Permission.MANAGE, lang=lang, page_cookie=COOKIE, hint=hint
    )
    if isinstance(guarded, Response):
        return guarded
    staff, page = guarded
    if staff.via == "query":
        return token_cookie.traded(request, COOKIE, staff.token, max_age=None)
    words = Words(page.language)
    if days not in RANGES:
        return staff_session.refusal(page, 422, words._(NO_SUCH_RANGE, days=days), words._(CHOOSE_RANGE), staff)
    now = parts.clock()
    try:
        await read(parts, lambda repo: repo.office(office))
        data = await run_in_threadpool(_gather, parts, office, now, days, words)
    except NotFound:
        return staff_session.refusal(
            page, 404, words._(NO_SUCH_OFFICE, office=repr(office)), words._(CHECK_ADDRESS), staff
        )
    local = now.astimezone(ZoneInfo(data["live"]["office"].timezone))
    return page.render(
        "dashboard.html",
        **data,
        office=data["live"]["office"],
        days=days,
        ranges=RANGES,
        refresh_s=REFRESH_S,
        now=words.now(local),
        words=words,
        minutes=words.minutes,
        share=words.share,
        decimal=words.decimal,
        within_min=int(PROMISE.total_seconds()) // 60,
        languages=LANGUAGE_NAMES,
        by_session=staff.by_session,
        user=staff.principal.username,
        admin_page=page.url(path("admin", office)),
        # The range keeps the language only when the address chose it.
        range_links={n: f"?{urlencode({'days': n, **({'lang': page.language} if lang else {})})}" for n in RANGES},
    )
