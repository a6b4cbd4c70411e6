"""Changes of one office wait their turn in the worker, before they take a thread and a database connection."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class OfficeGates:
    """One change of an office at a time in this worker, in arrival order. With SQLite the database has one
    writer at a time anyway; waiting here instead holds no thread and no connection, so twenty clerks of one
    busy office cannot take every thread and connection from the others. Across workers (PostgreSQL) changes
    of one office run side by side, each holding what `Database.write` says, and meet only to number events.
    A gate lives while someone holds or awaits it: office names come from request paths, and an unknown one
    must not stay in memory."""

    def __init__(self) -> None:
        self._gates: dict[str, tuple[asyncio.Lock, list[int]]] = {}

    @contextlib.asynccontextmanager
    async def hold(self, office: str) -> AsyncIterator[None]:
        gate, users = self._gates.setdefault(office, (asyncio.Lock(), [0]))
        users[0] += 1
        try:
            async with gate:
                yield
        finally:
            users[0] -= 1
            if users[0] == 0:
                del self._gates[office]

    def __len__(self) -> int:
        return len(self._gates)
