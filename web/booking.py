"""Online booking for citizens: `GET /book/{office}` (service -> day -> time -> contact form); the booked
appointment is web/booking_manage.py's.

Server-rendered HTML that needs no JavaScript: plain links and forms, every POST answered with a 303 redirect.
Everything a citizen does goes through `service.appointments`, like the JSON API (rate limits, phone numbers,
messages). Refusals become readable pages in the citizen's language (web/page.py), never JSON or a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PartsDep, client_of
from api.errors import refusal_of
from i18n import messages
from scheduler import bookings
from scheduler.bookings import Contact, normalised
from scheduler.errors import DomainError, Invalid
from scheduler.model import Office, Service
from service import appointments, public_holidays
from service.changes import read
from service.parts import Parts
from web.page import SAYING, Page, form_fields, parse_day, parse_time, path

router = APIRouter(tags=["citizen pages"], include_in_schema=False)

FIELDS = ("name", "email", "phone", "remind_via")
#: Refusals of the back end shown at a field of the contact form.
_FIELD_OF = {
    "invalid_name": "name",
    "invalid_email": "email",
    "email_required": "email",
    "contact_required": "email",
    "invalid_phone": "phone",
    "phone_required": "phone",
    "invalid_remind_via": "remind_via",
}
#: Refusals that send the citizen back to choose another time.
SLOT_GONE = frozenset({"slot_full", "no_such_slot", "slot_in_past"})
#: The chosen time of day, HH:MM in the office's time zone.
TimeParam = Annotated[str | None, Query(alias="time")]


def _office_and_service(repo: Any, office_id: str, code: str) -> tuple[Office, Service]:
    return repo.office(office_id), bookings.bookable_service(repo, office_id, code)


def bookable_day(parts: Parts, office: Office, text: str) -> date:
    """The day `text` names, if it can be booked today (within the office's booking horizon)."""
    return bookings.bookable_day(office, text, parts.clock(), parts.settings.booking_weeks)


@dataclass(frozen=True)
class Day:
    day: date
    label: str
    free: int
    #: Why nothing can be booked (`bookings.day_unavailable`): "holiday", "closed", "full", "over"; None when
    #: something can.
    why: str | None
    href: str


@dataclass(frozen=True)
class Time:
    value: str
    label: str
    free: int
    mine: bool = False


async def days_of(page: Page, parts: Parts, office: Office, service: Service, href: Callable[[date], str]) -> list[Day]:
    """Every day of the booking window, each with its free times or why it has none; shared by moving."""
    now = parts.clock()
    window = bookings.booking_days(office, now, parts.settings.booking_weeks)
    holidays = public_holidays.belgian(window[0], window[-1])

    def every_day(repo: Any) -> list[tuple[date, list[tuple[datetime, int]]]]:
        return [(day, bookings.free_slots(repo, office.id, service.code, day, now, holidays)) for day in window]

    days = []
    for day, slots in await read(parts, every_day):
        free = sum(1 for _, seats in slots if seats > 0)
        why = bookings.day_unavailable(office, day, holidays, slots)
        days.append(Day(day, page.day(day), free, why, href(day)))
    return days


async def times_of(parts: Parts, office: Office, service: Service, day: date, page: Page) -> list[Time]:
    """The times of `day` and the seats left at each; shared by moving."""
    now = parts.clock()
    holidays = public_holidays.belgian(day)
    slots = await read(parts, lambda repo: bookings.free_slots(repo, office.id, service.code, day, now, holidays))
    zone = ZoneInfo(office.timezone)
    return [Time(at.astimezone(zone).strftime("%H:%M"), page.when(at, zone)["time"], free) for at, free in slots]


@router.get("/book/{office}", response_class=HTMLResponse)
async def services_page(office: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    try:
        found, services = await read(parts, lambda repo: (repo.office(office), repo.services(office)))
    except DomainError as exc:
        return page.refusal(exc)
    offered = [
        {
            "code": s.code,
            "name": s.name(page.language),
            "checklist": s.checklist_in(page.language),
            "href": page.url(path("book", office, s.code)),
        }
        for s in services
        if s.bookable
    ]
    return page.render("book_services.html", office=found, services=offered)


@router.get("/book/{office}/{service}", response_class=HTMLResponse)
async def days_page(office: str, service: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    try:
        found, chosen = await read(parts, lambda repo: _office_and_service(repo, office, service))
        days = await days_of(page, parts, found, chosen, lambda day: page.url(path("book", office, service, str(day))))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(path("book", office)))
    return page.render(
        "book_days.html",
        office=found,
        service_name=chosen.name(page.language),
        days=days,
        back=page.url(path("book", office)),
        moving=None,
    )


async def _slots_page(
    page: Page,
    parts: Parts,
    office: str,
    service: str,
    day_text: str,
    *,
    problem: str | None = None,
    status: int = 200,
) -> Response:
    back = page.url(path("book", office, service))
    try:
        found, chosen = await read(parts, lambda repo: _office_and_service(repo, office, service))
        day = bookable_day(parts, found, day_text)
        times = await times_of(parts, found, chosen, day, page)
    except DomainError as exc:
        return page.refusal(exc, back=back)
    return page.render(
        "book_slots.html",
        status=status,
        office=found,
        service_name=chosen.name(page.language),
        day_label=page.day(day),
        times=times,
        action=path("book", office, service, day_text, "details"),
        method="get",
        problem=page._(SAYING[problem]) if problem in SAYING else None,
        back=back,
        moving=None,
    )


@router.get("/book/{office}/{service}/{day}", response_class=HTMLResponse)
async def slots_page(
    office: str,
    service: str,
    day: str,
    request: Request,
    parts: PartsDep,
    lang: str | None = None,
    problem: str | None = None,
) -> Response:
    return await _slots_page(Page.of(request, lang), parts, office, service, day, problem=problem)


def contact_problems(values: Mapping[str, str], region: str) -> dict[str, str]:
    """Every problem of the contact form at once, field -> code: the phone read as the API reads it, the rest
    by the scheduler's one rule for bookings (`bookings.contact_problems`)."""
    problems: dict[str, str] = {}
    try:
        phone = appointments.phone_e164(values.get("phone"), region)
    except Invalid as exc:
        problems["phone"] = exc.code
        phone = values.get("phone", "").strip() or None  # unreadable, but given: the contact is not missing
    contact = normalised(Contact(values.get("name"), values.get("email"), phone, values.get("remind_via", "")))
    return {**bookings.contact_problems(contact, reachable=True), **problems}


async def _form_page(
    page: Page,
    parts: Parts,
    office: str,
    service: str,
    day_text: str,
    at_text: str | None,
    *,
    values: Mapping[str, str] | None = None,
    problems: Mapping[str, str] | None = None,
    general: str | None = None,
    status: int = 200,
) -> Response:
    try:
        found, chosen = await read(parts, lambda repo: _office_and_service(repo, office, service))
        day = bookable_day(parts, found, day_text)
    except DomainError as exc:
        return page.refusal(exc, back=page.url(path("book", office, service)))
    at = parse_time(at_text)
    if at is None:
        return await _slots_page(page, parts, office, service, day_text, problem="time_required", status=422)
    zone = ZoneInfo(found.timezone)
    when = page.when(datetime.combine(day, at, tzinfo=zone), zone)
    errors = {field: page._(SAYING[code]) for field, code in (problems or {}).items()}
    summary = [(field, errors[field]) for field in FIELDS if field in errors]
    if general:
        summary.insert(0, ("", page._(SAYING.get(general, messages.BOOK_SOMETHING_WRONG))))
    return page.render(
        "book_form.html",
        status=status,
        office=found,
        service_name=chosen.name(page.language),
        checklist=chosen.checklist_in(page.language),
        when=when,
        values={"remind_via": "email", **(values or {})},
        errors=errors,
        summary=summary,
        action=page.url(path("book", office, service, day_text, "details"), time=at.strftime("%H:%M")),
        back=page.url(path("book", office, service, day_text)),
        purge_days=parts.settings.purge_after_days,
    )


@router.get("/book/{office}/{service}/{day}/details", response_class=HTMLResponse)
async def form_page(
    office: str,
    service: str,
    day: str,
    request: Request,
    parts: PartsDep,
    lang: str | None = None,
    at: TimeParam = None,
) -> Response:
    return await _form_page(Page.of(request, lang), parts, office, service, day, at)


@router.post("/book/{office}/{service}/{day}/details", response_class=HTMLResponse)
async def book(
    office: str,
    service: str,
    day: str,
    request: Request,
    parts: PartsDep,
    lang: str | None = None,
    at_text: TimeParam = None,
) -> Response:
    page = Page.of(request, lang)
    form = await form_fields(request)
    values = {field: form.get(field, "") for field in FIELDS}
    at = parse_time(at_text or form.get("time"))
    parsed_day = parse_day(day)
    if at is None or parsed_day is None:
        return await _form_page(page, parts, office, service, day, None)
    at_text = at.strftime("%H:%M")
    problems = contact_problems(values, parts.settings.default_region)
    if problems:
        return await _form_page(
            page, parts, office, service, day, at_text, values=values, problems=problems, status=422
        )
    slots = page.url(path("book", office, service, day))
    try:
        zone = ZoneInfo((await read(parts, lambda repo: repo.office(office))).timezone)
        contact = Contact(
            values["name"].strip() or None,
            values["email"].strip() or None,
            values["phone"].strip() or None,
            values["remind_via"],
        )
        slot_at = datetime.combine(parsed_day, at, tzinfo=zone)
        booked = await appointments.book(parts, office, service, slot_at, page.language, contact, client_of(request))
    # Every refusal is the rules' (DomainError); the hourly budget's is Throttled, a 429 with Retry-After.
    except DomainError as exc:
        if exc.code in SLOT_GONE:
            return page.redirect(path("book", office, service, day), problem=exc.code)
        if exc.code in _FIELD_OF:
            problem = {_FIELD_OF[exc.code]: exc.code}
            return await _form_page(
                page, parts, office, service, day, at_text, values=values, problems=problem, status=422
            )
        if exc.code in ("too_many_bookings", "too_many_bookings_today", "too_many_requests"):
            status, headers = refusal_of(exc)
            response = await _form_page(
                page, parts, office, service, day, at_text, values=values, general=exc.code, status=status
            )
            response.headers.update(headers)
            return response
        return page.refusal(exc, back=slots)
    return page.redirect(path("booking", booked.token), done="booked")
