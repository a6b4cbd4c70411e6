"""Devices in the room that the staff must know about: a kiosk's ticket printer out of paper, its cover open.

The kiosk reports the state after each print (and when it changes); the event reaches clerk terminals and
the display's staff view. Nothing is stored but the event.
"""

from __future__ import annotations

import enum
from datetime import datetime

from scheduler.events import Event, EventType
from scheduler.repository import Repository

EVENT_TYPE = EventType.PRINTER_STATUS


class PrinterState(enum.StrEnum):
    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    UNREACHABLE = "unreachable"
    ERROR = "error"


def report_printer(
    repo: Repository, office_id: str, kiosk: str, state: PrinterState, detail: str, now: datetime
) -> Event:
    """Publish a kiosk printer's state to the office (raises NotFound for an unknown office)."""
    repo.office(office_id)
    event = Event(
        office_id,
        EVENT_TYPE,
        {"kiosk": kiosk, "state": state.value, "detail": detail, "reported_at": now.isoformat()},
    )
    repo.emit(event)
    return event
