"""The wire's typed models: parsed once in the client, with the server's own names and promise."""

from __future__ import annotations

from datetime import UTC, datetime, time

from client.models import (
    PROMISE_S,
    CounterEvent,
    EventType,
    IssuedTicket,
    OtherEvent,
    PrinterEvent,
    Snapshot,
    StaffingEvent,
    TicketEvent,
    live_message,
)
from scheduler import events
from scheduler.model import PROMISE


def test_the_wires_event_names_are_the_schedulers() -> None:
    assert {t.name: t.value for t in EventType} == {t.name: t.value for t in events.EventType}


def test_the_promise_the_apps_hold_is_the_schedulers() -> None:
    assert PROMISE.total_seconds() == PROMISE_S


def test_an_issued_ticket_knows_its_status_token_and_times() -> None:
    ticket = IssuedTicket.of(
        {
            "id": 7,
            "number": "A007",
            "service": "A",
            "state": "waiting",
            "checked_in_at": "2026-11-05T09:00:00+00:00",
            "status_url": "https://loket.example/t/abc123",
            "people_ahead": 2,
            "timed_return_offer": None,
        }
    )
    assert (ticket.status_token, ticket.people_ahead, ticket.timed_return_offer) == ("abc123", 2, None)
    assert ticket.checked_in_at == datetime(2026, 11, 5, 9, 0, tzinfo=UTC)


def test_each_live_message_becomes_its_model() -> None:
    ticket = {"id": 1, "number": "A001", "service": "A", "state": "called", "counter": {"id": 3, "name": "3"}}
    counter = {"id": 3, "name": "3", "state": "open", "services": ["A"], "skills": ["A", "B"]}
    snapshot = live_message(
        {"type": "snapshot", "seq": 4, "office": {"id": "town", "name": "Town"}, "counters": [counter]}
    )
    assert isinstance(snapshot, Snapshot)
    assert (snapshot.seq, snapshot.office.name, snapshot.counters[0].skills) == (4, "Town", ("A", "B"))
    called = live_message({"seq": 5, "type": "ticket.called", "ticket": ticket})
    assert isinstance(called, TicketEvent)
    assert (called.type, called.ticket.number, called.ticket.counter and called.ticket.counter.name) == (
        EventType.TICKET_CALLED,
        "A001",
        "3",
    )
    assert isinstance(live_message({"seq": 6, "type": "counter.opened", "counter": counter}), CounterEvent)
    printer = live_message({"seq": 7, "type": "printer.status", "kiosk": "hall", "state": "paper_out"})
    assert printer == PrinterEvent(7, "hall", "paper_out")
    assert live_message({"seq": 8, "type": "staffing.advice", "lines": ["open 1"]}) == StaffingEvent(8, ("open 1",))
    assert isinstance(live_message({"seq": 9, "type": "something.new"}), OtherEvent)


def test_the_offices_hours_are_read_as_times_today_and_per_weekday() -> None:
    office = Snapshot.of(
        {
            "office": {
                "id": "town",
                "hours_today": [["08:30", "12:30"], ["13:30", "16:00"]],
                "hours": {"mon": [["08:30", "12:30"]], "sat": [], "sun": [["bad", "pair"]]},
            }
        }
    ).office
    assert office.hours_today == ((time(8, 30), time(12, 30)), (time(13, 30), time(16, 0)))
    assert office.hours == {0: ((time(8, 30), time(12, 30)),), 5: (), 6: ()}


def test_an_office_closed_today_is_told_apart_from_a_server_that_says_nothing_of_hours() -> None:
    assert Snapshot.of({"office": {"id": "town", "hours_today": []}}).office.hours_today == ()
    silent = Snapshot.of({"office": {"id": "town"}}).office
    assert (silent.hours_today, silent.hours) == (None, {})
