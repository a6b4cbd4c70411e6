"""The administration page drawn: the office's set-up, staff, tokens and audit log read from
`service.administration`, put in the page's language (web/admin_view.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import Response

from i18n.messages import N_
from scheduler.administration import COUNTS, DEVICE_ROLES, FLAGS, SHARES, STAFF_ROLES
from scheduler.calendar import WEEKDAYS
from scheduler.errors import DomainError, NotFound
from scheduler.model import LANGUAGES
from service import administration
from service.parts import Parts
from web import admin_forms as forms
from web import admin_view as view
from web import staff_session
from web.page import LANGUAGE_NAMES, Page, path

if TYPE_CHECKING:
    from web.admin import Failed

saying = view.saying

#: What the page says after a change (`?done=`).
DONE = {
    "service_added": N_("The service was added."),
    "service_saved": N_("The service was saved."),
    "service_removed": N_("The service was removed."),
    "counter_added": N_("The counter was added."),
    "counter_saved": N_("The counter was saved."),
    "counter_removed": N_("The counter was removed."),
    "hours_saved": N_("The opening hours were saved."),
    "closed_saved": N_("The closing days were saved."),
    "settings_saved": N_("The settings were saved."),
    "improvements_saved": N_("The improvements were saved."),
    "user_added": N_("The staff member was added."),
    "user_saved": N_("The staff member was saved."),
    "user_removed": N_("The staff member was removed."),
    "token_revoked": N_("The token was revoked."),
    "language_saved": N_("Your language was saved."),
}
NO_SUCH_OFFICE = N_("There is no office %(office)s")
CHECK_ADDRESS = N_("Check the address of the administration page.")
EMPTY_IMPROVEMENT_ROWS = 3


async def checked_values(request: Request, name: str) -> list[str]:
    """Every value of a form field that repeats (checkboxes)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return [value for value in parse_qs(body, keep_blank_values=False).get(name, []) if value]


def _improvement_rows(improvements: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = [{"code": i["code"], **{lang: i["names"].get(lang, "") for lang in LANGUAGES}} for i in improvements]
    blank = {"code": "", **dict.fromkeys(LANGUAGES, "")}
    room = min(EMPTY_IMPROVEMENT_ROWS, forms.MAX_IMPROVEMENT_ROWS - len(rows))
    return rows + [dict(blank) for _ in range(max(0, room))]


async def render(
    page: Page,
    parts: Parts,
    staff: staff_session.Staff,
    office: str,
    *,
    status: int = 200,
    failed: Failed | None = None,
    created: dict[str, Any] | None = None,
    done: str | None = None,
    before: int | None = None,
) -> Response:
    who = staff.principal
    try:
        setup = await administration.setup(parts, who, office)
        users = await administration.users(parts, who, office)
        tokens = await administration.tokens(parts, who, office)
        audit = await administration.audit(parts, who, office, limit=50, before=before if before else None)
    except NotFound:
        return staff_session.refusal(
            page, 404, page._(NO_SUCH_OFFICE) % {"office": repr(office)}, page._(CHECK_ADDRESS), staff
        )
    except DomainError as exc:  # a `before` out of range
        return staff_session.refusal(page, 422, view.saying(page, exc), "", staff)
    zone = ZoneInfo(setup["timezone"])
    here = path("admin", office)
    for token in tokens:
        token["created"] = view.when(page, token["created_at"], zone)
        token["expires"] = view.when(page, token["expires_at"], zone)
        token["revoked"] = view.when(page, token["revoked_at"], zone)
    settings = dict(setup["settings"])
    for key in SHARES:
        settings[key] = f"{round(settings[key] * 100, 1):g}"
    return page.render(
        "admin.html",
        status=status,
        office=setup,
        settings=settings,
        services=setup["services"],
        counters=setup["counters"],
        hours={day: forms.periods_text(setup["hours"][day]) for day in WEEKDAYS},
        closed="\n".join(setup["closed"]),
        improvements=_improvement_rows(setup["improvements"]),
        users=users,
        tokens=tokens,
        audit=[view.described(page, entry, zone) for entry in audit["entries"]],
        older=page.url(here, before=str(audit["next_before"])) if audit["next_before"] else None,
        failed=failed,
        created=created,
        done=page._(DONE[done]) if done in DONE else None,
        here=here,
        label=lambda name: view.label(page, name),
        weekdays=[(day, page._(view.WEEKDAY_NAMES[day])) for day in WEEKDAYS],
        languages=[(code, page._(view.LANGUAGE_LABELS[code]), LANGUAGE_NAMES[code]) for code in LANGUAGES],
        staff_roles=[(role, page._(staff_session.ROLE_NAMES[role])) for role in STAFF_ROLES],
        device_roles=[(role, page._(staff_session.ROLE_NAMES[role])) for role in DEVICE_ROLES],
        role_names={role: page._(name) for role, name in staff_session.ROLE_NAMES.items()},
        flags=FLAGS,
        counts=list(COUNTS),
        shares=SHARES,
        by_session=staff.by_session,
        user=who.username,
        dashboard=page.url(path("manage", office)),
    )
