"""Passwords cannot be guessed at speed: 5 wrong ones per username and address, or 20 per address, in 15
minutes, and a growing delay per username; and a stranger cannot lock a clerk out."""

from __future__ import annotations

import asyncio
import time

import httpx
import pytest

from api.errors import ApiError
from api.login_limit import LoginLimit, delay_after
from tests.security.conftest import PASSWORD, USERNAME, World
from tests.support import Server


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
    limit = LoginLimit(per_user_address=2, per_address=10, window_s=60)
    for at in range(5):
        limit.forget(limit.begin("marie", "10.0.0.1", float(at)))  # e.g. the database was down
    limit.begin("marie", "10.0.0.1", 10.0)
    limit.begin("Marie ", "10.0.0.1", 11.0)  # the same username, however typed
    with pytest.raises(ApiError) as refused:
        limit.begin("marie", "10.0.0.1", 12.0)
    assert (refused.value.status, refused.value.headers) == (429, {"Retry-After": "58"})
    limit.begin("marie", "10.0.0.1", 70.0)  # the first failure is older than the window


def test_the_delay_per_username_doubles_from_one_second_after_five_failures_up_to_a_minute() -> None:
    assert [delay_after(n) for n in range(13)] == [0, 0, 0, 0, 0, 1, 2, 4, 8, 16, 32, 60, 60]


def test_guesses_from_ever_new_addresses_are_slowed_to_the_delay_not_locked_out() -> None:
    limit = LoginLimit()
    now = 0.0
    for n in range(5):
        limit.begin("marie", f"203.0.113.{n}", now)  # five wrong passwords, free
    with pytest.raises(ApiError) as refused:
        limit.begin("marie", "203.0.113.99", now)
    assert refused.value.headers == {"Retry-After": "1"}
    for n, wait in enumerate([1, 2, 4, 8, 16, 32, 60, 60], start=5):
        with pytest.raises(ApiError):
            limit.begin("marie", f"198.51.100.{n}", now + wait - 0.5)
        now += wait
        limit.begin("marie", f"198.51.100.{n}", now)


def test_a_clerk_at_an_address_they_logged_in_from_is_not_held_by_a_strangers_failures() -> None:
    limit = LoginLimit()
    limit.succeeded(limit.begin("marie", "192.0.2.10", 0.0))  # the desk, this morning
    for n in range(12):
        limit.begin("marie", f"203.0.113.{n}", 10.0 + 60 * n)  # a guesser, at the pace the delay allows
    limit.succeeded(limit.begin("marie", "192.0.2.10", 10.0 + 60 * 11))  # at once, no Retry-After
    with pytest.raises(ApiError):  # and the guesser's delay is not reset by her login
        limit.begin("marie", "203.0.113.50", 10.0 + 60 * 11 + 1)


def _login_from(server: Server, address: str, password: str) -> httpx.Response:
    """A login as if from `address`: uvicorn believes X-Forwarded-For from loopback (--forwarded-allow-ips)."""
    body = {"username": USERNAME, "password": password}
    return httpx.post(f"{server.url}/api/login", json=body, headers={"X-Forwarded-For": address}, timeout=10)


def _after_waiting_retry_after(
    server: Server, address: str, password: str, most_s: int, waits: list[int] | None = None
) -> httpx.Response:
    """The answer once the limit lets the attempt through; each Retry-After must be at most `most_s`.
    `waits`, if given, gets every Retry-After the server asked for (the delay by the server's own word)."""
    deadline = time.monotonic() + 3 * most_s + 10
    while True:
        answer = _login_from(server, address, password)
        if answer.status_code != 429 or time.monotonic() > deadline:
            return answer
        retry = int(answer.headers["Retry-After"])
        assert retry <= most_s, f"locked out for {retry} s: {answer.text}"
        if waits is not None:
            waits.append(retry)
        time.sleep(retry)


def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_clerk_out(real_server: Server) -> None:
    for n in range(5):
        assert _after_waiting_retry_after(real_server, f"203.0.113.{n}", "guess", most_s=2).status_code == 401
    waits: list[int] = []
    answer = _after_waiting_retry_after(real_server, "198.51.100.7", PASSWORD, most_s=2, waits=waits)
    assert answer.status_code == 200, answer.text
    assert sum(waits) < 3, f"the clerk was held {waits} s"  # by the server's Retry-After, not a stopwatch
