"""Which number a kiosk gives next offline and when it reserves another block: pure rules."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest

from kiosk import blocks
from scheduler.bookings import CODE_ALPHABET, CODE_LENGTH, new_code, normalise_code
from scheduler.numbering import format_number

DAY = date(2026, 3, 2)


@dataclass(frozen=True)
class Block:
    service: str
    day: date
    first: int
    last: int


HELD = [
    Block("A", DAY, 550, 559),
    Block("A", DAY, 500, 509),
    Block("B", DAY, 500, 549),
    Block("A", date(2026, 3, 1), 500, 549),
]


@pytest.mark.parametrize(
    ("used", "service", "expected"),
    [
        (set(), "A", 500),  # the lowest block first, whatever the order held
        ({500, 501}, "A", 502),
        ({500, 502}, "A", 501),  # a gap (a number the server holds) is still free
        (set(range(500, 510)), "A", 550),  # the next block
        (set(range(500, 510)) | set(range(550, 560)), "A", None),  # used up
        (set(), "B", 500),
        (set(), "C", None),  # no block of the service
    ],
)
def test_the_next_number_is_the_lowest_free_one_of_todays_blocks(
    used: set[int], service: str, expected: int | None
) -> None:
    found = blocks.next_free(HELD, used, service, DAY)
    assert (found[1] if found else None) == expected


def test_how_many_are_left_and_which_services_want_a_block() -> None:
    assert blocks.left(HELD, set(), "A", DAY) == 20
    assert blocks.left(HELD, set(range(500, 510)), "A", DAY) == 10
    used = {"A": set(range(500, 510)) | {550}, "B": set(range(500, 530))}
    # A: 9 left (under LOW); B: 20 left; C: none held.
    assert blocks.wanted(HELD, used, ["A", "B", "C"], DAY) == ["A", "C"]
    assert blocks.wanted(HELD, {}, ["A", "B"], date(2026, 3, 3)) == ["A", "B"]  # a new day: nothing held


@pytest.mark.parametrize("sequence", [1, 12, 500, 999, 1000])
def test_numbers_are_written_as_the_server_writes_them(sequence: int) -> None:
    assert blocks.format_number("A", sequence) == format_number("A", sequence)


@pytest.mark.parametrize(
    "typed", ["k7qx m4tp", "K7QXM4TP", "K7QX-M4TP", " k7qx-m4tp ", "K7QXM4", "K7QX-M4T1", "", "ABCDEFGHI"]
)
def test_booking_codes_are_read_as_the_server_reads_them(typed: str) -> None:
    assert blocks.booking_code(typed) == normalise_code(typed)
    assert (blocks.CODE_ALPHABET, blocks.CODE_LENGTH) == (CODE_ALPHABET, CODE_LENGTH)
    code = new_code()
    assert blocks.booking_code(code.lower()) == code


def test_the_day_is_the_offices_local_day() -> None:
    assert blocks.office_day(datetime(2026, 3, 1, 23, 30, tzinfo=UTC), "Europe/Brussels") == DAY
