"""Whatever arrives, the server answers inside its schema and never with a 5xx; oversized and malformed bodies
are refused in JSON; junk on one websocket closes that websocket only.

The fuzzing is schemathesis against a real `loket serve` and its own `/openapi.json`: every operation, with an
admin token (so access checks do not stop the data before the code that reads it), derandomized so that a run
repeats the one before it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error, response_schema_conformance
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from tests.security.conftest import Template, copy_of
from tests.support import Server, running_server

pytestmark = pytest.mark.e2e

#: Examples per operation and pass: ~40 operations, two passes (random path parameters, then the real ones),
#: so some 2,000 cases a run.
EXAMPLES = 25
MAX_BODY = 16_384
#: A stream that never ends on a real status token: fuzzed with random tokens only.
ENDLESS = {"GET /api/status/{token}/events"}


@dataclass
class Tally:
    cases: dict[str, int] = field(default_factory=dict)
    statuses: dict[int, int] = field(default_factory=dict)


@dataclass(frozen=True)
class Real:
    """Path parameters that exist on the fuzzed server, so that cases get past the 404s."""

    ticket_id: int
    status_token: str
    manage_token: str

    def pin(self, case: Any) -> Any:
        path = case.operation.path
        values = {
            "office": "town",
            "counter_id": 1,
            "ticket_id": self.ticket_id,
            "token": self.manage_token if path.startswith("/api/bookings/") else self.status_token,
        }
        for name in list(case.path_parameters or {}):
            if name in values:
                case.path_parameters[name] = values[name]
        return case


@pytest.fixture(scope="module")
def fuzzed_server(template: Template, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    directory = tmp_path_factory.mktemp("hostile")
    env = {"LOKET_BOOKING_RATE_PER_HOUR": "0"}
    with running_server(copy_of(template, directory), env=env, log=directory / "server.log") as server:
        yield server


@pytest.fixture(scope="module")
def api_schema(fuzzed_server: Server) -> Any:
    return schemathesis.openapi.from_url(f"{fuzzed_server.url}/openapi.json")


def _real(server: Server, template: Template) -> Real:
    kiosk = {"Authorization": f"Bearer {template.tokens['kiosk']}"}
    with httpx.Client(base_url=server.url, timeout=30) as http:
        ticket = http.post("/api/offices/town/tickets", json={"service": "A", "language": "nl"}, headers=kiosk).json()
        slot = next(
            s["at"]
            for ahead in range(1, 15)
            for s in http.get(
                "/api/offices/town/slots",
                params={"service": "A", "day": (date.today() + timedelta(days=ahead)).isoformat()},
            ).json()
            if s["free"]
        )
        booking = http.post(
            "/api/offices/town/bookings",
            json={"service": "A", "slot_at": slot, "language": "nl", "name": "Fuzz", "email": "fuzz@example.org"},
        ).json()
    return Real(ticket["id"], ticket["status_url"].rsplit("/", 1)[1], booking["manage_url"].rsplit("/", 1)[1])


def _fuzz(operation: Any, server: Server, token: str, tally: Tally, real: Real | None) -> None:
    """EXAMPLES cases of one operation through schemathesis; raises the failures hypothesis finds."""
    key = f"{operation.method.upper()} {operation.path}"
    strategy = operation.as_strategy()
    if real is not None:
        strategy = strategy.map(real.pin)

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.explicit, Phase.generate],
    )
    def run(case: Any) -> None:
        tally.cases[key] = tally.cases.get(key, 0) + 1
        response = case.call(base_url=server.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
        tally.statuses[response.status_code] = tally.statuses.get(response.status_code, 0) + 1
        case.validate_response(response, checks=[not_a_server_error, response_schema_conformance])

    run()


def test_no_operation_answers_5xx_or_outside_its_schema(api_schema: Any, template: Template, tmp_path: Path) -> None:
    """On a server of its own: with an admin's token the fuzz also revokes tokens, removes users and changes the
    office's hours, which the other tests of this file must not inherit."""
    env = {"LOKET_BOOKING_RATE_PER_HOUR": "0"}
    with running_server(copy_of(template, tmp_path), env=env, log=tmp_path / "server.log") as server:
        _fuzz_every_operation(api_schema, server, template)


def _fuzz_every_operation(api_schema: Any, fuzzed_server: Server, template: Template) -> None:
    tally, failures = Tally(), {}
    real = _real(fuzzed_server, template)
    started = time.monotonic()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    for pinned in (None, real):
        for operation in operations:
            key = f"{operation.method.upper()} {operation.path}"
            if pinned is not None and key in ENDLESS:
                continue
            try:
                _fuzz(operation, fuzzed_server, template.tokens["admin"], tally, pinned)
            except (Exception, BaseExceptionGroup) as exc:
                failures[f"{key} ({'real' if pinned else 'random'} path)"] = f"{type(exc).__name__}: {str(exc)[:1500]}"
    elapsed = time.monotonic() - started
    total = sum(tally.cases.values())
    print(f"\nschemathesis: {total} cases over {len(tally.cases)} operations in {elapsed:.0f} s")
    print(f"answers: {dict(sorted(tally.statuses.items()))}")
    for key, failure in failures.items():
        print(f"--- {key}\n{failure}")
    assert sorted(failures) == []
    assert len(tally.cases) == len(operations)
    assert total >= 1000
    # Had a case revoked the fuzz's own token, every case after it would have stopped at 401, unseen.
    me = httpx.get(f"{fuzzed_server.url}/api/me", headers={"Authorization": f"Bearer {template.tokens['admin']}"})
    assert me.status_code == 200, me.text


