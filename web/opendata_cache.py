"""Open-data files already answered, kept in memory with their ETag, so that a year of hourly rows is counted once
and not on every request.

A finished range does not change, so its answer is kept until the cache needs the room; a range that includes
the last finished day is kept a few minutes only (late happiness answers may still come in for it). The cache is
bounded both in entries and in bytes, least recently used out first. Two requests for the same file at once
compute it once: the second waits for the first.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_ENTRIES = 256
MAX_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Answer:
    """One rendered file: its bytes, their ETag and the headers it is served with."""

    body: bytes
    media_type: str
    headers: dict[str, str]
    etag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "etag", etag_of(self.body))


def etag_of(body: bytes) -> str:
    """A strong ETag: the same bytes, and only they, get the same tag."""
    return f'"{hashlib.sha256(body).hexdigest()}"'


def matches(if_none_match: str | None, etag: str) -> bool:
    """Whether an `If-None-Match` header names `etag` (RFC 9110: weak comparison, `*` matches anything)."""
    if not if_none_match:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags


@dataclass
class _Entry:
    answer: Answer
    #: None: kept until evicted.
    expires: datetime | None


class AnswerCache:
    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES) -> None:
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._bytes = 0
        self._computing: dict[Hashable, asyncio.Lock] = {}

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes

    def get(self, key: Hashable, now: datetime) -> Answer | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry.expires is not None and now >= entry.expires:
            self._drop(key)
            return None
        self._entries.move_to_end(key)
        return entry.answer

    def put(self, key: Hashable, answer: Answer, now: datetime, keep: timedelta | None) -> None:
        """Keep `answer` for `keep` (None: until evicted). An answer bigger than the whole cache is not kept."""
        if key in self._entries:
            self._drop(key)
        if len(answer.body) > self.max_bytes:
            return
        self._entries[key] = _Entry(answer, None if keep is None else now + keep)
        self._bytes += len(answer.body)
        while len(self._entries) > self.max_entries or self._bytes > self.max_bytes:
            self._drop(next(iter(self._entries)))

    async def answer(
        self, key: Hashable, now: datetime, keep: timedelta | None, compute: Callable[[], Awaitable[Answer]]
    ) -> Answer:
        """The kept answer for `key`, or `compute()`'s, kept; concurrent callers for one key compute it once."""
        found = self.get(key, now)
        if found is not None:
            return found
        lock = self._computing.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                found = self.get(key, now)
                if found is None:
                    found = await compute()
                    self.put(key, found, now, keep)
                return found
        finally:
            if not lock.locked():
                self._computing.pop(key, None)

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key)
        self._bytes -= len(entry.answer.body)
