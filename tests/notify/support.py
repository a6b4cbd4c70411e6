"""Shared by the notify tests: a booking notice to vary, and free loopback ports."""

from __future__ import annotations

import dataclasses
import socket
from datetime import UTC, datetime

from notify.compose import BookingNotice

WINTER = datetime(2026, 12, 8, 9, 30, tzinfo=UTC)  # 10:30 in Brussels (UTC+1)
SUMMER = datetime(2026, 7, 7, 8, 30, tzinfo=UTC)  # 10:30 in Brussels (UTC+2)
MANAGE_URL = "https://loket.example.be/b/Zx81kq0PaT"
CANCEL_URL = "https://loket.example.be/annuleer/Qm27vT9xLw"  # no prefix of MANAGE_URL: each found on its own


def make_notice(**changes: object) -> BookingNotice:
    notice = BookingNotice(
        office_name="Gemeentehuis Brussel",
        office_address="Grasmarkt 1, 1000 Brussel",
        service_name="Identiteitskaart",
        code="K7QX-M4TP",
        slot_at=WINTER,
        timezone="Europe/Brussels",
        language="nl",
        manage_url=MANAGE_URL,
        cancel_url=CANCEL_URL,
        checklist=("uw oude identiteitskaart", "een recente pasfoto"),
        citizen_name="Zoë Peeters",
    )
    return dataclasses.replace(notice, **changes)  # type: ignore[arg-type]


def free_port() -> int:
    """A loopback port nothing listens on (the OS just handed it out and took it back)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
