"""Citizen-facing text in Dutch, French and English: the catalogs are complete and come out right."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import jinja2
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from i18n import (
    LANGUAGES,
    gettext,
    install_jinja,
    messages,
    ngettext,
    pgettext,
    resolve_language,
    tooling,
    translations,
)
from i18n.advice import advice_lines, lines_by_language

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / tooling.TEMPLATE_FILE

# printf-style conversions: %(name)s, %d, %5.2f ...; "%%" is a literal percent sign.
PLACEHOLDER = re.compile(r"%(?:\((?P<name>\w+)\))?[#0 +-]*(?:\d+|\*)?(?:\.(?:\d+|\*))?(?P<kind>[diouxXeEfFgGcrsa%])")


def read(path: Path, language: str | None = None) -> Catalog:
    with path.open("rb") as po:
        return read_po(po, locale=language, abort_invalid=True)


def key(message_id: str | tuple[str, ...] | list[str], context: str | None) -> str:
    """A message's key: its (first) msgid, after its context when it has one (the same English may be said
    otherwise in another place: `pgettext`)."""
    first = message_id if isinstance(message_id, str) else message_id[0]
    return f"{context}|{first}" if context else first


def entries(catalog: Catalog) -> dict[str, Message]:
    return {key(message.id, message.context): message for message in catalog if message.id}


def forms(message: Message) -> list[str]:
    return [message.string] if isinstance(message.string, str) else list(message.string or ())


def msgids(message: Message) -> list[str]:
    return [message.id] if isinstance(message.id, str) else list(message.id)


def placeholders(text: str) -> set[tuple[str | None, str]]:
    return {(match["name"], match["kind"]) for match in PLACEHOLDER.finditer(text) if match["kind"] != "%"}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_message_is_translated_in_every_language(language: str) -> None:
    template = entries(read(TEMPLATE))
    catalog = read(ROOT / tooling.catalog_file(language), language)
    translated = entries(catalog)

    assert template, "the template has no messages"
    assert not catalog.fuzzy, f"{language}: the header is marked fuzzy"
    missing = sorted(set(template) - set(translated))
    assert not missing, f"{language}: not in the catalog (run `python -m i18n update`): {missing}"
    stale = sorted(set(translated) - set(template))
    assert not stale, f"{language}: no longer in the template (run `python -m i18n update`): {stale}"
    for msgid, source in template.items():
        message = translated[msgid]
        assert msgids(message) == msgids(source), f"{language}: {msgid!r} has another plural msgid than the template"
        assert not message.fuzzy, f"{language}: {msgid!r} is fuzzy; check the translation and drop the flag"
        expected_forms = catalog.num_plurals if message.pluralizable else 1
        assert len(forms(message)) == expected_forms, f"{language}: {msgid!r} needs {expected_forms} forms"
        assert all(form.strip() for form in forms(message)), f"{language}: {msgid!r} is not translated"


def test_extracted_messages_are_all_in_the_catalogs() -> None:
    with (ROOT / tooling.MAPPING_FILE).open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg, cfg.name)  # type: ignore[no-untyped-call]
    extracted: list[tuple[str, str | tuple[str, ...], str | None]] = []
    for source in tooling.SOURCES:
        path = ROOT / source
        if path.is_dir():
            found = extract_from_dir(path, method_map, options_map)
            extracted += [(f"{source}/{filename}", message, context) for filename, _, message, _, context in found]
        elif path.is_file():
            found = check_and_call_extract_file(
                path, method_map, options_map, None, DEFAULT_KEYWORDS, (), False, dirpath=ROOT
            )
            extracted += [(filename, message, context) for filename, _, message, _, context in found]
    template = entries(read(TEMPLATE))

    assert messages.YOUR_TICKET in {message for _, message, _ in extracted}, "extraction found nothing"
    assert ("terminal board", "Recall") in {(context, message) for _, message, context in extracted}, "no context"
    missing = []
    for filename, message, context in extracted:
        ids = [message] if isinstance(message, str) else list(message)
        known = template.get(key(message, context))
        if known is None or msgids(known) != ids:
            missing.append(f"{filename}: {message!r}")
    assert not missing, "\n".join(
        ["Not in i18n/locale/loket.pot; run `python -m i18n update` and translate:", *missing]
    )


@pytest.mark.parametrize("language", LANGUAGES)
def test_python_format_placeholders_match(language: str) -> None:
    catalog = read(ROOT / tooling.catalog_file(language), language)
    for message in catalog:
        if not message.id:
            continue
        expected = set().union(*(placeholders(msgid) for msgid in msgids(message)))
        values = {name: 7 for name, _ in expected if name}
        for form in forms(message):
            assert placeholders(form) == expected, f"{language}: {form!r} should have {sorted(expected, key=str)}"
            if message.python_format:
                form % values  # raises on a broken placeholder
    problems = [(message.id, [str(error) for error in errors]) for message, errors in catalog.check()]
    assert not problems, f"{language}: {problems}"


@pytest.mark.parametrize("language", ["de", "xx", "", "english", "nld"])
def test_unknown_language_falls_back_to_english(language: str) -> None:
    assert resolve_language(language) == "en"
    assert translations(language) is translations("en")
    assert gettext(language, messages.YOUR_TICKET) == "Your ticket"
    assert ngettext(language, *messages.PEOPLE_AHEAD, 2) % {"n": 2} == "2 people ahead of you"


@pytest.mark.parametrize(("tag", "language"), [("nl-BE", "nl"), ("fr_BE", "fr"), ("FR", "fr"), (" nl ", "nl")])
def test_regional_and_differently_written_tags_get_their_language(tag: str, language: str) -> None:
    assert resolve_language(tag) == language
    assert translations(tag) is translations(language)


def test_dutch_and_french_translations_come_out_of_gettext() -> None:
    assert gettext("nl", "Your ticket") == "Uw ticket"
    assert gettext("fr", "Your ticket") == "Votre ticket"
    assert gettext("nl", messages.CALLED) % {"counter": 3} == "Het is uw beurt: ga naar loket 3."
    assert (
        gettext("fr", messages.CALLED) % {"counter": 3}
        == "C’est votre tour\u00a0: veuillez vous présenter au guichet 3."
    )
    assert gettext("en", messages.CALLED) % {"counter": 3} == "It is your turn: please go to counter 3."


def test_the_same_english_in_another_context_has_its_own_translation() -> None:
    assert gettext("nl", "Recall") == "Nieuwe oproep"  # the browser board
    assert pgettext("nl", *messages.BOARD_RECALL) == "Herhaalde oproep"  # the terminal board
    assert pgettext("fr", *messages.BOARD_RECALL) == "Rappel"
    assert pgettext("en", *messages.BOARD_RECALL) == "Recall"
    assert pgettext("de", *messages.BOARD_WAITING) == "Waiting"


RUNS = [
    {"start": "09:00", "end": "11:00", "extra": [{"skills": ["A"], "counters": 2}, {"skills": ["B"], "counters": 1}]},
    {"start": "14:00", "end": "15:00", "extra": [{"skills": ["A", "B"], "counters": 1}]},
]


@pytest.mark.parametrize(
    ("language", "names", "lines"),
    [
        (
            "en",
            {"A": "Identity card", "B": "Passport"},
            [
                "09:00-11:00: open 2 more counters for Identity card; 1 more counter for Passport",
                "14:00-15:00: open 1 more counter for Identity card or Passport",
            ],
        ),
        (
            "nl",
            {"A": "Identiteitskaart"},
            [
                "09:00-11:00: open nog 2 loketten voor Identiteitskaart; 1 loket voor B",
                "14:00-15:00: open nog 1 loket voor Identiteitskaart of B",
            ],
        ),
        (
            "fr",
            {"A": "Carte d'identité", "B": "Passeport"},
            [
                "09:00-11:00 : ouvrir 2 guichets de plus pour Carte d'identité; 1 guichet de plus pour Passeport",
                "14:00-15:00 : ouvrir 1 guichet de plus pour Carte d'identité ou Passeport",
            ],
        ),
    ],
)
def test_staffing_advice_is_said_in_each_language(language: str, names: dict[str, str], lines: list[str]) -> None:
    assert advice_lines(RUNS, names, language) == lines


def test_staffing_advice_is_said_in_every_language_at_once() -> None:
    by_language = lines_by_language(RUNS[1:], {"nl": {"A": "Identiteitskaart"}})
    assert by_language == {
        "nl": ["14:00-15:00: open nog 1 loket voor Identiteitskaart of B"],
        "fr": ["14:00-15:00 : ouvrir 1 guichet de plus pour A ou B"],
        "en": ["14:00-15:00: open 1 more counter for A or B"],
    }


def test_a_message_missing_from_a_catalog_comes_out_in_english() -> None:
    assert gettext("nl", "Not a message in any catalog") == "Not a message in any catalog"


def test_an_empty_message_stays_empty_rather_than_giving_the_catalog_header() -> None:
    assert gettext("fr", "") == ""


@pytest.mark.parametrize(
    ("language", "n", "text"),
    [
        ("en", 0, "0 people ahead of you"),
        ("en", 1, "1 person ahead of you"),
        ("en", 2, "2 people ahead of you"),
        ("nl", 0, "0 personen vóór u"),
        ("nl", 1, "1 persoon vóór u"),
        ("nl", 5, "5 personen vóór u"),
        ("fr", 0, "0 personne devant vous"),  # French counts zero as singular
        ("fr", 1, "1 personne devant vous"),
        ("fr", 5, "5 personnes devant vous"),
    ],
)
def test_the_plural_form_follows_each_language(language: str, n: int, text: str) -> None:
    assert ngettext(language, *messages.PEOPLE_AHEAD, n) % {"n": n} == text


PAGE = """\
<h1>{{ _("Your ticket") }}</h1>
<p>{% trans counter=counter %}
  It is your turn: please go to counter {{ counter }}.
{% endtrans %}</p>
<p>{{ ngettext("%(n)d person ahead of you", "%(n)d people ahead of you", ahead, n=ahead) }}</p>"""


def test_templates_translate_into_the_language_they_are_rendered_in() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": PAGE}), autoescape=True)
    install_jinja(env)
    page = env.get_template("page.html")

    assert page.render(language="nl", counter=4, ahead=1) == (
        "<h1>Uw ticket</h1>\n<p>Het is uw beurt: ga naar loket 4.</p>\n<p>1 persoon vóór u</p>"
    )
    assert page.render(language="fr-BE", counter=4, ahead=0) == (
        "<h1>Votre ticket</h1>\n"
        "<p>C’est votre tour\u00a0: veuillez vous présenter au guichet 4.</p>\n"
        "<p>0 personne devant vous</p>"
    )
    assert page.render(counter="<b>", ahead=3) == (  # no language: the default, English; values are escaped
        "<h1>Your ticket</h1>\n<p>It is your turn: please go to counter &lt;b&gt;.</p>\n<p>3 people ahead of you</p>"
    )


def test_a_template_without_a_language_uses_the_installed_default() -> None:
    env = jinja2.Environment(loader=jinja2.DictLoader({"page.html": '{{ _("Language") }}'}))
    install_jinja(env, "fr")

    assert env.get_template("page.html").render() == "Langue"
    assert env.get_template("page.html").render(language="nl") == "Taal"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_babel_cfg_extracts_the_helpers_and_templates_of_citizen_facing_code_only(tmp_path: Path) -> None:
    shutil.copy(ROOT / tooling.MAPPING_FILE, tmp_path)
    write(
        tmp_path / "api" / "tickets.py",
        'gettext(language, "One")\n'
        'gettext("nl", "Two")\n'
        'ngettext(ticket.language, "%(n)d apple", "%(n)d apples", n)\n'
        '_("Three")\n'
        'translations(language).gettext("Four")\n'
        "translations(language).gettext(message)\n"
        'pgettext(language, "board", "Ten")\n'
        'NC_("board", "Eleven")\n',
    )
    write(tmp_path / "server.py", '_("Five")\n')
    write(
        tmp_path / "web" / "templates" / "page.html",
        '{{ _("Six") }}\n{% trans %}\n  Seven\n  and eight.\n{% endtrans %}\n{{ gettext("Nine %(x)s", x=1) }}\n',
    )
    write(tmp_path / "scheduler" / "rules.py", '_("Not citizen-facing")\n')
    write(tmp_path / "tests" / "test_x.py", '_("Not shipped")\n')

    found = {message for _, _, message, _, _ in tooling.extract_messages(tmp_path)}

    assert found == {
        "One",
        "Two",
        ("%(n)d apple", "%(n)d apples"),
        "Three",
        "Four",
        "Five",
        "Six",
        "Seven and eight.",
        "Nine %(x)s",
        "Ten",
        "Eleven",
    }


def test_update_brings_in_new_messages_and_flags_changed_ones(tmp_path: Path) -> None:
    shutil.copy(ROOT / tooling.MAPPING_FILE, tmp_path)
    source = tmp_path / "i18n" / "texts.py"
    write(source, 'N_("Good morning")\nN_("Goodbye")\n')
    tooling.update(tmp_path)
    nl_file = tmp_path / tooling.catalog_file("nl")
    nl = read(nl_file, "nl")
    nl["Good morning"].string = "Goedemorgen"
    nl["Goodbye"].string = "Tot ziens"
    tooling._write(nl_file, nl)

    write(source, 'N_("Good morning!")\nN_("Goodbye")\nN_("Welcome")\n')
    changed = tooling.update(tmp_path)

    assert set(changed) == {tooling.TEMPLATE_FILE, *(tooling.catalog_file(language) for language in LANGUAGES)}
    merged = entries(read(nl_file, "nl"))
    assert set(merged) == {"Good morning!", "Goodbye", "Welcome"}
    assert merged["Goodbye"].string == "Tot ziens"
    assert not merged["Goodbye"].fuzzy
    assert merged["Good morning!"].fuzzy  # the old translation, for a translator to check
    assert merged["Good morning!"].string == "Goedemorgen"
    assert merged["Welcome"].string == ""
    en = entries(read(tmp_path / tooling.catalog_file("en"), "en"))
    assert {msgid: message.string for msgid, message in en.items()} == {
        "Good morning!": "Good morning!",
        "Goodbye": "Goodbye",
        "Welcome": "Welcome",
    }
    assert not any(message.fuzzy for message in en.values())
    assert tooling.update(tmp_path) == []  # nothing left to do: files are not rewritten for a new date
