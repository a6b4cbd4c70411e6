"""Load of a whole region on a real `loket serve`: many offices at once, kiosks, clerks and displays together.

A region (19 offices by default, the Brussels municipalities) where every office has 20 counters and 10
waiting-room displays, and gets one new ticket a second. Each clerk calls the next ticket as soon as it is free,
serves it for a simulated time (20-60 s divided by `--speed`) and finishes it. Every display follows its office
over the websocket from before the first ticket to the last event, resuming with `?since=` when the server asks.

It reports p50/p99 of issuing a ticket, of call-next, and of event delivery (the issue request's scheduled start
to the display receiving `ticket.issued`), the errors, whether every display got every event exactly once and
in order, and the server's memory (RSS of the server process and its workers, from /proc). Configurations:
SQLite with one worker, PostgreSQL with 2 and 4 workers (skipped with a note without PostgreSQL).

Everything runs over loopback, bounded in count (the region's size) and in time (`--duration` plus a bounded
drain). Run from the repository root:

  .venv/bin/python bench/load.py [--duration 60] [--speed 4] [--quick] [--only sqlite|postgres]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where bench/server.py would shadow the real `server`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
from websockets.asyncio.client import ClientConnection, connect  # noqa: E402
from websockets.exceptions import ConnectionClosed  # noqa: E402

from bench.server import (  # noqa: E402
    POSTGRES_URL,
    machine,
    percentile,
    postgres_database,
    postgres_reachable,
    say,
    sqlite_database,
)
from scheduler.model import Role  # noqa: E402
from scheduler.scenario import parse_scenario  # noqa: E402
from store import migrate  # noqa: E402
from store.admin import apply_scenario, create_token  # noqa: E402
from store.database import Database  # noqa: E402
from store.engine import make_engine  # noqa: E402
from tests.support import start_server  # noqa: E402

REQUEST_TIMEOUT_S = 10.0
RESUME_CODES = (1012, 4409)  # server restarting, or the client fell behind: come back with ?since=
Json = dict[str, Any]


# ---------------------------------------------------------------------------------------------- the region


@dataclass(frozen=True)
class Plan:
    offices: int = 19
    counters: int = 20  # per office
    displays: int = 10  # per office
    arrivals_per_s: float = 1.0  # per office
    service_s: tuple[float, float] = (20.0, 60.0)  # simulated, divided by `speed`
    speed: float = 4.0
    duration_s: float = 60.0  # tickets are issued this long
    drain_s: float = 30.0  # bound on serving whoever still waits afterwards
    settle_s: float = 15.0  # bound on the displays receiving the last events

    @property
    def clerks(self) -> int:
        return self.offices * self.counters


def office_spec(name: str, counters: int, service_s: float = 40.0) -> Json:
    """An office file (as parsed TOML): one service "A" that every counter serves."""
    return {
        "name": name,
        "title": f"Office {name}",
        "opens": "08:00",
        "closes": "18:00",
        "walk_in_share": 0.0,
        "service": [{"code": "A", "name": "Certificates", "mean_duration_s": round(service_s), "bookable": False}],
        "counter": [{"name": str(i + 1), "services": ["A"]} for i in range(counters)],
    }


@dataclass(frozen=True)
class Office:
    name: str
    tokens: dict[Role, str]
    counters: tuple[int, ...]


def _counter_ids(db: Database, office: str) -> tuple[int, ...]:
    return tuple(c.id for c in db.read(lambda repo: repo.counters(office)))


def seed_region(url: str, plan: Plan) -> list[Office]:
    """Migrate the database, create the region's offices and a token per role and office."""
    migrate.upgrade(url)
    db = Database(make_engine(url, pool_size=5))
    offices = []
    try:
        now = datetime.now(UTC)
        mean_s = sum(plan.service_s) / 2
        for i in range(plan.offices):
            name = apply_scenario(db, parse_scenario(office_spec(f"office{i + 1:02d}", plan.counters, mean_s)))
            tokens = {role: create_token(db, role, name, now) for role in (Role.KIOSK, Role.CLERK, Role.DISPLAY)}
            counters = _counter_ids(db, name)
            offices.append(Office(name, tokens, counters))
    finally:
        db.engine.dispose()
    return offices


# ---------------------------------------------------------------------------------------------- displays


