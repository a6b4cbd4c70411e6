"""`loket kiosk`: the app in a terminal, in a browser (textual-serve), one ticket without any screen (online, or
offline from the kiosk's block of numbers with a journal), or the journal uploaded (`--sync`)."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.models import DEFAULT_TIMEZONE
from kiosk.app import KioskApp, KioskConfig, printer_report
from kiosk.blocks import office_day
from kiosk.issuing import Request, issue
from kiosk.journal import Journal
from kiosk.offers import over_promise
from kiosk.office import OfficeView, office_view
from kiosk.offline import NoNumbers, NotOffline, OfflineDesk, offline_kept
from kiosk.printing import TicketPrint, parse_printer_spec, print_ticket
from kiosk.sync import SyncReport, sync


class KioskProblem(Exception):
    """Something a person must fix (a bad option, a refusal, no server): said in one line, exit code 2."""


@dataclass(frozen=True)
class Printed:
    number: str
    status_url: str
    printer: str
    #: Given from the kiosk's block while the server could not be reached (journalled, synced later).
    offline: bool = False


@dataclass(frozen=True)
class Synced:
    """`--sync`: the round's report, the blocks reserved, and whether the server could be reached at all."""

    report: SyncReport
    reserved: list[str]


def check(config: KioskConfig) -> None:
    """Refuse a kiosk that cannot work before it shows anything."""
    try:
        parse_printer_spec(config.printer)
    except ValueError as exc:
        raise KioskProblem(f"--printer: {exc}") from None
    if config.paper not in (58, 80):
        raise KioskProblem("--paper must be 80 or 58 (mm)")
    check_journal(config)


def check_journal(config: KioskConfig) -> None:
    """The journal is made (with its folder) and read now: a kiosk that cannot journal says so before it starts."""
    if config.journal:
        try:
            with Journal(config.journal):
                pass
        except OSError as exc:
            raise KioskProblem(f"--journal: cannot use {config.journal}: {exc.strerror or exc}") from None


def run_app(config: KioskConfig) -> None:
    check(config)
    KioskApp(config).run()


def serve_web(config: KioskConfig, argv: list[str], host: str, port: int) -> None:
    """The same app for a browser: textual-serve starts one kiosk process per browser tab, its text 32 px high
    (`kiosk.browser`: a portrait hall kiosk's screen)."""
    from kiosk.browser import KioskWebServer

    check(config)
    command = shlex.join([sys.executable, "-m", "loket", *[a for a in argv if a != "--web"]])
    KioskWebServer(command, host=host, port=port).serve()


def issue_one(config: KioskConfig, service: str, language: str) -> Printed:
    """Issue and print one ticket without a screen (button boxes, scripts, smoke tests). With a journal, a
    server that cannot be reached gets the ticket from this kiosk's block (journalled before it is printed);
    online, the kiosk's blocks are kept and its journal uploaded on the way."""
    check(config)
    return asyncio.run(_issue_one(config, service, language))


async def _issue_one(config: KioskConfig, service: str, language: str) -> Printed:
    desk = OfflineDesk(Journal(config.journal), config.office, config.name) if config.journal else None
    try:
        async with LoketClient(config.server, config.token, timeout=5.0) as client:
            try:
                ticket = await issue(
                    client,
                    Request(config.office, language, service=service),
                    attempts=config.attempts,
                    delay_s=config.retry_delay_s,
                )
                office = office_view(await client.queue(config.office))
            except Unreachable as exc:
                if desk is None:
                    raise KioskProblem(f"the server at {config.server} cannot be reached ({exc})") from None
                return await _issue_offline(config, desk, service, language)
            except LoketError as exc:
                raise KioskProblem(f"the server refused: {exc.code}: {exc.detail}") from None
            info = office.service(service)
            layout = TicketPrint(
                office_name=office.name,
                number=ticket.number,
                service_name=info.name(language) if info else service,
                issued_at=_now(),
                timezone=office.timezone,
                people_ahead=ticket.people_ahead,
                estimated_wait_s=ticket.estimated_wait_s,
                status_url=ticket.status_url,
                language=language,  # type: ignore[arg-type]
                paper_width=config.paper,  # type: ignore[arg-type]
                wait_elsewhere=over_promise(ticket.estimated_wait_s),
            )
            state = await asyncio.to_thread(print_ticket, config.printer, layout)
            report = printer_report(state)
            if report is not None and report != "ok":
                # The ticket is what matters; the staff will hear at the next print.
                with contextlib.suppress(Unreachable, LoketError):
                    await client.printer_status(config.office, config.name, report, state.detail)
            if desk is not None:
                # The server answers: upload what waits, and keep numbers in hand for the next outage.
                with contextlib.suppress(Unreachable, LoketError, OSError):
                    await sync(client, desk.journal, config.office, config.name)
                    await _keep_blocks(client, desk, office, config)
            return Printed(ticket.number, ticket.status_url, state.status.value)
    finally:
        if desk is not None:
            desk.journal.close()


