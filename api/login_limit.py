"""Failed logins per username and per client address, so passwords cannot be guessed at speed.

An attempt is counted when it starts (a burst of parallel guesses is held like a sequence of them) and
forgotten again when it succeeds or fails for another reason than a wrong password: only wrong passwords
count. Past the limit every attempt is refused with 429 and `Retry-After`, the right password too, so the
answer tells a guesser nothing. A success clears its username's failures.

The address limit is higher than the username limit: the clerks of one office often share one public
address, and one clerk's typos must not lock the others out. Kept in each server process's memory (with
several workers a guesser gets the budget once per worker); usernames and addresses are only held as keys,
never logged.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from api.errors import ApiError

WINDOW_S = 15 * 60.0
PER_USERNAME = 5
PER_ADDRESS = 20


@dataclass(frozen=True, eq=False)
class Attempt:
    keys: tuple[str, str]
    at: float


class LoginLimit:
    def __init__(
        self,
        per_username: int = PER_USERNAME,
        per_address: int = PER_ADDRESS,
        window_s: float = WINDOW_S,
        max_keys: int = 50_000,
    ) -> None:
        self.limits = {"user": per_username, "addr": per_address}
        self.window_s = window_s
        self.max_keys = max_keys
        self._seen: dict[str, deque[Attempt]] = {}

    def begin(self, username: str, address: str, now: float) -> Attempt:
        """Count one attempt; ApiError 429 `too_many_failed_logins` with Retry-After when the username or
        the address has had its failures within the window."""
        keys = (f"user:{username.strip().casefold()}", f"addr:{address}")
        retry = 0.0
        for key in keys:
            seen = self._recent(key, now)
            limit = self.limits[key.split(":", 1)[0]]
            if seen is not None and len(seen) >= limit:
                retry = max(retry, seen[len(seen) - limit].at + self.window_s - now)
        if retry > 0:
            raise ApiError(
                429,
                "too_many_failed_logins",
                f"too many failed logins: try again in {math.ceil(retry / 60)} minutes",
                headers={"Retry-After": str(max(1, math.ceil(retry)))},
            )
        attempt = Attempt(keys, now)
        if len(self._seen) >= self.max_keys:
            self._forget_idle(now)
        for key in keys:
            self._seen.setdefault(key, deque()).append(attempt)
        return attempt

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: this attempt does not count, and the username starts afresh."""
        self.forget(attempt)
        self._seen.pop(attempt.keys[0], None)

    def forget(self, attempt: Attempt) -> None:
        """The attempt failed for another reason than the password (the database, a crash): not counted."""
        for key in attempt.keys:
            seen = self._seen.get(key)
            if seen is not None and attempt in seen:
                seen.remove(attempt)

    def _recent(self, key: str, now: float) -> deque[Attempt] | None:
        seen = self._seen.get(key)
        while seen and seen[0].at <= now - self.window_s:
            seen.popleft()
        return seen

    def _forget_idle(self, now: float) -> None:
        for key in [k for k, seen in self._seen.items() if not seen or seen[-1].at <= now - self.window_s]:
            del self._seen[key]
        if len(self._seen) >= self.max_keys:
            self._seen.clear()
