"""Printing tickets on ESC/POS receipt printers with python-escpos.

A printer is named by a spec string (kiosk configuration):

* ``tcp://HOST[:PORT]`` — raw TCP ("JetDirect"), port 9100 by default;
* ``usb:VID:PID`` — USB vendor and product id in hex, e.g. ``usb:04b8:0e15``;
* ``file:/dev/usb/lp0`` — a device file;
* ``none`` — no printer: tickets are only shown on screen.

:func:`print_ticket` never raises for a printer fault: it returns a :class:`PrinterState` that the
kiosk shows to the citizen and reports to the office. An invalid spec is a configuration error and
raises :class:`InvalidPrinterSpec` (check it at start-up with :func:`parse_printer_spec`).
"""

from __future__ import annotations

import enum
import logging
import os
import re
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from kiosk.printing.layout import AppointmentPrint, Block, Cut, Feed, Qr, Text, TicketPrint, blocks_of

if TYPE_CHECKING:
    from escpos.escpos import Escpos  # type: ignore[import-untyped]

log = logging.getLogger(__name__)

DEFAULT_TCP_PORT = 9100
#: Seconds to wait for a network printer to connect, accept data or answer a status request.
TIMEOUT_S = 3.0
#: Real printer profiles (code page numbers, QR support, dot width) per paper width in mm.
PROFILES: dict[int, str] = {80: "TM-T20II", 58: "RP-F10-58mm"}
CODE_PAGE = "CP858"  # Latin-1 plus €: é è ë ç à ô € ±

ACCEPTED_FORMS = "tcp://HOST[:PORT] (default port 9100), usb:VID:PID (hex ids), file:/path/to/device, none"

# DLE EOT n real-time status requests (ESC/POS). python-escpos sends DLE EOT 4 for paper_status().
_DLE_EOT_OFFLINE_CAUSE = b"\x10\x04\x02"
_COVER_OPEN_BIT = 0x04

# Typographic characters missing from CP858, replaced by their closest ASCII form before printing.
_TO_CODE_PAGE = str.maketrans(
    {"—": "-", "–": "-", "‘": "'", "’": "'", "‚": ",", "“": '"', "”": '"', "„": '"', "…": "...", "\u00a0": " "}
)


class InvalidPrinterSpec(ValueError):
    def __init__(self, spec: str, reason: str) -> None:
        super().__init__(f"invalid printer spec {spec!r}: {reason}; accepted forms: {ACCEPTED_FORMS}")
        self.spec = spec


@dataclass(frozen=True)
class TcpSpec:
    host: str
    port: int = DEFAULT_TCP_PORT


@dataclass(frozen=True)
class UsbSpec:
    vendor_id: int
    product_id: int


@dataclass(frozen=True)
class FileSpec:
    path: str


@dataclass(frozen=True)
class NoPrinterSpec:
    pass


PrinterSpec = TcpSpec | UsbSpec | FileSpec | NoPrinterSpec

_HEX_ID = re.compile(r"(?:0x)?([0-9a-fA-F]{1,4})")


