"""Citizens' ideas for their office and the votes on them: what an idea may say, the states an office's answer
may set, who counts as a visitor, and how a visit is kept without keeping it.

One voice per visit: whoever visited (a ticket's status token) or booked (a booking's manage token) may propose
up to `IDEAS_PER_VISIT` ideas and vote once per idea. The token itself is never stored with an idea or a vote:
only its keyed hash (`visit_hash`, HMAC-SHA256 under a server key), which says "the same visit again" and
nothing else, and cannot be recomputed from the idea table alone.
"""

from __future__ import annotations

import enum
import hashlib
import hmac
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from scheduler.errors import Conflict, Forbidden, Invalid
from scheduler.model import Ticket
from scheduler.repository import Repository

#: An idea's text, an office's answer and a moderation reason: at most this many characters after stripping.
MAX_TEXT = 500
MAX_ANSWER = 1000
MAX_REASON = 500
LANGUAGES = ("nl", "fr", "en")
#: A visit counts from its ticket's issue until this long after the visit ended (served, gone, cancelled): long
#: enough to think of an idea at home and come back to it from the status page, short enough that an old ticket
#: found in a bin does not vote for ever. A visit that never ended counts from its check-in.
VISIT_WINDOW = timedelta(days=30)
#: Ideas one visit may propose (a fixed rule of the visit: past it, 409 `too_many_ideas`).
IDEAS_PER_VISIT = 3
#: Proposals one client address may make per hour (the default of `LOKET_IDEAS_RATE_PER_HOUR`: 429 past it).
IDEAS_PER_HOUR = 10
#: The name of the server key (`server_key` table) the visits' hashes are keyed with.
KEY_NAME = "ideas"


class IdeaState(enum.StrEnum):
    OPEN = "open"  # proposed, no decision yet
    PLANNED = "planned"  # the office will do it
    DONE = "done"  # the office did it
    DECLINED = "declined"  # the office will not (the answer says why)


#: The states an office's answer may set: all of them, `open` included (an answer that says "we are looking
#: into it" without deciding yet).
ANSWER_STATES = frozenset(IdeaState)


class NotAVisitor(Forbidden):
    """The token proves no visit of this office (unknown, of another office, or too old): 403."""

    code = "not_a_visitor"


@dataclass(frozen=True)
class Idea:
    """An idea as stored, without who proposed it."""

    id: int
    office: str
    text: str
    language: str
    day: date
    state: IdeaState
    answer: str | None
    votes: int
    hidden: bool = False
    #: The last moderation (hide or restore): why, which manager, when. For managers only, never published.
    reason: str | None = None
    moderated_by: str | None = None
    moderated_at: datetime | None = None


def public_view(idea: Idea) -> dict[str, Any]:
    """What anyone may read of an idea (the API's list, the page, open data)."""
    return {
        "id": idea.id,
        "text": idea.text,
        "language": idea.language,
        "votes": idea.votes,
        "day": idea.day.isoformat(),
        "state": idea.state.value,
        "answer": idea.answer,
    }


def text_of(text: str, field: str = "text", limit: int = MAX_TEXT) -> str:
    """`text` stripped; Invalid (`{field}_required`, `{field}_too_long`) when nothing or more than `limit`
    characters remain."""
    stripped = text.strip()
    if not stripped:
        raise Invalid(f"{field}: write something (1 to {limit} characters)", code=f"{field}_required")
    if len(stripped) > limit:
        raise Invalid(f"{field}: at most {limit} characters, not {len(stripped)}", code=f"{field}_too_long")
    return stripped


def language_of(language: str) -> str:
    if language not in LANGUAGES:
        raise Invalid(f"language: one of {', '.join(LANGUAGES)}, not {language!r}", code="invalid_language")
    return language


def answer_state_of(state: str) -> IdeaState:
    """The state an answer sets; Invalid `invalid_state` for any other word."""
    try:
        chosen = IdeaState(state)
    except ValueError:
        chosen = None
    if chosen is None or chosen not in ANSWER_STATES:
        names = ", ".join(sorted(s.value for s in ANSWER_STATES))
        raise Invalid(f"state: one of {names}, not {state!r}", code="invalid_state")
    return chosen


def ticket_counts(ticket: Ticket, now: datetime) -> bool:
    """Whether a ticket's visit still counts at `now`: from its issue until `VISIT_WINDOW` after it ended."""
    return ticket.checked_in_at <= now and now - (ticket.ended_at or ticket.checked_in_at) <= VISIT_WINDOW


def visitor(repo: Repository, office: str, token: str, now: datetime) -> str:
    """The token that stands for the visit `token` proves at `office` (to be hashed), or NotAVisitor.

    A ticket's status token counts within `VISIT_WINDOW`; a booking's manage token while the booking keeps it
    (not purged, not erased). A booking checked in is the same visit as its ticket: either link gives the same
    voice, so nobody votes twice by using both."""
    ticket = repo.ticket_by_token(token) if token else None
    if ticket is not None:
        if ticket.office == office and ticket_counts(ticket, now):
            return ticket.token
        raise _not_a_visitor(office)
    booking = repo.booking_by_manage_token(token) if token else None
    if booking is None or booking.office != office or booking.erased_at is not None:
        raise _not_a_visitor(office)
    if booking.ticket_id is not None:
        return repo.ticket(booking.ticket_id).token
    return token


def _not_a_visitor(office: str) -> NotAVisitor:
    return NotAVisitor(
        f"this code proves no visit of office {office} in the last {VISIT_WINDOW.days} days: open the ideas "
        "from your ticket's status page or your booking"
    )


def visit_hash(key: bytes, visit: str) -> str:
    """The keyed hash a visit is kept as (64 hex characters)."""
    return hmac.new(key, visit.encode(), hashlib.sha256).hexdigest()


def check_visit_quota(proposed: int) -> None:
    """Refuse a proposal when the visit already made `IDEAS_PER_VISIT`."""
    if proposed >= IDEAS_PER_VISIT:
        raise Conflict(f"one visit may propose at most {IDEAS_PER_VISIT} ideas", code="too_many_ideas")
