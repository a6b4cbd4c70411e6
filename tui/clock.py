"""Times as the apps write them: a moment in the office's time zone, a duration as minutes and seconds."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo


def local_clock(moment: datetime | str, timezone: str, *, seconds: bool = False) -> str:
    """A moment (aware datetime or ISO text) as HH:MM[:SS] in the office's time zone."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(ZoneInfo(timezone)).strftime("%H:%M:%S" if seconds else "%H:%M")


def minutes_seconds(seconds: int) -> str:
    """A duration as M:SS (a clerk reads how long somebody waited)."""
    return f"{seconds // 60}:{seconds % 60:02d}"
