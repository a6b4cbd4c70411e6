"""Ticket printing: a pure layout (:mod:`.layout`) and a python-escpos adapter (:mod:`.printer`)."""

from kiosk.printing.layout import TicketPrint, ticket_blocks
from kiosk.printing.printer import (
    InvalidPrinterSpec,
    PrinterState,
    PrinterStatus,
    open_printer,
    parse_printer_spec,
    print_ticket,
)

__all__ = [
    "InvalidPrinterSpec",
    "PrinterState",
    "PrinterStatus",
    "TicketPrint",
    "open_printer",
    "parse_printer_spec",
    "print_ticket",
    "ticket_blocks",
]
