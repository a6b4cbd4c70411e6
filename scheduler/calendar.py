"""The office calendar: when a bookable service has slots, and how many citizens each slot takes.

Opening hours are per weekday (local times); there are no slots on the office's own closing days, on the
public holidays the caller passes in (the server computes Belgian ones with the `holidays` package), outside
the hours, or at or before `now`. A service's slots start at the start of each opening period and follow
each other every `slot_length_s` while they end within the period. A slot's capacity is the number of
counters with that service among their skills whose shifts cover the whole slot (a counter without shifts
works all opening hours), times (1 - the walk-in share of the hour the slot starts in), rounded down.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from scheduler.errors import Invalid
from scheduler.model import Counter, Office, Service

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
#: Slot lengths are whole multiples of this.
SLOT_STEP_S = 300
DEFAULT_WALK_IN_SHARE = 0.5

Period = tuple[time, time]
Hours = Mapping[int, Sequence[Period]]


@dataclass(frozen=True)
class Slot:
    #: When the slot starts (aware, UTC).
    at: datetime
    capacity: int


def default_hours(opens: time | None, closes: time | None) -> dict[int, tuple[Period, ...]]:
    """Monday to Friday from `opens` to `closes`; no hours at all when either is missing."""
    if opens is None or closes is None:
        return {}
    return {weekday: ((opens, closes),) for weekday in range(5)}


def parse_hours(raw: Mapping[str, object], where: str = "hours") -> dict[int, tuple[Period, ...]]:
    """`{"mon": [["08:30", "12:30"], ["13:30", "16:00"]], ...}` -> {0: ((08:30, 12:30), (13:30, 16:00)), ...}.

    A weekday left out is closed. Periods must be in order and not overlap."""
    hours: dict[int, tuple[Period, ...]] = {}
    for key, periods in raw.items():
        if key not in WEEKDAYS:
            raise Invalid(f"{where}: {key!r} is not one of {', '.join(WEEKDAYS)}", code="invalid_office_file")
        if not isinstance(periods, list):
            raise Invalid(f"{where}.{key}: give a list of [opens, closes] pairs", code="invalid_office_file")
        parsed: list[Period] = []
        for pair in periods:
            if not isinstance(pair, list | tuple) or len(pair) != 2:
                raise Invalid(f"{where}.{key}: {pair!r} is not a pair [opens, closes]", code="invalid_office_file")
            try:
                start, end = time.fromisoformat(str(pair[0])), time.fromisoformat(str(pair[1]))
            except ValueError:
                raise Invalid(f"{where}.{key}: {pair!r} holds no times HH:MM", code="invalid_office_file") from None
            if start >= end or (parsed and start < parsed[-1][1]):
                raise Invalid(
                    f"{where}.{key}: periods must run forward and not overlap ({pair!r})", code="invalid_office_file"
                )
            parsed.append((start, end))
        hours[WEEKDAYS.index(key)] = tuple(parsed)
    return hours


def slot_length_s(service: Service) -> int:
    """The service's own slot length, or its mean duration rounded up to whole 5 minutes."""
    if service.slot_s is not None:
        return service.slot_s
    return max(1, math.ceil(service.duration_s / SLOT_STEP_S)) * SLOT_STEP_S


def _covers(shifts: Sequence[Period], start: time, end: time) -> bool:
    return not shifts or any(a <= start and end <= b for a, b in shifts)


def closed_because(office: Office, day: date, holidays: Collection[date]) -> str | None:
    """Why the office takes no appointments at all on `day`: "holiday" (one of the public `holidays`), "closed"
    (its own closing day, or a weekday without opening hours); None on a day it opens."""
    if day in holidays:
        return "holiday"
    if day in office.closed_days or not office.hours.get(day.weekday()):
        return "closed"
    return None


def slots(
    office: Office,
    service: Service,
    counters: Iterable[Counter],
    shifts: Mapping[int, Sequence[Period]],
    day: date,
    now: datetime,
    holidays: Collection[date],
) -> list[Slot]:
    """The slots of `service` on the office-local `day` that start after `now`, with their capacity
    (slots of capacity 0 included: they exist but take nobody)."""
    if not service.bookable or day in holidays or day in office.closed_days:
        return []
    zone = ZoneInfo(office.timezone)
    length = timedelta(seconds=slot_length_s(service))
    able = [c for c in counters if service.code in c.services]
    out = []
    for opens, closes in office.hours.get(day.weekday(), ()):
        start = datetime.combine(day, opens, tzinfo=zone)
        end_of_period = datetime.combine(day, closes, tzinfo=zone)
        while start + length <= end_of_period:
            end = start + length
            staffed = sum(1 for c in able if _covers(shifts.get(c.id, ()), start.time(), end.time()))
            if start > now:
                share = office.walk_in_share_at(start.hour)
                out.append(Slot(start.astimezone(UTC), math.floor(staffed * (1 - share) + 1e-9)))
            start = end
    return out


def slot_at(
    office: Office,
    service: Service,
    counters: Iterable[Counter],
    shifts: Mapping[int, Sequence[Period]],
    at: datetime,
    now: datetime,
    holidays: Collection[date],
) -> Slot:
    """The slot of `service` starting at `at`; Invalid `no_such_slot` saying why there is none."""
    zone = ZoneInfo(office.timezone)
    local = at.astimezone(zone)
    day = local.date()
    if at <= now:
        raise Invalid(f"the slot {local.isoformat()} is in the past", code="slot_in_past")
    if not service.bookable:
        raise Invalid(f"service {service.code} cannot be booked", code="service_not_bookable")
    why = None
    if day in holidays:
        why = f"{day.isoformat()} is a public holiday"
    elif day in office.closed_days:
        why = f"the office is closed on {day.isoformat()}"
    else:
        for slot in slots(office, service, counters, shifts, day, now, holidays):
            if slot.at == at.astimezone(UTC):
                return slot
        periods = office.hours.get(day.weekday(), ())
        if not periods:
            why = f"the office has no opening hours on {day:%A}s"
        else:
            opening = ", ".join(f"{a:%H:%M}-{b:%H:%M}" for a, b in periods)
            why = (
                f"{local:%H:%M} is not the start of a slot of service {service.code} "
                f"(slots of {slot_length_s(service) // 60} minutes from the opening hours {opening})"
            )
    raise Invalid(f"no slot at {local.isoformat()}: {why}", code="no_such_slot")
