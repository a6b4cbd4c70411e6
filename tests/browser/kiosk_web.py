"""The web kiosk (`loket kiosk ... --web`) as a hall kiosk's Chromium shows it, measured in the screenshot's
pixels: the terminal is drawn on a canvas, so there is no DOM text to ask. Shared by
tests/browser/test_kiosk_web.py and docs/kiosk_web_screenshot.py."""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from PIL import Image
from playwright.async_api import Page, WebSocket

from tests.support import ROOT, free_port

#: The usual hall kiosk: a portrait touch screen.
WIDTH, HEIGHT = 1080, 1920
#: Textual's dark background (the kiosk's screens): a disabled button's face is only 3 to 5 steps off it.
BACKGROUND = (18, 18, 18)


@contextmanager
def web_kiosk(server_url: str, token: str, office: str, *extra: str, state: Path | None = None) -> Iterator[str]:
    """`loket kiosk --web` on a free loopback port for the duration; yields its address. `state`: the kiosk's
    XDG_STATE_HOME (where its journal goes), so that a test leaves nothing in the user's home."""
    port = free_port()
    command = [sys.executable, "-m", "loket", "kiosk", "--server", server_url, "--token", token, "--office", office]
    command += [*extra, "--web", "--web-port", str(port)]
    # A session of its own: textual-serve starts a kiosk process per browser tab, all ended with it.
    env = {**os.environ, **({"XDG_STATE_HOME": str(state)} if state is not None else {})}
    process = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{url}/", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"loket kiosk --web did not serve {url} (exit {process.poll()})")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        # Any kiosk process textual-serve had started and not yet ended.
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)


@dataclass
class Terminal:
    """The terminal's size in cells as the page told textual-serve (on connecting, then on every resize)."""

    cols: int = 0
    rows: int = 0
    sockets: list[WebSocket] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("websocket", self._opened)

    def _opened(self, socket: WebSocket) -> None:
        self.sockets.append(socket)
        query = dict(part.split("=", 1) for part in socket.url.split("?", 1)[1].split("&"))
        self.cols, self.rows = int(query["width"]), int(query["height"])
        socket.on("framesent", self._sent)

    def _sent(self, payload: str | bytes) -> None:
        if isinstance(payload, str) and payload.startswith('["resize"'):
            size = json.loads(payload)[1]
            self.cols, self.rows = int(size["width"]), int(size["height"])


def picture(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def is_background(pixel: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 2 for a, b in zip(pixel, BACKGROUND, strict=True))


def faces(image: Image.Image, x: int, *, min_px: int = 60) -> list[tuple[int, int]]:
    """The vertical runs (top, bottom) of column `x` that are not the screen's background and at least `min_px`
    high: the faces of buttons (and of the QR code) crossed by that column, top to bottom."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for y in range(image.height):
        inside = not is_background(image.getpixel((x, y)))  # type: ignore[arg-type]
        if inside and start is None:
            start = y
        elif not inside and start is not None:
            if y - start >= min_px:
                runs.append((start, y))
            start = None
    if start is not None and image.height - start >= min_px:
        runs.append((start, image.height))
    return runs


def ink(image: Image.Image, box: tuple[int, int, int, int], *, brighter_than: int = 160) -> tuple[int, int] | None:
    """The top and bottom of the bright (text) pixels inside `box` (left, top, right, bottom), or None."""
    grey = image.crop(box).convert("L").point(lambda v: 255 if v > brighter_than else 0)
    found = grey.getbbox()
    return None if found is None else (box[1] + found[1], box[1] + found[3])


def blue(pixel: tuple[int, int, int]) -> bool:
    """Textual's primary colour (a button with variant="primary")."""
    r, g, b = pixel
    return b > 150 and r < 80 and b - g > 40
