"""Open-data files are counted once per (office, file, range, format), served with a strong ETag, and answered 304
when the client already has those bytes; a range that includes the last finished day is kept minutes only."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

import web.opendata
from scheduler.statistics import OfficeStatistics
from store.statistics import office_statistics
from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded
from web.opendata_cache import Answer, AnswerCache, etag_of, matches

OLD_WEEK = {"from": "2026-02-16", "to": "2026-02-22"}  # ended more than a day before the clock's 2 March


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url, OFFICE)) as served:
        yield served


@pytest.fixture
def counted(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, date, date]]:
    """Every time the statistics are read from the database."""
    calls: list[tuple[str, date, date]] = []

    def counting(db: Any, office: str, start: date, end: date) -> OfficeStatistics:
        calls.append((office, start, end))
        return office_statistics(db, office, start, end)

    monkeypatch.setattr(web.opendata, "office_statistics", counting)
    return calls


@pytest.mark.parametrize("path", ["/open-data/town/hourly.json", "/open-data/town/daily.csv"])
async def test_a_finished_range_is_counted_once_and_then_served_from_memory(
    api: Api, counted: list[tuple[str, date, date]], path: str
) -> None:
    first = await api.http.get(path, params=OLD_WEEK)
    second = await api.http.get(path, params=OLD_WEEK)
    assert (first.status_code, second.status_code) == (200, 200)
    assert second.content == first.content
    assert counted == [("town", date(2026, 2, 16), date(2026, 2, 22))]
    # Another format or another range is another answer.
    other = path.replace(".json", ".csv") if path.endswith(".json") else path.replace(".csv", ".json")
    await api.http.get(other, params=OLD_WEEK)
    await api.http.get(path, params={**OLD_WEEK, "to": "2026-02-21"})
    assert len(counted) == 3


async def test_a_file_carries_a_strong_etag_and_a_matching_request_gets_304_without_a_body(api: Api) -> None:
    r = await api.http.get("/open-data/town/daily.json", params=OLD_WEEK)
    assert r.headers["etag"] == f'"{hashlib.sha256(r.content).hexdigest()}"'
    again = await api.http.get(
        "/open-data/town/daily.json", params=OLD_WEEK, headers={"If-None-Match": f'"other", {r.headers["etag"]}'}
    )
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", r.headers["etag"])
    assert again.headers["x-license"] == "CC-BY-4.0"
    stale = await api.http.get("/open-data/town/daily.json", params=OLD_WEEK, headers={"If-None-Match": '"other"'})
    assert (stale.status_code, stale.content) == (200, r.content)


async def test_a_range_with_the_last_finished_day_is_counted_again_after_five_minutes(
    api: Api, counted: list[tuple[str, date, date]]
) -> None:
    for _ in range(2):
        r = await api.http.get("/open-data/town/daily.csv")  # up to yesterday
        assert r.status_code == 200
    assert len(counted) == 1
    assert r.headers["cache-control"] == "public, max-age=300"
    api.clock.advance(minutes=5)
    await api.http.get("/open-data/town/daily.csv")
    assert len(counted) == 2


async def test_an_unknown_office_is_still_a_404_and_nothing_is_counted(
    api: Api, counted: list[tuple[str, date, date]]
) -> None:
    r = await api.http.get("/open-data/atlantis/daily.csv", params=OLD_WEEK)
    assert (r.status_code, r.json()["error"], counted) == (404, "office_not_found", [])


NOW = datetime(2026, 3, 2, 8, tzinfo=UTC)


def answer(size: int) -> Answer:
    return Answer(b"x" * size, "text/csv", {})


@pytest.mark.parametrize(
    ("max_entries", "max_bytes", "sizes", "kept"),
    [
        (3, 100, [10, 10, 10, 10], [1, 2, 3]),  # entries: the least recently used goes
        (10, 25, [10, 10, 10], [1, 2]),  # bytes: as many as fit
        (10, 25, [10, 30, 10], [0, 2]),  # bigger than the whole cache: not kept at all
    ],
)
def test_the_cache_is_bounded_in_entries_and_bytes(
    max_entries: int, max_bytes: int, sizes: list[int], kept: list[int]
) -> None:
    cache = AnswerCache(max_entries=max_entries, max_bytes=max_bytes)
    for key, size in enumerate(sizes):
        cache.put(key, answer(size), NOW, None)
    assert [key for key in range(len(sizes)) if cache.get(key, NOW) is not None] == kept
    assert cache.size_bytes == sum(sizes[k] for k in kept) <= max_bytes


def test_a_recently_read_answer_outlives_an_older_one() -> None:
    cache = AnswerCache(max_entries=2)
    cache.put("a", answer(1), NOW, None)
    cache.put("b", answer(1), NOW, None)
    cache.get("a", NOW)
    cache.put("c", answer(1), NOW, None)
    assert [k for k in "abc" if cache.get(k, NOW) is not None] == ["a", "c"]


def test_an_answer_kept_for_a_while_is_gone_after_it() -> None:
    cache = AnswerCache()
    cache.put("a", answer(3), NOW, timedelta(minutes=5))
    assert cache.get("a", NOW + timedelta(minutes=4)) is not None
    assert cache.get("a", NOW + timedelta(minutes=5)) is None
    assert (len(cache), cache.size_bytes) == (0, 0)


async def test_two_requests_at_once_compute_the_answer_once() -> None:
    cache, computed = AnswerCache(), []

    async def compute() -> Answer:
        computed.append(1)
        await asyncio.sleep(0.01)
        return answer(5)

    got = await asyncio.gather(*(cache.answer("k", NOW, None, compute) for _ in range(5)))
    assert (len(computed), {a.etag for a in got}) == (1, {etag_of(b"xxxxx")})


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, False),
        ('"abc"', True),
        ('"x", "abc"', True),
        ('W/"abc"', True),  # If-None-Match compares weakly
        ("*", True),
        ('"abcd"', False),
    ],
)
def test_if_none_match_is_read_as_http_says(header: str | None, expected: bool) -> None:
    assert matches(header, '"abc"') is expected
