"""The terminal apps' shared convention (`tui`): times and waits written one way, and the base app's teardown."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest
from textual import work

from display.words import wait_text as board_wait
from kiosk.screens import wait_text as kiosk_wait
from tui.app import LoketApp
from tui.clock import local_clock, minutes_seconds
from tui.waits import wait_minutes


def test_times_are_shown_in_the_offices_time_zone() -> None:
    assert local_clock("2026-11-05T09:00:00+00:00", "Europe/Brussels") == "10:00"
    assert local_clock(datetime(2026, 7, 1, 9, 0, 5, tzinfo=UTC), "Europe/Brussels", seconds=True) == "11:00:05"


@pytest.mark.parametrize(("seconds", "expected"), [(0, "0:00"), (59, "0:59"), (420, "7:00"), (3725, "62:05")])
def test_durations_are_minutes_and_seconds(seconds: int, expected: str) -> None:
    assert minutes_seconds(seconds) == expected


@pytest.mark.parametrize(("seconds", "minutes"), [(0, None), (59, None), (60, 1), (89, 1), (90, 2), (629, 10)])
def test_a_wait_under_a_minute_is_none_else_whole_minutes(seconds: int, minutes: int | None) -> None:
    assert wait_minutes(seconds) == minutes


@pytest.mark.parametrize(
    ("seconds", "kiosk", "board"),
    [(30, "No wait", "none"), (60, "About 1 minute", "± 1 min"), (600, "About 10 minutes", "± 10 min")],
)
def test_the_kiosk_and_the_board_say_the_same_wait_in_their_own_words(seconds: int, kiosk: str, board: str) -> None:
    assert (kiosk_wait(seconds, "en"), board_wait(seconds, "en")) == (kiosk, board)


class Following(LoketApp):
    """An app with one long-running worker standing for a feed, and a client that must close after it."""

    def __init__(self) -> None:
        super().__init__()
        self.happened: list[str] = []

    def on_mount(self) -> None:
        self.keep_running(self.follow())

    @work
    async def follow(self) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            await asyncio.sleep(0)  # closing a socket takes a turn of the loop
            self.happened.append("worker closed its socket")

    async def close_client(self) -> None:
        self.happened.append("client closed")


async def test_the_base_app_closes_the_client_only_after_its_workers_finished() -> None:
    app = Following()
    async with app.run_test() as pilot:
        await pilot.pause()
    assert app.happened == ["worker closed its socket", "client closed"]


def test_the_base_app_tells_the_time_with_the_clock_it_was_given() -> None:
    moment = datetime(2026, 11, 5, 9, 0, tzinfo=UTC)
    assert LoketApp(clock=lambda: moment).clock() == moment
