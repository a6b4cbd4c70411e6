"""What the waiting-room display shows, as a pure model: built from the office snapshot, then fed the office's
events in order. Standard library only; `now` is always passed in.

Rules (ARCHITECTURE.md: "a display never shows a call twice and never misses one"):
- an event whose `seq` is not after the last one applied is ignored, so a replayed event changes nothing;
- `ticket.called` puts the ticket on top; `ticket.recalled` puts it on top again, marked as a recall;
  either way the number appears once on the board (an older line for the same number goes);
- a snapshot (the first message, or after a reconnection whose gap is too old to replay) starts the board
  again from its `recent_calls`;
- the per-service numbers (waiting, estimated wait) are the snapshot's; `with_services` takes them from a
  fresh snapshot without touching the calls, which come from the events only.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

Json = Mapping[str, Any]

#: How many calls are listed under the latest one.
HISTORY = 7
#: Seconds each language stays on screen before the next one.
LANGUAGE_PERIOD_S = 10


def language_at(now: datetime, languages: Sequence[str], period_s: int = LANGUAGE_PERIOD_S) -> str:
    """The language to show at `now`: each of `languages` in turn, `period_s` seconds each.

    Computed from the clock, not from a counter, so displays side by side switch together."""
    if not languages:
        return "en"
    return languages[int(now.timestamp() // period_s) % len(languages)]


def local_clock(moment: datetime | str, timezone: str, *, seconds: bool = False) -> str:
    """A moment (aware datetime or ISO text) as HH:MM[:SS] in the office's time zone."""
    when = datetime.fromisoformat(moment) if isinstance(moment, str) else moment
    return when.astimezone(ZoneInfo(timezone)).strftime("%H:%M:%S" if seconds else "%H:%M")


@dataclass(frozen=True)
class Call:
    """One call shown on the board: `number` to `counter` (the counter's name)."""

    number: str
    service: str
    counter: str
    ticket_id: int | None = None
    called_at: str | None = None
    recall: bool = False
    #: The event that put it here (None when it came from a snapshot).
    seq: int | None = None

    @classmethod
    def of(cls, ticket: Json, *, recall: bool, seq: int | None) -> Call:
        counter = ticket.get("counter") or {}
        ticket_id = ticket.get("id")
        return cls(
            number=str(ticket.get("number", "?")),
            service=str(ticket.get("service", "")),
            counter=str(counter.get("name", "")) if isinstance(counter, Mapping) else "",
            ticket_id=ticket_id if isinstance(ticket_id, int) else None,
            called_at=str(ticket["called_at"]) if ticket.get("called_at") else None,
            recall=recall,
            seq=seq,
        )


@dataclass(frozen=True)
class ServiceLine:
    code: str
    names: Mapping[str, str]
    waiting: int
    estimated_wait_s: int

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), self.code)


def _services(snapshot: Json) -> tuple[ServiceLine, ...]:
    return tuple(
        ServiceLine(
            code=str(s["code"]),
            names=dict(s.get("names") or {}),
            waiting=int(s.get("waiting", 0)),
            estimated_wait_s=int(s.get("estimated_wait_s", 0)),
        )
        for s in snapshot.get("services", [])
    )


@dataclass(frozen=True)
class Board:
    office_id: str
    office_name: str
    timezone: str
    #: The seq of the last snapshot or event applied: anything at or before it is ignored.
    seq: int
    latest: Call | None
    #: The calls before `latest`, newest first, at most `history`.
    previous: tuple[Call, ...]
    services: tuple[ServiceLine, ...]
    history: int = HISTORY

    @classmethod
    def from_snapshot(cls, snapshot: Json, history: int = HISTORY) -> Board:
        """The board as the snapshot (`GET /api/offices/{office}/queue`, or the websocket's) shows it."""
        office = snapshot.get("office") or {}
        calls: list[Call] = []
        for ticket in snapshot.get("recent_calls", []):  # newest first
            call = Call.of(ticket, recall=int(ticket.get("recalls") or 0) > 0, seq=None)
            if all(c.number != call.number for c in calls):
                calls.append(call)
        return cls(
            office_id=str(office.get("id", "")),
            office_name=str(office.get("name") or office.get("id") or ""),
            timezone=str(office.get("timezone") or "Europe/Brussels"),
            seq=int(snapshot.get("seq", 0)),
            latest=calls[0] if calls else None,
            previous=tuple(calls[1 : history + 1]),
            services=_services(snapshot),
            history=history,
        )

    def reset(self, snapshot: Json) -> Board:
        """Start again from a snapshot (after a gap too old to replay): its calls, its seq, even backwards."""
        return Board.from_snapshot(snapshot, self.history)

    def with_services(self, snapshot: Json) -> Board:
        """The per-service numbers (and office name and time zone) of a fresh snapshot; the calls and the
        seq stay as the events made them."""
        fresh = Board.from_snapshot(snapshot, self.history)
        return replace(self, office_name=fresh.office_name, timezone=fresh.timezone, services=fresh.services)

    def apply(self, event: Json) -> Board:
        """The board after `event`; the same board when the event was applied already (or has no seq)."""
        seq = event.get("seq")
        if not isinstance(seq, int) or isinstance(seq, bool) or seq <= self.seq:
            return self
        kind = event.get("type")
        ticket = event.get("ticket")
        if kind in ("ticket.called", "ticket.recalled") and isinstance(ticket, Mapping):
            return self._called(Call.of(ticket, recall=kind == "ticket.recalled", seq=seq), seq)
        return replace(self, seq=seq)

    def _called(self, call: Call, seq: int) -> Board:
        earlier = [c for c in (self.latest, *self.previous) if c is not None and c.number != call.number]
        return replace(self, seq=seq, latest=call, previous=tuple(earlier[: self.history]))

    def calls(self) -> tuple[Call, ...]:
        """Every call on the board, newest first."""
        return ((self.latest,) if self.latest else ()) + self.previous
