"""Offices: the queue snapshot."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import PartsDep, PrincipalDep, require
from scheduler.access import Permission
from service.changes import read
from service.snapshot import queue_snapshot

router = APIRouter(tags=["offices"])


@router.get("/api/offices/{office}/queue")
async def queue(office: str, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Waiting tickets per service, counters, recent calls, and the `seq` this picture is valid at."""
    require(principal, Permission.READ, office)
    now = parts.clock()
    return await read(parts, lambda repo: queue_snapshot(repo, office, now, parts.policy))
