"""An office's set-up changed in SQL: services, counters, hours, closing days, settings and improvements, each in
the write transaction of `service.changes.change` (a `SqlRepository`), with its audit row and an `office.changed`
event numbered with the office's other events. The values come checked (scheduler/administration.py).

Deleting a service takes it out of every counter's skills (and a clerk's choice of today's services); it is
refused (`service_in_use`, 409) while a citizen waits for it (today or parked) or holds a booking still to come.
A counter is deleted only when closed and never used: tickets keep referring to the counters that served them
(`counter_in_use`, 409, with the reason); take such a counter's skills away instead.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_
from sqlmodel import Session, col, select

from scheduler import administration as rules
from scheduler.errors import Conflict, NotFound
from scheduler.events import Event, EventType
from scheduler.model import TicketState
from scheduler.scenario import CounterSpec, Scenario, ServiceSpec
from store.repository import SqlRepository, hours_of, hours_row
from store.tables import AuditRow, BookingRow, CounterRow, OfficeRow, ServiceRow, TicketRow

_OPEN_TICKET = [s.value for s in TicketState if not s.is_final]
#: The settings as stored, named as the API names them.
_SETTINGS = rules.SETTINGS


def office_row(session: Session, office: str) -> OfficeRow:
    row = session.get(OfficeRow, office)
    if row is None:
        raise NotFound(f"no office {office!r}", code="office_not_found", extra={"field": "office"})
    return row


def audit(
    session: Session, office: str, now: datetime, actor: str, action: str, target: str, detail: dict[str, Any]
) -> None:
    """One line of the audit log (never a password or a token's secret: the callers leave them out)."""
    session.add(AuditRow(office=office, at=now, actor=actor[:200], action=action, target=target[:64], detail=detail))


def _changed(repo: SqlRepository, office: str, what: str, **data: Any) -> None:
    repo.emit(Event(office, EventType.OFFICE_CHANGED, {"what": what, **data}))


def _diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    keys = [k for k in after if before.get(k) != after[k]]
    return {"before": {k: before.get(k) for k in keys}, "after": {k: after[k] for k in keys}}


# --- views ------------------------------------------------------------------------------------------------
def service_view(row: ServiceRow) -> dict[str, Any]:
    return {
        "code": row.code,
        "names": dict(row.names),
        "duration_s": row.duration_s,
        "bookable": row.bookable,
        "slot_s": row.slot_s,
        "checklist": {lang: list(items) for lang, items in row.checklist.items()},
        "position": row.position,
    }


def counter_view(row: CounterRow) -> dict[str, Any]:
    return {
        "id": row.id,
        "name": row.name,
        "skills": list(row.services),
        "shifts": [list(p) for p in _shifts(row)],
        "state": row.state,
    }


def _shifts(row: CounterRow) -> list[tuple[str, str]]:
    """Shifts as "HH:MM" (stored as written by files: "08:30:00")."""
    return [
        (rules.clock_text(rules.clock_time(a, "shifts")), rules.clock_text(rules.clock_time(b, "shifts")))
        for a, b in row.shifts
    ]


def settings_view(row: OfficeRow) -> dict[str, Any]:
    found = {key: getattr(row, key) for key in _SETTINGS}
    found["walk_in_by_hour"] = {str(h): s for h, s in sorted((int(h), s) for h, s in row.walk_in_by_hour.items())}
    return found


def hours_view(row: OfficeRow) -> dict[str, list[list[str]]]:
    return rules.hours_view(hours_of(row.hours))


def _services(session: Session, office: str) -> list[ServiceRow]:
    query = select(ServiceRow).where(ServiceRow.office == office).order_by(col(ServiceRow.position))
    return list(session.exec(query))


def _counters(session: Session, office: str) -> list[CounterRow]:
    return list(session.exec(select(CounterRow).where(CounterRow.office == office).order_by(col(CounterRow.id))))


def setup(session: Session, office: str) -> dict[str, Any]:
    """Everything the administration page shows of an office's set-up."""
    row = office_row(session, office)
    return {
        "office": row.id,
        "timezone": row.timezone,
        "settings": settings_view(row),
        "services": [service_view(s) for s in _services(session, office)],
        "counters": [counter_view(c) for c in _counters(session, office)],
        "hours": hours_view(row),
        "closed": list(row.closed_days),
        "improvements": [{"code": i["code"], "names": dict(i["names"])} for i in row.improvements],
    }


def scenario_of(session: Session, office: str) -> Scenario:
    """The office as a scenario, for `loket office export` (`scenario.office_file` writes it)."""
    row = office_row(session, office)
    services = tuple(
        ServiceSpec(
            s.code,
            dict(s.names),
            s.duration_s,
            s.bookable,
            s.slot_s,
            {lang: tuple(items) for lang, items in s.checklist.items()},
        )
        for s in _services(session, office)
    )
    counters = tuple(
        CounterSpec(
            c.name,
            tuple(c.services),
            tuple((rules.clock_time(a, "shifts"), rules.clock_time(b, "shifts")) for a, b in c.shifts),
        )
        for c in _counters(session, office)
    )
    return Scenario(
        name=row.id,
        title=row.name,
        opens=None,
        closes=None,
        services=services,
        counters=counters,
        timezone=row.timezone,
        hours=hours_of(row.hours),
        closed=frozenset(date.fromisoformat(d) for d in row.closed_days),
        walk_in_by_hour={int(h): float(s) for h, s in row.walk_in_by_hour.items()},
        improvements=tuple((str(i["code"]), dict(i["names"])) for i in row.improvements),
        **{key: getattr(row, key) for key in rules.DEFAULTS},
    )


# --- services ---------------------------------------------------------------------------------------------
def _service(session: Session, office: str, code: str) -> ServiceRow:
    row = session.get(ServiceRow, (office, code))
    if row is None:
        raise NotFound(f"office {office} has no service {code!r}", code="service_not_found", extra={"field": "code"})
    return row


def _service_fields(row: ServiceRow) -> dict[str, Any]:
    view = service_view(row)
    view.pop("position")
    return view


def add_service(repo: SqlRepository, office: str, spec: dict[str, Any], now: datetime, actor: str) -> dict[str, Any]:
    session = repo.session
    office_row(session, office)
    existing = _services(session, office)
    if any(s.code == spec["code"] for s in existing):
        raise Conflict(
            f"office {office} has a service {spec['code']} already", code="service_exists", extra={"field": "code"}
        )
    if len(existing) >= rules.MAX_SERVICES:
        raise Conflict("this office has as many services as codes", code="too_many_services")
    row = ServiceRow(
        office=office,
        code=spec["code"],
        names=dict(spec["names"]),
        duration_s=spec["duration_s"],
        bookable=spec["bookable"],
        slot_s=spec["slot_s"],
        checklist={lang: list(items) for lang, items in spec["checklist"].items()},
        position=max((s.position for s in existing), default=-1) + 1,
    )
    session.add(row)
    session.flush()
    audit(session, office, now, actor, "service.created", row.code, {"after": _service_fields(row)})
    _changed(repo, office, "services", code=row.code)
    return service_view(row)


def change_service(
    repo: SqlRepository, office: str, code: str, changes: dict[str, Any], now: datetime, actor: str
) -> dict[str, Any]:
    session = repo.session
    row = _service(session, office, code)
    before = _service_fields(row)
    for key, value in changes.items():
        if key == "checklist":
            value = {lang: list(items) for lang, items in value.items()}
        setattr(row, key, value)
    session.add(row)
    session.flush()
    diff = _diff(before, _service_fields(row))
    if diff["after"]:
        audit(session, office, now, actor, "service.changed", code, diff)
        _changed(repo, office, "services", code=code)
    return service_view(row)


def service_use(session: Session, office: str, code: str, now: datetime) -> dict[str, Any]:
    """Who still needs a service: tickets not ended, bookings still to come, counters with it as a skill."""
    waiting = session.exec(
        select(func.count())
        .select_from(TicketRow)
        .where(TicketRow.office == office, TicketRow.service == code, col(TicketRow.state).in_(_OPEN_TICKET))
    ).one()
    bookings = session.exec(
        select(func.count())
        .select_from(BookingRow)
        .where(
            BookingRow.office == office,
            BookingRow.service == code,
            BookingRow.state == "booked",
            col(BookingRow.slot_at) > now,
        )
    ).one()
    counters = [c.name for c in _counters(session, office) if code in c.services]
    return {"waiting": int(waiting), "bookings": int(bookings), "counters": counters}


def remove_service(repo: SqlRepository, office: str, code: str, now: datetime, actor: str) -> None:
    session = repo.session
    row = _service(session, office, code)
    use = service_use(session, office, code, now)
    if use["waiting"] or use["bookings"]:
        raise Conflict(
            f"service {code} is still needed: {use['waiting']} ticket(s) not ended, {use['bookings']} booking(s) "
            "to come; delete it when they are served or moved",
            code="service_in_use",
            extra={"field": "code", "waiting": use["waiting"], "bookings": use["bookings"]},
        )
    before = _service_fields(row)
    for counter in _counters(session, office):
        if code in counter.services or (counter.serving and code in counter.serving):
            counter.services = [s for s in counter.services if s != code]
            counter.serving = None if counter.serving is None else [s for s in counter.serving if s != code]
            session.add(counter)
    session.delete(row)
    session.flush()
    audit(session, office, now, actor, "service.deleted", code, {"before": before, "counters": use["counters"]})
    _changed(repo, office, "services", code=code)


# --- counters ---------------------------------------------------------------------------------------------
def counter_row(session: Session, counter_id: int) -> CounterRow:
    row = session.get(CounterRow, counter_id)
    if row is None:
        raise NotFound(f"no counter {counter_id}", code="counter_not_found", extra={"field": "id"})
    return row


def codes(session: Session, office: str) -> frozenset[str]:
    return frozenset(s.code for s in _services(session, office))


def _name_free(session: Session, office: str, name: str, counter_id: int | None) -> None:
    taken = session.exec(
        select(CounterRow.id).where(CounterRow.office == office, CounterRow.name == name, CounterRow.id != counter_id)
    ).first()
    if taken is not None:
        raise Conflict(f"counter {taken} is named {name!r} already", code="counter_name_taken", extra={"field": "name"})


def _counter_fields(row: CounterRow) -> dict[str, Any]:
    view = counter_view(row)
    return {"name": view["name"], "skills": view["skills"], "shifts": view["shifts"]}


def add_counter(repo: SqlRepository, office: str, spec: dict[str, Any], now: datetime, actor: str) -> dict[str, Any]:
    session = repo.session
    office_row(session, office)
    _name_free(session, office, spec["name"], None)
    if len(_counters(session, office)) >= rules.MAX_COUNTERS:
        raise Conflict(f"an office has at most {rules.MAX_COUNTERS} counters", code="too_many_counters")
    row = CounterRow(
        office=office,
        name=spec["name"],
        services=list(spec["skills"]),
        shifts=[[rules.clock_text(a), rules.clock_text(b)] for a, b in spec["shifts"]],
    )
    session.add(row)
    session.flush()
    audit(session, office, now, actor, "counter.created", str(row.id), {"after": _counter_fields(row)})
    _changed(repo, office, "counters", counter=row.id)
    return counter_view(row)


def change_counter(
    repo: SqlRepository, counter_id: int, changes: dict[str, Any], now: datetime, actor: str
) -> dict[str, Any]:
    session = repo.session
    row = counter_row(session, counter_id)
    before = _counter_fields(row)
    if "name" in changes:
        _name_free(session, row.office, changes["name"], counter_id)
        row.name = changes["name"]
    if "skills" in changes:
        row.services = list(changes["skills"])
        if row.serving is not None:  # the clerk's choice keeps only what is still a skill
            row.serving = [s for s in row.serving if s in row.services] or None
    if "shifts" in changes:
        row.shifts = [[rules.clock_text(a), rules.clock_text(b)] for a, b in changes["shifts"]]
    session.add(row)
    session.flush()
    diff = _diff(before, _counter_fields(row))
    if diff["after"]:
        audit(session, row.office, now, actor, "counter.changed", str(counter_id), diff)
        _changed(repo, row.office, "counters", counter=counter_id)
    return counter_view(row)


def remove_counter(repo: SqlRepository, counter_id: int, now: datetime, actor: str) -> None:
    session = repo.session
    row = counter_row(session, counter_id)
    if row.state != "closed":
        raise Conflict(
            f"counter {row.name} is {row.state}: close it first",
            code="counter_in_use",
            extra={"field": "id", "reason": "open"},
        )
    mine = or_(col(TicketRow.counter_id) == counter_id, col(TicketRow.target_counter_id) == counter_id)
    tickets = session.exec(select(TicketRow.state).where(TicketRow.office == row.office, mine)).all()
    active = sum(1 for state in tickets if state in _OPEN_TICKET)
    if active:
        raise Conflict(
            f"counter {row.name} has {active} ticket(s) at it or sent to it",
            code="counter_in_use",
            extra={"field": "id", "reason": "tickets", "tickets": active},
        )
    if tickets:
        raise Conflict(
            f"counter {row.name} served {len(tickets)} ticket(s), which keep referring to it: take its skills away "
            "instead (PATCH skills [])",
            code="counter_in_use",
            extra={"field": "id", "reason": "history", "tickets": len(tickets)},
        )
    before = _counter_fields(row)
    session.delete(row)
    session.flush()
    audit(session, row.office, now, actor, "counter.deleted", str(counter_id), {"before": before})
    _changed(repo, row.office, "counters", counter=counter_id)


# --- the office itself ------------------------------------------------------------------------------------
def set_hours(
    repo: SqlRepository, office: str, hours: dict[int, tuple[rules.Period, ...]], now: datetime, actor: str
) -> dict[str, Any]:
    session = repo.session
    row = office_row(session, office)
    before = hours_view(row)
    row.hours = hours_row(hours)
    session.add(row)
    session.flush()
    after = hours_view(row)
    if before != after:
        audit(session, office, now, actor, "hours.set", "", _diff(before, after))
        _changed(repo, office, "hours")
    return {"hours": after}


def set_closed(repo: SqlRepository, office: str, days: tuple[date, ...], now: datetime, actor: str) -> dict[str, Any]:
    session = repo.session
    row = office_row(session, office)
    before = list(row.closed_days)
    row.closed_days = [d.isoformat() for d in days]
    session.add(row)
    session.flush()
    if before != row.closed_days:
        added = sorted(set(row.closed_days) - set(before))
        removed = sorted(set(before) - set(row.closed_days))
        audit(session, office, now, actor, "closed.set", "", {"added": added, "removed": removed})
        _changed(repo, office, "closed")
    return {"closed": list(row.closed_days)}


def change_settings(
    repo: SqlRepository, office: str, changes: dict[str, Any], now: datetime, actor: str
) -> dict[str, Any]:
    session = repo.session
    row = office_row(session, office)
    before = settings_view(row)
    for key, value in changes.items():
        if key == "walk_in_by_hour":
            value = {str(hour): share for hour, share in sorted(value.items())}
        setattr(row, key, value)
    session.add(row)
    session.flush()
    after = settings_view(row)
    diff = _diff(before, after)
    if diff["after"]:
        audit(session, office, now, actor, "settings.changed", "", diff)
        _changed(repo, office, "settings")
    return {"settings": after}


def set_improvements(
    repo: SqlRepository, office: str, items: tuple[tuple[str, dict[str, str]], ...], now: datetime, actor: str
) -> dict[str, Any]:
    session = repo.session
    row = office_row(session, office)
    before = [dict(i) for i in row.improvements]
    row.improvements = [{"code": code, "names": dict(names)} for code, names in items]
    session.add(row)
    session.flush()
    if before != row.improvements:
        audit(session, office, now, actor, "improvements.set", "", {"before": before, "after": row.improvements})
        _changed(repo, office, "improvements")
    return {"improvements": list(row.improvements)}


# --- the audit log ----------------------------------------------------------------------------------------
def audit_page(session: Session, office: str, limit: int, before: int | None) -> list[dict[str, Any]]:
    """The office's audit rows, newest first, `limit` of them with ids below `before`."""
    query = select(AuditRow).where(AuditRow.office == office)
    if before is not None:
        query = query.where(col(AuditRow.id) < before)
    rows = session.exec(query.order_by(col(AuditRow.id).desc()).limit(limit))
    return [
        {
            "id": r.id,
            "at": r.at.isoformat(),
            "actor": r.actor,
            "action": r.action,
            "target": r.target,
            "detail": r.detail,
        }
        for r in rows
    ]
