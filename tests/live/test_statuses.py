"""A status stream's mailbox (`live.statuses.Watch`): only changed views, only the newest one."""

from __future__ import annotations

import asyncio

from live.statuses import Watch, frame


async def test_a_stream_too_slow_to_read_gets_only_the_newest_view() -> None:
    watch = Watch("town", "t")
    watch.begin(frame({"people_ahead": 3}))
    for ahead in (2, 1, 0):
        watch.offer(frame({"people_ahead": ahead}))
    assert await watch.next() == frame({"people_ahead": 0})
    watch.end()
    assert await watch.next() is None


async def test_a_view_that_did_not_change_is_not_sent_again() -> None:
    watch = Watch("town", "t")
    watch.begin(frame({"people_ahead": 3}))
    watch.offer(frame({"people_ahead": 3}))
    watch.end()
    assert await watch.next() is None


async def test_a_view_offered_while_the_stream_read_its_first_follows_it_unless_the_same() -> None:
    newer = Watch("town", "t")
    newer.offer(frame({"people_ahead": 2}))
    newer.begin(frame({"people_ahead": 3}))
    assert await newer.next() == frame({"people_ahead": 2})
    same = Watch("town", "t")
    same.offer(frame({"people_ahead": 3}))
    same.begin(frame({"people_ahead": 3}))
    same.end()
    assert await same.next() is None


async def test_a_waiting_stream_wakes_for_a_new_view() -> None:
    watch = Watch("town", "t")
    watch.begin(frame({"people_ahead": 1}))
    waiting = asyncio.create_task(watch.next())
    await asyncio.sleep(0)
    assert not waiting.done()
    watch.offer(frame({"people_ahead": 0}))
    assert await asyncio.wait_for(waiting, 1) == frame({"people_ahead": 0})