@dataclass
class Display:
    """A waiting-room display: the snapshot's seq, then every event (seq, type, ticket id, receive time).

    Closed with 1012 or 4409 it comes back with `?since=` (the protocol's resume), counted in `resumes`;
    a second snapshot (the server no longer had the events) is counted in `snapshots`.
    """

    ws_base: str
    office: str
    token: str
    snapshot_seq: int = -1
    # (seq, receive time, the frame as sent): parsed after the run, to keep the receive path short.
    frames: list[tuple[int, float, str]] = field(default_factory=list)
    resumes: int = 0
    snapshots: int = 0
    failure: str = ""
    _ws: ClientConnection | None = None
    _task: asyncio.Task[None] | None = None
    _stopping: bool = False
    _progress: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def last_seq(self) -> int:
        return self.frames[-1][0] if self.frames else self.snapshot_seq

    @property
    def local_port(self) -> int:
        """The client side's port of the current connection (-1 when not connected)."""
        return int(self._ws.local_address[1]) if self._ws is not None else -1

    @property
    def seqs(self) -> list[int]:
        return [f[0] for f in self.frames]

    @property
    def events(self) -> list[tuple[int, str, int | None, float]]:
        """(seq, type, ticket id or None, receive time) of every event received."""
        out = []
        for seq, received, raw in self.frames:
            event = json.loads(raw)
            out.append((seq, str(event["type"]), (event.get("ticket") or {}).get("id"), received))
        return out

    async def open(self) -> None:
        """Connect and read the snapshot, then follow in the background."""
        ws = await connect(
            f"{self.ws_base}/ws/offices/{self.office}?token={self.token}",
            open_timeout=REQUEST_TIMEOUT_S,
            ping_interval=None,  # the server pings; answered below
            max_size=None,
        )
        first = json.loads(await asyncio.wait_for(ws.recv(), REQUEST_TIMEOUT_S))
        if first.get("type") != "snapshot":
            await ws.close()
            raise RuntimeError(f"first message of {self.office} was {first}")
        self.snapshot_seq = int(first["seq"])
        self.snapshots = 1
        self._ws = ws
        self._task = asyncio.create_task(self._follow())

    async def _follow(self) -> None:
        while True:
            assert self._ws is not None
            try:
                async for raw in self._ws:
                    now = time.monotonic()
                    frame = raw if isinstance(raw, str) else raw.decode()
                    if frame.startswith('{"seq":'):  # an event: the server writes its seq first
                        self.frames.append((int(frame[7 : frame.index(",")]), now, frame))
                        self._progress.set()
                        continue
                    message = json.loads(frame)
                    if message.get("type") == "ping":
                        await self._ws.send('{"type":"pong"}')
                    elif message.get("type") == "snapshot":
                        self.snapshots += 1
                    elif "seq" in message:
                        self.frames.append((int(message["seq"]), now, frame))
                        self._progress.set()
            except ConnectionClosed:
                pass
            code = self._ws.close_code
            if self._stopping:
                return
            if code not in RESUME_CODES:
                self.failure = f"closed {code} {self._ws.close_reason}"
                return
            self.resumes += 1
            try:
                self._ws = await connect(
                    f"{self.ws_base}/ws/offices/{self.office}?token={self.token}&since={self.last_seq}",
                    open_timeout=REQUEST_TIMEOUT_S,
                    ping_interval=None,
                    max_size=None,
                )
            except Exception as exc:  # recorded, counted as an error
                self.failure = f"resume failed: {exc!r}"
                return

    async def until(self, seq: int, timeout_s: float) -> bool:
        deadline = time.monotonic() + timeout_s
        while self.last_seq < seq:
            if self._task is None or self._task.done() or time.monotonic() > deadline:
                return False
            self._progress.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._progress.wait(), max(0.01, deadline - time.monotonic()))
        return True

    async def close(self) -> None:
        self._stopping = True
        if self._ws is not None:
            await self._ws.close()
        if self._task is not None:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._task, REQUEST_TIMEOUT_S)

    def gaps(self, last: int) -> tuple[int, int, bool]:
        """(missing, duplicated, out of order) against the office's events snapshot_seq+1..last."""
        seqs = self.seqs
        seen = set(seqs)
        missing = len(set(range(self.snapshot_seq + 1, last + 1)) - seen)
        duplicated = len(seqs) - len(seen)
        return missing, duplicated, seqs != sorted(seqs)


async def open_displays(displays: list[Display], at_once: int = 50) -> list[str]:
    """Connect the displays, `at_once` at a time; returns the failures."""
    gate = asyncio.Semaphore(at_once)
    failures: list[str] = []

    async def one(display: Display) -> None:
        async with gate:
            try:
                await display.open()
            except Exception as exc:  # recorded, counted as an error
                display.failure = repr(exc)
                failures.append(f"{display.office}: {exc!r}")

    await asyncio.gather(*(one(d) for d in displays))
    return failures


