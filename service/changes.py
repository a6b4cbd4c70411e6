"""Running a use case: read what the caller may touch, change it in one transaction, publish its events."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from starlette.concurrency import run_in_threadpool

from service.parts import Parts
from store.database import Hold
from store.repository import SqlRepository

T = TypeVar("T")


async def change(
    parts: Parts, office: str, now: datetime, fn: Callable[[SqlRepository], T], *, hold: Hold = "office"
) -> T:
    """`fn` in one transaction holding `hold` (`Database.write`), then its events to the hub."""
    async with parts.gates.hold(office):
        result, events = await run_in_threadpool(lambda: parts.db.write(office, now, fn, hold=hold))
    await parts.hub.published(office, events)
    return result


async def read(parts: Parts, fn: Callable[[SqlRepository], T]) -> T:
    return await run_in_threadpool(parts.db.read, fn)
