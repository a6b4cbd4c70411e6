"""`GET /manage/{office}?token=MANAGER_TOKEN`: the manager's dashboard (the token traded for a cookie).

Today, live (the page reloads itself every 15 seconds): who waits for what and since when, the estimates, the
counters, alerts for anyone waiting more than 5 minutes, the last staffing advice. Then the last 7 or 30 days
(today included), drawn on the server as inline SVG (`web.charts`), every chart with its numbers in a table.
English, a staff page; the recommendations panel (`service.recommendations`) speaks nl/fr/en (`?lang=`).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep, resolve
from api.errors import ApiError
from scheduler import advice, outbox, routing, usecases
from scheduler.access import Permission
from scheduler.errors import NotFound
from scheduler.model import PROMISE, TicketState
from scheduler.numbering import day_start, office_day
from scheduler.repository import Repository
from scheduler.statistics import OfficeStatistics, Tally, tally
from service.changes import read
from service.recommendations import recommendations
from store.statistics import latest_event, office_statistics
from web import charts, measures_panel, token_cookie
from web.page import LANGUAGE_NAMES, choose_language

router = APIRouter(tags=["manager dashboard"])

RANGES = (7, 30)
REFRESH_S = 15
TARGET_SHARE = 0.9
#: The cookie the dashboard's `?token=` is traded for (web/token_cookie.py); it ends with the browser session,
#: so a manager who closes the browser of a shared computer leaves no way in behind.
COOKIE = "loket_manage"


def _refusal(env: Environment, status: int, title: str, detail: str) -> HTMLResponse:
    html = env.get_template("dashboard_error.html").render(title=title, detail=detail)
    return HTMLResponse(html, status_code=status, headers={"Cache-Control": "no-store"})


def _minutes(seconds: float | None) -> str:
    return "–" if seconds is None else f"{seconds / 60:.1f}"


def _share(x: float | None) -> str:
    return "–" if x is None else f"{x * 100:.0f}%"


@dataclass(frozen=True)
class Waiting:
    number: str
    service: str
    waited_s: int


def live_view(repo: Repository, office_id: str, now: datetime, policy: routing.Policy) -> dict[str, Any]:
    """Today's state of the office: the queue snapshot, and who is in the room since when (wait start)."""
    snapshot = usecases.queue_snapshot(repo, office_id, now, policy)
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
                "name": s["names"].get("en") or next(iter(s["names"].values()), s["code"]),
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


def _day_label(day: date) -> str:
    return day.strftime("%a %d/%m")


