"""The display's board model: pure, fed snapshots and events by hand."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from client.models import Event, Snapshot, live_message
from display.board import Board, language_at
from display.words import labels, wait_text


def ticket(number: str, counter: str = "1", *, recalls: int = 0, ticket_id: int | None = None) -> dict[str, Any]:
    return {
        "id": ticket_id if ticket_id is not None else int(number[1:]),
        "number": number,
        "service": number[0],
        "state": "called",
        "called_at": "2026-11-05T09:00:00+00:00",
        "recalls": recalls,
        "counter": {"id": int(counter) if counter.isdigit() else 9, "name": counter},
    }


def snapshot(seq: int, recent: list[dict[str, Any]] | None = None, waiting: int = 0) -> Snapshot:
    return Snapshot.of(
        {
            "type": "snapshot",
            "office": {"id": "town", "name": "Town hall", "timezone": "Europe/Brussels"},
            "seq": seq,
            "services": [
                {
                    "code": "A",
                    "names": {"nl": "Identiteitskaart", "fr": "Carte d'identité"},
                    "waiting": waiting,
                    "estimated_wait_s": 600,
                },
                {"code": "B", "names": {"en": "Passport"}, "waiting": 0, "estimated_wait_s": 0},
            ],
            "counters": [],
            "waiting": [],
            "parked": [],
            "recent_calls": recent or [],
        }
    )


def event(raw: dict[str, Any]) -> Event:
    """An event off the wire, as the client parses it."""
    parsed = live_message(raw)
    assert not isinstance(parsed, Snapshot)
    return parsed


def called(seq: int, number: str, counter: str = "1", **kw: Any) -> Event:
    return event(
        {"seq": seq, "type": "ticket.called", "office": "town", "at": "now", "ticket": ticket(number, counter, **kw)}
    )


def recalled(seq: int, number: str, counter: str = "1", recalls: int = 1) -> Event:
    return event(
        {
            "seq": seq,
            "type": "ticket.recalled",
            "office": "town",
            "at": "now",
            "ticket": ticket(number, counter, recalls=recalls),
        }
    )


def other(seq: int, kind: str = "ticket.issued") -> Event:
    return event({"seq": seq, "type": kind, "office": "town", "at": "now", "ticket": ticket("A099")})


def shown(board: Board) -> list[tuple[str, str, bool]]:
    return [(c.number, c.counter, c.recall) for c in board.calls()]


def feed(board: Board, *events: Event) -> Board:
    for event in events:
        board = board.apply(event)
    return board


CASES = [
    pytest.param([], [], 10, id="nothing yet"),
    pytest.param([called(11, "A001")], [("A001", "1", False)], 11, id="one call"),
    pytest.param(
        [called(11, "A001"), called(12, "B001", "2"), called(13, "A002", "3")],
        [("A002", "3", False), ("B001", "2", False), ("A001", "1", False)],
        13,
        id="newest first",
    ),
    pytest.param(
        [called(11, "A001"), called(11, "A001"), called(12, "A002"), called(11, "A001"), called(12, "A002")],
        [("A002", "1", False), ("A001", "1", False)],
        12,
        id="the same seq twice changes nothing",
    ),
    pytest.param(
        [called(11, "A001"), called(12, "A002"), called(5, "A003")],
        [("A002", "1", False), ("A001", "1", False)],
        12,
        id="an old seq is ignored",
    ),
    pytest.param(
        [called(11, "A001"), called(12, "A002"), recalled(13, "A001")],
        [("A001", "1", True), ("A002", "1", False)],
        13,
        id="a recall is the latest again, marked, not repeated below",
    ),
    pytest.param(
        [called(11, "A001"), recalled(12, "A001"), recalled(12, "A001"), recalled(13, "A001", recalls=2)],
        [("A001", "1", True)],
        13,
        id="recalling the latest keeps one line",
    ),
    pytest.param(
        [called(11, "A001"), recalled(12, "A001"), called(13, "A002")],
        [("A002", "1", False), ("A001", "1", True)],
        13,
        id="a new call after a recall",
    ),
    pytest.param(
        [called(11, "A001"), other(12), other(13, "staff.only"), other(14, "counter.opened"), called(15, "A002")],
        [("A002", "1", False), ("A001", "1", False)],
        15,
        id="other events only move the seq",
    ),
    pytest.param(
        [called(11, "A001", "1"), called(12, "B001"), called(13, "A001", "2")],
        [("A001", "2", False), ("B001", "1", False)],
        13,
        id="a number called again (parked, transferred) shows once, at its new counter",
    ),
]


@pytest.mark.parametrize(("events", "expected", "seq"), CASES)
def test_events_in_order_each_once(events: list[Event], expected: list[tuple[str, str, bool]], seq: int) -> None:
    board = feed(Board.from_snapshot(snapshot(10)), *events)
    assert shown(board) == expected
    assert board.seq == seq


def test_the_history_keeps_the_newest_calls_only() -> None:
    board = feed(Board.from_snapshot(snapshot(0), history=7), *(called(i, f"A{i:03d}") for i in range(1, 21)))
    assert [c.number for c in board.calls()] == [f"A{i:03d}" for i in range(20, 12, -1)]
    assert len(board.previous) == 7


def test_a_snapshot_starts_the_board_again_from_its_recent_calls() -> None:
    board = feed(Board.from_snapshot(snapshot(10)), called(11, "A001"), called(12, "A002"))
    recent = [ticket("C005", "3", recalls=1), ticket("B004", "2"), ticket("C005", "3"), ticket("A003")]
    board = board.reset(snapshot(40, recent, waiting=4))
    assert shown(board) == [("C005", "3", True), ("B004", "2", False), ("A003", "1", False)]
    assert board.seq == 40
    assert board.services[0].waiting == 4
    assert board.apply(called(40, "A009")) is board  # already in the snapshot
    assert shown(board.apply(called(41, "A009")))[0] == ("A009", "1", False)


def test_a_snapshot_may_go_backwards_a_reset_office() -> None:
    board = feed(Board.from_snapshot(snapshot(10)), called(11, "A001"))
    board = board.reset(snapshot(2))
    assert board.calls() == ()
    assert shown(board.apply(called(3, "A001"))) == [("A001", "1", False)]


def test_fresh_numbers_per_service_keep_the_calls_and_the_seq() -> None:
    board = feed(Board.from_snapshot(snapshot(10)), called(11, "A001"))
    fresher = board.with_services(snapshot(9, [ticket("B007")], waiting=12))
    assert shown(fresher) == [("A001", "1", False)]
    assert fresher.seq == 11
    assert [(s.code, s.waiting, s.estimated_wait_s) for s in fresher.services] == [("A", 12, 600), ("B", 0, 0)]


def test_office_name_time_zone_and_service_names() -> None:
    board = Board.from_snapshot(snapshot(1))
    assert (board.office_id, board.office_name, board.timezone) == ("town", "Town hall", "Europe/Brussels")
    service_a, service_b = board.services
    assert (service_a.name("nl"), service_a.name("fr"), service_b.name("fr")) == (
        "Identiteitskaart",
        "Carte d'identité",
        "Passport",
    )


START = datetime(2026, 11, 5, 9, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("seconds", "languages", "expected"),
    [
        (0, ("nl", "fr"), "nl"),
        (9.9, ("nl", "fr"), "nl"),
        (10, ("nl", "fr"), "fr"),
        (19, ("nl", "fr"), "fr"),
        (20, ("nl", "fr"), "nl"),
        (10, ("nl", "fr", "en"), "fr"),
        (20, ("nl", "fr", "en"), "en"),
        (30, ("nl", "fr", "en"), "nl"),
        (10, ("fr",), "fr"),
    ],
)
def test_languages_take_turns_every_ten_seconds(seconds: float, languages: tuple[str, ...], expected: str) -> None:
    assert language_at(START + timedelta(seconds=seconds), languages) == expected


@pytest.mark.parametrize(
    ("language", "texts"),
    [
        ("nl", ("Ticket", "Loket", "Wachtend", "Wachttijd")),
        ("fr", ("Ticket", "Guichet", "En attente", "Attente")),
        ("en", ("Ticket", "Counter", "Waiting", "Wait")),
        ("de", ("Ticket", "Counter", "Waiting", "Wait")),  # no texts: English
    ],
)
def test_labels_per_language(language: str, texts: tuple[str, str, str, str]) -> None:
    found = labels(language)
    assert (found.ticket, found.counter, found.waiting, found.wait) == texts


@pytest.mark.parametrize(
    ("seconds", "language", "expected"),
    [(0, "nl", "geen"), (59, "fr", "aucune"), (60, "en", "± 1 min"), (600, "nl", "± 10 min"), (629, "fr", "± 10 min")],
)
def test_wait_texts(seconds: int, language: str, expected: str) -> None:
    assert wait_text(seconds, language) == expected


def test_a_fresh_snapshot_brings_a_renamed_office_its_hours_and_renamed_services_keeping_the_calls() -> None:
    board = feed(Board.from_snapshot(snapshot(10)), called(11, "A001"))
    assert board.hours_today is None  # a server that does not say its hours
    changed = Snapshot.of(
        {
            "office": {"id": "town", "name": "Town hall (Annex)", "hours_today": [["08:30", "12:30"]]},
            "seq": 11,
            "services": [{"code": "A", "names": {"nl": "eID", "fr": "eID belge"}, "waiting": 0}],
        }
    )
    fresher = board.with_services(changed)
    assert shown(fresher) == [("A001", "1", False)]
    assert (fresher.office_name, fresher.hours_today) == ("Town hall (Annex)", ((time(8, 30), time(12, 30)),))
    assert [s.name("fr") for s in fresher.services] == ["eID belge"]
