"""`/admin/{office}`: the office run from a web page, for its managers and for admins, in nl/fr/en.

One page (`GET /admin/{office}`) shows the services, counters, opening hours, closing days, settings,
improvements, staff, device tokens and the audit log, each section with plain HTML forms (no JavaScript) that
post to `/admin/{office}/...` and answer 303 back to the page (post-redirect-get) with what was done said on
top; a refusal shows the page again (4xx) with the typed values kept and the refusal in words next to the field.
Everything goes through `service.administration`, as the JSON API does (same checks, audit rows and
`office.changed` events). Credentials as on the dashboard: the web session (`/login`), or `?token=` of a
manager or admin traded for a cookie of this page.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from api.deps import PartsDep
from api.errors import status_of
from scheduler.access import Permission, Principal
from scheduler.errors import DomainError, NotFound
from scheduler.model import Role
from service import administration
from web import admin_forms as forms
from web import admin_page, staff_session, token_cookie
from web.page import PRIVATE, form_fields, path

router = APIRouter(tags=["administration pages"])

#: The cookie a `?token=` of these pages is traded for (web/token_cookie.py); it ends with the browser session.
COOKIE = "loket_admin"
HINT = "loket token create --role manager --office {office}"


@dataclass
class Failed:
    """A form whose change was refused: shown again with what was typed and the refusal by its field."""

    form: str
    values: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    message: str = ""
    #: Fields given more than once (a counter's services, checkboxes).
    lists: dict[str, list[str]] = field(default_factory=dict)


Act = Callable[[Principal, dict[str, str]], Awaitable[Any]]


@router.get("/admin")
async def admin_home(request: Request, parts: PartsDep, office: str | None = None, lang: str | None = None) -> Response:
    """The start of the administration: a manager goes to their office's page, an admin chooses an office."""
    staff = await staff_session.staff_of(request, parts)
    if staff is None:
        return staff_session.login_form(staff_session.page_for(request, lang))
    page = staff_session.page_for(request, lang, await staff_session.stored_language(parts, staff.principal))
    if staff.principal.role not in (Role.MANAGER, Role.ADMIN):
        return staff_session.refused(page, staff, staff.principal.office or "")
    chosen = office or staff.principal.office
    if chosen:
        return RedirectResponse(page.url(path("admin", chosen.strip())), status_code=303, headers=PRIVATE)
    return page.render("admin_home.html", by_session=staff.by_session, user=staff.principal.username)


@router.get("/admin/{office}")
async def admin_page_get(
    office: str,
    request: Request,
    parts: PartsDep,
    lang: str | None = None,
    done: str | None = None,
    before: int | None = None,
) -> Response:
    """The administration page of an office (`before`: the audit log from this entry back)."""
    guarded = await staff_session.guard(
        request, parts, office, Permission.MANAGE, lang=lang, page_cookie=COOKIE, hint=HINT.format(office=office)
    )
    if isinstance(guarded, Response):
        return guarded
    staff, page = guarded
    if staff.via == "query":
        return token_cookie.traded(request, COOKIE, staff.token, max_age=None)
    return await admin_page.render(page, parts, staff, office, done=done, before=before)


async def _act(
    request: Request,
    parts: PartsDep,
    office: str,
    form: str,
    done: str,
    act: Act,
    lists: dict[str, list[str]] | None = None,
) -> Response:
    """One form's post: who may, the change, then 303 to the page's section; or the page again with the refusal."""
    lang = request.query_params.get("lang")
    guarded = await staff_session.guard(request, parts, office, Permission.MANAGE, lang=lang, page_cookie=COOKIE)
    if isinstance(guarded, Response):
        return guarded
    staff, page = guarded
    fields = await form_fields(request)
    try:
        result = await act(staff.principal, fields)
    except (DomainError, forms.FieldProblem) as exc:
        if isinstance(exc, NotFound) and exc.code == "office_not_found":
            return await admin_page.render(page, parts, staff, office)
        status = 422 if isinstance(exc, forms.FieldProblem) else status_of(exc)
        message = admin_page.saying(page, exc)
        failed = Failed(form, fields, {forms.field_of(exc) or "_": message}, message, lists or {})
        return await admin_page.render(page, parts, staff, office, status=status, failed=failed)
    if done == "token" and isinstance(result, dict) and "secret" in result:
        return await admin_page.render(page, parts, staff, office, status=201, created=result)
    section = form.split("-", 1)[0]
    # A new language of one's own applies from here on: the address no longer names one.
    query = f"?done={done}" if done == "language_saved" else None
    target = (path("admin", office) + query if query else page.url(path("admin", office), done=done)) + f"#{section}"
    return RedirectResponse(target, status_code=303, headers=PRIVATE)


