"""Benchmark of a real `loket serve`: issue and call-next latency, and live-event delivery to many websockets.

Not a test: it prints a table (and with `--write FILE` a markdown report) of measured numbers next to the
targets, and says PASS or MISS. Everything runs on this machine over loopback:

  * the server is `loket serve` (one worker) in a subprocess, on SQLite (a temporary file) and on PostgreSQL
    (a fresh schema, created and dropped here; skipped with a note when the database is unreachable);
  * this process is the load generator (httpx.AsyncClient with a connection pool);
  * the websocket clients run in one asyncio process of their own (spawned), so that parsing 50 000
    websocket frames does not delay the load generator's clock.

Run from the repository root:  .venv/bin/python bench/server.py [--quick] [--only sqlite|postgres] [--write FILE]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import multiprocessing
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where this file would shadow the real `server` module.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402
import psycopg  # noqa: E402

from scheduler.model import Role  # noqa: E402
from scheduler.percentile import nearest_rank  # noqa: E402
from tests.support import Server, seed, start_server  # noqa: E402

POSTGRES_URL = os.environ.get("LOKET_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
OFFICE = "town"
SERVICES = ("A", "B", "C")
ISSUE_TARGET_P99_MS = 20.0  # at 50 tickets/s
EVENT_TARGET_P99_MS = 50.0  # to 500 clients
REQUEST_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class Plan:
    issue_rate: float  # tickets per second, open loop
    issue_seconds: float
    call_max_per_counter: int
    call_seconds: float  # bound on the call-next phase
    ws_clients: tuple[int, ...]
    ws_tickets: int  # tickets issued while the websocket clients listen
    ws_rate: float  # their pace, tickets per second
    ws_connect_seconds: float  # bound on connecting all clients
    ws_settle_seconds: float  # bound on waiting for the last events after the last ticket

    @staticmethod
    def full() -> Plan:
        return Plan(50, 20, 400, 30, (1, 100, 500), 100, 20, 60, 15)

    @staticmethod
    def quick() -> Plan:
        return Plan(50, 3, 40, 10, (1, 100, 500), 20, 20, 30, 10)


# ---------------------------------------------------------------------------------------------- statistics


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (no interpolation: p99 of 1000 samples is the 990th smallest); NaN for no
    samples, so that a table cell still formats."""
    value = nearest_rank(values, q)
    return float("nan") if value is None else value


@dataclass
class Row:
    database: str
    what: str
    load: str
    samples: int
    p50_ms: float
    p99_ms: float
    max_ms: float
    errors: int = 0
    note: str = ""
    target_ms: float | None = None
    delivered: str = ""  # websocket rows: events each client got

    @property
    def verdict(self) -> str:
        if self.target_ms is None:
            return ""
        ok = self.samples > 0 and self.errors == 0 and self.p99_ms < self.target_ms
        return "PASS" if ok else "MISS"

    @property
    def target(self) -> str:
        return f"p99 < {self.target_ms:g} ms" if self.target_ms is not None else ""


def row_of(database: str, what: str, load: str, seconds: list[float], **kwargs: Any) -> Row:
    ms = [s * 1000 for s in seconds]
    return Row(
        database,
        what,
        load,
        len(ms),
        percentile(ms, 50),
        percentile(ms, 99),
        max(ms) if ms else float("nan"),
        **kwargs,
    )


# ---------------------------------------------------------------------------------------------- CPU accounting


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime (fields 14 and 15 of stat)


def system_busy_seconds() -> float:
    """CPU seconds all cores of the machine spent busy so far (Linux /proc/stat; idle and iowait excluded)."""
    try:
        first = Path("/proc/stat").read_text().splitlines()[0].split()
    except OSError:
        return float("nan")
    values = [int(v) for v in first[1:9]]  # user nice system idle iowait irq softirq steal
    return (sum(values) - values[3] - values[4]) / os.sysconf("SC_CLK_TCK")


def postgres_seconds() -> dict[int, float]:
    """CPU seconds used so far by each PostgreSQL process of the machine (the server's backends among them)."""
    used: dict[int, float] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            text = stat.read_text()
            if text[text.index("(") + 1 : text.rindex(")")] == "postgres":
                used[int(stat.parent.name)] = cpu_seconds(int(stat.parent.name))
    return used


