"""Save a PNG of the web kiosk as a hall kiosk shows it, 1080x1920 portrait, into docs/kiosk-1080x1920.png (run
from the repository root):

    .venv/bin/python docs/kiosk_web_screenshot.py

Starts a throwaway `loket serve` on a temporary SQLite file with the demo office, opens two counters, puts a few
citizens in the queue (so the services say their waits), serves the kiosk with `loket kiosk ... --web` and
photographs its services screen with Playwright and Debian's Chromium at 1080x1920, after a tap on "Nederlands".
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from scheduler.model import Role  # noqa: E402
from tests.browser.kiosk_web import HEIGHT, WIDTH, blue, faces, picture, web_kiosk  # noqa: E402
from tests.support import Seeded, running_server, seed  # noqa: E402

OUT = ROOT / "docs" / "kiosk-1080x1920.png"


def fill_the_room(url: str, seeded: Seeded) -> None:
    clerk = {"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"}
    kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
    for name in ("1", "2"):
        httpx.post(f"{url}/api/counters/{seeded.counters[name]}/open", headers=clerk).raise_for_status()
    for service in "AAACAB":
        body = {"service": service, "language": "nl"}
        httpx.post(f"{url}/api/offices/demo/tickets", json=body, headers=kiosk).raise_for_status()


async def shoot(kiosk_url: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        context = await browser.new_context(viewport={"width": WIDTH, "height": HEIGHT}, has_touch=True)
        page = await context.new_page()
        await page.goto(f"{kiosk_url}/")
        deadline = time.monotonic() + 60
        while len(buttons := faces(picture(await page.screenshot()), 40)) < 3:
            if time.monotonic() > deadline:
                raise RuntimeError("the kiosk never showed its languages")
        top, bottom = buttons[0]
        await page.touchscreen.tap(WIDTH // 2, (top + bottom) // 2)  # Nederlands
        while True:
            image = picture(await page.screenshot())
            if any(blue(image.getpixel((40, y))) for y in range(HEIGHT // 2, HEIGHT, 8)):  # type: ignore[arg-type]
                break
            if time.monotonic() > deadline:
                raise RuntimeError("the kiosk never showed its services")
        # The waits come with the office's next snapshot: wait until a second picture looks the same.
        previous = image
        while (image := picture(await page.screenshot())).tobytes() != previous.tobytes():
            previous = image
        image.save(OUT)
        await browser.close()


def main() -> None:
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/kiosk-web.db"
        seeded = seed(url, office)
        with running_server(url) as server:
            fill_the_room(server.url, seeded)
            with web_kiosk(server.url, seeded.tokens[Role.KIOSK], "demo", state=Path(tmp)) as kiosk_url:
                asyncio.run(shoot(kiosk_url))
        seeded.db.engine.dispose()
    print(f"written: {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
