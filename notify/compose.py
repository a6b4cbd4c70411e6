"""What a citizen is told about a booked appointment: e-mail subject, text and HTML, and the SMS.

Pure: no I/O and no clock (the translations are read once from the package's catalogs). Every sentence is a
message of ``i18n.messages``, translated into the citizen's language; dates and times are written by Babel in
the citizen's locale and in the office's time zone, e.g. "dinsdag 8 december 2026 om 10:30".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_time

from i18n import gettext, messages, resolve_language
from notify.letter import Letter, Link, as_html, as_text
from scheduler.bookings import fits_a_greeting

SMS_MAX_CHARS = 320  # two concatenated SMS in GSM-7 are 306; gateways cap far above; the contract says 320
# Belgian Dutch and French; English as written in Europe (day before month, 24-hour clock).
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}
_ELLIPSIS = "..."  # not "…": one character outside GSM-7 makes the whole SMS UCS-2 (70 characters a part)


@dataclass(frozen=True)
class BookingNotice:
    office_name: str
    office_address: str | None
    service_name: str  # already in the citizen's language
    code: str  # booking code, e.g. "K7QX-M4TP"
    slot_at: datetime  # aware (UTC)
    timezone: str  # office's IANA zone, e.g. "Europe/Brussels": times are written in it
    language: str  # "nl" | "fr" | "en"
    manage_url: str  # page to see / move / cancel / erase
    cancel_url: str  # one-click cancel link (opens a page with one confirm button)
    checklist: tuple[str, ...]  # "what to bring", already in the citizen's language; may be empty
    citizen_name: str | None = None

    def __post_init__(self) -> None:
        # A naive time would silently be read as the server's local time: refuse it where it is made.
        if self.slot_at.tzinfo is None or self.slot_at.utcoffset() is None:
            raise ValueError("slot_at must be an aware datetime")


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # plain-text e-mail body
    html: str | None  # optional simple HTML alternative (escaped), or None
    sms: str  # short SMS text, <= 320 characters, with the code, the local date+time and (if any) the cancel link


def when(notice: BookingNotice) -> str:
    """The date and time of the appointment as the citizen reads them, in the office's time zone."""
    language = resolve_language(notice.language)
    zone = ZoneInfo(notice.timezone)
    locale = LOCALES[language]
    date = format_date(notice.slot_at.astimezone(zone).date(), "full", locale=locale)
    time = format_time(notice.slot_at, "short", tzinfo=zone, locale=locale)
    return gettext(language, messages.DATE_AT_TIME) % {"date": date, "time": time}


def confirmation(notice: BookingNotice) -> Message:
    """Sent right after booking: the details, what to bring, and how to move or cancel."""
    language, moment = resolve_language(notice.language), when(notice)
    letter = _letter(
        notice,
        subject=gettext(language, messages.SUBJECT_CONFIRMED) % {"when": moment},
        lead=messages.APPOINTMENT_CONFIRMED,
        notes=(messages.COME_EARLY,),
        links=((messages.MANAGE_LINK, notice.manage_url), (messages.CANCEL_LINK, notice.cancel_url)),
    )
    return _message(letter, notice, messages.SMS_CONFIRMED)


def reminder(notice: BookingNotice) -> Message:
    """Sent the day before; the one-click cancel link comes first, so a place nobody will use is freed."""
    language, moment = resolve_language(notice.language), when(notice)
    letter = _letter(
        notice,
        subject=gettext(language, messages.SUBJECT_REMINDER) % {"when": moment},
        lead=messages.APPOINTMENT_REMINDER,
        notes=(messages.COME_EARLY,),
        links=((messages.CANCEL_LINK, notice.cancel_url), (messages.MANAGE_LINK, notice.manage_url)),
    )
    return _message(letter, notice, messages.SMS_REMINDER)


def cancellation(notice: BookingNotice) -> Message:
    """Sent when the appointment was cancelled (by the citizen or the office): no links, nothing to bring."""
    language, moment = resolve_language(notice.language), when(notice)
    letter = _letter(
        notice,
        subject=gettext(language, messages.SUBJECT_CANCELLED) % {"when": moment},
        lead=messages.APPOINTMENT_CANCELLED,
        notes=(messages.BOOK_AGAIN,),
        links=(),
        checklist=(),
    )
    return _message(letter, notice, messages.SMS_CANCELLED)


def _letter(
    notice: BookingNotice,
    *,
    subject: str,
    lead: str,
    notes: tuple[str, ...],
    links: tuple[tuple[str, str], ...],
    checklist: tuple[str, ...] | None = None,
) -> Letter:
    language = resolve_language(notice.language)

    def _(message: str) -> str:
        return gettext(language, message)

    where = ", ".join(part for part in (notice.office_name, notice.office_address) if part)
    # Only the greeting quotes the name, and only a name that fits one (booked before names were checked: not).
    if notice.citizen_name and fits_a_greeting(notice.citizen_name):
        greeting = _(messages.GREETING_NAME) % {"name": notice.citizen_name}
    else:
        greeting = _(messages.GREETING)
    return Letter(
        language=language,
        subject=subject,
        greeting=greeting,
        lead=_(lead),
        details=(
            (_(messages.SERVICE), notice.service_name),
            (_(messages.DATE_AND_TIME), when(notice)),
            (_(messages.WHERE), where),
            (_(messages.BOOKING_CODE), notice.code),
        ),
        checklist_title=_(messages.WHAT_TO_BRING),
        checklist=notice.checklist if checklist is None else checklist,
        notes=tuple(_(note) for note in notes),
        links=tuple(Link(_(sentence), url) for sentence, url in links),
        closing=_(messages.KIND_REGARDS),
        signature=notice.office_name,
    )


def _message(letter: Letter, notice: BookingNotice, sms_template: str) -> Message:
    labelled = gettext(letter.language, messages.LABELLED)
    return Message(
        subject=letter.subject,
        text=as_text(letter, labelled),
        html=as_html(letter),
        sms=_sms(gettext(letter.language, sms_template), notice),
    )


def _sms(template: str, notice: BookingNotice) -> str:
    """``template`` filled in, at most SMS_MAX_CHARS long.

    Long office and service names give way first (shortened with "..."): the code, the time and the cancel link
    are what the citizen needs. Only a cancel link of hundreds of characters would make the last cut necessary.
    """
    values = {
        "code": notice.code,
        "service": notice.service_name,
        "when": when(notice),
        "office": notice.office_name,
        "link": notice.cancel_url,
    }
    text = template % values
    for name in ("office", "service"):
        excess = len(text) - SMS_MAX_CHARS
        if excess <= 0:
            break
        values[name] = _shorten(values[name], len(values[name]) - excess)
        text = template % values
    return _shorten(text, SMS_MAX_CHARS)


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    return text[: max(limit - len(_ELLIPSIS), 0)].rstrip() + _ELLIPSIS