@contextlib.contextmanager
def cpu_meter(pids: dict[str, int], into: dict[str, float]) -> Iterator[None]:
    """Fills `into` with each process's share of one core during the block (1.0 = a whole core), with
    "postgres" (all its processes), "other" (everything else on the machine: noise) and "machine" (all of it;
    2.0 = both cores of a 2-core machine)."""
    start_wall = time.monotonic()
    start = {name: cpu_seconds(pid) for name, pid in pids.items()}
    start_postgres = postgres_seconds()
    start_machine = system_busy_seconds()
    try:
        yield
    finally:
        wall = max(time.monotonic() - start_wall, 1e-9)
        for name, pid in pids.items():
            into[name] = (cpu_seconds(pid) - start[name]) / wall
        end_postgres = postgres_seconds()
        postgres = sum(used - start_postgres.get(pid, 0.0) for pid, used in end_postgres.items())
        if postgres > 0.005 * wall:
            into["postgres"] = postgres / wall
        into["machine"] = (system_busy_seconds() - start_machine) / wall
        into["other"] = max(0.0, into["machine"] - sum(v for k, v in into.items() if k != "machine"))


def background_load(seconds: float = 2.0) -> float:
    """Cores kept busy by other work while this benchmark idles (should be near 0 for trustworthy numbers)."""
    start = system_busy_seconds()
    time.sleep(seconds)
    return (system_busy_seconds() - start) / seconds


def cpu_note(usage: dict[str, float]) -> str:
    return (
        "CPU "
        + ", ".join(f"{name} {share:.0%}" for name, share in usage.items() if name != "machine")
        + (f" (whole machine {usage['machine']:.0%} of {os.cpu_count() or 1}00%)" if "machine" in usage else "")
    )


# ---------------------------------------------------------------------------------------------- HTTP load


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def open_loop(
    rate: float, count: int, request: Callable[[int, float], Coroutine[Any, Any, None]], deadline_s: float
) -> None:
    """Start request i at start + i/rate, whatever the earlier ones are doing (no coordinated omission).

    `request(i, scheduled)` measures from `scheduled`, so time lost waiting for a pooled connection, or by
    this loop starting late, counts against the server.
    """
    start = time.monotonic() + 0.05
    tasks: list[asyncio.Task[None]] = []
    for i in range(count):
        scheduled = start + i / rate
        delay = scheduled - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(request(i, scheduled)))
    remaining = max(0.1, start + deadline_s - time.monotonic())
    _done, pending = await asyncio.wait(tasks, timeout=remaining)
    for task in pending:
        task.cancel()


@dataclass
class IssueResult:
    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    sent: dict[int, float] = field(default_factory=dict)  # ticket id -> scheduled time (monotonic)
    error_samples: list[str] = field(default_factory=list)


async def issue_tickets(http: httpx.AsyncClient, token: str, rate: float, count: int) -> IssueResult:
    def headers() -> dict[str, str]:
        return {**bearer(token), "Idempotency-Key": uuid.uuid4().hex}

    return await post_open_loop(http, f"/api/offices/{OFFICE}/tickets", headers, rate, count, SERVICES)


async def post_open_loop(
    http: httpx.AsyncClient,
    path: str,
    headers: Callable[[], dict[str, str]],
    rate: float,
    count: int,
    services: Sequence[str],
) -> IssueResult:
    """POST a ticket request (the services in turn) to `path` at `rate`, open loop, latency from the scheduled
    start (bench/followers.py loads its floor app the same way). A request still unanswered at the loop's bound
    counts as an error, with the time it had waited then (a lower bound), so that the percentiles do not leave
    out the slowest."""
    result = IssueResult()

    async def one(i: int, scheduled: float) -> None:
        body = {"service": services[i % len(services)], "language": ("nl", "fr", "en")[i % 3]}
        try:
            response = await http.post(path, json=body, headers=headers())
        except asyncio.CancelledError:
            result.errors += 1
            result.latencies.append(time.monotonic() - scheduled)
            result.error_samples.append("unanswered at the bound")
            raise
        except httpx.HTTPError as exc:
            result.errors += 1
            result.latencies.append(time.monotonic() - scheduled)
            result.error_samples.append(repr(exc))
            return
        result.latencies.append(time.monotonic() - scheduled)
        if response.status_code != 201:
            result.errors += 1
            result.error_samples.append(f"{response.status_code} {response.text[:200]}")
            return
        result.sent[int(response.json()["id"])] = scheduled

    await open_loop(rate, count, one, deadline_s=count / rate + REQUEST_TIMEOUT_S + 5)
    return result


