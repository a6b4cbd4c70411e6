"""Taking a ticket from the server without ever making two: one `Idempotency-Key` per citizen's request,
reused by every retry (automatic, or the citizen pressing "try again" after the server was unreachable)."""

from __future__ import annotations

import asyncio
import uuid
from dataclasses import dataclass, field

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from client.models import IssuedTicket


@dataclass
class Request:
    """One citizen's request: a walk-in ticket for `service`, or checking in `appointment`, or checking in by
    `code` (a remote ticket's or a booking's: the server tells which)."""

    office: str
    language: str
    service: str | None = None
    appointment: str | None = None
    code: str | None = None
    key: str = field(default_factory=lambda: uuid.uuid4().hex)


async def issue(client: LoketClient, request: Request, *, attempts: int = 3, delay_s: float = 1.0) -> IssuedTicket:
    """The ticket the server confirmed. Retries a request whose answer was lost (`Unreachable`) with the
    same key: the server then answers with the ticket it issued the first time, never a second one.
    A 503 (the server is up but its database is not) counts as unreachable: the ticket may even have been
    stored, so only the same key may ask again. Raises `Unreachable` after `attempts` tries, and
    `LoketError` at once for a refusal."""
    for attempt in range(attempts):
        try:
            return await client.issue_ticket(
                request.office,
                request.service,
                request.language,
                request.key,
                appointment=request.appointment,
                code=request.code,
            )
        except (Unreachable, LoketError) as failed:
            unavailable = isinstance(failed, Unreachable) or failed.status == 503
            if not unavailable:
                raise
            if attempt == attempts - 1:
                raise Unreachable(str(failed)) from failed
            await asyncio.sleep(delay_s * (attempt + 1))
    raise AssertionError("unreachable: the loop returns or raises")  # pragma: no cover
