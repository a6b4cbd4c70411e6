"""Tickets: issue or check in, act on one, and the citizen's status as JSON."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Response

from api.deps import PartsDep, PrincipalDep, require
from api.schemas import IssuedTicket, IssueTicket, PathId, TicketAction
from scheduler import checkin, remote, returning, usecases
from scheduler.access import Permission
from scheduler.events import ticket_view
from scheduler.lifecycle import Action
from scheduler.model import Ticket
from service.changes import change, read
from service.parts import Parts
from store.admin import new_secret

router = APIRouter(tags=["tickets"])


@router.post(
    "/api/offices/{office}/tickets",
    status_code=201,
    response_model=IssuedTicket,
    responses={
        200: {"description": "The same Idempotency-Key was seen before: the ticket issued then"},
        404: {
            "description": "`appointment_not_found`: no booking with this code in this office; `code_not_found`: "
            "no remote ticket or booking has this code"
        },
        409: {
            "description": "`appointment_too_early` (with `check_in_from`), `appointment_too_late` (with `service`, "
            "for a walk-in ticket instead), `appointment_already_checked_in`, `appointment_cancelled`"
        },
    },
)
async def issue_ticket(
    office: str,
    body: IssueTicket,
    parts: PartsDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Issue a walk-in ticket for `service`, or check in the booking `appointment` (from 15 minutes before its
    slot to 10 minutes after): an appointment ticket for the booked service. `code` checks in a remote ticket
    (joined from elsewhere: 200, the same ticket, now here) or, when it is a booking's, like `appointment`.
    Retry with the same `Idempotency-Key`."""
    require(principal, Permission.ISSUE, office)
    now = parts.clock()
    token = new_secret()
    if body.code is not None and remote.normalise_code(body.code) is not None:
        wanted = body.code
        arrived = await change(parts, office, now, lambda repo: remote.check_in(repo, office, wanted, now))
        response.status_code = 200
        place = await read(parts, lambda repo: usecases.position(repo, arrived, now, parts.policy))
        return _issued_view(parts, arrived, place)
    if body.appointment is not None or body.code is not None:
        code = body.appointment or body.code or ""
        issued = await change(
            parts,
            office,
            now,
            lambda repo: checkin.check_in(
                repo,
                office,
                code,
                body.language,
                now,
                token=token,
                idempotency_key=idempotency_key,
                service=body.service,
                policy=parts.policy,
            ),
        )
    else:
        assert body.service is not None  # IssueTicket asks for one of the two
        service = body.service
        issued = await change(
            parts,
            office,
            now,
            lambda repo: usecases.issue_ticket(
                repo,
                office,
                service,
                body.language,
                now,
                token=token,
                idempotency_key=idempotency_key,
                policy=parts.policy,
            ),
            hold="nothing",  # a walk-in only takes a number and adds a ticket (see Database.write)
        )
    if issued.replayed:
        response.status_code = 200
    ticket = issued.ticket
    # A new ticket's estimate was told and kept in its own write; a replay tells where the ticket is now.
    where = issued.position
    if where is None:
        where = await read(parts, lambda repo: usecases.position(repo, ticket, now, parts.policy))
    return _issued_view(parts, ticket, where)


def _issued_view(parts: Parts, ticket: Ticket, where: usecases.Position) -> dict[str, Any]:
    return {
        **ticket_view(ticket),
        "people_ahead": where.people_ahead,
        "estimated_wait_s": where.estimated_wait_s,
        "estimated_wait_range_s": [where.low_s, where.high_s],
        "status_url": parts.settings.status_url(ticket.token),
        "timed_return_offer": where.return_offer.isoformat() if where.return_offer else None,
    }


@router.post(
    "/api/tickets/{ticket_id}/{action}",
    responses={
        409: {
            "description": "`illegal_transition`, `not_your_ticket`, `counter_busy`, `counter_not_open`, "
            "`service_not_served`; `no_show_too_early` (with `recalls_needed` and `no_show_from`, ISO UTC) "
            "before the office's recall rules allow a no-show"
        }
    },
)
async def act_on_ticket(
    ticket_id: PathId, action: Action, parts: PartsDep, principal: PrincipalDep, body: TicketAction | None = None
) -> dict[str, Any]:
    """`call`, `recall`, `start`, `finish`, `no-show`, `park`, `transfer` or `cancel` one ticket.

    A transfer answers with the new waiting ticket that continues the citizen's visit.
    """
    body = body or TicketAction()
    office = (await read(parts, lambda repo: repo.ticket(ticket_id))).office
    require(principal, Permission.SERVE, office)
    now = parts.clock()
    ticket = await change(
        parts,
        office,
        now,
        lambda repo: usecases.act_on_ticket(
            repo,
            ticket_id,
            action,
            now,
            counter_id=body.counter,
            to_service=body.to_service,
            to_counter=body.to_counter,
        ),
        # What a clerk does at a counter holds that counter; anything else, the office.
        hold=body.counter if body.counter is not None else "office",
    )
    counter = await read(parts, lambda repo: repo.counter(ticket.counter_id) if ticket.counter_id else None)
    return ticket_view(ticket, counter)


@router.get("/api/status/{token}")
async def ticket_status(token: str, parts: PartsDep) -> dict[str, Any]:
    """What the holder of a ticket sees (public: the token in the QR code is the key)."""
    now = parts.clock()
    return await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))


@router.post("/api/status/{token}/timed-return")
async def accept_timed_return(token: str, parts: PartsDep) -> dict[str, Any]:
    """The holder of a ticket accepts the offer to come back later (see `timed_return_offer`): the
    ticket is not called before that time and keeps its place relative to it. 409 when there is no
    offer (the office does not offer it, the wait is short, it was accepted already)."""
    now = parts.clock()
    status = await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))
    await change(
        parts,
        status["office"]["id"],
        now,
        lambda repo: returning.accept(repo, token, status["estimated_wait_s"], now),
    )
    return await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))