@dataclass
class CallResult:
    call: list[float] = field(default_factory=list)
    finish: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    emptied: int = 0  # counters that found nobody left to call
    seconds: float = 0.0


async def call_next_loop(
    http: httpx.AsyncClient, token: str, counters: list[int], max_per_counter: int, seconds: float
) -> CallResult:
    """Each counter, in its own loop: call the next ticket, finish it, again; until 204, the count or the time."""
    result = CallResult()
    headers = bearer(token)
    deadline = time.monotonic() + seconds

    async def counter_loop(counter: int) -> None:
        for _ in range(max_per_counter):
            if time.monotonic() > deadline:
                return
            started = time.monotonic()
            response = await http.post(f"/api/counters/{counter}/call-next", headers=headers)
            result.call.append(time.monotonic() - started)
            if response.status_code == 204:
                result.emptied += 1
                return
            if response.status_code != 200:
                result.errors += 1
                result.error_samples.append(f"call-next {response.status_code} {response.text[:200]}")
                return
            ticket = response.json()["id"]
            started = time.monotonic()
            response = await http.post(f"/api/tickets/{ticket}/finish", json={"counter": counter}, headers=headers)
            result.finish.append(time.monotonic() - started)
            if response.status_code != 200:
                result.errors += 1
                result.error_samples.append(f"finish {response.status_code} {response.text[:200]}")
                return

    began = time.monotonic()
    await asyncio.wait_for(
        asyncio.gather(*(counter_loop(c) for c in counters)), timeout=seconds + REQUEST_TIMEOUT_S + 5
    )
    result.seconds = time.monotonic() - began
    return result


async def waiting_count(http: httpx.AsyncClient, token: str) -> tuple[int, int]:
    """(tickets waiting, current seq) from the queue snapshot."""
    response = await http.get(f"/api/offices/{OFFICE}/queue", headers=bearer(token))
    response.raise_for_status()
    snapshot = response.json()
    total = len(snapshot["waiting"])
    return total, int(snapshot["seq"])


async def drain(http: httpx.AsyncClient, token: str, counters: list[int], seconds: float = 60) -> None:
    """Serve everybody still waiting (not measured), so the next phase starts from an empty room."""
    await call_next_loop(http, token, counters, 100_000, seconds)


# ---------------------------------------------------------------------------------------------- websocket clients


def ws_clients_process(url: str, count: int, connect_seconds: float, settle_seconds: float, pipe: Connection) -> None:
    """The websocket side, in a process of its own. Protocol on `pipe`:

    -> ("ready", connected, failures, first_error)   once every client has its snapshot (or the bound passed)
    <- target seq                                     after the load generator issued its last ticket
    -> {"clients": [(snapshot seq, [(receive time, text)], how it closed)], "offset": wall - monotonic}
                                                      when every client reached the target (or the bound passed)
    """
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()
    asyncio.run(_ws_clients(url, count, connect_seconds, settle_seconds, pipe))


@dataclass
class _Client:
    index: int
    snapshot_seq: int = -1
    last_seq: int = -1
    received: list[tuple[float, str]] = field(default_factory=list)  # (monotonic receive time, raw text)
    closed: str = ""
    reached: asyncio.Event = field(default_factory=asyncio.Event)  # got every event up to the target


