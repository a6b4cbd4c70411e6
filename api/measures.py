"""Measures an office takes, evaluated: register one (managers), list them, see one judged."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from api.deps import PartsDep, PrincipalDep, require
from api.schemas import Body, PathId
from scheduler.access import Permission
from service import measures
from store import measures as stored

router = APIRouter(tags=["measures"])


class RegisterMeasure(Body):
    title: str = Field(max_length=1000, description="What the office changed (1 to 200 characters)")
    kind: str = Field(max_length=32, description="`before-after`, or `alternating` (a setting switched day by day)")
    started: str = Field(max_length=32, description="The first day, YYYY-MM-DD (office-local)")
    ended: str | None = Field(None, max_length=32, description="The last day, if it ended (not before `started`)")
    description: str | None = Field(None, max_length=4000, description="More words (at most 2,000 characters)")
    setting: dict[str, Any] | None = Field(
        None,
        description='What alternates, e.g. {"name": "policy", "a": "fifo", "b": "loket"}: `policy` (fifo, '
        "appointments-first, loket), `timed_return` or `remote_join` (true, false). Required for `alternating`; "
        "for `before-after` optional: the value before (a) and after (b), for the expected effect",
    )


_REFUSALS: dict[int | str, dict[str, Any]] = {
    403: {"description": "`forbidden`: not a manager of this office (or an admin)"},
    404: {"description": "`office_not_found`, `measure_not_found` (also another office's measure)"},
}


@router.post(
    "/api/offices/{office}/measures",
    status_code=201,
    responses={
        **_REFUSALS,
        409: {"description": "`setting_already_alternating`: another measure alternates it on some of these days"},
        422: {
            "description": "`invalid_title`, `invalid_description`, `unknown_kind`, `invalid_date`, "
            "`ended_before_started`, `setting_required`, `invalid_setting`, `unknown_setting`, "
            "`invalid_setting_value`, or a malformed body"
        },
    },
)
async def register(office: str, body: RegisterMeasure, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Register what the office changed. An alternating measure's setting is applied by the server day by day
    from `started` on (A on the first day, then every other day). The office's last two weeks are replayed
    through the simulator with the setting at A and at B: the expected effect, kept beside the measured one."""
    require(principal, Permission.MEASURE, office)
    measure = await measures.register(parts, office, body.model_dump(exclude_unset=True), principal.username)
    today = await run_in_threadpool(measures.office_today, parts.db, office, parts.clock())
    return {**measures.summary(measure, today), "expected": measure.expected}


@router.get("/api/offices/{office}/measures", responses=_REFUSALS)
async def list_measures(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The office's measures, latest start first (without their evaluation: see one by id)."""
    require(principal, Permission.MEASURE, office)
    today = await run_in_threadpool(measures.office_today, parts.db, office, parts.clock())
    found = await run_in_threadpool(stored.measures_of, parts.db, office)
    return {"measures": [measures.summary(m, today) for m in found]}


@router.get("/api/offices/{office}/measures/{measure_id}", responses=_REFUSALS)
async def judged(office: str, measure_id: PathId, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """The measure judged: per metric (`within_5_min`: share of walk-ins called within five minutes,
    `mean_wait_min`, `no_show_share`, `happiness`: mean score) the mean before and after (for `alternating`:
    A days and B days), the difference and its 99% bootstrap interval over day values; one verdict (`better`,
    `worse`, `no clear effect`, `not enough data`); and the `expected` effect of the what-if replay."""
    require(principal, Permission.MEASURE, office)
    today = await run_in_threadpool(measures.office_today, parts.db, office, parts.clock())
    measure = await run_in_threadpool(stored.measure, parts.db, office, measure_id)
    return await run_in_threadpool(measures.judged, parts.db, measure, today)
