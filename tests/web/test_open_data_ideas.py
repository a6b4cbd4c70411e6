"""The ideas as open data: what the ideas page shows, most votes first, hidden ideas only counted, described in
the data dictionary."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable

import pytest

from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.api.test_ideas import booked, served
from tests.support import Seeded


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url)) as served_app:
        yield served_app


async def _ideas(api: Api) -> tuple[int, int, int]:
    author = await served(api)
    made = []
    for text in ("More chairs", 'A "quiet" corner, please', "Rude words"):
        r = await api.http.post("/api/offices/town/ideas", json={"text": text, "language": "en", "token": author})
        made.append(r.json()["id"])
    chairs, corner, rude = made
    await api.http.post(f"/api/ideas/{corner}/vote", json={"token": await booked(api)})
    await api.http.post(
        f"/api/ideas/{chairs}/answer", json={"text": "Done, 10 more", "state": "done"}, headers=api.auth(Role.MANAGER)
    )
    await api.http.post(f"/api/ideas/{rude}/hide", json={"reason": "insults"}, headers=api.auth(Role.MANAGER))
    return chairs, corner, rude


async def test_the_csv_lists_the_shown_ideas_most_votes_first_and_counts_the_hidden_in_a_header(api: Api) -> None:
    chairs, corner, _rude = await _ideas(api)
    r = await api.http.get("/open-data/town/ideas.csv")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/csv")
    assert r.headers["x-hidden-ideas"] == "1"
    assert r.headers["x-license"] == "CC-BY-4.0"
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert rows == [
        {
            "id": str(corner),
            "day": "2026-03-02",
            "language": "en",
            "text": 'A "quiet" corner, please',
            "votes": "1",
            "state": "open",
            "answer": "",
        },
        {
            "id": str(chairs),
            "day": "2026-03-02",
            "language": "en",
            "text": "More chairs",
            "votes": "0",
            "state": "done",
            "answer": "Done, 10 more",
        },
    ]
    assert "Rude words" not in r.text


async def test_the_json_holds_the_same_rows_and_the_hidden_count(api: Api) -> None:
    chairs, corner, _rude = await _ideas(api)
    body = (await api.http.get("/open-data/town/ideas.json")).json()
    assert body["hidden"] == 1
    assert body["licence"]["id"] == "CC-BY-4.0"
    assert [f["name"] for f in body["fields"]] == ["id", "day", "language", "text", "votes", "state", "answer"]
    assert [(r["id"], r["votes"], r["state"], r["answer"]) for r in body["rows"]] == [
        (corner, 1, "open", None),
        (chairs, 0, "done", "Done, 10 more"),
    ]


async def test_an_office_without_ideas_publishes_an_empty_list(api: Api) -> None:
    body = (await api.http.get("/open-data/town/ideas.json")).json()
    assert (body["rows"], body["hidden"]) == ([], 0)
    assert (await api.http.get("/open-data/town/ideas.csv")).text.splitlines() == [
        "id,day,language,text,votes,state,answer"
    ]


async def test_an_unknown_office_has_no_ideas_file(api: Api) -> None:
    r = await api.http.get("/open-data/nowhere/ideas.csv")
    assert (r.status_code, r.json()["error"]) == (404, "office_not_found")


async def test_the_dictionary_describes_the_ideas_file_and_says_how_many_are_hidden(api: Api) -> None:
    await _ideas(api)
    page = (await api.http.get("/open-data/town")).text
    assert 'href="/open-data/town/ideas.csv"' in page
    assert 'id="ideas"' in page
    assert "<code>answer</code>" in page
    assert "only counted: 1 now" in page