async def _ws_clients(url: str, count: int, connect_seconds: float, settle_seconds: float, pipe: Connection) -> None:
    from websockets.asyncio.client import ClientConnection, connect

    loop = asyncio.get_running_loop()
    clients = [_Client(i) for i in range(count)]
    sockets: list[ClientConnection] = []
    gate = asyncio.Semaphore(50)  # connect 50 at a time, like displays coming back after a restart
    failures: list[str] = []
    target = sys.maxsize  # the last seq to wait for, once the load generator tells

    async def follow(client: _Client, ws: ClientConnection) -> None:
        # Keep the receive path short: stamp and store; parse after the run.
        try:
            async for raw in ws:
                now = time.monotonic()
                text = raw if isinstance(raw, str) else raw.decode()
                if text.startswith('{"seq":'):
                    client.received.append((now, text))
                    client.last_seq = int(text[7 : text.index(",")])
                    if client.last_seq >= target:
                        client.reached.set()
                elif text.startswith('{"type":"ping"'):
                    await ws.send('{"type":"pong"}')
                else:
                    client.received.append((now, text))
        except Exception as exc:
            client.closed = repr(exc)
        else:
            client.closed = f"closed {ws.close_code} {ws.close_reason}"

    async def open_one(client: _Client) -> asyncio.Task[None] | None:
        async with gate:
            try:
                ws = await connect(url, open_timeout=REQUEST_TIMEOUT_S, max_size=None, ping_interval=None)
                first = await asyncio.wait_for(ws.recv(), timeout=REQUEST_TIMEOUT_S)
            except Exception as exc:
                failures.append(repr(exc))
                return None
        message = json.loads(first)
        if message.get("type") != "snapshot":
            failures.append(f"first message was {str(first)[:200]}")
            await ws.close()
            return None
        client.snapshot_seq = client.last_seq = int(message["seq"])
        sockets.append(ws)
        return asyncio.create_task(follow(client, ws))

    opening = [asyncio.create_task(open_one(c)) for c in clients]
    done, pending = await asyncio.wait(opening, timeout=connect_seconds)
    for task in pending:
        task.cancel()
    followers: list[asyncio.Task[None]] = []
    for opened in done:
        if not opened.cancelled() and opened.exception() is None and (follower := opened.result()) is not None:
            followers.append(follower)
    connected = [c for c in clients if c.snapshot_seq >= 0]
    pipe.send(("ready", len(connected), count - len(connected), failures[0] if failures else ""))

    target = await loop.run_in_executor(None, pipe.recv)
    for client in connected:
        if client.last_seq >= target:
            client.reached.set()
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(asyncio.gather(*(c.reached.wait() for c in connected)), timeout=settle_seconds)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for follower in followers:
        follower.cancel()
    await asyncio.gather(*followers, return_exceptions=True)
    offset = time.time() - time.monotonic()  # to compare with the server's wall-clock `at`
    pipe.send(
        {
            "clients": [(c.snapshot_seq, c.received, c.closed) for c in connected],
            "offset": offset,
        }
    )


@dataclass
class WsResult:
    clients: int
    connected: int
    connect_failures: int
    first_failure: str
    tickets: int
    issue: IssueResult
    from_request: list[float]  # receive time - scheduled send time of the request that caused the event
    from_stamp: list[float]  # receive wall time - the event's server `at`
    per_client_min: int
    per_client_max: int
    expected: int
    complete_clients: int
    duplicates: int
    missing: int
    closed_early: list[str]
    cpu: dict[str, float]
    connect_seconds: float


