"""Online booking for citizens: `GET /book/{office}` (service -> day -> time -> contact form), and the booked
appointment at `GET /booking/{token}`, where its holder sees, moves, cancels it or erases their data.

Server-rendered HTML that needs no JavaScript: plain links and forms, every POST answered with a 303 redirect.
Everything a citizen does goes through `api.appointments`, like the JSON API (rate limits, phone numbers,
messages). Refusals become readable pages in the citizen's language, never JSON or a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Annotated, Any
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

import qrcode
import qrcode.image.svg
from babel.dates import format_date, format_time
from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment
from markupsafe import Markup
from qrcode.constants import ERROR_CORRECT_M

from api.deps import PartsDep, client_of
from api.errors import refusal_of
from i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext, messages, resolve_language
from scheduler import bookings
from scheduler.bookings import Contact, normalised
from scheduler.errors import DomainError, Invalid
from scheduler.model import Booking, BookingState, Office, Service
from service import appointments, public_holidays
from service.changes import read
from service.parts import Parts

router = APIRouter(tags=["citizen pages"], include_in_schema=False)

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
#: Dates and times as people in Brussels write them.
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
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
_SAYING = {
    "invalid_name": messages.BOOK_INVALID_NAME,
    "invalid_email": messages.BOOK_INVALID_EMAIL,
    "email_required": messages.BOOK_EMAIL_REQUIRED,
    "contact_required": messages.BOOK_CONTACT_REQUIRED,
    "invalid_phone": messages.BOOK_INVALID_PHONE,
    "phone_required": messages.BOOK_PHONE_REQUIRED,
    "invalid_remind_via": messages.BOOK_INVALID_REMIND_VIA,
    "too_many_bookings": messages.BOOK_TOO_MANY_BOOKINGS,
    "too_many_bookings_today": messages.BOOK_TOO_MANY_TODAY,
    "too_many_requests": messages.BOOK_TOO_MANY_REQUESTS,
    "slot_full": messages.BOOK_SLOT_FULL,
    "no_such_slot": messages.BOOK_SLOT_GONE,
    "slot_in_past": messages.BOOK_SLOT_GONE,
    "time_required": messages.BOOK_TIME_REQUIRED,
    "office_not_found": messages.BOOK_NO_SUCH_OFFICE,
    "service_not_found": messages.BOOK_NO_SUCH_SERVICE,
    "service_not_bookable": messages.BOOK_NO_SUCH_SERVICE,
    "day_not_bookable": messages.BOOK_DAY_NOT_BOOKABLE,
    "beyond_booking_horizon": messages.BOOK_DAY_NOT_BOOKABLE,
    "booking_not_found": messages.BOOKING_NOT_FOUND,
    "booking_cancelled": messages.BOOKING_IS_CANCELLED,
    "booking_past": messages.BOOKING_IS_PAST,
    "already_checked_in": messages.BOOKING_IS_CHECKED_IN,
    "booking_changed": messages.BOOKING_CHANGED,
}
#: Refusals that send the citizen back to choose another time.
_SLOT_GONE = frozenset({"slot_full", "no_such_slot", "slot_in_past"})
#: The chosen time of day, HH:MM in the office's time zone.
TimeParam = Annotated[str | None, Query(alias="time")]


def choose_language(lang: str | None, accept_language: str | None) -> str:
    """`?lang=` when given, else the best of nl/fr/en in the Accept-Language header, else English."""
    if lang:
        return resolve_language(lang)
    ranked: list[tuple[float, int, str]] = []
    for index, part in enumerate((accept_language or "").split(",")):
        tag, _, parameters = part.partition(";")
        quality = 1.0
        for parameter in parameters.split(";"):
            key, _, value = parameter.strip().partition("=")
            if key.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().replace("_", "-").partition("-")[0].lower()
        if primary in LANGUAGES and quality > 0:
            ranked.append((-quality, index, primary))
    return min(ranked)[2] if ranked else DEFAULT_LANGUAGE


@dataclass(frozen=True)
class Page:
    """One answer to one request, in one language."""

    request: Request
    language: str

    @classmethod
    def of(cls, request: Request, lang: str | None) -> Page:
        return cls(request, choose_language(lang, request.headers.get("accept-language")))

    def _(self, message: str) -> str:
        return gettext(self.language, message)

    def url(self, path: str, **params: str) -> str:
        """A link on this server (a path, never a host), keeping the language."""
        return f"{path}?{urlencode({**params, 'lang': self.language})}"

    def redirect(self, path: str, **params: str) -> RedirectResponse:
        return RedirectResponse(self.url(path, **params), status_code=303, headers=PRIVATE)

    def render(self, template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
        env: Environment = self.request.app.state.templates
        query, here = dict(self.request.query_params), quote(self.request.url.path)
        switch = [(code, LANGUAGE_NAMES[code], f"{here}?{urlencode({**query, 'lang': code})}") for code in LANGUAGES]
        html = env.get_template(template).render(language=self.language, switch=switch, url=self.url, **context)
        return HTMLResponse(html, status_code=status, headers=PRIVATE)

    def refusal(self, exc: DomainError, *, back: str | None = None) -> HTMLResponse:
        """A refusal of the back end as a page: what happened, in words, and where to go on."""
        status, headers = refusal_of(exc)
        saying = _SAYING.get(exc.code, messages.BOOK_SOMETHING_WRONG)
        title = messages.PAGE_NOT_FOUND if status == 404 else messages.BOOK_CANNOT_BE_DONE
        response = self.render(
            "booking_error.html", status=status, title=self._(title), message=self._(saying), back=back
        )
        response.headers.update(headers)
        return response

    def when(self, at: datetime, zone: ZoneInfo) -> dict[str, str]:
        local = at.astimezone(zone)
        locale = LOCALES[self.language]
        return {
            "date": format_date(local.date(), "full", locale=locale),
            "time": format_time(local, "short", locale=locale),
        }

    def day(self, day: date) -> str:
        return format_date(day, "full", locale=LOCALES[self.language])


def _path(*segments: str) -> str:
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


def _office_and_service(repo: Any, office_id: str, code: str) -> tuple[Office, Service]:
    return repo.office(office_id), bookings.bookable_service(repo, office_id, code)


def _bookable_day(parts: Parts, office: Office, text: str) -> date:
    return bookings.bookable_day(office, text, parts.clock(), parts.settings.booking_weeks)


def _parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _parse_time(text: str | None) -> time | None:
    if not text:
        return None
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0) if parsed.tzinfo is None else None


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


async def _days(page: Page, parts: Parts, office: Office, service: Service, href: Callable[[date], str]) -> list[Day]:
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


async def _times(parts: Parts, office: Office, service: Service, day: date, page: Page) -> list[Time]:
    now = parts.clock()
    holidays = public_holidays.belgian(day)
    slots = await read(parts, lambda repo: bookings.free_slots(repo, office.id, service.code, day, now, holidays))
    zone = ZoneInfo(office.timezone)
    return [Time(at.astimezone(zone).strftime("%H:%M"), page.when(at, zone)["time"], free) for at, free in slots]


async def _form(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form (the first value of each)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


# Booking: service, day, time, contact.


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
            "href": page.url(_path("book", office, s.code)),
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
        days = await _days(page, parts, found, chosen, lambda day: page.url(_path("book", office, service, str(day))))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(_path("book", office)))
    return page.render(
        "book_days.html",
        office=found,
        service_name=chosen.name(page.language),
        days=days,
        back=page.url(_path("book", office)),
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
    back = page.url(_path("book", office, service))
    try:
        found, chosen = await read(parts, lambda repo: _office_and_service(repo, office, service))
        day = _bookable_day(parts, found, day_text)
        times = await _times(parts, found, chosen, day, page)
    except DomainError as exc:
        return page.refusal(exc, back=back)
    return page.render(
        "book_slots.html",
        status=status,
        office=found,
        service_name=chosen.name(page.language),
        day_label=page.day(day),
        times=times,
        action=_path("book", office, service, day_text, "details"),
        method="get",
        problem=page._(_SAYING[problem]) if problem in _SAYING else None,
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
        day = _bookable_day(parts, found, day_text)
    except DomainError as exc:
        return page.refusal(exc, back=page.url(_path("book", office, service)))
    at = _parse_time(at_text)
    if at is None:
        return await _slots_page(page, parts, office, service, day_text, problem="time_required", status=422)
    zone = ZoneInfo(found.timezone)
    when = page.when(datetime.combine(day, at, tzinfo=zone), zone)
    errors = {field: page._(_SAYING[code]) for field, code in (problems or {}).items()}
    summary = [(field, errors[field]) for field in FIELDS if field in errors]
    if general:
        summary.insert(0, ("", page._(_SAYING.get(general, messages.BOOK_SOMETHING_WRONG))))
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
        action=page.url(_path("book", office, service, day_text, "details"), time=at.strftime("%H:%M")),
        back=page.url(_path("book", office, service, day_text)),
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
    form = await _form(request)
    values = {field: form.get(field, "") for field in FIELDS}
    at = _parse_time(at_text or form.get("time"))
    parsed_day = _parse_day(day)
    if at is None or parsed_day is None:
        return await _form_page(page, parts, office, service, day, None)
    at_text = at.strftime("%H:%M")
    problems = contact_problems(values, parts.settings.default_region)
    if problems:
        return await _form_page(
            page, parts, office, service, day, at_text, values=values, problems=problems, status=422
        )
    slots = page.url(_path("book", office, service, day))
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
        if exc.code in _SLOT_GONE:
            return page.redirect(_path("book", office, service, day), problem=exc.code)
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
    return page.redirect(_path("booking", booked.token), done="booked")


# The booked appointment: see, move, cancel, erase.


@dataclass(frozen=True)
class Held:
    booking: Booking
    office: Office
    service: Service
    changeable: bool


async def _held(parts: Parts, token: str) -> Held:
    booking = await appointments.find(parts, token)
    office, service = await appointments.office_and_service(parts, booking)
    changeable = booking.state == BookingState.BOOKED and booking.slot_at > parts.clock()
    return Held(booking, office, service, changeable)


def _state_saying(held: Held, now: datetime) -> str:
    booking = held.booking
    if booking.state == BookingState.CANCELLED:
        return messages.BOOKING_STATE_CANCELLED
    if booking.state == BookingState.CHECKED_IN:
        return messages.BOOKING_STATE_CHECKED_IN
    if booking.state == BookingState.NO_SHOW or booking.slot_at <= now:
        return messages.BOOKING_STATE_PAST
    return messages.BOOKING_STATE_BOOKED


def qr_svg(payload: str) -> Markup:
    """`payload` as an inline SVG QR code (for the kiosk's scanner), without the XML declaration."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4, image_factory=qrcode.image.svg.SvgPathImage)
    code.add_data(payload)
    code.make(fit=True)
    svg = code.make_image().to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg") :])  # drawn by qrcode from a booking code: no user text


def _summary(page: Page, held: Held) -> dict[str, Any]:
    zone = ZoneInfo(held.office.timezone)
    return {
        "code": held.booking.code,
        "office": held.office.name,
        "service": held.service.name(page.language),
        "when": page.when(held.booking.slot_at, zone),
        "checklist": held.service.checklist_in(page.language),
    }


@router.get("/booking/{token}", response_class=HTMLResponse)
async def booking_page(
    token: str, request: Request, parts: PartsDep, lang: str | None = None, done: str | None = None
) -> Response:
    page = Page.of(request, lang)
    try:
        held = await _held(parts, token)
    except DomainError as exc:
        return page.refusal(exc)
    if not lang:
        page = Page(request, held.booking.language)
    base = _path("booking", token)
    booking = held.booking
    return page.render(
        "booking.html",
        booking=_summary(page, held),
        qr=qr_svg(booking.code),
        state=page._(_state_saying(held, parts.clock())),
        changeable=held.changeable,
        erased=booking.erased_at is not None,
        contact={
            "name": booking.name,
            "email": booking.email,
            "phone": booking.phone,
            "remind_via": booking.remind_via,
        },
        done=done,
        ics=f"{base}/appointment.ics",
        move=page.url(f"{base}/move"),
        cancel=page.url(f"{base}/cancel"),
        erase=page.url(f"{base}/erase"),
    )


@router.get("/booking/{token}/move", response_class=HTMLResponse)
async def move_days_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    base = _path("booking", token)
    try:
        held = await _held(parts, token)
        if not held.changeable:
            return page.redirect(base)
        days = await _days(page, parts, held.office, held.service, lambda day: page.url(f"{base}/move/{day}"))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(base))
    return page.render(
        "book_days.html",
        office=held.office,
        service_name=held.service.name(page.language),
        days=days,
        back=page.url(base),
        moving=_summary(page, held),
    )


