"""Who follows a status token live: at most a few streams per token, counted in this server process.

Each stream costs a recompute on every event of its office, and the token is printed on a ticket anyone may
hold: one token follows on at most `MAX_PER_TOKEN` streams at once (a citizen's phone and a tablet or two;
more: 429 with Retry-After). With several workers each counts its own.
"""

from __future__ import annotations

import weakref

from scheduler.errors import Throttled

MAX_PER_TOKEN = 5
#: When a refused follower may try again: about when a closed tab's stream is noticed and ends.
RETRY_AFTER_S = 30
#: Tokens remembered before those whose streams all went are forgotten.
MAX_TOKENS = 10_000


class Follower:
    """One open stream: its body holds it, so it lives as long as the stream does."""


class Followers:
    """The open streams of each status token in this process. Held weakly: a stream dropped before its first
    byte (the client left at once) frees its place too; one that ran says it left when it ends."""

    def __init__(self, per_token: int = MAX_PER_TOKEN) -> None:
        self.per_token = per_token
        self._streams: dict[str, weakref.WeakSet[Follower]] = {}

    def admit(self, token: str, stream: Follower) -> None:
        """Count `stream` as one of `token`'s; Throttled `too_many_streams` (429) when it has its share."""
        streams = self._streams.get(token)
        if streams is None:
            if len(self._streams) >= MAX_TOKENS:
                self._forget_empty()
            streams = self._streams[token] = weakref.WeakSet()
        if len(streams) >= self.per_token:
            raise Throttled(
                f"this ticket is already followed on {self.per_token} screens: close one of them",
                code="too_many_streams",
                retry_after_s=RETRY_AFTER_S,
            )
        streams.add(stream)

    def left(self, token: str, stream: Follower) -> None:
        streams = self._streams.get(token)
        if streams is not None:
            streams.discard(stream)
            if not streams:
                del self._streams[token]

    def open(self, token: str) -> int:
        return len(self._streams.get(token, ()))

    def _forget_empty(self) -> None:
        for token in [t for t, streams in self._streams.items() if not streams]:
            del self._streams[token]
