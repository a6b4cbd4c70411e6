"""Ideas in SQL: a visit's votes count once however many arrive at once, the server key is made once, the list
is most votes first and leaves hidden ideas out (counting them), on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, date, datetime

import pytest

from scheduler.errors import Conflict, NotFound
from scheduler.ideas import IdeaState
from store import ideas
from store.database import Database
from tests.support import Seeded

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
DAY = date(2026, 3, 2)
THREADS = 8


def _idea(db: Database, text: str, visit: str = "v0") -> int:
    made, _events = db.write("town", NOW, lambda repo: ideas.add_idea(repo, "town", text, "nl", DAY, visit))
    return made.id


def _all_at_once(work: Callable[[], object]) -> tuple[list[object], list[BaseException]]:
    results: list[object] = []
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)
    lock = threading.Lock()

    def run() -> None:
        start.wait()
        try:
            result: object = work()
        except BaseException as exc:
            with lock:
                failures.append(exc)
        else:
            with lock:
                results.append(result)

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, failures


def test_votes_of_one_visit_sent_at_once_count_once(database_url: str, seeder: Callable[..., Seeded]) -> None:
    db = seeder(database_url).db
    idea_id = _idea(db, "More chairs")

    def vote() -> object:
        # Holding nothing: on PostgreSQL the votes really run side by side; the vote's key has to decide.
        return db.write("town", NOW, lambda repo: ideas.vote(repo, idea_id, "same-visit"), hold="nothing")

    results, failures = _all_at_once(vote)
    assert len(results) == 1
    assert len(failures) == THREADS - 1
    assert all(isinstance(f, Conflict) and f.code == "already_voted" for f in failures)
    assert db.read(lambda repo: ideas.shown_idea(repo, idea_id)).votes == 1


def test_votes_of_different_visits_sent_at_once_all_count(database_url: str, seeder: Callable[..., Seeded]) -> None:
    db = seeder(database_url).db
    idea_id = _idea(db, "More chairs")
    counter = iter(range(THREADS))
    lock = threading.Lock()

    def vote() -> object:
        with lock:
            visit = f"visit-{next(counter)}"
        return db.write("town", NOW, lambda repo: ideas.vote(repo, idea_id, visit))

    results, failures = _all_at_once(vote)
    assert (len(results), failures) == (THREADS, [])
    assert db.read(lambda repo: ideas.shown_idea(repo, idea_id)).votes == THREADS


def test_the_server_key_is_made_once_even_when_first_asked_for_at_once(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db

    def key() -> object:
        return db.write("town", NOW, lambda repo: ideas.server_key(repo, "ideas"), hold="nothing")[0]

    results, failures = _all_at_once(key)
    assert failures == []
    assert len(set(results)) == 1
    (made,) = set(results)
    assert isinstance(made, bytes)
    assert len(made) == 32
    assert db.read(lambda repo: ideas.server_key(repo, "ideas")) == made


def test_the_list_is_most_votes_first_newest_first_on_ties_and_leaves_hidden_ideas_out(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db
    old, new, popular, hidden = (_idea(db, text) for text in ("old", "new", "popular", "hidden"))
    for visit in ("a", "b"):
        db.write("town", NOW, lambda repo, v=visit: ideas.vote(repo, popular, v))  # type: ignore[misc]
    db.write("town", NOW, lambda repo: ideas.vote(repo, hidden, "a"))
    db.write("town", NOW, lambda repo: ideas.moderate(repo, hidden, True, "insults", "boss", NOW))

    listed = db.read(lambda repo: ideas.public_ideas(repo, "town"))
    assert [i.id for i in listed] == [popular, new, old]
    assert db.read(lambda repo: ideas.hidden_count(repo, "town")) == 1
    with pytest.raises(NotFound, match="no idea"):
        db.write("town", NOW, lambda repo: ideas.vote(repo, hidden, "b"))
    db.write("town", NOW, lambda repo: ideas.moderate(repo, hidden, False, "a mistake", "boss", NOW))
    assert db.read(lambda repo: ideas.hidden_count(repo, "town")) == 0


def test_the_most_voted_unanswered_idea_skips_answered_and_hidden_ones(
    database_url: str, seeder: Callable[..., Seeded]
) -> None:
    db = seeder(database_url).db
    assert db.read(lambda repo: ideas.most_voted_unanswered(repo, "town")) is None
    answered, hidden, waiting = (_idea(db, text) for text in ("answered", "hidden", "waiting"))
    for target, votes in ((answered, 3), (hidden, 3), (waiting, 1)):
        for n in range(votes):
            db.write("town", NOW, lambda repo, t=target, v=f"v{n}": ideas.vote(repo, t, v))  # type: ignore[misc]
    db.write("town", NOW, lambda repo: ideas.answer(repo, answered, "Next month", IdeaState.PLANNED, NOW))
    db.write("town", NOW, lambda repo: ideas.moderate(repo, hidden, True, "spam", "boss", NOW))

    found = db.read(lambda repo: ideas.most_voted_unanswered(repo, "town"))
    assert found is not None
    assert (found.id, found.votes) == (waiting, 1)
    # It takes a session too, for a caller that holds one rather than a repository.
    with db.transaction() as session:
        again = ideas.most_voted_unanswered(session, "town")
    assert again is not None
    assert again.id == waiting
