"""The rules of an office's set-up, for both ways of changing it: the administration (API and /admin pages) and
the office files (`scheduler.scenario` calls the same checks, so a file and a form decide the same thing once).

Each check takes the raw JSON value and the field's name and returns the value as the office keeps it, or
raises `Invalid` with a stable code and `extra={"field": ...}` naming the field ("names.fr", "hours.mon.1").

Forms, the same as the office files':
  hours   {"mon": [["08:30", "12:30"], ["13:30", "16:00"]], ..., "sun": []}: weekdays "mon".."sun" only; a
          weekday left out or [] is closed; periods "HH:MM" (or "HH:MM:SS"), opens < closes, in order, not
          overlapping
  shifts  [["08:30", "12:30"], ...]: the same rule as a day's hours
  closed  ["2026-12-24", ...]: ISO dates, kept deduplicated and sorted; past days are allowed (a list copied from
          last year's file still loads; a past day changes nothing)
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, time
from typing import Any

from scheduler.calendar import DEFAULT_WALK_IN_SHARE, WEEKDAYS
from scheduler.errors import Invalid
from scheduler.model import LANGUAGES

Period = tuple[time, time]

MAX_NAME = 80  # a service's or improvement's name, per language
MAX_OFFICE_NAME = 200
MAX_COUNTER_NAME = 64
MAX_CHECKLIST_ITEMS = 20
MAX_CHECKLIST_ITEM = 200
MAX_DURATION_S = 4 * 3600
MAX_PERIODS = 6  # per weekday, or a counter's shifts
MAX_CLOSED_DAYS = 1000
MAX_IMPROVEMENTS = 12
MAX_SERVICES = 26 * 27  # every one- or two-letter code
MAX_COUNTERS = 200
MAX_IMPROVEMENT_CODE = 32

_SERVICE_CODE = re.compile(r"[A-Z]{1,2}")
_IMPROVEMENT_CODE = re.compile(r"[A-Za-z0-9_-]{1,32}")

#: The office settings a manager may change, with the check of each (see `settings_change`). Whole numbers
#: have a range: (low, high).
COUNTS: dict[str, tuple[int, int]] = {
    "no_show_min_recalls": (0, 10),
    "no_show_delay_s": (0, 3600),
    "late_places": (0, 50),
    "notify_before_min": (0, 120),
    "remote_grace_min": (0, 120),
}
FLAGS = ("timed_return", "clerks_choose_services", "happiness_at_kiosk", "remote_join")
SHARES = ("walk_in_share", "remote_share_max")
SETTINGS = ("name", *FLAGS, *COUNTS, *SHARES, "walk_in_by_hour")

SERVICE_FIELDS = ("code", "names", "duration_s", "bookable", "slot_s", "checklist")
COUNTER_FIELDS = ("name", "skills", "shifts")


def invalid(field: str, detail: str, code: str) -> Invalid:
    return Invalid(detail, code=code, extra={"field": field})


def known_fields(body: object, allowed: tuple[str, ...], where: str = "") -> dict[str, Any]:
    """`body` as a dict whose keys are all `allowed`; `unknown_field` naming the first other one."""
    if not isinstance(body, dict):
        raise invalid(where or "body", f"{where or 'the body'} must be an object", "invalid_body")
    for key in body:
        if key not in allowed:
            name = f"{where}.{key}" if where else str(key)
            raise invalid(name, f"unknown field {name!r} (known: {', '.join(allowed)})", "unknown_field")
    return dict(body)


def required(body: Mapping[str, Any], key: str, where: str = "") -> Any:
    name = f"{where}.{key}" if where else key
    if key not in body:
        raise invalid(name, f"{name} is missing", "field_required")
    return body[key]


# --- single values ----------------------------------------------------------------------------------------
def flag(value: object, field: str) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, f"'{field}' must be true or false, not {value!r}", "invalid_flag")
    return value


def count(value: object, field: str, low: int = 0, high: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        limits = f"from {low} to {high}" if high is not None else f"of at least {low}"
        raise invalid(field, f"'{field}' must be a whole number {limits}, not {value!r}", "invalid_number")
    return value


def share(value: object, field: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise invalid(field, f"'{field}' must be a number from 0 to 1, not {value!r}", "invalid_share")
    return float(value)


def text(value: object, field: str, most: int, code: str = "invalid_text") -> str:
    """A non-empty text of at most `most` characters, surrounding spaces dropped."""
    if not isinstance(value, str) or not value.strip():
        raise invalid(field, f"{field} must be a non-empty text", code)
    if len(value.strip()) > most:
        raise invalid(field, f"{field} has more than {most} characters", code)
    return value.strip()


def clock_time(value: object, field: str) -> time:
    try:
        if not isinstance(value, str | time):
            raise ValueError
        found = value if isinstance(value, time) else time.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"{field}: {value!r} is not a time HH:MM", "invalid_time") from None
    if found.tzinfo is not None or found.microsecond:
        raise invalid(field, f"{field}: {value!r} is not a time HH:MM", "invalid_time")
    return found


def clock_text(at: time) -> str:
    """ "08:30", or "08:30:15" when the seconds count: the form the API, the snapshot and exported files use."""
    return at.isoformat(timespec="minutes" if not at.second else "seconds")


# --- services --------------------------------------------------------------------------------------------
def service_code(value: object, field: str = "code") -> str:
    if not isinstance(value, str) or not _SERVICE_CODE.fullmatch(value):
        raise invalid(field, f"{field} {value!r} must be one or two capital letters A-Z", "invalid_code")
    return value


def names(value: object, field: str = "names") -> dict[str, str]:
    """A name in each of nl, fr and en, each 1 to MAX_NAME characters."""
    table = known_fields(value, LANGUAGES, field)
    return {lang: text(required(table, lang, field), f"{field}.{lang}", MAX_NAME, "invalid_name") for lang in LANGUAGES}


def duration_s(value: object, field: str = "duration_s") -> int:
    return count(value, field, 1, MAX_DURATION_S)


def slot_s(value: object, field: str = "slot_s") -> int | None:
    """None (the duration rounded up to 5 minutes) or a whole number of minutes, in seconds, up to 4 hours."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_DURATION_S or value % 60:
        raise invalid(field, f"{field} must be a positive whole number of minutes in seconds", "invalid_slot")
    return value


