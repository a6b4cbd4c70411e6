"""The rules of citizens' ideas: what a text and a language may be, which states an answer sets, who counts as
a visitor and for how long, one hash per visit."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from scheduler import ideas
from scheduler.errors import Conflict, Invalid
from scheduler.ideas import IdeaState, NotAVisitor
from scheduler.memory import MemoryRepository
from scheduler.model import Booking, Ticket, TicketKind, TicketState
from tests.scheduler.conftest import ANNEX, OFFICE, T0


@pytest.mark.parametrize(
    ("text", "kept"),
    [
        ("More chairs", "More chairs"),
        ("  More chairs \n", "More chairs"),
        ("x", "x"),
        ("x" * 500, "x" * 500),
        ("  " + "é" * 500 + "  ", "é" * 500),
    ],
)
def test_a_text_is_kept_stripped(text: str, kept: str) -> None:
    assert ideas.text_of(text) == kept


@pytest.mark.parametrize(
    ("text", "field", "limit", "code"),
    [
        ("", "text", 500, "text_required"),
        ("   \n\t", "text", 500, "text_required"),
        ("x" * 501, "text", 500, "text_too_long"),
        ("x" * 1001, "text", 1000, "text_too_long"),
        (" ", "reason", 500, "reason_required"),
    ],
)
def test_an_empty_or_too_long_text_is_refused_naming_the_field(text: str, field: str, limit: int, code: str) -> None:
    with pytest.raises(Invalid) as refused:
        ideas.text_of(text, field, limit)
    assert refused.value.code == code
    assert refused.value.detail.startswith(f"{field}:")


@pytest.mark.parametrize(("language", "ok"), [("nl", True), ("fr", True), ("en", True), ("de", False), ("NL", False)])
def test_ideas_are_in_dutch_french_or_english(language: str, ok: bool) -> None:
    if ok:
        assert ideas.language_of(language) == language
    else:
        with pytest.raises(Invalid, match="language"):
            ideas.language_of(language)


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("open", IdeaState.OPEN),
        ("planned", IdeaState.PLANNED),
        ("done", IdeaState.DONE),
        ("declined", IdeaState.DECLINED),
        ("maybe", None),
        ("OPEN", None),
        ("", None),
    ],
)
def test_an_answer_sets_one_of_the_four_states(state: str, expected: IdeaState | None) -> None:
    if expected is not None:
        assert ideas.answer_state_of(state) is expected
    else:
        with pytest.raises(Invalid) as refused:
            ideas.answer_state_of(state)
        assert refused.value.code == "invalid_state"


def _ticket(office: str = OFFICE, token: str = "status-token", **changes: Any) -> Ticket:
    ticket = Ticket(office, "A", "A001", T0.date(), TicketKind.WALKIN, "nl", token, T0)
    return replace(ticket, **changes)


DAY = timedelta(days=1)
ENDED: dict[str, Any] = {"state": TicketState.DONE, "finished_at": T0 + timedelta(minutes=20)}


@pytest.mark.parametrize(
    ("ticket", "now", "counts"),
    [
        (_ticket(), T0, True),  # just issued
        (_ticket(), T0 - timedelta(seconds=1), False),  # not yet issued
        (_ticket(state=TicketState.WAITING), T0 + 29 * DAY, True),  # still waiting: from its check-in
        (_ticket(state=TicketState.WAITING), T0 + 31 * DAY, False),
        (_ticket(**ENDED), T0 + timedelta(minutes=20) + 30 * DAY, True),  # the last moment of the window
        (_ticket(**ENDED), T0 + timedelta(minutes=21) + 30 * DAY, False),
        (_ticket(state=TicketState.NO_SHOW, finished_at=T0 + DAY), T0 + 30 * DAY, True),
        (_ticket(state=TicketState.CANCELLED, finished_at=T0), T0 + 31 * DAY, False),
    ],
)
def test_a_visit_counts_from_its_issue_until_thirty_days_after_it_ended(
    ticket: Ticket, now: datetime, counts: bool
) -> None:
    assert ideas.VISIT_WINDOW == 30 * DAY
    assert ideas.ticket_counts(ticket, now) is counts


def _repo() -> MemoryRepository:
    repo = MemoryRepository()
    repo.add_ticket(_ticket(token="here", **ENDED))
    repo.add_ticket(_ticket(ANNEX, token="annex-ticket"))
    repo.add_booking(Booking(OFFICE, "B", "K7QX-M4TP", T0, "fr", manage_token="booked"))
    repo.add_booking(Booking(OFFICE, "B", "K7QX-M4TQ", T0, "fr", manage_token="erased", erased_at=T0))
    repo.add_booking(Booking(ANNEX, "A", "K7QX-M4TR", T0, "fr", manage_token="annex-booking"))
    checked_in = repo.add_ticket(_ticket(token="from-booking"))
    repo.add_booking(Booking(OFFICE, "A", "K7QX-M4TS", T0, "nl", manage_token="came", ticket_id=checked_in.id))
    return repo


@pytest.mark.parametrize(
    ("token", "visit"),
    [
        ("here", "here"),  # a ticket of this office: the visit is its token
        ("booked", "booked"),  # a booking not yet checked in: its manage token
        ("came", "from-booking"),  # a booking checked in: the same visit as its ticket
        ("from-booking", "from-booking"),
        ("erased", None),  # erased: no longer anyone's
        ("annex-ticket", None),  # another office's visit
        ("annex-booking", None),
        ("nobody", None),
        ("", None),
    ],
)
def test_who_counts_as_a_visitor(token: str, visit: str | None) -> None:
    repo, now = _repo(), T0 + DAY
    if visit is not None:
        assert ideas.visitor(repo, OFFICE, token, now) == visit
    else:
        with pytest.raises(NotAVisitor) as refused:
            ideas.visitor(repo, OFFICE, token, now)
        assert refused.value.code == "not_a_visitor"


def test_a_visit_is_kept_as_a_keyed_hash_that_needs_the_key() -> None:
    one, other = b"k" * 32, b"j" * 32
    kept = ideas.visit_hash(one, "status-token")
    assert len(kept) == 64
    assert "status-token" not in kept
    assert kept == ideas.visit_hash(one, "status-token")
    assert kept != ideas.visit_hash(other, "status-token")
    assert kept != ideas.visit_hash(one, "status-tokem")


@pytest.mark.parametrize(("proposed", "refused"), [(0, False), (2, False), (3, True), (7, True)])
def test_a_visit_proposes_at_most_three_ideas(proposed: int, refused: bool) -> None:
    if refused:
        with pytest.raises(Conflict) as refusal:
            ideas.check_visit_quota(proposed)
        assert refusal.value.code == "too_many_ideas"
    else:
        ideas.check_visit_quota(proposed)