async def _move_slots_page(
    page: Page, parts: Parts, token: str, day_text: str, *, problem: str | None = None, status: int = 200
) -> Response:
    base = _path("booking", token)
    try:
        held = await _held(parts, token)
        if not held.changeable:
            return page.redirect(base)
        day = _bookable_day(parts, held.office, day_text)
        times = await _times(parts, held.office, held.service, day, page)
    except DomainError as exc:
        return page.refusal(exc, back=page.url(f"{base}/move"))
    zone = ZoneInfo(held.office.timezone)
    current = held.booking.slot_at.astimezone(zone)
    if current.date() == day:
        times = [Time(t.value, t.label, t.free, mine=t.value == current.strftime("%H:%M")) for t in times]
    return page.render(
        "book_slots.html",
        status=status,
        office=held.office,
        service_name=held.service.name(page.language),
        day_label=page.day(day),
        times=times,
        action=page.url(f"{base}/move/{day_text}"),
        method="post",
        problem=page._(_SAYING[problem]) if problem in _SAYING else None,
        back=page.url(f"{base}/move"),
        moving=_summary(page, held),
    )


@router.get("/booking/{token}/move/{day}", response_class=HTMLResponse)
async def move_slots_page(
    token: str, day: str, request: Request, parts: PartsDep, lang: str | None = None, problem: str | None = None
) -> Response:
    return await _move_slots_page(Page.of(request, lang), parts, token, day, problem=problem)


