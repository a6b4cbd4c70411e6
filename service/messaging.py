"""Messages about bookings, sent after the change that causes them is committed.

Confirmations and cancellations go to the citizen's e-mail address when they gave one (it carries the
manage link, their only way back to the booking), and by SMS when they chose SMS; reminders go on the
medium they chose. Sending runs in a thread, off the request: a slow or broken mail server or SMS
gateway delays nobody and loses no booking; failures are logged by booking id, never by address.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from starlette.concurrency import run_in_threadpool

from i18n import gettext, messages
from notify import compose
from notify.compose import BookingNotice, Message
from notify.mail import NotSent, SmtpConfig, send_email
from notify.sms import SmsGateway, send_sms
from scheduler import bookings, citizen, outbox, routing, usecases
from scheduler.citizen import TurnNotice
from scheduler.model import Booking
from scheduler.remote import ComeNotice
from settings import Settings
from store.database import Database

log = logging.getLogger("loket.messages")
Kind = Literal["confirmation", "reminder", "cancellation"]


class Messenger:
    def __init__(self, settings: Settings, db: Database, clock: Callable[[], datetime]) -> None:
        self.settings = settings
        self.db = db
        self.clock = clock
        self.smtp = SmtpConfig.from_settings(settings)
        self.sms = SmsGateway.from_settings(settings)
        self._sending: set[asyncio.Task[None]] = set()

    def media(self) -> list[str]:
        """The media this server can send on: "email", "sms"."""
        return [name for name, on in (("email", self.smtp), ("sms", self.sms)) if on is not None]

    def booking_changed(self, booking: Booking, kind: Kind) -> None:
        """Send the message of `kind` about `booking` in the background (called on the event loop)."""
        if not self._wanted(booking, kind):
            return
        task = asyncio.get_running_loop().create_task(run_in_threadpool(self.send, booking, kind))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def drain(self) -> None:
        """Wait for the messages being sent (at shutdown, and in tests)."""
        while self._sending:
            await asyncio.gather(*list(self._sending), return_exceptions=True)

    def _wanted(self, booking: Booking, kind: Kind) -> bool:
        return bool(self._email_to(booking, kind) or self._sms_to(booking, kind))

    def _email_to(self, booking: Booking, kind: Kind) -> str | None:
        if self.smtp is None or booking.email is None:
            return None
        return booking.email if kind != "reminder" or booking.remind_via == "email" else None

    def _sms_to(self, booking: Booking, kind: Kind) -> str | None:
        if self.sms is None or booking.phone is None or booking.remind_via != "sms":
            return None
        return booking.phone

    def _within_budget(self, office: str, what: str) -> bool:
        """Count one message against the office's hourly budget (`LOKET_MESSAGES_PER_HOUR`); False: not sent."""
        budget, now = self.settings.messages_per_hour, self.clock()
        allowed, _ = self.db.write(office, now, lambda repo: outbox.spend(repo, office, now, budget))
        if not allowed:
            log.warning("%s not sent: office %s spent its budget of %d messages this hour", what, office, budget)
        return bool(allowed)

    def notice(self, booking: Booking) -> BookingNotice:
        office = self.db.read(lambda repo: repo.office(booking.office))
        service = self.db.read(lambda repo: repo.service(booking.office, booking.service))
        base = f"{self.settings.public_url.rstrip('/')}/booking/{booking.manage_token}"
        return BookingNotice(
            office_name=office.name,
            office_address=None,
            service_name=service.name(booking.language),
            code=booking.code,
            slot_at=booking.slot_at,
            timezone=office.timezone,
            language=booking.language,
            manage_url=base,
            cancel_url=f"{base}/cancel",
            checklist=service.checklist_in(booking.language),
            citizen_name=booking.name,
        )

    def send(self, booking: Booking, kind: Kind) -> None:
        """Compose and send (blocking). Each medium is tried on its own: one failing does not stop the other."""
        if booking.manage_token is None:
            return  # erased or purged: nobody to write to
        message: Message = getattr(compose, kind)(self.notice(booking))
        email, phone = self._email_to(booking, kind), self._sms_to(booking, kind)
        if email is not None and self.smtp is not None and self._within_budget(booking.office, f"{kind} e-mail"):
            try:
                send_email(self.smtp, email, message)
            except NotSent as failed:
                log.warning("%s e-mail for booking %s not sent: %s", kind, booking.id, failed)
        if phone is not None and self.sms is not None and self._within_budget(booking.office, f"{kind} SMS"):
            try:
                send_sms(self.sms, phone, message.sms)
            except NotSent as failed:
                log.warning("%s SMS for booking %s not sent: %s", kind, booking.id, failed)

    def send_reminders(self, office: str, now: datetime) -> int:
        """Claim the office's due reminders (once across workers) and send them (blocking); answers how many."""
        ahead = timedelta(hours=self.settings.reminder_hours)
        if ahead <= timedelta(0) or (self.smtp is None and self.sms is None):
            return 0
        claimed, _ = self.db.write(office, now, lambda repo: bookings.claim_reminders(repo, office, now, ahead))
        for booking in claimed:
            self.send(booking, "reminder")
        return len(claimed)

    def send_turn_notices(self, office: str, now: datetime, policy: routing.Policy) -> int:
        """Claim the office's due "your turn is near" and "it's your turn" notices and send them (blocking)."""
        if self.smtp is None and self.sms is None:
            return 0
        claimed, _ = self.db.write(office, now, lambda repo: citizen.claim_turn_notices(repo, office, now, policy))
        if not claimed:
            return 0
        name = self.db.read(lambda repo: repo.office(office)).name
        for notice in claimed:
            self._tell(notice, office, name)
        return len(claimed)

    def _tell(self, notice: TurnNotice, office: str, office_name: str) -> None:
        values = {
            "number": notice.number,
            "minutes": notice.minutes,
            "office": office_name,
            "counter": notice.counter,
            "link": self.settings.status_url(notice.token),
        }
        soon = notice.kind == "soon"
        text = gettext(notice.language, messages.TURN_SOON if soon else messages.TURN_NOW) % values
        subject = gettext(notice.language, messages.TURN_SOON_SUBJECT if soon else messages.TURN_NOW_SUBJECT) % values
        self._send_to_ticket("turn", office, notice.number, notice.email, notice.phone, subject, text)

    def remote_round(self, office: str, now: datetime, policy: routing.Policy) -> int:
        """Keep the remote joiners' `come_at` current, lapse who did not come, and tell them (blocking). Runs
        whether or not messages can be sent: the status page shows the same, and lapsing must happen anyway."""
        if not self.db.read(lambda repo: usecases.anyone_on_the_way(repo, office, now)):
            return 0  # nobody on their way: no write, no lock
        (claimed, place), _ = self.db.write(
            office, now, lambda repo: (usecases.remote_round(repo, office, now, policy), repo.office(office))
        )
        if not claimed or (self.smtp is None and self.sms is None):
            return len(claimed)
        for notice in claimed:
            self._tell_come(notice, office, place.name, place.timezone)
        return len(claimed)

    def _tell_come(self, notice: ComeNotice, office: str, office_name: str, timezone: str) -> None:
        text_id, subject_id = {
            "come": (messages.COME_NOW, messages.COME_NOW_SUBJECT),
            "earlier": (messages.COME_EARLIER, messages.COME_EARLIER_SUBJECT),
            "missed": (messages.COME_MISSED, messages.COME_MISSED_SUBJECT),
        }[notice.kind]
        base = self.settings.public_url.rstrip("/")
        values = {
            "number": notice.number,
            "office": office_name,
            "code": notice.code,
            "time": notice.at.astimezone(ZoneInfo(timezone)).strftime("%H:%M") if notice.at else "",
            "link": f"{base}/join/{office}" if notice.kind == "missed" else self.settings.status_url(notice.token),
        }
        text = gettext(notice.language, text_id) % values
        subject = gettext(notice.language, subject_id) % values
        self._send_to_ticket("come", office, notice.number, notice.email, notice.phone, subject, text)

    def _send_to_ticket(
        self, what: str, office: str, number: str, email: str | None, phone: str | None, subject: str, text: str
    ) -> None:
        """One message about a ticket, by e-mail and SMS where the citizen gave them, within the office's budget;
        a message that cannot be sent is logged, never raised (the round goes on)."""
        if email is not None and self.smtp is not None and self._within_budget(office, f"{what} e-mail"):
            try:
                send_email(self.smtp, email, Message(subject=subject, text=text, html=None, sms=text))
            except NotSent as failed:
                log.warning("%s e-mail for ticket %s not sent: %s", what, number, failed)
        if phone is not None and self.sms is not None and self._within_budget(office, f"{what} SMS"):
            try:
                send_sms(self.sms, phone, text)
            except NotSent as failed:
                log.warning("%s SMS for ticket %s not sent: %s", what, number, failed)
