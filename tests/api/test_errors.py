"""Every bad request gets a 4xx with {"error", "detail"} and changes nothing."""

from __future__ import annotations

import pytest

from scheduler.model import Role
from tests.api.conftest import Api

K, C, D, M = Role.KIOSK, Role.CLERK, Role.DISPLAY, Role.MANAGER

CASES = [
    # (what, method, path, role, json body or raw bytes, status, error code)
    (
        "unknown office",
        "POST",
        "/api/offices/nowhere/tickets",
        Role.ADMIN,
        {"service": "A", "language": "nl"},
        404,
        "office_not_found",
    ),
    (
        "unknown service",
        "POST",
        "/api/offices/town/tickets",
        K,
        {"service": "Z", "language": "nl"},
        404,
        "service_not_found",
    ),
    (
        "unknown language",
        "POST",
        "/api/offices/town/tickets",
        K,
        {"service": "A", "language": "de"},
        422,
        "invalid_request",
    ),
    ("missing service", "POST", "/api/offices/town/tickets", K, {"language": "nl"}, 422, "invalid_request"),
    (
        "unknown field",
        "POST",
        "/api/offices/town/tickets",
        K,
        {"service": "A", "language": "nl", "vip": True},
        422,
        "invalid_request",
    ),
    ("wrong type", "POST", "/api/offices/town/tickets", K, {"service": 7, "language": "nl"}, 422, "invalid_request"),
    ("malformed json", "POST", "/api/offices/town/tickets", K, b'{"service": "A",', 400, "malformed_json"),
    ("oversized body", "POST", "/api/offices/town/tickets", K, b"[" + b"1," * 20000 + b"1]", 413, "body_too_large"),
    (
        "unknown booking code",
        "POST",
        "/api/offices/town/tickets",
        K,
        {"service": "A", "language": "nl", "appointment": "XYZ"},
        404,
        "appointment_not_found",
    ),
    ("unknown counter", "POST", "/api/counters/999/call-next", C, None, 404, "counter_not_found"),
    ("unknown counter action", "POST", "/api/counters/1/explode", C, None, 422, "invalid_request"),
    ("unknown ticket", "POST", "/api/tickets/999/finish", C, None, 404, "ticket_not_found"),
    ("unknown ticket action", "POST", "/api/tickets/1/teleport", C, None, 422, "invalid_request"),
    ("ticket id not a number", "POST", "/api/tickets/abc/finish", C, None, 422, "invalid_request"),
    (
        "ticket id beyond 64 bits",
        "POST",
        "/api/tickets/1652797019612239844343808/cancel",
        C,
        None,
        422,
        "invalid_request",
    ),
    (
        "counter id beyond 64 bits",
        "POST",
        "/api/counters/28516294866082671362048/call-next",
        C,
        None,
        422,
        "invalid_request",
    ),
    ("counter id zero", "POST", "/api/counters/0/open", C, None, 422, "invalid_request"),
    (
        "transfer to a counter beyond 64 bits",
        "POST",
        "/api/tickets/1/transfer",
        C,
        {"to_counter": 41168941531015824000000},
        422,
        "invalid_request",
    ),
    ("unknown status code", "GET", "/api/status/nope", None, None, 404, "ticket_not_found"),
    ("no token", "GET", "/api/offices/town/queue", None, None, 401, "unauthorized"),
    ("kiosk may not call", "POST", "/api/counters/1/call-next", K, None, 403, "forbidden"),
    (
        "display may not issue",
        "POST",
        "/api/offices/town/tickets",
        D,
        {"service": "A", "language": "nl"},
        403,
        "forbidden",
    ),
    ("display may not open a counter", "POST", "/api/counters/1/open", D, None, 403, "forbidden"),
    ("calling at a closed counter", "POST", "/api/counters/1/call-next", C, None, 409, "counter_not_open"),
    ("pausing a closed counter", "POST", "/api/counters/1/pause", C, {"reason": "lunch"}, 409, "illegal_transition"),
    ("a reason too long", "POST", "/api/counters/1/pause", C, {"reason": "x" * 500}, 422, "invalid_request"),
    ("unknown path", "GET", "/api/nothing-here", C, None, 404, "not_found"),
    ("wrong method", "DELETE", "/api/offices/town/queue", C, None, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(
    ("what", "method", "path", "role", "body", "status", "error"), CASES, ids=[c[0] for c in CASES]
)
async def test_bad_request_gets_a_clear_4xx_and_changes_nothing(
    api: Api, what: str, method: str, path: str, role: Role | None, body: object, status: int, error: str
) -> None:
    path = path.replace("/counters/1/", f"/counters/{api.seeded.counters['1']}/")
    before = (await api.http.get("/api/offices/town/queue", headers=api.auth(M))).json()
    headers = api.auth(role) if role else {}
    if isinstance(body, bytes):
        response = await api.http.request(
            method, path, content=body, headers={**headers, "Content-Type": "application/json"}
        )
    else:
        response = await api.http.request(method, path, json=body, headers=headers)
    assert response.status_code == status, response.text
    payload = response.json()
    assert payload["error"] == error
    assert isinstance(payload["detail"], str)
    assert payload["detail"]
    after = (await api.http.get("/api/offices/town/queue", headers=api.auth(M))).json()
    assert after == before


async def test_wrong_token_is_refused(api: Api) -> None:
    r = await api.http.get("/api/offices/town/queue", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_token"


async def test_clerk_of_one_office_cannot_touch_another(api: Api, seeder: object) -> None:
    other = {
        "name": "elsewhere",
        "service": [{"code": "A", "name": "A"}],
        "counter": [{"name": "1", "services": ["A"]}],
    }
    seeded = seeder(str(api.seeded.db.engine.url), other)  # type: ignore[operator]
    theirs = seeded.counters["1"]
    r = await api.http.post(f"/api/counters/{theirs}/open", headers=api.auth(C))
    assert r.status_code == 403
    r = await api.http.get("/api/offices/elsewhere/queue", headers=api.auth(C))
    assert r.status_code == 403
    r = await api.http.post(
        "/api/offices/elsewhere/tickets", json={"service": "A", "language": "fr"}, headers=api.auth(K)
    )
    assert r.status_code == 403


async def test_expired_token_is_refused(api: Api) -> None:
    login = await _login(api)
    api.clock.advance(hours=13)
    r = await api.http.get("/api/offices/town/queue", headers={"Authorization": f"Bearer {login['token']}"})
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_token"


async def _login(api: Api) -> dict[str, str]:
    from datetime import UTC, datetime

    from scheduler.model import Role as R
    from store.admin import add_user

    add_user(api.seeded.db, "anna", "town", R.CLERK, "correct horse", datetime.now(UTC))
    r = await api.http.post("/api/login", json={"username": "anna", "password": "correct horse"})
    assert r.status_code == 200, r.text
    return dict(r.json())


async def test_login_gives_a_clerk_token_that_serves_its_office(api: Api) -> None:
    login = await _login(api)
    assert login["role"] == "clerk"
    assert login["office"] == "town"
    r = await api.http.post(
        f"/api/counters/{api.seeded.counters['1']}/open", headers={"Authorization": f"Bearer {login['token']}"}
    )
    assert r.status_code == 200


@pytest.mark.parametrize(("username", "password"), [("anna", "wrong password"), ("nobody", "correct horse")])
async def test_login_with_wrong_credentials_is_refused_alike(api: Api, username: str, password: str) -> None:
    await _login(api)
    r = await api.http.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 401
    assert r.json() == {"error": "bad_credentials", "detail": "unknown user or wrong password"}


async def test_revoked_token_stops_working_once_the_lookup_cache_expires(api: Api) -> None:
    from datetime import UTC, datetime

    from store.admin import revoke_token

    now = [100.0]  # the cache's monotonic seconds, moved by hand instead of slept through
    api.parts.tokens.clock = lambda: now[0]
    api.parts.tokens.ttl_s = 0.2
    headers = api.auth(Role.DISPLAY)
    assert (await api.http.get("/api/offices/town/queue", headers=headers)).status_code == 200
    assert revoke_token(api.seeded.db, api.seeded.tokens[Role.DISPLAY], datetime.now(UTC))
    now[0] += 0.3
    r = await api.http.get("/api/offices/town/queue", headers=headers)
    assert r.status_code == 401
    assert r.json()["error"] == "invalid_token"
