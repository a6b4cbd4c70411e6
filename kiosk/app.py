"""The kiosk: language, then a service (or "I have an appointment"), then the ticket on screen and on paper.

The app owns the network: a worker follows the office's websocket and keeps the services and their waits
current; another issues tickets (with one Idempotency-Key per request, reused by every retry, so a lost
answer never makes a second ticket); printing runs in a thread, and a printer fault never loses the ticket:
it stays on the screen with its QR code, the citizen is told, and the staff hear of it (`printer.status`).
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from textual import work
from textual.app import App
from textual.events import Click, Key
from textual.timer import Timer
from textual.worker import Worker, WorkerCancelled, WorkerFailed

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.live import OfficeFeed
from client.models import IssuedTicket, Snapshot
from i18n import gettext
from kiosk import rating, screens
from kiosk.issuing import Request, issue
from kiosk.office import OfficeView, office_view
from kiosk.printing import PrinterState, PrinterStatus, TicketPrint, print_ticket

#: How often the waits are refreshed even when nothing happens (they change with time alone).
REFRESH_S = 30.0
#: After "thank you", back to the start.
THANKS_S = 5.0


@dataclass(frozen=True)
class KioskConfig:
    server: str
    token: str
    office: str
    printer: str = "none"
    paper: int = 80
    #: This kiosk's name in `printer.status` events.
    name: str = "kiosk"
    #: Seconds the ticket stays on screen; other screens go back to the start after `idle_s` × 3.
    idle_s: float = 20.0
    attempts: int = 3
    retry_delay_s: float = 1.0


def printer_report(state: PrinterState) -> str | None:
    """The state to report to the office (`scheduler.devices.PrinterState` values); None: no printer here."""
    if state.status is PrinterStatus.NO_PRINTER:
        return None
    if state.status is PrinterStatus.OK:
        return "paper_low" if state.paper_low else "ok"
    return str(state.status.value)


class KioskApp(App[None]):
    CSS_PATH = "kiosk.tcss"
    TITLE = "Loket"

    def __init__(self, config: KioskConfig) -> None:
        super().__init__()
        self.config = config
        self.client = LoketClient(config.server, config.token, timeout=5.0)
        self.office: OfficeView | None = None
        self.online = True
        self.language = "nl"
        self.pending: Request | None = None
        self.reported: str | None = None
        self._idle: Timer | None = None
        self._refresh_wanted = asyncio.Event()
        self._background: list[Worker[None]] = []

    # -- life cycle ---------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(screens.LanguageScreen())
        self._background = [self.follow_office(), self.refresh_office()]

    async def on_unmount(self) -> None:
        # Let the network workers finish their cancellation (closing their sockets) before the client goes.
        for worker in self._background:
            worker.cancel()
        for worker in self._background:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()
        await self.client.aclose()

    def start_over(self) -> None:
        self.pending = None
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self._arm_idle(None)

    def _show_screen(self, screen: Any, *, idle_s: float | None = None) -> None:
        while len(self.screen_stack) > 2:
            self.pop_screen()
        self.push_screen(screen)
        self._arm_idle(idle_s if idle_s is not None else self.config.idle_s * 3)

    def _arm_idle(self, seconds: float | None) -> None:
        if self._idle is not None:
            self._idle.stop()
        self._idle = self.set_timer(seconds, self.start_over) if seconds else None

    def on_key(self, event: Key) -> None:
        self._touched()

    def on_click(self, event: Click) -> None:
        self._touched()

    def _touched(self) -> None:
        if self._idle is not None and not isinstance(self.screen, screens.TicketScreen):
            self._idle.reset()

    # -- the office, live -----------------------------------------------------------------------------------

    @work(exclusive=True, group="feed")
    async def follow_office(self) -> None:
        """Every event may change the waits: ask for a fresh snapshot (at most a few times a second)."""
        feed = OfficeFeed(self.config.server, self.config.office, self.config.token)
        try:
            async for message in feed.messages():
                if isinstance(message, Snapshot):
                    self._apply_office(office_view(message), online=True)
                else:
                    self._refresh_wanted.set()
        except LoketError as refusal:
            self._apply_office(self.office, online=False, why=refusal.detail)
        finally:
            await feed.aclose()

    @work(exclusive=True, group="refresh")
    async def refresh_office(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._refresh_wanted.wait(), REFRESH_S)
            self._refresh_wanted.clear()
            try:
                self._apply_office(office_view(await self.client.queue(self.config.office)), online=True)
            except Unreachable:
                self._apply_office(self.office, online=False)
            except LoketError as refusal:
                self._apply_office(self.office, online=False, why=refusal.detail)
            await asyncio.sleep(0.3)

    def _apply_office(self, office: OfficeView | None, *, online: bool, why: str = "") -> None:
        self.office, self.online = office, online
        for screen in self.screen_stack:
            if isinstance(screen, screens.ServicesScreen):
                screen.show(office, online)
            if isinstance(screen, screens.LanguageScreen) and why:
                screen.query_one("#notice").update(why)  # type: ignore[attr-defined]

    # -- what the citizen does ------------------------------------------------------------------------------

    def on_language_chosen(self, message: screens.LanguageChosen) -> None:
        self.language = message.language
        self._show_screen(screens.ServicesScreen(self.language, self.office, self.online))

    def on_rating_wanted(self, message: screens.RatingWanted) -> None:
        if self.office is not None:
            self._show_screen(rating.RatingScreen(self.language, self.office))

    def on_happiness_given(self, message: rating.HappinessGiven) -> None:
        self._send_happiness(message)

    def on_appointment_wanted(self, message: screens.AppointmentWanted) -> None:
        self._show_screen(screens.AppointmentScreen(self.language))

    def on_start_over(self, message: screens.StartOver) -> None:
        self.start_over()

    def on_service_chosen(self, message: screens.ServiceChosen) -> None:
        self._issue_request(Request(self.config.office, self.language, service=message.code))

    def on_appointment_entered(self, message: screens.AppointmentEntered) -> None:
        self._issue_request(Request(self.config.office, self.language, appointment=message.code))

    def on_retry_wanted(self, message: screens.RetryWanted) -> None:
        if self.pending is not None:
            self._issue_request(self.pending)

    def on_timed_return_wanted(self, message: screens.TimedReturnWanted) -> None:
        self._accept_return(message.token)

    # -- network --------------------------------------------------------------------------------------------

    @work(exclusive=True, group="issue")
    async def _issue_request(self, request: Request) -> None:
        self.pending = request
        asking = self.screen
        if isinstance(asking, screens.ServicesScreen):
            asking.busy(True)
        try:
            ticket = await issue(self.client, request, attempts=self.config.attempts, delay_s=self.config.retry_delay_s)
        except Unreachable:
            self.online = False
            self._show_screen(screens.UnreachableScreen(self.language))
            return
        except LoketError as refusal:
            self._refused(asking, refusal)
            return
        self.pending = None
        self._refresh_wanted.set()
        service = self.office.service(ticket.service) if self.office else None
        timezone = self.office.timezone if self.office else "Europe/Brussels"
        service_name = service.name(self.language) if service else ticket.service
        shown = screens.TicketScreen(self.language, ticket, service_name, timezone)
        self._show_screen(shown, idle_s=self.config.idle_s)
        self._print_ticket(shown, ticket, service_name, timezone)

    def _refused(self, asking: Any, refusal: LoketError) -> None:
        lang = self.language
        body = refusal.body
        if isinstance(asking, screens.ServicesScreen):
            asking.busy(False)
        texts = {
            "appointment_not_found": gettext(lang, "We do not know this booking code. Check it, or ask at the desk."),
            "appointment_cancelled": gettext(lang, "This booking was cancelled. Book again, or take a walk-in ticket."),
            "appointment_already_checked_in": gettext(lang, "This booking is already checked in."),
            "service_unavailable": gettext(lang, "This service cannot be chosen right now. Please ask at the desk."),
        }
        text = texts.get(refusal.code, gettext(lang, "Sorry, that did not work. Please ask at the desk."))
        walk_in = None
        if refusal.code == "appointment_too_early" and isinstance(body.get("check_in_from"), str):
            timezone = self.office.timezone if self.office else "Europe/Brussels"
            text = gettext(lang, "You are early: you can check in from %(time)s.") % {
                "time": screens.local_clock(body["check_in_from"], timezone)
            }
        elif refusal.code == "appointment_too_late":
            text = gettext(lang, "The time of your appointment has passed.")
            walk_in = body.get("service") if isinstance(body.get("service"), str) else None
        if isinstance(asking, screens.AppointmentScreen):
            label = ""
            if walk_in:
                info = self.office.service(walk_in) if self.office else None
                label = gettext(lang, "Take a walk-in ticket for %(service)s") % {
                    "service": info.name(lang) if info else walk_in
                }
            asking.notice(text, walk_in=walk_in, walk_in_label=label)
        elif hasattr(asking, "notice"):
            asking.notice(text)

    @work(group="print")
    async def _print_ticket(
        self, shown: screens.TicketScreen, ticket: IssuedTicket, service_name: str, tz: str
    ) -> None:
        lang = self.language
        office_name = self.office.name if self.office else self.config.office
        layout = TicketPrint(
            office_name=office_name,
            number=ticket.number,
            service_name=service_name,
            issued_at=datetime.now(UTC),
            timezone=tz,
            people_ahead=ticket.people_ahead,
            estimated_wait_s=ticket.estimated_wait_s,
            status_url=ticket.status_url,
            language=self.language,  # type: ignore[arg-type]
            paper_width=self.config.paper,  # type: ignore[arg-type]
        )
        state = await asyncio.to_thread(print_ticket, self.config.printer, layout)
        if state.status is PrinterStatus.OK:
            shown.printed(gettext(lang, "Take your ticket below."))
        elif state.status is PrinterStatus.NO_PRINTER:
            shown.printed(gettext(lang, "Scan the code or note your number."))
        else:
            shown.printed(
                gettext(lang, "The printer is not working: scan the code or note your number. The staff has been told.")
            )
        report = printer_report(state)
        if report is not None and (report != "ok" or self.reported != "ok"):
            with contextlib.suppress(Unreachable, LoketError):
                await self.client.printer_status(self.config.office, self.config.name, report, state.detail)
                self.reported = report

    @work(exclusive=True, group="rating")
    async def _send_happiness(self, answer: rating.HappinessGiven) -> None:
        shown = self.screen
        try:
            await self.client.answer_happiness(self.config.office, answer.service, answer.score, answer.improvements)
        except Unreachable:
            if isinstance(shown, rating.RatingScreen):
                shown.notice(gettext(self.language, "We cannot reach the office's server right now."))
            return
        except LoketError as refusal:
            if isinstance(shown, rating.RatingScreen):
                shown.notice(refusal.detail)
            return
        if isinstance(shown, rating.RatingScreen):
            shown.thanked()
        self._arm_idle(THANKS_S)

    @work(exclusive=True, group="return")
    async def _accept_return(self, token: str) -> None:
        shown = self.screen
        try:
            status = await self.client.accept_timed_return(token)
        except (Unreachable, LoketError):
            if isinstance(shown, screens.TicketScreen):
                shown.notice(gettext(self.language, "That did not work: please wait in the room."))
            return
        if isinstance(shown, screens.TicketScreen) and isinstance(status.get("return_at"), str):
            shown.returning(status["return_at"])
