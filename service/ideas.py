"""Citizens' ideas, for both edges (the JSON API and the /ideas page): propose, vote, list, and the managers'
hide, restore and answer. Each change is one write holding the office (scheduler.ideas says what is allowed,
store.ideas keeps it); a visit's token goes in, only its keyed hash is kept."""

from __future__ import annotations

from datetime import datetime

from scheduler import ideas as rules
from scheduler.errors import NotFound
from scheduler.ideas import Idea
from scheduler.numbering import office_day
from service.changes import change, read
from service.parts import Parts
from store import ideas as stored
from store.repository import SqlRepository


def _visit(repo: SqlRepository, office: str, token: str, now: datetime) -> str:
    """The keyed hash of the visit `token` proves at `office` (NotAVisitor: 403)."""
    visit = rules.visitor(repo, office, token, now)
    return rules.visit_hash(stored.server_key(repo, rules.KEY_NAME), visit)


def _check_visitor(repo: SqlRepository, office: str, token: str, now: datetime) -> None:
    """An unknown office (404) or a token of no visit there (403), refused in a read: a stranger's requests never
    take the office's write, which the queue waits on. The write checks again (the visit may end meanwhile)."""
    repo.office(office)
    rules.visitor(repo, office, token, now)


async def propose(parts: Parts, office: str, token: str, text: str, language: str, client: str) -> Idea:
    """A visit's idea: checked (text, language), within the client's hourly budget and the visit's quota."""
    text, language = rules.text_of(text), rules.language_of(language)
    now = parts.clock()
    await read(parts, lambda repo: _check_visitor(repo, office, token, now))
    parts.idea_limit.spend(client)

    def add(repo: SqlRepository) -> Idea:
        found = repo.office(office)
        visit = _visit(repo, office, token, now)
        rules.check_visit_quota(stored.ideas_of_visit(repo, office, visit))
        return stored.add_idea(repo, office, text, language, office_day(now, found.timezone), visit)

    return await change(parts, office, now, add)


async def office_of(parts: Parts, idea_id: int) -> str:
    """The office of an idea, hidden or not (for a manager); NotFound `idea_not_found`."""

    def office(repo: SqlRepository) -> str:
        found = stored.idea(repo, idea_id)
        if found is None:
            raise NotFound(f"no idea {idea_id}", code="idea_not_found")
        return found.office

    return await read(parts, office)


async def vote(parts: Parts, idea_id: int, token: str) -> Idea:
    """One vote of the visit `token` proves, at the idea's office, for an idea shown there."""
    now = parts.clock()

    def shown(repo: SqlRepository) -> Idea:
        found = stored.shown_idea(repo, idea_id)
        _check_visitor(repo, found.office, token, now)
        return found

    found = await read(parts, shown)

    def cast(repo: SqlRepository) -> Idea:
        return stored.vote(repo, idea_id, _visit(repo, found.office, token, now))

    return await change(parts, found.office, now, cast)


async def listed(parts: Parts, office: str) -> list[Idea]:
    """The office's shown ideas, most votes first (NotFound for an unknown office)."""

    def shown(repo: SqlRepository) -> list[Idea]:
        repo.office(office)
        return stored.public_ideas(repo, office)

    return await read(parts, shown)


async def hidden(parts: Parts, office: str) -> list[Idea]:
    """The office's hidden ideas (NotFound for an unknown office); the caller checked the manager may."""

    def found(repo: SqlRepository) -> list[Idea]:
        repo.office(office)
        return stored.hidden_ideas(repo, office)

    return await read(parts, found)


async def hidden_count(parts: Parts, office: str) -> int:
    return await read(parts, lambda repo: stored.hidden_count(repo, office))


async def moderate(parts: Parts, office: str, idea_id: int, hidden: bool, reason: str, by: str | None) -> Idea:
    """Hide an idea (or show it again), with the reason; the caller checked the manager may."""
    reason, now = rules.text_of(reason, "reason", rules.MAX_REASON), parts.clock()
    return await change(parts, office, now, lambda repo: stored.moderate(repo, idea_id, hidden, reason, by, now))


async def answer(parts: Parts, office: str, idea_id: int, text: str, state: str) -> Idea:
    """The office's answer and the state it sets; the caller checked the manager may."""
    text, chosen = rules.text_of(text, "text", rules.MAX_ANSWER), rules.answer_state_of(state)
    now = parts.clock()
    return await change(parts, office, now, lambda repo: stored.answer(repo, idea_id, text, chosen, now))
