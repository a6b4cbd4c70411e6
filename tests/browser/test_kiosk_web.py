"""The web kiosk (`loket kiosk ... --web`) on the usual hall kiosk, a 1080x1920 portrait touch screen, in real
Chromium against a real `loket serve`: text at least 32 px high, and buttons spread over the whole screen,
measured in the pixels Chromium draws (the terminal is a canvas)."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.async_api import Browser, Page

from scheduler.model import Role
from tests.browser.kiosk_web import HEIGHT, WIDTH, Terminal, blue, faces, ink, picture, web_kiosk
from tests.support import Seeded, running_server

#: A column inside every full-width button (the screen keeps one cell of padding, 19 px), and one near the right.
LEFT, RIGHT = 40, WIDTH - 60


@pytest.fixture
def kiosk_url(sqlite_url: str, seeder: Callable[..., Seeded], tmp_path: Path) -> Iterator[str]:
    seeded = seeder(sqlite_url)
    with (
        running_server(sqlite_url) as server,
        web_kiosk(server.url, seeded.tokens[Role.KIOSK], "town", state=tmp_path) as url,
    ):
        yield url


async def until(page: Page, shows: Callable[[Image.Image], bool], what: str) -> Image.Image:
    """The page's next picture that `shows` what is wanted (the kiosk draws as its process gets there)."""
    deadline = time.monotonic() + 30
    while True:
        image = picture(await page.screenshot())
        if shows(image):
            return image
        assert time.monotonic() < deadline, f"the web kiosk never showed {what}"


async def test_the_portrait_kiosk_shows_text_32_px_high_and_buttons_down_the_whole_screen(
    browser: Browser, kiosk_url: str
) -> None:
    context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True)
    page = await context.new_page()
    terminal = Terminal()
    terminal.watch(page)
    await page.goto(f"{kiosk_url}/")
    # No `?fontsize=` in the address: the kiosk's page asks for 32 px text by itself.
    assert await page.get_attribute("#terminal", "data-font-size") == "32"

    languages = await until(page, lambda image: len(faces(image, LEFT)) >= 3, "three language buttons")
    box = await page.locator(".xterm-screen").bounding_box()
    assert box is not None
    assert terminal.rows > 0
    row_px, cell_px = box["height"] / terminal.rows, box["width"] / terminal.cols
    # Each line of text 32 px or more (the font's size: its rows are ~43 px apart), the screen used to its edges.
    assert row_px >= 32, (terminal.cols, terminal.rows, row_px)
    assert box["height"] >= HEIGHT - row_px
    assert box["width"] >= WIDTH - cell_px
    # ... and the letters drawn that big: the title's capitals and ascenders (about 0.7 of the font's size).
    buttons = faces(languages, LEFT)
    title = ink(languages, (0, 0, WIDTH, buttons[0][0]))
    assert title is not None
    assert title[1] - title[0] >= 0.65 * 32, title
    word = ink(languages, (LEFT, buttons[0][0], RIGHT, buttons[0][1]))
    assert word is not None
    assert word[1] - word[0] >= 0.65 * 32, word

    # Nederlands, Français, English: one under the other, as wide as the screen, several rows high each, the
    # last one low on the screen (not 14-pixel text in the top third).
    assert len(buttons) == 3, buttons
    assert faces(languages, RIGHT) == buttons
    assert all(bottom - top >= 3 * row_px for top, bottom in buttons), buttons
    assert buttons[-1][1] >= 0.6 * HEIGHT, buttons

    # A touch on "Nederlands" (a tap, as on the touch screen) opens the services: the buttons spread again,
    # "I have an appointment or a code" (the blue one) and "Back" at the bottom.
    top, bottom = buttons[0]
    await page.touchscreen.tap(WIDTH // 2, (top + bottom) // 2)

    def services(image: Image.Image) -> bool:
        return any(blue(image.getpixel((LEFT, y))) for y in range(HEIGHT // 2, HEIGHT, 8))  # type: ignore[arg-type]

    shown = await until(page, services, "the services with the appointment button")
    spread = faces(shown, LEFT)
    appointment = [(t, b) for t, b in spread if blue(shown.getpixel((LEFT, (t + b) // 2)))]  # type: ignore[arg-type]
    assert len(appointment) == 1, spread
    assert appointment[0][0] >= HEIGHT / 2, spread
    # From the top fifth (the office's services, a face each) to the bottom fifth ("Back").
    assert spread[0][0] <= 0.2 * HEIGHT, spread
    assert spread[-1][1] >= 0.8 * HEIGHT, spread
    await context.close()
