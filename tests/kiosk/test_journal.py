"""The kiosk's journal: every line durable before the kiosk goes on, a torn last line ignored (and cut off before
the next), shared safely by two processes; and the offline desk that gives numbers from it."""

from __future__ import annotations

import json
import multiprocessing
import os
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from kiosk.journal import (
    BlockRecord,
    Journal,
    PrintedRecord,
    Record,
    RefusedRecord,
    SyncedRecord,
    TicketRecord,
    default_path,
)
from kiosk.offline import NoNumbers, NotOffline, OfflineDesk

NOW = datetime(2026, 3, 2, 8, 41, 7, tzinfo=UTC)
DAY = date(2026, 3, 2)


def block(service: str = "A", first: int = 500, last: int = 502, day: date = DAY) -> BlockRecord:
    return BlockRecord(
        office="town",
        kiosk="hall-1",
        service=service,
        day=day,
        first=first,
        last=last,
        status_url_prefix="https://loket.example/t/",
        office_name="Town hall",
        timezone="Europe/Brussels",
        names={"nl": "Identiteitskaart", "fr": "Carte d'identité", "en": "Identity card"},
    )


def ticket(key: str, number: str = "A500", seq: int | None = 500) -> TicketRecord:
    return TicketRecord(
        key=key,
        number=number,
        service="A",
        appointment=None,
        language="nl",
        checked_in_at=NOW,
        token="t" * 32,
        day=DAY,
        seq=seq,
    )


def lines(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"XDG_STATE_HOME": "/var/lib/k", "HOME": "/home/k"}, "/var/lib/k/loket/kiosk-town-hall-1.jsonl"),
        ({"HOME": "/home/k"}, "/home/k/.local/state/loket/kiosk-town-hall-1.jsonl"),
        ({"XDG_STATE_HOME": "", "HOME": "/home/k"}, "/home/k/.local/state/loket/kiosk-town-hall-1.jsonl"),
    ],
)
def test_the_default_journal_is_in_the_users_state_folder(environ: dict[str, str], expected: str) -> None:
    assert default_path("town", "hall-1", environ) == Path(expected)


def test_a_name_never_leaves_the_folder() -> None:
    assert default_path("../x", "a/b", {"HOME": "/h"}) == Path("/h/.local/state/loket/kiosk-.._x-a_b.jsonl")


