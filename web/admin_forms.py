"""The administration pages' forms read into the bodies `service.administration` takes (the JSON API's), and
the refusals of either told in words naming the field of the form.

A form's fields are plain text (a browser sends nothing else): durations in minutes, shares in percent, a day's
hours and a counter's shifts written `08:30-12:30, 13:30-16:00`, closing days one per line, what to bring one
item per line. What cannot be read here is refused here (`FieldProblem`); the rest the service checks, and its
`Invalid`/`Conflict` name the field as the API does (`extra["field"]`: "names.fr", "hours.mon.1"), which
`form_field` turns back into the form's field.
"""

from __future__ import annotations

import re
from typing import Any

from i18n.messages import N_
from scheduler.administration import COUNTS, FLAGS, SHARES
from scheduler.calendar import WEEKDAYS
from scheduler.errors import DomainError
from scheduler.model import LANGUAGES

MAX_IMPROVEMENT_ROWS = 12
_PERIOD = re.compile(r"^\s*(\d{1,2}[:.h]\d{2})\s*[-–]\s*(\d{1,2}[:.h]\d{2})\s*$")


class FieldProblem(Exception):
    """A form's field that cannot be read: `field` (the form's name for it) and a stable code."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field, self.code = field, code


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def whole(fields: dict[str, str], name: str, *, scale: int = 1) -> int:
    """A whole number typed in the field (times `scale`: minutes to seconds)."""
    text = fields.get(name, "").strip()
    if not re.fullmatch(r"\d{1,6}", text):
        raise FieldProblem(name, "not_a_number")
    return int(text) * scale


def percent(fields: dict[str, str], name: str) -> float:
    """A percentage typed in the field (`30`, `30 %`, `12,5`) as a share from 0 to 1."""
    text = fields.get(name, "").strip().rstrip("%").strip().replace(",", ".")
    try:
        value = float(text)
    except ValueError:
        raise FieldProblem(name, "not_a_percentage") from None
    if not 0 <= value <= 100:
        raise FieldProblem(name, "not_a_percentage")
    return value / 100


def periods(fields: dict[str, str], name: str) -> list[list[str]]:
    """`08:30-12:30, 13:30-16:00` (or one per line, `8h30-12h30`) as [["08:30", "12:30"], ...]; empty: none."""
    found = []
    for part in re.split(r"[,;\n]", fields.get(name, "")):
        if not part.strip():
            continue
        match = _PERIOD.match(part)
        if match is None:
            raise FieldProblem(name, "invalid_periods")
        found.append([_clock(match[1]), _clock(match[2])])
    return found


def _clock(text: str) -> str:
    hours, minutes = re.split(r"[:.h]", text)
    return f"{int(hours):02d}:{minutes}"


def periods_text(periods: list[list[str]]) -> str:
    return ", ".join(f"{a}-{b}" for a, b in periods)


def service_body(fields: dict[str, str], *, new: bool) -> dict[str, Any]:
    """A service's form: the names, the duration, bookable, the slot and what to bring."""
    body: dict[str, Any] = {
        "names": {lang: fields.get(f"name_{lang}", "").strip() for lang in LANGUAGES},
        "duration_s": whole(fields, "duration_min", scale=60),
        "bookable": fields.get("bookable") == "on",
        "slot_s": whole(fields, "slot_min", scale=60) if fields.get("slot_min", "").strip() else None,
        "checklist": {lang: items for lang in LANGUAGES if (items := _lines(fields.get(f"checklist_{lang}", "")))},
    }
    if new:
        body["code"] = fields.get("code", "").strip().upper()
    return body


def counter_body(fields: dict[str, str], skills: list[str]) -> dict[str, Any]:
    return {"name": fields.get("name", "").strip(), "skills": skills, "shifts": periods(fields, "shifts")}


def hours_body(fields: dict[str, str]) -> dict[str, Any]:
    return {day: periods(fields, f"hours_{day}") for day in WEEKDAYS}


def closed_body(fields: dict[str, str]) -> dict[str, Any]:
    return {"days": _lines(fields.get("days", "").replace(",", "\n"))}


def settings_body(fields: dict[str, str]) -> dict[str, Any]:
    """Every setting of the form: the flags are checkboxes (absent: off)."""
    body: dict[str, Any] = {"name": fields.get("name", "").strip()}
    body.update({flag: fields.get(flag) == "on" for flag in FLAGS})
    body.update({key: whole(fields, key) for key in COUNTS})
    body.update({key: percent(fields, key) for key in SHARES})
    return body


def improvements_body(fields: dict[str, str]) -> dict[str, Any]:
    """The rows of the improvements' table; a row left empty is none (emptying a row removes it)."""
    rows = []
    for i in range(MAX_IMPROVEMENT_ROWS + 3):
        code = fields.get(f"imp_{i}_code", "").strip()
        names = {lang: text for lang in LANGUAGES if (text := fields.get(f"imp_{i}_{lang}", "").strip())}
        if code or names:
            rows.append({"code": code, "names": names})
    return {"improvements": rows}


