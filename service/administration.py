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

from collections.abc import Callable
from datetime import datetime
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from scheduler import administration as rules
from scheduler.access import Permission, Principal
from scheduler.errors import DomainError, Forbidden
from scheduler.model import Role
from service.changes import change, read
from service.parts import Parts
from store import admin as staff
from store import administration as stored
from store.repository import SqlRepository

T = TypeVar("T")
MAX_AUDIT_PAGE = 200


def actor(who: Principal) -> str:
    """Who the audit log names: the username, or for a token without one its role and label."""
    if who.username:
        return who.username
    return f"{who.role.value} token '{who.label}'" if who.label else f"{who.role.value} token"


def check_may_manage(who: Principal, office: str) -> None:
    """`Forbidden` (403) unless `who` manages `office` (its managers; admins of every office)."""
    if not who.may(Permission.MANAGE, office):
        raise Forbidden(
            f"a {who.role.value} token for office {who.office or 'any'} may not manage this office ({office})",
            code="forbidden",
        )


async def _write(parts: Parts, who: Principal, office: str, fn: Callable[[SqlRepository, str, datetime], T]) -> T:
    check_may_manage(who, office)
    now = parts.clock()
    name = actor(who)
    return await change(parts, office, now, lambda repo: fn(repo, name, now))


async def _read(parts: Parts, who: Principal, office: str, fn: Callable[[SqlRepository], T]) -> T:
    check_may_manage(who, office)
    return await read(parts, fn)


async def setup(parts: Parts, who: Principal, office: str) -> dict[str, Any]:
    """Everything the administration page shows: {"office": id, "timezone", "settings": {...}, "services": [...]
    (in order, each with "position"), "counters": [{"id", "name", "skills", "shifts", "state"}], "hours": {...},
    "closed": [...], "improvements": [...]}."""
    return await _read(parts, who, office, lambda repo: stored.setup(repo.session, office))


