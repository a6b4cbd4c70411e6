"""The booked appointment at `GET /booking/{token}`, where its holder sees, moves, cancels it or erases their data.

Server-rendered HTML that needs no JavaScript, like the booking pages (web/booking.py, whose days and times a
move shows again): every POST answered with a 303 redirect, refusals as readable pages in the citizen's language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from api.deps import PartsDep, client_of
from i18n import messages
from scheduler.errors import DomainError
from scheduler.model import Booking, BookingState, Office, Service
from service import appointments
from service.parts import Parts
from web.booking import SLOT_GONE, Time, bookable_day, days_of, times_of
from web.page import SAYING, Page, form_fields, parse_day, parse_time, path
from web.qr import qr_svg

router = APIRouter(tags=["citizen pages"], include_in_schema=False)


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
    base = path("booking", token)
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
        # The manage token proves the visit on the ideas page, which keeps it in its own cookie (web/ideas.py).
        ideas=page.url(path("ideas", booking.office), token=token),
    )


@router.get("/booking/{token}/move", response_class=HTMLResponse)
async def move_days_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    page = Page.of(request, lang)
    base = path("booking", token)
    try:
        held = await _held(parts, token)
        if not held.changeable:
            return page.redirect(base)
        days = await days_of(page, parts, held.office, held.service, lambda day: page.url(f"{base}/move/{day}"))
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
    base = path("booking", token)
    try:
        held = await _held(parts, token)
        if not held.changeable:
            return page.redirect(base)
        day = bookable_day(parts, held.office, day_text)
        times = await times_of(parts, held.office, held.service, day, page)
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
        problem=page._(SAYING[problem]) if problem in SAYING else None,
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
    base = path("booking", token)
    at = parse_time((await form_fields(request)).get("time"))
    parsed_day = parse_day(day)
    if at is None or parsed_day is None:
        return await _move_slots_page(page, parts, token, day, problem="time_required", status=422)
    try:
        held = await _held(parts, token)
        slot_at = datetime.combine(parsed_day, at, tzinfo=ZoneInfo(held.office.timezone))
        await appointments.move(parts, token, slot_at, client_of(request))
    except DomainError as exc:
        if exc.code in SLOT_GONE:
            return page.redirect(f"{base}/move/{day}", problem=exc.code)
        return page.refusal(exc, back=page.url(base))
    return page.redirect(base, done="moved")


async def _confirm_page(page: Page, parts: Parts, token: str, what: str) -> Response:
    base = path("booking", token)
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
    return await _act(request, parts, token, lang, appointments.cancel, "cancelled")


@router.get("/booking/{token}/erase", response_class=HTMLResponse)
async def erase_page(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    return await _confirm_page(Page.of(request, lang), parts, token, "erase")


@router.post("/booking/{token}/erase", response_class=HTMLResponse)
async def erase(token: str, request: Request, parts: PartsDep, lang: str | None = None) -> Response:
    return await _act(request, parts, token, lang, appointments.erase, "erased")


async def _act(
    request: Request,
    parts: Parts,
    token: str,
    lang: str | None,
    action: Callable[[Parts, str, str], Awaitable[Booking]],
    done: str,
) -> Response:
    """Cancel or erase: back to the booking's page saying so, or the refusal in words."""
    page = Page.of(request, lang)
    base = path("booking", token)
    try:
        await action(parts, token, client_of(request))
    except DomainError as exc:
        return page.refusal(exc, back=page.url(base))
    return page.redirect(base, done=done)
