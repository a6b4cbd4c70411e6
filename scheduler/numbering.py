"""Ticket numbers: a service letter and a per-day counter (A001, A002 ... restarting each day)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo


def office_day(now: datetime, timezone: str) -> date:
    """The office's local calendar day at `now`: numbering restarts at local midnight, not UTC."""
    return now.astimezone(ZoneInfo(timezone)).date()


def format_number(service: str, sequence: int) -> str:
    if sequence < 1:
        raise ValueError("ticket sequence starts at 1")
    return f"{service}{sequence:03d}"


def day_start(now: datetime, timezone: str) -> datetime:
    """Local midnight of the office's day at `now`, in UTC."""
    zone = ZoneInfo(timezone)
    return datetime.combine(office_day(now, timezone), time(), tzinfo=zone).astimezone(UTC)
