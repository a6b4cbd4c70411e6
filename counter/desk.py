"""What a clerk's screen shows, computed from the office snapshot and the events of the day: their counter,
the citizen at it, the queue of the services it serves, and the alerts. Pure: no network, `now` passed in; the
alerts and the services' names in the clerk's language (nl, fr, en; the words from the catalogs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from client.models import PROMISE_S, Counter, Event, PrinterEvent, Snapshot, StaffingEvent, Ticket
from i18n import gettext, messages, ngettext, pgettext
from i18n.messages import NN_

# Translators: an alert on the clerk's screen; %(minutes)d min %(seconds)d s is the longest wait.
LATE = NN_(
    "%(n)d waiting over 5 minutes for your services (longest %(minutes)d min %(seconds)d s)",
    "%(n)d waiting over 5 minutes for your services (longest %(minutes)d min %(seconds)d s)",
)


@dataclass(frozen=True)
class ServiceLine:
    code: str
    name: str
    waiting: int
    oldest_wait_s: int
    estimated_wait_s: int
    #: Joined from elsewhere and not in the building yet: counted in `waiting`, not called before they check in.
    on_the_way: int = 0


@dataclass(frozen=True)
class Desk:
    counter: Counter | None
    current: Ticket | None
    queue: tuple[Ticket, ...]
    parked: tuple[Ticket, ...]
    services: tuple[ServiceLine, ...]
    alerts: tuple[str, ...]
    services_by_code: dict[str, str] = field(default_factory=dict)
    counters_by_name: dict[str, int] = field(default_factory=dict)
    timezone: str = "Europe/Brussels"


def _since(moment: datetime | None, now: datetime) -> int:
    if moment is None:
        return 0
    return max(0, round((now - moment).total_seconds()))


def waited_s(ticket: Ticket, now: datetime) -> int:
    """How long the citizen has been waiting in the room (from their return if they came back later, from their
    check-in if they joined from elsewhere)."""
    start = ticket.return_at or ticket.checked_in_at
    if ticket.arrived_at is not None and (start is None or ticket.arrived_at > start):
        start = ticket.arrived_at
    return _since(start, now)


def desk(
    snapshot: Snapshot,
    counter_id: int,
    now: datetime,
    notices: dict[str, str] | None = None,
    language: str = "en",
) -> Desk:
    """The clerk's view of the office, in `language`. `notices`: alerts kept from events (printers, staffing
    advice), said already."""
    me = next((c for c in snapshot.counters if c.id == counter_id), None)
    serving = set(me.services) if me else set()
    queue = tuple(t for t in snapshot.waiting if t.service in serving)
    parked = tuple(t for t in snapshot.parked if t.counter is not None and t.counter.id == counter_id)
    names = {s.code: s.name(language) for s in snapshot.services}
    lines = []
    for service in snapshot.services:
        if service.code not in serving:
            continue
        mine = [t for t in queue if t.service == service.code]
        lines.append(
            ServiceLine(
                code=service.code,
                name=names[service.code],
                waiting=len(mine),
                oldest_wait_s=max((waited_s(t, now) for t in mine if not _away(t, now)), default=0),
                estimated_wait_s=service.estimated_wait_s,
                on_the_way=sum(1 for t in mine if not t.here),
            )
        )
    late = [t for t in queue if not _away(t, now) and waited_s(t, now) > PROMISE_S]
    alerts = list((notices or {}).values())
    if late:
        oldest = max(waited_s(t, now) for t in late)
        said = ngettext(language, *LATE, len(late))
        alerts.insert(0, said % {"n": len(late), "minutes": oldest // 60, "seconds": oldest % 60})
    return Desk(
        counter=me,
        current=me.ticket if me else None,
        queue=queue,
        parked=parked,
        services=tuple(lines),
        alerts=tuple(alerts),
        services_by_code=names,
        counters_by_name={c.name: c.id for c in snapshot.counters},
        timezone=snapshot.office.timezone,
    )


def _away(ticket: Ticket, now: datetime) -> bool:
    """Not in the room: told to come back later, or joined from elsewhere and not checked in yet."""
    return not ticket.here or (ticket.return_at is not None and ticket.return_at > now)


def notice_of(event: Event, language: str = "en") -> tuple[str, str | None] | None:
    """The alert an event raises or clears, in `language`: (key, text or None to clear); None for other events."""
    if isinstance(event, PrinterEvent):
        key = f"printer:{event.kiosk}"
        if event.state in ("ok", None):
            return key, None
        state = str(event.state)
        known = messages.PRINTER_STATES.get(state)
        words = pgettext(language, *known) if known else state.replace("_", " ")
        detail = f" ({event.detail})" if event.detail else ""
        said = gettext(language, messages.PRINTER_ALERT) % {"kiosk": event.kiosk, "state": words}
        return key, said + detail
    if isinstance(event, StaffingEvent):
        lines = event.lines_in(language)
        # Translators: an alert on the clerk's screen, followed by the staffing advice.
        return "staffing", (gettext(language, "Staffing: %(advice)s") % {"advice": "; ".join(lines)}) if lines else None
    return None
