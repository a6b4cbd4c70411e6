"""Joining the queue from elsewhere: the JSON API beside the join page (`web/join.py`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from api.deps import PartsDep, client_of
from api.schemas import JoinedRemotely, JoinRemotely
from service.joining import join, joined_view

router = APIRouter(tags=["remote"])


@router.post(
    "/api/offices/{office}/remote-tickets",
    status_code=201,
    response_model=JoinedRemotely,
    responses={
        404: {"description": "`office_not_found`, `service_not_found`"},
        409: {
            "description": "`queue_closed` (outside today's hours, or nobody serves the service today), "
            "`remote_join_disabled`, `remote_share_full`, `already_joined` (this contact has an open ticket "
            "here), `notification_not_offered`"
        },
        422: {"description": "`invalid_travel_min`, `invalid_email`, `invalid_phone`, or a malformed body"},
        429: {"description": "`too_many_requests`: this client's hourly budget is spent (see Retry-After)"},
    },
)
async def join_remotely(office: str, body: JoinRemotely, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Join today's queue for `service` from elsewhere (public). The ticket keeps its place but is not called
    until its holder checks in at the kiosk with `code`; they are told when to set off (`come_at`) on the
    medium they gave, and on the status page."""
    joined = await join(
        parts, office, body.service, body.language, body.travel_min, body.email, body.phone, client_of(request)
    )
    return joined_view(parts, joined, parts.clock())
