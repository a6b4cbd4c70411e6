"""What one status token's live streams cost the office: the kiosk's issue time with nobody following, and with a
stranger opening 300 streams on one ticket's status token (issue 13, finding 5).

Not a test: it prints a markdown table. A real `loket serve` (one worker, SQLite in a temporary directory) and
this process as the client, over loopback. Before the per-token bound every stream was kept and recomputed on
each office event; now the sixth and later get 429 and cost nothing after that.

Run from the repository root:  .venv/bin/python bench/abuse.py [--streams 300] [--issues 60]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from scheduler.model import Role  # noqa: E402
from tests.support import running_server, seed  # noqa: E402


async def _issue_times(http: httpx.AsyncClient, kiosk: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        r = await http.post(
            "/api/offices/town/tickets",
            json={"service": "A", "language": "nl"},
            headers={"Authorization": f"Bearer {kiosk}"},
        )
        times.append((time.perf_counter() - started) * 1000)
        assert r.status_code == 201, r.text
    return times


async def _measure(url: str, kiosk: str, streams: int, issues: int) -> tuple[list[float], list[float], Counter[int]]:
    limits = httpx.Limits(max_connections=streams + 10)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as http:
        quiet = await _issue_times(http, kiosk, issues)
        r = await http.post(
            "/api/offices/town/tickets",
            json={"service": "A", "language": "nl"},
            headers={"Authorization": f"Bearer {kiosk}"},
        )
        token = r.json()["status_url"].rsplit("/", 1)[1]
        async with contextlib.AsyncExitStack() as opened:
            answers: Counter[int] = Counter()
            for _ in range(streams):
                response = await opened.enter_async_context(http.stream("GET", f"/api/status/{token}/events"))
                answers[response.status_code] += 1
            followed = await _issue_times(http, kiosk, issues)
    return quiet, followed, answers


def _row(label: str, times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return f"| {label} | {statistics.median(ordered):.1f} | {p95:.1f} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--streams", type=int, default=300)
    parser.add_argument("--issues", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{directory}/bench.db"
        seeded = seed(url)
        kiosk = seeded.tokens[Role.KIOSK]
        seeded.db.engine.dispose()
        with running_server(url, log=Path(directory) / "server.log") as server:
            quiet, followed, answers = asyncio.run(_measure(server.url, kiosk, args.streams, args.issues))
    print(f"{args.streams} stream requests on one status token: " + ", ".join(f"{n}× {s}" for s, n in answers.items()))
    print()
    print("| issuing a ticket (sequential, ms) | median | p95 |")
    print("|---|---|---|")
    print(_row("nobody following", quiet))
    print(_row(f"{args.streams} streams asked for on one token", followed))


if __name__ == "__main__":
    main()