@router.post("/booking/{token}/move/{day}", response_class=HTMLResponse)
async def move(token: str, day: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    base = _path("booking", token)
    at = _parse_time((await _form(request)).get("time"))
    parsed_day = _parse_day(day)
    if at is None or parsed_day is None:
        return await _move_slots_page(page, parts, token, day, problem="time_required", status=422)
    try:
        held = await _held(parts, token)
        slot_at = datetime.combine(parsed_day, at, tzinfo=ZoneInfo(held.office.timezone))
        await appointments.move(parts, token, slot_at, client_of(request))
    except DomainError as exc:
        if exc.code in _SLOT_GONE:
            return page.redirect(f"{base}/move/{day}", problem=exc.code)
        return page.refusal(exc, back=page.url(base))
    return page.redirect(base, done="moved")


async def _confirm_page(page: Page, parts: Parts, token: str, what: str) -> Response:
    base = _path("booking", token)
    try:
        held = await _held(parts, token)
    except DomainError as exc:
        return page.refusal(exc)
    if what == "cancel" and not held.changeable:
        return page.redirect(base)
    if what == "erase" and held.booking.erased_at is not None:
        return page.redirect(base)
    return page.render(
        "booking_confirm.html",
        what=what,
        booking=_summary(page, held),
        changeable=held.changeable,
        action=page.url(f"{base}/{what}"),
        back=page.url(base),
    )


@router.get("/booking/{token}/cancel", response_class=HTMLResponse)
async def cancel_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    """Only asks: mail scanners open links, so a GET never cancels."""
    return await _confirm_page(Page.of(request, lang), parts, token, "cancel")


@router.post("/booking/{token}/cancel", response_class=HTMLResponse)
async def cancel(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    base = _path("booking", token)
    try:
        await appointments.cancel(parts, token, client_of(request))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(base))
    return page.redirect(base, done="cancelled")


@router.get("/booking/{token}/erase", response_class=HTMLResponse)
async def erase_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    return await _confirm_page(Page.of(request, lang), parts, token, "erase")


@router.post("/booking/{token}/erase", response_class=HTMLResponse)
async def erase(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    base = _path("booking", token)
    try:
        await appointments.erase(parts, token, client_of(request))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(base))
    return page.redirect(base, done="erased")
