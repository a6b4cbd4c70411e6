"""The citizen's pages' common ground: one answer to one request in one language (`Page`), the language chosen
from `?lang=` or Accept-Language, dates and times as people in Brussels write them, refusals in words, and the
urlencoded forms the pages post. Shared by the booking pages and the ticket status page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any
from urllib.parse import parse_qs, quote, urlencode
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time
from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment

from api.errors import refusal_of
from i18n import DEFAULT_LANGUAGE, LANGUAGES, gettext, messages, resolve_language
from scheduler.errors import DomainError

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
#: Dates and times as people in Brussels write them.
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}

#: Refusals of the back end, in words.
SAYING = {
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


def choose_language(lang: str | None, accept_language: str | None, preferred: str | None = None) -> str:
    """`?lang=` when given, else `preferred` (a staff member's own choice, when logged in), else the best of
    nl/fr/en in the Accept-Language header, else English."""
    if lang:
        return resolve_language(lang)
    if preferred in LANGUAGES:
        return str(preferred)
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
        saying = SAYING.get(exc.code, messages.BOOK_SOMETHING_WRONG)
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


def path(*segments: str) -> str:
    """A path on this server from its segments, each quoted (an office or service code is the citizen's text)."""
    return "/" + "/".join(quote(segment, safe="") for segment in segments)


# The form parser.


async def form_fields(request: Request) -> dict[str, str]:
    """The fields of an urlencoded form (the first value of each)."""
    body = (await request.body()).decode("utf-8", errors="replace")
    return {key: values[0] for key, values in parse_qs(body, keep_blank_values=True).items()}


def parse_day(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def parse_time(text: str | None) -> time | None:
    """HH:MM (seconds dropped) of a local time of day; None for anything else, a time with a zone included."""
    if not text:
        return None
    try:
        parsed = time.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(second=0, microsecond=0) if parsed.tzinfo is None else None
