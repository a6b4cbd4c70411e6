"""Reading the arrivals CSV of a workload day (../shared/workloads/FORMAT.md)."""

from __future__ import annotations

from datetime import time

import pytest

from scheduler.errors import Invalid
from scheduler.model import TicketKind
from scheduler.workload import Arrival, parse_arrivals

HEADER = "id,kind,service,arrival,slot,duration_s,patience_s"


def parse(*rows: str, header: str = HEADER) -> tuple[Arrival, ...]:
    return parse_arrivals([header, *rows])


def test_walkins_appointments_and_no_shows_are_read_in_file_order() -> None:
    arrivals = parse(
        "1,walkin,A,08:31:05,,540,600",
        "2,appointment,B,08:25:00,08:30:00,700,",
        "3,appointment,B,,09:00:00,700,",
        "4,walkin,C,08:40:00,,120,",
    )
    assert arrivals == (
        Arrival("1", TicketKind.WALKIN, "A", time(8, 31, 5), None, 540, 600),
        Arrival("2", TicketKind.APPOINTMENT, "B", time(8, 25), time(8, 30), 700, None),
        Arrival("3", TicketKind.APPOINTMENT, "B", None, time(9), 700, None),
        Arrival("4", TicketKind.WALKIN, "C", time(8, 40), None, 120, None),
    )
    assert [a.line for a in arrivals] == [2, 3, 4, 5]
    assert [a.came for a in arrivals] == [True, True, False, True]


def test_a_header_with_a_byte_order_mark_and_without_the_optional_columns_is_accepted() -> None:
    arrivals = parse("7,walkin,A,10:00:00,300", header="\ufeffid,kind,service,arrival,duration_s")
    assert arrivals == (Arrival("7", TicketKind.WALKIN, "A", time(10), None, 300, None),)


def test_blank_lines_are_skipped_and_lines_keep_their_numbers() -> None:
    arrivals = parse("", "1,walkin,A,10:00:00,,300,", "  ", "2,walkin,A,10:01:00,,300,")
    assert [(a.id, a.line) for a in arrivals] == [("1", 3), ("2", 5)]


def test_a_file_with_only_a_header_is_a_day_without_citizens() -> None:
    assert parse() == ()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (["1,visitor,A,10:00:00,,300,"], "line 2 (id 1), column 'kind': 'visitor' is not 'walkin' or 'appointment'"),
        (["1,walkin,A,25:00:00,,300,"], "line 2 (id 1), column 'arrival': '25:00:00' is not a clock time"),
        (["1,walkin,A,10:00:00+01:00,,300,"], "column 'arrival': '10:00:00+01:00': give the office's local time"),
        (["1,walkin,A,10:00:00,,ten,"], "line 2 (id 1), column 'duration_s': 'ten' is not a whole number"),
        (["1,walkin,A,10:00:00,,-5,"], "column 'duration_s': -5 is negative"),
        (["1,walkin,A,10:00:00,,,"], "column 'duration_s': empty"),
        (["1,walkin,A,10:00:00,,300,1.5"], "column 'patience_s': '1.5' is not a whole number"),
        (["1,walkin,A,,,300,"], "column 'arrival': empty, but only an appointment may never come"),
        (["1,walkin,A,10:00:00,10:00:00,300,"], "column 'slot': a walk-in has no booked slot"),
        (["1,appointment,A,10:00:00,,300,"], "column 'slot': an appointment needs the start of its booked slot"),
        (["1,appointment,A,10:00:00,10:00:00,300,60"], "column 'patience_s': only walk-ins give up"),
        ([",walkin,A,10:00:00,,300,"], "line 2, column 'id': empty"),
        (["1,walkin,,10:00:00,,300,"], "column 'service': empty"),
        (["1,walkin,A,10:00:00,,300,", "1,walkin,A,10:01:00,,300,"], "line 3: id '1' already used on line 2"),
        (["1,walkin,A,10:00:00,,300"], "line 2: 6 fields where the header has 7"),
        (["1,walkin,A,10:00:00,,300,,extra"], "line 2: 8 fields where the header has 7"),
    ],
)
def test_a_bad_row_is_refused_naming_its_line_and_column(rows: list[str], message: str) -> None:
    with pytest.raises(Invalid, match=r"^arrivals file, ") as refused:
        parse(*rows)
    assert message in refused.value.detail
    assert refused.value.code == "invalid_workload"


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([], "arrivals file is empty"),
        (["id,kind,service,slot,duration_s"], "line 1: missing column 'arrival'"),
        (["name,when"], "missing columns 'id', 'kind', 'service', 'arrival', 'duration_s'"),
        (["id,id,kind,service,arrival,slot,duration_s"], "column 'id' appears twice"),
    ],
)
def test_a_bad_header_is_refused(lines: list[str], message: str) -> None:
    with pytest.raises(Invalid) as refused:
        parse_arrivals(lines)
    assert message in refused.value.detail


def test_the_line_number_does_not_take_part_in_equality() -> None:
    assert Arrival("1", TicketKind.WALKIN, "A", time(9), None, 60, line=2) == Arrival(
        "1", TicketKind.WALKIN, "A", time(9), None, 60, line=9
    )
