"""What route handlers receive: the app's parts, the clock, and who is calling."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from api.errors import ApiError
from api.followers import Followers
from api.gates import OfficeGates
from api.hub import Hub
from api.messaging import Messenger
from api.ratelimit import RateLimit
from scheduler import routing
from scheduler.access import Permission, Principal
from settings import Settings
from store import admin
from store.database import Database

Clock = Callable[[], datetime]


class TokenCache:
    """Who holds a token, remembered for a few seconds: every kiosk and clerk request carries one,
    and looking it up each time costs a database round trip. A revoked token stops working within
    `ttl_s`."""

    def __init__(self, ttl_s: float, max_entries: int = 10_000) -> None:
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Principal]] = {}

    def get(self, digest: str) -> Principal | None:
        entry = self._entries.get(digest)
        if entry is None or entry[0] < time.monotonic():
            return None
        return entry[1]

    def put(self, digest: str, principal: Principal) -> None:
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[digest] = (time.monotonic() + self.ttl_s, principal)


@dataclass
class Parts:
    """Everything `create_app` wires together, kept on `app.state.parts`."""

    settings: Settings
    db: Database
    hub: Hub
    clock: Clock
    tokens: TokenCache
    messenger: Messenger
    #: Bookings, moves, cancellations and erasures per client address.
    booking_limit: RateLimit
    #: Requests to be told by e-mail or SMS (the status page's and the API's) per client address.
    notify_limit: RateLimit
    gates: OfficeGates = field(default_factory=OfficeGates)
    followers: Followers = field(default_factory=Followers)

    @property
    def policy(self) -> routing.Policy:
        return routing.policy_named(self.settings.policy)


def get_parts(request: Request) -> Parts:
    parts: Parts = request.app.state.parts
    return parts


PartsDep = Annotated[Parts, Depends(get_parts)]
_bearer = HTTPBearer(auto_error=False, description="A token from `loket token create` or `POST /api/login`")


async def resolve(parts: Parts, secret: str | None) -> Principal:
    if not secret:
        raise ApiError(
            401,
            "unauthorized",
            "this needs a token: Authorization: Bearer TOKEN",
            headers={"WWW-Authenticate": "Bearer"},
        )
    key = admin.digest(secret)
    principal = parts.tokens.get(key)
    if principal is None:
        principal = await run_in_threadpool(admin.principal_for, parts.db, secret, parts.clock())
        if principal is not None:
            parts.tokens.put(key, principal)
    if principal is None:
        raise ApiError(
            401, "invalid_token", "the token is unknown, expired or revoked", headers={"WWW-Authenticate": "Bearer"}
        )
    return principal


async def get_principal(
    parts: PartsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Principal:
    return await resolve(parts, credentials.credentials if credentials else None)


PrincipalDep = Annotated[Principal, Depends(get_principal)]


def require(principal: Principal, permission: Permission, office: str) -> None:
    if not principal.may(permission, office):
        what = {
            Permission.READ: "see this office",
            Permission.ISSUE: "issue tickets here",
            Permission.SERVE: "serve at this office",
            Permission.MANAGE: "manage this office",
        }[permission]
        raise ApiError(
            403,
            "forbidden",
            f"a {principal.role.value} token for office {principal.office or 'any'} may not {what} ({office})",
        )