def checklist(value: object, field: str = "checklist") -> dict[str, tuple[str, ...]]:
    """What to bring, per language: {"nl": ["..."], ...}; up to 20 items of up to 200 characters each."""
    if not isinstance(value, dict) or any(
        lang not in LANGUAGES or not isinstance(items, list | tuple) for lang, items in value.items()
    ):
        raise invalid(
            field,
            f"{field} must be a table of languages ({', '.join(LANGUAGES)}) to lists of text",
            "invalid_checklist",
        )
    found: dict[str, tuple[str, ...]] = {}
    for lang, items in value.items():
        if len(items) > MAX_CHECKLIST_ITEMS:
            raise invalid(
                f"{field}.{lang}", f"{field}.{lang} has more than {MAX_CHECKLIST_ITEMS} items", "invalid_checklist"
            )
        found[lang] = tuple(
            text(item, f"{field}.{lang}.{i}", MAX_CHECKLIST_ITEM, "invalid_checklist") for i, item in enumerate(items)
        )
    return found


def new_service(body: object) -> dict[str, Any]:
    """A new service from the API's body: code and names required, the rest defaults."""
    given = known_fields(body, SERVICE_FIELDS)
    return {
        "code": service_code(required(given, "code")),
        "names": names(required(given, "names")),
        "duration_s": duration_s(given.get("duration_s", 600)),
        "bookable": flag(given.get("bookable", False), "bookable"),
        "slot_s": slot_s(given.get("slot_s")),
        "checklist": checklist(given.get("checklist", {})),
    }


