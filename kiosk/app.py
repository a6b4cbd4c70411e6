"""The kiosk: language, then a service (or "I have an appointment or a code"), then the ticket on screen and on
paper.

A service whose wait is over the promise (five minutes) offers, for a bookable service, the next free slots
instead: the citizen takes one (booked on the spot, an appointment slip printed, no ticket) or takes the ticket,
which then offers to wait elsewhere (its QR code follows the turn on a phone). A code typed or scanned checks
in a booking (its appointment ticket is printed) or a remote ticket joined from elsewhere (it keeps its place:
welcomed on screen, nothing printed).

The app owns the network: a worker follows the office's websocket and keeps the services and their waits
current; another issues tickets (with one Idempotency-Key per request, reused by every retry, so a lost
answer never makes a second ticket); printing runs in a thread, and a printer fault never loses the ticket:
it stays on the screen with its QR code, the citizen is told, and the staff hear of it (`printer.status`).

With a journal (`KioskConfig.journal`), the kiosk keeps working when the server does not answer: online it
keeps a block of numbers per service (`kiosk.offline`), offline it gives the next number of its block,
journalled before it is printed ("offline — your place is kept"), and a worker uploads the journal as soon as
the server answers again (`kiosk.sync`), every ticket keeping its number and its check-in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from textual import work
from textual.events import Click, Key
from textual.message import Message
from textual.timer import Timer

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.live import OfficeFeed
from client.models import DEFAULT_TIMEZONE, Booking, IssuedTicket, Snapshot
from kiosk import rating, screens
from kiosk.blocks import office_day
from kiosk.issuing import Request, issue
from kiosk.journal import Journal
from kiosk.offers import OfferTally, next_free_slots, over_promise
from kiosk.office import OfficeView, office_view
from kiosk.offline import NoNumbers, NotOffline, OfflineDesk, OfflineIssued, offline_kept
from kiosk.printing import AppointmentPrint, PrinterState, PrinterStatus, TicketPrint, print_ticket
from kiosk.sync import sync
from tui.app import LoketApp

log = logging.getLogger(__name__)

#: How often the waits are refreshed even when nothing happens (they change with time alone).
REFRESH_S = 30.0
#: After "thank you", back to the start.
THANKS_S = 5.0
#: While the journal holds tickets the server has not stored yet: how often the kiosk tries to upload them.
SYNC_S = 3.0
#: After the server refused a block (or did not answer the reservation): wait this long before asking again.
BLOCKS_RETRY_S = 60.0


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
    #: The journal file (JSON lines) of tickets issued offline and the blocks reserved; None: no offline
    #: issuing (the kiosk says the server is unreachable and gives nothing).
    journal: str | None = None
    #: Numbers per block reserved (10..200); None: the server's default (50).
    block_size: int | None = None


def printer_report(state: PrinterState) -> str | None:
    """The state to report to the office (`scheduler.devices.PrinterState` values); None: no printer here."""
    if state.status is PrinterStatus.NO_PRINTER:
        return None
    if state.status is PrinterStatus.OK:
        return "paper_low" if state.paper_low else "ok"
    return str(state.status.value)


class OfficeRead(Message):
    """The workers' news of the office: how it is now (None: not known yet), whether the server answers, and
    why it refused this kiosk (empty when it did not)."""

    def __init__(self, office: OfficeView | None, online: bool, why: str = "") -> None:
        super().__init__()
        self.office, self.online, self.why = office, online, why


class LinkChanged(Message):
    """The office's websocket opened (True) or dropped (False): the quickest news that the server is back or
    gone."""

    def __init__(self, up: bool) -> None:
        super().__init__()
        self.up = up


class KioskApp(LoketApp):
    CSS_PATH = "kiosk.tcss"
    TITLE = "Loket"
    #: kiosk.tcss lays the screens out by these: a portrait hall kiosk in a browser is narrow and tall (56x44).
    # Textual declares these `ClassVar[...] | None`, which mypy reads as instance variables: assigned as such.
    HORIZONTAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-narrow"), (72, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS: list[tuple[int, str]] | None = [(0, "-short"), (36, "-tall")]  # noqa: RUF012

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
        self.tally = OfferTally()
        self.desk = OfflineDesk(Journal(config.journal), config.office, config.name) if config.journal else None
        self._sync_wanted = asyncio.Event()
        self._keeping_blocks = False
        self._blocks_after: datetime | None = None
        self._learned: object = None

    # -- life cycle ---------------------------------------------------------------------------------------

    def on_mount(self) -> None:
        self.push_screen(screens.LanguageScreen())
        self.keep_running(self.follow_office(), self.refresh_office())
        if self.desk is not None:
            # Started without the server, the kiosk knows the office from its journal's blocks.
            self.office = self.desk.office_view(self.clock())
            self._refresh_wanted.set()  # is the server there? ask now, not in REFRESH_S
            self.keep_running(self.sync_journal())

    async def close_client(self) -> None:
        await self.client.aclose()
        if self.desk is not None:
            self.desk.journal.close()

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
        feed = OfficeFeed(
            self.config.server,
            self.config.office,
            self.config.token,
            on_link=self._link if self.desk is not None else None,
        )
        try:
            async for message in feed.messages():
                if isinstance(message, Snapshot):
                    self.post_message(OfficeRead(office_view(message), online=True))
                else:
                    self._refresh_wanted.set()
        except LoketError as refusal:
            self.post_message(OfficeRead(self.office, online=False, why=refusal.detail))
        finally:
            await feed.aclose()

    @work(exclusive=True, group="refresh")
    async def refresh_office(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._refresh_wanted.wait(), REFRESH_S)
            self._refresh_wanted.clear()
            try:
                self.post_message(OfficeRead(office_view(await self.client.queue(self.config.office)), online=True))
            except Unreachable:
                self.post_message(OfficeRead(self.office, online=False))
            except LoketError as refusal:
                self.post_message(OfficeRead(self.office, online=False, why=refusal.detail))
            await asyncio.sleep(0.3)

    def on_office_read(self, message: OfficeRead) -> None:
        office = message.office
        if office is None and self.desk is not None:
            office = self.desk.office_view(self.clock())
        self.office, self.online = office, message.online
        self._show_link()
        for screen in self.screen_stack:
            if isinstance(screen, screens.LanguageScreen) and message.why:
                screen.notice(message.why)
        if message.online and message.office is not None:
            self._sync_wanted.set()
            self._keep_blocks_soon()

    def _link(self, up: bool) -> None:
        self.post_message(LinkChanged(up))

    def on_link_changed(self, message: LinkChanged) -> None:
        if message.up:
            self._sync_wanted.set()
            self._refresh_wanted.set()
        elif self.online:
            self.online = False
            self._show_link()

    def _show_link(self) -> None:
        """Every screen that says whether the kiosk is online says it as it is now."""
        issuing = self.offline_issuing()
        for screen in self.screen_stack:
            if isinstance(screen, screens.ServicesScreen):
                screen.show(self.office, self.online, issuing)
            if isinstance(screen, screens.LanguageScreen):
                words = [screens.offline_notice(lang, issuing) for lang in screens.LANGUAGE_NAMES]
                screen.offline("" if self.online else "\n".join(words))

    def offline_issuing(self) -> bool:
        """Offline, this kiosk can still give a ticket of some service today."""
        if self.desk is None:
            return False
        day = office_day(self.clock(), self._timezone())
        try:
            return any(self.desk.left(block.service, day) > 0 for block in self.desk.blocks_of_day(day))
        except OSError:
            log.exception("the journal cannot be read")
            return False

    # -- what the citizen does ------------------------------------------------------------------------------

    def on_language_chosen(self, message: screens.LanguageChosen) -> None:
        self.language = message.language
        shown = screens.ServicesScreen(self.language, self.office, self.online, offline_issuing=self.offline_issuing())
        self._show_screen(shown)

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
        info = self.office.service(message.code) if self.office else None
        if info is not None and self.online and over_promise(info.estimated_wait_s):
            self.tally.told(info.code, info.estimated_wait_s)
            self._offer_or_issue(info.code, info.estimated_wait_s)
        else:
            self._issue_request(Request(self.config.office, self.language, service=message.code))

    def on_walk_in_wanted(self, message: screens.WalkInWanted) -> None:
        self._issue_request(Request(self.config.office, self.language, service=message.code))

    def on_slot_chosen(self, message: screens.SlotChosen) -> None:
        self._book(message)

    def on_appointment_entered(self, message: screens.AppointmentEntered) -> None:
        # `code`: the server tells a remote ticket's code from a booking's.
        self._issue_request(Request(self.config.office, self.language, code=message.code))

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
        # Known to be offline with a block in hand: one quick try, not the citizen waiting through the retries.
        attempts = 1 if self.desk is not None and not self.online else self.config.attempts
        try:
            ticket = await issue(self.client, request, attempts=attempts, delay_s=self.config.retry_delay_s)
        except Unreachable:
            self.online = False
            self._show_link()
            if self.desk is not None:
                self._issue_offline(request)
            else:
                self._show_screen(screens.UnreachableScreen(self.language))
            return
        except LoketError as refusal:
            self._refused(asking, refusal)
            return
        self.pending = None
        self._refresh_wanted.set()
        service_name = self._service_name(ticket.service)
        if ticket.kind == "remote":
            # The holder follows this ticket on their phone already: welcomed, nothing printed.
            self._show_screen(screens.CheckedInScreen(self.language, ticket, service_name), idle_s=self.config.idle_s)
            return
        timezone = self._timezone()
        shown = screens.TicketScreen(self.language, ticket, service_name, timezone)
        self._show_screen(shown, idle_s=self.config.idle_s)
        self._print_ticket(shown, ticket, service_name, timezone)

    def _issue_offline(self, request: Request) -> None:
        """The server did not answer: the next number of this kiosk's block, journalled (durably) before it is
        shown or printed. None left (or a code only the server knows): said, and nothing given."""
        assert self.desk is not None
        try:
            issued = self.desk.issue(
                self.language,
                self.clock(),
                self._timezone(),
                service=request.service,
                code=request.code if request.code is not None else request.appointment,
            )
        except NoNumbers:
            self._show_screen(screens.UnreachableScreen(self.language, offline="used_up"))
            return
        except NotOffline:
            self._show_screen(screens.UnreachableScreen(self.language, offline="code"))
            return
        except OSError:
            log.exception("the journal cannot be written: no ticket given")
            self._show_screen(screens.UnreachableScreen(self.language))
            return
        self.pending = None
        shown = screens.OfflineTicketScreen(self.language, issued)
        self._show_screen(shown, idle_s=self.config.idle_s)
        self._print_offline(shown, issued)
        self._sync_wanted.set()
        self._show_link()

    def _service_name(self, code: str) -> str:
        service = self.office.service(code) if self.office else None
        return service.name(self.language) if service else code

    def _timezone(self) -> str:
        return self.office.timezone if self.office else DEFAULT_TIMEZONE

    @work(exclusive=True, group="offer")
    async def _offer_or_issue(self, service: str, wait_s: int) -> None:
        """A wait over the promise: offer the next free slots of a bookable service before any ticket is
        issued; a service that cannot be booked (or has no free slot) gets its ticket at once."""
        asking = self.screen
        if isinstance(asking, screens.ServicesScreen):
            asking.busy(True)
        now, timezone = self.clock(), self._timezone()
        try:
            slots = await next_free_slots(self.client, self.config.office, service, now, timezone)
        except (Unreachable, LoketError):
            slots = []
        if not slots:
            self._issue_request(Request(self.config.office, self.language, service=service))
            return
        self.tally.offer(service, wait_s)
        name = self._service_name(service)
        self._show_screen(screens.OfferScreen(self.language, service, name, wait_s, slots, timezone, now))

    @work(exclusive=True, group="book")
    async def _book(self, chosen: screens.SlotChosen) -> None:
        """Book the slot the citizen chose instead of a ticket (none was issued), and print the appointment."""
        asking = self.screen
        if isinstance(asking, screens.OfferScreen):
            asking.busy(True)
        try:
            booking = await self.client.book_appointment(
                self.config.office, chosen.service, chosen.slot.at, self.language
            )
        except Unreachable:
            if isinstance(asking, screens.OfferScreen):
                asking.busy(False)
                # No retry: the booking may have been made and its answer lost; a second would hold two seats.
                asking.notice(screens.booking_refusal_text(self.language, "unreachable"))
            return
        except LoketError as refusal:
            if isinstance(asking, screens.OfferScreen):
                asking.busy(False)
                if refusal.code in ("slot_full", "slot_in_past"):
                    asking.taken(chosen.slot)
                asking.notice(screens.booking_refusal_text(self.language, refusal.code))
            return
        self.tally.accept(chosen.service, asking.wait_s if isinstance(asking, screens.OfferScreen) else 0)
        timezone = self._timezone()
        name = booking.service_name or self._service_name(booking.service)
        shown = screens.BookedScreen(self.language, booking, name, timezone, self.clock())
        self._show_screen(shown, idle_s=self.config.idle_s * 2)
        self._print_appointment(shown, booking, name, timezone)

    def _refused(self, asking: Any, refusal: LoketError) -> None:
        lang = self.language
        body = refusal.body
        if isinstance(asking, screens.ServicesScreen):
            asking.busy(False)
        timezone = self.office.timezone if self.office else DEFAULT_TIMEZONE
        check_in_from = body.get("check_in_from") if isinstance(body.get("check_in_from"), str) else None
        text = screens.refusal_text(lang, refusal.code, check_in_from, timezone)
        walk_in = None
        if refusal.code == "appointment_too_late":
            walk_in = body.get("service") if isinstance(body.get("service"), str) else None
        if isinstance(asking, screens.AppointmentScreen):
            label = ""
            if walk_in:
                info = self.office.service(walk_in) if self.office else None
                label = screens.walk_in_label(lang, info.name(lang) if info else walk_in)
            asking.notice(text, walk_in=walk_in, walk_in_label=label)
        elif hasattr(asking, "notice"):
            asking.notice(text)

    @work(group="print")
    async def _print_ticket(
        self, shown: screens.TicketScreen, ticket: IssuedTicket, service_name: str, tz: str
    ) -> None:
        office_name = self.office.name if self.office else self.config.office
        layout = TicketPrint(
            office_name=office_name,
            number=ticket.number,
            service_name=service_name,
            issued_at=self.clock(),
            timezone=tz,
            people_ahead=ticket.people_ahead,
            estimated_wait_s=ticket.estimated_wait_s,
            status_url=ticket.status_url,
            language=self.language,  # type: ignore[arg-type]
            paper_width=self.config.paper,  # type: ignore[arg-type]
            wait_elsewhere=over_promise(ticket.estimated_wait_s),
        )
        await self._print_paper(shown, layout)

    @work(group="print")
    async def _print_appointment(
        self, shown: screens.BookedScreen, booking: Booking, service_name: str, tz: str
    ) -> None:
        layout = AppointmentPrint(
            office_name=booking.office_name or (self.office.name if self.office else self.config.office),
            service_name=service_name,
            slot_at=booking.slot_at,
            timezone=tz,
            code=booking.code,
            language=self.language,  # type: ignore[arg-type]
            paper_width=self.config.paper,  # type: ignore[arg-type]
        )
        await self._print_paper(shown, layout)

    @work(group="print")
    async def _print_offline(self, shown: screens.OfflineTicketScreen, issued: OfflineIssued) -> None:
        layout = TicketPrint(
            office_name=issued.office_name,
            number=issued.number,
            service_name=issued.service_name,
            issued_at=issued.record.checked_in_at,
            timezone=issued.timezone,
            people_ahead=0,
            estimated_wait_s=0,
            status_url=issued.status_url,
            language=self.language,  # type: ignore[arg-type]
            paper_width=self.config.paper,  # type: ignore[arg-type]
            offline_line=offline_kept(self.language),
        )
        state = await self._print_paper(shown, layout)
        if self.desk is not None:
            with contextlib.suppress(OSError):  # the ticket is journalled: a missing "printed" line loses nothing
                self.desk.printed(issued.key, state.status.value)

    async def _print_paper(
        self,
        shown: screens.TicketScreen | screens.BookedScreen | screens.OfflineTicketScreen,
        layout: TicketPrint | AppointmentPrint,
    ) -> PrinterState:
        """Print, say on `shown` where the paper is, and tell the office when the printer's state changed."""
        state = await asyncio.to_thread(print_ticket, self.config.printer, layout)
        shown.print_ended(state.status)
        report = printer_report(state)
        if report is not None and (report != "ok" or self.reported != "ok"):
            with contextlib.suppress(Unreachable, LoketError):
                await self.client.printer_status(self.config.office, self.config.name, report, state.detail)
                self.reported = report
        return state

    # -- offline: blocks and the journal ---------------------------------------------------------------------

    def _keep_blocks_soon(self) -> None:
        """Online with the office read: reserve numbers where fewer than `blocks.LOW` are left (one round at a
        time; after a refusal, not before `BLOCKS_RETRY_S`)."""
        if self.desk is None or self.office is None or self._keeping_blocks:
            return
        now = self.clock()
        if self._blocks_after is not None and now < self._blocks_after:
            return
        day = office_day(now, self.office.timezone)
        if self._learned == day and not self.desk.wanted(self.office, day):
            return
        self._keeping_blocks = True
        self._keep_blocks(self.office, day)

    @work(group="blocks")
    async def _keep_blocks(self, office: OfficeView, day: object) -> None:
        assert self.desk is not None
        try:
            if self._learned != day:
                await self.desk.learn(self.client, office)
                self._learned = day
            await self.desk.keep_blocks(self.client, office, self.clock(), size=self.config.block_size)
            self._blocks_after = None
        except (Unreachable, LoketError, OSError) as failed:
            log.warning("no block of numbers reserved: %s", failed)
            self._blocks_after = self.clock() + timedelta(seconds=BLOCKS_RETRY_S)
        finally:
            self._keeping_blocks = False

    @work(exclusive=True, group="sync")
    async def sync_journal(self) -> None:
        """Upload the journal's unsynced tickets whenever the server may answer: at once when it is back (its
        websocket opened, the office read), else every `SYNC_S` while some wait."""
        assert self.desk is not None
        journal = self.desk.journal
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._sync_wanted.wait(), SYNC_S)
            self._sync_wanted.clear()
            try:
                if not journal.refresh().unsynced():
                    continue
                report = await sync(self.client, journal, self.config.office, self.config.name)
            except OSError:
                log.exception("the journal cannot be read or written")
                continue
            if report.synced or report.refused:
                log.info("journal synced: %s", report.summary())
                self._refresh_wanted.set()

    @work(exclusive=True, group="rating")
    async def _send_happiness(self, answer: rating.HappinessGiven) -> None:
        shown = self.screen
        try:
            await self.client.answer_happiness(self.config.office, answer.service, answer.score, answer.improvements)
        except Unreachable:
            if isinstance(shown, rating.RatingScreen):
                shown.unreachable()
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
                shown.return_refused()
            return
        if isinstance(shown, screens.TicketScreen) and status.return_at is not None:
            shown.returning(status.return_at)
