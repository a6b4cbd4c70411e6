"""The office's hourly sending budget: how many messages (e-mails and SMS together) it may send in one hour.

Every message costs the city money and lands in somebody's inbox; the per-ticket and per-booking rules bound
what one citizen can cause, and this bounds what many can. Past the budget a message is not sent but counted
as withheld, so the dashboard can say that the office went quiet and why. Run inside the office's write
transaction, so that the workers of one server share one count.
"""

from __future__ import annotations

from datetime import UTC, datetime

from scheduler.repository import Repository


def hour_of(now: datetime) -> datetime:
    """The UTC hour `now` falls in: the budget's unit."""
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def spend(repo: Repository, office_id: str, now: datetime, budget: int) -> bool:
    """Count one message of the office: True when it may go, False (and counted as withheld) past `budget`
    messages this hour. A budget of 0 or less is no budget."""
    hour = hour_of(now)
    sent, withheld = repo.message_count(office_id, hour)
    allowed = budget <= 0 or sent < budget
    repo.save_message_count(office_id, hour, sent + allowed, withheld + (not allowed))
    return allowed


def this_hour(repo: Repository, office_id: str, now: datetime) -> tuple[int, int]:
    """(sent, withheld) in the hour of `now`."""
    return repo.message_count(office_id, hour_of(now))
