"""Staff log in on the web: the form (no JavaScript, nl/fr/en), the session cookie and what it opens, the same
login limits as `POST /api/login`, only local `?next=`, logout, and cross-site posts refused."""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path

import httpx
import pytest

from scheduler.model import Role
from server import create_app
from settings import Settings
from store import admin
from store.database import Database
from store.engine import make_engine
from tests.api.conftest import Clock
from tests.support import OFFICE, Seeded, seed
from tests.web.test_booking_pages import parse

PASSWORD = "correct horse battery"
SITE, HTTP = "https://loket.test", "http://loket.test"


@dataclass
class Staff:
    http: httpx.AsyncClient
    seeded: Seeded
    clock: Clock

    async def log_in(self, username: str, password: str = PASSWORD, **params: str) -> httpx.Response:
        return await self.http.post("/login", params=params, data={"username": username, "password": password})


@dataclass(frozen=True)
class Template:
    """A seeded database file with staff accounts: ann (manager of town), carl (clerk of town), ada (admin of
    every office), and the office's device tokens; copied for each test (seeding and hashing passwords once)."""

    path: Path
    tokens: dict[Role, str]
    counters: dict[str, int]

    def copy(self, directory: Path) -> str:
        target = directory / "loket.db"
        for suffix in ("", "-wal", "-shm"):
            source = Path(f"{self.path}{suffix}")
            if source.exists():
                shutil.copyfile(source, Path(f"{target}{suffix}"))
        return f"sqlite:///{target}"


def make_template(directory: Path, office: dict[str, object] | None = None) -> Template:
    path = directory / "template.db"
    seeded = seed(f"sqlite:///{path}", office or OFFICE)
    try:
        now = datetime.now(UTC)
        admin.add_user(seeded.db, "ann", "town", Role.MANAGER, PASSWORD, now)
        admin.add_user(seeded.db, "carl", "town", Role.CLERK, PASSWORD, now)
        admin.add_user(seeded.db, "ada", None, Role.ADMIN, PASSWORD, now)
    finally:
        seeded.db.engine.dispose()
    return Template(path, seeded.tokens, seeded.counters)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("staff"))


@contextlib.asynccontextmanager
async def staff_site(template: Template, directory: Path, **settings: object) -> AsyncIterator[Staff]:
    """The app in process over https (its public address) on a copy of the template."""
    url = template.copy(directory)
    db = Database(make_engine(url, pool_size=5))
    clock = Clock()
    app = create_app(Settings(database_url=url, public_url=SITE, **settings), clock=clock)  # type: ignore[arg-type]
    try:
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url=SITE) as http:
                yield Staff(http, Seeded(db, template.tokens, template.counters), clock)
    finally:
        db.engine.dispose()


@pytest.fixture
async def site(template: Template, tmp_path: Path) -> AsyncIterator[Staff]:
    async with staff_site(template, tmp_path, token_cache_s=0) as served:
        yield served


def session_cookie(r: httpx.Response) -> SimpleCookie:
    cookie: SimpleCookie = SimpleCookie()
    for header in r.headers.get_list("set-cookie"):
        if header.startswith("loket_staff="):
            cookie.load(header)
    return cookie


@pytest.mark.parametrize(
    ("lang", "says"),
    [("nl", "Gebruikersnaam"), ("fr", "Nom d'utilisateur"), ("en", "Username")],
)
async def test_the_login_form_is_plain_html_in_each_language(site: Staff, lang: str, says: str) -> None:
    r = await site.http.get("/login", params={"lang": lang})
    assert r.status_code == 200
    html = parse(r)
    assert says in html.text
    assert "<script" not in r.text
    assert re.search(r'<form method="post" action="/login\?lang=' + lang + '"', r.text)
    assert 'type="password"' in r.text
    assert 'autocomplete="current-password"' in r.text
    assert r.headers["cache-control"] == "no-store"


