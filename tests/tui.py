"""Helpers for driving Textual apps (kiosk, clerk terminal, display) with the pilot in tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from textual.app import App
from textual.css.query import NoMatches
from textual.pilot import Pilot
from textual.widgets import Static


def text(app: App[None], selector: str) -> str:
    """What a Static of the current screen shows."""
    return str(app.screen.query_one(selector, Static).render())


def screen_notes(app: App[None]) -> str:
    """The current screen and what its notice lines say: why a wait failed."""
    notes = [str(w.render()) for w in app.screen.query("#notice, #title, #banner").results(Static)]
    return f"on {type(app.screen).__name__}: {notes}"


def _holds(condition: Callable[[], object]) -> bool:
    """A condition about a widget not mounted yet does not hold yet: a screen is current before its widgets are."""
    try:
        return bool(condition())
    except NoMatches:
        return False


async def until(
    pilot: Pilot[None],
    condition: Callable[[], object],
    what: str,
    *,
    wait_s: float = 15.0,
    describe: Callable[[App[None]], str] = screen_notes,
) -> None:
    """Let the app run until `condition()` holds; fail after `wait_s` seconds saying what was awaited."""
    deadline = asyncio.get_running_loop().time() + wait_s
    while not _holds(condition):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"waited {wait_s} s for {what}; {describe(pilot.app)}")
        await pilot.pause(0.05)


async def tap(pilot: Pilot[None], selector: str, *, wait_s: float = 15.0) -> None:
    """Click a widget of the current screen once it is laid out. A click sent before the screen's first layout
    lands on the screen itself, at the widget's empty region: on the kiosk's ticket screen that is "start
    over", not the button."""
    app = pilot.app

    def placed() -> bool:
        found = app.screen.query(selector)
        return bool(found) and found.first().region.area > 0

    await until(pilot, placed, f"{selector} laid out on the screen", wait_s=wait_s)
    await pilot.pause()
    await pilot.click(selector)