def parse_printer_spec(spec: str) -> PrinterSpec:
    """Parse a printer spec string; raises :class:`InvalidPrinterSpec` naming the spec and the accepted forms."""
    text = spec.strip()
    if text.lower() == "none":
        return NoPrinterSpec()
    if text.lower().startswith("tcp://"):
        try:
            parts = urlsplit(text)
            host, port = parts.hostname, parts.port
        except ValueError as exc:  # port out of range or not a number
            raise InvalidPrinterSpec(spec, f"bad port ({exc})") from None
        if not host:
            raise InvalidPrinterSpec(spec, "missing host")
        if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username or parts.password:
            raise InvalidPrinterSpec(spec, "only a host and a port are allowed after tcp://")
        if port == 0:
            raise InvalidPrinterSpec(spec, "port must be between 1 and 65535")
        return TcpSpec(host, DEFAULT_TCP_PORT if port is None else port)
    if text.lower().startswith("usb:"):
        ids = text[4:].split(":")
        matches = [_HEX_ID.fullmatch(part) for part in ids]
        if len(ids) != 2 or not all(matches):
            raise InvalidPrinterSpec(spec, "expected two hexadecimal ids of up to 4 digits, like usb:04b8:0e15")
        vendor, product = (int(m.group(1), 16) for m in matches if m)
        if vendor == 0 or product == 0:
            raise InvalidPrinterSpec(spec, "USB ids must not be 0")
        return UsbSpec(vendor, product)
    if text.lower().startswith("file:"):
        path = text[5:]
        if path.startswith("//"):  # file:///dev/usb/lp0
            path = path[2:]
        if not path.startswith("/"):
            raise InvalidPrinterSpec(spec, "expected an absolute device path, like file:/dev/usb/lp0")
        return FileSpec(path)
    raise InvalidPrinterSpec(spec, "unknown printer type")


class PrinterStatus(enum.Enum):
    OK = "ok"
    NO_PRINTER = "no_printer"
    UNREACHABLE = "unreachable"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    ERROR = "error"


@dataclass(frozen=True)
class PrinterState:
    """The outcome of one print: ``status``, a ``detail`` for errors, and whether the paper is nearly out."""

    status: PrinterStatus
    detail: str = ""
    paper_low: bool = False

    @property
    def printed(self) -> bool:
        return self.status is PrinterStatus.OK


def _escpos_cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "loket" / "escpos"


def _escpos() -> Any:
    """Import python-escpos, with its capabilities cache in a stable folder (else every import makes a temp dir)."""
    if "ESCPOS_CAPABILITIES_PICKLE_DIR" not in os.environ:
        cache = _escpos_cache_dir()
        try:
            cache.mkdir(parents=True, exist_ok=True)
            os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"] = str(cache)
        except OSError:  # read-only home: let escpos use a temporary folder
            log.warning("cannot create %s; python-escpos will cache its capabilities in a temp folder", cache)
    import escpos.printer  # type: ignore[import-untyped]

    return escpos.printer


def open_printer(spec: str, *, paper_width: int = 80, profile: str | None = None) -> Escpos | None:
    """An (unopened) python-escpos printer for ``spec``, or ``None`` for ``none``.

    The connection opens on first use. ``profile`` overrides the profile chosen for ``paper_width``.
    """
    parsed = parse_printer_spec(spec)
    if isinstance(parsed, NoPrinterSpec):
        return None
    if profile is None:
        if paper_width not in PROFILES:
            raise ValueError(f"paper_width must be one of {sorted(PROFILES)} (mm), not {paper_width!r}")
        profile = PROFILES[paper_width]
    printers = _escpos()
    printer: Escpos
    if isinstance(parsed, TcpSpec):
        printer = printers.Network(parsed.host, parsed.port, timeout=TIMEOUT_S, profile=profile)
    elif isinstance(parsed, UsbSpec):
        printer = printers.Usb(parsed.vendor_id, parsed.product_id, timeout=int(TIMEOUT_S * 1000), profile=profile)
    else:
        printer = printers.File(parsed.path, profile=profile)
    return printer


def print_ticket(spec_or_printer: str | Escpos | None, ticket: TicketPrint | AppointmentPrint) -> PrinterState:
    """Print ``ticket`` (or an appointment slip); returns the printer state and never raises for a printer fault.

    A spec string is opened for this ticket and closed afterwards; a printer object is used as is and left
    open (the caller owns it). ``None`` means no printer.
    """
    if spec_or_printer is None:
        return PrinterState(PrinterStatus.NO_PRINTER)
    if isinstance(spec_or_printer, str):
        printer = open_printer(spec_or_printer, paper_width=ticket.paper_width)
        if printer is None:
            return PrinterState(PrinterStatus.NO_PRINTER)
        try:
            return _print_on(printer, ticket)
        finally:
            _close_quietly(printer)
    return _print_on(spec_or_printer, ticket)


