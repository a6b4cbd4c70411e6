"""What the administration page shows, in the page's language: the fields' labels, the refusals in words, the
audit log's entries described, dates with Babel."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_datetime

from i18n.messages import N_
from scheduler.calendar import WEEKDAYS
from scheduler.errors import Conflict, DomainError
from web import admin_forms as forms
from web.page import LOCALES, Page
from web.staff_session import ROLE_NAMES

LANGUAGE_LABELS = {"nl": N_("Dutch"), "fr": N_("French"), "en": N_("English")}
WEEKDAY_NAMES = dict(
    zip(
        WEEKDAYS,
        (N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"), N_("Sunday")),
        strict=True,
    )
)
#: The form's fields, as the page labels them.
LABELS = {
    "code": N_("Code"),
    "name_nl": N_("Name in Dutch"),
    "name_fr": N_("Name in French"),
    "name_en": N_("Name in English"),
    "duration_min": N_("Duration (minutes)"),
    "slot_min": N_("Booking slot (minutes)"),
    "bookable": N_("Bookable"),
    "checklist_nl": N_("What to bring, in Dutch"),
    "checklist_fr": N_("What to bring, in French"),
    "checklist_en": N_("What to bring, in English"),
    "name": N_("Name"),
    "skills": N_("Services"),
    "shifts": N_("Shifts"),
    "days": N_("Closing days"),
    "timed_return": N_("Offer to come back at a set time"),
    "clerks_choose_services": N_("Clerks choose the services they serve"),
    "happiness_at_kiosk": N_("Ask about happiness at the kiosk"),
    "remote_join": N_("Joining the queue from elsewhere"),
    "walk_in_share": N_("Share of the slots kept for walk-ins (%)"),
    "remote_share_max": N_("Most of the queue that may join from elsewhere (%)"),
    "late_places": N_("Places a late appointment waits behind"),
    "notify_before_min": N_("Remind citizens this many minutes before their turn"),
    "remote_grace_min": N_("Minutes a citizen joining from elsewhere may be late"),
    "no_show_min_recalls": N_("Recalls before a no-show"),
    "no_show_delay_s": N_("Seconds before a no-show"),
    "improvements": N_("Improvements"),
    "username": N_("Username"),
    "password": N_("Password"),
    "language": N_("Language"),
    "role": N_("Role"),
    "label": N_("Label"),
}
#: What the audit log's actions say.
ACTIONS = {
    "service.created": N_("added service"),
    "service.changed": N_("changed service"),
    "service.deleted": N_("removed service"),
    "counter.created": N_("added counter"),
    "counter.changed": N_("changed counter"),
    "counter.deleted": N_("removed counter"),
    "hours.set": N_("set the opening hours"),
    "closed.set": N_("set the closing days"),
    "settings.changed": N_("changed the settings"),
    "improvements.set": N_("set the improvements"),
    "user.created": N_("added staff member"),
    "user.changed": N_("changed staff member"),
    "user.deleted": N_("removed staff member"),
    "token.created": N_("created device token"),
    "token.revoked": N_("revoked token"),
}
#: The audit details' keys, said (the rest as stored).
DETAIL_KEYS = {
    "names": N_("names"),
    "duration_s": N_("duration (s)"),
    "bookable": N_("bookable"),
    "slot_s": N_("slot (s)"),
    "checklist": N_("what to bring"),
    "skills": N_("services"),
    "shifts": N_("shifts"),
    "name": N_("name"),
    "role": N_("role"),
    "language": N_("language"),
    "label": N_("label"),
    "added": N_("added"),
    "removed": N_("removed"),
    "password": N_("password"),
    "tokens_revoked": N_("tokens revoked"),
    "improvements": N_("improvements"),
    **{day: name for day, name in WEEKDAY_NAMES.items()},
}
YES, NO, NONE = N_("yes"), N_("no"), N_("none")


def label(page: Page, field: str) -> str:
    if field.startswith("imp_"):
        return page._(LABELS["improvements"])
    if field.startswith("hours_"):
        return page._(WEEKDAY_NAMES.get(field.removeprefix("hours_"), field))
    return page._(LABELS[field]) if field in LABELS else field


def saying(page: Page, exc: DomainError | forms.FieldProblem) -> str:
    """A refusal in words, naming the field."""
    field = label(page, forms.field_of(exc))
    if isinstance(exc, Conflict) and exc.code == "service_in_use":
        return page._(forms.SERVICE_IN_USE) % {"waiting": exc.extra["waiting"], "bookings": exc.extra["bookings"]}
    if isinstance(exc, Conflict) and exc.code == "counter_in_use":
        reason = exc.extra.get("reason")
        if reason == "open":
            return page._(forms.COUNTER_OPEN)
        why = forms.COUNTER_TICKETS if reason == "tickets" else forms.COUNTER_HISTORY
        return page._(why) % {"n": exc.extra.get("tickets", 0)}
    message = forms.SAYING.get(exc.code)
    if message is None:
        return page._(forms.REFUSED) % {"field": field} if field else page._(forms.SOMETHING)
    return page._(message) % {"field": field} if "%(field)s" in message else page._(message)


def when(page: Page, at: str | None, zone: ZoneInfo) -> str:
    if not at:
        return ""
    return format_datetime(datetime.fromisoformat(at).astimezone(zone), "d MMM y, HH:mm", locale=LOCALES[page.language])


def said(page: Page, value: Any, key: str = "") -> str:
    """A value of the audit's detail as a person reads it (a role or a language in words)."""
    if key == "role" and isinstance(value, str) and value in ROLE_NAMES:
        return page._(ROLE_NAMES[value])
    if key == "language" and isinstance(value, str) and value in LANGUAGE_LABELS:
        return page._(LANGUAGE_LABELS[value])
    if value is None:
        return page._(NONE)
    if isinstance(value, bool):
        return page._(YES if value else NO)
    if isinstance(value, dict):
        return (
            "; ".join(f"{page._(DETAIL_KEYS.get(str(k), str(k)))}: {said(page, v, str(k))}" for k, v in value.items())
            or "–"
        )
    if isinstance(value, list | tuple):
        if value and all(_is_period(v) for v in value):
            return forms.periods_text([list(v) for v in value])
        return ", ".join(said(page, v) for v in value) or "–"
    return str(value)


def _is_period(value: Any) -> bool:
    return isinstance(value, list | tuple) and len(value) == 2 and all(isinstance(x, str) for x in value)


def described(page: Page, entry: dict[str, Any], zone: ZoneInfo) -> dict[str, str]:
    """An audit entry: when, who, what (and to what), the change before → after."""
    detail = entry["detail"] or {}
    before, after = detail.get("before"), detail.get("after")
    rest = {k: v for k, v in detail.items() if k not in ("before", "after")}
    parts = []
    if isinstance(before, dict) and isinstance(after, dict):
        for key in list(dict.fromkeys([*before, *after])):
            name = page._(DETAIL_KEYS.get(key, key))
            parts.append(f"{name}: {said(page, before.get(key), key)} → {said(page, after.get(key), key)}")
    else:
        if after is not None:
            parts.append(said(page, after))
        if before is not None:
            parts.append(said(page, before))
    if rest:
        parts.append(said(page, rest))
    return {
        "at": when(page, entry["at"], zone),
        "actor": entry["actor"],
        "action": page._(ACTIONS.get(entry["action"], entry["action"])),
        "target": entry["target"],
        "detail": " · ".join(p for p in parts if p),
    }
