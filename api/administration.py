"""Running an office as JSON: its services, counters, opening hours, closing days, settings and improvements, its
staff and device tokens, and the audit log. Managers of the office (admins of every office); anybody else 403.

Bodies are checked by scheduler/administration.py (the same rules as the /admin pages and the office files): a
refusal names the field in `field` ("names.fr", "hours.mon.1"); an unknown field is `unknown_field`. Every change
of the set-up is audited and announced to kiosks, displays and terminals as an `office.changed` event.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Query, Response

from api.deps import PartsDep, PrincipalDep
from api.schemas import PathId
from service import administration as admin

router = APIRouter(tags=["administration"])

_WHO = {
    401: {"description": "`unauthorized`, `invalid_token`"},
    403: {"description": "`forbidden`: not a manager of this office (nor an admin)"},
    404: {"description": "`office_not_found`"},
}
_FIELDS = (
    "a field refused, named in `field`: `unknown_field`, `field_required`, `invalid_body`, and the field's own "
    "code (`invalid_code`, `invalid_name`, `invalid_number`, `invalid_flag`, `invalid_share`, `invalid_slot`, "
    "`invalid_checklist`, `invalid_periods`, `invalid_time`, `invalid_weekday`, `invalid_date`, `unknown_service`...)"
)


def _responses(**more: str) -> dict[int | str, dict[str, Any]]:
    found: dict[int | str, dict[str, Any]] = {status: dict(v) for status, v in _WHO.items()}
    found[422] = {"description": _FIELDS}
    for status, words in more.items():
        key = int(status[1:])
        if key in found and key != 422:
            found[key] = {"description": f"{found[key]['description']}; {words}"}
        else:
            found[key] = {"description": words}
    return found


_SERVICE_EXAMPLE = {
    "code": "P",
    "names": {"nl": "Paspoort", "fr": "Passeport", "en": "Passport"},
    "duration_s": 600,
    "bookable": True,
    "checklist": {"nl": ["Oude pas"], "fr": ["Ancien passeport"], "en": ["Old passport"]},
}


@router.get("/api/offices/{office}/setup", responses=_responses())
async def setup(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's whole set-up: settings, services in order, counters, hours, closing days, improvements."""
    return await admin.setup(parts, principal, office)


@router.post(
    "/api/offices/{office}/services",
    status_code=201,
    responses=_responses(e409="`service_exists`: the code is taken; `too_many_services`"),
)
async def add_service(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[_SERVICE_EXAMPLE])],
) -> dict[str, Any]:
    """A new service, placed last: `code` (one or two capital letters), `names` (nl, fr and en, 1 to 80
    characters each), `duration_s` (1 to 14400, default 600), `bookable` (default false), `slot_s` (null or whole
    minutes in seconds), `checklist` (per language, up to 20 texts of up to 200 characters)."""
    return await admin.add_service(parts, principal, office, body)


@router.patch(
    "/api/offices/{office}/services/{code}",
    responses=_responses(e404="`service_not_found`", e422="`code_fixed`: a service's code cannot change"),
)
async def change_service(
    office: str,
    code: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"names": {"nl": "Identiteit", "fr": "Identité", "en": "ID"}}])],
) -> dict[str, Any]:
    """Change only the fields given (names, duration_s, bookable, slot_s, checklist)."""
    return await admin.change_service(parts, principal, office, code, body)


@router.delete(
    "/api/offices/{office}/services/{code}",
    status_code=204,
    responses=_responses(
        e404="`service_not_found`",
        e409="`service_in_use`: citizens still wait for it (`waiting`) or hold a booking to come (`bookings`)",
    ),
)
async def remove_service(office: str, code: str, parts: PartsDep, principal: PrincipalDep) -> Response:
    """Delete a service: counters lose it from their skills; refused while a ticket for it has not ended or a
    booking for it is still to come."""
    await admin.remove_service(parts, principal, office, code)
    return Response(status_code=204)


@router.post(
    "/api/offices/{office}/counters",
    status_code=201,
    responses=_responses(e409="`counter_name_taken`, `too_many_counters`"),
)
async def add_counter(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[
        dict[str, Any], Body(examples=[{"name": "Loket 4", "skills": ["A"], "shifts": [["08:30", "12:30"]]}])
    ],
) -> dict[str, Any]:
    """A new counter, closed: `name` (1 to 64 characters), `skills` (the office's service codes), `shifts`
    ([["HH:MM", "HH:MM"], ...] in order, not overlapping; none: all opening hours)."""
    return await admin.add_counter(parts, principal, office, body)


@router.patch(
    "/api/counters/{counter_id}",
    responses=_responses(e404="`counter_not_found`", e409="`counter_name_taken`"),
)
async def change_counter(
    counter_id: PathId,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"name": "Loket 1", "skills": ["A", "B"]}])],
) -> dict[str, Any]:
    """Change only the fields given (name, skills, shifts)."""
    return await admin.change_counter(parts, principal, counter_id, body)


@router.delete(
    "/api/counters/{counter_id}",
    status_code=204,
    responses=_responses(
        e404="`counter_not_found`",
        e409="`counter_in_use` with `reason`: `open` (close it first), `tickets` (tickets at it or sent to it), "
        "`history` (tickets it served refer to it: take its skills away instead)",
    ),
)
async def remove_counter(counter_id: PathId, parts: PartsDep, principal: PrincipalDep) -> Response:
    """Delete a counter that is closed and never served anybody."""
    await admin.remove_counter(parts, principal, counter_id)
    return Response(status_code=204)