def test_a_422_answer_matches_its_documented_schema(api_schema: Any, fuzzed_server: Server, template: Template) -> None:
    operation = api_schema["/api/offices/{office}/tickets"]["POST"]
    case = operation.Case(path_parameters={"office": "town"}, body={"language": "nl"}, media_type="application/json")
    response = case.call(base_url=fuzzed_server.url, headers={"Authorization": f"Bearer {template.tokens['kiosk']}"})
    assert response.status_code == 422
    case.validate_response(response, checks=[response_schema_conformance])


@pytest.mark.parametrize("slot_at", ["0001-01-01T00:30:00+00:00", "9999-12-31T23:30:00+00:00"])
def test_a_slot_at_the_edge_of_time_is_refused_not_a_crash(
    fuzzed_server: Server, template: Template, slot_at: str
) -> None:
    """Found by the fuzzing: the holiday lookup stepped a day outside datetime's range (500)."""
    real = _real(fuzzed_server, template)
    body = {"service": "A", "slot_at": slot_at, "language": "nl", "name": "Edge"}
    with httpx.Client(base_url=fuzzed_server.url, timeout=30) as http:
        booked = http.post("/api/offices/town/bookings", json=body)
        moved = http.post(f"/api/bookings/{real.manage_token}/move", json={"slot_at": slot_at})
    assert (booked.status_code, moved.status_code) == (422, 422), (booked.text, moved.text)


def test_a_body_over_the_limit_is_refused_with_413_in_json(fuzzed_server: Server, template: Template) -> None:
    kiosk = {"Authorization": f"Bearer {template.tokens['kiosk']}", "Content-Type": "application/json"}
    huge = b'{"service": "A", "language": "nl", "pad": "' + b"x" * (64 * 1024) + b'"}'
    with httpx.Client(base_url=fuzzed_server.url, timeout=30) as http:
        declared = http.post("/api/offices/town/tickets", content=huge, headers=kiosk)

        def chunks() -> Iterator[bytes]:  # no Content-Length: the server counts what arrives
            for start in range(0, len(huge), 4096):
                yield huge[start : start + 4096]

        streamed = http.post("/api/offices/town/tickets", content=chunks(), headers=kiosk)
        just_under = http.post(
            "/api/offices/town/tickets",
            content=b" " * (MAX_BODY - 40) + b'{"service":"A","language":"nl"}',
            headers=kiosk,
        )
        public = http.post("/api/offices/town/bookings", content=huge, headers={"Content-Type": "application/json"})
    for response in (declared, streamed, public):
        assert response.status_code == 413
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == "body_too_large"
    assert just_under.status_code == 201, just_under.text


@pytest.mark.parametrize(
    "body",
    [b"{", b'{"service": "A", "language": }', b"\xff\xfe\x00garbage", b"[1, 2", b'{"service": "A"} trailing'],
    ids=["unclosed", "missing value", "binary", "unclosed array", "trailing junk"],
)
def test_malformed_json_is_refused_with_400_malformed_json(
    fuzzed_server: Server, template: Template, body: bytes
) -> None:
    headers = {"Authorization": f"Bearer {template.tokens['kiosk']}", "Content-Type": "application/json"}
    response = httpx.post(f"{fuzzed_server.url}/api/offices/town/tickets", content=body, headers=headers, timeout=30)
    assert (response.status_code, response.json()["error"]) == (400, "malformed_json")


async def _next_event(ws: ClientConnection) -> dict[str, Any]:
    """The next message that is not a ping (within 15 s)."""
    async with asyncio.timeout(15):
        while True:
            message = json.loads(await ws.recv())
            if message["type"] != "ping":
                return dict(message)


async def _closed(ws: ClientConnection) -> ConnectionClosed | None:
    """How the server ended the connection (None if it still talks after 15 s)."""
    try:
        async with asyncio.timeout(15):
            while True:
                await ws.recv()
    except ConnectionClosed as closed:
        return closed
    except TimeoutError:
        return None


#: uvicorn's websocket frame limit (ws_max_size, 16 MiB): a bigger frame is refused with 1009.
HUGE = 17 * 1024 * 1024


