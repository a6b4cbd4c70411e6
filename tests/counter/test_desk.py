"""What the clerk's screen is made of, from a snapshot and the day's events (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from client.models import Snapshot, live_message
from counter.desk import desk, notice_of

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def ago(minutes: float) -> str:
    return (NOW - timedelta(minutes=minutes)).isoformat()


def ticket(number: str, service: str, waited_min: float, **more: Any) -> dict[str, Any]:
    return {"id": hash(number) % 1000, "number": number, "service": service, "checked_in_at": ago(waited_min), **more}


SNAPSHOT: dict[str, Any] = {
    "office": {"id": "town", "name": "Town", "timezone": "Europe/Brussels"},
    "services": [
        {"code": "A", "names": {"en": "Identity card"}, "estimated_wait_s": 600},
        {"code": "B", "names": {"en": "Passport"}, "estimated_wait_s": 120},
        {"code": "C", "names": {"en": "Certificates"}, "estimated_wait_s": 0},
    ],
    "counters": [
        {"id": 1, "name": "1", "services": ["A", "B"], "state": "open", "ticket": ticket("A001", "A", 3)},
        {"id": 2, "name": "2", "services": ["C"], "state": "closed", "ticket": None},
    ],
    "waiting": [
        ticket("A002", "A", 7),
        ticket("B001", "B", 2),
        ticket("C001", "C", 9),
        ticket("A003", "A", 8, return_at=(NOW + timedelta(minutes=5)).isoformat()),  # away: not late
    ],
    "parked": [ticket("B002", "B", 20, counter={"id": 1, "name": "1"})],
}


def test_the_desk_shows_my_citizen_my_services_queue_and_my_parked_tickets() -> None:
    mine = desk(Snapshot.of(SNAPSHOT), 1, NOW)
    assert mine.current is not None
    assert mine.current.number == "A001"
    assert [t.number for t in mine.queue] == ["A002", "B001", "A003"]
    assert [t.number for t in mine.parked] == ["B002"]
    assert [(s.code, s.waiting, s.oldest_wait_s) for s in mine.services] == [("A", 2, 420), ("B", 1, 120)]
    assert mine.counters_by_name == {"1": 1, "2": 2}


def test_citizens_waiting_over_five_minutes_for_my_services_are_an_alert() -> None:
    assert desk(Snapshot.of(SNAPSHOT), 1, NOW).alerts == (
        "1 waiting over 5 minutes for your services (longest 7 min 0 s)",
    )
    assert desk(Snapshot.of(SNAPSHOT), 2, NOW).alerts == (
        "1 waiting over 5 minutes for your services (longest 9 min 0 s)",
    )


@pytest.mark.parametrize(
    ("event", "notice"),
    [
        (
            {"type": "printer.status", "kiosk": "hall-1", "state": "paper_out", "detail": ""},
            ("printer:hall-1", "Kiosk hall-1: printer out of paper"),
        ),
        ({"type": "printer.status", "kiosk": "hall-1", "state": "ok"}, ("printer:hall-1", None)),
        (
            {"type": "staffing.advice", "lines": ["10:00-11:00: open 1 more counter for Passport"]},
            ("staffing", "Staffing: 10:00-11:00: open 1 more counter for Passport"),
        ),
        ({"type": "staffing.advice", "lines": []}, ("staffing", None)),
        ({"type": "ticket.called"}, None),
    ],
)
def test_printer_faults_and_staffing_advice_raise_and_clear_alerts(
    event: dict[str, Any], notice: tuple[str, str | None] | None
) -> None:
    parsed = live_message(event)
    assert not isinstance(parsed, Snapshot)
    assert notice_of(parsed) == notice


def test_kept_notices_come_after_the_late_citizens() -> None:
    alerts = desk(Snapshot.of(SNAPSHOT), 1, NOW, {"printer:hall-1": "Kiosk hall-1: printer out of paper"}).alerts
    assert alerts[1:] == ("Kiosk hall-1: printer out of paper",)
