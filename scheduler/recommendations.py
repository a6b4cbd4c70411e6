"""Recommendations to an office's managers: concrete, each with the numbers behind it and a link (a path on this
server) to where those numbers can be seen. Pure functions of counted rows, standard library only, `now` passed in
(or the period it gives); the words are the edges' (`i18n.recommendations`), from `Recommendation.as_json`.

Every rule speaks only with enough data behind it (its `MIN_...`) and past its threshold; otherwise it stays silent.
The kinds are stable names that clients may rely on:

- `staffing`: the staffing advice of today as the server already sent it (`scheduler.advice`), not recomputed.
- `top_improvement`: the improvement most chosen this calendar month, with its count and share of the answers.
- `top_idea`: the citizens' idea with the most votes that the office has not answered yet (hidden ones left out).
- `estimates_off`: a service whose announced waits were often wrong: the real wait from issue to the first call
  (`scheduler.statistics.visits_of`) outside the range told.
- `no_shows`: a service whose booked appointments were often never checked in: remind those citizens earlier.
- `late_hours`: the hours of the day in which more than `LATE_SHARE` of the walk-ins waited longer than the promise
  (`scheduler.model.PROMISE`).

The ticket-based rules look at the `LOOKBACK_WEEKS` weeks of finished days before today.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from urllib.parse import quote

from scheduler.model import PROMISE, TicketKind
from scheduler.statistics import Bookings, Happiness, Tally, VisitRecord, month_of, tally, top_improvements

#: How far back the ticket-based rules look: whole weeks, so that every weekday weighs the same.
LOOKBACK_WEEKS = 4
#: top_improvement: answers this month before it speaks, and the least share of them choosing the improvement.
MIN_ANSWERS = 20
MIN_IMPROVEMENT_SHARE = 0.2
#: top_idea: an idea needs this many votes to be put to the managers.
MIN_IDEA_VOTES = 3
#: estimates_off: checked estimates of a service, and the share of them outside the range told that is "often".
#: The range is meant to hold about 80% of the waits (`scheduler.estimate`), so 35% outside is clearly off.
MIN_ESTIMATES = 20
ESTIMATES_OFF_SHARE = 0.35
#: no_shows: appointments due for a service, and the share never checked in above which to remind earlier.
MIN_BOOKINGS = 20
NO_SHOW_SHARE = 0.15
#: late_hours: walk-ins called in an hour of the day over the look-back, and the share over the promise above which
#: the hour is late. The office's target is 90% within the promise (the staffing advice aims at it), so 10%.
MIN_HOUR_WALKINS = 20
LATE_SHARE = 0.1


class Kind(enum.StrEnum):
    STAFFING = "staffing"
    TOP_IMPROVEMENT = "top_improvement"
    TOP_IDEA = "top_idea"
    ESTIMATES_OFF = "estimates_off"
    NO_SHOWS = "no_shows"
    LATE_HOURS = "late_hours"


@dataclass(frozen=True)
class Recommendation:
    kind: Kind
    #: The figures behind it, as plain JSON (the words say them).
    numbers: Mapping[str, Any]
    #: Where the numbers can be seen: a path on this server.
    link: str

    def as_json(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "numbers": dict(self.numbers), "link": self.link}


@dataclass(frozen=True)
class Period:
    """The finished office-local days the ticket-based rules look at (both included)."""

    start: date
    end: date

    @classmethod
    def before(cls, today: date, weeks: int = LOOKBACK_WEEKS) -> Period:
        return cls(today - timedelta(weeks=weeks), today - timedelta(days=1))

    def holds(self, day: date) -> bool:
        return self.start <= day <= self.end

    def as_json(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat()}


@dataclass(frozen=True)
class IdeaVotes:
    """The most voted unanswered idea, as the rule needs it."""

    id: int
    text: str
    language: str
    votes: int


def _dashboard(office: str, anchor: str) -> str:
    return f"/manage/{quote(office, safe='')}?days=30#{anchor}"


def staffing(office: str, runs: Sequence[Mapping[str, Any]]) -> Recommendation | None:
    """Today's staffing advice (the runs of its `staffing.advice` event), when it asks for more counters."""
    if not runs:
        return None
    return Recommendation(Kind.STAFFING, {"runs": [dict(run) for run in runs]}, _dashboard(office, "advice"))


def top_improvement(office: str, now_day: date, happiness: Happiness) -> Recommendation | None:
    """The improvement most chosen in the answers of this month (`happiness`: this month's answers so far)."""
    if happiness.answers < MIN_ANSWERS:
        return None
    top = top_improvements(happiness, 1)
    if not top or top[0][1] / happiness.answers < MIN_IMPROVEMENT_SHARE:
        return None
    code, chosen = top[0]
    numbers = {
        "improvement": code,
        "chosen": chosen,
        "answers": happiness.answers,
        "share": round(chosen / happiness.answers, 3),
        "month": month_of(now_day),
    }
    return Recommendation(Kind.TOP_IMPROVEMENT, numbers, _dashboard(office, "chart-improvements"))


