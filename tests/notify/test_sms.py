"""SMS through the HTTP gateway, against a real HTTP server on loopback that records what it receives."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from notify.errors import NotSent
from notify.sms import SmsGateway, send_sms
from settings import Settings
from tests.notify.support import free_port

NUMBER = "+32470123456"
TEXT = "Afspraak K7QX-M4TP bevestigd: dinsdag 8 december 2026 om 10:30. Annuleer: https://loket.example.be/b/x?a=1&b=2"
TOKEN = "gw-token-5f2c"


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Gateway:
    """What the gateway received, and the status it answers with."""

    base: str
    status: int = 200
    received: list[Received] = field(default_factory=list)


@pytest.fixture
def gateway() -> Iterator[Gateway]:
    state = Gateway(base="")

    class Handler(BaseHTTPRequestHandler):
        def _record(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            state.received.append(Received(self.command, self.path, dict(self.headers.items()), body))
            self.send_response(state.status)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        do_GET = do_POST = _record

        def log_message(self, format: str, *args: object) -> None:
            pass  # keep the test output clean

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base = f"http://127.0.0.1:{server.server_address[1]}"
    # A short poll interval: shutdown() waits for the next poll, 0.5 s by default.
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


def test_a_url_without_placeholders_receives_the_sms_as_json_with_the_bearer_token(gateway: Gateway) -> None:
    send_sms(SmsGateway(url=f"{gateway.base}/api/sms", token=TOKEN), NUMBER, TEXT)

    [request] = gateway.received
    assert request.method == "POST"
    assert request.path == "/api/sms"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body) == {"to": NUMBER, "text": TEXT}


def test_a_url_with_placeholders_is_filled_in_url_encoded_and_fetched_with_get(gateway: Gateway) -> None:
    url = f"{gateway.base}/send?key=abc&to={{to}}&msg={{text}}"

    send_sms(SmsGateway(url=url, token=TOKEN), NUMBER, TEXT)

    [request] = gateway.received
    assert request.method == "GET"
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    path, _, query = request.path.partition("?")
    assert path == "/send"
    assert "to=%2B32470123456" in query  # a bare "+" would arrive as a space
    assert parse_qs(query) == {"key": ["abc"], "to": [NUMBER], "msg": [TEXT]}


def test_placeholders_may_sit_in_the_path(gateway: Gateway) -> None:
    send_sms(SmsGateway(url=f"{gateway.base}/sms/{{to}}"), NUMBER, TEXT)

    [request] = gateway.received
    assert request.method == "GET"
    assert urlsplit(request.path).path == "/sms/%2B32470123456"
    assert "Authorization" not in request.headers


def test_without_a_token_no_authorization_header_is_sent(gateway: Gateway) -> None:
    send_sms(SmsGateway(url=gateway.base), NUMBER, TEXT)

    assert "Authorization" not in gateway.received[0].headers


@pytest.mark.parametrize(("status", "permanent"), [(500, False), (503, False), (401, False), (400, True), (302, False)])
def test_an_answer_other_than_2xx_is_not_sent(gateway: Gateway, status: int, permanent: bool) -> None:
    gateway.status = status

    with pytest.raises(NotSent) as failed:
        send_sms(SmsGateway(url=f"{gateway.base}/send?to={{to}}&msg={{text}}", token=TOKEN), NUMBER, TEXT)

    assert str(failed.value) == f"the SMS gateway answered {status}"
    assert failed.value.permanent is permanent


def test_an_unreachable_gateway_is_not_sent_and_the_reason_holds_nothing_personal() -> None:
    url = f"http://127.0.0.1:{free_port()}/send?to={{to}}&msg={{text}}"

    with pytest.raises(NotSent) as failed:
        send_sms(SmsGateway(url=url, token=TOKEN, timeout_s=2.0), NUMBER, TEXT)

    assert str(failed.value) == "cannot connect to the SMS gateway"
    assert not failed.value.permanent
    assert failed.value.__suppress_context__  # httpx's error may quote the URL, which holds the number


def test_a_gateway_that_never_answers_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/send"

        with pytest.raises(NotSent, match="did not answer in time"):
            send_sms(SmsGateway(url=url, timeout_s=0.3), NUMBER, TEXT)


@pytest.mark.parametrize("number", ["0470123456", "+32 470 12 34 56", "", "+0470123456", "32470123456"])
def test_a_number_not_in_e164_is_refused_before_any_request(gateway: Gateway, number: str) -> None:
    with pytest.raises(NotSent) as failed:
        send_sms(SmsGateway(url=gateway.base), number, TEXT)

    assert failed.value.permanent
    assert gateway.received == []


def test_nothing_personal_reaches_the_log(gateway: Gateway, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")

    send_sms(SmsGateway(url=f"{gateway.base}/send?to={{to}}&msg={{text}}", token=TOKEN), NUMBER, TEXT)

    logged = caplog.text
    assert "32470123456" not in logged
    assert "K7QX" not in logged
    assert TOKEN not in logged


def test_the_token_stays_out_of_the_gateway_repr() -> None:
    shown = repr(SmsGateway(url="https://sms.example.be/send?key=k3y&to={to}", token=TOKEN))

    assert TOKEN not in shown
    assert "k3y" not in shown
    assert "sms.example.be" in shown


def test_settings_without_an_sms_url_turn_sms_off() -> None:
    assert SmsGateway.from_settings(Settings(sms_url=None)) is None


def test_settings_give_the_gateway() -> None:
    settings = Settings(sms_url="https://sms.example.be/send", sms_token=TOKEN)

    assert SmsGateway.from_settings(settings) == SmsGateway(url="https://sms.example.be/send", token=TOKEN)