async def websocket_phase(
    server: Server, tokens: dict[Role, str], http: httpx.AsyncClient, plan: Plan, count: int
) -> WsResult:
    url = f"{server.ws}/ws/offices/{OFFICE}?token={tokens[Role.DISPLAY]}"
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(
        target=ws_clients_process, args=(url, count, plan.ws_connect_seconds, plan.ws_settle_seconds, child)
    )
    loop = asyncio.get_running_loop()
    began = time.monotonic()
    process.start()
    try:
        if not await loop.run_in_executor(None, parent.poll, plan.ws_connect_seconds + 30):
            raise RuntimeError("the websocket client process did not report back")
        _, connected, failures, first_failure = parent.recv()
        connect_seconds = time.monotonic() - began
        await asyncio.sleep(0.5)  # let the server settle after the connection storm
        cpu: dict[str, float] = {}
        pids = {"server": server.process.pid, "ws clients": process.pid or 0, "load generator": os.getpid()}
        with cpu_meter(pids, cpu):
            issued = await issue_tickets(http, tokens[Role.KIOSK], plan.ws_rate, plan.ws_tickets)
            _, target = await waiting_count(http, tokens[Role.MANAGER])
            parent.send(target)
            if not await loop.run_in_executor(None, parent.poll, plan.ws_settle_seconds + 30):
                raise RuntimeError("the websocket client process did not send its results")
            report = parent.recv()
    finally:
        await loop.run_in_executor(None, process.join, 10)
        if process.is_alive():
            process.kill()

    from_request: list[float] = []
    from_stamp: list[float] = []
    counts: list[int] = []
    duplicates = missing = complete = 0
    closed_early: list[str] = []
    expected_total = 0
    for snapshot_seq, received, closed in report["clients"]:
        seen: set[int] = set()
        for received_at, text in received:
            event = json.loads(text)
            seq = event.get("seq")
            if seq is None:
                continue
            if seq in seen:
                duplicates += 1
                continue
            seen.add(seq)
            ticket = event.get("ticket") or {}
            sent = issued.sent.get(int(ticket.get("id", -1))) if event.get("type") == "ticket.issued" else None
            if sent is not None:
                from_request.append(received_at - sent)
            stamp = datetime.fromisoformat(event["at"]).timestamp()
            from_stamp.append(received_at + report["offset"] - stamp)
        wanted = set(range(snapshot_seq + 1, target + 1))
        expected_total = len(wanted)
        missing += len(wanted - seen)
        counts.append(len(seen & wanted))
        if seen >= wanted:
            complete += 1
        if closed and not closed.startswith("closed 1000") and not closed.startswith("ConnectionClosedOK"):
            closed_early.append(closed)
    return WsResult(
        clients=count,
        connected=connected,
        connect_failures=failures,
        first_failure=first_failure,
        tickets=len(issued.sent),
        issue=issued,
        from_request=from_request,
        from_stamp=from_stamp,
        per_client_min=min(counts) if counts else 0,
        per_client_max=max(counts) if counts else 0,
        expected=expected_total,
        complete_clients=complete,
        duplicates=duplicates,
        missing=missing,
        closed_early=closed_early,
        cpu=cpu,
        connect_seconds=connect_seconds,
    )


# ---------------------------------------------------------------------------------------------- one database


@contextlib.contextmanager
def sqlite_database() -> Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="loket-bench-") as directory:
        yield f"sqlite:///{directory}/bench.db"


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    schema = f"bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        sep = "&" if "?" in POSTGRES_URL else "?"
        yield f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def postgres_reachable() -> str | None:
    """None when PostgreSQL answers, else why not."""
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None


def wait_until_quiet(threshold: float = 0.3, patience_s: float = 60) -> float:
    """Wait (at most `patience_s`) until other work leaves the cores nearly idle; returns what it measured last."""
    deadline = time.monotonic() + patience_s
    busy = background_load()
    while busy > threshold and time.monotonic() < deadline:
        say(f"the machine is busy with other work ({busy:.2f} cores); waiting for it to calm down")
        busy = background_load()
    return busy


def say(message: str) -> None:
    print(message, flush=True)


