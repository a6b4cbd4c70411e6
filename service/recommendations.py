"""The recommendations to an office's managers, read and said: the rows from the store, the rules of
`scheduler.recommendations`, the words of `i18n.recommendations`. Shared by the API and the dashboard. Blocking: run
it in a thread."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from i18n.recommendations import text_of
from scheduler import advice
from scheduler.numbering import day_start, office_day
from scheduler.recommendations import IdeaVotes, Inputs, Period, recommend
from scheduler.statistics import Happiness, month_of
from store.database import Database
from store.ideas import most_voted_unanswered
from store.statistics import bookings_per_service, latest_event, office_statistics


def recommendations(db: Database, office: str, now: datetime, language: str) -> list[dict[str, Any]]:
    """The office's recommendations now, each as `{"kind", "numbers", "link", "text"}` with the text in `language`.
    Raises NotFound for an unknown office."""
    timezone = db.read(lambda repo: repo.office(office).timezone)
    today = office_day(now, timezone)
    period = Period.before(today)
    stats = office_statistics(db, office, min(period.start, today.replace(day=1)), today)
    this_month = month_of(today)
    month = stats.happiness(lambda a: month_of(a.day)).get(this_month, Happiness())
    sent = latest_event(db, office, advice.EVENT_TYPE, day_start(now, timezone)) or {}
    idea = db.read(lambda repo: most_voted_unanswered(repo, office))
    found = recommend(
        Inputs(
            office=office,
            today=today,
            services=[code for code, _names in stats.services],
            staffing_runs=sent.get("advice", []),
            month_happiness=month,
            idea=None if idea is None else IdeaVotes(idea.id, idea.text, idea.language, idea.votes),
            visits=stats.visits,
            bookings=bookings_per_service(db, office, timezone, period.start, period.end),
        )
    )
    names = {
        "services": {code: _name(names, language, code) for code, names in stats.services},
        "improvements": {code: _name(names, language, code) for code, names in stats.improvements},
    }
    return [{**r.as_json(), "text": text_of(r.as_json(), names, language)} for r in found]


def _name(names: dict[str, str], language: str, code: str) -> str:
    return names.get(language) or names.get("en") or code