def user_body(fields: dict[str, str], *, new: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"role": fields.get("role", ""), "language": fields.get("language") or None}
    if new:
        body["username"] = fields.get("username", "").strip()
        body["password"] = fields.get("password", "")
    elif fields.get("password"):
        body["password"] = fields["password"]
    return body


def token_body(fields: dict[str, str]) -> dict[str, Any]:
    return {"role": fields.get("role", ""), "label": fields.get("label", "").strip()}


def form_field(api_field: str) -> str:
    """The form's field for the API's ("names.fr" -> "name_fr", "hours.mon.1" -> "hours_mon",
    "improvements.2.names.nl" -> "imp_2_nl", "days.3" -> "days")."""
    parts = api_field.split(".")
    head = parts[0]
    if head == "names" and len(parts) > 1:
        return f"name_{parts[1]}"
    if head == "checklist" and len(parts) > 1:
        return f"checklist_{parts[1]}"
    if head in ("duration_s", "slot_s"):
        return head.replace("_s", "_min")
    if head == "hours" and len(parts) > 1:
        return f"hours_{parts[1]}"
    if head == "improvements" and len(parts) > 2:
        return f"imp_{parts[1]}_{parts[-1]}" if parts[2] == "names" else f"imp_{parts[1]}_code"
    return head


def field_of(exc: DomainError | FieldProblem) -> str:
    if isinstance(exc, FieldProblem):
        return exc.field
    return form_field(str(exc.extra.get("field", "")))


# The refusals in words: %(field)s is the field's label, as the form shows it.
SAYING = {
    "not_a_number": N_("%(field)s: type a whole number."),
    "not_a_percentage": N_("%(field)s: type a percentage from 0 to 100."),
    "invalid_periods": N_(
        "%(field)s: write the times as 08:30-12:30, 13:30-16:00: each period forward, in order, not overlapping."
    ),
    "invalid_time": N_(
        "%(field)s: write the times as 08:30-12:30, 13:30-16:00: each period forward, in order, not overlapping."
    ),
    "invalid_code": N_("%(field)s: one or two capital letters, A to Z."),
    "service_exists": N_("%(field)s: this office has a service with this code already."),
    "invalid_name": N_("%(field)s: type a name, at most 80 characters."),
    "invalid_text": N_("%(field)s: type a text, at most 80 characters."),
    "invalid_number": N_("%(field)s: this number is outside what the office allows."),
    "invalid_share": N_("%(field)s: type a percentage from 0 to 100."),
    "invalid_slot": N_("%(field)s: a whole number of minutes, at most 4 hours (240)."),
    "invalid_checklist": N_("%(field)s: at most 20 items, one per line, each at most 200 characters."),
    "invalid_counter_name": N_("%(field)s: type a name, at most 64 characters."),
    "counter_name_taken": N_("%(field)s: another counter has this name."),
    "invalid_skills": N_("%(field)s: choose among this office's services."),
    "unknown_service": N_("%(field)s: choose among this office's services."),
    "invalid_date": N_("%(field)s: write each day as YYYY-MM-DD (for example 2026-12-24), one per line."),
    "too_many_days": N_("%(field)s: at most 1000 days."),
    "too_many_improvements": N_("%(field)s: at most 12 improvements."),
    "invalid_improvements": N_("%(field)s: give each improvement a code and at least one name."),
    "duplicate_code": N_("%(field)s: each improvement needs a code of its own."),
    "invalid_username": N_("%(field)s: 1 to 64 letters, digits, '.', '_', '@' or '-'."),
    "user_exists": N_("%(field)s: this username is taken."),
    "weak_password": N_("%(field)s: at least 8 characters."),
    "invalid_password": N_("%(field)s: at most 200 characters."),
    "invalid_language": N_("%(field)s: choose Dutch, French or English."),
    "invalid_role": N_("%(field)s: choose one of the roles offered."),
    "invalid_label": N_("%(field)s: type a label (where the device stands), at most 100 characters."),
    "field_required": N_("%(field)s: this is needed."),
    "last_manager": N_(
        "The office's last manager cannot be removed nor made a clerk: make someone else manager first."
    ),
    "too_many_services": N_("This office has as many services as there are codes."),
    "too_many_counters": N_("An office has at most 200 counters."),
    "service_not_found": N_("This service does not exist (any more)."),
    "counter_not_found": N_("This counter does not exist (any more)."),
    "user_not_found": N_("This staff member does not exist (any more)."),
    "token_not_found": N_("This token does not exist (any more)."),
}
SERVICE_IN_USE = N_(
    "This service cannot be removed: %(waiting)d ticket(s) of today are not ended and %(bookings)d booking(s) are "
    "still to come. Remove it once they are served or moved."
)
COUNTER_OPEN = N_("This counter cannot be removed while it is open or paused: close it first.")
COUNTER_TICKETS = N_("This counter cannot be removed: %(n)d ticket(s) are at it or sent to it.")
COUNTER_HISTORY = N_(
    "This counter cannot be removed: %(n)d ticket(s) were served there and keep referring to it. Take its "
    "services away instead."
)
REFUSED = N_("%(field)s: this value is refused.")
SOMETHING = N_("This change was refused.")
