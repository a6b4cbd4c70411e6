"""Which number a kiosk gives next offline, and when it reserves another block: pure functions of the blocks it
holds and the numbers already used, `now` passed in.

A block is a range of sequences of one service on one office-local day (A500..A549), reserved online for
this kiosk alone. Offline, the kiosk gives the lowest sequence of its blocks of that day not used yet (by
a ticket in its journal, or one the server already holds); when none is left it gives nothing rather than
invent a number. Online, it keeps at least `LOW` numbers ahead per service.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Protocol, TypeVar
from zoneinfo import ZoneInfo

#: Reserve another block when fewer numbers than this are left (of a service, today).
LOW = 10

#: Booking codes (`scheduler.bookings`; a test holds them equal): 8 characters of this alphabet, shown XXXX-XXXX.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8


class Block(Protocol):
    @property
    def service(self) -> str: ...
    @property
    def day(self) -> date: ...
    @property
    def first(self) -> int: ...
    @property
    def last(self) -> int: ...


B = TypeVar("B", bound=Block)


def office_day(now: datetime, timezone: str) -> date:
    """The office's local day at `now` (numbers and blocks are per office-local day)."""
    return now.astimezone(ZoneInfo(timezone)).date()


def format_number(service: str, sequence: int) -> str:
    """As the server numbers tickets (`scheduler.numbering.format_number`): A512, B007."""
    return f"{service}{sequence:03d}"


def of_day(blocks: Iterable[B], service: str, day: date) -> list[B]:
    """The blocks of `service` on `day`, lowest first."""
    return sorted((b for b in blocks if b.service == service and b.day == day), key=lambda b: b.first)


def next_free(blocks: Iterable[B], used: set[int], service: str, day: date) -> tuple[B, int] | None:
    """The block and sequence to give next to `service` on `day`; None when every reserved number is used."""
    for block in of_day(blocks, service, day):
        for sequence in range(block.first, block.last + 1):
            if sequence not in used:
                return block, sequence
    return None


def left(blocks: Iterable[Block], used: set[int], service: str, day: date) -> int:
    """How many numbers of `service` on `day` this kiosk can still give offline."""
    return sum(
        sum(1 for sequence in range(b.first, b.last + 1) if sequence not in used) for b in of_day(blocks, service, day)
    )


def wanted(blocks: Iterable[Block], used: dict[str, set[int]], services: Sequence[str], day: date) -> list[str]:
    """The services that need another block today: fewer than `LOW` numbers left (none reserved: 0 left)."""
    held = list(blocks)
    return [s for s in services if left(held, used.get(s, set()), s, day) < LOW]


def booking_code(text: str) -> str | None:
    """A booking code as typed or scanned, in its canonical form ("k7qx m4tp" -> "K7QX-M4TP"); None when it
    cannot be one (a remote ticket's 6-character code, a typo)."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t")
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return f"{raw[: CODE_LENGTH // 2]}-{raw[CODE_LENGTH // 2 :]}"
