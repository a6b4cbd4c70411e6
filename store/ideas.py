"""Citizens' ideas and their votes in SQL (the rules are scheduler/ideas.py; service/ideas.py runs them in one
write). Every function takes the session of the transaction it runs in (or a SqlRepository holding one)."""

from __future__ import annotations

import secrets
from datetime import date, datetime

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.errors import Conflict, NotFound
from scheduler.ideas import Idea, IdeaState
from store.repository import SqlRepository
from store.tables import IdeaRow, IdeaVoteRow, KeyRow

Source = Session | SqlRepository


def _session(source: Source) -> Session:
    return source.session if isinstance(source, SqlRepository) else source


def idea_of(row: IdeaRow) -> Idea:
    assert row.id is not None
    return Idea(
        id=row.id,
        office=row.office,
        text=row.text,
        language=row.language,
        day=row.day,
        state=IdeaState(row.state),
        answer=row.answer,
        votes=row.votes,
        hidden=row.hidden,
        reason=row.hidden_reason,
        moderated_by=row.moderated_by,
        moderated_at=row.moderated_at,
    )


def server_key(source: Source, name: str) -> bytes:
    """The server key `name` (32 random bytes), made on first use. Two first uses at once both insert; the
    unique name lets one win (a savepoint keeps the loser's transaction going) and both read the winner's."""
    session = _session(source)
    row = session.get(KeyRow, name)
    if row is None:
        try:
            with session.begin_nested():
                session.add(KeyRow(name=name, value=secrets.token_hex(32)))
        except IntegrityError:
            pass
        row = session.exec(select(KeyRow).where(KeyRow.name == name).execution_options(populate_existing=True)).one()
    return bytes.fromhex(row.value)


def add_idea(source: Source, office: str, text: str, language: str, day: date, visit: str) -> Idea:
    session = _session(source)
    row = IdeaRow(office=office, text=text, language=language, day=day, visit=visit)
    session.add(row)
    session.flush()
    return idea_of(row)


def ideas_of_visit(source: Source, office: str, visit: str) -> int:
    """How many ideas this visit (its keyed hash) proposed at the office, hidden ones included."""
    query = select(func.count()).select_from(IdeaRow).where(IdeaRow.office == office, IdeaRow.visit == visit)
    return int(_session(source).exec(query).one())


def idea(source: Source, idea_id: int) -> Idea | None:
    row = _session(source).get(IdeaRow, idea_id)
    return None if row is None else idea_of(row)


def shown_idea(source: Source, idea_id: int) -> Idea:
    """The idea if it is not hidden; NotFound `idea_not_found` otherwise (a hidden idea is not there for
    citizens)."""
    found = idea(source, idea_id)
    if found is None or found.hidden:
        raise NotFound(f"no idea {idea_id}", code="idea_not_found")
    return found


def vote(source: Source, idea_id: int, visit: str) -> Idea:
    """One vote of this visit for a shown idea, and the idea's count up by one in the same transaction.
    Conflict `already_voted` when the visit voted for it already: the vote's primary key decides, so two votes
    sent at once count once whatever the isolation."""
    session = _session(source)
    shown_idea(session, idea_id)
    try:
        with session.begin_nested():
            session.add(IdeaVoteRow(idea_id=idea_id, visit=visit))
    except IntegrityError:
        raise Conflict("this visit voted for this idea already", code="already_voted") from None
    session.execute(update(IdeaRow).where(col(IdeaRow.id) == idea_id).values(votes=IdeaRow.votes + 1))
    session.expire_all()
    return shown_idea(session, idea_id)


def public_ideas(source: Source, office: str) -> list[Idea]:
    """The office's ideas not hidden, most votes first; equal votes newest first."""
    query = (
        select(IdeaRow)
        .where(IdeaRow.office == office, col(IdeaRow.hidden).is_(False))
        .order_by(col(IdeaRow.votes).desc(), col(IdeaRow.id).desc())
    )
    return [idea_of(row) for row in _session(source).exec(query)]


def hidden_ideas(source: Source, office: str) -> list[Idea]:
    """The office's hidden ideas, the last hidden first (for its managers, to restore one)."""
    query = (
        select(IdeaRow)
        .where(IdeaRow.office == office, col(IdeaRow.hidden).is_(True))
        .order_by(col(IdeaRow.moderated_at).desc(), col(IdeaRow.id).desc())
    )
    return [idea_of(row) for row in _session(source).exec(query)]


def most_voted_unanswered(source: Source, office: str) -> Idea | None:
    """The shown idea with the most votes that the office has not answered yet (ties: the newest), or None.
    For the recommendations to officials."""
    query = (
        select(IdeaRow)
        .where(IdeaRow.office == office, col(IdeaRow.hidden).is_(False), col(IdeaRow.answer).is_(None))
        .order_by(col(IdeaRow.votes).desc(), col(IdeaRow.id).desc())
        .limit(1)
    )
    row = _session(source).exec(query).first()
    return None if row is None else idea_of(row)


def hidden_count(source: Source, office: str) -> int:
    query = select(func.count()).select_from(IdeaRow).where(IdeaRow.office == office, col(IdeaRow.hidden).is_(True))
    return int(_session(source).exec(query).one())


def _row(session: Session, idea_id: int) -> IdeaRow:
    row = session.get(IdeaRow, idea_id)
    if row is None:
        raise NotFound(f"no idea {idea_id}", code="idea_not_found")
    return row


def moderate(source: Source, idea_id: int, hidden: bool, reason: str, by: str | None, now: datetime) -> Idea:
    """Hide (or show again) an idea, keeping the reason, which manager and when (the last moderation)."""
    session = _session(source)
    row = _row(session, idea_id)
    row.hidden, row.hidden_reason, row.moderated_by, row.moderated_at = hidden, reason, by, now
    session.add(row)
    session.flush()
    return idea_of(row)


def answer(source: Source, idea_id: int, text: str, state: IdeaState, now: datetime) -> Idea:
    """The office's answer and the state it sets (a new answer replaces the last)."""
    session = _session(source)
    row = _row(session, idea_id)
    row.answer, row.state, row.answered_at = text, state.value, now
    session.add(row)
    session.flush()
    return idea_of(row)