async def test_a_manager_logs_in_and_lands_on_the_dashboard_with_a_session_cookie(site: Staff) -> None:
    r = await site.log_in("ann")
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/manage/town"
    cookie = session_cookie(r)["loket_staff"]
    assert cookie["httponly"] is True
    assert cookie["samesite"].lower() == "lax"
    assert cookie["path"] == "/"
    assert cookie["secure"] is True  # the public address is https
    assert cookie["max-age"] == str(12 * 3600)
    # The token it holds: a login token of 12 hours, labelled for the web.
    row = next(t for t in admin.tokens(site.seeded.db) if t.username == "ann")
    assert row.label == "web login ann"  # `loket token list` tells a browser's login from a terminal's
    assert row.expires_at is not None
    assert row.expires_at - row.created_at == timedelta(hours=12)
    dashboard = await site.http.get("/manage/town")
    assert dashboard.status_code == 200
    text = parse(dashboard).text
    assert "Town hall — dashboard" in text
    assert 'id="logout"' in dashboard.text  # logged in by session: a logout button
    assert 'href="/admin/town?lang=en" id="admin-link"' in dashboard.text


async def test_the_cookie_is_not_secure_on_a_plain_http_server(template: Template, tmp_path: Path) -> None:
    url = template.copy(tmp_path)
    app = create_app(Settings(database_url=url, public_url=HTTP))
    transport = httpx.ASGITransport(app=app)
    async with app.router.lifespan_context(app), httpx.AsyncClient(transport=transport, base_url=HTTP) as http:
        r = await http.post("/login", data={"username": "ann", "password": PASSWORD})
        assert r.status_code == 303
        assert not session_cookie(r)["loket_staff"]["secure"]
        assert (await http.get("/manage/town")).status_code == 200


async def test_an_admin_lands_on_the_administration_start_and_a_clerk_on_the_login_page(site: Staff) -> None:
    assert (await site.log_in("ada")).headers["location"] == "/admin"
    r = await site.log_in("carl", lang="fr")
    assert r.headers["location"] == "/login?lang=fr"
    page = parse(await site.http.get(r.headers["location"]))
    assert "Vous êtes connecté en tant que carl (guichetier, bureau town)." in page.text
    assert "Le tableau de bord et les pages d'administration sont destinés aux responsables." in page.text


async def test_a_clerks_session_gets_a_refusal_in_words_on_the_dashboard(site: Staff) -> None:
    await site.log_in("carl")
    r = await site.http.get("/manage/town", params={"lang": "nl"})
    assert r.status_code == 403
    text = parse(r).text
    assert "U mag deze pagina niet zien" in text
    assert "carl: loketbediende van kantoor town." in text
    assert 'id="logout"' in r.text


async def test_a_wrong_password_shows_the_form_again_with_the_username_and_a_reason(site: Staff) -> None:
    r = await site.log_in("ann", "wrong password", lang="fr")
    assert r.status_code == 401
    assert "Le nom d'utilisateur ou le mot de passe n'est pas correct." in parse(r).text
    assert 'value="ann"' in r.text
    assert "wrong password" not in r.text
    assert "loket_staff" not in r.headers.get("set-cookie", "")
    unknown = await site.log_in("nobody", "wrong password")
    assert unknown.status_code == 401
    assert "The username or the password is not right." in parse(unknown).text


async def test_empty_fields_are_named(site: Staff) -> None:
    r = await site.http.post("/login", data={"username": "", "password": ""})
    assert r.status_code == 422
    text = parse(r).text
    assert "Type your username." in text
    assert "Type your password." in text
    assert 'aria-invalid="true"' in r.text


async def test_wrong_passwords_on_the_page_and_the_api_count_together(site: Staff) -> None:
    for _ in range(3):
        assert (await site.log_in("ann", "wrong password")).status_code == 401
    for _ in range(2):
        api = await site.http.post("/api/login", json={"username": "ann", "password": "wrong password"})
        assert api.status_code == 401
    locked = await site.log_in("ann")  # the right password, but too late
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Too many wrong passwords. Try again in 15 minutes." in parse(locked).text
    api = await site.http.post("/api/login", json={"username": "ann", "password": PASSWORD})
    assert (api.status_code, api.json()["error"]) == (429, "too_many_failed_logins")


