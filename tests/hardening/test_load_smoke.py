"""The region load of bench/load.py, small and short on SQLite: a few offices with kiosks, clerks and displays at
once against a real `loket serve`; no request fails and every display gets every event of its office."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from bench.load import Plan, rss_bytes, run_region, seed_region
from tests.support import start_server

pytestmark = pytest.mark.e2e

PLAN = Plan(
    offices=3,
    counters=5,
    displays=4,
    arrivals_per_s=2.0,
    service_s=(20.0, 60.0),
    speed=30.0,  # 0.7-2 s per citizen: 5 counters keep up with 2 tickets a second
    duration_s=8.0,
    drain_s=20.0,
    settle_s=10.0,
)


async def test_a_small_region_under_load_gets_no_errors_and_every_display_every_event(
    sqlite_url: str, tmp_path: Path
) -> None:
    began = time.monotonic()
    offices = await asyncio.to_thread(seed_region, sqlite_url, PLAN)
    server = await asyncio.to_thread(start_server, sqlite_url, log=tmp_path / "serve.log")
    try:
        result = await run_region(server.url, offices, PLAN, server.process.pid)
    finally:
        await asyncio.to_thread(server.stop)

    assert result.errors == []
    tickets = int(PLAN.offices * PLAN.duration_s * PLAN.arrivals_per_s)
    assert tickets - PLAN.offices <= result.issued <= tickets + PLAN.offices
    assert result.served == result.issued
    assert len(result.issue) == result.issued
    assert result.empty_calls == 0  # a clerk is woken once per waiting ticket
    assert result.displays == PLAN.offices * PLAN.displays
    assert result.every_display_got_every_event
    assert result.late_displays == 0
    # Each display (connected once the counters were open) saw each of its office's tickets issued, called and
    # finished.
    assert result.events_received == result.events_expected == PLAN.displays * 3 * result.issued
    assert len(result.delivery) == PLAN.displays * result.issued
    assert result.rss_peak >= result.rss_start > 0
    assert rss_bytes(server.process.pid) == 0  # the server is gone
    print(
        f"\n[load smoke] {result.issued} tickets, issue p99 {max(result.issue) * 1000:.0f} ms max, "
        f"test {time.monotonic() - began:.0f} s"
    )
