"""Benchmark of live followers at scale: status pages (server-sent events) and displays (websockets) of a real
`loket serve`, each number beside a floor measured in the same run.

Not a test: it prints a markdown table of measured numbers next to the targets, with PASS or MISS (and with
`--write FILE` puts it into FILE between its own markers, keeping everything else in the file). Everything runs
on this machine over loopback:

  * the server is `loket serve` (one worker) in a subprocess on a temporary SQLite file, seeded with the test
    office `town` (tests/support.py) plus one counter per call of the delivery phase (service A only);
  * the floors are a bare FastAPI + SQLite app (one insert per POST, uvicorn, one worker) and a bare `websockets`
    server that broadcasts the same bytes to every client, each in a process of its own;
  * this process is the load generator (httpx.AsyncClient, the same settings as bench/server.py);
  * the status streams (`GET /api/status/{token}/events`, one per ticket) and the websocket clients run in
    processes of their own (spawned), so that parsing their frames does not delay the load generator's clock.

Run from the repository root:  .venv/bin/python bench/followers.py [--quick] [--write FILE]
(LOKET_BENCH_CODE=LABEL names the code measured in the report when git cannot, e.g. in an exported tree.)
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, Python puts bench/ first on the path, where bench/server.py would shadow the real `server`.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import httpx  # noqa: E402

from bench.server import (  # noqa: E402
    REQUEST_TIMEOUT_S,
    WsResult,
    bearer,
    call_next_loop,
    cpu_meter,
    cpu_note,
    cpu_seconds,
    drain,
    machine,
    open_loop,
    percentile,
    post_open_loop,
    say,
    wait_until_quiet,
    websocket_phase,
    ws_clients_process,
)
from bench.server import Plan as ServerPlan  # noqa: E402
from scheduler.model import Role  # noqa: E402
from tests.support import OFFICE as TEST_OFFICE  # noqa: E402
from tests.support import Server, free_port, seed, start_server  # noqa: E402

# ---------------------------------------------------------------------------------------------- what is run

OFFICE = "town"
ISSUE_RATE = 50.0  # tickets per second, open loop (the floor's inserts too)
ISSUE_SECONDS = 10.0  # per measured issue run
STREAM_COUNTS = (0, 100, 1000)  # status streams open while tickets are issued
FOLLOWERS = 1000  # waiting tickets (service A), each followed on a stream of its own
CALLS = 20  # call-next requests while every follower listens, one counter each
CALL_INTERVAL_S = 1.0  # their pace
DISPLAYS = 500  # websocket clients of the delivery rows
FLOOR_WS_CLIENTS = (500, 1000)  # clients of the bare broadcast floor
RSS_WEBSOCKETS = 1000  # websockets held open beside every status stream while the server's memory is read
EVENTS = 100  # tickets (events) sent to the websocket clients
EVENT_RATE = 20.0  # their pace, per second
FRAME_BYTES = 400  # size of one bare broadcast frame, about a loket event's
CONNECT_AT_ONCE = 50  # streams opened at a time
WEBSOCKETS_AT_ONCE = 10  # websockets opened at a time for the memory row (each snapshot holds the whole queue)

# Bounds: past them a phase reports what it got (MISS) instead of waiting for ever.
CONNECT_S = 180.0  # opening every stream or websocket
SETTLE_S = 180.0  # the server's recomputes after a phase, and the last frames of the delivery phase
IDLE_CPU = 0.15  # the server counts as settled below this share of one core (over a second)

# Targets.
ISSUE_P99_MS = 20.0  # at 50/s with 1,000 waiting
ISSUE_MEDIAN_RATIO = 1.5  # median with N streams ÷ median with none
STATUS_P99_MS = 250.0  # call-next to every status page
DISPLAY_P99_MS = 50.0  # event to 500 displays
RSS_MB = 300.0  # with 1,000 websockets and 1,000 status streams open


@dataclass(frozen=True)
class Plan:
    issue_rate: float
    issue_seconds: float
    stream_counts: tuple[int, ...]
    followers: int
    calls: int
    call_interval_s: float
    displays: int
    floor_ws_clients: tuple[int, ...]
    rss_websockets: int
    events: int
    event_rate: float

    @staticmethod
    def full() -> Plan:
        return Plan(
            ISSUE_RATE,
            ISSUE_SECONDS,
            STREAM_COUNTS,
            FOLLOWERS,
            CALLS,
            CALL_INTERVAL_S,
            DISPLAYS,
            FLOOR_WS_CLIENTS,
            RSS_WEBSOCKETS,
            EVENTS,
            EVENT_RATE,
        )

    @staticmethod
    def quick() -> Plan:
        return Plan(ISSUE_RATE, 3, (0, 50, 200), 200, 5, CALL_INTERVAL_S, 100, (100, 200), 200, 20, EVENT_RATE)

    def server_plan(self) -> ServerPlan:
        """bench/server.py's plan for its websocket phase."""
        return ServerPlan(
            self.issue_rate, self.issue_seconds, 0, 0, (self.displays,), self.events, self.event_rate, CONNECT_S, 60
        )


# ---------------------------------------------------------------------------------------------- rows


@dataclass
class Row:
    what: str
    load: str
    samples: int = 0
    median: float = float("nan")  # ms, or MB for memory
    p99: float = float("nan")
    floor: float = float("nan")  # the floor's p99 (ms) or the idle server's memory (MB)
    unit: str = "ms"
    target: str = ""
    ok: bool | None = None
    note: str = ""

    @property
    def ratio(self) -> float:
        value = self.p99 if self.unit == "ms" else self.median
        return value / self.floor if self.floor == self.floor and self.floor > 0 else float("nan")

    @property
    def verdict(self) -> str:
        return "" if self.ok is None else "PASS" if self.ok else "MISS"


def ms(seconds: list[float]) -> tuple[int, float, float]:
    values = [s * 1000 for s in seconds]
    return len(values), percentile(values, 50), percentile(values, 99)


def fmt(value: float, unit: str = "") -> str:
    if value != value:  # NaN
        return "–"
    return f"{value:.1f}{' ' + unit if unit else ''}"


