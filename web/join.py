"""Joining today's queue from elsewhere: `GET /join/{office}` (issue 15).

One plain form that needs no JavaScript: the services served today with their current estimate, the trip
(5, 10, 20, 30 or 45 minutes) and how to be told when to set off (e-mail, SMS, or "I'll keep this page open").
The POST goes through `service.joining.join`, like the JSON API (api/remote.py): the same rules, refusals and
per-address limit. A refusal is the form again with the reason in words and the citizen's input kept; a join
is answered with a 303 to the ticket's status page (web/status.py), which shows the number, the check-in code
and its QR, when to set off and the page's own address.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PartsDep, client_of
from api.errors import refusal_of
from i18n import gettext, messages
from i18n.messages import N_
from scheduler import remote
from scheduler.errors import DomainError
from scheduler.model import Office
from service.appointments import holidays_around
from service.changes import read
from service.joining import join
from service.parts import Parts
from service.snapshot import queue_snapshot
from store.repository import SqlRepository
from web.page import Page, form_fields, path

router = APIRouter(tags=["citizen pages"], include_in_schema=False)

FIELDS = ("service", "travel_min", "tell", "email", "phone")
#: How a citizen may be told when to set off; "page": no message, they keep the status page open.
TELL = ("email", "sms", "page")

# Refusals of the join (`service.joining.join`) and of the form itself, in words.
JOIN_SAYING = {
    "queue_closed": N_("The queue for this service is closed now. Please come back during opening hours."),
    "remote_join_disabled": N_("This office does not take people into its queue from elsewhere."),
    "remote_share_full": N_(
        "The queue takes no more people from elsewhere just now. Please try again in a little while."
    ),
    "already_joined": N_(
        "You are already in this office's queue today. Follow that ticket with the link you received."
    ),
    "notification_not_offered": N_("Messages cannot be sent that way from this office. Choose another way."),
    "invalid_travel_min": N_("Choose how long your trip to the office takes."),
    "invalid_email": messages.BOOK_INVALID_EMAIL,
    "invalid_phone": messages.BOOK_INVALID_PHONE,
    "email_required": N_("Enter your e-mail address to be told by e-mail."),
    "phone_required": N_("Enter your mobile number to be told by SMS."),
    "invalid_tell": N_("Choose how you want to be told when to set off."),
    "too_many_requests": N_(
        "Too many people joined the queue from your connection in the last hour. Please try again later."
    ),
    "service_not_found": N_("Choose one of the services in the list."),
    "service_required": N_("Choose a service."),
}
#: The field of the form a refusal is about (the rest are about the whole form).
FIELD_OF = {
    "invalid_travel_min": "travel_min",
    "invalid_email": "email",
    "email_required": "email",
    "invalid_phone": "phone",
    "phone_required": "phone",
    "notification_not_offered": "tell",
    "invalid_tell": "tell",
    "service_not_found": "service",
    "service_required": "service",
}
#: The element the error summary links to, per field (a group links to its first choice).
ANCHORS = {"service": "service-first", "travel_min": "travel_min-first", "tell": "tell-page"}


@dataclass(frozen=True)
class Offered:
    code: str
    name: str
    wait: str
    on_the_way: int


@dataclass(frozen=True)
class Queue:
    office: Office
    #: The services served now, with what a newcomer would wait.
    offered: list[Offered]
    #: Why nobody can join now: "remote_join_disabled", "queue_closed"; None when the form is offered.
    closed: str | None


def wait_words(language: str, seconds: int) -> str:
    """ "about 12 minutes", or "less than a minute"."""
    minutes = round(seconds / 60)
    if minutes < 1:
        return gettext(language, messages.LESS_THAN_A_MINUTE)
    return gettext(language, messages.ABOUT_MINUTES) % {"minutes": max(minutes, 2)}


async def queue_of(parts: Parts, office: str, language: str) -> Queue:
    """The office, and the services of its queue served now with their estimate (from the office's snapshot)."""
    now = parts.clock()
    holidays = holidays_around(now.date())

    def look(repo: SqlRepository) -> tuple[Office, list[Any], dict[str, Any], list[str]]:
        place = repo.office(office)
        services = repo.services(office)
        counters = repo.counters(office)
        open_now = [s.code for s in services if remote.serving_today(place, counters, s.code, now, holidays)]
        return place, services, queue_snapshot(repo, office, now, parts.policy), open_now

    place, services, snapshot, open_now = await read(parts, look)
    estimates = {s["code"]: s for s in snapshot["services"]}
    offered = [
        Offered(
            s.code,
            s.name(language),
            wait_words(language, int(estimates[s.code]["estimated_wait_s"])),
            int(estimates[s.code]["on_the_way"]),
        )
        for s in services
        if s.code in open_now and s.code in estimates
    ]
    closed = "remote_join_disabled" if not place.remote_join else None if offered else "queue_closed"
    return Queue(place, offered, closed)


def _form(
    page: Page,
    parts: Parts,
    queue: Queue,
    *,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    status: int = 200,
) -> HTMLResponse:
    media = parts.messenger.media()
    errors: dict[str, str] = {}
    summary: list[tuple[str, str]] = []
    for field, code in (problems or {}).items():
        words = page._(JOIN_SAYING.get(code, messages.BOOK_SOMETHING_WRONG))
        if field:
            errors[field] = words
        summary.append((ANCHORS.get(field, field), words))
    tell = [choice for choice in TELL if choice == "page" or choice in media]
    return page.render(
        "join.html",
        status=status,
        office=queue.office,
        services=queue.offered,
        closed=page._(JOIN_SAYING[queue.closed]) if queue.closed else None,
        travel=remote.TRAVEL_CHOICES_MIN,
        tell=tell,
        values={"tell": "page", **(values or {})},
        errors=errors,
        summary=summary,
        action=page.url(path("join", queue.office.id)),
    )


@router.get("/join/{office}", response_class=HTMLResponse)
async def join_page(office: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    try:
        queue = await queue_of(parts, office, page.language)
    except DomainError as exc:
        return page.refusal(exc)
    return _form(page, parts, queue)


def form_problems(values: Mapping[str, str], media: list[str]) -> dict[str, str]:
    """What the form lacks before the join is tried (the rest is the join's to say)."""
    problems: dict[str, str] = {}
    if not values["service"]:
        problems["service"] = "service_required"
    tell = values["tell"]
    if tell not in TELL:
        problems["tell"] = "invalid_tell"
    elif tell != "page" and tell not in media:
        problems["tell"] = "notification_not_offered"
    elif tell == "email" and not values["email"].strip():
        problems["email"] = "email_required"
    elif tell == "sms" and not values["phone"].strip():
        problems["phone"] = "phone_required"
    return problems


@router.post("/join/{office}", response_class=HTMLResponse)
async def join_queue(office: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    form = await form_fields(request)
    values = {field: form.get(field, "")[:254] for field in FIELDS}
    problems = form_problems(values, parts.messenger.media())
    headers: Mapping[str, str] = {}
    status = 422
    if not problems:
        tell = values["tell"]
        email = values["email"].strip() if tell == "email" else None
        phone = values["phone"].strip() if tell == "sms" else None
        travel = int(values["travel_min"]) if values["travel_min"].isdigit() else 0
        try:
            joined = await join(
                parts, office, values["service"], page.language, travel, email, phone, client_of(request)
            )
        except DomainError as exc:
            status, headers = refusal_of(exc)
            problems = {FIELD_OF.get(exc.code, ""): exc.code}
        else:
            return page.redirect(path("t", joined.ticket.token), done="joined")
    # The form again, with the reasons: only now is the office's queue read (a join that succeeds never needs it).
    try:
        queue = await queue_of(parts, office, page.language)
    except DomainError as exc:
        return page.refusal(exc)
    response = _form(page, parts, queue, values=values, problems=problems, status=status)
    response.headers.update(headers)
    return response
