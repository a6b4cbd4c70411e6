"""What the holder of a ticket's status token may do, as JSON: leave the queue, run late, ask to be told
when their turn is near, and answer the happiness question. The status page posts to these; the
token in the ticket's QR code is the only key, and nothing personal is answered."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from api.deps import PartsDep, PrincipalDep, client_of, require
from api.schemas import Body
from scheduler import citizen, usecases
from scheduler.access import Permission
from scheduler.errors import NotFound
from service.changes import change, read
from service.telling import contact_to_tell

router = APIRouter(tags=["citizen"])

_TOKEN_404: dict[int | str, dict[str, Any]] = {
    404: {"description": "`ticket_not_found`: no ticket has this status token"}
}


class TellMe(Body):
    email: str | None = Field(None, max_length=254, description="Where to write when the turn is near")
    phone: str | None = Field(None, max_length=32, description="Mobile number for an SMS (+32... or national)")


class Happiness(Body):
    score: int = Field(ge=1, le=10, description="Are you happy? 1 (not at all) to 10 (very)")
    improvements: list[str] = Field(
        default_factory=list, max_length=3, description="Up to 3 codes from the office's list (`improvements`)"
    )


async def _office_of(parts: PartsDep, token: str) -> str:
    """The ticket's office, to hold it for the change: one lookup by token, not the whole status (whose wait
    forecast plays the office's queue forward)."""

    def office(repo: Any) -> str:
        ticket = repo.ticket_by_token(token)
        if ticket is None:
            raise NotFound("no ticket has this status code", code="ticket_not_found")
        return str(ticket.office)

    return await read(parts, office)


async def _status(parts: PartsDep, token: str) -> dict[str, Any]:
    now = parts.clock()
    return await read(parts, lambda repo: usecases.ticket_status(repo, token, now, parts.policy))


@router.post(
    "/api/status/{token}/leave",
    responses={**_TOKEN_404, 409: {"description": "`ticket_not_waiting`: called, served or gone already"}},
)
async def leave(token: str, parts: PartsDep) -> dict[str, Any]:
    """Leave the queue: the ticket is cancelled (also a parked one)."""
    office, now = await _office_of(parts, token), parts.clock()
    await change(parts, office, now, lambda repo: citizen.leave(repo, token, now))
    return await _status(parts, token)


@router.post(
    "/api/status/{token}/late",
    responses={
        **_TOKEN_404,
        409: {"description": "`already_ran_late` (once only), `ticket_not_waiting`, `running_late_not_offered`"},
    },
)
async def run_late(token: str, parts: PartsDep) -> dict[str, Any]:
    """ "I'm running late": go back the office's number of places (`late_places`), once."""
    office, now = await _office_of(parts, token), parts.clock()
    await change(parts, office, now, lambda repo: citizen.run_late(repo, token, now))
    return await _status(parts, token)


@router.post(
    "/api/status/{token}/notify",
    responses={
        **_TOKEN_404,
        409: {
            "description": "`ticket_not_waiting`; `contact_already_set`: the ticket has another contact; "
            "`notification_not_offered`"
        },
        422: {"description": "`invalid_email`, `invalid_phone`, `contact_required`"},
        429: {"description": "`too_many_requests`: this client's hourly budget is spent (see Retry-After)"},
    },
)
async def tell_me(token: str, body: TellMe, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Be told by e-mail or SMS when the turn is about `notify_before_min` minutes away and when called, once
    each. A ticket takes one contact, once: the same again changes nothing, another is refused. The address
    is erased when the visit ends."""
    contact = contact_to_tell(parts, body.email, body.phone, client_of(request))
    office, now = await _office_of(parts, token), parts.clock()
    await change(parts, office, now, lambda repo: citizen.ask_to_be_told(repo, token, contact.email, contact.phone))
    return await _status(parts, token)


@router.post(
    "/api/status/{token}/happiness",
    status_code=201,
    responses={
        **_TOKEN_404,
        409: {"description": "`visit_not_finished`, `already_answered`, `survey_closed`"},
        422: {"description": "`invalid_score`, `too_many_improvements`, `unknown_improvement`"},
    },
)
async def answer(token: str, body: Happiness, parts: PartsDep) -> dict[str, Any]:
    """Answer "Are you happy?" after the visit, once. Stored without the ticket: service, day and hour only."""
    office, now = await _office_of(parts, token), parts.clock()
    answered = await change(
        parts, office, now, lambda repo: citizen.answer_happiness(repo, token, body.score, body.improvements, now)
    )
    return {"score": answered.score, "improvements": list(answered.improvements), "thanks": True}


class KioskHappiness(Happiness):
    service: str = Field(min_length=1, max_length=8, description="The service the citizen came for")


@router.post(
    "/api/offices/{office}/happiness",
    status_code=201,
    responses={
        409: {"description": "`happiness_not_asked_here`: the office does not ask at the kiosk"},
        422: {"description": "`invalid_score`, `too_many_improvements`, `unknown_improvement`"},
    },
)
async def answer_at_kiosk(
    office: str, body: KioskHappiness, parts: PartsDep, principal: PrincipalDep
) -> dict[str, Any]:
    """The happiness question answered at the kiosk on the way out (offices with `happiness_at_kiosk`):
    stored with the service, day and hour only, like the status page's."""
    require(principal, Permission.ISSUE, office)
    now = parts.clock()
    answered = await change(
        parts,
        office,
        now,
        lambda repo: citizen.answer_at_kiosk(repo, office, body.service, body.score, body.improvements, now),
    )
    return {"score": answered.score, "improvements": list(answered.improvements), "thanks": True}
