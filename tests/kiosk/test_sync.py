"""Uploading the journal: in order, each ticket with its own key, refusals journalled (never sent again), a
server that does not answer or fails tried again later with the rest."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import httpx

from client.http import LoketClient
from kiosk.journal import Journal
from kiosk.offline import OfflineDesk
from kiosk.sync import sync
from tests.kiosk.test_journal import block

NOW = datetime(2026, 3, 2, 8, 41, 7, tzinfo=UTC)


class Server:
    """What the kiosk sent (key and body per request) and the answers, one per request in turn."""

    def __init__(self, *answers: int | str) -> None:
        self.answers = list(answers)
        self.sent: list[tuple[str, dict[str, object]]] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        body = json.loads(request.content)
        self.sent.append((request.headers["Idempotency-Key"], body))
        answer = self.answers.pop(0) if self.answers else 201
        if answer == "down":
            raise httpx.ConnectError("connection refused", request=request)
        assert isinstance(answer, int)
        if answer < 300:
            ticket = {"id": len(self.sent), "number": body["number"], "service": "A", "state": "waiting"}
            return httpx.Response(answer, json={**ticket, "status_url": "u", "offline": True, "note": None})
        return httpx.Response(answer, json={"error": f"e{answer}", "detail": "no", "field": "number"})


def journal_with_tickets(tmp_path: Path, count: int) -> tuple[Journal, list[str]]:
    journal = Journal(tmp_path / "kiosk.jsonl")
    journal.append(block(first=500, last=549))
    desk = OfflineDesk(journal, "town", "hall-1")
    keys = [desk.issue("nl", NOW, "Europe/Brussels", service="A").key for _ in range(count)]
    return journal, keys


def client(server: Server) -> LoketClient:
    return LoketClient("http://loket.test", "token", transport=httpx.MockTransport(server))


async def test_every_ticket_is_sent_in_order_with_its_own_key(tmp_path: Path) -> None:
    journal, keys = journal_with_tickets(tmp_path, 3)
    server = Server()
    async with client(server) as http:
        report = await sync(http, journal, "town", "hall-1")
    assert [key for key, _ in server.sent] == keys
    assert [body["number"] for _, body in server.sent] == ["A500", "A501", "A502"]
    first = server.sent[0][1]
    assert first == {
        "kiosk": "hall-1",
        "number": "A500",
        "language": "nl",
        "checked_in_at": "2026-03-02T08:41:07+00:00",
        "token": journal.state.tickets[keys[0]].token,
        "service": "A",
    }
    assert report.synced == [("A500", 1), ("A501", 2), ("A502", 3)]
    assert (report.pending, report.reachable, report.stopped) == (0, True, "")
    assert Journal(journal.path).refresh().synced == {keys[0]: 1, keys[1]: 2, keys[2]: 3}
    async with client(server) as http:
        again = await sync(http, journal, "town", "hall-1")
    assert again.synced == []
    assert len(server.sent) == 3  # nothing sent twice


async def test_a_refusal_is_journalled_and_never_sent_again(tmp_path: Path) -> None:
    journal, keys = journal_with_tickets(tmp_path, 3)
    server = Server(201, 409, 201)
    async with client(server) as http:
        report = await sync(http, journal, "town", "hall-1")
        assert report.refused == [("A501", "e409", "no")]
        assert [n for n, _ in report.synced] == ["A500", "A502"]
        await sync(http, journal, "town", "hall-1")
    assert len(server.sent) == 3
    refused = Journal(journal.path).refresh().refused[keys[1]]
    assert (refused.code, refused.detail) == ("e409", "no")


async def test_no_answer_stops_the_round_and_the_next_sends_the_rest_in_order(tmp_path: Path) -> None:
    journal, keys = journal_with_tickets(tmp_path, 3)
    server = Server(201, "down")
    async with client(server) as http:
        report = await sync(http, journal, "town", "hall-1")
        assert (report.reachable, report.pending, len(report.synced)) == (False, 2, 1)
        report = await sync(http, journal, "town", "hall-1")
    assert report.synced == [("A501", 3), ("A502", 4)]
    # The ticket whose answer was lost is asked again with the same key (the server answers the same ticket).
    assert [key for key, _ in server.sent] == [keys[0], keys[1], keys[1], keys[2]]


async def test_a_server_error_or_a_refused_kiosk_is_tried_again_later(tmp_path: Path) -> None:
    journal, _ = journal_with_tickets(tmp_path, 2)
    server = Server(503, 403, 429)
    async with client(server) as http:
        for _ in range(3):
            report = await sync(http, journal, "town", "hall-1")
            assert (report.reachable, bool(report.stopped), report.pending) == (True, True, 2)
        report = await sync(http, journal, "town", "hall-1")
    assert [n for n, _ in report.synced] == ["A500", "A501"]
    assert Journal(journal.path).refresh().refused == {}
