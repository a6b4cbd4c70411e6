"""A status token is followed live on at most five streams, and not at all a day after its visit ended."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import datetime, timedelta

import pytest

from api.errors import refusal_of
from live.followers import Follower, Followers
from scheduler import citizen
from scheduler.errors import Throttled
from scheduler.model import Role, TicketState
from tests.api.conftest import Api
from tests.scheduler.conftest import T0, make_ticket


def test_the_sixth_stream_of_a_token_is_refused_with_retry_after() -> None:
    followers = Followers()
    held = [Follower() for _ in range(5)]
    for follower in held:
        followers.admit("t", follower)
    followers.admit("another token", Follower())
    with pytest.raises(Throttled) as refused:
        followers.admit("t", Follower())
    assert (refusal_of(refused.value)[0], refused.value.code) == (429, "too_many_streams")
    assert int(refusal_of(refused.value)[1]["Retry-After"]) > 0
    followers.left("t", held.pop())
    followers.admit("t", Follower())


def test_a_stream_dropped_before_it_ran_gives_its_place_back() -> None:
    followers = Followers(per_token=1)
    followers.admit("t", Follower())  # nothing holds it: as a response whose client left before its first byte
    gc.collect()
    followers.admit("t", Follower())
    assert followers.open("t") == 0


DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("state", "finished", "now", "followable"),
    [
        (TicketState.WAITING, None, T0 + timedelta(hours=3), True),
        (TicketState.DONE, T0 + timedelta(hours=1), T0 + timedelta(hours=1) + DAY, True),
        (TicketState.DONE, T0 + timedelta(hours=1), T0 + timedelta(hours=1, seconds=1) + DAY, False),
        (TicketState.CANCELLED, None, T0 + 2 * DAY, False),
        (TicketState.WAITING, None, T0 + 2 * DAY, False),  # a day that never ended it is over too
    ],
    ids=["waiting", "done a day ago", "done over a day ago", "ended, no time kept", "left over from a day before"],
)
def test_a_visit_is_followed_until_a_day_after_it_ended(
    state: TicketState, finished: datetime | None, now: datetime, followable: bool
) -> None:
    ticket = replace(make_ticket(state=state), finished_at=finished)
    assert citizen.followable(ticket, now) is followable


async def test_a_finished_visit_is_not_followed_the_next_day(api: Api) -> None:
    await api.open("1")
    ticket = await api.issue("A")
    token = str(ticket["status_url"]).rsplit("/", 1)[1]
    counter = api.seeded.counters["1"]
    for action in ("call", "finish"):
        r = await api.http.post(
            f"/api/tickets/{ticket['id']}/{action}", json={"counter": counter}, headers=api.auth(Role.CLERK)
        )
        assert r.status_code == 200, r.text
    api.clock.advance(days=1, minutes=1)
    r = await api.http.get(f"/api/status/{token}/events")
    assert (r.status_code, r.json()["error"]) == (409, "visit_over")
    assert (await api.http.get(f"/api/status/{token}")).status_code == 200  # the page itself stays