@router.post("/admin/{office}/services")
async def add_service(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.add_service(parts, who, office, forms.service_body(fields, new=True))

    return await _act(request, parts, office, "services-new", "service_added", act)


@router.post("/admin/{office}/services/{code}")
async def change_service(office: str, code: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.change_service(parts, who, office, code, forms.service_body(fields, new=False))

    return await _act(request, parts, office, f"services-{code}", "service_saved", act)


@router.post("/admin/{office}/services/{code}/delete")
async def remove_service(office: str, code: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, _fields: dict[str, str]) -> Any:
        return await administration.remove_service(parts, who, office, code)

    return await _act(request, parts, office, f"services-{code}", "service_removed", act)


async def _own_counter(parts: PartsDep, office: str, counter_id: int) -> None:
    if await administration.counter_office(parts, counter_id) != office:
        raise NotFound(f"office {office} has no counter {counter_id}", code="counter_not_found")


@router.post("/admin/{office}/counters")
async def add_counter(office: str, request: Request, parts: PartsDep) -> Response:
    skills = await admin_page.checked_values(request, "skills")

    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.add_counter(parts, who, office, forms.counter_body(fields, skills))

    return await _act(request, parts, office, "counters-new", "counter_added", act, {"skills": skills})


@router.post("/admin/{office}/counters/{counter_id}")
async def change_counter(office: str, counter_id: int, request: Request, parts: PartsDep) -> Response:
    skills = await admin_page.checked_values(request, "skills")

    async def act(who: Principal, fields: dict[str, str]) -> Any:
        await _own_counter(parts, office, counter_id)
        return await administration.change_counter(parts, who, counter_id, forms.counter_body(fields, skills))

    return await _act(request, parts, office, f"counters-{counter_id}", "counter_saved", act, {"skills": skills})


@router.post("/admin/{office}/counters/{counter_id}/delete")
async def remove_counter(office: str, counter_id: int, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, _fields: dict[str, str]) -> Any:
        await _own_counter(parts, office, counter_id)
        return await administration.remove_counter(parts, who, counter_id)

    return await _act(request, parts, office, f"counters-{counter_id}", "counter_removed", act)


@router.post("/admin/{office}/hours")
async def set_hours(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.set_hours(parts, who, office, forms.hours_body(fields))

    return await _act(request, parts, office, "hours", "hours_saved", act)


@router.post("/admin/{office}/closed")
async def set_closed(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.set_closed(parts, who, office, forms.closed_body(fields))

    return await _act(request, parts, office, "closed", "closed_saved", act)


@router.post("/admin/{office}/settings")
async def change_settings(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.change_settings(parts, who, office, forms.settings_body(fields))

    return await _act(request, parts, office, "settings", "settings_saved", act)


@router.post("/admin/{office}/improvements")
async def set_improvements(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.set_improvements(parts, who, office, forms.improvements_body(fields))

    return await _act(request, parts, office, "improvements", "improvements_saved", act)


@router.post("/admin/{office}/users")
async def add_user(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.add_user(parts, who, office, forms.user_body(fields, new=True))

    return await _act(request, parts, office, "staff-new", "user_added", act)


@router.post("/admin/{office}/users/{username}")
async def change_user(office: str, username: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.change_user(parts, who, office, username, forms.user_body(fields, new=False))

    return await _act(request, parts, office, f"staff-{username}", "user_saved", act)


@router.post("/admin/{office}/users/{username}/delete")
async def remove_user(office: str, username: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, _fields: dict[str, str]) -> Any:
        return await administration.remove_user(parts, who, office, username)

    return await _act(request, parts, office, f"staff-{username}", "user_removed", act)


@router.post("/admin/{office}/tokens")
async def create_token(office: str, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.create_token(parts, who, office, forms.token_body(fields))

    return await _act(request, parts, office, "tokens-new", "token", act)


@router.post("/admin/{office}/tokens/{token_id}/revoke")
async def revoke_token(office: str, token_id: int, request: Request, parts: PartsDep) -> Response:
    async def act(who: Principal, _fields: dict[str, str]) -> Any:
        return await administration.revoke_token(parts, who, office, token_id)

    return await _act(request, parts, office, f"tokens-{token_id}", "token_revoked", act)


@router.post("/admin/{office}/language")
async def set_my_language(office: str, request: Request, parts: PartsDep) -> Response:
    """The logged-in staff member's own language (their pages and their terminal)."""

    async def act(who: Principal, fields: dict[str, str]) -> Any:
        return await administration.set_language(parts, who, fields.get("language", ""))

    return await _act(request, parts, office, "me", "language_saved", act)
