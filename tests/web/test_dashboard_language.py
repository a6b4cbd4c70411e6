"""The manager dashboard in French and in Dutch has no English left: no catalog message whose translation differs
from its English shows in English, and no visible word is one of a list of English-only words. The check
(`english_left`) is general: it reads the catalogs and the page, not today's strings, so it serves every staff
page (the administration pages' tests use it too)."""

from __future__ import annotations

import functools
import re
from collections.abc import AsyncIterator, Callable
from html.parser import HTMLParser

import pytest
from babel.messages.pofile import read_po

from i18n import tooling
from scheduler.model import Role
from tests.api.conftest import Api, serving
from tests.api.test_citizen_actions import post, served
from tests.support import OFFICE, ROOT, Seeded
from tests.web.test_dashboard import add_last_week

#: Words that are English and neither French nor Dutch (nor a code or a name on these pages). A visible word in
#: this list on a French or Dutch page is English left over.
ENGLISH_ONLY = frozenset(
    re.findall(
        r"\S+",
        """the and of with without waiting waited served today yesterday days hours hour counters queue queues answers
    answer mean median happiness estimate estimates estimated appointments appointment advice paused called within
    nobody wait waits checked seconds improvements improvement chosen never came yet more than last range shows
    left time told real share citizens number numbers counter percentile accuracy error reloads page office
    recommendations measures before after difference expected interval verdict better worse enough
    log out logged staff administration services opening closing closed hours weekday save saved remove delete
    add create revoke token tokens username password language clerk manager kiosk audit who what when changed
    settings name names duration bookable bring""",
    )
)
#: Words both English and French or Dutch: never taken as English by themselves.
SHARED = frozenset({"service", "minutes", "messages", "min", "live", "open", "data", "score", "dashboard", "per"})
assert not ENGLISH_ONLY & SHARED


class Visible(HTMLParser):
    """What a person sees or hears of a page in its language: text outside script and style, and the words in the
    attributes that browsers show or read out (title, alt, aria-label, placeholder, a button's value). Text marked
    as in another language (`lang="en"` on the language switch's "English") is that language's, not left over."""

    SAID = ("title", "alt", "aria-label", "placeholder")
    VOID = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"})

    def __init__(self) -> None:
        super().__init__()
        self.texts: list[str] = []
        self.language = ""
        self._open: list[tuple[str, bool]] = []  # (tag, hidden: script, style or another language)

    def _hidden(self) -> bool:
        return any(hidden for _tag, hidden in self._open)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "html":
            self.language = values.get("lang") or ""
            return
        other = bool(values.get("lang")) and values.get("lang") != self.language
        if not self._hidden() and not other:
            self.texts.extend(v for name, v in attrs if name in self.SAID and v)
            if tag == "input" and values.get("type") in ("submit", "button") and values.get("value"):
                self.texts.append(values["value"] or "")
        if tag not in self.VOID:
            self._open.append((tag, tag in ("script", "style") or other))

    def handle_endtag(self, tag: str) -> None:
        for i in range(len(self._open) - 1, -1, -1):
            if self._open[i][0] == tag:
                del self._open[i:]
                break

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.texts.append(data.strip())


def visible_texts(html: str) -> list[str]:
    parser = Visible()
    parser.feed(html)
    return parser.texts


PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdif]")
WORD = re.compile(r"[^\W\d_][\w'’-]*[^\W_]|[^\W\d_]")


def words(text: str) -> set[str]:
    """The words of a text, lower case, leaving out codes and addresses (anything with / _ @ or a digit)."""
    kept = " ".join(token for token in text.split() if not re.search(r"[/_@\d]", token))
    return {word.lower() for word in WORD.findall(kept)}


@functools.cache
def translated(language: str) -> list[tuple[str, str]]:
    """(English, translation) of every catalog message whose translation differs from the English in more than
    punctuation or placeholders: one of its English words is not in the translation."""
    with (ROOT / tooling.catalog_file(language)).open("rb") as po:
        catalog = read_po(po, locale=language)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string or ())
        for english, translation in zip(ids, strings, strict=False):
            if translation and words(PLACEHOLDER.sub(" ", english)) - words(translation):
                pairs.append((english, translation))
    return pairs


@functools.cache
def said_in(language: str) -> frozenset[str]:
    """Every word of the language's translations: an English message made only of these words is no sign."""
    return frozenset(w for _english, translation in translated(language) for w in words(translation))


def message_pattern(english: str) -> re.Pattern[str] | None:
    """The English message as it would show on a page: its placeholders filled by anything. None for a message
    whose every word is also a word of the translations (e.g. "open" on a Dutch page, where "open data" is
    Dutch): it says nothing by itself."""
    pieces = [piece.strip() for piece in PLACEHOLDER.split(english)]
    if not any(words(piece) for piece in pieces):
        return None
    body = r".{1,80}?".join(r"\s+".join(map(re.escape, piece.split())) for piece in pieces if piece)
    return re.compile(rf"(?<![\w'])(?:{body})(?![\w'])", re.S)


