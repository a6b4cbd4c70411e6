"""An office described as data: the scenario TOML of the workload files, already parsed; and back
(`office_file`: what `loket office export` writes).

Used by `loket serve --office-file` to create or update an office, and by the simulator. Each value is checked by
the same rule the administration API applies (`scheduler.administration`), so a file and a form accept the same
things; a refusal here has the code `invalid_office_file` and `extra["field"]` naming the key. One difference:
counters' shifts are only read as times here (the simulator says which shift runs backwards, by counter).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

from scheduler import administration as rules
from scheduler import calendar
from scheduler.errors import Invalid
from scheduler.model import LANGUAGES

#: Names no office may take: `all` stands for every office together in the open data
#: (`/open-data/all/monthly.csv`).
RESERVED_OFFICE_NAMES = frozenset({"all"})


@dataclass(frozen=True)
class ServiceSpec:
    code: str
    names: dict[str, str]
    duration_s: int
    bookable: bool
    #: The booking slot length; None: the duration rounded up to 5 minutes.
    slot_s: int | None = None
    #: What to bring, per language.
    checklist: dict[str, tuple[str, ...]] = field(default_factory=dict)


@dataclass(frozen=True)
class CounterSpec:
    name: str
    services: tuple[str, ...]
    shifts: tuple[tuple[time, time], ...]


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    opens: time | None
    closes: time | None
    services: tuple[ServiceSpec, ...]
    counters: tuple[CounterSpec, ...]
    timezone: str = "Europe/Brussels"
    #: Offer walk-ins facing a wait over five minutes to come back at a given time.
    timed_return: bool = False
    #: Clerks choose which of their counter's skills it serves today.
    clerks_choose_services: bool = False
    #: A called citizen may be marked no-show after this many recalls and this many seconds since the last one.
    no_show_min_recalls: int = 1
    no_show_delay_s: int = 60
    #: Opening hours for bookings per weekday (0 = Monday); default `opens`-`closes` Monday to Friday.
    hours: dict[int, tuple[tuple[time, time], ...]] = field(default_factory=dict)
    #: The office's own closing days.
    closed: frozenset[date] = frozenset()
    #: The share of counter capacity kept for walk-ins.
    walk_in_share: float = 0.5
    #: Per local hour (0-23), a walk-in share other than `walk_in_share`.
    walk_in_by_hour: dict[int, float] = field(default_factory=dict)
    #: "I'm running late" moves a citizen back this many places, once.
    late_places: int = 3
    #: The happiness question's choices: (code, names per language).
    improvements: tuple[tuple[str, dict[str, str]], ...] = ()
    happiness_at_kiosk: bool = False
    #: Walk-ins who left an address are told when their turn is about this many minutes away.
    notify_before_min: int = 10
    #: Joining the queue from elsewhere (`scheduler.remote`): allowed, up to this share of the queue, and the
    #: minutes a remote joiner keeps their place past the time they should have arrived.
    remote_join: bool = True
    remote_share_max: float = 0.5
    remote_grace_min: int = 10


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise Invalid(f"{where}: missing '{key}'", code="invalid_office_file", extra={"field": f"{where}.{key}"})
    return table[key]


def parse_scenario(data: dict[str, Any]) -> Scenario:
    """Check and convert a parsed TOML document; raises Invalid (`invalid_office_file`) naming the first problem."""
    try:
        return _parse(data)
    except Invalid as refused:
        if refused.code == "invalid_office_file":
            raise
        raise Invalid(f"office file: {refused.detail}", code="invalid_office_file", extra=refused.extra) from None


def _service(raw: Any, where: str) -> ServiceSpec:
    if not isinstance(raw, dict):
        raise Invalid(f"{where}: must be a table", code="invalid_office_file", extra={"field": where})
    code = rules.service_code(_require(raw, "code", where), f"{where}.code")
    english = raw.get("name", code)
    given = raw.get("names", {})
    if not isinstance(given, dict):
        raise Invalid(f"{where}: names must be a table", code="invalid_office_file", extra={"field": f"{where}.names"})
    names = rules.names(
        {lang: given.get(lang) or raw.get(f"name_{lang}") or english for lang in LANGUAGES}, f"{where}.names"
    )
    return ServiceSpec(
        code,
        names,
        rules.duration_s(raw.get("mean_duration_s", 600), f"{where}.mean_duration_s"),
        rules.flag(raw.get("bookable", False), f"{where}.bookable"),
        rules.slot_s(raw.get("slot_s"), f"{where}.slot_s"),
        rules.checklist(raw.get("checklist", {}), f"{where}.checklist"),
    )


def _counter(raw: Any, where: str, codes: set[str]) -> CounterSpec:
    if not isinstance(raw, dict):
        raise Invalid(f"{where}: must be a table", code="invalid_office_file", extra={"field": where})
    skills = rules.skills(_require(raw, "services", where), codes, f"{where}.services")
    shifts = raw.get("shifts", [])
    if not isinstance(shifts, list) or not all(isinstance(p, list | tuple) and len(p) == 2 for p in shifts):
        raise Invalid(
            f"{where}: shifts must be a list of [start, end] pairs",
            code="invalid_office_file",
            extra={"field": f"{where}.shifts"},
        )
    pairs = tuple((rules.clock_time(a, f"{where}.shifts"), rules.clock_time(b, f"{where}.shifts")) for a, b in shifts)
    return CounterSpec(rules.counter_name(_require(raw, "name", where), f"{where}.name"), skills, pairs)


def _parse(data: dict[str, Any]) -> Scenario:
    name = str(_require(data, "name", "office file"))
    if name.lower() in RESERVED_OFFICE_NAMES:
        raise Invalid(f"office file: the name {name!r} is reserved (all offices together)", code="invalid_office_file")
    services = [_service(raw, f"service.{i}") for i, raw in enumerate(_tables(data, "service"))]
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise Invalid("office file: a service code appears twice", code="invalid_office_file")
    counters = [_counter(raw, f"counter.{i}", set(codes)) for i, raw in enumerate(_tables(data, "counter"))]
    counter_names = [c.name for c in counters]
    if len(set(counter_names)) != len(counter_names):
        raise Invalid("office file: a counter name appears twice", code="invalid_office_file")
    opens, closes = data.get("opens"), data.get("closes")
    opens_at = rules.clock_time(opens, "opens") if opens else None
    closes_at = rules.clock_time(closes, "closes") if closes else None
    raw_hours = data.get("hours")
    hours = rules.hours(raw_hours) if raw_hours is not None else calendar.default_hours(opens_at, closes_at)
    defaults = rules.DEFAULTS
    return Scenario(
        name=name,
        title=str(data.get("title") or data.get("description") or name),
        opens=opens_at,
        closes=closes_at,
        services=tuple(services),
        counters=tuple(counters),
        timezone=str(data.get("timezone", "Europe/Brussels")),
        hours=hours,
        closed=frozenset(rules.closed_days(data.get("closed", []))),
        walk_in_by_hour=rules.walk_in_by_hour(data.get("walk_in_by_hour", {})),
        improvements=rules.improvements(data.get("improvement", []), "improvement"),
        **{key: rules.setting(key, data.get(key, defaults[key])) for key in defaults},
    )


def _tables(data: dict[str, Any], key: str) -> list[Any]:
    found = data.get(key, [])
    if not isinstance(found, list):
        raise Invalid(f"office file: [[{key}]] must be a list of tables", code="invalid_office_file")
    return found


def office_file(scenario: Scenario) -> dict[str, Any]:
    """The office file (as a TOML document's data) that `parse_scenario` reads back to `scenario`: every setting
    written out, hours per weekday ("mon".."sun", open days only), times as "HH:MM"."""
    data: dict[str, Any] = {
        "name": scenario.name,
        "title": scenario.title,
        "timezone": scenario.timezone,
        "timed_return": scenario.timed_return,
        "clerks_choose_services": scenario.clerks_choose_services,
        "no_show_min_recalls": scenario.no_show_min_recalls,
        "no_show_delay_s": scenario.no_show_delay_s,
        "walk_in_share": scenario.walk_in_share,
        "late_places": scenario.late_places,
        "happiness_at_kiosk": scenario.happiness_at_kiosk,
        "notify_before_min": scenario.notify_before_min,
        "remote_join": scenario.remote_join,
        "remote_share_max": scenario.remote_share_max,
        "remote_grace_min": scenario.remote_grace_min,
        "closed": [day.isoformat() for day in sorted(scenario.closed)],
        "hours": {day: periods for day, periods in rules.hours_view(scenario.hours).items() if periods},
        "walk_in_by_hour": {str(hour): share for hour, share in sorted(scenario.walk_in_by_hour.items())},
        "service": [_service_table(s) for s in scenario.services],
        "counter": [
            {
                "name": c.name,
                "services": list(c.services),
                "shifts": [[rules.clock_text(a), rules.clock_text(b)] for a, b in c.shifts],
            }
            for c in scenario.counters
        ],
        "improvement": [{"code": code, "names": dict(names)} for code, names in scenario.improvements],
    }
    for key in ("walk_in_by_hour", "improvement"):  # empty: the default, left out
        if not data[key]:
            del data[key]
    return data


def _service_table(spec: ServiceSpec) -> dict[str, Any]:
    table: dict[str, Any] = {
        "code": spec.code,
        "name": spec.names.get("en", spec.code),
        "names": dict(spec.names),
        "mean_duration_s": spec.duration_s,
        "bookable": spec.bookable,
    }
    if spec.checklist:
        table["checklist"] = {lang: list(items) for lang, items in spec.checklist.items()}
    if spec.slot_s is not None:  # TOML has no null: left out, the duration rounded up to 5 minutes
        table["slot_s"] = spec.slot_s
    return table
