"""What a clerk's screen shows, computed from the office snapshot and the events of the day: their counter,
the citizen at it, the queue of the services it serves, and the alerts. Pure: no network, `now` passed in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from scheduler.model import PROMISE

Json = dict[str, Any]

#: The promise (the scheduler's): a citizen waiting longer than this is an alert.
PROMISE_S = int(PROMISE.total_seconds())


@dataclass(frozen=True)
class ServiceLine:
    code: str
    name: str
    waiting: int
    oldest_wait_s: int
    estimated_wait_s: int


@dataclass(frozen=True)
class Desk:
    counter: Json | None
    current: Json | None
    queue: tuple[Json, ...]
    parked: tuple[Json, ...]
    services: tuple[ServiceLine, ...]
    alerts: tuple[str, ...]
    services_by_code: dict[str, str] = field(default_factory=dict)
    counters_by_name: dict[str, int] = field(default_factory=dict)
    timezone: str = "Europe/Brussels"


def _since(moment: str | None, now: datetime) -> int:
    if not moment:
        return 0
    return max(0, round((now - datetime.fromisoformat(moment)).total_seconds()))


def waited_s(ticket: Json, now: datetime) -> int:
    """How long the citizen has been waiting in the room (from their return, if they came back later)."""
    return _since(ticket.get("return_at") or ticket.get("checked_in_at"), now)


def desk(snapshot: Json, counter_id: int, now: datetime, notices: dict[str, str] | None = None) -> Desk:
    """The clerk's view of the office. `notices`: alerts kept from events (printers, staffing advice)."""
    counters = snapshot.get("counters", [])
    me = next((c for c in counters if c.get("id") == counter_id), None)
    serving = set(me.get("services", [])) if me else set()
    queue = tuple(t for t in snapshot.get("waiting", []) if t.get("service") in serving)
    parked = tuple(t for t in snapshot.get("parked", []) if (t.get("counter") or {}).get("id") == counter_id)
    names = {s["code"]: (s.get("names") or {}).get("en") or s["code"] for s in snapshot.get("services", [])}
    lines = []
    for service in snapshot.get("services", []):
        if service["code"] not in serving:
            continue
        mine = [t for t in queue if t["service"] == service["code"]]
        lines.append(
            ServiceLine(
                code=service["code"],
                name=names[service["code"]],
                waiting=len(mine),
                oldest_wait_s=max((waited_s(t, now) for t in mine if not _away(t, now)), default=0),
                estimated_wait_s=int(service.get("estimated_wait_s", 0)),
            )
        )
    late = [t for t in queue if not _away(t, now) and waited_s(t, now) > PROMISE_S]
    alerts = list((notices or {}).values())
    if late:
        oldest = max(waited_s(t, now) for t in late)
        alerts.insert(
            0, f"{len(late)} waiting over 5 minutes for your services (longest {oldest // 60} min {oldest % 60} s)"
        )
    return Desk(
        counter=me,
        current=me.get("ticket") if me else None,
        queue=queue,
        parked=parked,
        services=tuple(lines),
        alerts=tuple(alerts),
        services_by_code=names,
        counters_by_name={str(c["name"]): int(c["id"]) for c in counters},
        timezone=str(snapshot.get("office", {}).get("timezone", "Europe/Brussels")),
    )


def _away(ticket: Json, now: datetime) -> bool:
    back = ticket.get("return_at")
    return isinstance(back, str) and datetime.fromisoformat(back) > now


def notice_of(event: Json) -> tuple[str, str | None] | None:
    """The alert an event raises or clears: (key, text or None to clear); None for other events."""
    kind = event.get("type")
    if kind == "printer.status":
        key = f"printer:{event.get('kiosk')}"
        state = event.get("state")
        if state in ("ok", None):
            return key, None
        detail = f" ({event['detail']})" if event.get("detail") else ""
        return key, f"Kiosk {event.get('kiosk')}: printer {str(state).replace('_', ' ')}{detail}"
    if kind == "staffing.advice":
        lines = event.get("lines") or []
        return "staffing", ("Staffing: " + "; ".join(lines)) if lines else None
    return None


def local_clock(moment: str, timezone: str) -> str:
    """An ISO time as HH:MM in the office's time zone."""
    return datetime.fromisoformat(moment).astimezone(ZoneInfo(timezone)).strftime("%H:%M")


def clock(seconds: int) -> str:
    return f"{seconds // 60}:{seconds % 60:02d}"