def top_idea(office: str, idea: IdeaVotes | None) -> Recommendation | None:
    if idea is None or idea.votes < MIN_IDEA_VOTES:
        return None
    numbers = {"idea": idea.id, "text": idea.text, "language": idea.language, "votes": idea.votes}
    return Recommendation(Kind.TOP_IDEA, numbers, f"/ideas/{quote(office, safe='')}")


def _services(visits: Iterable[VisitRecord], period: Period, order: Sequence[str]) -> list[tuple[str, Tally]]:
    """The visits of `period` per service, in the office's order of services (others after, by code)."""
    groups = tally((v for v in visits if period.holds(v.day)), lambda v: v.service)
    rank = {code: i for i, code in enumerate(order)}
    return sorted(groups.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0]))


def estimates_off(
    office: str, visits: Iterable[VisitRecord], period: Period, services: Sequence[str] = ()
) -> list[Recommendation]:
    """One per service whose real waits fell outside the range told more often than `ESTIMATES_OFF_SHARE`."""
    found = []
    for service, t in _services(visits, period, services):
        if t.estimated < MIN_ESTIMATES or t.estimate_in_range_share is None:
            continue
        outside = t.estimated - t.in_estimate_range
        if outside / t.estimated <= ESTIMATES_OFF_SHARE:
            continue
        numbers = {
            "service": service,
            "checked": t.estimated,
            "outside": outside,
            "share": round(outside / t.estimated, 3),
            "mean_error_s": round(t.estimate_mae_s or 0),
            **period.as_json(),
        }
        found.append(Recommendation(Kind.ESTIMATES_OFF, numbers, _dashboard(office, "estimates")))
    return found


def no_shows(
    office: str, bookings: Mapping[str, Bookings], period: Period, services: Sequence[str] = ()
) -> list[Recommendation]:
    """One per service whose appointments due in `period` (`bookings` per service) were never checked in more often
    than `NO_SHOW_SHARE`: remind those citizens earlier."""
    rank = {code: i for i, code in enumerate(services)}
    found = []
    for service, b in sorted(bookings.items(), key=lambda item: (rank.get(item[0], len(rank)), item[0])):
        if b.due < MIN_BOOKINGS or b.no_shows / b.due <= NO_SHOW_SHARE:
            continue
        numbers = {
            "service": service,
            "due": b.due,
            "no_shows": b.no_shows,
            "share": round(b.no_shows / b.due, 3),
            **period.as_json(),
        }
        found.append(Recommendation(Kind.NO_SHOWS, numbers, _dashboard(office, "chart-no-shows")))
    return found


def late_hours(office: str, visits: Iterable[VisitRecord], period: Period) -> Recommendation | None:
    """The hours of the day (the hour the wait started) in which more than `LATE_SHARE` of the walk-ins called
    waited longer than the promise, over `period`; each hour needs `MIN_HOUR_WALKINS` walk-ins called."""
    walkins = (v for v in visits if v.kind == TicketKind.WALKIN.value and period.holds(v.day))
    hours = []
    for hour, t in tally(walkins, lambda v: v.hour).items():
        if t.called < MIN_HOUR_WALKINS:
            continue
        late = sum(1 for w in t.waits if w > PROMISE.total_seconds())
        if late / t.called > LATE_SHARE:
            hours.append({"hour": hour, "called": t.called, "late": late, "share": round(late / t.called, 3)})
    if not hours:
        return None
    numbers = {"hours": hours, "limit": LATE_SHARE, "promise_min": int(PROMISE.total_seconds()) // 60}
    numbers.update(period.as_json())
    return Recommendation(Kind.LATE_HOURS, numbers, _dashboard(office, "chart-waits"))


@dataclass(frozen=True)
class Inputs:
    """Everything the rules look at for one office, read by the caller."""

    office: str
    #: The office-local day of now.
    today: date
    #: The office's service codes in their order.
    services: Sequence[str]
    #: The runs of today's staffing advice (empty: none today).
    staffing_runs: Sequence[Mapping[str, Any]]
    #: This month's answers so far.
    month_happiness: Happiness
    idea: IdeaVotes | None
    #: The visits of the look-back (days outside `period` are ignored).
    visits: Sequence[VisitRecord]
    #: The appointments due per service in the look-back.
    bookings: Mapping[str, Bookings]


def recommend(inputs: Inputs) -> list[Recommendation]:
    """Every rule, in a fixed order: staffing, what citizens ask for, then the estimates, no-shows and late hours."""
    period = Period.before(inputs.today)
    office = inputs.office
    found = [
        staffing(office, inputs.staffing_runs),
        top_improvement(office, inputs.today, inputs.month_happiness),
        top_idea(office, inputs.idea),
        *estimates_off(office, inputs.visits, period, inputs.services),
        *no_shows(office, inputs.bookings, period, inputs.services),
        late_hours(office, inputs.visits, period),
    ]
    return [r for r in found if r is not None]
