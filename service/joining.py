"""Joining an office's queue from elsewhere: what the join page and the JSON API share.

The page and the API take the same steps: the client address's hourly budget, the contact checked and written
in one form (only a medium the server sends on), then one write that checks the office's rules
(`scheduler.remote.check_join`) and issues the ticket with its estimate and `come_at` (`usecases.issue_ticket`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from scheduler import remote, usecases
from scheduler.bookings import Contact, check_contact, check_offered
from scheduler.events import ticket_view
from scheduler.model import Office, Ticket
from service.appointments import holidays_around, phone_e164
from service.changes import change, read
from service.parts import Parts
from store.admin import new_secret
from store.repository import SqlRepository


@dataclass(frozen=True)
class Joined:
    ticket: Ticket
    office: Office
    position: usecases.Position


async def join(
    parts: Parts,
    office: str,
    service: str,
    language: str,
    travel_min: int,
    email: str | None,
    phone: str | None,
    client: str,
) -> Joined:
    """Join `office`'s queue for `service` from elsewhere. Throttled (429) past the client's hourly budget;
    Invalid (422) for a trip or contact that cannot be; Conflict (409) `remote_join_disabled`, `queue_closed`,
    `remote_share_full`, `already_joined`, `notification_not_offered`; NotFound for an unknown office or service."""
    parts.join_limit.spend(client)
    travel_s = remote.check_travel(travel_min)
    contact = check_contact(Contact(email=email, phone=phone_e164(phone, parts.settings.default_region)))
    if contact.email or contact.phone:
        check_offered(contact, parts.messenger.media())
    now = parts.clock()
    holidays = holidays_around(now.date())
    token = new_secret()

    def write(repo: SqlRepository) -> Joined:
        place = repo.office(office)
        remote.check_join(repo, place, service, now, holidays, email=contact.email, phone=contact.phone)
        issued = usecases.issue_ticket(
            repo,
            office,
            service,
            language,
            now,
            token=token,
            remote=usecases.Remote(travel_s, contact.email, contact.phone),
            policy=parts.policy,
        )
        assert issued.position is not None  # a remote ticket is always told its estimate
        return Joined(issued.ticket, place, issued.position)

    await read(parts, lambda repo: repo.office(office))  # NotFound before the office's gate is taken
    return await change(parts, office, now, write)


def joined_view(parts: Parts, joined: Joined, now: datetime) -> dict[str, Any]:
    """The answer to a join: the ticket, its code, where to follow it, and when to set off (office's zone)."""
    ticket, office, where = joined.ticket, joined.office, joined.position
    zone = ZoneInfo(office.timezone)
    turn = now + timedelta(seconds=where.estimated_wait_s)
    deadline = remote.arrive_by(ticket, office)
    return {
        **ticket_view(ticket),
        "code": ticket.code,
        "status_url": parts.settings.status_url(ticket.token),
        "people_ahead": where.people_ahead,
        "estimated_wait_s": where.estimated_wait_s,
        "estimated_call_at": turn.astimezone(zone).isoformat(timespec="seconds"),
        "come_at": ticket.come_at.astimezone(zone).isoformat(timespec="seconds") if ticket.come_at else None,
        "arrive_by": deadline.astimezone(zone).isoformat(timespec="seconds") if deadline else None,
        "travel_min": (ticket.travel_s or 0) // 60,
        "told_by": [medium for medium, to in (("email", ticket.notify_email), ("sms", ticket.notify_phone)) if to],
    }