async def add_service(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new service (placed last); its view. Conflict `service_exists` when the code is taken."""
    check_may_manage(who, office)
    spec = rules.new_service(body)
    return await _write(parts, who, office, lambda repo, name, now: stored.add_service(repo, office, spec, now, name))


async def change_service(parts: Parts, who: Principal, office: str, code: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change the given fields of a service (PATCH); its view. NotFound `service_not_found`."""
    check_may_manage(who, office)
    changes = rules.service_change(body)
    return await _write(
        parts, who, office, lambda repo, name, now: stored.change_service(repo, office, code, changes, now, name)
    )


async def remove_service(parts: Parts, who: Principal, office: str, code: str) -> None:
    """Delete a service; Conflict `service_in_use` (extra: waiting, bookings) while citizens wait for it or hold
    a booking still to come. Counters lose it from their skills."""
    await _write(parts, who, office, lambda repo, name, now: stored.remove_service(repo, office, code, now, name))


async def add_counter(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new counter (closed); its view with its id. Conflict `counter_name_taken`."""
    check_may_manage(who, office)

    def add(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        spec = rules.new_counter(body, stored.codes(repo.session, office))
        return stored.add_counter(repo, office, spec, now, name)

    return await _write(parts, who, office, add)


async def counter_office(parts: Parts, counter_id: int) -> str:
    """The office of a counter; NotFound `counter_not_found`."""
    return await read(parts, lambda repo: stored.counter_row(repo.session, counter_id).office)


async def change_counter(parts: Parts, who: Principal, counter_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """Change a counter's name, skills or shifts (PATCH); its view. NotFound `counter_not_found`, Conflict
    `counter_name_taken`."""
    office = await counter_office(parts, counter_id)
    check_may_manage(who, office)
    rules.known_fields(body, rules.COUNTER_FIELDS)

    def change_it(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        changes = rules.counter_change(body, stored.codes(repo.session, office))
        return stored.change_counter(repo, counter_id, changes, now, name)

    return await _write(parts, who, office, change_it)


async def remove_counter(parts: Parts, who: Principal, counter_id: int) -> None:
    """Delete a counter; Conflict `counter_in_use` (extra reason: open, tickets, history)."""
    office = await counter_office(parts, counter_id)
    await _write(parts, who, office, lambda repo, name, now: stored.remove_counter(repo, counter_id, now, name))


async def set_hours(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the opening hours (the body is the week, {"mon": [...], ...}); {"hours": every weekday}."""
    check_may_manage(who, office)
    week = rules.hours(body)
    return await _write(parts, who, office, lambda repo, name, now: stored.set_hours(repo, office, week, now, name))


async def set_closed(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the closing days ({"days": [...]}); {"closed": [sorted ISO days]}."""
    check_may_manage(who, office)
    days = rules.closed_days(rules.required(rules.known_fields(body, ("days",)), "days"), "days")
    return await _write(parts, who, office, lambda repo, name, now: stored.set_closed(repo, office, days, now, name))


async def change_settings(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Change the given settings (PATCH); {"settings": {...all of them...}}."""
    check_may_manage(who, office)
    changes = rules.settings_change(body)
    return await _write(
        parts, who, office, lambda repo, name, now: stored.change_settings(repo, office, changes, now, name)
    )


async def set_improvements(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """Replace the happiness question's improvements ({"improvements": [...]}); {"improvements": [...]}."""
    check_may_manage(who, office)
    items = rules.improvements(rules.required(rules.known_fields(body, ("improvements",)), "improvements"))
    return await _write(
        parts, who, office, lambda repo, name, now: stored.set_improvements(repo, office, items, now, name)
    )


async def users(parts: Parts, who: Principal, office: str) -> list[dict[str, Any]]:
    """The office's staff: [{"username", "role", "office", "language", "created_at"}], by username."""
    return await _read(parts, who, office, lambda repo: staff.office_users(repo.session, office))


async def add_user(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new clerk or manager of the office (role admin: `invalid_role`; admins are made with the CLI); its view.
    Conflict `user_exists`."""
    check_may_manage(who, office)
    spec = rules.new_user(body)

    def add(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        view = staff.add_office_user(repo.session, office, spec, now)
        detail = {"after": {"role": spec["role"], "language": spec["language"]}}
        stored.audit(repo.session, office, now, name, "user.created", spec["username"], detail)
        return view

    return await _write(parts, who, office, add)


async def change_user(parts: Parts, who: Principal, office: str, username: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new password, role or language for one of the office's staff; its view. A new role or password revokes
    their tokens. The office's last manager keeps the role (Conflict `last_manager`)."""
    check_may_manage(who, office)
    changes = rules.user_change(body)

    def change_it(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        view, detail = staff.change_office_user(repo.session, office, username, changes, now)
        stored.audit(repo.session, office, now, name, "user.changed", username, detail)
        return view

    return await _write(parts, who, office, change_it)


async def remove_user(parts: Parts, who: Principal, office: str, username: str) -> None:
    """Delete one of the office's staff and revoke their tokens; Conflict `last_manager`."""

    def remove(repo: SqlRepository, name: str, now: datetime) -> None:
        detail = staff.remove_office_user(repo.session, office, username, now)
        stored.audit(repo.session, office, now, name, "user.deleted", username, detail)

    await _write(parts, who, office, remove)


async def tokens(parts: Parts, who: Principal, office: str) -> list[dict[str, Any]]:
    """The office's tokens, newest first (the last 200): [{"id", "role", "label", "username", "created_at",
    "expires_at", "revoked_at"}] (never the secret nor its digest)."""
    return await _read(parts, who, office, lambda repo: staff.office_tokens(repo.session, office))


async def create_token(parts: Parts, who: Principal, office: str, body: dict[str, Any]) -> dict[str, Any]:
    """A new kiosk or display token ({"role", "label"}): its view plus "secret" (shown this once, never again)."""
    check_may_manage(who, office)
    spec = rules.new_token(body)

    def add(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        secret, view = staff.add_office_token(repo.session, office, Role(spec["role"]), spec["label"], now)
        detail = {"after": {"role": spec["role"], "label": spec["label"]}}
        stored.audit(repo.session, office, now, name, "token.created", str(view["id"]), detail)
        return {**view, "secret": secret}

    return await _write(parts, who, office, add)


async def revoke_token(parts: Parts, who: Principal, office: str, token_id: int) -> dict[str, Any]:
    """Revoke one of the office's tokens (it stops working within the token cache's few seconds); its view.
    NotFound `token_not_found`."""

    def revoke(repo: SqlRepository, name: str, now: datetime) -> dict[str, Any]:
        view = staff.revoke_office_token(repo.session, office, token_id, now)
        detail = {"role": view["role"], "label": view["label"], "username": view["username"]}
        stored.audit(repo.session, office, now, name, "token.revoked", str(token_id), detail)
        return view

    return await _write(parts, who, office, revoke)


async def audit(
    parts: Parts, who: Principal, office: str, limit: int = 50, before: int | None = None
) -> dict[str, Any]:
    """The audit log, newest first: {"entries": [{"id", "at", "actor", "action", "target", "detail"}],
    "next_before": the id to pass as `before` for the next page, or None}."""
    check_may_manage(who, office)
    limit = rules.count(limit, "limit", 1, MAX_AUDIT_PAGE)
    if before is not None:
        rules.count(before, "before", 1)

    def page(repo: SqlRepository) -> list[dict[str, Any]]:
        stored.office_row(repo.session, office)
        return stored.audit_page(repo.session, office, limit + 1, before)

    rows = await _read(parts, who, office, page)
    more = len(rows) > limit
    rows = rows[:limit]
    return {"office": office, "entries": rows, "next_before": rows[-1]["id"] if more else None}


async def me(parts: Parts, who: Principal) -> dict[str, Any]:
    """{"username", "role", "office", "language"} of the caller (language None for a device token)."""
    language = await run_in_threadpool(staff.user_language, parts.db, who.username) if who.username else None
    return {"username": who.username, "role": who.role.value, "office": who.office, "language": language}


async def set_language(parts: Parts, who: Principal, language: object) -> dict[str, Any]:
    """Remember the caller's language: {"username", "language"}. A device token has no user: `no_user` (400);
    a language other than nl, fr, en: `invalid_language` (422)."""
    if who.username is None:
        raise DomainError("this token belongs to a device, not to a person: no language to remember", code="no_user")
    chosen = rules.language(language)
    username = who.username

    def write() -> dict[str, Any]:
        with parts.db.transaction() as session:
            return staff.set_language(session, username, chosen)

    view = await run_in_threadpool(write)
    return {"username": view["username"], "language": view["language"]}


def user_language(parts: Parts, username: str) -> str | None:
    """The stored language of a user (None: unknown user or not chosen). Blocking (a plain read): call it in a
    thread from async code, as the login page does; store.admin.user_language(db, username) is the same."""
    return staff.user_language(parts.db, username)
