"""Failed logins, so passwords cannot be guessed at speed and a stranger cannot lock a clerk out.

Three counts, each over the last 15 minutes:

- per (username, address): 5 wrong passwords, then that address may not try that username until the
  oldest of them is 15 minutes old. This stops guessing from one address.
- per address: 20 wrong passwords for any usernames (the clerks of one office often share one public
  address, and one clerk's typos must not lock the others out).
- per username, from all addresses: no lock, a growing delay. The first 5 failures are free (typos); after
  that each attempt must wait 1 s, 2 s, 4 s ... (at most 60 s) after the one before. A guesser who rotates
  addresses gets about one try a minute per username; a clerk at another address waits at most a minute,
  and not at all at an address where they logged in before (a guesser sharing that address still meets
  the per-(username, address) count).

An attempt is counted when it starts (a burst of parallel guesses is held like a sequence of them) and
forgotten again when it succeeds or fails for another reason than a wrong password: only wrong passwords
count. A refusal is 429 with `Retry-After` whatever the password, so the answer tells a guesser nothing.
Kept in each server process's memory (with several workers a guesser gets the budget once per worker);
usernames and addresses are only held as keys, never logged.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

from api.errors import ApiError

WINDOW_S = 15 * 60.0
PER_USER_ADDRESS = 5
PER_ADDRESS = 20
FREE_PER_USER = 5
DELAY_CAP_S = 60.0
#: How long an address where a user logged in is spared the delay that failures elsewhere cause.
TRUSTED_S = 30 * 24 * 3600.0


@dataclass(frozen=True, eq=False)
class Attempt:
    user: str
    address: str
    at: float

    @property
    def keys(self) -> tuple[str, str, str]:
        return (f"user:{self.user}", f"pair:{self.user}\0{self.address}", f"addr:{self.address}")


def delay_after(failures: int, free: int = FREE_PER_USER, cap_s: float = DELAY_CAP_S) -> float:
    """Seconds a username's next attempt waits after its last one, given its recent failures."""
    if failures < free:
        return 0.0
    return min(cap_s, 2.0 ** min(failures - free, 32))


class LoginLimit:
    def __init__(
        self,
        per_user_address: int = PER_USER_ADDRESS,
        per_address: int = PER_ADDRESS,
        free_per_user: int = FREE_PER_USER,
        delay_cap_s: float = DELAY_CAP_S,
        window_s: float = WINDOW_S,
        max_keys: int = 50_000,
    ) -> None:
        self.limits = {"pair": per_user_address, "addr": per_address}
        self.free_per_user = free_per_user
        self.delay_cap_s = delay_cap_s
        self.window_s = window_s
        self.max_keys = max_keys
        self._seen: dict[str, deque[Attempt]] = {}
        self._trusted: dict[tuple[str, str], float] = {}  # (user, address) -> last success; oldest first

    def begin(self, username: str, address: str, now: float) -> Attempt:
        """Count one attempt; ApiError 429 `too_many_failed_logins` with Retry-After when the (username,
        address) pair or the address has had its failures within the window, or the username's delay
        has not passed."""
        attempt = Attempt(username.strip().casefold(), address, now)
        user_key, pair_key, addr_key = attempt.keys
        retry = 0.0
        for key in (pair_key, addr_key):
            seen = self._recent(key, now)
            limit = self.limits[key.split(":", 1)[0]]
            if seen is not None and len(seen) >= limit:
                retry = max(retry, seen[len(seen) - limit].at + self.window_s - now)
        seen = self._recent(user_key, now)
        if seen and not self._is_trusted(attempt.user, address, now):
            wait = delay_after(len(seen), self.free_per_user, self.delay_cap_s)
            retry = max(retry, seen[-1].at + wait - now)
        if retry > 0:
            raise ApiError(
                429,
                "too_many_failed_logins",
                f"too many failed logins: try again in {_duration(retry)}",
                headers={"Retry-After": str(max(1, math.ceil(retry)))},
            )
        if len(self._seen) >= self.max_keys:
            self._forget_idle(now)
        for key in attempt.keys:
            self._seen.setdefault(key, deque()).append(attempt)
        return attempt

    def succeeded(self, attempt: Attempt) -> None:
        """The password was right: this attempt does not count, the user's failures from this address are
        forgotten, and this address is spared the delay that failures elsewhere cause. Failures from other
        addresses stay: a clerk logging in must not reset a guesser's delay."""
        self.forget(attempt)
        user_key, pair_key, _ = attempt.keys
        self._seen.pop(pair_key, None)
        seen = self._seen.get(user_key)
        if seen is not None:
            self._seen[user_key] = deque(a for a in seen if a.address != attempt.address)
        trusted = (attempt.user, attempt.address)
        self._trusted.pop(trusted, None)
        self._trusted[trusted] = attempt.at
        while len(self._trusted) > self.max_keys:
            del self._trusted[next(iter(self._trusted))]

    def forget(self, attempt: Attempt) -> None:
        """The attempt failed for another reason than the password (the database, a crash): not counted."""
        for key in attempt.keys:
            seen = self._seen.get(key)
            if seen is not None and attempt in seen:
                seen.remove(attempt)

    def _is_trusted(self, user: str, address: str, now: float) -> bool:
        since = self._trusted.get((user, address))
        return since is not None and now - since < TRUSTED_S

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


def _duration(seconds: float) -> str:
    return f"{math.ceil(seconds)} seconds" if seconds < 120 else f"{math.ceil(seconds / 60)} minutes"
