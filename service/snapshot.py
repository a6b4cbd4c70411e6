"""The office's queue snapshot as every edge serves it (the API, the websocket, the display, the dashboard, the
join page): the scheduler's, told this country's public holidays, so a board says "closed today: public holiday"
the same everywhere."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from scheduler import routing, usecases
from scheduler.repository import Repository
from service import public_holidays


def queue_snapshot(
    repo: Repository, office_id: str, now: datetime, policy: routing.Policy = routing.appointments_first
) -> dict[str, Any]:
    return usecases.queue_snapshot(repo, office_id, now, policy, holidays=public_holidays.around(now.date()))
