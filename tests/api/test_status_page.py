"""The page behind a ticket's QR code speaks the citizen's language and follows the ticket."""

from __future__ import annotations

import pytest

from scheduler.model import Role
from tests.api.conftest import Api


def _path(ticket: dict[str, object]) -> str:
    return "/t/" + str(ticket["status_url"]).rsplit("/", 1)[1]


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("nl", ["Uw ticket", "Identiteitskaart", "1 persoon vóór u"]),
        ("fr", ["Votre ticket", "Carte d’identité", "1 personne devant vous"]),
        ("en", ["Your ticket", "Identity card", "1 person ahead of you"]),
    ],
)
async def test_status_page_speaks_the_language_chosen_at_the_kiosk(
    api: Api, language: str, expected: list[str]
) -> None:
    await api.issue("A", language)
    ticket = await api.issue("A", language)
    r = await api.http.get(_path(ticket))
    assert r.status_code == 200
    assert f'lang="{language}"' in r.text
    assert "A002" in r.text
    for text in expected:
        assert text.replace("’", "'") in r.text.replace("&#39;", "'").replace("’", "'"), text


async def test_status_page_tells_which_counter_to_go_to(api: Api) -> None:
    ticket = await api.issue("A", "fr")
    await api.open("2")
    await api.http.post(f"/api/counters/{api.seeded.counters['2']}/call-next", headers=api.auth(Role.CLERK))
    page = (await api.http.get(_path(ticket))).text
    assert "guichet 2" in page


async def test_unknown_status_code_gets_a_readable_page(api: Api) -> None:
    r = await api.http.get("/t/not-a-code?lang=nl")
    assert r.status_code == 404
    assert "text/html" in r.headers["content-type"]
    assert "Geen ticket" in r.text or "geen ticket" in r.text
