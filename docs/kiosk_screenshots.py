"""Save an SVG screenshot of each kiosk screen into docs/ (run from the repository root):

    .venv/bin/python docs/kiosk_screenshots.py

Starts a throwaway `loket serve` on a temporary SQLite file with the demo office, opens two counters and
drives the kiosk with Textual's pilot, as the tests do.
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

from kiosk import rating, screens  # noqa: E402
from kiosk.app import KioskApp, KioskConfig  # noqa: E402
from scheduler.model import Role  # noqa: E402
from tests.support import running_server, seed  # noqa: E402

DOCS = ROOT / "docs"


async def shoot(url: str, token: str) -> None:
    app = KioskApp(KioskConfig(server=url, token=token, office="demo", idle_s=600))
    async with app.run_test(size=(110, 40)) as pilot:

        async def until(condition: object) -> None:
            for _ in range(200):
                if callable(condition) and condition():
                    return
                await pilot.pause(0.05)
            raise RuntimeError("the kiosk did not get there")

        await until(lambda: isinstance(app.screen, screens.LanguageScreen))
        app.save_screenshot("kiosk-language.svg", str(DOCS))
        await pilot.click("#lang-fr")
        await until(lambda: app.screen.query("#service-A"))
        await pilot.pause(0.5)
        app.save_screenshot("kiosk-services.svg", str(DOCS))
        await pilot.click("#service-B")
        await until(lambda: isinstance(app.screen, screens.TicketScreen))
        await pilot.pause(0.5)
        app.save_screenshot("kiosk-ticket.svg", str(DOCS))
        await pilot.click("#number")
        await until(lambda: isinstance(app.screen, screens.LanguageScreen))
        await pilot.click("#lang-nl")
        await until(lambda: app.screen.query("#appointment"))
        await pilot.click("#appointment")
        await until(lambda: isinstance(app.screen, screens.AppointmentScreen))
        await pilot.press(*"abcd2345", "enter")
        await pilot.pause(1.0)
        app.save_screenshot("kiosk-appointment.svg", str(DOCS))
        # What the citizen sees when the server does not answer (shown here without stopping the server).
        app.push_screen(screens.UnreachableScreen("fr"))
        await pilot.pause(0.5)
        app.save_screenshot("kiosk-unreachable.svg", str(DOCS))
        app.start_over()
        await until(lambda: isinstance(app.screen, screens.LanguageScreen))
        await pilot.click("#lang-en")
        await until(lambda: isinstance(app.screen, screens.ServicesScreen) and app.screen.query_one("#rate").display)
        await pilot.click("#rate")
        await until(lambda: isinstance(app.screen, rating.RatingScreen))
        for choice in ("#svc-A", "#score-8", "#imp-wait", "#imp-online"):
            await pilot.click(choice)
        await pilot.pause(0.3)
        app.save_screenshot("kiosk-happiness.svg", str(DOCS))


def main() -> None:
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    office["happiness_at_kiosk"] = True  # shown here; the demo's kiosk stands at the entrance and does not ask
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        seeded = seed(url, office)
        with running_server(url) as server:
            for name in ("1", "2"):
                httpx.post(
                    f"{server.url}/api/counters/{seeded.counters[name]}/open",
                    headers={"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"},
                ).raise_for_status()
            for service in ("A", "A", "B", "B", "B"):
                httpx.post(
                    f"{server.url}/api/offices/demo/tickets",
                    json={"service": service, "language": "nl"},
                    headers={"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"},
                ).raise_for_status()
            asyncio.run(shoot(server.url, seeded.tokens[Role.KIOSK]))
        seeded.db.engine.dispose()
    print("written: docs/kiosk-{language,services,ticket,appointment,unreachable,happiness}.svg")


if __name__ == "__main__":
    main()
