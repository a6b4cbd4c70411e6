"""`GET /api/status/{token}/events`: a ticket's status, live, as server-sent events (`text/event-stream`).

On connect the current status (the JSON of `GET /api/status/{token}`) comes as `event: status`; then a
fresh one each time the ticket's office publishes events and the status changed: the office's followed
statuses are computed once per burst of events for all the streams of this process (`live.statuses`). A
comment line every `KEEPALIVE_S` keeps proxies from closing an idle stream. The stream ends when the client
goes away or the server stops; `EventSource` reconnects by itself (after `RETRY_MS`).

One token follows on at most a few streams at once (`api.followers`: 429 past them), and a visit that ended
more than a day ago has nothing left to follow (409 `visit_over`).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from fastapi import APIRouter
from fastapi.responses import StreamingResponse

from api.deps import PartsDep
from live.followers import Follower
from scheduler import citizen
from scheduler.errors import Conflict, NotFound
from service.changes import read
from service.parts import Parts

router = APIRouter(tags=["citizen"])

KEEPALIVE_S = 15.0
RETRY_MS = 2000
HEADERS = {"Cache-Control": "no-store", "X-Accel-Buffering": "no", "Referrer-Policy": "no-referrer"}


async def _stream(parts: Parts, token: str, office: str, follower: Follower) -> AsyncIterator[bytes]:
    watch = parts.statuses.watch(office, token)
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        while True:  # the first frame, then each change: all from the office's feed (live.statuses)
            try:
                async with asyncio.timeout(KEEPALIVE_S):
                    text = await watch.next()
            except TimeoutError:
                yield b": keep-alive\n\n"
                continue
            if text is None:
                return  # the ticket is gone or the server stops
            yield text
    finally:
        parts.statuses.leave(watch)
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
