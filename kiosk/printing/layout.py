"""The ticket as a list of print blocks: pure, standard library only, no printer involved.

Two kinds of paper: a walk-in (or checked-in appointment) ticket, :class:`TicketPrint`, and an appointment
booked on the spot at the kiosk, :class:`AppointmentPrint` (its date, time and code, and the code as a QR for
the kiosk's scanner when the citizen comes back).

The blocks are deliberately close to what an ESC/POS printer can do (text with a size multiplier, a
native QR code, line feeds, a cut), so that the adapter in :mod:`kiosk.printing.printer` only
translates them, and the layout can be tested without any printer library.
"""

from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, get_args
from zoneinfo import ZoneInfo

Language = Literal["nl", "fr", "en"]
PaperWidth = Literal[80, 58]
Align = Literal["left", "center", "right"]

LANGUAGES: tuple[str, ...] = get_args(Language)
PAPER_WIDTHS: tuple[int, ...] = get_args(PaperWidth)

#: Characters per line in Font A at size 1x1 (Epson-style 80 mm: 576 dots; 58 mm: 384 dots).
COLUMNS: dict[int, int] = {80: 48, 58: 32}
#: Size multiplier (width = height) of the ticket number.
NUMBER_SIZE: dict[int, int] = {80: 4, 58: 3}
#: QR module size in dots: 8 dots at 203 dpi is 1 mm per module, scannable at arm's length.
QR_MODULE_SIZE: dict[int, int] = {80: 8, 58: 6}

_TEXTS: dict[str, dict[str, str]] = {
    "nl": {
        "ahead": "Wachtenden voor u: {n}",
        "wait": "Geschatte wachttijd: {wait}",
        "scan": "Scan de code om uw beurt te volgen.",
        "keep": "Bewaar dit ticket.",
        "elsewhere": "Liever elders wachten? Volg uw beurt op uw gsm met de code: wij zeggen u wanneer u "
        "terug moet komen.",
        "appointment": "Uw afspraak",
        "your_code": "Uw code",
        "check_in": "Scan of typ deze code aan de kiosk als u terugkomt, kort voor uw uur.",
    },
    "fr": {
        "ahead": "Personnes avant vous : {n}",
        "wait": "Attente estimée : {wait}",
        "scan": "Scannez le code pour suivre votre tour.",
        "keep": "Gardez ce ticket.",
        "elsewhere": "Attendre ailleurs ? Suivez votre tour sur votre téléphone avec le code : nous vous dirons "
        "quand revenir.",
        "appointment": "Votre rendez-vous",
        "your_code": "Votre code",
        "check_in": "Scannez ou tapez ce code à la borne en revenant, peu avant votre heure.",
    },
    "en": {
        "ahead": "People ahead of you: {n}",
        "wait": "Estimated wait: {wait}",
        "scan": "Scan the code to follow your turn.",
        "keep": "Keep this ticket.",
        "elsewhere": "Wait elsewhere: follow your turn on your phone with the code; we will tell you when to "
        "come back.",
        "appointment": "Your appointment",
        "your_code": "Your code",
        "check_in": "Scan or type this code at the kiosk when you come back, shortly before your time.",
    },
}


@dataclass(frozen=True)
class Text:
    """One paragraph of text; ``size`` is the (width, height) multiplier, 1 to 8 each."""

    text: str
    align: Align = "left"
    size: tuple[int, int] = (1, 1)
    bold: bool = False


@dataclass(frozen=True)
class Qr:
    """A QR code of ``payload``; ``size`` is the module size in printer dots (1 to 16)."""

    payload: str
    size: int


@dataclass(frozen=True)
class Feed:
    lines: int = 1


@dataclass(frozen=True)
class Cut:
    pass


Block = Text | Qr | Feed | Cut


@dataclass(frozen=True)
class AppointmentPrint:
    """Everything printed for an appointment booked at the kiosk: no number yet (the citizen checks in with
    the code when they come back, and gets their ticket then)."""

    office_name: str
    service_name: str
    slot_at: datetime
    timezone: str
    code: str
    language: Language = "nl"
    paper_width: PaperWidth = 80

    def __post_init__(self) -> None:
        if self.slot_at.tzinfo is None or self.slot_at.utcoffset() is None:
            raise ValueError("slot_at must be an aware datetime")
        ZoneInfo(self.timezone)
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.paper_width not in PAPER_WIDTHS:
            raise ValueError(f"paper_width must be one of {PAPER_WIDTHS} (mm), not {self.paper_width!r}")
        if not self.code:
            raise ValueError("code must not be empty")


@dataclass(frozen=True)
class TicketPrint:
    """Everything printed on a walk-in ticket."""

    office_name: str
    number: str
    service_name: str
    issued_at: datetime
    timezone: str
    people_ahead: int
    estimated_wait_s: int
    status_url: str
    language: Language = "nl"
    paper_width: PaperWidth = 80
    #: The wait is over the promise: the ticket offers to wait elsewhere, following the turn by the QR code.
    wait_elsewhere: bool = False
    #: Issued while the server could not be reached: this line (in the citizen's language, from the gettext
    #: catalogs: "offline — your place is kept") stands where the people ahead and the wait would be.
    offline_line: str = ""

    def __post_init__(self) -> None:
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be an aware datetime")
        ZoneInfo(self.timezone)  # raises ZoneInfoNotFoundError (a KeyError) for an unknown zone
        if self.language not in LANGUAGES:
            raise ValueError(f"language must be one of {LANGUAGES}, not {self.language!r}")
        if self.paper_width not in PAPER_WIDTHS:
            raise ValueError(f"paper_width must be one of {PAPER_WIDTHS} (mm), not {self.paper_width!r}")
        if not self.number:
            raise ValueError("number must not be empty")
        if self.people_ahead < 0 or self.estimated_wait_s < 0:
            raise ValueError("people_ahead and estimated_wait_s must not be negative")
        if not self.status_url:
            raise ValueError("status_url must not be empty")


