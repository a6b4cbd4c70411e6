"""The manager dashboard: only a manager of the office (or an admin) sees it; today live, then the history as
inline SVG charts with titles and their numbers in tables; a happiness answer shows up the same day."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from scheduler.model import Role
from store.tables import TicketRow
from tests.api.conftest import Api, serving
from tests.api.test_citizen_actions import IMPROVEMENTS, post, served, token_of
from tests.support import OFFICE, Seeded
from tests.web.test_booking_pages import parse
from web import charts


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url, {**OFFICE, "improvement": IMPROVEMENTS})) as served_:
        yield served_


async def page(api: Api, token: str | None, office: str = "town", **params: str) -> httpx.Response:
    """The page as a browser opened with `?token=` shows it: the token traded for a cookie, then the page."""
    query = {**({"token": token} if token is not None else {}), **params}
    api.http.cookies.clear()
    return await api.http.get(f"/manage/{office}", params=query, follow_redirects=True)


async def test_a_manager_and_an_admin_see_the_dashboard(api: Api) -> None:
    for role in (Role.MANAGER, Role.ADMIN):
        r = await page(api, api.seeded.tokens[role])
        assert r.status_code == 200, r.text
        assert r.headers["cache-control"] == "no-store"
        assert "Town hall — dashboard" in parse(r).text


async def test_without_credentials_the_dashboard_answers_the_login_form_that_comes_back_here(api: Api) -> None:
    r = await page(api, None, days="7")
    assert r.status_code == 401
    html = parse(r)
    assert "Log in to see this page." in html.text
    assert 'action="/login?lang=en"' in r.text
    assert 'name="next" value="/manage/town?days=7"' in r.text
    assert "<svg" not in r.text


@pytest.mark.parametrize(
    ("role", "status", "says"),
    [
        ("nonsense", 401, "This token is not valid"),
        (Role.KIOSK, 403, "This page is for the managers of office town and for admins."),
        (Role.DISPLAY, 403, "This page is for the managers of office town and for admins."),
        (Role.CLERK, 403, "This page is for the managers of office town and for admins."),
    ],
)
async def test_other_tokens_get_a_readable_refusal(api: Api, role: Role | str, status: int, says: str) -> None:
    token = api.seeded.tokens[role] if isinstance(role, Role) else role
    r = await page(api, token)
    assert r.status_code == status
    html = parse(r)
    assert says in html.text
    assert "loket token create --role manager --office town" in html.text
    assert "<svg" not in r.text


async def test_a_manager_of_another_office_is_refused(api: Api, seeder: Callable[..., Seeded]) -> None:
    other = seeder(str(api.parts.settings.database_url), {**OFFICE, "name": "village", "title": "Village"})
    r = await page(api, other.tokens[Role.MANAGER])
    assert r.status_code == 403
    assert "This token is a manager of office village." in parse(r).text


async def test_an_unknown_office_and_an_odd_range_are_pages_too(api: Api) -> None:
    admin = api.seeded.tokens[Role.ADMIN]
    missing = await page(api, admin, "atlantis")
    assert (missing.status_code, "There is no office 'atlantis'" in parse(missing).text) == (404, True)
    odd = await page(api, admin, days="12")
    assert (odd.status_code, "Choose ?days=7 or ?days=30." in parse(odd).text) == (422, True)


async def test_today_shows_the_queue_the_counters_and_who_waits_too_long(api: Api) -> None:
    first = await api.issue("A")
    await api.issue("A")
    await api.issue("C")
    await api.open("1")
    api.clock.advance(minutes=6)
    r = await page(api, api.seeded.tokens[Role.MANAGER])
    html = parse(r)
    queues = re.sub(r"\s+", " ", r.text.split('id="queues"')[1].split("</table>")[0])
    assert re.search(r"Identity card <small>\(A\)</small></td><td class=\"num\">2</td>", queues), queues
    assert re.search(r"Certificates <small>\(C\)</small></td><td class=\"num\">1</td>", queues), queues
    assert "3 waiting more than 5 minutes" in html.text
    assert f"{first['number']} (Identity card) — 6 min" in html.text
    assert '<td class="state-open">open</td>' in r.text
    assert "1 open, 0 paused, 2 closed" in html.text
    assert '<meta http-equiv="refresh" content="15">' in r.text
    # Served one: today's numbers move.
    counter = api.seeded.counters["1"]
    called = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    text = parse(await page(api, api.seeded.tokens[Role.MANAGER])).text
    assert "1 served today" in text
    assert "6.0 minutes, mean wait today" in text
    assert "2 waiting more than 5 minutes" in text


def add_last_week(api: Api) -> None:
    """Six walk-ins served at counter 2 on 2026-02-26, each told 3 minutes (2 to 5); they waited 1 to 6."""
    with Session(api.seeded.db.engine) as session:
        for i in range(6):
            checked_in = datetime(2026, 2, 26, 9, 10 * i, tzinfo=UTC)
            session.add(
                TicketRow(
                    office="town", service="A", number=f"A{i + 1:03d}", day=checked_in.date(), kind="walkin",
                    language="nl", token=f"t{i}", state="done", checked_in_at=checked_in,
                    called_at=checked_in.replace(minute=11 * i + 1), finished_at=checked_in.replace(minute=10 * i + 9),
                    service_s=300, counter_id=api.seeded.counters["2"],
                    # Told 3 minutes (2 to 5); they waited 1 to 6.
                    announced_wait_s=180, announced_low_s=120, announced_high_s=300,
                )
            )  # fmt: skip
        session.commit()


async def test_the_history_is_drawn_as_svg_charts_with_titles_and_tables(api: Api) -> None:
    add_last_week(api)
    r = await page(api, api.seeded.tokens[Role.MANAGER], days="7")
    svgs = re.findall(r"<svg .*?</svg>", r.text, flags=re.S)
    assert len(svgs) == 7
    for svg in svgs:
        assert re.search(r'role="img" aria-labelledby="([\w-]+)-title \1-desc"', svg), svg[:200]
        assert re.search(r"<title id=[^>]+>[^<]+</title><desc id=[^>]+>[^<]+</desc>", svg)
    assert "Waits per service and hour" in r.text
    assert "target 90%" in r.text
    text = parse(r).text
    assert "6 citizens, 6 served" in text
    assert "Day Counter 2 Thu 26/02 6" in text  # the table under "Served per counter"
    assert "Thu 26/02" in text
    # Off by 120, 60, 0, 60, 120 and 180 s: 1.5 min on average; 2 to 5 minutes inside the range, 4 of 6.
    assert "6 estimates checked: mean error 1.5 min, 67% of the real waits inside the range told." in text
    assert "Thu 26/02 Identity card 6 1.5 67%" in text.split("Estimate accuracy")[-1]
    assert 'id="chart-estimates"' in r.text
    assert "<script" not in r.text
    assert not re.search(r'(src|href)="(https?:)?//', r.text)  # nothing loaded from elsewhere
    month = await page(api, api.seeded.tokens[Role.MANAGER])
    assert "The last 30 days" in parse(month).text


async def test_without_kept_estimates_the_accuracy_card_says_there_is_nothing_to_check_yet(api: Api) -> None:
    text = parse(await page(api, api.seeded.tokens[Role.MANAGER], days="7")).text
    assert "Estimate accuracy No estimate to check yet" in text


async def test_a_happiness_answer_shows_up_on_the_dashboard_the_same_day(api: Api) -> None:
    token = await served(api)
    r = await post(api, token, "happiness", {"score": 7, "improvements": ["signs", "wait"]})
    assert r.status_code == 201, r.text
    again = await api.issue("C")
    counter = api.seeded.counters["3"]
    called = await api.http.post(f"/api/counters/{counter}/call-next", headers=api.auth(Role.CLERK))
    await api.http.post(
        f"/api/tickets/{called.json()['id']}/finish", json={"counter": counter}, headers=api.auth(Role.CLERK)
    )
    token = token_of(again)
    assert (await post(api, token, "happiness", {"score": 10, "improvements": ["signs"]})).status_code == 201
    text = parse(await page(api, api.seeded.tokens[Role.MANAGER], days="7")).text
    assert "8.5 happiness today (2 answers)" in text
    assert "2 answers, mean score 8.5 out of 10." in text
    improvements = text.split("Most chosen improvements")[-1]
    assert "Clearer signs 2" in improvements
    assert "Shorter wait 1" in improvements


def test_chart_labels_and_titles_are_escaped() -> None:
    svg = charts.hbars("c", "Served <b>", "A & B", ["<script>alert(1)</script>"], [3])
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert '<title id="c-title">Served &lt;b&gt;</title><desc id="c-desc">A &amp; B</desc>' in svg
