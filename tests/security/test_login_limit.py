"""Passwords cannot be guessed at speed: 5 wrong ones per username, or 20 per address, in 15 minutes."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from api.errors import ApiError
from api.login_limit import LoginLimit
from tests.security.conftest import PASSWORD, USERNAME, World


async def _login(world: World, password: str, username: str = USERNAME) -> httpx.Response:
    response: httpx.Response = await world.http.post("/api/login", json={"username": username, "password": password})
    return response


async def test_the_sixth_wrong_password_in_15_minutes_is_refused_with_retry_after(world: World) -> None:
    for attempt in range(5):
        r = await _login(world, f"guess-{attempt}")
        assert r.status_code == 401, r.text
        world.api.clock.advance(minutes=1)

    refused = await _login(world, PASSWORD)  # the right one too: the answer must tell a guesser nothing
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_failed_logins"
    assert int(refused.headers["Retry-After"]) == 10 * 60  # when the first of the five is 15 minutes old

    world.api.clock.advance(minutes=10)
    assert (await _login(world, PASSWORD)).status_code == 200


async def test_a_successful_login_does_not_count_and_clears_the_username(world: World) -> None:
    for _round in range(3):
        for attempt in range(4):
            assert (await _login(world, f"guess-{attempt}")).status_code == 401
        assert (await _login(world, PASSWORD)).status_code == 200
    for _ in range(8):
        assert (await _login(world, PASSWORD)).status_code == 200


async def test_an_address_trying_many_usernames_is_refused_after_20_failures(world: World) -> None:
    for n in range(20):
        assert (await _login(world, "guess", username=f"user{n}")).status_code == 401
    refused = await _login(world, PASSWORD)
    assert refused.status_code == 429
    assert refused.json()["error"] == "too_many_failed_logins"
    assert 0 < int(refused.headers["Retry-After"]) <= 15 * 60


async def test_a_burst_of_parallel_guesses_gets_no_more_than_five_tries(world: World) -> None:
    answers = await asyncio.gather(*(_login(world, f"guess-{n}") for n in range(12)))
    statuses = sorted(r.status_code for r in answers)
    assert statuses == [401] * 5 + [429] * 7


def test_attempts_that_fail_for_another_reason_than_the_password_do_not_count() -> None:
    limit = LoginLimit(per_username=2, per_address=10, window_s=60)
    for at in range(5):
        limit.forget(limit.begin("marie", "10.0.0.1", float(at)))  # e.g. the database was down
    limit.begin("marie", "10.0.0.1", 10.0)
    limit.begin("Marie ", "10.0.0.2", 11.0)  # the same username, however typed, from elsewhere
    with pytest.raises(ApiError) as refused:
        limit.begin("marie", "10.0.0.3", 12.0)
    assert (refused.value.status, refused.value.headers) == (429, {"Retry-After": "58"})
    limit.begin("marie", "10.0.0.3", 70.0)  # the first failure is older than the window
