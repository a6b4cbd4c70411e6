"""The administration pages: who may see them, each form's change going through (post-redirect-get, shown on the
page, in the snapshot and in the audit log), refusals in words by the field with the typed values kept, device
tokens shown once, the page's languages."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from scheduler.model import Role
from tests.web.test_dashboard_language import english_left, visible_texts
from tests.web.test_login import Staff, Template, make_template, staff_site

PAGE = "/admin/town"


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Template:
    return make_template(tmp_path_factory.mktemp("admin"))


@pytest.fixture
async def site(template: Template, tmp_path: Path) -> AsyncIterator[Staff]:
    async with staff_site(template, tmp_path, token_cache_s=0) as served:
        assert (await served.log_in("ann")).status_code == 303
        yield served


def text_of(r: httpx.Response) -> str:
    return re.sub(r"\s+", " ", " ".join(visible_texts(r.text)))


async def submit(site: Staff, path: str, fields: dict[str, Any], lang: str = "en") -> httpx.Response:
    return await site.http.post(f"{PAGE}{path}", params={"lang": lang}, data=fields)


async def snapshot(site: Staff) -> dict[str, Any]:
    r = await site.http.get(
        "/api/offices/town/queue", headers={"Authorization": f"Bearer {site.seeded.tokens[Role.MANAGER]}"}
    )
    return dict(r.json())


SERVICE_A = {
    "name_nl": "Identiteitskaart en kids-ID",
    "name_fr": "Carte d'identité et kids-ID",
    "name_en": "Identity card and kids-ID",
    "duration_min": "12",
    "bookable": "on",
    "slot_min": "",
    "checklist_nl": "Uw oude kaart\nEen pasfoto",
    "checklist_fr": "",
    "checklist_en": "",
}


async def test_a_manager_sees_every_section_of_the_office(site: Staff) -> None:
    r = await site.http.get(PAGE)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    assert "<script" not in r.text
    text = text_of(r)
    for heading in ("Services", "Counters", "Opening hours", "Closing days", "Improvements offered", "Staff"):
        assert heading in text
    assert "Device tokens" in text
    assert "No changes yet." in text
    assert 'id="services-A-name_fr" name="name_fr" value="Carte d&#39;identité"' in r.text
    assert 'id="hours-hours_mon" name="hours_mon" value="08:00-18:00"' in r.text
    assert re.search(r'<tr id="user-carl">\s*<th scope="row">carl</th>', r.text)


@pytest.mark.parametrize(("who", "status", "says"), [("carl", 403, "carl is a clerk of office town."), (None, 401, "")])
async def test_a_clerk_gets_a_refusal_in_words_and_a_stranger_the_login_form(
    site: Staff, who: str | None, status: int, says: str
) -> None:
    site.http.cookies.clear()
    if who:
        await site.log_in(who)
    r = await site.http.get(PAGE)
    assert r.status_code == status
    text = text_of(r)
    assert says in text
    if who is None:
        assert 'name="next" value="/admin/town"' in r.text
    posted = await submit(site, "/hours", {"hours_mon": "09:00-10:00"})
    assert posted.status_code == status
    assert (await snapshot(site))["office"]["hours"]["mon"] == [["08:00", "18:00"]]


async def test_an_admin_manages_any_office_and_a_token_in_the_address_is_traded(site: Staff) -> None:
    site.http.cookies.clear()
    r = await site.http.get(PAGE, params={"token": site.seeded.tokens[Role.ADMIN]})
    assert (r.status_code, r.headers["location"]) == (303, PAGE)
    assert site.http.cookies["loket_admin"] == site.seeded.tokens[Role.ADMIN]
    assert (await site.http.get(PAGE)).status_code == 200
    site.http.cookies.clear()
    await site.log_in("ada")
    assert (await site.http.get("/admin", params={"office": "town"})).headers["location"] == "/admin/town?lang=en"
    assert (await site.http.get("/admin/atlantis")).status_code == 404


async def test_a_services_names_change_shows_on_the_page_in_the_snapshot_and_in_the_audit_log(site: Staff) -> None:
    r = await submit(site, "/services/A", SERVICE_A)
    assert r.status_code == 303, r.text
    assert r.headers["location"] == "/admin/town?done=service_saved&lang=en#services"
    page = await site.http.get(r.headers["location"])
    text = text_of(page)
    assert "The service was saved." in text
    assert "A — Identity card and kids-ID · bookable" in text
    service = next(s for s in (await snapshot(site))["services"] if s["code"] == "A")
    assert service["names"] == {"nl": SERVICE_A["name_nl"], "fr": SERVICE_A["name_fr"], "en": SERVICE_A["name_en"]}
    assert service["duration_s"] == 720
    audit = text.split("Who changed what, and when; the newest first.")[1]
    assert "ann changed service A" in audit
    assert "names: nl: Identiteitskaart; fr: Carte d'identité; en: Identity card →" in audit
    assert "duration (s): 600 → 720" in audit


async def test_a_refused_form_comes_back_with_what_was_typed_and_the_reason_by_the_field(site: Staff) -> None:
    r = await submit(site, "/services/A", {**SERVICE_A, "name_fr": "  "}, lang="fr")
    assert r.status_code == 422
    text = text_of(r)
    assert "Nom en français : tapez un nom, 80 caractères au plus." in text
    assert 'value="Identiteitskaart en kids-ID"' in r.text  # what was typed, not what is stored
    assert 'id="services-A-name_fr" name="name_fr" value="  " aria-invalid="true"' in r.text
    assert re.search(r"<details class=\"card\" open id=\"service-A\">", r.text)
    assert next(s for s in (await snapshot(site))["services"] if s["code"] == "A")["names"]["fr"] == "Carte d'identité"
    unreadable = await submit(site, "/services/A", {**SERVICE_A, "duration_min": "ten"})
    assert unreadable.status_code == 422
    assert "Duration (minutes): type a whole number." in text_of(unreadable)


async def test_todays_opening_hours_change_and_bad_hours_are_refused_by_weekday(site: Staff) -> None:
    week = {f"hours_{day}": "08:30-12:30, 13:30-16:00" for day in ("mon", "tue", "wed", "thu", "fri")}
    r = await submit(site, "/hours", {**week, "hours_mon": "9:00-12:00, 13h00-17h30", "hours_sat": "", "hours_sun": ""})
    assert r.status_code == 303, r.text
    office = (await snapshot(site))["office"]
    assert office["hours_today"] == [["09:00", "12:00"], ["13:00", "17:30"]]  # the test's Monday
    assert office["hours"]["sat"] == []
    bad = await submit(site, "/hours", {**week, "hours_tue": "12:00-08:00"}, lang="nl")
    assert bad.status_code == 422
    assert "Dinsdag: schrijf de uren als 08:30-12:30, 13:30-16:00" in text_of(bad)
    unreadable = await submit(site, "/hours", {**week, "hours_wed": "morning"})
    assert "Wednesday: write the times as 08:30-12:30" in text_of(unreadable)


async def test_closing_days_and_settings_are_saved_and_refused_in_words(site: Staff) -> None:
    assert (await submit(site, "/closed", {"days": "2026-12-24\n2026-12-31\n2026-12-24"})).status_code == 303
    page = await site.http.get(PAGE)
    assert ">2026-12-24\n2026-12-31</textarea>" in page.text
    bad = await submit(site, "/closed", {"days": "24/12/2026"})
    assert bad.status_code == 422
    assert "Closing days: write each day as YYYY-MM-DD" in text_of(bad)
    settings = {
        "name": "Town hall",
        "remote_join": "on",
        "walk_in_share": "40",
        "remote_share_max": "25",
        "late_places": "2",
        "notify_before_min": "15",
        "remote_grace_min": "10",
        "no_show_min_recalls": "1",
        "no_show_delay_s": "60",
    }
    assert (await submit(site, "/settings", settings)).status_code == 303
    page = await site.http.get(PAGE)
    assert 'id="settings-walk_in_share" name="walk_in_share" value="40"' in page.text
    assert 'id="settings-remote_join" name="remote_join" checked' in page.text
    assert re.search(r'id="settings-timed_return" name="timed_return">', page.text)
    bad = await submit(site, "/settings", {**settings, "walk_in_share": "150"})
    assert "Share of the slots kept for walk-ins (%): type a percentage from 0 to 100." in text_of(bad)
    assert 'value="150"' in bad.text


async def test_improvements_are_rows_and_an_emptied_row_is_removed(site: Staff) -> None:
    rows = {"imp_0_code": "wait", "imp_0_nl": "Korter wachten", "imp_0_fr": "Attendre moins", "imp_0_en": "Shorter"}
    rows |= {"imp_1_code": "signs", "imp_1_en": "Clearer signs"}
    assert (await submit(site, "/improvements", rows)).status_code == 303
    assert [i["code"] for i in (await snapshot(site))["office"]["improvements"]] == ["wait", "signs"]
    assert (await submit(site, "/improvements", {**rows, "imp_1_code": "", "imp_1_en": ""})).status_code == 303
    assert [i["code"] for i in (await snapshot(site))["office"]["improvements"]] == ["wait"]
    twice = await submit(site, "/improvements", {**rows, "imp_1_code": "wait"})
    assert twice.status_code == 422
    assert "Improvements: each improvement needs a code of its own." in text_of(twice)


async def test_services_and_counters_are_added_and_removed_unless_still_needed(site: Staff) -> None:
    new = {**SERVICE_A, "code": "d", "name_en": "Driving licence", "name_nl": "Rijbewijs", "name_fr": "Permis"}
    assert (await submit(site, "/services", new)).status_code == 303
    assert [s["code"] for s in (await snapshot(site))["services"]][-1] == "D"
    taken = await submit(site, "/services", new)
    assert taken.status_code == 409
    assert "Code: this office has a service with this code already." in text_of(taken)
    r = await site.http.post(f"{PAGE}/counters", data={"name": "4", "skills": ["A", "D"], "shifts": "08:00-12:00"})
    assert r.status_code == 303, r.text
    counter = next(c for c in (await snapshot(site))["counters"] if c["name"] == "4")
    assert sorted(counter["services"]) == ["A", "D"]
    same_name = await site.http.post(f"{PAGE}/counters", data={"name": "4", "skills": ["D"], "shifts": ""})
    assert same_name.status_code == 409
    assert "Name: another counter has this name." in text_of(same_name)
    assert re.search(r'name="skills" value="D" checked', same_name.text)  # the boxes ticked stay ticked
    # A service somebody waits for stays; once nobody does, it goes.
    ticket = await site.http.post(
        "/api/offices/town/tickets",
        json={"service": "D", "language": "nl"},
        headers={"Authorization": f"Bearer {site.seeded.tokens[Role.KIOSK]}"},
    )
    assert ticket.status_code == 201, ticket.text
    waited = await submit(site, "/services/D/delete", {})
    assert waited.status_code == 409
    assert "This service cannot be removed: 1 ticket(s) of today are not ended" in text_of(waited)
    assert (await submit(site, f"/counters/{counter['id']}/delete", {})).status_code == 303
    assert "4" not in [c["name"] for c in (await snapshot(site))["counters"]]


async def test_staff_accounts_are_added_changed_and_removed_but_the_last_manager_stays(site: Staff) -> None:
    dirk = {"username": "dirk", "role": "clerk", "password": "long enough", "language": "fr"}
    added = await submit(site, "/users", dirk)
    assert added.status_code == 303, added.text
    assert (await site.log_in("dirk", "long enough")).status_code == 303
    await site.log_in("ann")
    short = await submit(site, "/users", {"username": "eva", "role": "clerk", "password": "short", "language": ""})
    assert short.status_code == 422
    assert "Password: at least 8 characters." in text_of(short)
    assert 'value="eva"' in short.text
    changed = await submit(site, "/users/dirk", {"role": "clerk", "language": "nl", "password": "another one"})
    assert changed.status_code == 303
    assert (await site.log_in("dirk", "long enough")).status_code == 401
    await site.log_in("ann")
    demoted = await submit(site, "/users/ann", {"role": "clerk", "language": ""})
    assert demoted.status_code == 409
    assert "The office's last manager cannot be removed nor made a clerk" in text_of(demoted)
    assert (await submit(site, "/users/dirk/delete", {})).status_code == 303
    assert "dirk" not in [u for u in re.findall(r'<tr id="user-(\w+)">', (await site.http.get(PAGE)).text)]


async def test_a_device_token_is_shown_once_works_and_can_be_revoked(site: Staff) -> None:
    r = await submit(site, "/tokens", {"role": "display", "label": "hall TV"})
    assert r.status_code == 201, r.text
    secret = re.search(r'<code id="new-token-secret">([\w-]+)</code>', r.text)
    assert secret is not None
    screen = httpx.AsyncClient(transport=site.http._transport, base_url=str(site.http.base_url))
    async with screen:
        assert (await screen.get("/display/town", params={"token": secret[1]})).status_code == 303
        page = await site.http.get(PAGE)
        assert secret[1] not in page.text  # shown once, never again
        token_id = re.search(r'<tr id="token-(\d+)"><td>\d+</td><td>display</td><td>hall TV</td>', page.text)
        assert token_id is not None
        assert (await submit(site, f"/tokens/{token_id[1]}/revoke", {})).status_code == 303
        screen.cookies.clear()
        assert (await screen.get("/display/town", params={"token": secret[1]})).status_code == 401
    no_label = await submit(site, "/tokens", {"role": "kiosk", "label": ""})
    assert no_label.status_code == 422
    assert "Label: type a label" in text_of(no_label)


async def test_the_audit_log_names_who_changed_what_newest_first(site: Staff) -> None:
    await submit(site, "/closed", {"days": "2026-12-24"})
    await submit(site, "/services/A", SERVICE_A)
    rows = re.findall(r"<tr><td>([^<]+)</td><td>(\w+)</td><td>([^<]+)</td>", (await site.http.get(PAGE)).text)
    newest = [(who, what) for _at, who, what in rows[:2]]
    assert newest == [("ann", "changed service A"), ("ann", "set the closing days")]
    assert rows[0][0] == "2 Mar 2026, 09:30"  # the office's time (Brussels), not UTC


async def test_my_language_is_remembered_for_the_pages(site: Staff) -> None:
    r = await submit(site, "/language", {"language": "nl"})
    assert (r.status_code, r.headers["location"]) == (303, "/admin/town?done=language_saved#me")
    page = await site.http.get("/admin/town?done=language_saved")
    assert '<html lang="nl">' in page.text
    assert "Uw taal werd bewaard." in text_of(page)
    assert '<html lang="nl">' in (await site.http.get("/manage/town")).text
    assert '<html lang="fr">' in (await site.http.get("/manage/town", params={"lang": "fr"})).text
    assert "U bent aangemeld als ann" in text_of(await site.http.get("/login"))


@pytest.mark.parametrize("language", ["fr", "nl"])
async def test_the_administration_page_has_no_english_left(site: Staff, language: str) -> None:
    await submit(site, "/services/A", SERVICE_A)
    await submit(site, "/closed", {"days": "2026-12-24"})
    await submit(site, "/tokens", {"role": "kiosk", "label": "hall"})
    r = await site.http.get(PAGE, params={"lang": language})
    data = ("Town hall", "Identity card and kids-ID", "Identity card", "Passport", "Certificates", "hall")
    left = english_left(r.text, language, data=data)
    assert not left, "\n".join(left)
    refused = await submit(site, "/services/A", {**SERVICE_A, "name_fr": ""}, lang=language)
    left = english_left(refused.text, language, data=data)
    assert not left, "\n".join(left)


async def test_a_form_posted_from_another_site_is_refused(site: Staff) -> None:
    r = await site.http.post(
        f"{PAGE}/hours",
        data={"hours_mon": "09:00-10:00"},
        headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"},
    )
    assert (r.status_code, r.json()["error"]) == (403, "cross_site_post")
    assert (await snapshot(site))["office"]["hours"]["mon"] == [["08:00", "18:00"]]


async def test_the_administration_start_sends_a_manager_to_the_office_and_refuses_a_clerk(site: Staff) -> None:
    assert (await site.http.get("/admin")).headers["location"] == "/admin/town?lang=en"
    await site.log_in("carl")
    r = await site.http.get("/admin")
    assert r.status_code == 403
    assert "carl is a clerk of office town." in text_of(r)
    site.http.cookies.clear()
    assert (await site.http.get("/admin")).status_code == 401


async def test_the_audit_log_says_roles_and_languages_in_words(site: Staff) -> None:
    dirk = {"username": "dirk", "role": "clerk", "password": "long enough", "language": "fr"}
    assert (await submit(site, "/users", dirk)).status_code == 303
    text = text_of(await site.http.get(PAGE, params={"lang": "nl"}))
    assert "ann voegde personeelslid toe dirk rol: loketbediende; taal: Frans" in text
