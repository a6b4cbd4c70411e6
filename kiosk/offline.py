"""Issuing without the server: the kiosk's blocks of numbers, kept while online, and the tickets given from them
while offline, each journalled (durably) before anything is printed.

`OfflineDesk` is shared by the app and `loket kiosk --issue/--sync`: it reads and writes the journal, asks
`kiosk.blocks` which number is next, and talks to the server only through `client` (reserving blocks and
learning which numbers the server already holds).
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from client.http import LoketClient
from client.models import DEFAULT_TIMEZONE, NumberBlock, OfflineTicket
from i18n import gettext
from kiosk import blocks
from kiosk.journal import BlockRecord, Journal, PrintedRecord, TicketRecord
from kiosk.office import OfficeView, ServiceInfo

log = logging.getLogger(__name__)


def offline_kept(language: str) -> str:
    """Said on an offline ticket, on paper and on the screen."""
    return gettext(language, "Offline — your place is kept")


class NoNumbers(Exception):
    """This kiosk has no number left of the service today (its blocks are used up, or it never had one)."""


class NotOffline(Exception):
    """What was asked cannot be done offline (a remote ticket's code: only the server knows it)."""


@dataclass(frozen=True)
class OfflineIssued:
    """A ticket given offline, as journalled, with what the screen and the paper say."""

    record: TicketRecord
    status_url: str
    office_name: str
    service_name: str
    timezone: str

    @property
    def key(self) -> str:
        return self.record.key

    @property
    def number(self) -> str:
        return self.record.number


def offline_ticket(record: TicketRecord, kiosk: str) -> OfflineTicket:
    """The journalled ticket as uploaded."""
    return OfflineTicket(
        kiosk=kiosk,
        number=record.number,
        language=record.language,
        checked_in_at=record.checked_in_at,
        token=record.token,
        service=record.service,
        appointment=record.appointment,
    )


class OfflineDesk:
    """The offline side of one kiosk (`office`, `kiosk` its name) over its `journal`."""

    def __init__(self, journal: Journal, office: str, kiosk: str) -> None:
        self.journal = journal
        self.office = office
        self.kiosk = kiosk
        #: Sequences the server holds tickets of (per service and day), learned from its list of blocks.
        self.server_used: dict[tuple[str, date], set[int]] = {}

    # -- what the journal holds ---------------------------------------------------------------------------

    def blocks_of_day(self, day: date) -> list[BlockRecord]:
        return [b for b in self.journal.refresh().blocks if b.day == day and self._ours(b)]

    def _ours(self, block: BlockRecord) -> bool:
        return block.office == self.office and block.kiosk == self.kiosk

    def used(self, service: str, day: date) -> set[int]:
        return self.journal.state.used(service, day) | self.server_used.get((service, day), set())

    def left(self, service: str, day: date) -> int:
        return blocks.left(self.blocks_of_day(day), self.used(service, day), service, day)

    def latest(self) -> BlockRecord | None:
        """The newest block this kiosk holds (what it knows of the office: name, time zone, status pages)."""
        held = [b for b in self.journal.refresh().blocks if self._ours(b)]
        return max(held, key=lambda b: b.day) if held else None

    def office_view(self, now: datetime, timezone: str | None = None) -> OfficeView | None:
        """The office as far as the journal knows it, for a kiosk started without the server: the services it
        holds numbers of today (no waits: nobody knows them offline)."""
        latest = self.latest()
        if latest is None:
            return None
        day = blocks.office_day(now, timezone or latest.timezone)
        services: dict[str, ServiceInfo] = {}
        for block in self.blocks_of_day(day):
            services.setdefault(block.service, ServiceInfo(block.service, block.names, 0, 0, served=True))
        return OfficeView(
            id=self.office,
            name=latest.office_name or self.office,
            timezone=latest.timezone,
            services=tuple(sorted(services.values(), key=lambda s: s.code)),
        )

    # -- issuing ------------------------------------------------------------------------------------------

    def issue(
        self,
        language: str,
        now: datetime,
        timezone: str,
        *,
        service: str | None = None,
        code: str | None = None,
    ) -> OfflineIssued:
        """Give the next free number of `service` (or check in booking `code`), journalled durably before this
        returns: the caller prints only then. Raises `NoNumbers` (nothing given), `NotOffline`."""
        day = blocks.office_day(now, timezone)
        with self.journal.locked():  # another process on this journal never gives the same number
            today = self.blocks_of_day(day)
            if code is not None:
                appointment = blocks.booking_code(code)
                if appointment is None:
                    raise NotOffline(code)
                known = today or [b for b in self.journal.state.blocks if self._ours(b)]
                if not known:
                    raise NoNumbers("no block: no status page prefix")
                block = known[-1]
                record = self._record(language, now, number=appointment, appointment=appointment)
                service_name = gettext(language, "Your appointment")
            elif service is not None:
                found = blocks.next_free(today, self.used(service, day), service, day)
                if found is None:
                    raise NoNumbers(service)
                block, sequence = found
                number = blocks.format_number(service, sequence)
                record = self._record(language, now, number=number, service=service, day=day, seq=sequence)
                service_name = ServiceInfo(service, block.names, 0, 0, True).name(language)
            else:
                raise ValueError("a service or a code")
            self.journal.append(record)
        return OfflineIssued(
            record,
            status_url=block.status_url_prefix + record.token,
            office_name=block.office_name or self.office,
            service_name=service_name,
            timezone=timezone,
        )

    def _record(
        self,
        language: str,
        now: datetime,
        *,
        number: str,
        service: str | None = None,
        appointment: str | None = None,
        day: date | None = None,
        seq: int | None = None,
    ) -> TicketRecord:
        return TicketRecord(
            key=uuid.uuid4().hex,
            number=number,
            service=service,
            appointment=appointment,
            language=language,
            checked_in_at=now,
            token=secrets.token_urlsafe(24),
            day=day,
            seq=seq,
        )

    def printed(self, key: str, printer: str) -> None:
        self.journal.append(PrintedRecord(key, printer))

    # -- keeping blocks while online ----------------------------------------------------------------------

    async def learn(self, client: LoketClient, office: OfficeView | None) -> list[NumberBlock]:
        """Today's blocks as the server knows them: the ones missing from the journal are journalled (a new
        journal, or one restored from an older copy), and the numbers it holds are used."""
        held = await client.blocks(self.office, self.kiosk)
        for block in held:
            self.server_used[(block.service, block.day)] = set(block.used)
            record = self._block_record(block, office)
            with self.journal.locked() as state:
                if not any(_same(record, b) for b in state.blocks):
                    self.journal.append(record)
        return held

    async def keep_blocks(
        self, client: LoketClient, office: OfficeView, now: datetime, *, size: int | None = None
    ) -> list[NumberBlock]:
        """Reserve a block for every service of `office` with fewer than `blocks.LOW` numbers left today; each
        block is journalled as soon as the server granted it. A refusal (e.g. `too_many_blocks`) ends it."""
        day = blocks.office_day(now, office.timezone)
        reserved = []
        for service in self.wanted(office, day):
            block = await client.reserve_block(self.office, self.kiosk, service, size)
            self.journal.append(self._block_record(block, office))
            reserved.append(block)
        return reserved

    def wanted(self, office: OfficeView, day: date) -> list[str]:
        codes: Sequence[str] = [s.code for s in office.services]
        today = self.blocks_of_day(day)
        used = {code: self.used(code, day) for code in codes}
        return blocks.wanted(today, used, codes, day)

    def _block_record(self, block: NumberBlock, office: OfficeView | None) -> BlockRecord:
        info = office.service(block.service) if office else None
        latest = self.latest()
        return BlockRecord(
            office=self.office,
            kiosk=self.kiosk,
            service=block.service,
            day=block.day,
            first=block.first,
            last=block.last,
            status_url_prefix=block.status_url_prefix,
            office_name=office.name if office else (latest.office_name if latest else ""),
            timezone=office.timezone if office else (latest.timezone if latest else DEFAULT_TIMEZONE),
            names=dict(info.names) if info else {},
        )


def _same(a: BlockRecord, b: BlockRecord) -> bool:
    def identity(block: BlockRecord) -> tuple[object, ...]:
        return (block.office, block.kiosk, block.service, block.day, block.first, block.last)

    return identity(a) == identity(b)
