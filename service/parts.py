"""The parts `create_app` wires together (settings, database, hub, clock, messenger, budgets), which the edges
hand to the services; and the short memory of who holds a token."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from live.followers import Followers
from live.gates import OfficeGates
from live.hub import Hub
from live.statuses import StatusFeeds
from scheduler import routing
from scheduler.access import Principal
from service.messaging import Messenger
from service.ratelimit import RateLimit
from settings import Settings
from store.database import Database

Clock = Callable[[], datetime]


class TokenCache:
    """Who holds a token, remembered for a few seconds: every kiosk and clerk request carries one,
    and looking it up each time costs a database round trip. A revoked token stops working within
    `ttl_s`, as counted by `clock` (seconds on a monotonic clock; tests hand in one they move by hand)."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self.clock = clock
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < self.clock():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[digest] = (self.clock() + self.ttl_s, principal)


@dataclass
class Parts:
    """Everything `create_app` wires together, kept on `app.state.parts`."""

    settings: Settings
    db: Database
    hub: Hub
    #: The status pages followed live (one computation per office event for all of them).
    statuses: StatusFeeds
    clock: Clock
    tokens: TokenCache
    messenger: Messenger
    #: Bookings, moves, cancellations and erasures per client address.
    booking_limit: RateLimit
    #: Requests to be told by e-mail or SMS (the status page's and the API's) per client address.
    notify_limit: RateLimit
    #: Joins of the queue from elsewhere (the join page's and the API's) per client address.
    join_limit: RateLimit
    #: Citizens' ideas proposed (the /ideas page's and the API's) per client address.
    idea_limit: RateLimit
    #: Who a counter calls next: the server's policy, under the one an alternating measure puts in force today
    #: (`routing.in_force`); built once by create_app, which checks the name at start-up.
    policy: routing.Policy
    gates: OfficeGates = field(default_factory=OfficeGates)
    followers: Followers = field(default_factory=Followers)
