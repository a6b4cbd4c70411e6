"""Offline kiosks: the rules of number blocks and of syncing what a kiosk issued offline, in memory."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from scheduler import offline, usecases
from scheduler.errors import Conflict, DomainError, Invalid, NotFound
from scheduler.lifecycle import Action
from scheduler.memory import MemoryRepository
from scheduler.model import Booking, BookingState, TicketKind, TicketState
from scheduler.offline import NumberBlock, OfflineEntry
from tests.scheduler.conftest import OFFICE, T0, Desk, at

DAY = date(2026, 3, 2)
TOKEN = "t" * 22


def block(first: int, last: int, kiosk: str = "hall-1", service: str = "A", day: date = DAY) -> NumberBlock:
    return NumberBlock(OFFICE, service, day, kiosk, first, last, T0)


def entry(number: str | None = "A500", when: datetime = T0, **fields: str) -> OfflineEntry:
    values: dict[str, object] = {"kiosk": "hall-1", "language": "nl", "token": TOKEN, "service": "A", **fields}
    return OfflineEntry(checked_in_at=when, number=number, **values)  # type: ignore[arg-type]


def refusal(exc: pytest.ExceptionInfo[DomainError]) -> tuple[str, object]:
    return exc.value.code, exc.value.extra.get("field")


# The pure rules


@pytest.mark.parametrize(
    ("value", "blocks", "expected"),
    [
        (1, [], 1),
        (499, [block(500, 549)], 499),
        (500, [block(500, 549)], 550),
        (549, [block(500, 549)], 550),
        (550, [block(500, 549)], 550),
        # Back to back, in any order: jumps over both.
        (500, [block(550, 599, "hall-2"), block(500, 549)], 600),
        # A gap between blocks is given online.
        (520, [block(500, 549), block(560, 569)], 550),
    ],
)
def test_online_numbering_jumps_over_every_block(value: int, blocks: list[NumberBlock], expected: int) -> None:
    assert offline.skip_blocks(value, blocks) == expected


@pytest.mark.parametrize(
    ("blocks", "online_last", "size", "expected"),
    [
        ([], 0, 50, (500, 549)),  # the day's first block
        ([], 12, 10, (500, 509)),
        ([block(500, 549)], 12, 50, (550, 599)),  # after the highest block, whichever kiosk's
        ([block(500, 549, "hall-2"), block(550, 599)], 40, 200, (600, 799)),
        ([], 620, 50, (621, 670)),  # online numbers went past 500 already: after them
        ([block(500, 549)], 700, 50, (701, 750)),
    ],
)
def test_the_next_block_starts_after_every_number_reserved_or_given(
    blocks: list[NumberBlock], online_last: int, size: int, expected: tuple[int, int]
) -> None:
    assert offline.next_range(blocks, online_last, "hall-1", size) == expected


def test_a_kiosk_reserves_at_most_twenty_blocks_of_a_service_a_day() -> None:
    nineteen = [block(500 + 10 * i, 509 + 10 * i) for i in range(offline.MAX_BLOCKS - 1)]
    assert offline.next_range(nineteen, 0, "hall-1", 10) == (690, 699)
    twenty = [*nineteen, block(690, 699)]
    with pytest.raises(Conflict) as exc:
        offline.next_range(twenty, 0, "hall-1", 10)
    assert refusal(exc) == ("too_many_blocks", "kiosk")
    assert offline.next_range(twenty, 0, "hall-2", 10) == (700, 709)  # another kiosk still may


@pytest.mark.parametrize(("highest", "size"), [(9950, 50), (9999, 10), (9900, 200)])
def test_no_block_goes_past_four_digits_whatever_kiosk_names_are_invented(highest: int, size: int) -> None:
    with pytest.raises(Conflict) as exc:
        offline.next_range([block(highest - 9, highest, "made-up")], 0, "another", size)
    assert refusal(exc) == ("too_many_blocks", "size")


@pytest.mark.parametrize(("size", "expected"), [(None, 50), (10, 10), (200, 200)])
def test_a_block_holds_the_size_asked_or_fifty(size: int | None, expected: int) -> None:
    assert offline.check_size(size) == expected


@pytest.mark.parametrize("size", [9, 201, 0, -1, 10**30])
def test_a_size_outside_ten_to_two_hundred_is_refused(size: int) -> None:
    with pytest.raises(Invalid) as exc:
        offline.check_size(size)
    assert refusal(exc) == ("invalid_size", "size")


@pytest.mark.parametrize("name", ["hall-1", "H", "kiosk_2.entrance", "x" * 40])
def test_kiosk_names(name: str) -> None:
    assert offline.check_kiosk(name) == name


@pytest.mark.parametrize("name", ["", "x" * 41, "hall 1", "hall/1", "hall\n1", "hallé", "../etc", "a;b"])
def test_kiosk_names_refused(name: str) -> None:
    with pytest.raises(Invalid) as exc:
        offline.check_kiosk(name)
    assert refusal(exc) == ("invalid_kiosk", "kiosk")


@pytest.mark.parametrize(
    ("number", "service", "sequence"),
    [
        ("A512", "A", 512),
        ("A001", "A", 1),
        ("A1000", "A", 1000),
        ("AB512", "AB", 512),
        ("A0512", "A", None),  # not as printed
        ("A12", "A", None),
        ("A000", "A", None),
        ("B512", "A", None),
        ("a512", "A", None),
        ("A", "A", None),
        ("A-12", "A", None),
        ("A５１２", "A", None),  # full-width digits are digits to Python, not to us
        ("A" + "9" * 40, "A", None),
    ],
)
def test_the_sequence_of_a_printed_number(number: str, service: str, sequence: int | None) -> None:
    assert offline.sequence_of(number, service) == sequence


@pytest.mark.parametrize(
    ("slot", "checked_in", "note"),
    [
        (at(60), at(30), "early"),  # check-in opens 15 minutes before the slot
        (at(60), at(45), None),
        (at(60), at(70), None),
        (at(60), at(71), "late"),  # closes 10 minutes after it
    ],
)
def test_an_appointment_typed_offline_is_noted_early_or_late_as_the_online_window_says(
    slot: datetime, checked_in: datetime, note: str | None
) -> None:
    assert offline.note_of(slot, checked_in) == note


def test_the_sequences_used_are_those_of_the_block_synced() -> None:
    synced = {("A", "A512"), ("A", "A500"), ("A", "A550"), ("B", "A513"), ("A", "K7QX-M4TP"), ("A", "A003")}
    assert offline.used(block(500, 549), synced) == [500, 512]


# The use cases, on the in-memory repository


def test_online_numbers_skip_a_block_reserved_meanwhile(repo: MemoryRepository, desk: Desk) -> None:
    for _ in range(3):
        desk.issue("A", at(1))
    reserved = offline.reserve(repo, OFFICE, "hall-1", "A", 10, at(2))
    assert (reserved.first, reserved.last, reserved.first_number, reserved.last_number) == (500, 509, "A500", "A509")
    repo._numbers[(OFFICE, "A", DAY)] = 498  # a busy morning
    assert [desk.issue("A", at(3)).number for _ in range(3)] == ["A499", "A510", "A511"]
    assert offline.reserve(repo, OFFICE, "hall-2", "A", None, at(4)).first == 512


def test_blocks_are_per_service_and_day(repo: MemoryRepository) -> None:
    assert offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0)).first == 500
    assert offline.reserve(repo, OFFICE, "hall-1", "B", None, at(0)).first == 500
    tomorrow = offline.reserve(repo, OFFICE, "hall-1", "A", None, at(24 * 60))
    assert (tomorrow.first, tomorrow.day) == (500, date(2026, 3, 3))


def test_reserving_for_an_unknown_service_is_refused(repo: MemoryRepository) -> None:
    with pytest.raises(NotFound) as exc:
        offline.reserve(repo, OFFICE, "hall-1", "Z", None, at(0))
    assert exc.value.code == "service_not_found"


def test_a_walk_in_synced_keeps_its_number_and_its_place(repo: MemoryRepository, desk: Desk) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    online = desk.issue("A", at(10))
    synced = offline.sync(repo, OFFICE, "k1", entry("A500", at(5)), at(20))
    ticket = synced.ticket
    assert (ticket.number, ticket.kind, ticket.state, ticket.offline, ticket.checked_in_at) == (
        "A500",
        TicketKind.WALKIN,
        TicketState.WAITING,
        True,
        at(5),
    )
    assert not synced.replayed
    snapshot = usecases.queue_snapshot(repo, OFFICE, at(20))
    assert [t["number"] for t in snapshot["waiting"]] == ["A500", online.number]
    assert desk.events()[-1] == "ticket.issued"


def test_the_same_key_again_answers_the_same_ticket(repo: MemoryRepository) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    first = offline.sync(repo, OFFICE, "k1", entry("A500", at(5)), at(20))
    again = offline.sync(repo, OFFICE, "k1", entry("A500", at(5)), at(30))
    assert (again.ticket, again.replayed) == (first.ticket, True)
    assert len(repo.tickets_in(OFFICE, {TicketState.WAITING})) == 1


@pytest.mark.parametrize(
    ("changed", "code", "field"),
    [
        ({"number": "A501"}, "idempotency_key_reused", "Idempotency-Key"),
        ({"token": "u" * 22}, "idempotency_key_reused", "Idempotency-Key"),
    ],
)
def test_the_same_key_for_another_ticket_is_refused(
    repo: MemoryRepository, changed: dict[str, Any], code: str, field: str
) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    offline.sync(repo, OFFICE, "k1", entry("A500", at(5)), at(20))
    other = replace(entry("A500", at(5)), **changed)
    with pytest.raises(Conflict) as exc:
        offline.sync(repo, OFFICE, "k1", other, at(20))
    assert refusal(exc) == (code, field)


def _synced_twice(repo: MemoryRepository, second: OfflineEntry) -> tuple[str, object]:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    offline.reserve(repo, OFFICE, "hall-2", "A", None, at(0))
    offline.sync(repo, OFFICE, "k1", entry("A500", at(5)), at(20))
    with pytest.raises(DomainError) as exc:
        offline.sync(repo, OFFICE, "k2", second, at(20))
    return refusal(exc)


@pytest.mark.parametrize(
    ("second", "expected"),
    [
        (entry("A500", at(6), token="v" * 22), ("number_taken", "number")),
        (entry("A500", at(6), token=TOKEN), ("number_taken", "number")),
        (entry("A501", at(6), token=TOKEN), ("token_taken", "token")),
        # Another kiosk's block, or no block at all: not this kiosk's to give.
        (entry("A550", at(6), token="v" * 22), ("number_not_reserved", "number")),
        (entry("A600", at(6), token="v" * 22), ("number_not_reserved", "number")),
        (entry("A499", at(6), token="v" * 22), ("number_not_reserved", "number")),
        (entry("B500", at(6), token="v" * 22, service="B"), ("number_not_reserved", "number")),
        (entry("A501", at(23), token="v" * 22), ("invalid_checked_in_at", "checked_in_at")),  # 3 min ahead
        (entry("A501", at(6), token="short"), ("invalid_ticket_token", "token")),
        (entry("A501", at(6), token="v" * 21 + "/"), ("invalid_ticket_token", "token")),
        (entry("A501", at(6), token="v" * 65), ("invalid_ticket_token", "token")),
        (entry("A501", at(6), token="v" * 22, language="de"), ("invalid_language", "language")),
        (entry("A501", at(6), token="v" * 22, kiosk="hall 1"), ("invalid_kiosk", "kiosk")),
        (entry("A501", at(6), token="v" * 22, service="Z"), ("service_not_found", "service")),
        (entry("A0501", at(6), token="v" * 22), ("invalid_number", "number")),
        (entry("B501", at(6), token="v" * 22), ("invalid_number", "number")),
        (entry(None, at(6), token="v" * 22), ("number_required", "number")),
    ],
    ids=lambda v: v[0] if isinstance(v, tuple) else None,
)
def test_refusals_name_their_field(repo: MemoryRepository, second: OfflineEntry, expected: tuple[str, str]) -> None:
    assert _synced_twice(repo, second) == expected


def test_a_walk_in_needs_a_service(repo: MemoryRepository) -> None:
    with pytest.raises(Invalid) as exc:
        offline.sync(repo, OFFICE, "k", OfflineEntry("hall-1", "nl", at(1), TOKEN, number="A500"), at(2))
    assert refusal(exc) == ("service_required", "service")


def test_a_status_token_of_an_online_ticket_cannot_be_taken_over(repo: MemoryRepository) -> None:
    online = usecases.issue_ticket(repo, OFFICE, "A", "nl", at(1), token="w" * 32).ticket
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    with pytest.raises(Conflict) as exc:
        offline.sync(repo, OFFICE, "k", entry("A500", at(5), token=online.token), at(6))
    assert refusal(exc) == ("token_taken", "token")
    assert repo.ticket_by_token(online.token) == online


def test_a_check_in_time_before_the_blocks_day_is_refused(repo: MemoryRepository) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    with pytest.raises(Invalid) as exc:
        offline.sync(repo, OFFICE, "k", entry("A500", at(-24 * 60)), at(5))
    assert refusal(exc) == ("invalid_checked_in_at", "checked_in_at")


@pytest.mark.parametrize(
    "checked_in",
    [
        datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=14))),  # before the first instant datetime holds
        datetime(9999, 12, 31, 23, 59, tzinfo=timezone(timedelta(hours=-14))),
        datetime(1970, 1, 1, tzinfo=UTC),
        at(-8 * 24 * 60),  # more than a week ago
        at(5) + offline.CLOCK_SLACK + timedelta(seconds=1),
    ],
    ids=str,
)
def test_check_in_times_out_of_range_are_refused(repo: MemoryRepository, checked_in: datetime) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    with pytest.raises(Invalid) as exc:
        offline.sync(repo, OFFICE, "k", entry("A500", checked_in), at(5))
    assert refusal(exc) == ("invalid_checked_in_at", "checked_in_at")


def test_a_check_in_time_two_minutes_ahead_is_a_kiosk_clock_running_fast(repo: MemoryRepository) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    synced = offline.sync(repo, OFFICE, "k", entry("A500", at(5) + offline.CLOCK_SLACK), at(5))
    assert synced.ticket.checked_in_at == at(5) + offline.CLOCK_SLACK


def test_a_check_in_time_before_the_block_was_reserved_is_held_to_that_moment(repo: MemoryRepository) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(30))
    synced = offline.sync(repo, OFFICE, "k", entry("A500", at(1)), at(40))
    assert synced.ticket.checked_in_at == at(30)


def test_a_check_in_time_in_another_zone_is_the_same_instant_in_utc(repo: MemoryRepository) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    brussels = at(5).astimezone(timezone(timedelta(hours=1)))
    synced = offline.sync(repo, OFFICE, "k", entry("A500", brussels), at(6))
    assert synced.ticket.checked_in_at == at(5)
    assert synced.ticket.checked_in_at.tzinfo == UTC


def test_a_ticket_synced_after_its_day_is_kept_and_cancelled(repo: MemoryRepository, desk: Desk) -> None:
    offline.reserve(repo, OFFICE, "hall-1", "A", None, at(0))
    tomorrow = at(24 * 60)
    synced = offline.sync(repo, OFFICE, "k", entry("A500", at(5)), tomorrow)
    assert (synced.ticket.state, synced.ticket.day, synced.ticket.finished_at) == (
        TicketState.CANCELLED,
        DAY,
        tomorrow,
    )
    assert desk.events()[-2:] == ["ticket.issued", "ticket.cancelled"]
    assert repo.events[OFFICE][-1][1].data["reason"] == "day_ended"
    again = offline.sync(repo, OFFICE, "k", entry("A500", at(5)), tomorrow)
    assert (again.replayed, again.ticket.state) == (True, TicketState.CANCELLED)


# Appointments typed offline


def _booked(repo: MemoryRepository, slot: datetime, state: BookingState = BookingState.BOOKED) -> Booking:
    return repo.add_booking(Booking(OFFICE, "B", "K7QX-M4TP", slot, "fr", state=state))


@pytest.mark.parametrize(("checked_in", "note"), [(at(0), "early"), (at(55), None), (at(90), "late")])
def test_an_appointment_typed_offline_is_checked_in_as_at_the_kiosk(
    repo: MemoryRepository, checked_in: datetime, note: str | None
) -> None:
    _booked(repo, at(60))
    typed = OfflineEntry("hall-1", "fr", checked_in, TOKEN, appointment="k7qx m4tp")
    synced = offline.sync(repo, OFFICE, "k", typed, at(100))
    ticket = synced.ticket
    assert (ticket.number, ticket.service, ticket.kind, ticket.slot_at, ticket.offline, ticket.offline_note) == (
        "K7QX-M4TP",
        "B",
        TicketKind.APPOINTMENT,
        at(60),
        True,
        note,
    )
    booking = repo.booking_by_code(OFFICE, "K7QX-M4TP")
    assert booking is not None
    assert (booking.state, booking.ticket_id) == (BookingState.CHECKED_IN, ticket.id)
    assert offline.sync(repo, OFFICE, "k", typed, at(101)).ticket == ticket  # the same key: the same ticket


def test_a_booking_marked_no_show_meanwhile_is_still_checked_in(repo: MemoryRepository) -> None:
    _booked(repo, at(60), BookingState.NO_SHOW)
    typed = OfflineEntry("hall-1", "fr", at(65), TOKEN, appointment="K7QX-M4TP")
    assert offline.sync(repo, OFFICE, "k", typed, at(100)).ticket.offline_note is None


@pytest.mark.parametrize(
    ("state", "typed", "expected"),
    [
        (BookingState.CANCELLED, {}, ("unknown_appointment", "appointment")),
        (BookingState.BOOKED, {"appointment": "K7QX-M4TQ"}, ("unknown_appointment", "appointment")),
        (BookingState.BOOKED, {"appointment": "not a code"}, ("unknown_appointment", "appointment")),
        (BookingState.CHECKED_IN, {}, ("appointment_already_checked_in", "appointment")),
        (BookingState.BOOKED, {"service": "A"}, ("appointment_service_mismatch", "service")),
        (BookingState.BOOKED, {"number": "A500"}, ("invalid_number", "number")),
    ],
)
def test_appointments_refused(
    repo: MemoryRepository, state: BookingState, typed: dict[str, str], expected: tuple[str, str]
) -> None:
    _booked(repo, at(60), state)
    values = {"appointment": "K7QX-M4TP", **typed}
    with pytest.raises(DomainError) as exc:
        offline.sync(repo, OFFICE, "k", OfflineEntry("hall-1", "fr", at(55), TOKEN, **values), at(100))
    assert refusal(exc) == expected


def test_the_clerk_calling_an_offline_appointment_is_told_its_note(repo: MemoryRepository, desk: Desk) -> None:
    _booked(repo, at(60))
    offline.sync(repo, OFFICE, "k", OfflineEntry("hall-1", "fr", at(0), TOKEN, appointment="K7QX-M4TP"), at(70))
    desk.open(1, now=at(70))
    called = usecases.call_next(repo, 1, at(70))
    assert called is not None
    assert repo.events[OFFICE][-1][1].data["ticket"]["offline_note"] == "early"
    assert usecases.act_on_ticket(repo, called.id or 0, Action.START, at(71), counter_id=1).offline_note == "early"
