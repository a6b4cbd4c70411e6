"""`GET /api/status/{token}/events`: a ticket's status, live, as server-sent events (`text/event-stream`).

On connect the current status (the JSON of `GET /api/status/{token}`) comes as `event: status`; then a
fresh one each time the ticket's office publishes events and the status changed. Bursts are coalesced:
at most one recompute per `COALESCE_S`. A comment line every `KEEPALIVE_S` keeps proxies from closing
an idle stream. The stream ends when the client goes away or the server stops; `EventSource`
reconnects by itself (after `RETRY_MS`).

One token follows on at most a few streams at once (`api.followers`: 429 past them), and a visit that ended
more than a day ago has nothing left to follow (409 `visit_over`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from typing import Any

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import PartsDep
from live.followers import Follower
from live.hub import Subscription, encode
from scheduler import citizen, usecases
from scheduler.errors import Conflict, NotFound
from service.changes import read
from service.parts import Parts

router = APIRouter(tags=["citizen"])

COALESCE_S = 0.3
KEEPALIVE_S = 15.0
RETRY_MS = 2000
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Referrer-Policy": "no-referrer"}


def frame(status: dict[str, Any]) -> str:
    return f"event: status\ndata: {encode(status)}\n\n"


async def _status(parts: Parts, token: str) -> dict[str, Any]:
    now = parts.clock()
    return await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))


def _drain(sub: Subscription) -> bool:
    """Empty the queue; False when it held the end (the server stops or dropped us)."""
    while not sub.queue.empty():
        if sub.queue.get_nowait() is None:
            return False
    return True


async def _stream(parts: Parts, token: str, office: str, follower: Follower) -> AsyncIterator[str]:
    sub = await parts.hub.subscribe(office)
    try:
        status = await _status(parts, token)  # after subscribing: no change falls in between
        last = encode(status)
        yield f"retry: {RETRY_MS}\n" + frame(status)
        computed = time.monotonic()
        while True:
            try:
                async with asyncio.timeout(KEEPALIVE_S):
                    delivery = await sub.queue.get()
            except TimeoutError:
                yield ": keep-alive\n\n"
                continue
            await asyncio.sleep(max(0.0, computed + COALESCE_S - time.monotonic()))
            if delivery is None or not _drain(sub):
                if not sub.overflowed:
                    return  # the server stops
                # The hub dropped us (too slow): listen again; the recompute below catches up.
                parts.hub.unsubscribe(sub)
                sub = await parts.hub.subscribe(office)
            try:
                status = await _status(parts, token)
            except NotFound:
                return  # erased meanwhile: the client's reconnect gets the 404
            computed = time.monotonic()
            text = encode(status)
            if text != last:
                last = text
                yield frame(status)
    finally:
        parts.hub.unsubscribe(sub)
        parts.followers.left(token, follower)


@router.get(
    "/api/status/{token}/events",
    response_class=StreamingResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "`event: status` frames, then comments"},
        404: {"description": "`ticket_not_found`: no ticket has this status token"},
        409: {"description": "`visit_over`: the visit ended more than a day ago"},
        429: {"description": "`too_many_streams`: the token is followed on 5 streams already (see Retry-After)"},
    },
)
async def status_events(token: str, parts: PartsDep) -> StreamingResponse:
    """The ticket's status as server-sent events: now, and again whenever it changes."""
    ticket = await read(parts, lambda repo: repo.ticket_by_token(token))
    if ticket is None:
        raise NotFound("no ticket has this status code", code="ticket_not_found")
    if not citizen.followable(ticket, parts.clock()):
        raise Conflict("this visit ended more than a day ago: there is nothing left to follow", code="visit_over")
    follower = Follower()
    parts.followers.admit(token, follower)
    return StreamingResponse(
        _stream(parts, token, ticket.office, follower), media_type="text/event-stream", headers=HEADERS
    )
