"""The kiosk's screens. Data comes down as constructor arguments and attributes; what the citizen does goes
up as messages that the app (`kiosk.app`) handles: the screens never talk to the server themselves."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from babel.dates import format_date
from textual.app import ComposeResult
from textual.containers import Center, Horizontal, Vertical, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Button, Input, Static

from client.models import Booking, IssuedTicket, Slot
from i18n import gettext, ngettext
from kiosk.offers import over_promise
from kiosk.office import OfficeView, ServiceInfo
from kiosk.offline import OfflineIssued, offline_kept
from kiosk.printing import PrinterStatus
from kiosk.qr import qr_text
from tui.bigtext import big
from tui.clock import local_clock
from tui.hours import hours_today_text
from tui.waits import WaitWords
from tui.waits import wait_text as _wait_text

LANGUAGE_NAMES = {"nl": "Nederlands", "fr": "Français", "en": "English"}
#: The citizen's language as a Babel locale, for the names of days and months.
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}


#: The kiosk's words for a wait: a sentence, the citizen reads it once.
KIOSK_WAITS = WaitWords(
    none=lambda language: gettext(language, "No wait"),
    minutes=lambda language, n: ngettext(language, "About %(n)d minute", "About %(n)d minutes", n) % {"n": n},
)


def wait_text(seconds: int, language: str) -> str:
    return _wait_text(seconds, language, KIOSK_WAITS)


def refusal_text(language: str, code: str, check_in_from: str | None, timezone: str) -> str:
    """What the citizen is told when the server refused their ticket or check-in (`code`, the server's)."""
    lang = language
    if code == "appointment_too_early" and check_in_from is not None:
        return gettext(lang, "You are early: you can check in from %(time)s.") % {
            "time": local_clock(check_in_from, timezone)
        }
    texts = {
        "appointment_not_found": gettext(lang, "We do not know this booking code. Check it, or ask at the desk."),
        "appointment_cancelled": gettext(lang, "This booking was cancelled. Book again, or take a walk-in ticket."),
        "appointment_already_checked_in": gettext(lang, "This booking is already checked in."),
        "service_unavailable": gettext(lang, "This service cannot be chosen right now. Please ask at the desk."),
        "appointment_too_late": gettext(lang, "The time of your appointment has passed."),
        "code_not_found": gettext(lang, "We do not know this code. Check it, or ask at the desk."),
        "ticket_not_waiting": gettext(
            lang, "This ticket can no longer check in: it was called, served or its time has passed. Ask at the desk."
        ),
        "ticket_changed": gettext(lang, "Sorry, that did not work. Please try again."),
    }
    return texts.get(code, gettext(lang, "Sorry, that did not work. Please ask at the desk."))


def day_and_time(moment: datetime, timezone: str, language: str, now: datetime) -> str:
    """When an appointment is, for the citizen: "Today 14:30", "Tomorrow 09:00", "Tuesday 3 March 10:15"."""
    zone = ZoneInfo(timezone)
    local, today = moment.astimezone(zone), now.astimezone(zone).date()
    clock = local.strftime("%H:%M")
    if local.date() == today:
        return gettext(language, "Today %(time)s") % {"time": clock}
    if local.date() == today + timedelta(days=1):
        return gettext(language, "Tomorrow %(time)s") % {"time": clock}
    day = format_date(local.date(), "EEEE d MMMM", locale=LOCALES.get(language, "en_GB"))
    return f"{day[:1].upper()}{day[1:]} {clock}"


def booking_refusal_text(language: str, code: str) -> str:
    """What the citizen is told when booking the appointment offered at the kiosk did not work."""
    lang = language
    texts = {
        "slot_full": gettext(lang, "That time was taken just now: choose another."),
        "slot_in_past": gettext(lang, "That time has passed: choose another."),
        "unreachable": gettext(
            lang, "The office's server did not answer: ask at the desk whether your appointment was booked."
        ),
        "forbidden": gettext(lang, "Appointments cannot be booked at this kiosk: take a ticket, or ask at the desk."),
    }
    return texts.get(
        code, gettext(lang, "Sorry, the appointment could not be booked. Take a ticket, or ask at the desk.")
    )


def walk_in_label(language: str, service_name: str) -> str:
    """The button offered after a booking whose time has passed."""
    return gettext(language, "Take a walk-in ticket for %(service)s") % {"service": service_name}


def offline_notice(language: str, can_issue: bool) -> str:
    """What the screens say while the server cannot be reached: tickets still given (from this kiosk's block
    of numbers), or not."""
    if can_issue:
        return gettext(language, "The kiosk is offline: you still get a ticket, and your place is kept.")
    return gettext(language, "The office's server cannot be reached. Please ask at the desk.")


def offline_refusal_text(language: str, reason: str) -> str:
    """Why no ticket was given offline: `used_up` (no number left in this kiosk's block) or `code` (a code
    only the server can check in)."""
    if reason == "code":
        return gettext(language, "This code cannot be checked in while the kiosk is offline. Please ask at the desk.")
    return gettext(
        language, "The kiosk is offline and has no numbers left: no ticket was given. Please ask at the desk."
    )


class LanguageChosen(Message):
    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language


class ServiceChosen(Message):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class AppointmentEntered(Message):
    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class WalkInWanted(Message):
    """The citizen told a long wait takes the ticket anyway (declining the appointment offered)."""

    def __init__(self, code: str) -> None:
        super().__init__()
        self.code = code


class SlotChosen(Message):
    """The citizen takes the appointment offered at this time instead of a ticket."""

    def __init__(self, service: str, slot: Slot) -> None:
        super().__init__()
        self.service = service
        self.slot = slot


class AppointmentWanted(Message):
    """The citizen pressed "I have an appointment"."""


class RatingWanted(Message):
    """The citizen pressed "Are you happy?" (offices that ask at the kiosk)."""


class StartOver(Message):
    """Back to the language choice (a touch on the ticket, a timeout, or "back")."""


class TimedReturnWanted(Message):
    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token


class RetryWanted(Message):
    """After "server unreachable": try the same request again (same Idempotency-Key)."""


class LanguageScreen(Screen[None]):
    def notice(self, text: str) -> None:
        """Why the kiosk cannot work (a refused token): the first screen says it."""
        for line in self.query("#notice").results(Static):
            line.update(text)

    def compose(self) -> ComposeResult:
        with Vertical(id="welcome"):
            yield Static("Welkom · Bienvenue · Welcome", id="title")
            with Horizontal(id="languages"):
                for code, name in LANGUAGE_NAMES.items():
                    yield Button(name, id=f"lang-{code}", classes="big")
            yield Static("", id="notice")
            yield Static("", id="offline")

    def offline(self, text: str) -> None:
        """The kiosk is offline (said in the three languages), or back online (empty)."""
        for line in self.query("#offline").results(Static):
            line.update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id and event.button.id.startswith("lang-"):
            self.post_message(LanguageChosen(event.button.id.removeprefix("lang-")))


class ServicesScreen(Screen[None]):
    """The services in the citizen's language with their waits, live; a service nobody serves now is greyed."""

    def __init__(
        self, language: str, office: OfficeView | None, online: bool, *, offline_issuing: bool = False
    ) -> None:
        super().__init__()
        self.language = language
        self.office = office
        self.online = online
        #: Offline, this kiosk still gives tickets from its blocks of numbers.
        self.offline_issuing = offline_issuing

    def compose(self) -> ComposeResult:
        lang = self.language
        yield Static("", id="office-name", markup=False)
        yield Static("", id="hours", markup=False)
        yield Static(gettext(lang, "Choose your service"), id="title")
        yield VerticalScroll(id="services")
        with Horizontal(id="actions"):
            yield Button(
                gettext(lang, "I have an appointment or a code"), id="appointment", classes="big", variant="primary"
            )
            yield Button(gettext(lang, "Are you happy?"), id="rate", classes="big")
            yield Button(gettext(lang, "Back"), id="back")
        yield Static("", id="notice")

    def on_mount(self) -> None:
        self.show(self.office, self.online)

    def show(self, office: OfficeView | None, online: bool, offline_issuing: bool | None = None) -> None:
        """Redraw with the office as it is now (called by the app on every update)."""
        self.office, self.online = office, online
        if offline_issuing is not None:
            self.offline_issuing = offline_issuing
        lang = self.language
        self.notice("" if online else offline_notice(lang, self.offline_issuing))
        self.set_class(not online, "offline")
        # The office as the server says it now: a name or hours changed by a manager show without a restart.
        self.query_one("#office-name", Static).update(office.name if office else "")
        hours = self.query_one("#hours", Static)
        hours.update(hours_today_text(office.hours_today if office else None, lang))
        hours.display = bool(office and office.hours_today is not None)
        self.query_one("#rate", Button).display = bool(office and office.happiness_at_kiosk)
        box = self.query_one("#services", VerticalScroll)
        buttons = {b.id: b for b in box.query(Button)}
        wanted = [f"service-{s.code}" for s in office.services] if office else []
        if office is None or list(buttons) != wanted:
            self.run_worker(self._rebuild(office), exclusive=True, group="rebuild")
            return
        for service in office.services:
            button = buttons[f"service-{service.code}"]
            button.label = self._label(service)
            button.disabled = not service.served and online

    async def _rebuild(self, office: OfficeView | None) -> None:
        box = self.query_one("#services", VerticalScroll)
        await box.remove_children()
        if office is None:
            await box.mount(Static(gettext(self.language, "Connecting to the office…")))
            return
        await box.mount_all(
            Button(self._label(s), id=f"service-{s.code}", classes="service", disabled=not s.served and self.online)
            for s in office.services
        )

    def _label(self, service: ServiceInfo) -> str:
        lang = self.language
        if not self.online:
            # Offline nobody knows the waits: the name alone.
            return service.name(lang)
        state = wait_text(service.estimated_wait_s, lang) if service.served else gettext(lang, "Not served right now")
        return f"{service.name(lang)}\n{state}"

    def notice(self, text: str) -> None:
        self.query_one("#notice", Static).update(text)

    def busy(self, busy: bool) -> None:
        for button in self.query(Button):
            if busy:
                button.disabled = True
        if not busy:
            self.show(self.office, self.online)

    #: What each of the fixed buttons asks for.
    PRESSED: ClassVar[dict[str, Callable[[], Message]]] = {
        "appointment": AppointmentWanted,
        "rate": RatingWanted,
        "back": StartOver,
    }

    def on_button_pressed(self, event: Button.Pressed) -> None:
        ident = event.button.id or ""
        if ident.startswith("service-"):
            self.post_message(ServiceChosen(ident.removeprefix("service-")))
        elif ident in self.PRESSED:
            self.post_message(self.PRESSED[ident]())


class AppointmentScreen(Screen[None]):
    """Type the code, or scan it: a barcode scanner types the code and Enter. A booking's code (8 characters)
    checks in the appointment; a remote ticket's (6, joined from elsewhere) says its holder is here."""

    def __init__(self, language: str) -> None:
        super().__init__()
        self.language = language
        self.walk_in: str | None = None

    def compose(self) -> ComposeResult:
        lang = self.language
        yield Static(gettext(lang, "Type or scan your booking code or your ticket's code"), id="title")
        with Center():
            yield Input(placeholder="K7QX-M4TP · K7QXM4", id="code", max_length=64)
        yield Static("", id="notice")
        with Horizontal(id="actions"):
            yield Button(gettext(lang, "Check in"), id="check-in", classes="big")
            yield Button("", id="walk-in", classes="big hidden")
            yield Button(gettext(lang, "Back"), id="back")

    def on_mount(self) -> None:
        self.query_one("#code", Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self._submit()

    def _submit(self) -> None:
        code = self.query_one("#code", Input).value.strip()
        if not code:
            self.notice(gettext(self.language, "Type your code first."))
            return
        self.post_message(AppointmentEntered(code))

    def notice(self, text: str, *, walk_in: str | None = None, walk_in_label: str = "") -> None:
        """Say what went wrong; with `walk_in`, offer a walk-in ticket for that service instead."""
        self.query_one("#notice", Static).update(text)
        self.walk_in = walk_in
        button = self.query_one("#walk-in", Button)
        button.label = walk_in_label
        button.set_class(walk_in is None, "hidden")

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "check-in":
            self._submit()
        elif event.button.id == "walk-in" and self.walk_in:
            self.post_message(ServiceChosen(self.walk_in))
        elif event.button.id == "back":
            self.post_message(StartOver())


def ticket_paper_words(lang: str) -> tuple[str, str, str]:
    """Where a ticket's paper is (online or offline): printed, no printer here, a printer fault."""
    return (
        gettext(lang, "Take your ticket below."),
        gettext(lang, "Scan the code or note your number."),
        gettext(lang, "The printer is not working: scan the code or note your number. The staff has been told."),
    )


def follow_qr(lang: str, status_url: str) -> ComposeResult:
    """A ticket's QR code to its status page, and what to do with it."""
    with Vertical(id="ticket-qr"):
        yield Static(qr_text(status_url), id="qr")
        yield Static(gettext(lang, "Scan to follow your turn on your phone"), classes="label")


class PrintingScreen(Screen[None]):
    """A screen that says where its paper is once the printer answered: printed, no printer here, or a fault.
    Printing runs in a worker: the citizen may have touched the screen away meanwhile, and a screen that is
    gone simply has nothing to update (query, not query_one, which would crash the kiosk)."""

    language: str

    def paper_words(self, lang: str) -> tuple[str, str, str]:
        """What to say when the paper came out, when there is no printer here, and on a printer fault."""
        raise NotImplementedError

    def printed(self, text: str) -> None:
        for line in self.query("#printer").results(Static):
            line.update(text)

    def print_ended(self, status: PrinterStatus) -> None:
        done, no_printer, fault = self.paper_words(self.language)
        said = {PrinterStatus.OK: done, PrinterStatus.NO_PRINTER: no_printer}
        self.printed(said.get(status, fault))


class TicketScreen(PrintingScreen):
    """The number very large, the service, people ahead, the wait, the QR code; back to the start on a touch."""

    def __init__(self, language: str, ticket: IssuedTicket, service_name: str, timezone: str) -> None:
        super().__init__()
        self.language = language
        self.ticket = ticket
        self.service_name = service_name
        self.timezone = timezone

    def compose(self) -> ComposeResult:
        lang = self.language
        ticket = self.ticket
        ahead = ticket.people_ahead
        with Horizontal(id="ticket"):
            with Vertical(id="ticket-text"):
                yield Static(gettext(lang, "Your number"), classes="label")
                yield Static(big(ticket.number), id="number")
                yield Static(self.service_name, id="service")
                people = ngettext(lang, "%(n)d person ahead of you", "%(n)d people ahead of you", ahead)
                yield Static(people % {"n": ahead})
                yield Static(wait_text(ticket.estimated_wait_s, lang), id="wait")
                if over_promise(ticket.estimated_wait_s):
                    elsewhere = gettext(
                        lang, "Wait elsewhere: scan to follow on your phone, we'll tell you when to come back."
                    )
                    yield Static(elsewhere, id="elsewhere")
                yield Static(gettext(lang, "Printing your ticket…"), id="printer")
                offer = ticket.timed_return_offer
                if offer is not None:
                    label = gettext(lang, "Come back at %(time)s instead of waiting") % {
                        "time": local_clock(offer, self.timezone)
                    }
                    yield Button(label, id="timed-return", classes="big")
                yield Static("", id="notice")
            yield from follow_qr(lang, ticket.status_url)

    def paper_words(self, lang: str) -> tuple[str, str, str]:
        return ticket_paper_words(lang)

    def return_refused(self) -> None:
        self.notice(gettext(self.language, "That did not work: please wait in the room."))

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):
            line.update(text)

    def returning(self, when: datetime) -> None:
        """The citizen accepted to come back later: say until when, and drop the offer."""
        for button in self.query("#timed-return"):
            button.remove()
        self.notice(
            gettext(self.language, "Come back at %(time)s: your ticket keeps its place.")
            % {"time": local_clock(when, self.timezone)}
        )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id == "timed-return":
            self.post_message(TimedReturnWanted(self.ticket.status_token))

    def on_click(self) -> None:
        self.post_message(StartOver())


class OfflineTicketScreen(PrintingScreen):
    """A ticket given while the server could not be reached: its number from this kiosk's block, the service, the
    time, "offline — your place is kept", and the QR code of its status page (which works once the kiosk has
    synced it). No people ahead, no wait: nobody knows them offline."""

    def __init__(self, language: str, issued: OfflineIssued) -> None:
        super().__init__()
        self.language = language
        self.issued = issued

    def compose(self) -> ComposeResult:
        lang = self.language
        issued = self.issued
        with Horizontal(id="ticket"):
            with Vertical(id="ticket-text"):
                yield Static(gettext(lang, "Your number"), classes="label")
                yield Static(big(issued.number), id="number")
                yield Static(issued.service_name, id="service")
                yield Static(local_clock(issued.record.checked_in_at, issued.timezone), id="time")
                yield Static(offline_kept(lang), id="offline")
                yield Static(gettext(lang, "Printing your ticket…"), id="printer")
                yield Static("", id="notice")
            yield from follow_qr(lang, issued.status_url)

    def paper_words(self, lang: str) -> tuple[str, str, str]:
        return ticket_paper_words(lang)

    def on_click(self) -> None:
        self.post_message(StartOver())


class OfferScreen(Screen[None]):
    """A wait over the promise for a bookable service: take the ticket anyway (and wait elsewhere if one
    likes), or one of the next free slots, booked on the spot. Nothing is issued before the citizen chooses."""

    def __init__(
        self,
        language: str,
        service: str,
        service_name: str,
        wait_s: int,
        slots: Sequence[Slot],
        timezone: str,
        now: datetime,
    ) -> None:
        super().__init__()
        self.language = language
        self.service = service
        self.service_name = service_name
        self.wait_s = wait_s
        self.slots = list(slots)
        self.timezone = timezone
        self.now = now

    def compose(self) -> ComposeResult:
        lang = self.language
        yield Static(self.service_name, id="service")
        minutes = max(1, round(self.wait_s / 60))
        wait = ngettext(lang, "The wait is about %(n)d minute.", "The wait is about %(n)d minutes.", minutes)
        yield Static(wait % {"n": minutes}, id="title")
        with Horizontal(id="actions"):
            yield Button(gettext(lang, "Take a ticket and wait"), id="take-ticket", classes="big", variant="primary")
        yield Static(gettext(lang, "Or take an appointment instead:"), classes="label")
        with VerticalScroll(id="slots"):
            for n, slot in enumerate(self.slots):
                label = day_and_time(slot.at, self.timezone, lang, self.now)
                yield Button(label, id=f"slot-{n}", classes="service")
        yield Static("", id="notice")
        with Horizontal(id="back-row"):
            yield Button(gettext(lang, "Back"), id="back")

    def notice(self, text: str) -> None:
        for line in self.query("#notice").results(Static):
            line.update(text)

    def busy(self, busy: bool) -> None:
        for button in self.query(Button):
            button.disabled = busy

    def taken(self, slot: Slot) -> None:
        """That slot is gone (booked by someone else meanwhile): its button no longer offers it."""
        for n, offered in enumerate(self.slots):
            if offered == slot:
                for button in self.query(f"#slot-{n}").results(Button):
                    button.remove()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        ident = event.button.id or ""
        if ident == "take-ticket":
            self.post_message(WalkInWanted(self.service))
        elif ident.startswith("slot-"):
            self.post_message(SlotChosen(self.service, self.slots[int(ident.removeprefix("slot-"))]))
        elif ident == "back":
            self.post_message(StartOver())


class CheckedInScreen(Screen[None]):
    """A remote joiner checked in by their code: their ticket keeps its place, nothing new is printed (they
    follow it on their phone already, and the number is on this screen)."""

    def __init__(self, language: str, ticket: IssuedTicket, service_name: str) -> None:
        super().__init__()
        self.language = language
        self.ticket = ticket
        self.service_name = service_name

    def compose(self) -> ComposeResult:
        lang = self.language
        ticket = self.ticket
        with Vertical(id="ticket-text"):
            welcome = gettext(lang, "Welcome, you are checked in: ticket %(number)s, keep your place.")
            yield Static(welcome % {"number": ticket.number}, id="title")
            yield Static(big(ticket.number), id="number")
            yield Static(self.service_name, id="service")
            ahead = ticket.people_ahead
            people = ngettext(lang, "%(n)d person ahead of you", "%(n)d people ahead of you", ahead)
            yield Static(people % {"n": ahead})
            yield Static(wait_text(ticket.estimated_wait_s, lang), id="wait")
            yield Static(gettext(lang, "Follow your turn on your phone, as before."), id="printer")

    def on_click(self) -> None:
        self.post_message(StartOver())


class BookedScreen(PrintingScreen):
    """The appointment booked on the spot: when, the code to check in with (and its QR), printed on paper."""

    def __init__(self, language: str, booking: Booking, service_name: str, timezone: str, now: datetime) -> None:
        super().__init__()
        self.language = language
        self.booking = booking
        self.service_name = service_name
        self.timezone = timezone
        self.now = now

    def compose(self) -> ComposeResult:
        lang = self.language
        booking = self.booking
        with Horizontal(id="ticket"):
            with Vertical(id="ticket-text"):
                yield Static(gettext(lang, "Your appointment"), classes="label")
                yield Static(day_and_time(booking.slot_at, self.timezone, lang, self.now), id="when")
                yield Static(self.service_name, id="service")
                yield Static(gettext(lang, "Your code: %(code)s") % {"code": booking.code}, id="booking-code")
                yield Static(
                    gettext(lang, "Scan or type this code at the kiosk when you come back, shortly before your time."),
                    id="check-in",
                )
                yield Static(gettext(lang, "Printing your appointment…"), id="printer")
            with Vertical(id="ticket-qr"):
                yield Static(qr_text(booking.code), id="qr")

    def paper_words(self, lang: str) -> tuple[str, str, str]:
        return (
            gettext(lang, "Take your appointment slip below."),
            gettext(lang, "Note your code, or take a picture of this screen."),
            gettext(lang, "The printer is not working: note your code. The staff has been told."),
        )

    def on_click(self) -> None:
        self.post_message(StartOver())


class UnreachableScreen(Screen[None]):
    """The server did not answer: said plainly, no number shown, and "try again" repeats the same request."""

    def __init__(self, language: str, offline: str = "") -> None:
        super().__init__()
        self.language = language
        #: Why nothing was given offline either (`offline_refusal_text`'s reasons); empty: not tried offline.
        self.offline = offline

    def compose(self) -> ComposeResult:
        lang = self.language
        yield Static(gettext(lang, "We cannot reach the office's server right now."), id="title")
        if self.offline:
            yield Static(offline_refusal_text(lang, self.offline), id="notice")
        else:
            yield Static(gettext(lang, "No ticket was given. Try again, or ask at the desk."), id="notice")
        with Horizontal(id="actions"):
            yield Button(gettext(lang, "Try again"), id="retry", classes="big")
            yield Button(gettext(lang, "Back"), id="back")

    def notice(self, text: str) -> None:
        """What the server said when it answered the retry with a refusal."""
        self.query_one("#notice", Static).update(text)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.post_message(RetryWanted() if event.button.id == "retry" else StartOver())
