"""Counters: call the next citizen; open, pause, resume, close."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.changes import change, read
from api.deps import PartsDep, PrincipalDep, require
from api.schemas import CounterAction as CounterActionBody
from api.schemas import PathId
from scheduler import usecases
from scheduler.access import Permission
from scheduler.events import counter_view, ticket_view
from scheduler.lifecycle import CounterAction

router = APIRouter(tags=["counters"])


async def _office_of(parts: PartsDep, counter_id: int) -> str:
    return (await read(parts, lambda repo: repo.counter(counter_id))).office


@router.post(
    "/api/counters/{counter_id}/call-next",
    responses={204: {"description": "Nobody is waiting for this counter's services"}},
)
async def call_next(counter_id: PathId, parts: PartsDep, principal: PrincipalDep) -> Any:
    """Call the best waiting ticket this counter may serve."""
    office = await _office_of(parts, counter_id)
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    ticket = await change(parts, office, now, lambda repo: usecases.call_next(repo, counter_id, now, parts.policy))
    if ticket is None:
        return Response(status_code=204)
    counter = await read(parts, lambda repo: repo.counter(counter_id))
    return ticket_view(ticket, counter)


@router.post("/api/counters/{counter_id}/{action}")
async def act_on_counter(
    counter_id: PathId,
    action: CounterAction,
    parts: PartsDep,
    principal: PrincipalDep,
    body: CounterActionBody | None = None,
) -> dict[str, Any]:
    """`open`, `pause` (with a reason), `resume` or `close` a counter."""
    office = await _office_of(parts, counter_id)
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    reason = body.reason if body else None
    counter = await change(
        parts, office, now, lambda repo: usecases.act_on_counter(repo, counter_id, action, now, reason=reason)
    )
    return counter_view(counter)