@pytest.mark.parametrize(
    ("target", "lands"),
    [
        ("/manage/town?days=7", "/manage/town?days=7"),
        ("https://evil.example/", "/manage/town"),
        ("//evil.example/manage/town", "/manage/town"),
        ("/\\evil.example", "/manage/town"),
        ("javascript:alert(1)", "/manage/town"),
        ("/\x0d\x0aSet-Cookie:x=1", "/manage/town"),
    ],
)
async def test_after_login_only_a_local_next_is_followed(site: Staff, target: str, lands: str) -> None:
    r = await site.http.post("/login", data={"username": "ann", "password": PASSWORD, "next": target})
    assert r.status_code == 303
    assert r.headers["location"] == lands


async def test_a_page_without_credentials_answers_the_login_form_that_returns_to_it(site: Staff) -> None:
    r = await site.http.get("/manage/town", params={"days": "7", "lang": "fr"})
    assert r.status_code == 401
    assert "Connectez-vous pour voir cette page." in parse(r).text
    target = re.search(r'name="next" value="([^"]+)"', r.text)
    assert target is not None
    back = await site.http.post(
        "/login", data={"username": "ann", "password": PASSWORD, "next": target[1].replace("&amp;", "&")}
    )
    assert back.headers["location"] == "/manage/town?days=7&lang=fr"
    assert (await site.http.get(back.headers["location"])).status_code == 200


async def test_logout_revokes_the_token_and_clears_the_cookie(site: Staff) -> None:
    await site.log_in("ann")
    token = site.http.cookies["loket_staff"]
    assert admin.principal_for(site.seeded.db, token, site.clock.now) is not None
    r = await site.http.post("/logout")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?done=logout&lang=en"
    assert "loket_staff" not in site.http.cookies
    assert admin.principal_for(site.seeded.db, token, site.clock.now) is None
    assert "You are logged out." in parse(await site.http.get(r.headers["location"])).text
    # Even the old cookie, kept by someone, no longer opens anything.
    site.http.cookies.set("loket_staff", token)
    again = await site.http.get("/manage/town")
    assert again.status_code == 401


async def test_the_token_in_the_address_still_works_beside_the_session(site: Staff) -> None:
    r = await site.http.get("/manage/town", params={"token": site.seeded.tokens[Role.MANAGER]})
    assert r.status_code == 303
    assert r.headers["location"] == "/manage/town"
    assert (await site.http.get("/manage/town")).status_code == 200


async def test_a_logged_in_manager_opens_the_display_board_and_its_queue_without_a_token(site: Staff) -> None:
    assert (await site.http.get("/display/town")).status_code == 401  # nobody logged in, no token: refused
    await site.log_in("ann")
    page = await site.http.get("/display/town", params={"lang": "fr,nl"})
    assert page.status_code == 200, page.text
    assert site.http.cookies["loket_staff"] not in page.text
    queue = await site.http.get("/display/town/queue")
    assert queue.status_code == 200, queue.text
    assert queue.json()["office"]["id"] == "town"
    assert (await site.http.get("/display/other/queue")).status_code == 403  # a manager of town only


async def test_the_display_s_refusal_speaks_the_board_s_first_language(site: Staff) -> None:
    r = await site.http.get("/display/town", params={"lang": "fr,nl"})
    assert r.status_code == 401
    assert '<html lang="fr">' in r.text
    assert "Cet écran n’a pas de jeton" in r.text


async def test_a_staff_session_is_no_citizens_visit_on_the_ideas_page(site: Staff) -> None:
    await site.log_in("ann")
    r = await site.http.get("/ideas/town", params={"lang": "en"})
    assert r.status_code == 200
    assert site.http.cookies["loket_staff"] not in r.text
    assert 'id="no-visit"' in r.text  # no proposing nor voting as a visitor: a login is not a visit
    assert 'id="propose-title"' not in r.text


@pytest.mark.parametrize("path", ["/login", "/logout"])
async def test_a_form_posted_from_another_site_is_refused(site: Staff, path: str) -> None:
    r = await site.http.post(
        path,
        data={"username": "ann", "password": PASSWORD},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert (r.status_code, r.json()["error"]) == (403, "cross_site_post")
    assert "loket_staff" not in r.headers.get("set-cookie", "")