# ---------------------------------------------------------------------------------------------- memory


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (Linux /proc)."""
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        with contextlib.suppress(OSError):
            for task in Path(f"/proc/{current}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
    return found


def rss_bytes(pid: int) -> int:
    """Resident memory of `pid` and its descendants, summed (shared pages counted in each process)."""
    total = 0
    for each in process_tree(pid):
        with contextlib.suppress(OSError, ValueError, IndexError):
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


# ---------------------------------------------------------------------------------------------- the run


@dataclass
class Result:
    issue: list[float] = field(default_factory=list)
    call: list[float] = field(default_factory=list)
    finish: list[float] = field(default_factory=list)
    delivery: list[float] = field(default_factory=list)  # issue scheduled -> display receipt
    errors: list[str] = field(default_factory=list)
    issued: int = 0
    served: int = 0
    empty_calls: int = 0  # call-next answered 204
    displays: int = 0
    display_failures: int = 0
    events_expected: int = 0  # summed over displays
    events_received: int = 0
    missing: int = 0
    duplicated: int = 0
    out_of_order: int = 0
    resumes: int = 0
    late_displays: int = 0  # had not reached the office's last seq when the settle bound ran out
    rss_start: int = 0
    rss_peak: int = 0
    rss_end: int = 0
    seconds: float = 0.0

    @property
    def error_count(self) -> int:
        return len(self.errors)

    @property
    def every_display_got_every_event(self) -> bool:
        return (
            self.displays > 0
            and self.display_failures == 0
            and self.missing == 0
            and self.duplicated == 0
            and self.out_of_order == 0
        )


@dataclass
class _OfficeRun:
    office: Office
    waiting: asyncio.Semaphore = field(default_factory=lambda: asyncio.Semaphore(0))
    issued: int = 0
    finished: int = 0
    sent: dict[int, float] = field(default_factory=dict)  # ticket id -> scheduled issue time


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def run_region(base_url: str, offices: list[Office], plan: Plan, server_pid: int | None = None) -> Result:
    """Open every counter, connect every display, then issue, call and finish for `plan.duration_s`;
    serve whoever still waits (bounded), let the displays catch up (bounded) and measure."""
    result = Result()
    ws_base = base_url.replace("http://", "ws://")
    runs = [_OfficeRun(o) for o in offices]
    rng = random.Random(20261201)
    # Idle connections are dropped before uvicorn's 5 s keep-alive ends: a request sent on a connection the server is
    # closing at that moment fails (ReadError) without reaching it.
    limits = httpx.Limits(
        max_connections=plan.counters + 10, max_keepalive_connections=plan.counters + 10, keepalive_expiry=2.0
    )
    clients = [httpx.AsyncClient(base_url=base_url, timeout=REQUEST_TIMEOUT_S, limits=limits) for _ in offices]
    displays = [Display(ws_base, o.name, o.tokens[Role.DISPLAY]) for o in offices for _ in range(plan.displays)]
    stop = asyncio.Event()
    served = asyncio.Event()  # a clerk finished a ticket
    rss = {"peak": 0}

    def error(what: str) -> None:
        result.errors.append(what)

    async def sample_memory() -> None:
        while not stop.is_set() and server_pid is not None:
            rss["peak"] = max(rss["peak"], rss_bytes(server_pid))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), 1.0)

    async def kiosk(run: _OfficeRun, http: httpx.AsyncClient, offset: float, start: float) -> None:
        interval = 1.0 / plan.arrivals_per_s
        headers = bearer(run.office.tokens[Role.KIOSK])
        tasks = []

        async def one(scheduled: float) -> None:
            try:
                response = await http.post(
                    f"/api/offices/{run.office.name}/tickets",
                    json={"service": "A", "language": "nl"},
                    headers={**headers, "Idempotency-Key": uuid.uuid4().hex},
                )
            except httpx.HTTPError as exc:
                result.issue.append(time.monotonic() - scheduled)
                error(f"issue {exc!r}")
                return
            result.issue.append(time.monotonic() - scheduled)
            if response.status_code != 201:
                error(f"issue {response.status_code} {response.text[:200]}")
                return
            run.sent[int(response.json()["id"])] = scheduled
            run.issued += 1
            run.waiting.release()

        i = 0
        while True:  # open loop: ticket i at start + i * interval, whatever the earlier ones are doing
            scheduled = start + offset + i * interval
            if scheduled > start + plan.duration_s:
                break
            await asyncio.sleep(max(0.0, scheduled - time.monotonic()))
            tasks.append(asyncio.create_task(one(scheduled)))
            i += 1
        await asyncio.gather(*tasks)

    async def clerk(run: _OfficeRun, http: httpx.AsyncClient, counter: int) -> None:
        headers = bearer(run.office.tokens[Role.CLERK])
        while not stop.is_set():
            # A clerk learns of a waiting ticket from the live queue; one per ticket, no polling storm.
            try:
                await asyncio.wait_for(run.waiting.acquire(), 0.5)
            except TimeoutError:
                continue
            started = time.monotonic()
            try:
                response = await http.post(f"/api/counters/{counter}/call-next", headers=headers)
            except httpx.HTTPError as exc:
                error(f"call-next {exc!r}")
                continue
            result.call.append(time.monotonic() - started)
            if response.status_code == 204:
                result.empty_calls += 1
                continue
            if response.status_code != 200:
                error(f"call-next {response.status_code} {response.text[:200]}")
                continue
            ticket = response.json()["id"]
            await asyncio.sleep(rng.uniform(*plan.service_s) / plan.speed)
            started = time.monotonic()
            try:
                response = await http.post(f"/api/tickets/{ticket}/finish", json={"counter": counter}, headers=headers)
            except httpx.HTTPError as exc:
                error(f"finish {exc!r}")
                continue
            result.finish.append(time.monotonic() - started)
            if response.status_code != 200:
                error(f"finish {response.status_code} {response.text[:200]}")
                continue
            run.finished += 1
            served.set()

    began = time.monotonic()
    try:
        if server_pid is not None:
            result.rss_start = rss_bytes(server_pid)
        for run, http in zip(runs, clients, strict=True):
            headers = bearer(run.office.tokens[Role.CLERK])
            for counter in run.office.counters:
                response = await http.post(f"/api/counters/{counter}/open", headers=headers)
                if response.status_code != 200:
                    error(f"open {response.status_code} {response.text[:200]}")
        result.errors += await open_displays(displays)
        result.displays = len(displays)

        memory = asyncio.create_task(sample_memory())
        clerks = [
            asyncio.create_task(clerk(run, http, counter))
            for run, http in zip(runs, clients, strict=True)
            for counter in run.office.counters
        ]
        start = time.monotonic() + 0.1
        interval = 1.0 / plan.arrivals_per_s
        await asyncio.gather(
            *(
                kiosk(run, http, interval * i / len(runs), start)
                for i, (run, http) in enumerate(zip(runs, clients, strict=True))
            )
        )
        deadline = time.monotonic() + plan.drain_s
        while any(r.finished < r.issued for r in runs) and time.monotonic() < deadline:
            served.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(served.wait(), max(0.01, deadline - time.monotonic()))
        unserved = sum(r.issued - r.finished for r in runs)
        if unserved:
            error(f"{unserved} tickets not served within the drain bound of {plan.drain_s:g} s")
        stop.set()
        await asyncio.gather(*clerks, memory)

        # The office's last event, then every display must have it.
        lasts = {}
        for run, http in zip(runs, clients, strict=True):
            response = await http.get(
                f"/api/offices/{run.office.name}/queue", headers=bearer(run.office.tokens[Role.KIOSK])
            )
            response.raise_for_status()
            lasts[run.office.name] = int(response.json()["seq"])
        settle_by = time.monotonic() + plan.settle_s
        reached = await asyncio.gather(
            *(d.until(lasts[d.office], max(0.1, settle_by - time.monotonic())) for d in displays if d.snapshot_seq >= 0)
        )
        result.late_displays = reached.count(False)
        if server_pid is not None:
            result.rss_end = rss_bytes(server_pid)
            result.rss_peak = max(rss["peak"], result.rss_end)
    finally:
        stop.set()
        await asyncio.gather(*(d.close() for d in displays))
        await asyncio.gather(*(c.aclose() for c in clients))
    result.seconds = time.monotonic() - began

    sent = {ticket: at for run in runs for ticket, at in run.sent.items()}
    for display in displays:
        if display.snapshot_seq < 0 or display.failure:
            result.display_failures += 1
            if display.failure:
                error(f"display of {display.office}: {display.failure}")
            continue
        last = lasts[display.office]
        missing, duplicated, disordered = display.gaps(last)
        result.missing += missing
        result.duplicated += duplicated
        result.out_of_order += int(disordered)
        result.resumes += display.resumes
        result.events_expected += last - display.snapshot_seq
        result.events_received += len(display.frames)
        for _seq, kind, ticket, received in display.events:
            if kind == "ticket.issued" and ticket in sent:
                result.delivery.append(received - sent[ticket])
    if result.missing or result.duplicated or result.out_of_order:
        error(
            f"displays: {result.missing} events missing, {result.duplicated} twice, {result.out_of_order} out of order"
        )
    result.issued = sum(r.issued for r in runs)
    result.served = sum(r.finished for r in runs)
    return result


# ---------------------------------------------------------------------------------------------- configurations


@dataclass(frozen=True)
class Config:
    database: str  # "SQLite" or "PostgreSQL"
    workers: int


CONFIGS = (Config("SQLite", 1), Config("PostgreSQL", 2), Config("PostgreSQL", 4))


def run_config(config: Config, plan: Plan, log: Path) -> Result:
    database = sqlite_database if config.database == "SQLite" else postgres_database
    with database() as url:
        offices = seed_region(url, plan)
        server = start_server(url, workers=config.workers, log=log)
        try:
            return asyncio.run(run_region(server.url, offices, plan, server.process.pid))
        finally:
            server.stop()


def ms(values: list[float], q: float) -> str:
    return "–" if not values else f"{percentile(values, q) * 1000:.0f}"


def table(results: list[tuple[Config, Result]], plan: Plan) -> str:
    lines = [
        "| database, workers | issue p50 / p99 ms (n) | call-next p50 / p99 ms (n) | event delivery p50 / p99 ms (n) "
        "| served / issued | errors | every display every event once, in order | resumes | server RSS start → peak |",
        "|" + "---|" * 9,
    ]
    for config, r in results:
        delivered = (
            f"yes ({r.displays} displays, {r.events_received} events)"
            if r.every_display_got_every_event
            else f"NO: {r.missing} missing, {r.duplicated} twice, {r.out_of_order} out of order, "
            f"{r.display_failures} failed"
        )
        lines.append(
            f"| {config.database}, {config.workers} | {ms(r.issue, 50)} / {ms(r.issue, 99)} ({len(r.issue)}) "
            f"| {ms(r.call, 50)} / {ms(r.call, 99)} ({len(r.call)}) "
            f"| {ms(r.delivery, 50)} / {ms(r.delivery, 99)} ({len(r.delivery)}) "
            f"| {r.served} / {r.issued} | {r.error_count} | {delivered} | {r.resumes} "
            f"| {r.rss_start / 2**20:.0f} → {r.rss_peak / 2**20:.0f} MiB |"
        )
    return "\n".join(lines)


def describe(plan: Plan) -> str:
    low, high = (s / plan.speed for s in plan.service_s)
    return (
        f"{plan.offices} offices × {plan.counters} counters ({plan.clerks} clerks) and {plan.displays} displays "
        f"({plan.offices * plan.displays} websockets); {plan.arrivals_per_s:g} ticket/s per office for "
        f"{plan.duration_s:g} s; service {plan.service_s[0]:g}–{plan.service_s[1]:g} s ÷ {plan.speed:g} = "
        f"{low:g}–{high:g} s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds of arrivals per configuration")
    parser.add_argument("--speed", type=float, default=4.0, help="divides the simulated 20-60 s service time")
    parser.add_argument("--quick", action="store_true", help="5 offices for 10 s: a smoke run")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    args = parser.parse_args()

    plan = Plan(duration_s=args.duration, speed=args.speed)
    if args.quick:
        plan = Plan(offices=5, duration_s=min(args.duration, 10.0), speed=args.speed, drain_s=20)
    configs = [c for c in CONFIGS if args.only is None or c.database.lower().startswith(args.only)]
    if any(c.database == "PostgreSQL" for c in configs) and (why := postgres_reachable()) is not None:
        say(f"PostgreSQL skipped: {POSTGRES_URL} is not reachable ({why}).")
        configs = [c for c in configs if c.database != "PostgreSQL"]
    log_dir = Path(tempfile.mkdtemp(prefix="loket-load-logs-"))
    results = []
    for config in configs:
        say(f"[{config.database}, {config.workers} worker(s)] {describe(plan)}")
        result = run_config(config, plan, log_dir / f"{config.database.lower()}-{config.workers}.log")
        kinds = Counter(re.sub(r"\d+", "N", line)[:160] for line in result.errors)
        for kind, count in kinds.most_common(8):
            say(f"  error ×{count}: {kind}")
        results.append((config, result))
    print()
    print(table(results, plan))
    print()
    print(f"- {describe(plan)}.")
    for key, value in machine().items():
        print(f"- {key}: {value}")
    print(f"- server logs in {log_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
