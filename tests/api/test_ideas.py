"""Citizens who visited or booked propose ideas and vote once per visit; anyone reads the list; managers hide,
restore and answer. Every refusal names its reason."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from scheduler.ideas import IDEAS_PER_VISIT, VISIT_WINDOW
from scheduler.model import Role
from scheduler.scenario import parse_scenario
from store.admin import apply_scenario, create_token
from store.tables import IdeaRow, IdeaVoteRow
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

SLOT = "2026-03-02T11:00:00+01:00"
CITIZEN = {"name": "Zoë Peeters", "email": "zoe@example.org", "remind_via": "email"}


@pytest.fixture
async def api(database_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(database_url, seeder(database_url), ideas_rate_per_hour=5) as served:
        yield served


def token_of(ticket: dict[str, Any]) -> str:
    return str(ticket["status_url"]).rsplit("/", 1)[1]


async def served(api: Api) -> str:
    """A walk-in served at counter 3: the status token of a finished visit."""
    ticket = await api.issue("C")
    counter = api.seeded.counters["3"]
    opened = await api.http.post(f"/api/counters/{counter}/open", headers=api.auth(Role.CLERK))
    assert opened.status_code in (200, 409), opened.text  # 409: open since an earlier visit
    called = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    r = await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    assert r.status_code == 200, r.text
    return token_of(ticket)


async def booked(api: Api, office: str = "town") -> str:
    body = {"service": "B", "slot_at": SLOT, "language": "fr", **CITIZEN}
    r = await api.http.post(f"/api/offices/{office}/bookings", json=body)
    assert r.status_code == 201, r.text
    return str(r.json()["manage_url"]).rsplit("/", 1)[1]


async def propose(api: Api, token: str, text: str = "More chairs", **fields: Any) -> httpx.Response:
    body = {"text": text, "language": "en", "token": token, **fields}
    return await api.http.post("/api/offices/town/ideas", json=body)


async def vote(api: Api, idea: int, token: str) -> httpx.Response:
    return await api.http.post(f"/api/ideas/{idea}/vote", json={"token": token})


def refusal(r: httpx.Response) -> tuple[int, str]:
    return r.status_code, str(r.json()["error"])


async def test_a_visitor_proposes_an_idea_and_anyone_reads_it(api: Api) -> None:
    token = await served(api)
    r = await propose(api, token, "  A water fountain in the hall  ", language="en")
    assert r.status_code == 201, r.text
    made = r.json()
    assert made == {
        "id": made["id"],
        "text": "A water fountain in the hall",
        "language": "en",
        "votes": 0,
        "day": "2026-03-02",
        "state": "open",
        "answer": None,
    }
    listed = (await api.http.get("/api/offices/town/ideas")).json()
    assert listed == {"office": "town", "ideas": [made]}


async def test_a_waiting_citizen_and_a_booking_holder_are_visitors_too(api: Api) -> None:
    waiting = token_of(await api.issue("A"))
    assert (await propose(api, waiting)).status_code == 201
    assert (await propose(api, await booked(api))).status_code == 201


async def test_the_token_itself_is_never_stored_only_its_keyed_hash(api: Api) -> None:
    token = await served(api)
    idea = (await propose(api, token)).json()["id"]
    assert (await vote(api, idea, token)).status_code == 200
    with Session(api.parts.db.engine) as session:
        visits = [row.visit for row in session.exec(select(IdeaRow))]
        visits += [row.visit for row in session.exec(select(IdeaVoteRow))]
    assert len(visits) == 2
    assert len(set(visits)) == 1
    assert token not in visits
    assert len(visits[0]) == 64


@pytest.mark.parametrize("token", ["", "no-such-token", "x" * 64])
async def test_an_unknown_token_is_not_a_visitor(api: Api, token: str) -> None:
    r = await propose(api, token)
    if token:
        assert refusal(r) == (403, "not_a_visitor")
    else:
        assert refusal(r) == (422, "invalid_request")


async def test_a_visit_that_ended_long_ago_no_longer_counts(api: Api) -> None:
    token = await served(api)
    api.clock.advance(days=VISIT_WINDOW.days - 1)
    assert (await propose(api, token)).status_code == 201
    api.clock.advance(days=2)
    assert refusal(await propose(api, token)) == (403, "not_a_visitor")


async def test_an_erased_booking_is_no_longer_a_visitor(api: Api) -> None:
    token = await booked(api)
    assert (await api.http.delete(f"/api/bookings/{token}")).status_code == 200
    assert refusal(await propose(api, token)) == (403, "not_a_visitor")


async def test_another_offices_visit_is_not_a_visitor_here(api: Api) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    apply_scenario(api.seeded.db, parse_scenario({**OFFICE, "name": "annex", "title": "Annex"}))
    elsewhere = await booked(api, "annex")
    assert refusal(await propose(api, elsewhere)) == (403, "not_a_visitor")
    assert refusal(await vote(api, idea, elsewhere)) == (403, "not_a_visitor")


async def test_one_visit_votes_once_per_idea(api: Api) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    voter = await booked(api)
    r = await vote(api, idea, voter)
    assert (r.status_code, r.json()["votes"]) == (200, 1)
    assert refusal(await vote(api, idea, voter)) == (409, "already_voted")
    assert (await vote(api, idea, await served(api))).json()["votes"] == 2


async def test_a_checked_in_booking_and_its_ticket_are_one_visit(api: Api) -> None:
    manage = await booked(api)
    code = (await api.http.get(f"/api/bookings/{manage}")).json()["code"]
    api.clock.advance(minutes=80)  # 10:50 in Brussels: check-in for 11:00 is open
    r = await api.http.post(
        "/api/offices/town/tickets", json={"language": "fr", "appointment": code}, headers=api.auth(Role.KIOSK)
    )
    assert r.status_code == 201, r.text
    idea = (await propose(api, await served(api))).json()["id"]
    assert (await vote(api, idea, manage)).status_code == 200
    assert refusal(await vote(api, idea, token_of(r.json()))) == (409, "already_voted")


async def test_the_list_is_most_votes_first_and_newest_first_on_ties(api: Api) -> None:
    author = await served(api)
    first, second, third = [(await propose(api, author, text)).json()["id"] for text in ("one", "two", "three")]
    await vote(api, first, await booked(api))
    listed = (await api.http.get("/api/offices/town/ideas")).json()["ideas"]
    assert [i["id"] for i in listed] == [first, third, second]


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"text": "   "}, "text_required"),
        ({"text": "x" * 501}, "text_too_long"),
        ({"text": "x" * 700}, "invalid_request"),
        ({"language": "de"}, "invalid_language"),
        ({"colour": "red"}, "invalid_request"),
    ],
)
async def test_a_bad_proposal_is_refused_naming_the_problem(api: Api, fields: dict[str, Any], code: str) -> None:
    r = await propose(api, await served(api), **fields)
    assert refusal(r) == (422, code)
    assert (await api.http.get("/api/offices/town/ideas")).json()["ideas"] == []


async def test_a_text_of_500_characters_is_enough(api: Api) -> None:
    assert (await propose(api, await served(api), " " + "x" * 500 + " ")).status_code == 201


async def test_an_unknown_office_is_404(api: Api) -> None:
    token = await served(api)
    r = await api.http.post("/api/offices/nowhere/ideas", json={"text": "x", "language": "en", "token": token})
    assert refusal(r) == (404, "office_not_found")
    assert refusal(await api.http.get("/api/offices/nowhere/ideas")) == (404, "office_not_found")


async def test_a_visit_proposes_at_most_three_ideas(api: Api) -> None:
    token = await served(api)
    for n in range(IDEAS_PER_VISIT):
        assert (await propose(api, token, f"idea {n}")).status_code == 201
    assert refusal(await propose(api, token, "one more")) == (409, "too_many_ideas")


async def test_one_address_proposes_a_few_ideas_an_hour_then_429(api: Api) -> None:
    for _ in range(5):
        assert (await propose(api, await served(api))).status_code == 201
    r = await propose(api, await served(api))
    assert refusal(r) == (429, "too_many_requests")
    assert int(r.headers["Retry-After"]) > 0


async def test_votes_for_a_hidden_or_unknown_idea_are_404(api: Api) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    hidden = await api.http.post(f"/api/ideas/{idea}/hide", json={"reason": "insults"}, headers=api.auth(Role.MANAGER))
    assert (hidden.status_code, hidden.json()["hidden"]) == (200, True)
    voter = await booked(api)
    assert refusal(await vote(api, idea, voter)) == (404, "idea_not_found")
    assert refusal(await vote(api, idea + 1000, voter)) == (404, "idea_not_found")
    assert (await api.http.get("/api/offices/town/ideas")).json()["ideas"] == []
    restored = await api.http.post(
        f"/api/ideas/{idea}/restore", json={"reason": "a mistake"}, headers=api.auth(Role.ADMIN)
    )
    assert (restored.status_code, restored.json()["hidden"]) == (200, False)
    assert (await vote(api, idea, voter)).json()["votes"] == 1


async def test_a_manager_answers_and_the_answer_is_public(api: Api) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    r = await api.http.post(
        f"/api/ideas/{idea}/answer",
        json={"text": "Ordered, there by April", "state": "planned"},
        headers=api.auth(Role.MANAGER),
    )
    assert r.status_code == 200, r.text
    (listed,) = (await api.http.get("/api/offices/town/ideas")).json()["ideas"]
    assert (listed["state"], listed["answer"]) == ("planned", "Ordered, there by April")


@pytest.mark.parametrize("role", [Role.CLERK, Role.KIOSK, Role.DISPLAY])
async def test_only_managers_moderate_and_answer(api: Api, role: Role) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    for what, body in (
        ("hide", {"reason": "x"}),
        ("restore", {"reason": "x"}),
        ("answer", {"text": "x", "state": "done"}),
    ):
        r = await api.http.post(f"/api/ideas/{idea}/{what}", json=body, headers=api.auth(role))
        assert refusal(r) == (403, "forbidden")
    citizen = await api.http.post(f"/api/ideas/{idea}/hide", json={"reason": "x"})
    assert refusal(citizen) == (401, "unauthorized")


async def test_a_manager_of_another_office_may_not_moderate(api: Api) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    apply_scenario(api.seeded.db, parse_scenario({**OFFICE, "name": "annex", "title": "Annex"}))
    other = create_token(api.seeded.db, Role.MANAGER, "annex", datetime.now(UTC))
    r = await api.http.post(
        f"/api/ideas/{idea}/hide", json={"reason": "x"}, headers={"Authorization": f"Bearer {other}"}
    )
    assert refusal(r) == (403, "forbidden")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"text": "x", "state": "maybe"}, "invalid_state"),
        ({"text": " ", "state": "done"}, "text_required"),
        ({"text": "x" * 1001, "state": "done"}, "text_too_long"),
        ({"text": "x", "state": "done", "votes": 9}, "invalid_request"),
    ],
)
async def test_a_bad_answer_is_refused(api: Api, body: dict[str, Any], code: str) -> None:
    idea = (await propose(api, await served(api))).json()["id"]
    r = await api.http.post(f"/api/ideas/{idea}/answer", json=body, headers=api.auth(Role.MANAGER))
    assert refusal(r) == (422, code)


async def test_moderating_an_unknown_idea_is_404_and_needs_a_reason(api: Api) -> None:
    r = await api.http.post("/api/ideas/999/hide", json={"reason": "x"}, headers=api.auth(Role.MANAGER))
    assert refusal(r) == (404, "idea_not_found")
    idea = (await propose(api, await served(api))).json()["id"]
    r = await api.http.post(f"/api/ideas/{idea}/hide", json={"reason": "  "}, headers=api.auth(Role.MANAGER))
    assert refusal(r) == (422, "reason_required")


async def test_managers_see_the_hidden_ideas_with_why_who_and_when(api: Api) -> None:
    idea = (await propose(api, await served(api), "Call the clerk at desk 2 an idiot")).json()["id"]
    r = await api.http.post(f"/api/ideas/{idea}/hide", json={"reason": "insults"}, headers=api.auth(Role.MANAGER))
    assert r.status_code == 200, r.text
    listed = (await api.http.get("/api/offices/town/ideas/hidden", headers=api.auth(Role.MANAGER))).json()["ideas"]
    assert [(i["id"], i["hidden"], i["reason"]) for i in listed] == [(idea, True, "insults")]
    assert listed[0]["moderated_by"]
    assert listed[0]["moderated_at"] == api.clock.now.isoformat()
    clerk = await api.http.get("/api/offices/town/ideas/hidden", headers=api.auth(Role.CLERK))
    assert refusal(clerk) == (403, "forbidden")
    # Neither the reason nor the moderator is ever public.
    assert "reason" not in (await api.http.get("/api/offices/town/ideas")).text
