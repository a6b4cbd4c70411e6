"""What the kiosk offers a citizen told a wait over the promise (`client.models.PROMISE_S`, five minutes): to
wait elsewhere (the ticket's QR code follows the turn on a phone, and the status page says when to come back)
and, for a bookable service, an appointment instead: the next free slots, booked on the spot.

The walk-in ticket is issued only once the citizen has declined the appointment: one citizen never holds both.

Every offer is counted in the kiosk's log (logger `kiosk.offers`): how many were told a wait over the promise,
how many were offered an appointment, and how many took one.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from client.http import LoketClient
from client.models import PROMISE_S, Slot

log = logging.getLogger("kiosk.offers")

#: How many free slots the kiosk offers, at most this many on one day (so that another day shows too).
SLOTS_OFFERED = 4
SLOTS_PER_DAY = 2
#: How many days ahead (the office's today included) the kiosk looks for them.
DAYS_AHEAD = 14


def over_promise(wait_s: int) -> bool:
    """The wait told is over the promise: the kiosk offers to wait elsewhere, or an appointment instead."""
    return wait_s > PROMISE_S


async def next_free_slots(
    client: LoketClient,
    office: str,
    service: str,
    now: datetime,
    timezone: str,
    *,
    wanted: int = SLOTS_OFFERED,
    per_day: int = SLOTS_PER_DAY,
    days: int = DAYS_AHEAD,
) -> list[Slot]:
    """The next slots of `service` with a free seat, from the office's today on (the server leaves out the ones
    already begun). Raises `LoketError` (e.g. 422 `service_not_bookable`) and `Unreachable`."""
    today: date = now.astimezone(ZoneInfo(timezone)).date()
    found: list[Slot] = []
    for n in range(days):
        free = [slot for slot in await client.free_slots(office, service, today + timedelta(days=n)) if slot.free > 0]
        found += free[:per_day]
        if len(found) >= wanted:
            break
    return found[:wanted]


@dataclass
class OfferTally:
    """The kiosk's counts since it started, logged on every change (the share accepted is read from the log)."""

    told_over_promise: int = 0
    offered: int = 0
    accepted: int = 0

    def told(self, service: str, wait_s: int) -> None:
        self.told_over_promise += 1
        self._log("told a wait over the promise", service, wait_s)

    def offer(self, service: str, wait_s: int) -> None:
        self.offered += 1
        self._log("appointment offer made", service, wait_s)

    def accept(self, service: str, wait_s: int) -> None:
        self.accepted += 1
        self._log("appointment offer accepted", service, wait_s)

    def _log(self, what: str, service: str, wait_s: int) -> None:
        log.info(
            "%s: service=%s wait_s=%d (told_over_promise=%d offered=%d accepted=%d)",
            what,
            service,
            wait_s,
            self.told_over_promise,
            self.offered,
            self.accepted,
        )