async def _issue_offline(config: KioskConfig, desk: OfflineDesk, service: str, language: str) -> Printed:
    now = _now()
    latest = desk.latest()
    timezone = latest.timezone if latest else DEFAULT_TIMEZONE
    try:
        issued = desk.issue(language, now, timezone, service=service)
    except NoNumbers:
        day = office_day(now, timezone)
        raise KioskProblem(
            f"the server at {config.server} cannot be reached and this kiosk has no number of {service} left for "
            f"{day} (journal {desk.journal.path}): no ticket issued"
        ) from None
    except NotOffline:  # pragma: no cover - a service always can
        raise KioskProblem(f"{service} cannot be issued offline") from None
    layout = TicketPrint(
        office_name=issued.office_name,
        number=issued.number,
        service_name=issued.service_name,
        issued_at=now,
        timezone=timezone,
        people_ahead=0,
        estimated_wait_s=0,
        status_url=issued.status_url,
        language=language,  # type: ignore[arg-type]
        paper_width=config.paper,  # type: ignore[arg-type]
        offline_line=offline_kept(language),
    )
    state = await asyncio.to_thread(print_ticket, config.printer, layout)
    with contextlib.suppress(OSError):  # journalled already: a missing "printed" line loses nothing
        desk.printed(issued.key, state.status.value)
    return Printed(issued.number, issued.status_url, state.status.value, offline=True)


async def _keep_blocks(client: LoketClient, desk: OfflineDesk, office: OfficeView, config: KioskConfig) -> list[str]:
    """Blocks reserved where fewer than `blocks.LOW` numbers are left today, as "A500-A549"."""
    if not desk.blocks_of_day(office_day(_now(), office.timezone)):
        await desk.learn(client, office)  # a new journal: the server may know blocks of this kiosk already
    reserved = await desk.keep_blocks(client, office, _now(), size=config.block_size)
    return [f"{b.first_number or b.service}-{b.last_number}" for b in reserved]


def sync_now(config: KioskConfig) -> Synced:
    """`--sync`: upload the journal's tickets not stored yet, in order, then reserve blocks where the kiosk has
    (almost) none. Raises `KioskProblem` when the server cannot be reached or stops the round."""
    if not config.journal:
        raise KioskProblem("--sync needs a journal (--journal FILE)")
    check_journal(config)
    return asyncio.run(_sync_now(config, config.journal))


async def _sync_now(config: KioskConfig, path: str) -> Synced:
    with Journal(path) as journal:
        desk = OfflineDesk(journal, config.office, config.name)
        async with LoketClient(config.server, config.token, timeout=5.0) as client:
            report = await sync(client, journal, config.office, config.name)
            if not report.reachable:
                raise SyncProblem(report, f"the server at {config.server} cannot be reached ({report.stopped})")
            if report.stopped:
                raise SyncProblem(report, f"the server stopped the upload: {report.stopped}")
            try:
                office = office_view(await client.queue(config.office))
                reserved = await _keep_blocks(client, desk, office, config)
            except Unreachable as exc:
                raise SyncProblem(report, f"the server at {config.server} cannot be reached ({exc})") from None
            except LoketError as exc:
                raise SyncProblem(report, f"no block reserved: {exc.code}: {exc.detail}") from None
    return Synced(report, reserved)


class SyncProblem(KioskProblem):
    """`--sync` stopped: what was done so far (`report`), and why it stopped."""

    def __init__(self, report: SyncReport, why: str) -> None:
        super().__init__(why)
        self.report = report


def _now() -> datetime:
    return datetime.now(UTC)
