""" "Are you happy?" at the kiosk, for offices that ask there: driven by Textual's pilot against a real server."""

from __future__ import annotations

import json

import pytest
import sqlalchemy
from textual.widgets import Button

from kiosk import rating, screens
from tests.kiosk.test_app import LANGUAGES, Office, choose_language, kiosk, office_fixture, tap, text_of, until
from tests.support import OFFICE

IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"nl": "Duidelijker borden", "fr": "Panneaux plus clairs", "en": "Clearer signs"}},
    {"code": "hours", "names": {"nl": "Ruimere uren", "fr": "Horaires plus larges", "en": "Longer hours"}},
    {"code": "chairs", "names": {"nl": "Meer stoelen", "fr": "Plus de chaises", "en": "More chairs"}},
]
asking = pytest.fixture(
    office_fixture({**OFFICE, "happiness_at_kiosk": True, "improvement": IMPROVEMENTS}), name="asking"
)
plain = pytest.fixture(office_fixture(OFFICE), name="plain")
ASKED = {"nl": "Bent u tevreden?", "fr": "Êtes-vous satisfait\u00a0?", "en": "Are you happy?"}
THANKS = {"nl": "Dank u!", "fr": "Merci\u00a0!", "en": "Thank you!"}


def answers(office: Office) -> list[dict[str, object]]:
    with office.seeded.db.engine.connect() as conn:
        rows = conn.execute(sqlalchemy.text("SELECT service, score, improvements FROM happiness")).mappings().all()
    return [dict(r) for r in rows]


@pytest.mark.parametrize("language", LANGUAGES)
async def test_a_citizen_rates_the_visit_at_the_kiosk_in_their_language(asking: Office, language: str) -> None:
    async with kiosk(asking.config()) as (app, pilot):
        await choose_language(app, pilot, language)
        await until(pilot, lambda: app.screen.query_one("#rate", Button).display, "the rating button")
        assert str(app.screen.query_one("#rate", Button).label) == ASKED[language]
        await tap(pilot, "#rate")
        await until(pilot, lambda: isinstance(app.screen, rating.RatingScreen), "the rating screen")
        assert app.screen.query_one("#send", Button).disabled
        for choice in ("#svc-B", "#score-8", "#imp-wait", "#imp-signs", "#imp-hours", "#imp-chairs"):
            await tap(pilot, choice)
        assert str(app.screen.query_one("#imp-chairs", Button).label).startswith("✓") is False  # a fourth: no
        await tap(pilot, "#imp-signs")  # changed their mind
        await tap(pilot, "#send")
        await until(pilot, lambda: THANKS[language] in text_of(app, "#title"), "the thanks")
    [answer] = answers(asking)
    chosen = answer["improvements"]
    assert (answer["service"], answer["score"]) == ("B", 8)
    assert (json.loads(chosen) if isinstance(chosen, str) else chosen) == ["wait", "hours"]


async def test_an_office_that_does_not_ask_shows_no_rating_button(plain: Office) -> None:
    async with kiosk(plain.config()) as (app, pilot):
        await choose_language(app, pilot, "nl")
        await until(pilot, lambda: app.office is not None, "the office")
        assert isinstance(app.screen, screens.ServicesScreen)
        assert not app.screen.query_one("#rate", Button).display