def table(rows: list[Row]) -> str:
    lines = [
        "| what | load | n | median | p99 | floor p99 | ratio | target | verdict | note |",
        "|" + "---|" * 10,
    ]
    for r in rows:
        cells = [
            r.what,
            r.load,
            str(r.samples) if r.samples else "",
            fmt(r.median, r.unit),
            fmt(r.p99, r.unit),
            fmt(r.floor, r.unit),
            "–" if r.ratio != r.ratio else f"{r.ratio:.1f}×",
            r.target,
            r.verdict,
            r.note.replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def failed_row(what: str, load: str, exc: BaseException, target: str = "") -> Row:
    return Row(what, load, target=target, ok=False if target else None, note=f"failed: {exc!r}"[:300])


# ---------------------------------------------------------------------------------------------- processes


def raise_file_limit() -> None:
    """Soft limit on open files up to the hard one: a thousand streams need more than the usual 1024."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def fast_loop() -> None:
    with contextlib.suppress(ImportError):
        import uvloop

        uvloop.install()


def memory_mb(pid: int) -> tuple[float, float]:
    """(VmRSS, VmHWM) of a process in MB (10^6 bytes); NaN when it is gone."""
    found = {"VmRSS": float("nan"), "VmHWM": float("nan")}
    with contextlib.suppress(OSError, ValueError, IndexError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            name = line.split(":", 1)[0]
            if name in found:
                found[name] = int(line.split()[1]) * 1024 / 1e6
    return found["VmRSS"], found["VmHWM"]


def open_files(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


async def received(pipe: Connection, seconds: float, what: str) -> Any:
    """The next message on `pipe`, waiting at most `seconds` without blocking the event loop."""
    loop = asyncio.get_running_loop()
    if not await loop.run_in_executor(None, pipe.poll, seconds):
        raise TimeoutError(f"{what}: no answer in {seconds:g} s")
    return pipe.recv()


async def settled(pid: int, bound_s: float = SETTLE_S) -> float:
    """Wait until the server's CPU falls below IDLE_CPU over a second (its recomputes are done); returns the
    seconds it took (the bound when it did not settle). Measuring CPU takes a window: this one sleeps."""
    began = time.monotonic()
    while time.monotonic() - began < bound_s:
        used = cpu_seconds(pid)
        await asyncio.sleep(1.0)
        if cpu_seconds(pid) - used < IDLE_CPU:
            break
    return time.monotonic() - began


# ---------------------------------------------------------------------------------------------- the floors

FLOOR_APP = r"""
import sqlite3, sys, threading, time

import uvicorn
from fastapi import FastAPI
from pydantic import BaseModel

path, port = sys.argv[1], int(sys.argv[2])
local = threading.local()
with sqlite3.connect(path) as conn:
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute(
        "CREATE TABLE IF NOT EXISTS item (id INTEGER PRIMARY KEY, service TEXT NOT NULL, language TEXT NOT NULL, "
        "at REAL NOT NULL)"
    )


def connection():
    conn = getattr(local, "conn", None)
    if conn is None:
        conn = local.conn = sqlite3.connect(path, timeout=5)
        conn.execute("PRAGMA synchronous=NORMAL")
    return conn


class Item(BaseModel):
    service: str
    language: str


app = FastAPI()


@app.get("/healthz")
def healthz():
    return {"ok": True}


@app.post("/items", status_code=201)
def add(item: Item):
    conn = connection()
    with conn:
        cursor = conn.execute(
            "INSERT INTO item (service, language, at) VALUES (?, ?, ?)", (item.service, item.language, time.time())
        )
    return {"id": cursor.lastrowid}


uvicorn.run(app, host="127.0.0.1", port=port, loop="uvloop", http="httptools", log_level="warning")
"""


@contextlib.contextmanager
def floor_app(directory: Path) -> Iterator[tuple[str, int]]:
    """The bare FastAPI + SQLite app in a subprocess (uvicorn runs in it: no worker process); yields its URL and
    pid."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", FLOOR_APP, str(directory / "floor.db"), str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"the floor app exited with {process.returncode}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            if time.monotonic() > deadline:
                raise RuntimeError("the floor app did not answer in 30 s")
            time.sleep(0.1)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def http_client(url: str) -> httpx.AsyncClient:
    """The load generator's client: bench/server.py's settings."""
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    return httpx.AsyncClient(base_url=url, limits=limits, timeout=REQUEST_TIMEOUT_S)


async def floor_http(directory: Path, plan: Plan) -> Row:
    count = int(plan.issue_rate * plan.issue_seconds)
    load = f"{plan.issue_rate:g}/s × {plan.issue_seconds:g} s"
    with floor_app(directory) as (url, pid):
        async with http_client(url) as http:
            await post_open_loop(http, "/items", dict, 50, 30, ("A",))  # warm-up, as for loket
            cpu: dict[str, float] = {}
            with cpu_meter({"floor app": pid, "load generator": os.getpid()}, cpu):
                result = await post_open_loop(http, "/items", dict, plan.issue_rate, count, ("A",))
    n, median, p99 = ms(result.latencies)
    note = f"one INSERT + COMMIT per POST (WAL, synchronous=NORMAL), sync endpoint in the thread pool; {cpu_note(cpu)}"
    if result.error_samples:
        note += f"; {result.errors} errors, first: {result.error_samples[0]}"
    return Row("1a. floor: bare FastAPI + SQLite insert", load, n, median, p99, p99, note=note)


def floor_ws_process(pipe: Connection) -> None:
    """The bare broadcast server, in a process of its own. Protocol on `pipe`:

    -> port                  once it listens
    <- ("go", count, rate)   send `count` frames to every client at `rate`
    -> last seq              when the last one went out
    <- ("stop",)
    """
    raise_file_limit()
    fast_loop()
    asyncio.run(_floor_ws(pipe))


async def _floor_ws(pipe: Connection) -> None:
    from websockets.asyncio.server import ServerConnection, broadcast, serve

    clients: set[ServerConnection] = set()
    seq = 0

    async def handler(ws: ServerConnection) -> None:
        # The client of bench/server.py expects a snapshot first, then `{"seq":N,...}` frames.
        await ws.send(json.dumps({"type": "snapshot", "seq": seq}))
        clients.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            clients.discard(ws)

    loop = asyncio.get_running_loop()
    async with serve(handler, "127.0.0.1", 0, compression=None, max_size=None, ping_interval=None) as server:
        pipe.send(next(iter(server.sockets)).getsockname()[1])
        while True:
            command = await loop.run_in_executor(None, pipe.recv)
            if command[0] != "go":
                return
            _, count, rate = command
            start = time.monotonic() + 0.05
            for i in range(count):
                scheduled = start + i / rate
                delay = scheduled - time.monotonic()
                if delay > 0:
                    await asyncio.sleep(delay)
                seq += 1
                head = f'{{"seq":{seq},"type":"ticket.issued","sent":{scheduled:.6f},"pad":"'
                broadcast(clients, head + "x" * max(0, FRAME_BYTES - len(head) - 2) + '"}')
            pipe.send(seq)


def start_process(target: Callable[..., None], *args: object) -> tuple[multiprocessing.process.BaseProcess, Connection]:
    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    process = ctx.Process(target=target, args=(*args, child))
    process.start()
    return process, parent


def end_process(process: multiprocessing.process.BaseProcess, seconds: float = 10) -> None:
    process.join(seconds)
    if process.is_alive():
        process.kill()
        process.join(5)


def ws_clients(url: str, count: int, connect_seconds: float, settle_seconds: float, pipe: Connection) -> None:
    """bench/server.py's websocket clients, with the file limit raised."""
    raise_file_limit()
    ws_clients_process(url, count, connect_seconds, settle_seconds, pipe)


async def floor_broadcast(plan: Plan, clients: int) -> Row:
    server, server_pipe = start_process(floor_ws_process)
    try:
        port = await received(server_pipe, 30, "the floor broadcast server")
        process, pipe = start_process(ws_clients, f"ws://127.0.0.1:{port}/", clients, CONNECT_S, 30.0)
        try:
            _, connected, failures, first_failure = await received(pipe, CONNECT_S + 30, "the websocket clients")
            server_pipe.send(("go", plan.events, plan.event_rate))
            target = await received(server_pipe, plan.events / plan.event_rate + 30, "the floor broadcast server")
            pipe.send(target)
            report = await received(pipe, 60, "the websocket clients' results")
        finally:
            await asyncio.get_running_loop().run_in_executor(None, end_process, process)
    finally:
        with contextlib.suppress(OSError):
            server_pipe.send(("stop",))
        await asyncio.get_running_loop().run_in_executor(None, end_process, server)
    latencies: list[float] = []
    missing = duplicates = 0
    for snapshot_seq, frames, _closed in report["clients"]:
        seen: set[int] = set()
        for at, text in frames:
            event = json.loads(text)
            if event["seq"] in seen:
                duplicates += 1
                continue
            seen.add(event["seq"])
            latencies.append(at - event["sent"])
        missing += len(set(range(snapshot_seq + 1, target + 1)) - seen)
    n, median, p99 = ms(latencies)
    note = (
        f"`websockets` broadcast() of one {FRAME_BYTES}-byte text frame, no compression; {connected}/{clients} "
        f"connected; {missing} missing, {duplicates} twice; from the frame's scheduled send to the client's receive"
    )
    if failures:
        note += f"; {failures} failed to connect, first: {first_failure}"
    return Row(
        f"1b. floor: bare websocket broadcast to {clients}",
        f"{plan.events} frames at {plan.event_rate:g}/s",
        n,
        median,
        p99,
        p99,
        note=note,
    )


# ---------------------------------------------------------------------------------------------- status streams

Frames = list[tuple[float, str]]  # (monotonic receive time, the `data:` of an `event: status`)


def streams_process(host: str, port: int, tokens: list[str], connect_seconds: float, pipe: Connection) -> None:
    """The status streams, in a process of their own: one `GET /api/status/{token}/events` per token, each
    frame stamped when its chunk arrives and parsed only after the run. Protocol on `pipe`:

    -> ("ready", opened, failed, first failure, seconds)   every stream had its first frame (or the bound passed)
    <- ("until", [target per stream], seconds)             wait until every stream's last frame shows its target:
                                                           people_ahead N while waiting (N >= 0), or not waiting (-1)
    -> ("until", reached, expected)
    <- ("frames",)  -> [(token, frames, how it ended)]
    <- ("close",)   -> [(token, frames, how it ended)]     and the process ends
    """
    raise_file_limit()
    fast_loop()
    asyncio.run(_streams(host, port, tokens, connect_seconds, pipe))


@dataclass
class _Stream:
    token: str
    frames: Frames = field(default_factory=list)
    ended: str = ""
    ready: asyncio.Event = field(default_factory=asyncio.Event)
    target: int | None = None
    reached: asyncio.Event = field(default_factory=asyncio.Event)

    def check(self) -> None:
        if self.target is None or not self.frames:
            return
        status = json.loads(self.frames[-1][1])
        waiting = status["state"] == "waiting"
        if (self.target < 0 and not waiting) or (waiting and status["people_ahead"] == self.target):
            self.reached.set()


async def _streams(host: str, port: int, tokens: list[str], connect_seconds: float, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    streams = [_Stream(token) for token in tokens]
    gate = asyncio.Semaphore(CONNECT_AT_ONCE)
    failures: list[str] = []

    async def follow(stream: _Stream) -> None:
        await gate.acquire()
        held = True
        writer: asyncio.StreamWriter | None = None
        try:
            reader, connected = await asyncio.wait_for(asyncio.open_connection(host, port), REQUEST_TIMEOUT_S)
            writer = connected
            connected.write(
                f"GET /api/status/{stream.token}/events HTTP/1.1\r\nHost: {host}:{port}\r\n"
                "Accept: text/event-stream\r\nCache-Control: no-cache\r\n\r\n".encode()
            )
            head = (await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), connect_seconds)).decode("latin-1")
            if not head.startswith("HTTP/1.1 200"):
                body = await asyncio.wait_for(reader.read(500), REQUEST_TIMEOUT_S)
                failures.append(f"{head.splitlines()[0]} {body.decode(errors='replace')[:200]}")
                stream.ended = "refused"
                return
            if "transfer-encoding: chunked" not in head.lower():
                raise RuntimeError(f"expected a chunked body: {head[:300]}")
            buffer = b""
            while True:
                size = int((await reader.readline()).split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    stream.ended = "the server ended the stream"
                    return
                chunk = await reader.readexactly(size + 2)
                now = time.monotonic()
                buffer += chunk[:-2]
                while (cut := buffer.find(b"\n\n")) >= 0:
                    block, buffer = buffer[:cut], buffer[cut + 2 :]
                    data = [line[5:].strip() for line in block.split(b"\n") if line.startswith(b"data:")]
                    if not data:
                        continue  # a keep-alive comment
                    stream.frames.append((now, b"\n".join(data).decode()))
                    if held:
                        held = False
                        gate.release()
                        stream.ready.set()
                    stream.check()
        except asyncio.CancelledError:
            stream.ended = stream.ended or "closed by the client"
            raise
        except Exception as exc:
            stream.ended = repr(exc)
            if not stream.ready.is_set():
                failures.append(repr(exc))
        finally:
            if held:
                gate.release()
            if writer is not None:
                writer.close()

    began = time.monotonic()
    tasks = [asyncio.create_task(follow(s)) for s in streams]
    if streams:
        await asyncio.wait([asyncio.create_task(s.ready.wait()) for s in streams], timeout=connect_seconds)
    opened = sum(s.ready.is_set() for s in streams)
    pipe.send(("ready", opened, len(failures), failures[0] if failures else "", time.monotonic() - began))

    def report() -> list[tuple[str, Frames, str]]:
        return [(s.token, s.frames, s.ended or "open") for s in streams]

    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "until":
            _, targets, seconds = command
            for stream, target in zip(streams, targets, strict=True):
                stream.target = target
                stream.reached.clear()
                if target is None:
                    stream.reached.set()
                stream.check()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(asyncio.gather(*(s.reached.wait() for s in streams)), timeout=seconds)
            reached = sum(s.reached.is_set() for s, t in zip(streams, targets, strict=True) if t is not None)
            pipe.send(("until", reached, sum(t is not None for t in targets)))
        elif command[0] == "frames":
            pipe.send(report())
        else:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            pipe.send(report())
            return


class StatusStreams:
    """The main process's end of `streams_process`."""

    def __init__(self, server: Server, tokens: list[str]) -> None:
        self.count = len(tokens)
        self.process, self.pipe = start_process(streams_process, "127.0.0.1", server.port, tokens, CONNECT_S)
        self.opened = self.failed = 0
        self.first_failure = ""
        self.connect_seconds = 0.0

    async def ready(self) -> None:
        _, self.opened, self.failed, self.first_failure, self.connect_seconds = await received(
            self.pipe, CONNECT_S + 30, "the status streams"
        )

    async def until(self, targets: list[int | None], seconds: float) -> tuple[int, int]:
        self.pipe.send(("until", targets, seconds))
        _, reached, expected = await received(self.pipe, seconds + 30, "the status streams")
        return int(reached), int(expected)

    async def frames(self) -> list[tuple[str, Frames, str]]:
        self.pipe.send(("frames",))
        return cast(list[tuple[str, Frames, str]], await received(self.pipe, 60, "the status streams' frames"))

    async def close(self) -> list[tuple[str, Frames, str]]:
        try:
            self.pipe.send(("close",))
            return cast(list[tuple[str, Frames, str]], await received(self.pipe, 60, "the status streams' close"))
        except (OSError, TimeoutError):
            return []
        finally:
            await asyncio.get_running_loop().run_in_executor(None, end_process, self.process)

    def describe(self) -> str:
        text = f"{self.opened}/{self.count} streams open ({self.connect_seconds:.1f} s to open)"
        if self.failed:
            text += f", {self.failed} failed, first: {self.first_failure[:200]}"
        return text


# ---------------------------------------------------------------------------------------------- loket phases


TICKET_C = {"service": "C", "language": "nl"}


def office_spec(calls: int) -> dict[str, object]:
    """The test office with one more counter per call of the delivery phase, each serving A only: every call
    comes from a free counter and moves every follower (all in A) one place up, with no finish in between."""
    counters = cast(list[dict[str, object]], TEST_OFFICE["counter"])
    extra = [{"name": f"F{i:02d}", "services": ["A"]} for i in range(1, calls + 1)]
    return {**TEST_OFFICE, "counter": [*counters, *extra]}


@dataclass
class Loket:
    server: Server
    http: httpx.AsyncClient
    tokens: dict[Role, str]
    counters: dict[str, int]
    plan: Plan
    followed: list[str] = field(default_factory=list)  # status tokens of the waiting A tickets, in queue order
    streams: StatusStreams | None = None
    issue_median_0: float = float("nan")
    issued_c: list[int] = field(default_factory=list)  # C tickets of the last issue run, to cancel
    event_bytes: int = 0  # one `ticket.issued` as a display receives it

    @property
    def pid(self) -> int:
        return self.server.process.pid

    def kiosk(self) -> dict[str, str]:
        return {**bearer(self.tokens[Role.KIOSK]), "Idempotency-Key": uuid.uuid4().hex}

    async def seq(self) -> int:
        response = await self.http.get(f"/api/offices/{OFFICE}/queue", headers=bearer(self.tokens[Role.MANAGER]))
        response.raise_for_status()
        return int(response.json()["seq"])

    async def measure_event(self) -> None:
        """How many bytes a display gets for one issued ticket (the floor's frames are about as long)."""
        from websockets.asyncio.client import connect

        url = f"{self.server.ws}/ws/offices/{OFFICE}?token={self.tokens[Role.DISPLAY]}"
        async with connect(url, max_size=None) as ws:
            await ws.recv()  # the snapshot
            (
                await self.http.post(f"/api/offices/{OFFICE}/tickets", json=TICKET_C, headers=self.kiosk())
            ).raise_for_status()
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                while '"type":"ticket.issued"' not in (text := str(await ws.recv())):
                    pass
        self.event_bytes = len(text.encode())

    async def drain_c(self) -> None:
        """Serve every waiting C ticket at counter 3 (C only; not measured): the A followers stay."""
        await call_next_loop(self.http, self.tokens[Role.CLERK], [self.counters["3"]], 100_000, 120)

    async def clear_c(self, tickets: list[int]) -> float:
        """Cancel these C tickets (one event each, four at a time), then serve any left over; returns seconds."""
        began = time.monotonic()
        gate = asyncio.Semaphore(4)
        headers = bearer(self.tokens[Role.CLERK])

        async def cancel(ticket: int) -> None:
            async with gate:
                with contextlib.suppress(httpx.HTTPError):
                    await self.http.post(f"/api/tickets/{ticket}/cancel", headers=headers)

        await asyncio.gather(*(cancel(t) for t in tickets))
        await self.drain_c()
        return time.monotonic() - began

    async def waiting(self) -> int:
        response = await self.http.get(f"/api/offices/{OFFICE}/queue", headers=bearer(self.tokens[Role.MANAGER]))
        response.raise_for_status()
        return len(response.json()["waiting"])


async def issue_followers(loket: Loket) -> list[str]:
    """The tickets to follow: service A, issued four at a time (not measured); their status tokens in order."""
    gate = asyncio.Semaphore(4)
    issued: dict[int, str] = {}

    async def one(i: int) -> None:
        async with gate:
            response = await loket.http.post(
                f"/api/offices/{OFFICE}/tickets", json={"service": "A", "language": "nl"}, headers=loket.kiosk()
            )
            response.raise_for_status()
            body = response.json()
            issued[int(body["id"])] = str(body["status_url"]).rsplit("/", 1)[1]

    await asyncio.gather(*(one(i) for i in range(loket.plan.followers)))
    return [issued[ticket] for ticket in sorted(issued)]


async def issue_row(loket: Loket, streams: int, floor: Row) -> Row:
    """Issue C tickets at the plan's rate while `streams` status streams follow A tickets."""
    plan = loket.plan
    count = int(plan.issue_rate * plan.issue_seconds)
    what = f"2. issue ticket, {streams} status streams open"
    load = f"{plan.issue_rate:g}/s × {plan.issue_seconds:g} s, {plan.followers} waiting"
    note = ""
    if streams:
        if loket.streams is None or loket.streams.count != streams:
            raise RuntimeError("the streams to measure with are not open")
        note = loket.streams.describe() + f"; server settled {await settled(loket.pid):.0f} s after opening; "
    cpu: dict[str, float] = {}
    pids = {"server": loket.pid, "load generator": os.getpid()}
    if loket.streams is not None and streams:
        pids["status streams"] = loket.streams.process.pid or 0
    with cpu_meter(pids, cpu):
        result = await post_open_loop(
            loket.http, f"/api/offices/{OFFICE}/tickets", loket.kiosk, plan.issue_rate, count, ("C",)
        )
    loket.issued_c = list(result.sent)
    n, median, p99 = ms(result.latencies)
    target = f"p99 < {ISSUE_P99_MS:g} ms"
    ok = result.errors == 0 and n == count and p99 < ISSUE_P99_MS
    if streams == 0:
        loket.issue_median_0 = median
    else:
        ratio = median / loket.issue_median_0
        target = f"median ≤ {ISSUE_MEDIAN_RATIO:g}× 0 streams; " + target
        ok = ok and ratio <= ISSUE_MEDIAN_RATIO
        note += f"median ÷ median with 0 streams = {ratio:.2f}×; "
    note += f"service C (nobody followed); {cpu_note(cpu)}"
    if result.errors:
        note += f"; {result.errors} errors, first: {result.error_samples[0]}"
    return Row(what, load, n, median, p99, floor.p99, target=target, ok=ok, note=note)


@dataclass
class Follower:
    token: str
    frames: list[tuple[float, str, dict[str, Any]]]  # (receive time, text, parsed)
    ended: str


async def status_delivery(loket: Loket, floor: Row) -> Row:
    """With every follower listening, counters F01... call next one by one; each call moves every waiting A
    ticket one place up. Per (follower, call): from the call's scheduled send to the first frame showing it."""
    plan = loket.plan
    assert loket.streams is not None
    settle_s = await settled(loket.pid)
    before = {token: frames for token, frames, _ in await loket.streams.frames()}
    counters = [loket.counters[f"F{i:02d}"] for i in range(1, plan.calls + 1)]
    scheduled: list[float] = [float("nan")] * plan.calls
    answers: list[str] = [""] * plan.calls
    headers = bearer(loket.tokens[Role.CLERK])

    async def call(i: int, at: float) -> None:
        scheduled[i] = at
        try:
            response = await loket.http.post(f"/api/counters/{counters[i]}/call-next", headers=headers)
            answers[i] = str(response.status_code)
        except httpx.HTTPError as exc:
            answers[i] = repr(exc)

    cpu: dict[str, float] = {}
    with cpu_meter({"server": loket.pid, "status streams": loket.streams.process.pid or 0}, cpu):
        await open_loop(1 / plan.call_interval_s, plan.calls, call, deadline_s=plan.calls * plan.call_interval_s + 30)
        made = sum(a == "200" for a in answers)
        # Where each follower stood before the first call (its last frame then), and where it ends.
        base = {token: place(json.loads(frames[-1][1])) for token, frames in before.items() if frames}
        targets: list[int | None] = []
        for token in loket.followed[: loket.streams.count]:
            start = base.get(token)
            targets.append(None if start is None or start < 0 else start - made if start >= made else -1)
        waited = time.monotonic()
        reached, expected = await loket.streams.until(targets, SETTLE_S)
        waited = time.monotonic() - waited
    followers = [
        Follower(token, [(at, text, json.loads(text)) for at, text in frames], ended)
        for token, frames, ended in await loket.streams.frames()
    ]

    latencies: list[float] = []
    changes = unshown = skipped = twice = repeats = 0
    twice_example = ""
    successful = sorted(scheduled[i] for i in range(plan.calls) if answers[i] == "200")
    for follower in followers:
        start = base.get(follower.token)
        if start is None or start < 0:
            continue
        # The changes this follower should see: people ahead start-1, start-2, ..., then called (-1).
        wanted = [start - k if start - k >= 0 else -1 for k in range(1, len(successful) + 1) if start - k >= -1]
        later = [f for f in follower.frames if f[0] >= successful[0]] if successful else []
        for k, value in enumerate(wanted):
            changes += 1
            shown = next((f for f in later if f[0] >= successful[k] and shows(f[2], value)), None)
            if shown is None:
                unshown += 1
            else:
                latencies.append(shown[0] - successful[k])
        seen = {place(f[2]) for f in later}
        skipped += sum(1 for value in wanted if value not in seen)
        for (at_a, text_a, a), (at_b, text_b, b) in itertools.pairwise(later):
            if text_a == text_b:
                twice += 1
                if not twice_example:
                    twice_example = (
                        f"e.g. a follower got its frame for place {place(a)} ({a['state']}) twice, "
                        f"{(at_b - at_a) * 1000:.0f} ms apart, {(at_a - successful[0]):.1f} s after the first call"
                    )
            elif place(a) == place(b):
                repeats += 1
    skipped -= unshown  # a change never shown is not also "skipped"
    n, median, p99 = ms(latencies)
    errors = sum(a != "200" for a in answers)
    ok = n > 0 and unshown == 0 and skipped == 0 and twice == 0 and errors == 0 and p99 < STATUS_P99_MS
    note = (
        f"{loket.streams.describe()}; server settled {settle_s:.0f} s before; {made}/{plan.calls} calls made; "
        f"{changes} changes to show: {changes - unshown} shown, {unshown} never shown, {skipped} skipped "
        f"(a later frame showed two at once), {twice} frames identical to the one before, {repeats} frames "
        f"with the same place as the one before (other fields changed); {reached}/{expected} followers showed "
        f"the final place {waited:.1f} s after the last call was answered; {cpu_note(cpu)}"
    )
    if twice_example:
        note += f"; {twice_example}"
    if errors:
        note += f"; call answers: {sorted(set(answers))}"
    load = f"{plan.calls} calls, 1 per {plan.call_interval_s:g} s, {loket.streams.count} streams"
    target = f"p99 < {STATUS_P99_MS:g} ms, each change once"
    return Row("3. call-next → every status page", load, n, median, p99, floor.p99, target=target, ok=ok, note=note)


def place(status: dict[str, Any]) -> int:
    """People ahead while waiting; -1 once called (or anything else but waiting)."""
    return int(status["people_ahead"]) if status["state"] == "waiting" else -1


def shows(status: dict[str, Any], value: int) -> bool:
    """The frame shows the change to `value` (or a later one)."""
    return place(status) == -1 if value < 0 else place(status) <= value


async def display_delivery(loket: Loket, floor: Row, label: str) -> Row:
    plan = loket.plan
    if loket.streams is not None:
        await settled(loket.pid)
    result: WsResult = await websocket_phase(loket.server, loket.tokens, loket.http, plan.server_plan(), plan.displays)
    n, median, p99 = ms(result.from_request)
    errors = result.connect_failures + result.missing + result.duplicates + result.issue.errors
    note = (
        f"{result.connected}/{plan.displays} connected ({result.connect_seconds:.1f} s); events per client "
        f"{result.per_client_min}–{result.per_client_max} of {result.expected}, {result.missing} missing, "
        f"{result.duplicates} twice; from the issue request's scheduled send (the floor: from the frame's); "
        f"p99 from the server's `at` {percentile(result.from_stamp, 99) * 1000:.1f} ms; issue p99 meanwhile "
        f"{percentile(result.issue.latencies, 99) * 1000:.1f} ms; {cpu_note(result.cpu)}"
    )
    if loket.event_bytes:
        note += f"; a `ticket.issued` event is {loket.event_bytes} bytes"
    if result.first_failure:
        note += f"; first connect failure: {result.first_failure}"
    return Row(
        f"4. event → {plan.displays} displays{label}",
        f"{result.tickets} tickets at {plan.event_rate:g}/s (A, B, C)",
        n,
        median,
        p99,
        floor.p99,
        target=f"p99 < {DISPLAY_P99_MS:g} ms",
        ok=errors == 0 and n > 0 and p99 < DISPLAY_P99_MS,
        note=note,
    )


def hold_websockets_process(url: str, count: int, pipe: Connection) -> None:
    """Display websockets that connect (WEBSOCKETS_AT_ONCE at a time), get their snapshot, answer pings and stay
    open until told. Protocol on `pipe`:

    -> ("ready", connected, failed, first failure, seconds, largest snapshot in bytes)
    <- ("close",)
    -> ("closed",)
    """
    raise_file_limit()
    fast_loop()
    asyncio.run(_hold_websockets(url, count, pipe))


async def _hold_websockets(url: str, count: int, pipe: Connection) -> None:
    from websockets.asyncio.client import ClientConnection, connect

    gate = asyncio.Semaphore(WEBSOCKETS_AT_ONCE)
    sockets: list[ClientConnection] = []
    failures: list[str] = []
    largest = 0

    async def listen(ws: ClientConnection) -> None:
        with contextlib.suppress(Exception):
            async for raw in ws:
                if isinstance(raw, str) and raw.startswith('{"type":"ping"'):
                    await ws.send('{"type":"pong"}')

    async def open_one() -> asyncio.Task[None] | None:
        nonlocal largest
        async with gate:
            try:
                ws = await connect(url, open_timeout=CONNECT_S, max_size=None, ping_interval=None)
                first = await asyncio.wait_for(ws.recv(), timeout=CONNECT_S)
            except Exception as exc:
                failures.append(repr(exc))
                return None
        largest = max(largest, len(first))
        sockets.append(ws)
        return asyncio.create_task(listen(ws))

    began = time.monotonic()
    opening = [asyncio.create_task(open_one()) for _ in range(count)]
    done, pending = await asyncio.wait(opening, timeout=CONNECT_S)
    for task in pending:
        task.cancel()
    listeners = [t.result() for t in done if not t.cancelled() and t.exception() is None and t.result() is not None]
    pipe.send(
        (
            "ready",
            len(sockets),
            count - len(sockets),
            failures[0] if failures else "",
            time.monotonic() - began,
            largest,
        )
    )
    await asyncio.get_running_loop().run_in_executor(None, pipe.recv)
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for listener in listeners:
        if listener is not None:
            listener.cancel()
    await asyncio.gather(*(t for t in listeners if t is not None), return_exceptions=True)
    pipe.send(("closed",))


async def memory_row(loket: Loket, idle_mb: float) -> Row:
    """Open RSS_WEBSOCKETS display websockets beside the open status streams; read the server's memory."""
    plan = loket.plan
    url = f"{loket.server.ws}/ws/offices/{OFFICE}?token={loket.tokens[Role.DISPLAY]}"
    waiting = await loket.waiting()
    await settled(loket.pid)
    process, pipe = start_process(hold_websockets_process, url, plan.rss_websockets)
    try:
        _, connected, failures, first_failure, seconds, largest = await received(pipe, CONNECT_S + 30, "the websockets")
        rss, peak = memory_mb(loket.pid)
        files = open_files(loket.pid)
        pipe.send(("close",))
        await received(pipe, 60, "the websockets' close")
    finally:
        await asyncio.get_running_loop().run_in_executor(None, end_process, process)
    streams = loket.streams.describe() if loket.streams else "no status streams"
    note = (
        f"VmRSS of the server process with {connected}/{plan.rss_websockets} display websockets, each with its "
        f"snapshot (connected {WEBSOCKETS_AT_ONCE} at a time in {seconds:.1f} s; {waiting} waiting, snapshots up "
        f"to {largest / 1000:.0f} kB), and {streams}; peak so far (VmHWM) {peak:.0f} MB; {files} open files; "
        "floor: the same server idle after start-up and warm-up"
    )
    if failures:
        note += f"; {failures} websockets failed, first: {first_failure}"
    n_streams = loket.streams.opened if loket.streams else 0
    return Row(
        "5. server memory (VmRSS)",
        f"{connected} websockets + {n_streams} status streams",
        median=rss,
        floor=idle_mb,
        unit="MB",
        target=f"< {RSS_MB:g} MB",
        ok=connected == plan.rss_websockets and n_streams == plan.followers and rss < RSS_MB,
        note=note,
    )


# ---------------------------------------------------------------------------------------------- the run


async def run_all(plan: Plan, directory: Path, log: Path) -> list[Row]:
    rows: list[Row] = []
    issue_load = f"{plan.issue_rate:g}/s × {plan.issue_seconds:g} s"

    async def attempt(what: str, load: str, target: str, phase: Callable[[], Coroutine[Any, Any, Row]]) -> Row | None:
        say(f"{what} ({load})")
        try:
            row = await phase()
        except Exception as exc:
            say(f"  failed: {exc!r}")
            rows.append(failed_row(what, load, exc, target))
            return None
        say(f"  median {fmt(row.median, row.unit)}, p99 {fmt(row.p99, row.unit)} {row.verdict}")
        rows.append(row)
        return row

    http_floor = await attempt("1a. floor: bare FastAPI + SQLite", issue_load, "", lambda: floor_http(directory, plan))
    ws_floors: dict[int, Row] = {}
    for clients in plan.floor_ws_clients:
        row = await attempt(
            f"1b. floor: bare websocket broadcast to {clients}",
            f"{plan.events} frames at {plan.event_rate:g}/s",
            "",
            partial(floor_broadcast, plan, clients),
        )
        if row is not None:
            ws_floors[clients] = row
    no_floor = Row("", "")
    http_floor = http_floor or no_floor
    display_floor = ws_floors.get(plan.displays, no_floor)
    status_floor = ws_floors.get(max(plan.floor_ws_clients), no_floor)

    url = f"sqlite:///{directory}/loket.db"
    seeded = seed(url, office_spec(plan.calls))
    seeded.db.engine.dispose()
    server = start_server(url, log=log)
    try:
        async with http_client(server.url) as http:
            loket = Loket(server, http, seeded.tokens, seeded.counters, plan)
            for counter in seeded.counters.values():
                (
                    await http.post(f"/api/counters/{counter}/open", headers=bearer(loket.tokens[Role.CLERK]))
                ).raise_for_status()
            # Warm up: imports, the thread pool, the connection pools of client and server.
            await post_open_loop(http, f"/api/offices/{OFFICE}/tickets", loket.kiosk, 50, 30, ("C",))
            await loket.measure_event()
            await loket.drain_c()
            idle_mb = memory_mb(loket.pid)[0]

            await attempt(
                "4. event → displays, no status streams",
                f"{plan.events} tickets at {plan.event_rate:g}/s",
                f"p99 < {DISPLAY_P99_MS:g} ms",
                lambda: display_delivery(loket, display_floor, ", no status streams"),
            )
            await drain(http, loket.tokens[Role.CLERK], [seeded.counters[n] for n in ("1", "2", "3")])

            say(f"issuing {plan.followers} A tickets to follow (not measured)")
            loket.followed = await issue_followers(loket)

            for count in plan.stream_counts:
                if count:
                    say(f"opening {count} status streams")
                    loket.streams = StatusStreams(server, loket.followed[:count])
                    await loket.streams.ready()
                    say(f"  {loket.streams.describe()}")
                await attempt(
                    f"2. issue ticket, {count} status streams open",
                    issue_load,
                    f"p99 < {ISSUE_P99_MS:g} ms",
                    partial(issue_row, loket, count, http_floor),
                )
                if count != max(plan.stream_counts):
                    if loket.streams is not None:
                        await loket.streams.close()
                        loket.streams = None
                    await loket.clear_c(loket.issued_c)

            if loket.streams is not None:
                await attempt(
                    "3. call-next → every status page",
                    f"{plan.calls} calls",
                    f"p99 < {STATUS_P99_MS:g} ms",
                    lambda: status_delivery(loket, status_floor),
                )
            if loket.issued_c:
                say(f"cancelling the {len(loket.issued_c)} C tickets of the last issue run (not measured)")
                say(f"  {await loket.clear_c(loket.issued_c):.0f} s")
            await attempt(
                "5. server memory",
                f"{plan.rss_websockets} websockets + status streams",
                f"< {RSS_MB:g} MB",
                lambda: memory_row(loket, idle_mb),
            )
            if loket.streams is not None:
                await attempt(
                    f"4. event → displays, {loket.streams.count} status streams open",
                    f"{plan.events} tickets at {plan.event_rate:g}/s",
                    f"p99 < {DISPLAY_P99_MS:g} ms",
                    lambda: display_delivery(
                        loket, display_floor, f", {loket.streams.count if loket.streams else 0} status streams open"
                    ),
                )
            if loket.streams is not None:
                await loket.streams.close()
    finally:
        server.stop()
    return rows


# ---------------------------------------------------------------------------------------------- output

MARKERS = ("<!-- followers:start -->", "<!-- followers:end -->")


def report(rows: list[Row], plan: Plan, quick: bool, seconds: float, info: dict[str, str], busy: float) -> str:
    date = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    machine_line = ", ".join(f"{k} {v}" for k, v in info.items())
    return "\n".join(
        [
            MARKERS[0],
            "## Live followers at scale",
            "",
            f"Generated by `bench/followers.py{' --quick' if quick else ''}` on {date} in {seconds:.0f} s "
            f"({machine_line}; other work kept {busy:.2f} cores busy before the run). "
            "`.venv/bin/python bench/followers.py --write docs/benchmarks.md` runs it again.",
            "",
            table(rows),
            "",
            "- **Floors** (same run, same machine): 1a is a bare FastAPI app (uvicorn, uvloop, httptools, one "
            "worker) whose POST inserts one row into a SQLite file in the thread pool, loaded like the kiosk: "
            f"{plan.issue_rate:g}/s open loop, the same httpx client. 1b is a bare `websockets` server that "
            f"broadcasts one {FRAME_BYTES}-byte text frame to every client, {plan.events} frames at "
            f"{plan.event_rate:g}/s, to bench/server.py's websocket clients (one spawned process, uvloop). "
            "Ratio = p99 ÷ floor p99 (memory: VmRSS ÷ the idle server's).",
            f"- **Issue** (2): `loket serve` on SQLite with {plan.followers} tickets of service A waiting; "
            f"tickets of service C issued at {plan.issue_rate:g}/s open loop (latency from each request's "
            "scheduled start); drained between runs. The status streams (`GET /api/status/{token}/events`, one "
            "per A ticket, 50 opened at a time) run in a spawned process of their own and are all open, each "
            "with its first frame, before the run; the server's CPU is let settle first.",
            f"- **Status pages** (3): with every follower listening, {plan.calls} counters serving A call next "
            f"one after the other, {1 / plan.call_interval_s:g} per second; each call moves every waiting "
            "follower one place up (and calls the first). Latency: from the call's scheduled send to the first "
            "frame at the follower whose `people_ahead` shows it (nearest-rank percentiles over every "
            "(follower, change) pair). A change is *skipped* when no frame shows exactly that place (a later "
            "frame jumped past it).",
            f"- **Displays** (4): bench/server.py's websocket phase, {plan.displays} display websockets, "
            f"{plan.events} tickets at {plan.event_rate:g}/s, from the issue request's scheduled start to the "
            "display's receipt; once before any ticket is followed, once with every status stream open.",
            "- **Memory** (5): VmRSS of the `loket serve` process (/proc) once every websocket has its snapshot, "
            "with every status stream open.",
            "- Everything shares this machine's cores over loopback: the server, the load generator, the stream "
            "and websocket client processes, the floors. Runs on a shared machine vary.",
            MARKERS[1],
            "",
        ]
    )


def put_section(path: Path, section: str) -> str:
    """`section` in place of the one between the markers in `path`, or after everything else in it."""
    if not path.exists():
        return section
    old = path.read_text()
    start, end = old.find(MARKERS[0]), old.find(MARKERS[1])
    if start >= 0 and end > start:
        return old[:start] + section.rstrip("\n") + old[end + len(MARKERS[1]) :]
    return old.rstrip("\n") + "\n\n" + section


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small counts and short runs, for a smoke check")
    parser.add_argument("--write", type=Path, metavar="FILE", help="put the report into FILE (its own section)")
    args = parser.parse_args()

    raise_file_limit()  # inherited by the server and every client process
    plan = Plan.quick() if args.quick else Plan.full()
    info = machine()
    if os.environ.get("LOKET_BENCH_CODE"):  # e.g. run from an export of a commit, where git cannot tell
        info["code"] = os.environ["LOKET_BENCH_CODE"]
    busy = wait_until_quiet()
    say(f"other work kept {busy:.2f} cores busy; open files allowed: {resource.getrlimit(resource.RLIMIT_NOFILE)}")
    began = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loket-followers-") as directory:
        log = Path(tempfile.mkdtemp(prefix="loket-followers-logs-")) / "server.log"
        rows = asyncio.run(run_all(plan, Path(directory), log))
    seconds = time.monotonic() - began
    text = report(rows, plan, args.quick, seconds, info, busy)
    print()
    print(text)
    print(f"{seconds:.0f} s; server log {log}")
    if args.write:
        args.write.parent.mkdir(parents=True, exist_ok=True)
        args.write.write_text(put_section(args.write, text))
        print(f"wrote {args.write}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
