"""Offline kiosks: blocks of numbers reserved while online, and the tickets issued offline synced afterwards."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Response
from pydantic import AwareDatetime, BaseModel, Field

from api.deps import PartsDep, PrincipalDep, require
from api.schemas import Body
from scheduler import offline
from scheduler.access import Permission
from scheduler.errors import Invalid
from scheduler.events import ticket_view
from scheduler.offline import NumberBlock, OfflineEntry
from service.changes import change, read

router = APIRouter(tags=["kiosks"])

KioskName = Field(
    min_length=1, max_length=40, description="The kiosk's name (its `--name`): 1-40 of A-Z a-z 0-9 . _ -, e.g. hall-1"
)


class ReserveBlock(Body):
    kiosk: str = KioskName
    service: str = Field(min_length=1, max_length=8, description="The service's code letter, e.g. A")
    size: int | None = Field(
        None, description=f"How many numbers ({offline.MIN_SIZE}-{offline.MAX_SIZE}); default {offline.BLOCK_SIZE}"
    )


class ReservedBlock(BaseModel):
    kiosk: str
    service: str
    day: str = Field(description="The office-local day the numbers are for (ISO date)")
    first: int
    last: int
    first_number: str = Field(description="e.g. A500")
    last_number: str = Field(description="e.g. A549")
    status_url_prefix: str = Field(description="A ticket's status page is this followed by its token")


class BlockOfKiosk(BaseModel):
    service: str
    first: int
    last: int
    first_number: str
    last_number: str
    used: list[int] = Field(description="The numbers of the block already synced as tickets")


class KioskBlocks(BaseModel):
    day: str
    status_url_prefix: str
    blocks: list[BlockOfKiosk]


class SyncTicket(Body):
    kiosk: str = KioskName
    service: str | None = Field(
        None, min_length=1, max_length=8, description="A walk-in's service (an appointment: its code instead)"
    )
    number: str | None = Field(
        None, min_length=1, max_length=16, description="The number printed, e.g. A512: in a block of this kiosk"
    )
    appointment: str | None = Field(
        None, min_length=1, max_length=64, description="A booking's code as typed at the kiosk, e.g. K7QX-M4TP"
    )
    language: str = Field(max_length=8, description="nl, fr or en")
    checked_in_at: AwareDatetime = Field(description="When the kiosk issued it (ISO 8601 with a time zone)")
    token: str = Field(
        min_length=1, max_length=64, description="The ticket's status token the kiosk chose: 22-64 of A-Z a-z 0-9 _ -"
    )


class SyncedTicket(BaseModel):
    id: int
    number: str
    service: str
    kind: str
    state: str
    language: str
    checked_in_at: str
    status_url: str
    offline: bool = True
    note: str | None = Field(description="An appointment checked in outside its window: early or late; else null")


def _block_view(block: NumberBlock) -> dict[str, Any]:
    return {
        "service": block.service,
        "first": block.first,
        "last": block.last,
        "first_number": block.first_number,
        "last_number": block.last_number,
    }


@router.post(
    "/api/offices/{office}/number-blocks",
    status_code=201,
    response_model=ReservedBlock,
    responses={
        404: {"description": "`service_not_found`"},
        409: {"description": f"`too_many_blocks`: {offline.MAX_BLOCKS} blocks of this kiosk and service today"},
        422: {"description": "`invalid_kiosk`, `invalid_size` (with `field`)"},
    },
)
async def reserve_block(office: str, body: ReserveBlock, parts: PartsDep, principal: PrincipalDep) -> dict[str, Any]:
    """Reserve the next block of numbers of a service for today, for one kiosk to issue when the server cannot be
    reached (a kiosk token of the office, or its manager). Online numbering skips the block."""
    require(principal, Permission.ISSUE, office)
    now = parts.clock()
    block = await change(
        parts,
        office,
        now,
        lambda repo: offline.reserve(repo, office, body.kiosk, body.service, body.size, now),
        hold="nothing",  # the day's number row is held, as when a number is given (see offline.reserve)
    )
    return {
        "kiosk": block.kiosk,
        "day": block.day.isoformat(),
        **_block_view(block),
        "status_url_prefix": parts.settings.status_url(),
    }


@router.get(
    "/api/offices/{office}/number-blocks",
    response_model=KioskBlocks,
    responses={422: {"description": "`invalid_kiosk`"}},
)
async def kiosk_blocks(
    office: str,
    parts: PartsDep,
    principal: PrincipalDep,
    kiosk: Annotated[str, Query(min_length=1, max_length=40, description="The kiosk's name")],
) -> dict[str, Any]:
    """Today's blocks of a kiosk, each with the numbers already synced from it."""
    require(principal, Permission.ISSUE, office)
    now = parts.clock()
    day, found = await read(parts, lambda repo: offline.kiosk_blocks(repo, office, kiosk, now))
    return {
        "day": day.isoformat(),
        "status_url_prefix": parts.settings.status_url(),
        "blocks": [{**_block_view(block), "used": used} for block, used in found],
    }


@router.post(
    "/api/offices/{office}/tickets/offline",
    status_code=201,
    response_model=SyncedTicket,
    responses={
        200: {"description": "The same Idempotency-Key was synced before: the ticket stored then"},
        404: {"description": "`service_not_found`"},
        409: {
            "description": "`number_not_reserved`, `number_taken`, `token_taken`, `idempotency_key_reused`, "
            "`appointment_already_checked_in` (each with `field`)"
        },
        422: {
            "description": "`idempotency_key_required`, `invalid_kiosk`, `invalid_language`, `invalid_ticket_token`, "
            "`invalid_checked_in_at`, `invalid_number`, `service_required`, `number_required`, "
            "`unknown_appointment`, `appointment_service_mismatch` (each with `field`)"
        },
    },
)
async def sync_ticket(
    office: str,
    body: SyncTicket,
    parts: PartsDep,
    principal: PrincipalDep,
    response: Response,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> dict[str, Any]:
    """Store a ticket a kiosk issued while offline, with its number and its check-in time (so it keeps its
    place in the queue); an appointment's code checks the booking in as at that time ("early"/"late" told to the
    clerk). One `Idempotency-Key` per ticket: the same again answers 200 with the same ticket."""
    require(principal, Permission.ISSUE, office)
    if not idempotency_key:
        raise Invalid(
            "an offline ticket needs its Idempotency-Key header",
            code="idempotency_key_required",
            extra={"field": "Idempotency-Key"},
        )
    key = idempotency_key
    entry = OfflineEntry(
        kiosk=body.kiosk,
        language=body.language,
        checked_in_at=body.checked_in_at,
        token=body.token,
        service=body.service,
        number=body.number,
        appointment=body.appointment,
    )
    now = parts.clock()
    synced = await change(parts, office, now, lambda repo: offline.sync(repo, office, key, entry, now), hold="nothing")
    if synced.replayed:
        response.status_code = 200
    ticket = synced.ticket
    return {
        **ticket_view(ticket),
        "status_url": parts.settings.status_url(ticket.token),
        "note": ticket.offline_note,
    }
