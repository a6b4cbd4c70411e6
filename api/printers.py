"""Kiosk printers: a kiosk reports its printer's state; the office's staff hear it as a `printer.status` event."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field

from api.deps import PartsDep, PrincipalDep, require
from api.schemas import Body
from scheduler import devices
from scheduler.access import Permission
from service.changes import change

router = APIRouter(tags=["kiosks"])


class PrinterReport(Body):
    kiosk: str = Field(min_length=1, max_length=64, description="The kiosk's name, e.g. hall-1")
    state: devices.PrinterState = Field(description="The printer's state after the last ticket")
    detail: str = Field("", max_length=200, description="What the printer or the kiosk said, for the staff")


@router.post("/api/offices/{office}/printer-status")
async def printer_status(office: str, body: PrinterReport, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """A kiosk tells the office how its printer is (kiosk or manager token)."""
    require(principal, Permission.ISSUE, office)
    now = parts.clock()
    event = await change(
        parts, office, now, lambda repo: devices.report_printer(repo, office, body.kiosk, body.state, body.detail, now)
    )
    return {"type": event.type, **event.data}
