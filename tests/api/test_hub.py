"""The hub delivers each office's events in order, once, healing gaps from the event log."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from live.bus import MemoryBus
from live.hub import Delivery, Hub
from scheduler import usecases
from scheduler.repository import Repository
from store.database import WireEvent
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 9, tzinfo=UTC)


def issuing(token: str) -> Callable[[Repository], usecases.Issued]:
    """The write that issues a ticket with `token` (bound here, not to a loop variable that moves on)."""
    return lambda repo: usecases.issue_ticket(repo, "town", "A", "nl", NOW, token=token)


def issue(seeded: Seeded, n: int) -> list[WireEvent]:
    events: list[WireEvent] = []
    for i in range(n):
        _, new = seeded.db.write("town", NOW, issuing(f"h{i}"))
        events.extend(new)
    return events


def drain(queue: object) -> list[Delivery | None]:
    out = []
    while not queue.empty():  # type: ignore[attr-defined]
        out.append(queue.get_nowait())  # type: ignore[attr-defined]
    return out


async def test_a_notice_that_skips_ahead_is_filled_in_from_the_log(
    sqlite_url: str, seeder: Callable[..., Seeded]
) -> None:
    seeded = seeder(sqlite_url)
    bus = MemoryBus()
    hub = Hub(seeded.db, bus, queue_size=100, poll_interval_s=3600)
    await hub.start()
    sub = await hub.subscribe("town")
    events = issue(seeded, 3)
    await bus.publish("town", events[2:])  # the notices of 1 and 2 were lost
    await bus.publish("town", events[:2])  # and arrive late: nothing twice
    got = drain(sub.queue)
    assert [d.seq for d in got if d] == [1, 2, 3]
    await hub.stop()


async def test_a_client_too_slow_is_told_to_resume(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    seeded = seeder(sqlite_url)
    bus = MemoryBus()
    hub = Hub(seeded.db, bus, queue_size=3, poll_interval_s=3600)
    await hub.start()
    slow = await hub.subscribe("town")
    for event in issue(seeded, 5):
        await bus.publish("town", [event])
    got = drain(slow.queue)
    assert slow.overflowed
    assert got[-1] is None  # the connection closes with 4409 and the client resumes with ?since=
    await hub.stop()


async def test_the_poll_finds_events_no_notice_announced(sqlite_url: str, seeder: Callable[..., Seeded]) -> None:
    import asyncio

    seeded = seeder(sqlite_url)
    hub = Hub(seeded.db, MemoryBus(), queue_size=100, poll_interval_s=0.05)
    await hub.start()
    sub = await hub.subscribe("town")
    issue(seeded, 2)  # committed, never published: a process died between commit and notice
    delivered = [await asyncio.wait_for(sub.queue.get(), timeout=5) for _ in range(2)]
    assert [d.seq for d in delivered if d] == [1, 2]
    await hub.stop()