def history_view(stats: OfficeStatistics, today: date) -> dict[str, Any]:
    """The charts and their tables for the range of `stats`."""
    names = {code: names.get("en") or code for code, names in stats.services}
    days = stats.days
    daily = stats.daily()
    labels = [d.strftime("%d/%m") for d in days]

    # Waits per service and hour over the whole range.
    by_hour = tally(stats.visits, lambda v: (v.service, v.hour))
    hours = sorted({h for (_s, h), t in by_hour.items() if t.waits})
    services = [code for code, _ in stats.services if any(s == code and t.waits for (s, _h), t in by_hour.items())]
    cells = {
        (i, j): ((t.wait_p50_s or 0) / 60, (t.wait_p90_s or 0) / 60)
        for i, code in enumerate(services)
        for j, hour in enumerate(hours)
        if (t := by_hour.get((code, hour), Tally())).waits
    }
    wait_rows = [
        {"service": names[s], "hour": f"{h:02d}:00", "called": t.called, "p50": _minutes(t.wait_p50_s),
         "p90": _minutes(t.wait_p90_s), "mean": _minutes(t.wait_mean_s)}
        for (s, h), t in by_hour.items()
        if t.waits and s in names
    ]  # fmt: skip
    waits_svg = charts.heat(
        "chart-waits",
        "Waits per service and hour",
        "For each service (rows) and hour the wait started (columns): median and 90th percentile of the wait in "
        "minutes, as p50/p90; green under 5 minutes, red over 15.",
        [names[s] for s in services],
        [f"{h:02d}h" for h in hours],
        cells,
    )

    within = [daily.get(d, Tally()).within_5min_share for d in days]
    within_svg = charts.bars(
        "chart-within",
        "Share called within 5 minutes, per day",
        "Per day, the share of the citizens called whose wait was 5 minutes or less; the dashed line is the 90% "
        "target.",
        labels,
        [None if x is None else x * 100 for x in within],
        fmt=lambda v: f"{v:.0f}%",
        top=100,
        target=charts.Target(TARGET_SHARE * 100, "target 90%"),
    )
    within_rows = [
        {"day": _day_label(d), "citizens": daily.get(d, Tally()).citizens, "called": daily.get(d, Tally()).called,
         "share": _share(x), "p90": _minutes(daily.get(d, Tally()).wait_p90_s)}
        for d, x in zip(days, within, strict=True)
    ]  # fmt: skip

    rates = [stats.bookings[d].no_show_rate if d in stats.bookings else None for d in days]
    no_show_svg = charts.bars(
        "chart-no-shows",
        "Appointment no-show rate, per day",
        "Per day, the share of the appointments due (checked in or never came) whose citizen never came.",
        labels,
        [None if r is None else r * 100 for r in rates],
        fmt=lambda v: f"{v:.0f}%",
        top=100,
    )
    no_show_rows = [
        {"day": _day_label(d), "due": stats.bookings[d].due, "no_shows": stats.bookings[d].no_shows,
         "rate": _share(stats.bookings[d].no_show_rate), "called_no_shows": daily.get(d, Tally()).no_shows}
        for d in days
        if d in stats.bookings
    ]  # fmt: skip

    mae = [daily.get(d, Tally()).estimate_mae_s for d in days]
    estimates_svg = charts.bars(
        "chart-estimates",
        "Estimate accuracy, mean error per day",
        "Per day, the mean absolute difference in minutes between the wait a citizen was told at the kiosk and the "
        "real wait from then to the first call.",
        labels,
        [None if e is None else e / 60 for e in mae],
        fmt=lambda v: f"{v:.0f} min" if v >= 10 or v == 0 else f"{v:.1f} min",
    )
    estimate_rows = [
        {"day": _day_label(d), "service": names.get(s, s), "checked": t.estimated,
         "mae": _minutes(t.estimate_mae_s), "in_range": _share(t.estimate_in_range_share)}
        for (d, s), t in stats.by_service().items()
        if t.estimated
    ]  # fmt: skip

    per_counter = stats.served_by_counter()
    counter_totals: Counter[str] = Counter()
    for (_day, counter), n in per_counter.items():
        counter_totals[counter] += n
    counter_names = sorted(counter_totals, key=lambda c: (-counter_totals[c], c))
    counters_svg = charts.hbars(
        "chart-counters",
        "Citizens served per counter",
        f"Citizens served at each counter over the {len(days)} days.",
        [f"Counter {c}" for c in counter_names],
        [counter_totals[c] for c in counter_names],
        fmt=lambda v: f"{v:.0f}",
    )
    counter_days = sorted({d for d, _c in per_counter})
    counter_table = {
        "counters": counter_names,
        "rows": [
            {"day": _day_label(d), "served": [per_counter.get((d, c), 0) for c in counter_names]} for d in counter_days
        ],
    }

    happiness = stats.happiness(lambda a: a.day)
    scores = [happiness[d].mean_score if d in happiness else None for d in days]
    happiness_svg = charts.bars(
        "chart-happiness",
        "Happiness, mean score per day",
        "Per day, the mean answer to 'Are you happy with your visit?', from 1 (not at all) to 10 (very).",
        labels,
        scores,
        fmt=lambda v: f"{v:.1f}",
        top=10,
    )
    everyone = stats.happiness(lambda _a: "all").get("all")
    improvement_names = {code: names.get("en") or code for code, names in stats.improvements}
    chosen = everyone.improvements.most_common() if everyone else []
    improvements_svg = charts.hbars(
        "chart-improvements",
        "Most chosen improvements",
        "How many answers chose each improvement, most chosen first.",
        [improvement_names.get(code, code) for code, _n in chosen],
        [n for _code, n in chosen],
        fmt=lambda v: f"{v:.0f}",
    )
    return {
        "days": len(days),
        "start": stats.start,
        "end": stats.end,
        "totals": tally(stats.visits, lambda _v: "all").get("all", Tally()),
        "waits_svg": waits_svg,
        "wait_rows": wait_rows,
        "within_svg": within_svg,
        "within_rows": within_rows,
        "estimates_svg": estimates_svg,
        "estimate_rows": estimate_rows,
        "no_show_svg": no_show_svg,
        "no_show_rows": no_show_rows,
        "counters_svg": counters_svg,
        "counter_table": counter_table,
        "happiness_svg": happiness_svg,
        "happiness_rows": [
            {"day": _day_label(d), "answers": happiness[d].answers, "mean": f"{happiness[d].mean_score or 0:.1f}"}
            for d in days
            if d in happiness
        ],
        "happiness_total": everyone,
        "improvements_svg": improvements_svg,
        "improvement_rows": [{"name": improvement_names.get(code, code), "code": code, "n": n} for code, n in chosen],
        "today_tally": daily.get(today, Tally()),
        "today_happiness": happiness.get(today),
    }


