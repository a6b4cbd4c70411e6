"""`loket serve` keeps answering while hundreds of clients never finish their request headers.

The server is started the way distributions start services: a soft limit of open files far below the hard
one. Before the fix the slow clients used up the soft limit, `accept` failed and a normal request hung.
"""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import httpx
import pytest

from tests.conftest import _missing
from tests.support import ROOT, Server, free_port, seed

pytestmark = pytest.mark.e2e

SOFT_LIMIT = 256
SLOW_CLIENTS = 300


def _lower_soft_file_limit() -> None:
    _, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (SOFT_LIMIT, hard))


@contextmanager
def serving_with_low_soft_limit(url: str, env: dict[str, str], log: Path) -> Iterator[Server]:
    port = free_port()
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "loket", "serve", "--port", str(port)],
            cwd=ROOT,
            env={**os.environ, "LOKET_DATABASE_URL": url, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=_lower_soft_file_limit,
        )
        server = Server(f"http://127.0.0.1:{port}", port, process)
        try:
            deadline = time.monotonic() + 30
            while True:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "loket serve did not become healthy in 30 s"
                try:
                    if httpx.get(f"{server.url}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.1)
            yield server
        finally:
            server.stop()


def _slow_client(port: int) -> socket.socket:
    """A connection that starts a request and never finishes its headers."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
    return sock


def _still_connected(sock: socket.socket) -> bool:
    """The server has neither closed nor reset this connection (and sent nothing on it): a peek finds no data
    and no end of stream, only nothing to read yet."""
    sock.setblocking(False)
    try:
        sock.recv(1, socket.MSG_PEEK)
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)
    return False


@pytest.mark.parametrize(
    ("env", "answer"),
    [({}, 200), ({"LOKET_LIMIT_CONCURRENCY": "100"}, 503)],
    ids=["derived bound: still served", "bound of 100: refused at once"],
)
def test_a_normal_request_is_answered_while_300_clients_never_finish_their_headers(
    tmp_path: Path, env: dict[str, str], answer: int
) -> None:
    if resource.getrlimit(resource.RLIMIT_NOFILE)[1] < 4 * SLOW_CLIENTS:
        _missing("a hard limit of open files above 1200", "too low to show the server raising its soft limit")
    url = f"sqlite:///{tmp_path}/loket.db"
    seed(url).db.engine.dispose()
    with serving_with_low_soft_limit(url, env, tmp_path / "server.log") as server, ExitStack() as slow:
        clients = [slow.enter_context(_slow_client(server.port)) for _ in range(SLOW_CLIENTS)]
        # Before the fix: reset (accept failed: EMFILE), and it stays so for as long as the slow clients stay.
        # No clock on the answer (a busy machine may take seconds): a generous timeout, then proof that the
        # slow clients were still holding their connections when it came, so they did not block it.
        response = httpx.get(f"{server.url}/healthz", timeout=30)
        held = sum(_still_connected(sock) for sock in clients)
        assert (response.status_code, held) == (answer, SLOW_CLIENTS)
        slow.close()
        assert _eventually_ok(server)


def _eventually_ok(server: Server) -> bool:
    """Once the slow clients are gone the server serves normally again."""
    deadline = time.monotonic() + 30  # a deadline for a busy machine, not a claim about speed
    while time.monotonic() < deadline:
        if httpx.get(f"{server.url}/healthz", timeout=10).status_code == 200:
            return True
        time.sleep(0.05)
    return False
