"""A per-client budget of requests per hour, for citizen actions that anyone can take (booking).

Kept in each server process's memory: with several workers a client gets the budget once per worker,
which still bounds abuse; a restart forgets it. Client addresses are only held as keys, never logged.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Callable

from scheduler.errors import Throttled

WINDOW_S = 3600.0


class RateLimit:
    def __init__(
        self,
        per_hour: int,
        clock: Callable[[], float] = time.monotonic,
        max_clients: int = 50_000,
        what: str = "bookings and changes",
    ) -> None:
        self.per_hour = per_hour
        self.what = what
        self.clock = clock
        self.max_clients = max_clients
        self._seen: dict[str, deque[float]] = {}

    def spend(self, client: str) -> None:
        """Count one action of `client`; Throttled (429 with Retry-After) when its hour's budget is spent."""
        if self.per_hour <= 0:
            return
        now = self.clock()
        seen = self._seen.get(client)
        if seen is None:
            if len(self._seen) >= self.max_clients:
                self._forget_idle(now)
            seen = self._seen[client] = deque()
        while seen and seen[0] <= now - WINDOW_S:
            seen.popleft()
        if len(seen) >= self.per_hour:
            retry = max(1, math.ceil(seen[0] + WINDOW_S - now))
            raise Throttled(
                f"too many {self.what} from this connection ({self.per_hour} an hour): "
                f"try again in {math.ceil(retry / 60)} minutes",
                retry_after_s=retry,
            )
        seen.append(now)

    def _forget_idle(self, now: float) -> None:
        for client in [c for c, seen in self._seen.items() if not seen or seen[-1] <= now - WINDOW_S]:
            del self._seen[client]
        if len(self._seen) >= self.max_clients:
            self._seen.clear()
