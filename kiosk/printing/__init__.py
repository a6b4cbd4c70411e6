"""Ticket printing: a pure layout (:mod:`.layout`) and a python-escpos adapter (:mod:`.printer`)."""

from kiosk.printing.layout import AppointmentPrint, TicketPrint, appointment_blocks, blocks_of, ticket_blocks
from kiosk.printing.printer import (
    InvalidPrinterSpec,
    PrinterState,
    PrinterStatus,
    open_printer,
    parse_printer_spec,
    print_ticket,
)

__all__ = [
    "AppointmentPrint",
    "InvalidPrinterSpec",
    "PrinterState",
    "PrinterStatus",
    "TicketPrint",
    "appointment_blocks",
    "blocks_of",
    "open_printer",
    "parse_printer_spec",
    "print_ticket",
    "ticket_blocks",
]
