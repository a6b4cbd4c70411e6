"""Save a PNG of the manager dashboard into docs/dashboard.png (from the repository root):

    .venv/bin/python docs/dashboard_screenshot.py

Seeds the demo office (with a list of improvements) in a throwaway SQLite file, writes four weeks of realistic
history (walk-ins and appointments per hour, waits, no-shows, citizens who left, bookings, happiness answers;
random with a fixed seed), starts the real server under uvicorn with its clock fixed on a Tuesday morning, puts
a live queue in the room through the API, and photographs /manage/demo with Playwright and Debian's Chromium.
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import threading
import time
import tomllib
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import uvicorn  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from sqlmodel import Session  # noqa: E402

from scheduler.model import Role  # noqa: E402
from server import create_app  # noqa: E402
from settings import Settings  # noqa: E402
from store.tables import BookingRow, HappinessRow, TicketRow  # noqa: E402
from tests.support import Seeded, free_port, seed  # noqa: E402

BRUSSELS = ZoneInfo("Europe/Brussels")
NOW = datetime(2026, 12, 1, 10, 40, tzinfo=BRUSSELS).astimezone(UTC)  # a Tuesday morning
IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"nl": "Duidelijker borden", "fr": "Panneaux plus clairs", "en": "Clearer signs"}},
    {"code": "hours", "names": {"nl": "Ruimere openingsuren", "fr": "Horaires plus larges", "en": "Longer hours"}},
    {"code": "online", "names": {"nl": "Meer online", "fr": "Plus en ligne", "en": "More online"}},
    {"code": "chairs", "names": {"nl": "Meer stoelen", "fr": "Plus de chaises", "en": "More chairs"}},
]
#: Walk-ins per hour and service on an ordinary day, and the service's minutes at the counter.
DEMAND = {"A": (5, 9), "B": (2, 13), "C": (4, 5), "D": (1.5, 15), "E": (1.5, 20), "G": (3, 3)}
COUNTERS = {"A": ["1", "2", "6"], "B": ["1", "2", "6"], "C": ["3", "2", "4"], "D": ["4", "6"], "E": ["5"], "G": ["3"]}
#: How busy each hour is (a crowd at opening and after lunch).
PEAK = {8: 0.6, 9: 1.4, 10: 1.3, 11: 1.0, 12: 0.7, 13: 1.1, 14: 0.9, 15: 0.6}


def local(day: date, hour: int, minute: float) -> datetime:
    start = datetime(day.year, day.month, day.day, hour, tzinfo=BRUSSELS) + timedelta(minutes=minute)
    return start.astimezone(UTC)


def write_history(seeded: Seeded, rng: random.Random, days: int = 28) -> None:
    """Tickets, bookings and happiness answers for the weekdays of the last `days` days (before today)."""
    counters = seeded.counters
    n = 0
    with Session(seeded.db.engine) as session:
        for back in range(days, 0, -1):
            day = NOW.astimezone(BRUSSELS).date() - timedelta(days=back)
            if day.weekday() >= 5:
                continue
            strain = rng.uniform(0.7, 1.5)  # some days are worse
            for hour, peak in PEAK.items():
                for service, (rate, minutes) in DEMAND.items():
                    for _ in range(int(rng.expovariate(1 / (rate * peak)) + rng.random())):
                        n += 1
                        appointment = service in "AB" and rng.random() < 0.35
                        arrived = local(day, hour, rng.uniform(0 if hour > 8 else 30, 60))
                        slot = arrived + timedelta(minutes=rng.uniform(0, 8)) if appointment else None
                        begins = max(arrived, slot or arrived)
                        mean_wait = (1.5 if appointment else 4 * peak * strain) * (1.6 if service == "E" else 1)
                        wait = timedelta(minutes=rng.expovariate(1 / mean_wait))
                        fate = rng.random()
                        state = "done" if fate < 0.93 else "no_show" if fate < 0.97 else "cancelled"
                        called = begins + wait if state != "cancelled" else None
                        length = timedelta(minutes=max(1.0, rng.gauss(minutes, minutes / 3)))
                        finished = (called + length) if called and state == "done" else begins + wait
                        # What the kiosk told: near the real wait, sometimes off; the range is told ± 40 %.
                        told = max(0, round(wait.total_seconds() * rng.uniform(0.7, 1.3) + rng.gauss(0, 60)))
                        session.add(
                            TicketRow(
                                office="demo",
                                service=service,
                                number=f"{service}{n % 1000:03d}",
                                day=day,
                                kind="appointment" if appointment else "walkin",
                                language=rng.choice(["nl", "fr", "fr", "en"]),
                                token=f"history-{n}",
                                state=state,
                                checked_in_at=arrived,
                                slot_at=slot,
                                called_at=called,
                                first_called_at=called,
                                started_at=called,
                                announced_wait_s=told,
                                announced_low_s=round(told * 0.6),
                                announced_high_s=round(told * 1.4) + 60,
                                finished_at=finished,
                                service_s=round(length.total_seconds()) if state == "done" else None,
                                counter_id=counters[rng.choice(COUNTERS[service])] if called else None,
                            )
                        )
                        if appointment:
                            session.add(
                                BookingRow(
                                    office="demo", service=service, code=f"H{n:07d}", slot_at=slot or arrived,
                                    state="checked_in", language="nl",
                                )
                            )  # fmt: skip
                        if state == "done" and rng.random() < 0.3:
                            score = max(1, min(10, round(rng.gauss(8.6 - strain - wait.total_seconds() / 600, 1.4))))
                            wishes = rng.sample(
                                ["wait", "signs", "hours", "online", "chairs"], k=rng.choice([0, 1, 1, 2])
                            )
                            if wait > timedelta(minutes=8) and "wait" not in wishes:
                                wishes = ["wait", *wishes][:3]
                            session.add(
                                HappinessRow(
                                    office="demo", service=service, day=day, hour=begins.astimezone(BRUSSELS).hour,
                                    score=score, improvements=wishes,
                                )
                            )  # fmt: skip
            for _ in range(rng.randint(1, 4)):  # appointments never checked in
                n += 1
                slot = local(day, rng.choice([9, 10, 11, 13, 14]), rng.choice([0, 15, 30, 45]))
                session.add(
                    BookingRow(
                        office="demo", service="A", code=f"H{n:07d}", slot_at=slot, state="no_show", language="fr"
                    )
                )
        session.commit()


def live_queue(url: str, seeded: Seeded, rng: random.Random, clock: Clock) -> None:
    """This morning through the API, on the server's clock: counters open, citizens arriving and served, one
    counter paused."""
    clerk = {"Authorization": f"Bearer {seeded.tokens[Role.CLERK]}"}
    kiosk = {"Authorization": f"Bearer {seeded.tokens[Role.KIOSK]}"}
    for name in ("1", "2", "3", "4", "5"):
        httpx.post(f"{url}/api/counters/{seeded.counters[name]}/open", headers=clerk).raise_for_status()
    at_counter: dict[str, int] = {}
    for i, service in enumerate("AACBGAACEBAGCDAACBAEGACAGBCAAD"):
        clock.now += timedelta(minutes=rng.uniform(0.3, 1.6))
        body = {"service": service, "language": rng.choice(["nl", "fr"])}
        httpx.post(f"{url}/api/offices/demo/tickets", json=body, headers=kiosk).raise_for_status()
        if i % 2 and i < 24:
            name = rng.choice(["1", "2", "3", "4", "5"])
            counter = seeded.counters[name]
            if name in at_counter:
                body = {"counter": counter}
                httpx.post(f"{url}/api/tickets/{at_counter.pop(name)}/finish", json=body, headers=clerk)
            called = httpx.post(f"{url}/api/counters/{counter}/call-next", headers=clerk)
            if called.status_code == 200:
                at_counter[name] = called.json()["id"]
    if "4" in at_counter:
        body = {"counter": seeded.counters["4"]}
        httpx.post(f"{url}/api/tickets/{at_counter.pop('4')}/finish", json=body, headers=clerk)
    httpx.post(
        f"{url}/api/counters/{seeded.counters['4']}/pause", json={"reason": "coffee"}, headers=clerk
    ).raise_for_status()


class Clock:
    def __init__(self) -> None:
        self.now = NOW - timedelta(minutes=40)

    def __call__(self) -> datetime:
        return self.now


async def shoot(url: str, token: str) -> None:
    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        page = await browser.new_page(viewport={"width": 1366, "height": 900})
        await page.goto(f"{url}/manage/demo?token={token}&days=30")
        await page.wait_for_selector("svg.chart")
        await page.screenshot(path=str(ROOT / "docs" / "dashboard.png"), full_page=True)
        await browser.close()


def main() -> None:
    rng = random.Random(20261201)
    office = tomllib.loads((ROOT / "seed" / "demo.toml").read_text(encoding="utf-8"))
    office["improvement"] = IMPROVEMENTS
    with tempfile.TemporaryDirectory() as tmp:
        db_url = f"sqlite:///{tmp}/dashboard.db"
        seeded = seed(db_url, office)
        write_history(seeded, rng)
        clock = Clock()
        app = create_app(Settings(database_url=db_url), clock=clock)  # type: ignore[call-arg]
        port = free_port()
        server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.1)
        try:
            live_queue(url, seeded, rng, clock)
            clock.now = NOW
            asyncio.run(shoot(url, seeded.tokens[Role.MANAGER]))
        finally:
            server.should_exit = True
            thread.join(10)
            seeded.db.engine.dispose()
    print("written: docs/dashboard.png")


if __name__ == "__main__":
    main()
