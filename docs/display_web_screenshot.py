"""Save a PNG of the waiting-room display at 1920×1080 during a call into docs/ (from the repository root):

    .venv/bin/python docs/display_web_screenshot.py

Starts a throwaway `loket serve` with the demo office and drives Debian's Chromium with Playwright.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402

from scheduler.model import Role  # noqa: E402
from tests.support import running_server, seed  # noqa: E402


async def shoot(url: str, token: str, call: object) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = await browser.new_page(viewport={"width": 1920, "height": 1080})
        await page.add_init_script("window.__loketSpeech = () => Promise.resolve();")
        await page.goto(f"{url}/display/demo?token={token}")
        await page.wait_for_function("document.querySelectorAll('#services tbody tr').length > 0")
        await asyncio.to_thread(call)  # type: ignore[arg-type]
        await page.wait_for_function("document.getElementById('latest-number').textContent !== ''")
        await page.wait_for_timeout(1200)
        await page.screenshot(path=str(ROOT / "docs" / "display-call.png"))
        await browser.close()


def main() -> None:
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        seeded = seed(url, office)
        with running_server(url) as server:
            clerk = {"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"}
            kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
            for name in ("1", "2", "3", "4"):
                httpx.post(f"{server.url}/api/counters/{seeded.counters[name]}/open", headers=clerk).raise_for_status()
            for service in "AABBCAGCDAB":
                body = {"service": service, "language": "nl"}
                httpx.post(f"{server.url}/api/offices/demo/tickets", json=body, headers=kiosk).raise_for_status()

            def calls() -> None:
                for name in ("1", "2", "3", "4"):
                    counter = seeded.counters[name]
                    ticket = httpx.post(f"{server.url}/api/counters/{counter}/call-next", headers=clerk).json()
                    body = {"counter": counter}
                    httpx.post(f"{server.url}/api/tickets/{ticket['id']}/finish", json=body, headers=clerk)
                counter = seeded.counters["1"]
                httpx.post(f"{server.url}/api/counters/{counter}/call-next", headers=clerk).raise_for_status()

            asyncio.run(shoot(server.url, seeded.tokens[Role.DISPLAY], calls))
        seeded.db.engine.dispose()
    print("written: docs/display-call.png")


if __name__ == "__main__":
    main()