async def bench_database(name: str, url: str, plan: Plan, log: Path) -> list[Row]:
    seeded = seed(url)
    seeded.db.engine.dispose()
    tokens = seeded.tokens
    counters = [seeded.counters[n] for n in ("1", "2", "3")]
    server = start_server(url, log=log)
    rows: list[Row] = []
    try:
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
        async with httpx.AsyncClient(base_url=server.url, limits=limits, timeout=REQUEST_TIMEOUT_S) as http:
            for counter in counters:
                (
                    await http.post(f"/api/counters/{counter}/open", headers=bearer(tokens[Role.CLERK]))
                ).raise_for_status()
            # Warm up: imports, the thread pool, the connection pools of client and server.
            await issue_tickets(http, tokens[Role.KIOSK], 50, 30)
            await drain(http, tokens[Role.CLERK], counters)

            count = int(plan.issue_rate * plan.issue_seconds)
            say(f"[{name}] issue: {count} tickets at {plan.issue_rate:g}/s, open loop")
            cpu: dict[str, float] = {}
            with cpu_meter({"server": server.process.pid, "load generator": os.getpid()}, cpu):
                issued = await issue_tickets(http, tokens[Role.KIOSK], plan.issue_rate, count)
            quarter = max(1, len(issued.latencies) // 4)
            first, last = issued.latencies[:quarter], issued.latencies[-quarter:]
            note = (
                f"queue grows 0 → {len(issued.sent)} waiting; p99 first quarter {percentile(first, 99) * 1000:.1f} ms, "
                f"last quarter {percentile(last, 99) * 1000:.1f} ms; {cpu_note(cpu)}"
            )
            if issued.error_samples:
                note += f"; first error: {issued.error_samples[0]}"
            rows.append(
                row_of(
                    name,
                    "issue ticket",
                    f"{plan.issue_rate:g}/s × {plan.issue_seconds:g} s",
                    issued.latencies,
                    errors=issued.errors,
                    note=note,
                    target_ms=ISSUE_TARGET_P99_MS,
                )
            )

            waiting, _ = await waiting_count(http, tokens[Role.MANAGER])
            say(f"[{name}] call-next: 3 counters over {waiting} waiting tickets")
            cpu = {}
            with cpu_meter({"server": server.process.pid}, cpu):
                called = await call_next_loop(
                    http, tokens[Role.CLERK], counters, plan.call_max_per_counter, plan.call_seconds
                )
            rate = len(called.call) / called.seconds if called.seconds else 0.0
            stop = (
                "every counter ran out of tickets (the 204 answers are among the samples)"
                if called.emptied == len(counters)
                else f"stopped by the bound ({plan.call_max_per_counter} calls per counter or {plan.call_seconds:g} s)"
            )
            note = f"closed loop, {rate:.0f} calls/s (call + finish), {stop}; {cpu_note(cpu)}"
            if called.error_samples:
                note += f"; first error: {called.error_samples[0]}"
            rows.append(
                row_of(
                    name,
                    "call-next",
                    f"3 counters, {waiting} waiting",
                    called.call,
                    errors=called.errors,
                    note=note,
                )
            )
            rows.append(row_of(name, "finish (after call-next)", "3 counters", called.finish, errors=called.errors))
            await drain(http, tokens[Role.CLERK], counters)

            for clients in plan.ws_clients:
                say(f"[{name}] events: {clients} websocket client(s), {plan.ws_tickets} tickets at {plan.ws_rate:g}/s")
                result = await websocket_phase(server, tokens, http, plan, clients)
                errors = result.connect_failures + result.missing + result.duplicates + result.issue.errors
                if result.per_client_min == result.per_client_max:
                    delivered = f"{result.per_client_min} of {result.expected}"
                else:
                    delivered = f"{result.per_client_min}–{result.per_client_max} of {result.expected}"
                delivered += f", {result.duplicates} twice"
                note = (
                    f"{result.connected}/{clients} connected and had their snapshot {result.connect_seconds:.1f} s "
                    "after the client process started; "
                    f"events per client {result.per_client_min}–{result.per_client_max} of {result.expected}, "
                    f"{result.complete_clients} complete, {result.duplicates} twice, {result.missing} missing; "
                    f"p99 from server `at` {percentile(result.from_stamp, 99) * 1000:.1f} ms; "
                    f"issue p99 meanwhile {percentile(result.issue.latencies, 99) * 1000:.1f} ms; "
                    f"{cpu_note(result.cpu)}"
                )
                if result.first_failure:
                    note += f"; first connect failure: {result.first_failure}"
                if result.closed_early:
                    note += f"; {len(result.closed_early)} closed early, e.g. {result.closed_early[0]}"
                rows.append(
                    row_of(
                        name,
                        f"event delivery, {clients} client{'s' if clients > 1 else ''}",
                        f"{result.tickets} tickets at {plan.ws_rate:g}/s",
                        result.from_request,
                        errors=errors,
                        note=note,
                        target_ms=EVENT_TARGET_P99_MS if clients >= 500 else None,
                        delivered=delivered,
                    )
                )
                await drain(http, tokens[Role.CLERK], counters)
    finally:
        server.stop()
    return rows


# ---------------------------------------------------------------------------------------------- output


def machine() -> dict[str, str]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    memory = "unknown"
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                memory = f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
                break
    return {
        "code": code_version(),
        "cores (nproc)": str(os.cpu_count()),
        "CPU": model,
        "memory": memory,
        "OS": f"{platform.system()} {platform.release()}",
        "Python": platform.python_version(),
    }


def code_version() -> str:
    """The commit measured, and whether the working tree differed from it."""
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, timeout=10, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            # Changes to the benchmark and its report do not change what is measured.
            ["git", "status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench", ":!docs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown (no git)"
    return f"commit {head}" + (" with uncommitted changes to the server" if dirty else "")


def fmt(value: float) -> str:
    return "–" if value != value else f"{value:.1f}"  # NaN -> dash


def table(rows: list[Row]) -> str:
    head = (
        "| database | measurement | load | n | p50 ms | p99 ms | max ms | errors | events per client | target "
        "| verdict |"
    )
    lines = [head, "|" + "---|" * 11]
    for r in rows:
        lines.append(
            f"| {r.database} | {r.what} | {r.load} | {r.samples} | {fmt(r.p50_ms)} | {fmt(r.p99_ms)} | "
            f"{fmt(r.max_ms)} | {r.errors} | {r.delivered} | {r.target} | {r.verdict} |"
        )
    return "\n".join(lines)


def notes(rows: list[Row]) -> str:
    return "\n".join(f"- **{r.database}, {r.what}**: {r.note}" for r in rows if r.note)


def report(rows: list[Row], skipped: list[str], plan: Plan, quick: bool, seconds: float, info: dict[str, str]) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        "# Benchmarks",
        "",
        f"Generated by `bench/server.py{' --quick' if quick else ''}` on {date} in {seconds:.0f} s "
        "(`make bench` or `.venv/bin/python bench/server.py --write docs/benchmarks.md` to run it again).",
        "",
        "## Machine",
        "",
        *(f"- {k}: {v}" for k, v in info.items()),
        "- Everything on this one machine: the server, the load generator and the websocket clients share "
        "its cores, over loopback. Numbers from a bigger or quieter machine will differ.",
        "",
        "## Results",
        "",
        table(rows),
        "",
        *(f"- {s}" for s in skipped),
        '- CPU shares below are of one core per process; "postgres" is all PostgreSQL processes, "other" is '
        'everything else that ran on the machine meanwhile (not ours: noise), "whole machine" is all of it out of '
        "100 % per core. Other work above 20 % of a core is flagged. Runs on a shared machine vary: compare "
        "several before drawing conclusions from one number.",
        "",
        "Details per row (CPU is each process's share of one core during the measurement):",
        "",
        notes(rows),
        "",
        "## What was measured, and how",
        "",
        "- **Server**: `loket serve` with one worker (uvicorn, uvloop, httptools, `websockets` sans-I/O protocol), "
        "started as a subprocess on 127.0.0.1, migrated and seeded with the test office `town` (services A, B, C; "
        "counters 1 (A, B), 2 (A, C), 3 (C), all opened). SQLite is a file in a temporary directory (WAL, "
        "`synchronous=NORMAL`); PostgreSQL is a fresh schema in the local server (reached through "
        "`?options=-csearch_path=...`), dropped afterwards; with PostgreSQL the events travel over LISTEN/NOTIFY "
        "as in production. A warm-up of 30 tickets precedes the measurements.",
        f"- **Issue ticket**: `POST /api/offices/town/tickets` with a kiosk token and a fresh `Idempotency-Key`, "
        f"services A, B, C in turn, **open loop** at {plan.issue_rate:g} tickets/s for {plan.issue_seconds:g} s: "
        "request *i* is started at *t0 + i/rate* whatever the earlier ones are doing, and its latency is measured "
        "from that scheduled time to the end of the response, so a server that stalls cannot hide the "
        "requests it delayed (no coordinated omission). httpx.AsyncClient with a pool of up to 100 connections; "
        "waiting for a pooled connection counts as latency. Nobody is called meanwhile, so the queue grows "
        "from 0 to the number of tickets issued.",
        f"- **Call-next**: 3 counters, each in its own closed loop (`POST /api/counters/{{id}}/call-next`, then "
        f"`POST /api/tickets/{{id}}/finish`) with a clerk token, over the queue the issue run left behind, until "
        f"nobody is left for the counter, {plan.call_max_per_counter} calls per counter or {plan.call_seconds:g} s. "
        "Latency is per request; finish is listed on its own row.",
        f"- **Event delivery**: 1, 100 and 500 websocket clients (`/ws/offices/town?token=` with a display token, "
        "offering permessage-deflate as a browser does; the server decides whether to use it) run in one "
        "asyncio process of their own (uvloop), "
        "connected 50 at a time; every client must have its snapshot before the load starts. Then "
        f"{plan.ws_tickets} tickets are issued open loop at {plan.ws_rate:g}/s. The latency of an event at a "
        "client is **its receive time minus the scheduled send time of the request that caused it** (matched "
        "by ticket id; both processes read the same CLOCK_MONOTONIC), so it covers the whole path: HTTP "
        "request, authentication, transaction, commit, bus, fan-out and delivery. p50/p99/max are over all "
        "(client, event) pairs. The note also gives p99 measured from the event's server timestamp `at` "
        "(taken in the handler after authentication, before the transaction). The clients stamp a frame when "
        "their reader gets it and parse it after the run, to keep their own cost out of the numbers as far "
        "as possible; with 500 clients on the same 2 cores some client-side queueing remains in the figure. "
        "Every client must get every event after its snapshot exactly once: missing, duplicated events and "
        "failed connections count as errors (and an error means MISS).",
        "- Percentiles are nearest-rank over all samples (p99 of 1000 samples is the 990th smallest). "
        "Between phases the queue is served empty (not measured).",
        "",
        "## Targets",
        "",
        f"- Issue a ticket: p99 < {ISSUE_TARGET_P99_MS:g} ms at {plan.issue_rate:g} tickets/s.",
        f"- Event delivery: p99 < {EVENT_TARGET_P99_MS:g} ms to 500 clients.",
        "",
    ]
    return "\n".join(out)


MARKERS = ("<!-- policies:start -->", "<!-- policies:end -->")


def keep_other_sections(path: Path, text: str) -> str:
    """Keep everything other benchmarks and tests wrote into the same file: the policy comparison of
    bench/policies.py (between its markers) and every section after it (hardening, hostile input...)."""
    if not path.exists():
        return text
    old = path.read_text()
    start = old.find(MARKERS[0])
    if start < 0:
        return text
    return text.rstrip("\n") + "\n\n" + old[start:].rstrip("\n") + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="short runs, for a smoke check")
    parser.add_argument("--only", choices=["sqlite", "postgres"], help="one database only")
    parser.add_argument("--write", type=Path, metavar="FILE", help="write a markdown report to FILE")
    args = parser.parse_args()

    plan = Plan.quick() if args.quick else Plan.full()
    info = machine()  # before the run: the code measured is the code at the start
    began = time.monotonic()
    rows: list[Row] = []
    skipped: list[str] = []
    log_dir = Path(tempfile.mkdtemp(prefix="loket-bench-logs-"))
    backends: list[tuple[str, Callable[[], contextlib.AbstractContextManager[str]]]] = []
    if args.only in (None, "sqlite"):
        backends.append(("SQLite", sqlite_database))
    if args.only in (None, "postgres"):
        why = postgres_reachable()
        if why is None:
            backends.append(("PostgreSQL", postgres_database))
        else:
            skipped.append(f"PostgreSQL skipped: {POSTGRES_URL} is not reachable ({why}).")
            say(skipped[-1])
    for name, database in backends:
        busy = wait_until_quiet()
        skipped.append(f"Before {name}: other processes kept {busy:.2f} cores busy (measured over 2 s while idle).")
        say(skipped[-1])
        with database() as url:
            rows += asyncio.run(bench_database(name, url, plan, log_dir / f"{name.lower()}.log"))
    seconds = time.monotonic() - began

    print()
    print(table(rows))
    print()
    print(notes(rows))
    for line in skipped:
        print(line)
    print(f"\n{seconds:.0f} s; server logs in {log_dir}")
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(keep_other_sections(args.write, report(rows, skipped, plan, args.quick, seconds, info)))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
