"""Save an SVG screenshot of the terminal waiting-room display into docs/ (run from the repository root):

    .venv/bin/python docs/display_screenshot.py

Starts a throwaway `loket serve` on a temporary SQLite file with the demo office, issues a few tickets,
calls some of them at two counters (one recalled), then shows the display with Textual's pilot, as the
tests do.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
import tomllib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from display.app import DisplayApp, DisplayConfig  # noqa: E402
from scheduler.model import Role  # noqa: E402
from tests.support import Seeded, running_server, seed  # noqa: E402

DOCS = ROOT / "docs"


def dutch_now() -> datetime:
    """Now, held at the start of a 20 s turn: the labels are in Dutch (the first of nl, fr) on the picture."""
    now = datetime.now(UTC)
    return datetime.fromtimestamp(now.timestamp() // 20 * 20, UTC)


def calls(url: str, seeded: Seeded) -> None:
    kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
    clerk = {"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"}

    def post(path: str, headers: dict[str, str], body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = httpx.post(f"{url}{path}", json=body, headers=headers)
        response.raise_for_status()
        return dict(response.json()) if response.content else {}

    for service in ("A", "B", "A", "C", "A", "B", "C", "A", "A", "C", "B", "A"):
        post("/api/offices/demo/tickets", kiosk, {"service": service, "language": "fr"})
    counters = [seeded.counters[name] for name in sorted(seeded.counters)[:2]]
    for counter in counters:
        post(f"/api/counters/{counter}/open", clerk)
    ticket: dict[str, Any] = {}
    for round_ in range(3):
        for counter in counters:
            ticket = post(f"/api/counters/{counter}/call-next", clerk)
            if round_ < 2:
                post(f"/api/tickets/{ticket['id']}/finish", clerk, {"counter": counter})
    post(f"/api/tickets/{ticket['id']}/recall", clerk, {"counter": counters[-1]})


async def shoot(url: str, token: str) -> None:
    app = DisplayApp(DisplayConfig(server=url, token=token, office="demo"), clock=dutch_now)
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(200):
            if app.board is not None and app.board.latest is not None:
                break
            await pilot.pause(0.05)
        await pilot.pause(1.5)  # the per-service numbers
        app.save_screenshot("display-terminal.svg", str(DOCS))


def main() -> None:
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/shots.db"
        seeded = seed(url, office)
        with running_server(url) as server:
            calls(server.url, seeded)
            asyncio.run(shoot(server.url, seeded.tokens[Role.DISPLAY]))
        seeded.db.engine.dispose()
    print("written: docs/display-terminal.svg")


if __name__ == "__main__":
    main()