def format_wait(seconds: int) -> str:
    """The estimated wait in whole minutes, rounded up ("< 1 min" under a minute)."""
    if seconds < 60:
        return "< 1 min"
    return f"± {math.ceil(seconds / 60)} min"


def local_time(ticket: TicketPrint) -> datetime:
    return ticket.issued_at.astimezone(ZoneInfo(ticket.timezone))


def _wrapped(text: str, columns: int, *, align: Align, size: tuple[int, int], bold: bool) -> list[Text]:
    width = max(1, columns // size[0])
    lines = textwrap.wrap(text, width=width, break_long_words=True, break_on_hyphens=True) or [""]
    return [Text(line, align=align, size=size, bold=bold) for line in lines]


def ticket_blocks(ticket: TicketPrint) -> list[Block]:
    """The blocks of one ticket, top to bottom, ending with a cut."""
    columns = COLUMNS[ticket.paper_width]
    texts = _TEXTS[ticket.language]
    number_size = NUMBER_SIZE[ticket.paper_width]
    # A number too long for the biggest size (not expected: numbers are like "A012") gets smaller, never wrapped.
    while number_size > 1 and len(ticket.number) * number_size > columns:
        number_size -= 1

    blocks: list[Block] = []
    blocks += _wrapped(ticket.office_name, columns, align="center", size=(1, 1), bold=True)
    blocks.append(Feed(1))
    blocks.append(Text(ticket.number, align="center", size=(number_size, number_size), bold=True))
    blocks.append(Feed(1))
    blocks += _wrapped(ticket.service_name, columns, align="center", size=(1, 2), bold=True)
    blocks.append(Text(f"{local_time(ticket):%d/%m/%Y %H:%M}", align="center"))
    blocks.append(Feed(1))
    if ticket.offline_line:
        blocks += _wrapped(ticket.offline_line, columns, align="center", size=(1, 1), bold=True)
    else:
        ahead = texts["ahead"].format(n=ticket.people_ahead)
        blocks += _wrapped(ahead, columns, align="left", size=(1, 1), bold=False)
        wait = texts["wait"].format(wait=format_wait(ticket.estimated_wait_s))
        blocks += _wrapped(wait, columns, align="left", size=(1, 1), bold=False)
    blocks.append(Feed(1))
    blocks.append(Qr(ticket.status_url, size=QR_MODULE_SIZE[ticket.paper_width]))
    blocks += _wrapped(texts["scan"], columns, align="center", size=(1, 1), bold=False)
    if ticket.wait_elsewhere:
        blocks += _wrapped(texts["elsewhere"], columns, align="center", size=(1, 1), bold=False)
    blocks += _wrapped(texts["keep"], columns, align="center", size=(1, 1), bold=True)
    blocks.append(Cut())
    return blocks


def appointment_blocks(appointment: AppointmentPrint) -> list[Block]:
    """The blocks of an appointment slip: office, service, the day and time large, the code and its QR."""
    columns = COLUMNS[appointment.paper_width]
    texts = _TEXTS[appointment.language]
    local = appointment.slot_at.astimezone(ZoneInfo(appointment.timezone))
    size = 2 if len(appointment.code) * 2 <= columns else 1
    blocks: list[Block] = []
    blocks += _wrapped(appointment.office_name, columns, align="center", size=(1, 1), bold=True)
    blocks.append(Feed(1))
    blocks += _wrapped(texts["appointment"], columns, align="center", size=(1, 1), bold=False)
    blocks.append(Text(f"{local:%d/%m/%Y}", align="center", size=(2, 2), bold=True))
    blocks.append(Text(f"{local:%H:%M}", align="center", size=(2, 2), bold=True))
    blocks.append(Feed(1))
    blocks += _wrapped(appointment.service_name, columns, align="center", size=(1, 2), bold=True)
    blocks.append(Feed(1))
    blocks += _wrapped(texts["your_code"], columns, align="center", size=(1, 1), bold=False)
    blocks.append(Text(appointment.code, align="center", size=(size, size), bold=True))
    blocks.append(Qr(appointment.code, size=QR_MODULE_SIZE[appointment.paper_width]))
    blocks += _wrapped(texts["check_in"], columns, align="center", size=(1, 1), bold=False)
    blocks += _wrapped(texts["keep"], columns, align="center", size=(1, 1), bold=True)
    blocks.append(Cut())
    return blocks


def blocks_of(paper: TicketPrint | AppointmentPrint) -> list[Block]:
    """The blocks of either kind of paper."""
    return appointment_blocks(paper) if isinstance(paper, AppointmentPrint) else ticket_blocks(paper)