def test_every_kind_of_line_is_written_as_json_and_read_back(tmp_path: Path) -> None:
    path = tmp_path / "state" / "kiosk.jsonl"  # the folder is made
    records: list[Record] = [
        block(),
        ticket("k1"),
        PrintedRecord("k1", "ok"),
        SyncedRecord("k1", 42),
        ticket("k2", "A501", 501),
        RefusedRecord("k2", "number_taken", "A501 is taken"),
    ]
    with Journal(path) as journal:
        for record in records:
            journal.append(record)
    written = lines(path)
    assert [line["type"] for line in written] == ["block", "ticket", "printed", "synced", "ticket", "refused"]
    assert written[1] == {
        "type": "ticket",
        "key": "k1",
        "number": "A500",
        "service": "A",
        "appointment": None,
        "language": "nl",
        "checked_in_at": "2026-03-02T08:41:07+00:00",
        "token": "t" * 32,
        "day": "2026-03-02",
        "seq": 500,
    }
    state = Journal(path).refresh()
    assert state.blocks == [block()]
    assert list(state.tickets) == ["k1", "k2"]
    assert state.printed == {"k1": "ok"}
    assert state.synced == {"k1": 42}
    assert state.refused["k2"].code == "number_taken"
    assert state.unsynced() == []
    assert state.used("A", DAY) == {500, 501}
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_each_line_is_fsynced_before_append_returns(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "kiosk.jsonl"
    synced_sizes: list[int] = []
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        synced_sizes.append(os.fstat(fd).st_size)

    monkeypatch.setattr(os, "fsync", fsync)
    with Journal(path) as journal:
        journal.append(ticket("k1"))
        assert synced_sizes[-1] == path.stat().st_size  # the line is on disk when append returns
        journal.append(PrintedRecord("k1"))
        assert synced_sizes[-1] == path.stat().st_size


def test_a_torn_last_line_is_ignored_and_cut_off_before_the_next(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.jsonl"
    with Journal(path) as journal:
        journal.append(block())
        journal.append(ticket("k1"))
    whole = path.read_bytes()
    torn = b'{"type":"ticket","key":"k2","number":"A5'  # the power went mid-write
    path.write_bytes(whole + torn)

    with Journal(path) as journal:
        assert list(journal.state.tickets) == ["k1"]
        assert journal.state.damaged == 0
        journal.append(ticket("k3", "A501", 501))
    after = path.read_bytes()
    assert after.startswith(whole)
    assert torn not in after
    assert [line.get("key") for line in lines(path)] == [None, "k1", "k3"]


def test_a_damaged_line_elsewhere_is_skipped_and_counted(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.jsonl"
    with Journal(path) as journal:
        journal.append(ticket("k1"))
    path.write_bytes(path.read_bytes() + b"\x00\x00garbage\n" + b'{"type":"future","x":1}\n')
    with Journal(path) as journal:
        journal.append(ticket("k2", "A501", 501))
    state = Journal(path).refresh()
    assert list(state.tickets) == ["k1", "k2"]
    assert state.damaged == 1  # the unknown type is not damage: a newer kiosk's line


def test_two_journals_on_one_file_see_each_others_lines(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.jsonl"
    with Journal(path) as app, Journal(path) as script:
        app.append(block())
        script.append(ticket("k1"))
        assert list(app.refresh().tickets) == ["k1"]
        assert script.refresh().blocks == [block()]


def _issue_many(path: str, count: int) -> None:
    with Journal(path) as journal:
        desk = OfflineDesk(journal, "town", "hall-1")
        for _ in range(count):
            desk.issue("nl", NOW, "Europe/Brussels", service="A")


def test_two_processes_issuing_from_one_journal_never_give_a_number_twice(tmp_path: Path) -> None:
    path = tmp_path / "kiosk.jsonl"
    with Journal(path) as journal:
        journal.append(block(first=500, last=549))
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_issue_many, args=(str(path), 20)) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    numbers = [t.number for t in Journal(path).refresh().tickets.values()]
    assert sorted(numbers) == [f"A{n}" for n in range(500, 540)]


# -- the offline desk ----------------------------------------------------------------------------------------


def desk_with(tmp_path: Path, *blocks: BlockRecord) -> OfflineDesk:
    journal = Journal(tmp_path / "kiosk.jsonl")
    for held in blocks:
        journal.append(held)
    return OfflineDesk(journal, "town", "hall-1")


def test_offline_numbers_come_from_the_block_in_order_and_stop_when_used_up(tmp_path: Path) -> None:
    desk = desk_with(tmp_path, block(first=500, last=501), block(first=560, last=560))
    given = [desk.issue("fr", NOW, "Europe/Brussels", service="A") for _ in range(3)]
    assert [g.number for g in given] == ["A500", "A501", "A560"]
    first = given[0]
    assert first.status_url == f"https://loket.example/t/{first.record.token}"
    assert 22 <= len(first.record.token) <= 64
    assert (first.office_name, first.service_name, first.timezone) == (
        "Town hall",
        "Carte d'identité",
        "Europe/Brussels",
    )
    assert first.record.checked_in_at == NOW
    assert len({g.key for g in given}) == 3
    with pytest.raises(NoNumbers):
        desk.issue("fr", NOW, "Europe/Brussels", service="A")
    assert len(desk.journal.state.tickets) == 3  # nothing journalled for the refusal


def test_a_ticket_is_journalled_before_issue_returns(tmp_path: Path) -> None:
    desk = desk_with(tmp_path, block())
    issued = desk.issue("nl", NOW, "Europe/Brussels", service="A")
    # What a restart reads (a kill right after, before any print): the number is used.
    restarted = OfflineDesk(Journal(desk.journal.path), "town", "hall-1")
    assert restarted.journal.refresh().unsynced() == [issued.record]
    assert restarted.issue("nl", NOW, "Europe/Brussels", service="A").number == "A501"


def test_no_block_of_the_service_or_of_today_gives_nothing(tmp_path: Path) -> None:
    yesterday = DAY - timedelta(days=1)
    desk = desk_with(tmp_path, block(day=yesterday), block(service="B"))
    with pytest.raises(NoNumbers):
        desk.issue("nl", NOW, "Europe/Brussels", service="A")
    assert desk.issue("nl", NOW, "Europe/Brussels", service="B").number == "B500"


def test_numbers_the_server_holds_already_are_skipped(tmp_path: Path) -> None:
    desk = desk_with(tmp_path, block())
    desk.server_used[("A", DAY)] = {500}
    assert desk.issue("nl", NOW, "Europe/Brussels", service="A").number == "A501"


def test_the_office_day_is_local(tmp_path: Path) -> None:
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 March in Brussels
    desk = desk_with(tmp_path, block())
    assert desk.issue("nl", late, "Europe/Brussels", service="A").record.day == DAY


def test_a_booking_code_typed_offline_is_journalled_as_its_canonical_code(tmp_path: Path) -> None:
    desk = desk_with(tmp_path, block())
    issued = desk.issue("en", NOW, "Europe/Brussels", code="k7qx m4tp")
    assert (issued.number, issued.record.appointment, issued.record.service) == ("K7QX-M4TP", "K7QX-M4TP", None)
    assert issued.record.seq is None
    assert desk.issue("en", NOW, "Europe/Brussels", service="A").number == "A500"  # no block number used
    with pytest.raises(NotOffline):
        desk.issue("en", NOW, "Europe/Brussels", code="K7QXM4")  # a remote ticket's code: only the server knows


def test_another_kiosks_or_offices_blocks_are_not_this_kiosks(tmp_path: Path) -> None:
    other = replace(block(), kiosk="hall-2")
    desk = desk_with(tmp_path, other)
    with pytest.raises(NoNumbers):
        desk.issue("nl", NOW, "Europe/Brussels", service="A")


def test_the_office_is_known_offline_from_todays_blocks(tmp_path: Path) -> None:
    desk = desk_with(tmp_path, block(service="B"), block(service="A"))
    view = desk.office_view(NOW)
    assert view is not None
    assert (view.id, view.name, view.timezone) == ("town", "Town hall", "Europe/Brussels")
    assert [(s.code, s.name("fr"), s.served) for s in view.services] == [
        ("A", "Carte d'identité", True),
        ("B", "Carte d'identité", True),
    ]
    assert OfflineDesk(Journal(tmp_path / "empty.jsonl"), "town", "hall-1").office_view(NOW) is None