@pytest.mark.parametrize(
    "junk",
    [bytes(range(256)) * 4, "{not json", "[]", '{"type": "pong", "x": ' + "1" * 5000 + "}", "x" * HUGE],
    ids=["binary garbage", "invalid json", "not an object", "long number", "frame over 16 MiB"],
)
async def test_junk_on_one_websocket_leaves_the_others_receiving(
    fuzzed_server: Server, template: Template, junk: bytes | str
) -> None:
    """The sender may be hung up on (binary, oversized) or ignored (text it does not read); either way the
    other clients of the office, and the server, carry on."""
    url = f"{fuzzed_server.ws}/ws/offices/town"
    display = {"Authorization": f"Bearer {template.tokens['display']}"}
    async with (
        connect(url, additional_headers=display, open_timeout=15) as bystander,
        connect(url, additional_headers=display, open_timeout=15, max_size=None) as sender,
    ):
        assert (await _next_event(bystander))["type"] == "snapshot"
        assert (await _next_event(sender))["type"] == "snapshot"
        with contextlib.suppress(ConnectionClosed):  # the server may hang up while the frame still arrives
            await sender.send(junk)
        if isinstance(junk, bytes) or len(junk) == HUGE:
            closed = await _closed(sender)
            assert closed is not None, "the server kept a connection that sent junk"

        kiosk = {"Authorization": f"Bearer {template.tokens['kiosk']}"}
        async with httpx.AsyncClient(base_url=fuzzed_server.url, timeout=30) as http:
            issued = await http.post(
                "/api/offices/town/tickets", json={"service": "A", "language": "nl"}, headers=kiosk
            )
            assert issued.status_code == 201, issued.text
            assert (await http.get("/healthz")).status_code == 200
        assert (await _next_event(bystander))["type"] == "ticket.issued"
        if isinstance(junk, str) and len(junk) < HUGE:
            assert (await _next_event(sender))["type"] == "ticket.issued", "ignored junk must not break the sender"


async def test_a_binary_frame_is_refused_as_unsupported_data(fuzzed_server: Server, template: Template) -> None:
    display = {"Authorization": f"Bearer {template.tokens['display']}"}
    async with connect(f"{fuzzed_server.ws}/ws/offices/town", additional_headers=display, open_timeout=15) as ws:
        assert (await _next_event(ws))["type"] == "snapshot"
        await ws.send(b"\x00\x01")
        closed = await _closed(ws)
    assert closed is not None
    assert closed.rcvd is not None
    assert closed.rcvd.code == 1003, (closed.rcvd.code, closed.rcvd.reason)


#: Junk for the citizen pages' forms and addresses, which /openapi.json does not describe.
FORM_JUNK = [
    b"\xff\xfe\x00\x01",
    b"time=99:99&name=%00&email=%FF&phone=++++&remind_via=carrier-pigeon",
    b"time=" + b"9" * 5000,
    b"score=1e309&improvement=" + b"&improvement=".join(b"x%d" % n for n in range(200)),
    b"email=" + b"a" * 3000 + b"@example.org&phone=" + b"0" * 3000,
    b"name=" + "Zoë <script>alert(1)</script> ".encode() * 200 + b"&time=10:00&email=a@example.org",
    b"=&&&==&%%%&lang=zz",
]
PAGE_JUNK = [
    "/book/town/A/9999-99-99",
    "/book/town/A/0001-01-01",
    "/book/town/A/9999-12-31/details?time=23:59",
    "/book/town/%00/2026-01-01",
    "/book/town/A/2026-03-03/details?time=25:61",
    "/book/town?lang=" + "x" * 3000,
    "/booking/{manage}/move/0001-01-01",
    "/booking/{manage}/move/9999-12-31",
    "/booking/{manage}?lang=%FF",
    "/t/{status}?lang=zz&done=" + "d" * 3000,
    "/display/town?token={display}&lang=<script>,%00",
    "/manage/town?token={admin}&days=-1",
    "/manage/town?token={admin}&days=99999999999999999999",
    "/open-data/town/daily.csv?from=0001-01-01&to=9999-12-31",
    "/open-data/town/hourly.json?from=9999-12-31&to=0001-01-01",
    "/open-data/town/daily.json?from=2026-13-01",
]


def test_junk_in_the_citizen_pages_forms_and_addresses_is_never_a_5xx(
    fuzzed_server: Server, template: Template
) -> None:
    real = _real(fuzzed_server, template)
    day = (date.today() + timedelta(days=1)).isoformat()
    forms = [
        *(f"/t/{real.status_token}/{action}" for action in ("leave", "late", "timed-return", "notify", "happiness")),
        f"/book/town/A/{day}/details",
        f"/booking/{real.manage_token}/move/{day}",
        f"/booking/{real.manage_token}/cancel",
        f"/booking/{real.manage_token}/erase",
    ]
    tokens = {"manage": real.manage_token, "status": real.status_token, **template.tokens}
    crashed: list[str] = []
    tried = 0
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    with httpx.Client(base_url=fuzzed_server.url, timeout=30) as http:
        for path in forms:
            for body in FORM_JUNK:
                tried += 1
                if (status := http.post(path, content=body, headers=form).status_code) >= 500:
                    crashed.append(f"POST {path} {body[:60]!r}: {status}")
        for page in PAGE_JUNK:
            tried += 1
            path = page.format(**{k.replace("-", "_"): v for k, v in tokens.items()})
            if (status := http.get(path).status_code) >= 500:
                crashed.append(f"GET {page}: {status}")
    assert tried == len(forms) * len(FORM_JUNK) + len(PAGE_JUNK)
    assert crashed == []