def service_change(body: object) -> dict[str, Any]:
    """The fields a PATCH of a service gives, checked; the code cannot change (`code_fixed`)."""
    given = known_fields(body, SERVICE_FIELDS)
    if "code" in given:
        raise invalid("code", "a service's code cannot change: add a new service instead", "code_fixed")
    checks: dict[str, Callable[[Any, str], Any]] = {
        "names": names,
        "duration_s": duration_s,
        "bookable": flag,
        "slot_s": slot_s,
        "checklist": checklist,
    }
    return {key: checks[key](value, key) for key, value in given.items()}


# --- counters --------------------------------------------------------------------------------------------
def counter_name(value: object, field: str = "name") -> str:
    return text(value, field, MAX_COUNTER_NAME, "invalid_counter_name")


def skills(value: object, codes: set[str] | frozenset[str], field: str = "skills") -> tuple[str, ...]:
    """Codes of the office's services, each once."""
    if not isinstance(value, list | tuple) or not all(isinstance(s, str) for s in value):
        raise invalid(field, f"{field} must be a list of service codes", "invalid_skills")
    unknown = sorted(set(value) - set(codes))
    if unknown:
        error = invalid(field, f"{field}: unknown services {', '.join(unknown)}", "unknown_service")
        error.extra["unknown"] = unknown
        raise error
    if len(set(value)) != len(value):
        raise invalid(field, f"{field}: a service appears twice", "invalid_skills")
    return tuple(value)


def periods(value: object, field: str) -> tuple[Period, ...]:
    """[[opens, closes], ...]: opens before closes, in order, not overlapping (a day's hours, a counter's shifts)."""
    if not isinstance(value, list | tuple):
        raise invalid(field, f"{field}: give a list of [opens, closes] pairs", "invalid_periods")
    if len(value) > MAX_PERIODS:
        raise invalid(field, f"{field}: at most {MAX_PERIODS} periods", "invalid_periods")
    found: list[Period] = []
    for i, pair in enumerate(value):
        where = f"{field}.{i}"
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise invalid(where, f"{where}: {pair!r} is not a pair [opens, closes]", "invalid_periods")
        try:
            start, end = clock_time(pair[0], where), clock_time(pair[1], where)
        except Invalid:
            raise invalid(where, f"{where}: {pair!r} holds no times HH:MM", "invalid_time") from None
        if start >= end or (found and start < found[-1][1]):
            raise invalid(where, f"{where}: periods must run forward and not overlap ({pair!r})", "invalid_periods")
        found.append((start, end))
    return tuple(found)


def new_counter(body: object, codes: set[str] | frozenset[str]) -> dict[str, Any]:
    given = known_fields(body, COUNTER_FIELDS)
    return {
        "name": counter_name(required(given, "name")),
        "skills": skills(given.get("skills", []), codes),
        "shifts": periods(given.get("shifts", []), "shifts"),
    }


def counter_change(body: object, codes: set[str] | frozenset[str]) -> dict[str, Any]:
    given = known_fields(body, COUNTER_FIELDS)
    found: dict[str, Any] = {}
    if "name" in given:
        found["name"] = counter_name(given["name"])
    if "skills" in given:
        found["skills"] = skills(given["skills"], codes)
    if "shifts" in given:
        found["shifts"] = periods(given["shifts"], "shifts")
    return found


