"""The ideas page without JavaScript: reached from the status page with the visit's token (traded for a cookie),
it lists the ideas, takes a proposal and a vote by plain form posts, and says every refusal in words keeping what
was typed."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable

import httpx
import pytest

from scheduler.ideas import VISIT_WINDOW
from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.api.test_ideas import booked, served
from tests.support import Seeded

SAME_SITE = {"Sec-Fetch-Site": "same-origin"}


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url), ideas_rate_per_hour=5) as served_app:
        yield served_app


async def arrive(api: Api, token: str, lang: str = "en") -> httpx.Response:
    """Follow the status page's link: the token is traded for the page's cookie."""
    r = await api.http.get("/ideas/town", params={"token": token, "lang": lang})
    assert r.status_code == 303, r.text
    assert "token" not in r.headers["location"]
    cookie = r.headers["set-cookie"]
    assert "Path=/ideas/town" in cookie
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie
    return await api.http.get(r.headers["location"])


async def post(api: Api, lang: str = "en", **fields: str) -> httpx.Response:
    return await api.http.post(f"/ideas/town?lang={lang}", data=fields, headers=SAME_SITE)


def idea_ids(html: str) -> list[int]:
    return [int(n) for n in re.findall(r'<li class="idea" id="idea-(\d+)"', html)]


async def test_from_the_status_page_a_citizen_proposes_and_votes_without_javascript(api: Api) -> None:
    token = await served(api)
    status = await api.http.get(f"/t/{token}?lang=en")
    link = re.search(r'href="(/ideas/town\?[^"]+)"', status.text)
    assert link is not None
    page = await api.http.get(link.group(1).replace("&amp;", "&"), follow_redirects=True)
    assert page.status_code == 200
    assert "Propose an idea" in page.text
    assert "No ideas yet." in page.text

    proposed = await post(api, text="  A water fountain  ", language="en")
    assert proposed.status_code == 303
    assert proposed.headers["location"] == "/ideas/town?done=proposed&lang=en"
    page = await api.http.get(proposed.headers["location"])
    assert "Thank you: your idea is on the list." in page.text
    assert "A water fountain" in page.text
    assert "0 votes" in page.text
    (idea,) = idea_ids(page.text)

    voted = await post(api, vote=str(idea))
    assert (voted.status_code, voted.headers["location"]) == (303, "/ideas/town?done=voted&lang=en")
    page = await api.http.get(voted.headers["location"])
    assert "Thank you for your vote." in page.text
    assert "1 vote " in page.text

    again = await post(api, vote=str(idea))
    assert again.status_code == 409
    assert "You already voted for this idea." in again.text
    assert "1 vote " in again.text


async def test_the_list_is_most_votes_first_with_the_state_and_the_offices_answer(api: Api) -> None:
    author = await served(api)
    first, second = [
        (await api.http.post("/api/offices/town/ideas", json={"text": t, "language": "fr", "token": author})).json()
        for t in ("Plus de chaises", "Un distributeur d'eau")
    ]
    await api.http.post(f"/api/ideas/{first['id']}/vote", json={"token": await booked(api)})
    await api.http.post(
        f"/api/ideas/{first['id']}/answer",
        json={"text": "Commandées pour avril", "state": "planned"},
        headers=api.auth(Role.MANAGER),
    )
    page = await api.http.get("/ideas/town?lang=fr")
    assert idea_ids(page.text) == [first["id"], second["id"]]
    assert "Commandées pour avril" in page.text
    assert 'lang="fr"' in page.text
    # Without a visit's token the page lists but offers neither a vote nor the form, and says where to come from.
    assert 'name="vote"' not in page.text
    assert 'name="text"' not in page.text
    assert 'id="no-visit"' in page.text


async def test_a_refused_proposal_is_said_in_words_and_keeps_what_was_typed(api: Api) -> None:
    await arrive(api, await served(api))
    typed = "x" * 501
    r = await post(api, text=typed, language="en")
    assert r.status_code == 422
    assert "Your idea is too long: write at most 500 characters." in r.text
    assert f">{typed}</textarea>" in r.text
    assert 'aria-invalid="true"' in r.text
    empty = await post(api, text="   ", language="en")
    assert (empty.status_code, "Write your idea." in empty.text) == (422, True)


async def test_a_visit_too_old_is_told_where_to_come_from_and_keeps_the_text(api: Api) -> None:
    await arrive(api, await served(api))
    api.clock.advance(days=VISIT_WINDOW.days + 1)
    r = await post(api, text="Longer opening hours", language="en")
    assert r.status_code == 403
    assert "To propose an idea or vote, open this page from your ticket" in r.text
    assert ">Longer opening hours</textarea>" in r.text


async def test_a_post_without_any_token_is_not_a_visitor(api: Api) -> None:
    r = await post(api, text="Longer opening hours", language="en")
    assert r.status_code == 403
    assert "We could not find your visit" in r.text


async def test_a_booking_link_works_like_a_ticket(api: Api) -> None:
    manage = await booked(api)
    booking = await api.http.get(f"/booking/{manage}?lang=nl")
    assert f'href="/ideas/town?token={manage}&amp;lang=nl"' in booking.text
    page = await arrive(api, manage, lang="nl")
    assert page.status_code == 200
    r = await post(api, lang="nl", text="Meer stoelen", language="nl")
    assert r.status_code == 303


@pytest.mark.parametrize(
    ("lang", "title"),
    [("nl", "Ideeën voor dit kantoor"), ("fr", "Idées pour ce bureau"), ("en", "Ideas for this office")],
)
async def test_the_page_speaks_the_citizens_language(api: Api, lang: str, title: str) -> None:
    page = await api.http.get(f"/ideas/town?lang={lang}")
    assert f"<h1>{title}</h1>" in page.text
    assert f'<html lang="{lang}">' in page.text


async def test_the_happiness_question_links_to_the_ideas_with_the_token(api: Api) -> None:
    token = await served(api)
    status = await api.http.get(f"/t/{token}?lang=nl")
    assert f"/ideas/town?token={token}&amp;lang=nl" in status.text
    answered = await api.http.post(f"/t/{token}/happiness?lang=nl", data={"score": "8"}, headers=SAME_SITE)
    assert answered.status_code == 303
    # Answered: the question is gone, the link to the ideas stays.
    after = await api.http.get(f"/t/{token}?lang=nl")
    assert 'id="ideas"' in after.text
    assert f"/ideas/town?token={token}&amp;lang=nl" in after.text


async def test_a_cross_site_post_is_refused(api: Api) -> None:
    await arrive(api, await served(api))
    r = await api.http.post(
        "/ideas/town",
        data={"text": "x", "language": "en"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert r.status_code == 403
    assert (await api.http.get("/api/offices/town/ideas")).json()["ideas"] == []


async def test_an_unknown_office_or_idea_is_a_page_not_found(api: Api) -> None:
    assert (await api.http.get("/ideas/nowhere")).status_code == 404
    await arrive(api, await served(api))
    r = await post(api, vote="12345")
    assert r.status_code == 404
    assert "This idea is no longer on the list." in r.text
