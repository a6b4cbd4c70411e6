"""Counters: call the next citizen or one by number; open, pause, resume, close; services served today;
the clerk's numbers of the day."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response

from api.deps import PartsDep, PrincipalDep, require
from api.schemas import CallNumber, ChooseServices, CounterToday, PathId
from api.schemas import CounterAction as CounterActionBody
from scheduler import usecases
from scheduler.access import Permission
from scheduler.events import counter_view, ticket_view
from scheduler.lifecycle import CounterAction
from service.changes import change, read

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
    ticket = await change(
        parts, office, now, lambda repo: usecases.call_next(repo, counter_id, now, parts.policy), hold=counter_id
    )
    if ticket is None:
        return Response(status_code=204)
    counter = await read(parts, lambda repo: repo.counter(counter_id))
    return ticket_view(ticket, counter)


@router.post(
    "/api/counters/{counter_id}/call-number",
    responses={
        404: {"description": "`ticket_not_found`: no ticket with this number today"},
        409: {
            "description": "`illegal_transition` (not waiting or parked), `service_not_served`, `not_your_ticket` "
            "(sent to another counter), `counter_busy`, `counter_not_open`"
        },
    },
)
async def call_number(counter_id: PathId, body: CallNumber, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Call today's waiting or parked ticket with this number (any case) at this counter: the same rules as
    `POST /api/tickets/{id}/call`."""
    office = await _office_of(parts, counter_id)
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    ticket = await change(
        parts, office, now, lambda repo: usecases.call_number(repo, counter_id, body.number, now), hold=counter_id
    )
    counter = await read(parts, lambda repo: repo.counter(counter_id))
    return ticket_view(ticket, counter)


@router.put(
    "/api/counters/{counter_id}/services",
    responses={
        409: {"description": "`services_not_choosable`: the office does not let clerks choose"},
        422: {"description": "`invalid_services` (with `unknown` and `skills`): none chosen, or not the counter's"},
    },
)
async def choose_services(
    counter_id: PathId, body: ChooseServices, parts: PartsDep, principal: PrincipalDep
) -> dict[str, Any]:
    """Which of its skills the counter serves today (offices with `clerks_choose_services`); closing the
    counter goes back to all of them. Answers the counter: `services` now served, `skills` all."""
    office = await _office_of(parts, counter_id)
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    counter = await change(
        parts, office, now, lambda repo: usecases.choose_services(repo, counter_id, body.services, now), hold=counter_id
    )
    return counter_view(counter)


@router.get("/api/counters/{counter_id}/today", response_model=CounterToday)
async def counter_today(counter_id: PathId, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The clerk's numbers for today (office-local day) at this counter."""
    office = await _office_of(parts, counter_id)
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    return await read(parts, lambda repo: usecases.counter_today(repo, counter_id, now))


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
        parts,
        office,
        now,
        lambda repo: usecases.act_on_counter(repo, counter_id, action, now, reason=reason),
        hold=counter_id,
    )
    return counter_view(counter)
