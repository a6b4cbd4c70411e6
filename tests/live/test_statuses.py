"""A status stream's mailbox (`live.statuses.Watch`): only changed views, only the newest one; and what counts
as changed (`citizen.status_gist`)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

from live.statuses import Watch, frame
from scheduler.citizen import status_gist

NOW = datetime(2026, 3, 2, 9, 0, 10, tzinfo=UTC)


def status(people_ahead: int, wait_s: int = 600, **more: Any) -> dict[str, Any]:
    return {
        "people_ahead": people_ahead,
        "estimated_wait_s": wait_s,
        "estimated_wait_range_s": [wait_s // 2, wait_s * 2],
        **more,
    }


def told(view: dict[str, Any], now: datetime = NOW) -> tuple[bytes, object]:
    full = view if "estimated_wait_s" in view else status(**view)
    return frame(full), status_gist(full, now)


async def test_a_new_stream_gets_its_first_view_whatever_it_is() -> None:
    watch = Watch("town", "t")
    watch.offer(*told({"people_ahead": 3}))
    assert await watch.next() == told({"people_ahead": 3})[0]


async def test_a_stream_too_slow_to_read_gets_only_the_newest_view() -> None:
    watch = Watch("town", "t")
    for ahead in (3, 2, 1, 0):
        watch.offer(*told({"people_ahead": ahead}))
    assert await watch.next() == told({"people_ahead": 0})[0]
    watch.end()
    assert await watch.next() is None


async def test_a_view_that_did_not_change_is_not_sent_again() -> None:
    watch = Watch("town", "t")
    watch.offer(*told({"people_ahead": 3}))
    assert await watch.next() == told({"people_ahead": 3})[0]
    watch.offer(*told({"people_ahead": 3}))
    watch.end()
    assert await watch.next() is None


async def test_a_waiting_stream_wakes_for_a_new_view() -> None:
    watch = Watch("town", "t")
    watch.offer(*told({"people_ahead": 1}))
    await watch.next()
    waiting = asyncio.create_task(watch.next())
    await asyncio.sleep(0)
    assert not waiting.done()
    watch.offer(*told({"people_ahead": 0}))
    assert await asyncio.wait_for(waiting, 1) == told({"people_ahead": 0})[0]


def test_time_passing_alone_changes_no_gist_but_a_new_estimate_or_place_does() -> None:
    later = NOW + timedelta(seconds=20)
    assert status_gist(status(3, 600), NOW) == status_gist(status(3, 580), later)
    assert status_gist(status(3, 600), NOW) != status_gist(status(3, 600), later + timedelta(seconds=60))
    assert status_gist(status(3, 600), NOW) != status_gist(status(3, 300), NOW)
    assert status_gist(status(3, 600), NOW) != status_gist(status(2, 580), later)
    assert status_gist(status(3, 600, state="waiting"), NOW) != status_gist(status(3, 600, state="called"), NOW)