def _close_quietly(printer: Escpos) -> None:
    try:
        printer.close()
    except Exception:
        log.debug("closing the printer failed", exc_info=True)


def _print_on(printer: Escpos, ticket: TicketPrint | AppointmentPrint) -> PrinterState:
    from escpos.exceptions import DeviceNotFoundError  # type: ignore[import-untyped]

    try:
        _connect(printer)
        state = _check_status(printer)
        if state.status is not PrinterStatus.OK:
            return state
        _render(printer, blocks_of(ticket))
        return state
    except DeviceNotFoundError as exc:
        log.warning("printer unreachable: %s", exc)
        return PrinterState(PrinterStatus.UNREACHABLE, detail=str(exc))
    except OSError as exc:  # connection refused or reset, timeout, broken pipe, device file gone
        log.warning("printer connection failed: %s", exc)
        _close_quietly(printer)  # a reused printer object reconnects on its next ticket
        return PrinterState(PrinterStatus.UNREACHABLE, detail=f"{type(exc).__name__}: {exc}")
    except Exception as exc:  # usb.core.USBError, escpos errors, ...: a printer fault must not break the kiosk
        log.exception("printing the ticket failed")
        return PrinterState(PrinterStatus.ERROR, detail=f"{type(exc).__name__}: {exc}")


def _connect(printer: Escpos) -> None:
    """Open the connection now, to tell "unreachable" from a failure while printing.

    A network printer gets a socket of ours: python-escpos 3.1 leaks its socket when the connection fails.
    """
    if isinstance(printer, _escpos().Network) and not getattr(printer, "_device", None):
        try:
            printer.device = socket.create_connection((printer.host, printer.port), timeout=TIMEOUT_S)
        except OSError as exc:
            raise OSError(exc.errno, f"cannot connect to {printer.host}:{printer.port}: {exc.strerror or exc}") from exc
    else:
        printer.device  # noqa: B018 - the property opens the device


def _check_status(printer: Escpos) -> PrinterState:
    """Ask a network printer for its cover and paper (DLE EOT 2 and 4); other kinds are not asked."""
    escpos_printer = _escpos()
    if not isinstance(printer, escpos_printer.Network):
        return PrinterState(PrinterStatus.OK)
    try:
        offline_cause = printer.query_status(_DLE_EOT_OFFLINE_CAUSE)
        if offline_cause and offline_cause[0] & _COVER_OPEN_BIT:
            return PrinterState(PrinterStatus.COVER_OPEN)
        paper = printer.paper_status()  # 2 ok, 1 near end, 0 out
    except TimeoutError:
        # Some printers (or converters) never answer status requests: print anyway.
        log.info("printer did not answer the status request within %s s", TIMEOUT_S)
        return PrinterState(PrinterStatus.OK)
    if paper == 0:
        return PrinterState(PrinterStatus.PAPER_OUT)
    return PrinterState(PrinterStatus.OK, paper_low=paper == 1)


def _render(printer: Escpos, blocks: list[Block]) -> None:
    printer.hw("INIT")  # ESC @ resets the printer, including its code page...
    printer.magic.encoding = None  # ...so make python-escpos send ESC t again, even for a reused printer
    printer.charcode(CODE_PAGE)
    for block in blocks:
        if isinstance(block, Text):
            width, height = block.size
            printer.set(align=block.align, bold=block.bold, custom_size=True, width=width, height=height)
            printer.textln(block.text.translate(_TO_CODE_PAGE))
        elif isinstance(block, Qr):
            printer.set(align="center")
            printer.qr(block.payload, size=block.size, native=True, ec=1)  # ec 1: QR_ECLEVEL_M
        elif isinstance(block, Feed):
            printer.ln(block.lines)
        elif isinstance(block, Cut):
            printer.set(align="left", bold=False, normal_textsize=True)
            printer.cut()
    if hasattr(printer, "flush"):
        printer.flush()
