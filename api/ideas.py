"""Citizens' ideas for their office, as JSON: whoever visited or booked proposes and votes (one voice per visit,
proved by the status token or the booking's manage token); anyone reads the list; managers hide, restore and
answer. The rules are scheduler/ideas.py, the writes service/ideas.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from pydantic import Field

from api.deps import PartsDep, PrincipalDep, client_of, require
from api.schemas import Body, PathId
from scheduler.access import Permission
from scheduler.ideas import MAX_ANSWER, MAX_TEXT, Idea, public_view
from service import ideas

router = APIRouter(tags=["ideas"])

# Room for surrounding spaces: the limits that count are after stripping (scheduler.ideas), with their own codes.
_SLACK = 100
_TOKEN = Field(min_length=1, max_length=64, description="The visit's status token, or the booking's manage token")
_NOT_A_VISITOR = "`not_a_visitor`: the token proves no visit of this office in the last 30 days"
_IDEA_404 = "`idea_not_found`: no idea has this id (or it is hidden)"


class Proposal(Body):
    text: str = Field(max_length=MAX_TEXT + _SLACK, description="The idea, 1 to 500 characters")
    language: str = Field(max_length=8, description="nl, fr or en: the language it is written in")
    token: str = _TOKEN


class Vote(Body):
    token: str = _TOKEN


class Moderation(Body):
    reason: str = Field(max_length=600, description="Why (kept with the idea, never published)")


class Answer(Body):
    text: str = Field(max_length=MAX_ANSWER + _SLACK, description="The office's answer, 1 to 1000 characters")
    state: str = Field(max_length=16, description="open, planned, done or declined")


def _moderated(idea: Idea) -> dict[str, Any]:
    """An idea as its office's managers see it: with the last moderation (never published)."""
    at = idea.moderated_at.isoformat() if idea.moderated_at else None
    return {
        **public_view(idea),
        "hidden": idea.hidden,
        "reason": idea.reason,
        "moderated_by": idea.moderated_by,
        "moderated_at": at,
    }


@router.post(
    "/api/offices/{office}/ideas",
    status_code=201,
    responses={
        403: {"description": _NOT_A_VISITOR},
        404: {"description": "`office_not_found`"},
        409: {"description": "`too_many_ideas`: this visit proposed 3 already"},
        422: {"description": "`text_required`, `text_too_long`, `invalid_language`, `invalid_request`"},
        429: {"description": "`too_many_requests`: this client's hourly budget of ideas is spent (see Retry-After)"},
    },
)
async def propose(office: str, body: Proposal, request: Request, parts: PartsDep) -> dict[str, Any]:
    """Propose an idea to the office, as someone who visited or booked it (3 per visit)."""
    idea = await ideas.propose(parts, office, body.token, body.text, body.language, client_of(request))
    return public_view(idea)


@router.get("/api/offices/{office}/ideas", responses={404: {"description": "`office_not_found`"}})
async def listing(office: str, parts: PartsDep) -> dict[str, Any]:
    """The office's ideas (hidden ones left out), most votes first, equal votes newest first; public."""
    return {"office": office, "ideas": [public_view(i) for i in await ideas.listed(parts, office)]}


@router.get(
    "/api/offices/{office}/ideas/hidden",
    responses={
        403: {"description": "`forbidden`: only the office's managers (and admins)"},
        404: {"description": "`office_not_found`"},
    },
)
async def hidden(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's hidden ideas with why, who and when, the last hidden first: to restore one."""
    require(principal, Permission.MODERATE, office)
    return {"office": office, "ideas": [_moderated(i) for i in await ideas.hidden(parts, office)]}


@router.post(
    "/api/ideas/{idea_id}/vote",
    responses={
        403: {"description": _NOT_A_VISITOR},
        404: {"description": _IDEA_404},
        409: {"description": "`already_voted`: this visit voted for this idea already"},
    },
)
async def vote(idea_id: PathId, body: Vote, parts: PartsDep) -> dict[str, Any]:
    """Vote for an idea, once per visit; the answer holds the new count of votes."""
    return public_view(await ideas.vote(parts, idea_id, body.token))


async def _moderate(
    parts: PartsDep, principal: PrincipalDep, idea_id: int, hidden: bool, reason: str
) -> dict[str, Any]:
    office = await ideas.office_of(parts, idea_id)
    require(principal, Permission.MODERATE, office)
    name = principal.username or principal.role.value
    return _moderated(await ideas.moderate(parts, office, idea_id, hidden, reason, name))


_MODERATION: dict[int | str, dict[str, Any]] = {
    403: {"description": "`forbidden`: only the office's managers (and admins)"},
    404: {"description": "`idea_not_found`"},
    422: {"description": "`reason_required`, `reason_too_long`"},
}


@router.post("/api/ideas/{idea_id}/hide", responses=_MODERATION)
async def hide(idea_id: PathId, body: Moderation, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Hide an idea from the list (insults, personal data...), with the reason; open data counts it as hidden."""
    return await _moderate(parts, principal, idea_id, True, body.reason)


@router.post("/api/ideas/{idea_id}/restore", responses=_MODERATION)
async def restore(idea_id: PathId, body: Moderation, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Show a hidden idea again, with the reason."""
    return await _moderate(parts, principal, idea_id, False, body.reason)


@router.post(
    "/api/ideas/{idea_id}/answer",
    responses={
        403: {"description": "`forbidden`: only the office's managers (and admins)"},
        404: {"description": "`idea_not_found`"},
        422: {"description": "`text_required`, `text_too_long`, `invalid_state`"},
    },
)
async def answer(idea_id: PathId, body: Answer, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's answer to an idea and its state (open, planned, done, declined); a new answer replaces it."""
    office = await ideas.office_of(parts, idea_id)
    require(principal, Permission.MODERATE, office)
    return _moderated(await ideas.answer(parts, office, idea_id, body.text, body.state))
