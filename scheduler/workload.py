"""The citizens of a workload day: the arrivals CSV of ../shared/workloads/FORMAT.md, parsed.

The caller reads the file; this module only sees its lines (no I/O in `scheduler`). Every bad row
raises `Invalid` naming its line, its id and the column at fault.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import time

from scheduler.errors import Invalid
from scheduler.model import TicketKind

COLUMNS = ("id", "kind", "service", "arrival", "slot", "duration_s", "patience_s")
#: Columns a file may leave out altogether (then every row has them empty).
OPTIONAL_COLUMNS = frozenset({"slot", "patience_s"})

_CODE = "invalid_workload"


@dataclass(frozen=True)
class Arrival:
    """One citizen of the day, as the workload file describes them."""

    id: str
    kind: TicketKind
    service: str
    #: When they check in (kiosk or appointment check-in); None: an appointment that never came.
    arrival: time | None
    #: Start of the booked slot (appointments only).
    slot: time | None
    #: How long the service takes once called.
    duration_s: int
    #: How long a walk-in waits before leaving unserved; None: as long as it takes.
    patience_s: int | None = None
    #: The line of the file it came from (for messages); not part of its identity.
    line: int = field(default=0, compare=False)

    @property
    def came(self) -> bool:
        return self.arrival is not None


def parse_arrivals(lines: Iterable[str]) -> tuple[Arrival, ...]:
    """The citizens of an arrivals CSV, in file order. Raises Invalid naming the first bad row."""
    reader = csv.reader(iter(lines))
    try:
        header = next(reader)
    except StopIteration:
        raise Invalid("arrivals file is empty: expected a header line " + ",".join(COLUMNS), code=_CODE) from None
    except csv.Error as exc:
        raise Invalid(f"arrivals file, line 1: {exc}", code=_CODE) from None
    names = [h.strip().lstrip("\ufeff") for h in header]
    missing = [c for c in COLUMNS if c not in names and c not in OPTIONAL_COLUMNS]
    if missing:
        raise Invalid(
            f"arrivals file, line 1: missing column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(repr(c) for c in missing)} "
            f"(the header needs {','.join(COLUMNS)})",
            code=_CODE,
        )
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise Invalid(f"arrivals file, line 1: column {doubled[0]!r} appears twice", code=_CODE)
    index = {name: i for i, name in enumerate(names)}
    arrivals: list[Arrival] = []
    seen: dict[str, int] = {}
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise Invalid(f"arrivals file, line {reader.line_num}: {exc}", code=_CODE) from None
        if not fields or all(not f.strip() for f in fields):
            continue
        line = reader.line_num
        if len(fields) != len(names):
            raise Invalid(
                f"arrivals file, line {line}: {len(fields)} fields where the header has {len(names)}", code=_CODE
            )
        row = {name: fields[i].strip() for name, i in index.items()}
        arrival = _arrival(row, line)
        if arrival.id in seen:
            raise Invalid(
                f"arrivals file, line {line}: id {arrival.id!r} already used on line {seen[arrival.id]}", code=_CODE
            )
        seen[arrival.id] = line
        arrivals.append(arrival)
    return tuple(arrivals)


def _arrival(row: dict[str, str], line: int) -> Arrival:
    ident = row["id"]
    where = f"arrivals file, line {line}" + (f" (id {ident})" if ident else "")

    def bad(column: str, why: str) -> Invalid:
        return _bad(where, column, why)

    if not ident:
        raise bad("id", "empty; every row needs a unique id")
    try:
        kind = TicketKind(row["kind"])
    except ValueError:
        raise bad("kind", f"{row['kind']!r} is not 'walkin' or 'appointment'") from None
    service = row["service"]
    if not service:
        raise bad("service", "empty; give the service code of the scenario")
    arrival = _clock(row["arrival"], where, "arrival")
    slot = _clock(row.get("slot", ""), where, "slot")
    duration = _seconds(row["duration_s"], where, "duration_s")
    if duration is None:
        raise bad("duration_s", "empty; give the service time in whole seconds")
    patience = _seconds(row.get("patience_s", ""), where, "patience_s")
    if kind is TicketKind.WALKIN:
        if arrival is None:
            raise bad("arrival", "empty, but only an appointment may never come")
        if slot is not None:
            raise bad("slot", "a walk-in has no booked slot; leave it empty")
    else:
        if slot is None:
            raise bad("slot", "an appointment needs the start of its booked slot")
        if patience is not None:
            raise bad("patience_s", "only walk-ins give up; leave it empty for an appointment")
    return Arrival(ident, kind, service, arrival, slot, duration, patience, line)


def _bad(where: str, column: str, why: str) -> Invalid:
    return Invalid(f"{where}, column '{column}': {why}", code=_CODE)


def _clock(text: str, where: str, column: str) -> time | None:
    if not text:
        return None
    try:
        value = time.fromisoformat(text)
    except ValueError:
        raise _bad(where, column, f"{text!r} is not a clock time HH:MM:SS") from None
    if value.tzinfo is not None:
        raise _bad(where, column, f"{text!r}: give the office's local time, without an offset")
    return value


def _seconds(text: str, where: str, column: str) -> int | None:
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        raise _bad(where, column, f"{text!r} is not a whole number of seconds") from None
    if value < 0:
        raise _bad(where, column, f"{value} is negative")
    return value