def english_left(html: str, language: str, data: tuple[str, ...] = ()) -> list[str]:
    """English in a page that should be in `language`: catalog messages shown in English, and English-only words.
    `data`: texts on the page that are data, not words of ours (names, titles typed by a manager)."""
    texts = visible_texts(html)
    for datum in data:
        texts = [text.replace(datum, " ") for text in texts]
    # Codes and addresses (/open-data/town, LOKET_MESSAGES_PER_HOUR) are no words.
    page = re.sub(r"\s+", " ", " ".join(re.sub(r"\S*[/_@]\S*", " ", text) for text in texts))
    own = said_in(language)
    found = []
    for english, _translation in translated(language):
        pattern = message_pattern(english)
        if pattern is None or words(PLACEHOLDER.sub(" ", english)) <= own:
            continue
        if match := pattern.search(page):
            found.append(f"message {english!r} shown in English: {match.group(0)!r}")
    english_only = ENGLISH_ONLY - own  # "of" is Dutch too, "page" French
    for text in texts:
        english_words = sorted(words(text) & english_only)
        if english_words:
            found.append(f"English word(s) {english_words} in {text!r}")
    return found


def test_the_check_finds_english_left_in_a_french_page() -> None:
    page = (
        "<html><body><h1>Tableau de bord</h1><p>Waits per service and hour</p><p title='Opening hours'>x</p>"
        "<th>Ouvert</th><td>3 waiting more than 5 minutes:</td></body></html>"
    )
    found = english_left(page, "fr")
    assert any("Waits per service and hour" in f for f in found), found
    assert any("waiting more than" in f for f in found), found
    assert any("'opening'" in f for f in found), found  # from an attribute
    assert english_left("<p>Tableau de bord — 3 personnes attendent</p>", "fr") == []


# The dashboard of a busy day, in French and in Dutch.

NAMES = {
    "A": {"nl": "Identiteitskaart", "fr": "Carte d'identité", "en": "Identity card"},
    "B": {"nl": "Paspoort", "fr": "Passeport", "en": "Passport"},
    "C": {"nl": "Attesten", "fr": "Certificats", "en": "Certificates"},
}
IMPROVEMENTS = [
    {"code": "wait", "names": {"nl": "Korter wachten", "fr": "Attendre moins", "en": "Shorter wait"}},
    {"code": "signs", "names": {"nl": "Duidelijker borden", "fr": "Panneaux plus clairs", "en": "Clearer signs"}},
]
TITLE = "Maison communale d'Ixelles"


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    office = {
        **OFFICE,
        "title": TITLE,
        "improvement": IMPROVEMENTS,
        "service": [{**s, "names": NAMES[s["code"]]} for s in OFFICE["service"]],  # type: ignore[attr-defined]
    }
    async with serving(sqlite_url, seeder(sqlite_url, office)) as served_:
        yield served_


async def busy_day(api: Api) -> None:
    """History (six visits last week, with estimates), today a served visit with a happiness answer, people
    waiting too long, counters open and closed."""
    add_last_week(api)
    token = await served(api)
    assert (await post(api, token, "happiness", {"score": 7, "improvements": ["signs", "wait"]})).status_code == 201
    for service in ("A", "A", "B", "C"):
        await api.issue(service)
    await api.open("1")
    api.clock.advance(minutes=7)


@pytest.mark.parametrize("language", ["fr", "nl"])
async def test_the_dashboard_has_no_english_left(api: Api, language: str) -> None:
    await busy_day(api)
    for days in ("7", "30"):
        api.http.cookies.clear()
        r = await api.http.get(
            "/manage/town",
            params={"token": api.seeded.tokens[Role.MANAGER], "lang": language, "days": days},
            follow_redirects=True,
        )
        assert r.status_code == 200, r.text
        assert f'<html lang="{language}">' in r.text
        assert "<svg" in r.text  # the charts and the alerts are there to be checked
        assert 'id="alerts"' in r.text
        left = english_left(r.text, language, data=(TITLE,))
        assert not left, "\n".join(left)


@pytest.mark.parametrize(
    ("accept", "lang", "expected"),
    [("fr-BE,fr;q=0.9", None, "fr"), ("nl-BE", None, "nl"), ("nl-BE", "fr", "fr"), ("de-DE", None, "en")],
)
async def test_the_dashboard_speaks_the_browsers_language_unless_the_address_says_otherwise(
    api: Api, accept: str, lang: str | None, expected: str
) -> None:
    params = {"token": api.seeded.tokens[Role.MANAGER], **({"lang": lang} if lang else {})}
    r = await api.http.get("/manage/town", params=params, headers={"Accept-Language": accept}, follow_redirects=True)
    assert f'<html lang="{expected}">' in r.text
    heading = {"fr": "tableau de bord", "nl": "dashboard", "en": "dashboard"}[expected]
    assert f"{TITLE} — {heading}" in r.text.replace("&#39;", "'")


async def test_numbers_and_days_are_written_as_in_the_language(api: Api) -> None:
    await busy_day(api)
    pages = {}
    for language in ("fr", "nl", "en"):
        api.http.cookies.clear()
        r = await api.http.get(
            "/manage/town",
            params={"token": api.seeded.tokens[Role.MANAGER], "lang": language, "days": "7"},
            follow_redirects=True,
        )
        pages[language] = re.sub(r"\s+", " ", " ".join(visible_texts(r.text)))
    assert "jeu. 26/02" in pages["fr"]
    assert "do 26/02" in pages["nl"]
    assert "Thu 26/02" in pages["en"]
    # Last week off by 120, 60, 0, 60, 120 and 180 s, today's served visit by 300 s: 2.0 min on average, 5 of 7
    # inside the range told.
    assert "7 estimations vérifiées : erreur moyenne 2,0 min, 71 % des attentes réelles" in pages["fr"]  # 71\u00a0%
    assert "7 schattingen nagekeken: gemiddelde fout 2,0 min., 71% van de echte wachttijden" in pages["nl"]
    assert "7 estimates checked: mean error 2.0 min, 71% of the real waits" in pages["en"]