# --- the calendar -----------------------------------------------------------------------------------------
def hours(value: object, field: str = "hours") -> dict[int, tuple[Period, ...]]:
    """{"mon": [["08:30", "12:30"]], ...} -> {0: ((08:30, 12:30),), ...}; a weekday with no periods is left out."""
    if not isinstance(value, dict):
        raise invalid(field, f"{field} must be a table of weekdays ({', '.join(WEEKDAYS)})", "invalid_hours")
    found: dict[int, tuple[Period, ...]] = {}
    for key, raw in value.items():
        if key not in WEEKDAYS:
            raise invalid(f"{field}.{key}", f"{field}: {key!r} is not one of {', '.join(WEEKDAYS)}", "invalid_weekday")
        day = periods(raw, f"{field}.{key}")
        if day:
            found[WEEKDAYS.index(key)] = day
    return found


def hours_view(value: Mapping[int, tuple[Period, ...]]) -> dict[str, list[list[str]]]:
    """Every weekday "mon".."sun" with its periods as ["HH:MM", "HH:MM"] ([] when closed): the API's form."""
    return {name: [[clock_text(a), clock_text(b)] for a, b in value.get(i, ())] for i, name in enumerate(WEEKDAYS)}


def closed_day(value: object, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        if not isinstance(value, str):
            raise ValueError
        return date.fromisoformat(value)
    except ValueError:
        raise invalid(field, f"closed day {value!r} is not a date YYYY-MM-DD", "invalid_date") from None


def closed_days(value: object, field: str = "closed") -> tuple[date, ...]:
    """ISO dates, deduplicated and sorted (past days allowed)."""
    if not isinstance(value, list | tuple):
        raise invalid(field, f"'{field}' must be a list of dates YYYY-MM-DD", "invalid_date")
    if len(value) > MAX_CLOSED_DAYS:
        raise invalid(field, f"'{field}' holds more than {MAX_CLOSED_DAYS} days", "too_many_days")
    return tuple(sorted({closed_day(v, f"{field}.{i}") for i, v in enumerate(value)}))


# --- settings and improvements ---------------------------------------------------------------------------
def walk_in_by_hour(value: object, field: str = "walk_in_by_hour") -> dict[int, float]:
    """{"8": 0.8} (or "08", "08:00"): the walk-in share of the slots starting in that local hour."""
    if not isinstance(value, dict):
        raise invalid(field, f"[{field}] must be a table of hours to shares", "invalid_share")
    found = {}
    for key, raw in value.items():
        hour = str(key).split(":")[0]
        if not hour.isdigit() or not 0 <= int(hour) <= 23:
            raise invalid(f"{field}.{key}", f"{field}: {key!r} is not an hour 0-23", "invalid_hour")
        found[int(hour)] = share(raw, f"{field}.{key}")
    return dict(sorted(found.items()))


def setting(key: str, value: object) -> Any:
    """One office setting, checked."""
    if key == "name":
        return text(value, key, MAX_OFFICE_NAME, "invalid_name")
    if key in FLAGS:
        return flag(value, key)
    if key in COUNTS:
        return count(value, key, *COUNTS[key])
    if key in SHARES:
        return share(value, key)
    if key == "walk_in_by_hour":
        return walk_in_by_hour(value, key)
    raise invalid(key, f"unknown field {key!r} (known: {', '.join(SETTINGS)})", "unknown_field")


def settings_change(body: object) -> dict[str, Any]:
    """The settings a PATCH gives, checked (walk_in_by_hour keyed by int hour)."""
    given = known_fields(body, SETTINGS)
    return {key: setting(key, value) for key, value in given.items()}


DEFAULTS: dict[str, Any] = {
    "timed_return": False,
    "clerks_choose_services": False,
    "no_show_min_recalls": 1,
    "no_show_delay_s": 60,
    "walk_in_share": DEFAULT_WALK_IN_SHARE,
    "late_places": 3,
    "happiness_at_kiosk": False,
    "notify_before_min": 10,
    "remote_join": True,
    "remote_share_max": 0.5,
    "remote_grace_min": 10,
}


def improvement(value: object, field: str) -> tuple[str, dict[str, str]]:
    """{"code": "wait", "names": {"nl": ..., "fr": ..., "en": ...}} (some languages may be left out)."""
    given = known_fields(value, ("code", "names"), field)
    code = required(given, "code", field)
    if not isinstance(code, str) or not _IMPROVEMENT_CODE.fullmatch(code):
        raise invalid(f"{field}.code", f"{field}.code {code!r}: 1 to 32 letters, digits, - or _", "invalid_code")
    raw = required(given, "names", field)
    if not isinstance(raw, dict) or not raw or any(k not in LANGUAGES for k in raw):
        raise invalid(
            f"{field}.names",
            f"{field}: names must be a table of languages ({', '.join(LANGUAGES)}) to text",
            "invalid_name",
        )
    return code, {str(k): text(v, f"{field}.names.{k}", MAX_NAME, "invalid_name") for k, v in raw.items()}


def improvements(value: object, field: str = "improvements") -> tuple[tuple[str, dict[str, str]], ...]:
    if not isinstance(value, list | tuple):
        raise invalid(field, f"{field} must be a list of {{code, names}}", "invalid_improvements")
    if len(value) > MAX_IMPROVEMENTS:
        raise invalid(field, f"at most {MAX_IMPROVEMENTS} improvements", "too_many_improvements")
    found = [improvement(v, f"{field}.{i}") for i, v in enumerate(value)]
    codes = [code for code, _ in found]
    if len(set(codes)) != len(codes):
        raise invalid(field, "an improvement code appears twice", "duplicate_code")
    return tuple(found)


# --- staff and devices ------------------------------------------------------------------------------------
STAFF_ROLES = ("clerk", "manager")
DEVICE_ROLES = ("kiosk", "display")
MAX_USERNAME = 64
MAX_PASSWORD = 200
MIN_PASSWORD = 8
MAX_LABEL = 100
_USERNAME = re.compile(r"[A-Za-z0-9._@-]{1,64}")


def username(value: object, field: str = "username") -> str:
    if not isinstance(value, str) or not _USERNAME.fullmatch(value):
        raise invalid(field, f"{field}: 1 to 64 letters, digits, '.', '_', '@' or '-'", "invalid_username")
    return value


def password(value: object, field: str = "password") -> str:
    if not isinstance(value, str) or len(value) < MIN_PASSWORD:
        raise invalid(field, f"a password has at least {MIN_PASSWORD} characters", "weak_password")
    if len(value) > MAX_PASSWORD:
        raise invalid(field, f"a password has at most {MAX_PASSWORD} characters", "invalid_password")
    return value


def language(value: object, field: str = "language") -> str:
    if value not in LANGUAGES:
        raise invalid(field, f"{field} must be one of {', '.join(LANGUAGES)}, not {value!r}", "invalid_language")
    return str(value)


def role(value: object, allowed: tuple[str, ...], field: str = "role") -> str:
    if value not in allowed:
        raise invalid(field, f"{field} must be one of {', '.join(allowed)}, not {value!r}", "invalid_role")
    return str(value)


def new_user(body: object) -> dict[str, Any]:
    given = known_fields(body, ("username", "role", "password", "language"))
    chosen = given.get("language")
    return {
        "username": username(required(given, "username")),
        "role": role(required(given, "role"), STAFF_ROLES),
        "password": password(required(given, "password")),
        "language": None if chosen is None else language(chosen),
    }


def user_change(body: object) -> dict[str, Any]:
    given = known_fields(body, ("role", "password", "language"))
    found: dict[str, Any] = {}
    if "role" in given:
        found["role"] = role(given["role"], STAFF_ROLES)
    if "password" in given:
        found["password"] = password(given["password"])
    if "language" in given:
        found["language"] = None if given["language"] is None else language(given["language"])
    return found


def new_token(body: object) -> dict[str, str]:
    given = known_fields(body, ("role", "label"))
    return {
        "role": role(required(given, "role"), DEVICE_ROLES),
        "label": text(required(given, "label"), "label", MAX_LABEL, "invalid_label"),
    }
