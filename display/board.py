"""What the waiting-room display shows, as a pure model: built from the office snapshot, then fed the office's
events in order, both as the client parsed them (`client.models`). No I/O; `now` is always passed in.

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

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from client.models import Event, EventType, Period, Service, Snapshot, Ticket, TicketEvent

#: The events that put a number on the board.
CALLS = frozenset({EventType.TICKET_CALLED, EventType.TICKET_RECALLED})

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


@dataclass(frozen=True)
class Call:
    """One call shown on the board: `number` to `counter` (the counter's name)."""

    number: str
    service: str
    counter: str
    ticket_id: int | None = None
    called_at: datetime | None = None
    recall: bool = False
    #: The event that put it here (None when it came from a snapshot).
    seq: int | None = None

    @classmethod
    def of(cls, ticket: Ticket, *, recall: bool, seq: int | None) -> Call:
        return cls(
            number=ticket.number,
            service=ticket.service,
            counter=ticket.counter.name if ticket.counter else "",
            ticket_id=ticket.id,
            called_at=ticket.called_at,
            recall=recall,
            seq=seq,
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
    services: tuple[Service, ...]
    history: int = HISTORY
    #: Today's opening periods (empty: closed today; None: the server did not say).
    hours_today: tuple[Period, ...] | None = None

    @classmethod
    def from_snapshot(cls, snapshot: Snapshot, history: int = HISTORY) -> Board:
        """The board as the snapshot (`GET /api/offices/{office}/queue`, or the websocket's) shows it."""
        calls: list[Call] = []
        for ticket in snapshot.recent_calls:  # newest first
            call = Call.of(ticket, recall=ticket.recalls > 0, seq=None)
            if all(c.number != call.number for c in calls):
                calls.append(call)
        return cls(
            office_id=snapshot.office.id,
            office_name=snapshot.office.name,
            timezone=snapshot.office.timezone,
            seq=snapshot.seq,
            latest=calls[0] if calls else None,
            previous=tuple(calls[1 : history + 1]),
            services=snapshot.services,
            history=history,
            hours_today=snapshot.office.hours_today,
        )

    def reset(self, snapshot: Snapshot) -> Board:
        """Start again from a snapshot (after a gap too old to replay): its calls, its seq, even backwards."""
        return Board.from_snapshot(snapshot, self.history)

    def with_services(self, snapshot: Snapshot) -> Board:
        """The per-service numbers (and the office's name, time zone and hours, which a manager may have
        changed) of a fresh snapshot; the calls and the seq stay as the events made them."""
        fresh = Board.from_snapshot(snapshot, self.history)
        return replace(
            self,
            office_name=fresh.office_name,
            timezone=fresh.timezone,
            services=fresh.services,
            hours_today=fresh.hours_today,
        )

    def apply(self, event: Event) -> Board:
        """The board after `event`; the same board when the event was applied already."""
        seq = event.seq
        if seq <= self.seq:
            return self
        if isinstance(event, TicketEvent) and event.type in CALLS:
            return self._called(Call.of(event.ticket, recall=event.type == EventType.TICKET_RECALLED, seq=seq), seq)
        return replace(self, seq=seq)

    def _called(self, call: Call, seq: int) -> Board:
        earlier = [c for c in (self.latest, *self.previous) if c is not None and c.number != call.number]
        return replace(self, seq=seq, latest=call, previous=tuple(earlier[: self.history]))

    def calls(self) -> tuple[Call, ...]:
        """Every call on the board, newest first."""
        return ((self.latest,) if self.latest else ()) + self.previous