def _gather(parts: PartsDep, office: str, now: datetime, days: int, language: str = "en") -> dict[str, Any]:
    """Everything the page shows (blocking: run it in a thread); the recommendations in `language`."""
    live = parts.db.read(lambda repo: live_view(repo, office, now, parts.policy))
    today = live["today"]
    stats = office_statistics(parts.db, office, today - timedelta(days=days - 1), today)
    staffing = latest_event(parts.db, office, advice.EVENT_TYPE, day_start(now, live["office"].timezone))
    sent, withheld = parts.db.read(lambda repo: outbox.this_hour(repo, office, now))
    return {
        "live": live,
        "history": history_view(stats, today),
        "advice": (staffing or {}).get("lines", []),
        "messages": {"sent": sent, "withheld": withheld, "budget": parts.settings.messages_per_hour},
        "recommendations": recommendations(parts.db, office, now, language),
        "measures": measures_panel.panel(parts.db, office, now),
    }


@router.get("/manage/{office}", response_class=HTMLResponse)
async def dashboard_page(
    office: str, request: Request, parts: PartsDep, token: str | None = None, days: int = 30, lang: str | None = None
) -> Response:
    """The dashboard. `token`: a manager token of the office, or an admin token, traded for a cookie of this page
    and answered with a 303 to the address without it; `days`: 7 or 30 (default); `lang`: the language of the
    recommendations (nl, fr, en; default: the browser's), the rest of the page is in English."""
    env: Environment = request.app.state.templates
    how = f"Create one with: loket token create --role manager --office {office}"
    token = token_cookie.token_of(request, COOKIE)
    if not token:
        return _refusal(
            env, 401, "The dashboard needs a manager token", f"Add ?token=MANAGER_TOKEN to the address. {how}"
        )
    try:
        principal = await resolve(parts, token)
    except ApiError:
        return _refusal(env, 401, "This token is not valid", f"It may have expired or been revoked. {how}")
    if not principal.may(Permission.MANAGE, office):
        where = f"office {principal.office}" if principal.office else "every office"
        return _refusal(
            env,
            403,
            f"This token may not manage office {office}",
            f"It is a {principal.role.value} token for {where}; the dashboard needs a manager token of this office "
            f"or an admin token. {how}",
        )
    if token_cookie.to_trade(request):
        return token_cookie.traded(request, COOKIE, token, max_age=None)
    if days not in RANGES:
        return _refusal(env, 422, f"No dashboard over {days} days", "Choose ?days=7 or ?days=30.")
    now = parts.clock()
    try:
        await read(parts, lambda repo: repo.office(office))
        language = choose_language(lang, request.headers.get("accept-language"))
        data = await run_in_threadpool(_gather, parts, office, now, days, language)
    except NotFound:
        return _refusal(env, 404, f"There is no office {office!r}", "Check the address of the dashboard.")
    local = now.astimezone(ZoneInfo(data["live"]["office"].timezone))
    html = env.get_template("dashboard.html").render(
        **data,
        office=data["live"]["office"],
        days=days,
        ranges=RANGES,
        refresh_s=REFRESH_S,
        now=local,
        minutes=_minutes,
        share=_share,
        within_min=int(PROMISE.total_seconds()) // 60,
        language=language,
        languages=LANGUAGE_NAMES,
    )
    return HTMLResponse(html, headers={"Cache-Control": "no-store"})