@router.put("/api/offices/{office}/hours", responses=_responses())
async def set_hours(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[
        dict[str, Any], Body(examples=[{"mon": [["08:30", "12:30"], ["13:30", "16:00"]], "tue": [["08:30", "12:30"]]}])
    ],
) -> dict[str, Any]:
    """The week's opening hours, replacing them: weekdays `mon`..`sun`, each a list of [opens, closes] periods
    "HH:MM" in order, not overlapping; a weekday left out or [] is closed (the office file's `[hours]`)."""
    return await admin.set_hours(parts, principal, office, body)


@router.put("/api/offices/{office}/closed", responses=_responses())
async def set_closed(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"days": ["2026-12-24", "2026-12-31"]}])],
) -> dict[str, Any]:
    """The office's own closing days, replacing them: `days`, ISO dates (kept sorted, each once; past days
    allowed); public holidays need not be listed."""
    return await admin.set_closed(parts, principal, office, body)


@router.patch("/api/offices/{office}/settings", responses=_responses())
async def change_settings(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"remote_join": False, "walk_in_share": 0.6}])],
) -> dict[str, Any]:
    """Change only the settings given: `name`; `timed_return`, `clerks_choose_services`, `happiness_at_kiosk`,
    `remote_join` (true/false); `no_show_min_recalls` (0-10), `no_show_delay_s` (0-3600), `late_places` (0-50),
    `notify_before_min` (0-120), `remote_grace_min` (0-120); `walk_in_share`, `remote_share_max` (0-1);
    `walk_in_by_hour` ({"8": 0.8}: replaces the table)."""
    return await admin.change_settings(parts, principal, office, body)


@router.put("/api/offices/{office}/improvements", responses=_responses())
async def set_improvements(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"improvements": [{"code": "wait", "names": {"nl": "Korter wachten", "en": "Shorter wait"}}]}]),
    ],
) -> dict[str, Any]:
    """The happiness question's improvements, replacing them (at most 12): `code` and `names` per language."""
    return await admin.set_improvements(parts, principal, office, body)


@router.get("/api/offices/{office}/users", responses=_responses())
async def users(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's clerks and managers (never a password)."""
    return {"office": office, "users": await admin.users(parts, principal, office)}


@router.post(
    "/api/offices/{office}/users",
    status_code=201,
    responses=_responses(e409="`user_exists`", e422="`weak_password`, `invalid_role` (clerk or manager only)"),
)
async def add_user(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[
        dict[str, Any],
        Body(examples=[{"username": "an", "role": "clerk", "password": "a long secret", "language": "nl"}]),
    ],
) -> dict[str, Any]:
    """A new clerk or manager: `username`, `role` (clerk, manager), `password` (8 to 200 characters),
    `language` (nl, fr, en or null)."""
    return await admin.add_user(parts, principal, office, body)


@router.patch(
    "/api/offices/{office}/users/{username}",
    responses=_responses(e404="`user_not_found`", e409="`last_manager`: the office keeps one manager"),
)
async def change_user(
    office: str,
    username: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"password": "a new long secret"}, {"language": "fr"}])],
) -> dict[str, Any]:
    """A new `password`, `role` or `language`; a new password or role revokes the user's tokens."""
    return await admin.change_user(parts, principal, office, username, body)


@router.delete(
    "/api/offices/{office}/users/{username}",
    status_code=204,
    responses=_responses(e404="`user_not_found`", e409="`last_manager`: the office keeps one manager"),
)
async def remove_user(office: str, username: str, parts: PartsDep, principal: PrincipalDep) -> Response:
    """Delete a clerk or manager; their tokens are revoked."""
    await admin.remove_user(parts, principal, office, username)
    return Response(status_code=204)


@router.get("/api/offices/{office}/tokens", responses=_responses())
async def tokens(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's tokens, newest first (the last 200): devices' and staff logins'; never a secret."""
    return {"office": office, "tokens": await admin.tokens(parts, principal, office)}


@router.post("/api/offices/{office}/tokens", status_code=201, responses=_responses(e422="`invalid_role`"))
async def create_token(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    body: Annotated[dict[str, Any], Body(examples=[{"role": "kiosk", "label": "entrance"}])],
) -> dict[str, Any]:
    """A new device token: `role` (kiosk, display), `label` (1 to 100 characters). The answer's `secret` is
    shown this once: only its digest is kept."""
    return await admin.create_token(parts, principal, office, body)


@router.delete("/api/offices/{office}/tokens/{token_id}", responses=_responses(e404="`token_not_found`"))
async def revoke_token(office: str, token_id: PathId, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Revoke one of the office's tokens (it stops working within seconds); the token as it is now."""
    return await admin.revoke_token(parts, principal, office, token_id)


@router.get("/api/offices/{office}/audit", responses=_responses())
async def audit(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    limit: Annotated[int, Query(ge=1, le=admin.MAX_AUDIT_PAGE)] = 50,
    before: Annotated[int | None, Query(ge=1, le=2**63 - 1)] = None,
) -> dict[str, Any]:
    """Who changed what and when, newest first; `next_before` pages on (pass it as `before`)."""
    return await admin.audit(parts, principal, office, limit, before)
