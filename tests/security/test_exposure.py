"""What a real `loket serve` gives away (issue 13, findings 7 and 10): security headers on every page, the API
reference without outside scripts, the display's and dashboard's `?token=` traded for a page cookie, /healthz
without the driver's words, and the metrics token compared in constant time."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest
import websockets
from sqlalchemy.engine import make_url
from websockets.asyncio.client import connect

from scheduler.model import Role
from tests.api.conftest import serving
from tests.conftest import POSTGRES_URL
from tests.hardening.conftest import DatabaseProxy
from tests.support import OFFICE, Seeded, Server, running_server, start_server

pytestmark = pytest.mark.e2e


@dataclass
class Office:
    server: Server
    seeded: Seeded

    def token(self, role: Role) -> str:
        return self.seeded.tokens[role]

    def get(self, path: str, **kwargs: object) -> httpx.Response:
        return httpx.get(f"{self.server.url}{path}", timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def office(sqlite_url: str, seeder: Callable[..., Seeded]) -> Iterator[Office]:
    seeded = seeder(sqlite_url, OFFICE)
    with running_server(sqlite_url) as server:
        yield Office(server, seeded)


def sets(answer: httpx.Response, cookie: str) -> bool:
    """Whether the answer sets this cookie (pages also set the constant `loket_site`, api/origin.py)."""
    return any(value.startswith(f"{cookie}=") for value in answer.headers.get_list("set-cookie"))


def cookie_of(answer: httpx.Response) -> SimpleCookie:
    jar: SimpleCookie = SimpleCookie()
    jar.load(answer.headers["set-cookie"])
    return jar


def test_every_html_answer_forbids_inline_script_framing_and_referrers_and_every_answer_sniffing(
    office: Office,
) -> None:
    ticket = httpx.post(
        f"{office.server.url}/api/offices/town/tickets",
        json={"service": "A", "language": "en"},
        headers={"Authorization": f"Bearer {office.token(Role.KIOSK)}"},
        timeout=10,
    ).json()
    display, manager = office.token(Role.DISPLAY), office.token(Role.MANAGER)
    pages = {
        "/display/town": 401,
        "/display/nowhere?token=x": 401,
        "/manage/town": 401,
        "/book/town?lang=en": 200,
        "/t/" + ticket["status_url"].rsplit("/", 1)[1]: 200,
        "/t/no-such-ticket": 404,
        "/docs": 200,
        "/redoc": 200,
    }
    for path, status in pages.items():
        answer = office.get(path)
        assert (path, answer.status_code) == (path, status)
        assert answer.headers["content-type"].startswith("text/html")
        directives = dict(d.split(" ", 1) for d in answer.headers["content-security-policy"].split("; "))
        script = directives.get("script-src", directives["default-src"])
        assert script == "'self'", path  # no 'unsafe-inline', no other host
        assert directives["frame-ancestors"] == "'none'"
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.headers["referrer-policy"] == "no-referrer"
    for path in (f"/display/town?token={display}", f"/manage/town?token={manager}"):
        answer = office.get(path, cookies={}, follow_redirects=True)
        assert answer.status_code == 200
        assert "script-src 'self'" in answer.headers["content-security-policy"]
    for path in ("/healthz", "/api/offices/town/queue", "/nope", "/static/display.js", "/docs/assets/swagger-ui.css"):
        assert office.get(path).headers["x-content-type-options"] == "nosniff", path


def test_the_api_reference_pages_load_their_scripts_from_this_server_only(office: Office) -> None:
    for path in ("/docs", "/redoc"):
        html = office.get(path).text
        assert "cdn.jsdelivr.net" not in html
        assert "fonts.googleapis.com" not in html
        assert "<script>" not in html  # Swagger UI starts from /static/docs.js
    assert office.get("/docs/assets/swagger-ui-bundle.js").status_code == 200
    assert office.get("/docs/assets/redoc.standalone.js").status_code == 200
    assert "SwaggerUIBundle(" in office.get("/static/docs.js").text


@pytest.mark.parametrize(
    ("page", "role", "cookie", "lasting"),
    [("/display/town", Role.DISPLAY, "loket_display", True), ("/manage/town", Role.MANAGER, "loket_manage", False)],
)
def test_a_token_in_the_address_is_traded_for_a_cookie_of_that_page_and_a_clean_address(
    office: Office, page: str, role: Role, cookie: str, lasting: bool
) -> None:
    secret = office.token(role)
    traded = office.get(f"{page}?lang=fr&token={secret}&days=7")
    assert traded.status_code == 303
    assert traded.headers["location"] == f"{page}?lang=fr&days=7"
    morsel = cookie_of(traded)[cookie]
    assert morsel.value == secret
    assert (morsel["path"], morsel["httponly"], morsel["samesite"].title(), morsel["secure"]) == (
        page,
        True,
        "Strict",
        "",
    )
    assert bool(morsel["max-age"]) is lasting  # the dashboard's ends with the browser session
    over_https = office.get(f"{page}?token={secret}", headers={"X-Forwarded-Proto": "https"})  # from a local proxy
    assert cookie_of(over_https)[cookie]["secure"] is True

    shown = office.get(f"{page}?days=7", cookies={cookie: secret})
    assert shown.status_code == 200
    assert secret not in shown.text
    assert office.get(page).status_code == 401  # without the cookie, as before
    refused = office.get(f"{page}?token=not-a-token")
    assert (refused.status_code, sets(refused, cookie)) == (401, False)
    if role is Role.MANAGER:
        another_role = office.get(f"{page}?token={office.token(Role.DISPLAY)}")
        assert (another_role.status_code, sets(another_role, cookie)) == (403, False)


def test_the_display_page_works_from_its_cookie_alone(office: Office) -> None:
    secret = office.token(Role.DISPLAY)
    assert office.get("/display/town/queue").status_code == 401
    assert office.get("/display/town/queue", cookies={"loket_display": "wrong"}).status_code == 401
    queue = office.get("/display/town/queue", cookies={"loket_display": secret})
    assert queue.status_code == 200
    assert [s["code"] for s in queue.json()["services"]]
    annex = office.get("/display/annex/queue", cookies={"loket_display": secret})
    assert annex.status_code in (403, 404)


async def test_the_display_socket_takes_the_cookie_from_the_server_own_pages_only(office: Office) -> None:
    url = f"{office.server.ws}/display/town/ws"
    cookie = {"Cookie": f"loket_display={office.token(Role.DISPLAY)}"}
    async with connect(url, additional_headers=cookie, origin=office.server.url) as socket:  # type: ignore[arg-type]
        first = json.loads(await socket.recv())
    assert first["type"] == "snapshot"
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with connect(url, additional_headers=cookie, origin="https://evil.example"):  # type: ignore[arg-type]
            pass
    assert refused.value.response.status_code == 403
    async with connect(url, origin=office.server.url) as socket:  # type: ignore[arg-type]
        answer = json.loads(await socket.recv())
    assert (answer["type"], answer["error"]) == ("error", "unauthorized")


@pytest.fixture
def proxy() -> Iterator[DatabaseProxy]:
    """PostgreSQL behind a TCP proxy that the test can cut."""
    target = make_url(POSTGRES_URL)
    cut_off = DatabaseProxy(target.host or "127.0.0.1", target.port or 5432)
    cut_off.start()
    yield cut_off
    cut_off.close()


@pytest.mark.postgres
def test_healthz_says_database_unavailable_without_the_driver_text_which_goes_to_the_log(
    postgres_url: str,
    seeder: Callable[..., Seeded],
    proxy: DatabaseProxy,
    tmp_path: Path,
) -> None:
    seeder(postgres_url)
    log = tmp_path / "server.log"
    server = start_server(proxy.url_for(postgres_url), log=log)
    try:
        proxy.cut()
        answer = httpx.get(f"{server.url}/healthz", timeout=30)
    finally:
        server.stop()
    assert answer.status_code == 503
    assert answer.json() == {"status": "unavailable", "error": "database_unavailable", "detail": "database unavailable"}
    written = log.read_text()
    assert "healthz: database unavailable: OperationalError" in written
    assert str(proxy.port) in written  # the driver's words, for the operator
    assert POSTGRES_URL not in written


async def test_the_metrics_token_is_compared_in_constant_time(
    sqlite_url: str, seeder: Callable[..., Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    import hmac

    compared: list[tuple[bytes, bytes]] = []
    real = hmac.compare_digest

    def compare_digest(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr("api.metrics.hmac.compare_digest", compare_digest)  # the hmac module api.metrics uses
    async with serving(sqlite_url, seeder(sqlite_url), metrics_token="scrape-me") as api_:
        assert (await api_.http.get("/metrics", headers={"Authorization": "Bearer scrape-me"})).status_code == 200
        wrong = await api_.http.get("/metrics", headers={b"Authorization": "Bearer scrape-mé".encode()})
        assert wrong.status_code == 401
    assert compared[0] == (b"scrape-me", b"scrape-me")
    assert len(compared) == 2
