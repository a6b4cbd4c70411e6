"""Running an office from the web: its set-up (services, counters, hours, closing days, settings, improvements),
its staff and device tokens, and the audit log of who changed what. The one layer both edges call: the JSON API
(api/administration.py) and the /admin pages (web/) build the same plain dicts (the API's JSON bodies) and get
the same refusals (`DomainError`s naming the field in `extra["field"]`).

Every function checks the caller may manage the office (`Permission.MANAGE`: that office's managers, admins of
every office; anybody else: `Forbidden` 403). A change of the set-up is one write holding the office that also
writes an audit row and emits `office.changed` (kiosks, displays and terminals read the snapshot again); the
rules are scheduler/administration.py, the SQL store/administration.py.

Bodies (as in the API):
  service   {"code": "A", "names": {"nl", "fr", "en"}, "duration_s": 600, "bookable": false, "slot_s": null,
             "checklist": {"nl": ["..."], ...}}; a change gives only the fields it changes (not the code)
  counter   {"name": "Loket 1", "skills": ["A", "B"], "shifts": [["08:30", "12:30"], ...]}
  hours     {"mon": [["08:30", "12:30"], ["13:30", "16:00"]], ..., "sun": []}: a weekday left out or [] is closed
  closed    {"days": ["2026-12-24", ...]}
  settings  any of name, timed_return, clerks_choose_services, no_show_min_recalls, no_show_delay_s,
            walk_in_share, walk_in_by_hour, late_places, happiness_at_kiosk, notify_before_min, remote_join,
            remote_share_max, remote_grace_min
  improvements {"improvements": [{"code": "wait", "names": {"nl", "fr", "en"}}, ...]}
  user      {"username": "an", "role": "clerk"|"manager", "password": "...", "language": "nl"|"fr"|"en"|null};
            a change: any of password, role, language
  token     {"role": "kiosk"|"display", "label": "entrance"}
"""

from __future__ import annotations

from typing import Any

from scheduler.access import Principal
from service.parts import Parts


async def setup(parts: Parts, who: Principal, office: str) -> dict[str, Any]:
    """Everything the administration page shows: {"office": id, "settings": {...}, "services": [...] (in order),
    "counters": [{"id", "name", "skills", "shifts", "state"}], "hours": {...}, "closed": [...],
    "improvements": [...]}."""
    raise NotImplementedError


async def add_service(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new service (placed last); its view. Conflict `service_exists` when the code is taken."""
    raise NotImplementedError


async def change_service(parts: Parts, who: Principal, office: str, code: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change the given fields of a service (PATCH); its view. NotFound `service_not_found`."""
    raise NotImplementedError


async def remove_service(parts: Parts, who: Principal, office: str, code: str) -> None:
    """Delete a service; Conflict `service_in_use` (extra: waiting, bookings, counters) while citizens wait for it
    today or hold a future booking. Counters lose it from their skills."""
    raise NotImplementedError


async def add_counter(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new counter (closed); its view with its id. Conflict `counter_name_taken`."""
    raise NotImplementedError


async def change_counter(parts: Parts, who: Principal, counter_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change a counter's name, skills or shifts (PATCH); its view. NotFound `counter_not_found`."""
    raise NotImplementedError


async def remove_counter(parts: Parts, who: Principal, counter_id: int) -> None:
    """Delete a counter; Conflict `counter_in_use` when it is open/paused or a ticket is at it or sent to it."""
    raise NotImplementedError


async def set_hours(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the opening hours; {"hours": {...}} as stored (every weekday "mon".."sun", [] when closed)."""
    raise NotImplementedError


async def set_closed(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the closing days; {"closed": [sorted ISO days]}."""
    raise NotImplementedError


async def change_settings(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change the given settings (PATCH); {"settings": {...all of them...}}."""
    raise NotImplementedError


async def set_improvements(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the happiness question's improvements; {"improvements": [...]}."""
    raise NotImplementedError


async def users(parts: Parts, who: Principal, office: str) -> list[dict[str, Any]]:
    """The office's staff: [{"username", "role", "language", "created_at"}], by username (never a password)."""
    raise NotImplementedError


async def add_user(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new clerk or manager of the office; its view. Conflict `user_exists`; Forbidden for role admin."""
    raise NotImplementedError


async def change_user(parts: Parts, who: Principal, office: str, username: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new password, role or language for one of the office's staff; its view. A manager cannot demote the
    office's last manager (Conflict `last_manager`)."""
    raise NotImplementedError


async def remove_user(parts: Parts, who: Principal, office: str, username: str) -> None:
    """Delete one of the office's staff and revoke their tokens; Conflict `last_manager`."""
    raise NotImplementedError


async def tokens(parts: Parts, who: Principal, office: str) -> list[dict[str, Any]]:
    """The office's tokens, newest first: [{"id", "role", "label", "username", "created_at", "expires_at",
    "revoked_at"}] (never the secret nor its digest)."""
    raise NotImplementedError


async def create_token(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new kiosk or display token: its view plus "secret" (shown this once, never again)."""
    raise NotImplementedError


async def revoke_token(parts: Parts, who: Principal, office: str, token_id: int) -> dict[str, Any]:
    """Revoke one of the office's tokens; its view. NotFound `token_not_found`."""
    raise NotImplementedError


async def audit(
    parts: Parts, who: Principal, office: str, limit: int = 50, before: int | None = None
) -> dict[str, Any]:
    """The audit log, newest first: {"entries": [{"id", "at", "actor", "action", "target", "detail"}],
    "next_before": id to pass as `before` for the next page, or None}."""
    raise NotImplementedError


async def me(parts: Parts, who: Principal) -> dict[str, Any]:
    """{"username", "role", "office", "language"} of the caller."""
    raise NotImplementedError


async def set_language(parts: Parts, who: Principal, language: str) -> dict[str, Any]:
    """Remember the caller's language: {"username", "language"}; Invalid `no_user` for a device token,
    `invalid_language` for a language other than nl, fr, en."""
    raise NotImplementedError


def user_language(parts: Parts, username: str) -> str | None:
    """The stored language of a user (None: unknown user or not chosen). Blocking: a plain read, for the
    login page (see also store.admin.user_language)."""
    raise NotImplementedError
