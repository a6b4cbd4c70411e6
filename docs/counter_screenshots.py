"""Save SVG screenshots of the clerk terminal into docs/ (run from the repository root):

    .venv/bin/python docs/counter_screenshots.py

Starts a throwaway `loket serve` on a temporary SQLite file with the demo office and a few citizens, then
drives the terminal with Textual's pilot, as the tests do.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from counter import screens  # noqa: E402
from counter.app import CounterApp, CounterConfig  # noqa: E402
from scheduler.model import Role  # noqa: E402
from store.admin import add_user  # noqa: E402
from tests.support import running_server, seed  # noqa: E402

DOCS = ROOT / "docs"
PASSWORD = "demo-password"


async def shoot(url: str, counter_id: int) -> None:
    app = CounterApp(CounterConfig(server=url))
    async with app.run_test(size=(140, 42)) as pilot:

        async def until(condition: object) -> None:
            for _ in range(200):
                if callable(condition) and condition():
                    return
                await pilot.pause(0.05)
            raise RuntimeError("the terminal did not get there")

        await until(lambda: isinstance(app.screen, screens.LoginScreen))
        await pilot.click("#username")
        await pilot.press(*"clerk1", "enter")
        app.save_screenshot("counter-login.svg", str(DOCS))
        await pilot.press(*PASSWORD, "enter")
        await until(lambda: isinstance(app.screen, screens.CounterScreen))
        app.screen.query_one("#counter").value = counter_id  # type: ignore[attr-defined]
        await pilot.pause(0.2)
        await pilot.click("#start")
        await until(lambda: isinstance(app.screen, screens.DeskScreen))
        await pilot.press("o")
        await pilot.pause(1.0)
        await pilot.press("n")
        await pilot.pause(1.0)
        await pilot.press("s")
        await pilot.pause(1.5)
        app.save_screenshot("counter-desk.svg", str(DOCS))


def main() -> None:
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        seeded = seed(url, office)
        add_user(seeded.db, "clerk1", "demo", Role.CLERK, PASSWORD, datetime.now(UTC))
        with running_server(url) as server:
            kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
            for service in ("A", "B", "A", "C", "A", "B"):
                httpx.post(
                    f"{server.url}/api/offices/demo/tickets", json={"service": service, "language": "fr"}, headers=kiosk
                ).raise_for_status()
            asyncio.run(shoot(server.url, seeded.counters["1"]))
        seeded.db.engine.dispose()
    print("written: docs/counter-login.svg, docs/counter-desk.svg")


if __name__ == "__main__":
    main()
