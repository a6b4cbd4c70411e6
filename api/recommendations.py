"""Recommendations to officials: what the office's numbers suggest doing, each with those numbers and a link to them
(`scheduler.recommendations`), in the manager's language."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep, PrincipalDep, require
from scheduler.access import Permission
from service.changes import read
from service.recommendations import recommendations

router = APIRouter(tags=["recommendations"])

Language = Annotated[Literal["nl", "fr", "en"], Query(description="The language of each `text`")]


@router.get(
    "/api/offices/{office}/recommendations",
    responses={
        403: {"description": "`forbidden`: not a manager of this office (or an admin)"},
        404: {"description": "`office_not_found`"},
    },
)
async def office_recommendations(
    office: str, parts: PartsDep, principal: PrincipalDep, lang: Language = "en"
) -> dict[str, Any]:
    """`{"office", "language", "recommendations": [{"kind", "numbers", "link", "text"}]}`: kinds `staffing`,
    `top_improvement`, `top_idea`, `estimates_off`, `no_shows`, `late_hours`; a rule without enough data, or
    below its threshold, gives none."""
    require(principal, Permission.MANAGE, office)
    await read(parts, lambda repo: repo.office(office))  # NotFound: 404
    found = await run_in_threadpool(recommendations, parts.db, office, parts.clock(), lang)
    return {"office": office, "language": lang, "recommendations": found}
