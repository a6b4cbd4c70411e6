"""An office described as data: the scenario TOML of the workload files, already parsed.

Used by `loket serve --office-file` to create or update an office, and by the simulator.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, time
from typing import Any

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


def _time(value: Any, where: str) -> time:
    try:
        return time.fromisoformat(str(value))
    except ValueError:
        raise Invalid(f"{where}: {value!r} is not a time HH:MM:SS", code="invalid_office_file") from None


def _require(table: dict[str, Any], key: str, where: str) -> Any:
    if key not in table:
        raise Invalid(f"{where}: missing '{key}'", code="invalid_office_file")
    return table[key]


def parse_scenario(data: dict[str, Any]) -> Scenario:
    """Check and convert a parsed TOML document; raises Invalid naming the first problem."""
    name = str(_require(data, "name", "office file"))
    if name.lower() in RESERVED_OFFICE_NAMES:
        raise Invalid(f"office file: the name {name!r} is reserved (all offices together)", code="invalid_office_file")
    services = []
    for i, raw in enumerate(data.get("service", [])):
        where = f"service #{i + 1}"
        code = str(_require(raw, "code", where))
        if not (code.isalpha() and code.isupper() and 1 <= len(code) <= 2):
            raise Invalid(f"{where}: code {code!r} must be one or two capital letters", code="invalid_office_file")
        english = str(raw.get("name", code))
        names = {lang: str(raw.get("names", {}).get(lang) or raw.get(f"name_{lang}") or english) for lang in LANGUAGES}
        duration = int(raw.get("mean_duration_s", 600))
        if duration <= 0:
            raise Invalid(f"{where}: mean_duration_s must be positive", code="invalid_office_file")
        slot_s = raw.get("slot_s")
        if slot_s is not None and (
            isinstance(slot_s, bool) or not isinstance(slot_s, int) or slot_s <= 0 or slot_s % 60
        ):
            raise Invalid(
                f"{where}: slot_s must be a positive whole number of minutes in seconds", code="invalid_office_file"
            )
        services.append(
            ServiceSpec(code, names, duration, bool(raw.get("bookable", False)), slot_s, _checklist(raw, where))
        )
    codes = [s.code for s in services]
    if len(set(codes)) != len(codes):
        raise Invalid("office file: a service code appears twice", code="invalid_office_file")
    counters = []
    for i, raw in enumerate(data.get("counter", [])):
        where = f"counter #{i + 1}"
        skills = tuple(str(s) for s in _require(raw, "services", where))
        unknown = sorted(set(skills) - set(codes))
        if unknown:
            raise Invalid(f"{where}: unknown services {', '.join(unknown)}", code="invalid_office_file")
        shifts = tuple((_time(a, where), _time(b, where)) for a, b in raw.get("shifts", []))
        counters.append(CounterSpec(str(_require(raw, "name", where)), skills, shifts))
    counter_names = [c.name for c in counters]
    if len(set(counter_names)) != len(counter_names):
        raise Invalid("office file: a counter name appears twice", code="invalid_office_file")
    opens, closes = data.get("opens"), data.get("closes")
    opens_at = _time(opens, "opens") if opens else None
    closes_at = _time(closes, "closes") if closes else None
    raw_hours = data.get("hours")
    if raw_hours is not None and not isinstance(raw_hours, dict):
        raise Invalid("office file: [hours] must be a table of weekdays", code="invalid_office_file")
    hours = calendar.parse_hours(raw_hours) if raw_hours is not None else calendar.default_hours(opens_at, closes_at)
    return Scenario(
        name=name,
        title=str(data.get("title") or data.get("description") or name),
        opens=opens_at,
        closes=closes_at,
        services=tuple(services),
        counters=tuple(counters),
        timezone=str(data.get("timezone", "Europe/Brussels")),
        timed_return=_flag(data, "timed_return"),
        clerks_choose_services=_flag(data, "clerks_choose_services"),
        no_show_min_recalls=_count(data, "no_show_min_recalls", 1),
        no_show_delay_s=_count(data, "no_show_delay_s", 60),
        hours=hours,
        closed=_days(data),
        walk_in_share=_share(data),
        walk_in_by_hour=_shares_by_hour(data),
        late_places=_count(data, "late_places", 3),
        improvements=_improvements(data),
        happiness_at_kiosk=_flag(data, "happiness_at_kiosk"),
        notify_before_min=_count(data, "notify_before_min", 10),
        remote_join=_flag(data, "remote_join", True),
        remote_share_max=_share(data, "remote_share_max", 0.5),
        remote_grace_min=_count(data, "remote_grace_min", 10),
    )


def _improvements(data: dict[str, Any]) -> tuple[tuple[str, dict[str, str]], ...]:
    """`[[improvement]]` with `code` and `names = { nl = "...", fr = "...", en = "..." }`."""
    found = []
    for i, raw in enumerate(data.get("improvement", [])):
        where = f"improvement #{i + 1}"
        if not isinstance(raw, dict):
            raise Invalid(f"{where}: must be a table with code and names", code="invalid_office_file")
        code = str(_require(raw, "code", where))
        names = raw.get("names", {})
        if not isinstance(names, dict) or not names or any(k not in LANGUAGES for k in names):
            raise Invalid(
                f"{where}: names must be a table of languages ({', '.join(LANGUAGES)}) to text",
                code="invalid_office_file",
            )
        found.append((code, {str(k): str(v) for k, v in names.items()}))
    codes = [code for code, _ in found]
    if len(set(codes)) != len(codes):
        raise Invalid("office file: an improvement code appears twice", code="invalid_office_file")
    return tuple(found)


def _checklist(raw: dict[str, Any], where: str) -> dict[str, tuple[str, ...]]:
    """`checklist = { nl = ["..."], fr = ["..."], en = ["..."] }`: what to bring, per language."""
    value = raw.get("checklist", {})
    if not isinstance(value, dict) or any(
        lang not in LANGUAGES or not isinstance(items, list) or not all(isinstance(i, str) for i in items)
        for lang, items in value.items()
    ):
        raise Invalid(
            f"{where}: checklist must be a table of languages ({', '.join(LANGUAGES)}) to lists of text",
            code="invalid_office_file",
        )
    return {lang: tuple(items) for lang, items in value.items()}


def _shares_by_hour(data: dict[str, Any]) -> dict[int, float]:
    """`[walk_in_by_hour]` with `"08" = 0.8`: the walk-in share of the slots starting in that local hour."""
    raw = data.get("walk_in_by_hour", {})
    if not isinstance(raw, dict):
        raise Invalid("office file: [walk_in_by_hour] must be a table of hours to shares", code="invalid_office_file")
    shares = {}
    for key, value in raw.items():
        hour = str(key).split(":")[0]
        if not hour.isdigit() or not 0 <= int(hour) <= 23:
            raise Invalid(f"office file: walk_in_by_hour: {key!r} is not an hour 0-23", code="invalid_office_file")
        shares[int(hour)] = _share({f"walk_in_by_hour.{key}": value}, f"walk_in_by_hour.{key}")
    return shares


def _days(data: dict[str, Any]) -> frozenset[date]:
    raw = data.get("closed", [])
    if not isinstance(raw, list):
        raise Invalid("office file: 'closed' must be a list of dates YYYY-MM-DD", code="invalid_office_file")
    days = set()
    for value in raw:
        if isinstance(value, date):
            days.add(value)
            continue
        try:
            days.add(date.fromisoformat(str(value)))
        except ValueError:
            raise Invalid(
                f"office file: closed day {value!r} is not a date YYYY-MM-DD", code="invalid_office_file"
            ) from None
    return frozenset(days)


def _share(data: dict[str, Any], key: str = "walk_in_share", default: float = calendar.DEFAULT_WALK_IN_SHARE) -> float:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise Invalid(f"office file: '{key}' must be a number from 0 to 1, not {value!r}", code="invalid_office_file")
    return float(value)


def _flag(data: dict[str, Any], key: str, default: bool = False) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise Invalid(f"office file: '{key}' must be true or false, not {value!r}", code="invalid_office_file")
    return value


def _count(data: dict[str, Any], key: str, default: int) -> int:
    value = data.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise Invalid(
            f"office file: '{key}' must be a whole number of at least 0, not {value!r}", code="invalid_office_file"
        )
    return value
