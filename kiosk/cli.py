"""`loket kiosk`: the app in a terminal, in a browser (textual-serve), or one ticket without any screen."""

from __future__ import annotations

import asyncio
import contextlib
import shlex
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from kiosk.app import KioskApp, KioskConfig, printer_report
from kiosk.issuing import Request, issue
from kiosk.offers import over_promise
from kiosk.office import office_view
from kiosk.printing import TicketPrint, parse_printer_spec, print_ticket


class KioskProblem(Exception):
    """Something a person must fix (a bad option, a refusal, no server): said in one line, exit code 2."""


@dataclass(frozen=True)
class Printed:
    number: str
    status_url: str
    printer: str


def check(config: KioskConfig) -> None:
    """Refuse a kiosk that cannot work before it shows anything."""
    try:
        parse_printer_spec(config.printer)
    except ValueError as exc:
        raise KioskProblem(f"--printer: {exc}") from None
    if config.paper not in (58, 80):
        raise KioskProblem("--paper must be 80 or 58 (mm)")


def run_app(config: KioskConfig) -> None:
    check(config)
    KioskApp(config).run()


def serve_web(config: KioskConfig, argv: list[str], host: str, port: int) -> None:
    """The same app for a browser: textual-serve starts one kiosk process per browser tab."""
    from textual_serve.server import Server

    check(config)
    command = shlex.join([sys.executable, "-m", "loket", *[a for a in argv if a != "--web"]])
    Server(command, host=host, port=port, title="Loket").serve()


def issue_one(config: KioskConfig, service: str, language: str) -> Printed:
    """Issue and print one ticket without a screen (button boxes, scripts, smoke tests)."""
    check(config)
    return asyncio.run(_issue_one(config, service, language))


async def _issue_one(config: KioskConfig, service: str, language: str) -> Printed:
    async with LoketClient(config.server, config.token, timeout=5.0) as client:
        try:
            ticket = await issue(
                client, Request(config.office, language, service=service), delay_s=config.retry_delay_s
            )
            office = office_view(await client.queue(config.office))
        except Unreachable as exc:
            raise KioskProblem(f"the server at {config.server} cannot be reached ({exc})") from None
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
        return Printed(ticket.number, ticket.status_url, state.status.value)


def _now() -> datetime:
    return datetime.now(UTC)
