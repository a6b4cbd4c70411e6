"""The example reverse-proxy configuration (docs/deploy/nginx.conf) in front of a real `loket serve`.

nginx comes from the distribution (`make test` installs it when it runs as root). The configuration is the
committed file with only its ports, certificate paths and header timeout swapped for test values; the
certificate is a self-signed one made here with `openssl`, so the test speaks TLS as production does.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import ssl
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from websockets.sync.client import connect

from scheduler.model import Role
from tests.conftest import _missing
from tests.support import ROOT, Server, free_port, running_server, seed

pytestmark = pytest.mark.e2e

CONFIG = ROOT / "docs" / "deploy" / "nginx.conf"
HEADER_TIMEOUT_S = 2


def _nginx() -> str:
    found = shutil.which("nginx") or next((p for p in ("/usr/sbin/nginx",) if Path(p).exists()), None)
    if found is None:
        _missing(
            "nginx",
            "not installed, so the example proxy configuration docs/deploy/nginx.conf is NOT tested "
            "(apt-get install nginx; `make test` installs it when run as root)",
        )
    return found


@dataclass
class Proxy:
    https: str
    http_port: int
    tls_port: int
    tls: ssl.SSLContext
    loket: Server
    tokens: dict[Role, str]
    #: nginx's error log, at level info: it names the timeout that closed a connection.
    error_log: Path


def _certificate(directory: Path) -> tuple[Path, Path]:
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost"),
            *("-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def _test_config(site: str, loket_port: int, http_port: int, tls_port: int, cert: Path, key: Path) -> str:
    """The committed configuration with test ports, certificate and header timeout: nothing else changes."""
    swaps = {
        "server 127.0.0.1:8000;": f"server 127.0.0.1:{loket_port};",
        "listen 80;": f"listen 127.0.0.1:{http_port};",
        "listen [::]:80;": "",
        "listen 443 ssl http2;": f"listen 127.0.0.1:{tls_port} ssl http2;",
        "listen [::]:443 ssl http2;": "",
        "/etc/letsencrypt/live/loket.example.org/fullchain.pem": str(cert),
        "/etc/letsencrypt/live/loket.example.org/privkey.pem": str(key),
        "client_header_timeout 10s;": f"client_header_timeout {HEADER_TIMEOUT_S}s;",
    }
    for old, new in swaps.items():
        assert old in site, f"docs/deploy/nginx.conf no longer has {old!r}: update this test"
        site = site.replace(old, new)
    return site


def _main_config(directory: Path, site: Path) -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""  # workers can read the test's private temp dir
    temp = " ".join(f"{kind}_temp_path {directory / kind};" for kind in ("client_body", "proxy", "fastcgi"))
    temp += " " + " ".join(f"{kind}_temp_path {directory / kind};" for kind in ("uwsgi", "scgi"))
    return (
        f"{user}daemon off;\nworker_processes 1;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} info;\nevents {{ worker_connections 512; }}\n"
        f"http {{ access_log off; {temp} include {site}; }}\n"
    )


def _wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 10
    while True:
        assert process.poll() is None, log.read_text() if log.exists() else "nginx exited"
        assert time.monotonic() < deadline, "nginx did not listen within 10 s"
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)


@pytest.fixture(scope="module")
def proxy(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxy]:
    nginx = _nginx()
    directory = tmp_path_factory.mktemp("proxy")
    url = f"sqlite:///{directory}/loket.db"
    seeded = seed(url)
    seeded.db.engine.dispose()
    cert, key = _certificate(directory)
    http_port, tls_port = free_port(), free_port()
    with running_server(url, env={"FORWARDED_ALLOW_IPS": "127.0.0.1"}, log=directory / "loket.log") as loket:
        site = directory / "loket.conf"
        site.write_text(_test_config(CONFIG.read_text(), loket.port, http_port, tls_port, cert, key))
        main = directory / "nginx.conf"
        main.write_text(_main_config(directory, site))
        check = subprocess.run([nginx, "-t", "-c", str(main), "-e", str(directory / "error.log")], capture_output=True)
        assert check.returncode == 0, check.stderr.decode()
        process = subprocess.Popen([nginx, "-c", str(main), "-e", str(directory / "error.log")])
        try:
            _wait_for_port(tls_port, process, directory / "error.log")
            tls = ssl.create_default_context(cafile=cert)
            https = f"https://127.0.0.1:{tls_port}"
            yield Proxy(https, http_port, tls_port, tls, loket, seeded.tokens, directory / "error.log")
        finally:
            process.terminate()
            process.wait(10)


def test_a_request_passes_through_the_proxy_over_tls(proxy: Proxy) -> None:
    response = httpx.get(f"{proxy.https}/healthz", verify=proxy.tls, timeout=5)
    assert response.status_code == 200, response.text


def test_plain_http_is_sent_to_https(proxy: Proxy) -> None:
    response = httpx.get(f"http://127.0.0.1:{proxy.http_port}/display/town", timeout=5)
    assert response.status_code == 301
    assert response.headers["Location"].startswith("https://")


def test_a_body_above_the_size_cap_is_refused_by_the_proxy(proxy: Proxy) -> None:
    response = httpx.post(f"{proxy.https}/api/login", content=b"x" * 20_000, verify=proxy.tls, timeout=5)
    assert response.status_code == 413
    assert "nginx" in response.text  # refused before it reached Loket


def test_live_events_pass_through_the_proxy_as_a_websocket(proxy: Proxy) -> None:
    uri = f"wss://127.0.0.1:{proxy.tls_port}/ws/offices/town?token={proxy.tokens[Role.DISPLAY]}"
    with connect(uri, ssl=proxy.tls, open_timeout=5) as live:
        issued = httpx.post(
            f"{proxy.https}/api/offices/town/tickets",
            json={"service": "A", "language": "nl"},
            headers={"Authorization": f"Bearer {proxy.tokens[Role.KIOSK]}"},
            verify=proxy.tls,
            timeout=5,
        )
        assert issued.status_code == 201, issued.text
        number = issued.json()["number"]
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            if number in json.dumps(json.loads(live.recv(timeout=5))):
                return
        pytest.fail(f"ticket {number} was issued but no live event announced it through the proxy")


def test_a_client_that_never_finishes_its_headers_is_cut_off_by_the_proxy(proxy: Proxy) -> None:
    logged = proxy.error_log.stat().st_size
    # A generous limit (nginx's is 2 s): a busy machine may be slow, and no clock is read here.
    raw = socket.create_connection(("127.0.0.1", proxy.tls_port), timeout=30)
    with proxy.tls.wrap_socket(raw, server_hostname="127.0.0.1") as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ")
        try:
            while slow.recv(4096):  # whatever nginx says before closing (if anything), then end of stream
                pass
        except (ConnectionResetError, ssl.SSLError):
            pass
    # Why it was cut, in nginx's words (written before it closes the connection): its header timeout, the
    # configuration's client_header_timeout, and not some other limit.
    with proxy.error_log.open("rb") as log:
        log.seek(logged)
        said = log.read().decode(errors="replace")
    cut = [line for line in said.splitlines() if "client timed out" in line]
    assert any("while reading client request headers" in line for line in cut), said
