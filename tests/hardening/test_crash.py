"""A server killed (SIGKILL) in the middle of a rush of kiosks: nothing acknowledged is lost, numbers continue
without duplicates, and every kiosk that retries with its Idempotency-Key gets one ticket, the original."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scheduler.model import Role
from tests.hardening.conftest import (
    SERVICES,
    Attempt,
    Kiosks,
    duplicate_numbers,
    event_seqs,
    issue,
    kiosk_client,
    numbers_by_service,
    stored_tickets,
)
from tests.support import Seeded, start_server

pytestmark = pytest.mark.e2e

RUSH_BEFORE_KILL_S = 1.0
ACKNOWLEDGED_BEFORE_KILL = 20  # at least; a loaded machine is slow to answer a fresh server's first requests
RUSH_AFTER_KILL_S = 0.3  # the kiosks keep trying a dead server for a moment
IN_FLIGHT_S = 0.001  # the kill comes while a request has been on its way this long (sent, not yet answered)


async def test_a_server_killed_mid_rush_loses_no_acknowledged_ticket_and_numbers_continue(
    database_url: str, seeder: Callable[..., Seeded], tmp_path: Path
) -> None:
    began = time.monotonic()
    seeded = seeder(database_url)
    log = tmp_path / "serve.log"
    server = await asyncio.to_thread(start_server, database_url, log=log)
    restarted = None
    try:
        kiosks = Kiosks(server.url, seeded.tokens[Role.KIOSK])
        kiosks.start()
        await kiosks.until_acknowledged(ACKNOWLEDGED_BEFORE_KILL, at_least_s=RUSH_BEFORE_KILL_S)
        # Killed while requests are on their way (no await in between: none of them can be answered first).
        on_their_way = await kiosks.until_in_flight(for_s=IN_FLIGHT_S)
        server.process.kill()
        await asyncio.sleep(RUSH_AFTER_KILL_S)
        await kiosks.stop()
        assert server.process.wait(10) == -9
        server.stop()

        restarted = await asyncio.to_thread(start_server, database_url, port=server.port, log=log)
        acknowledged = kiosks.acknowledged
        unanswered = kiosks.unanswered
        assert unanswered, "the kill hit no request: nothing was tested about requests cut short"
        cut_short = [a for a in on_their_way if a in kiosks.broken_mid_request]
        assert cut_short, (
            f"the kill hit no request: the {len(on_their_way)} on their way were answered "
            f"{[a.status for a in on_their_way]}, so nothing was tested about requests cut short"
        )
        assert {a.status for a in kiosks.attempts} <= {201, None}, [a.body for a in kiosks.attempts if a.status]

        # Every acknowledged ticket is there, as the kiosk printed it.
        by_id = {t.id: t for t in stored_tickets(seeded)}
        for a in acknowledged:
            stored = by_id.get(a.answer["id"])
            assert stored is not None, f"ticket {a.answer['number']} (key {a.key}) was acknowledged, then lost"
            assert (stored.number, stored.key) == (a.answer["number"], a.key)

        async with kiosk_client(restarted.url, seeded) as http:
            for a in acknowledged:
                token = a.answer["status_url"].rsplit("/", 1)[-1]
                status = await http.get(f"/api/status/{token}")
                assert (status.status_code, status.json()["number"]) == (200, a.answer["number"])

            # A retry of an acknowledged request answers the original ticket.
            for a in acknowledged:
                retry = Attempt(a.key, a.service, time.monotonic())
                await issue(http, retry)
                assert retry.status == 200, retry.body
                assert (retry.answer["id"], retry.answer["number"]) == (a.answer["id"], a.answer["number"])

            # A request cut short by the kill, retried with its key, makes at most one ticket: the one it
            # made before the kill (200) or a new one (201); a second retry gives that same one.
            replayed = 0
            for a in unanswered:
                first = Attempt(a.key, a.service, time.monotonic())
                await issue(http, first)
                assert first.status in (200, 201), first.body
                replayed += first.status == 200
                again = Attempt(a.key, a.service, time.monotonic())
                await issue(http, again)
                assert again.status == 200
                assert again.answer["id"] == first.answer["id"]

            tickets = stored_tickets(seeded)
            keys = [t.key for t in tickets]
            assert len(keys) == len(set(keys)), "one Idempotency-Key made two tickets"
            assert len(tickets) == len(acknowledged) + len(unanswered)

            # Numbering continues: no duplicate, no gap, and the next ticket of each service is max + 1.
            assert duplicate_numbers(tickets) == []
            before = numbers_by_service(tickets)
            for service, numbers in before.items():
                assert numbers == list(range(1, len(numbers) + 1)), f"service {service}: {numbers}"
            for service in SERVICES:
                fresh = Attempt(f"after-restart-{service}", service, time.monotonic())
                await issue(http, fresh)
                assert fresh.status == 201, fresh.body
                assert fresh.answer["number"] == f"{service}{max(before.get(service, [0])) + 1:03d}"

        seqs, office_seq = event_seqs(seeded)
        assert seqs == list(range(1, office_seq + 1)), "the office's event log has a gap or a duplicate"
    finally:
        if restarted is not None:
            restarted.stop()
        server.stop()

    took = time.monotonic() - began
    print(
        f"\n[hardening] crash {seeded.db.engine.dialect.name}: {len(kiosks.attempts)} requests, "
        f"{len(acknowledged)} acknowledged before the kill, {len(acknowledged)} found after restart, "
        f"{len(kiosks.broken_mid_request)} broken mid-request, "
        f"{len(unanswered)} unanswered in all ({replayed} had been stored, retry answered 200; "
        f"{len(unanswered) - replayed} stored on retry, 201), duplicates 0, "
        f"{len(acknowledged)} retries answered with the original; test {took:.1f} s"
    )
