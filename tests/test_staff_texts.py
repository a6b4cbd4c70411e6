"""Every staff text of the terminal apps goes through the catalogs: no English left on a Dutch or French screen.

Two nets, each catching what the other may miss:
- a scan of the source (counter/, display/, kiosk/, tui/): a text literal handed to a widget, a notice, a key
  binding, a title, or a screen's update, that is not the result of gettext/ngettext/pgettext, fails, whoever
  wrote it and wherever; symbols, markup and codes (A012) are not words and pass;
- the clerk terminal itself, driven by Textual's pilot against a real server in nl and in fr, on each of its
  screens (login with a refusal, the counter choice, the desk with a citizen called, alerts and the queue, a
  question, the offline banner): what it draws holds none of the English of a message whose translation differs.

`tests/test_i18n.py` checks that the catalogs are complete; this checks that the code uses them.
"""

from __future__ import annotations

import ast
import html
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from babel.messages.pofile import read_po
from textual.widgets import Select

from counter import screens
from counter.app import CounterApp, CounterConfig
from i18n import pgettext, tooling
from scheduler.model import Role
from store.admin import add_user
from tests import tui
from tests.support import OFFICE, Seeded, Server, running_server

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("counter", "display", "kiosk", "tui")

# -- (a) the source ----------------------------------------------------------------------------------------------

#: Calls whose text arguments are shown to people: widgets, key bindings, notices, a Static's update.
SHOWN_BY = {
    "Static",
    "Label",
    "Button",
    "Input",
    "Select",
    "SelectionList",
    "Binding",
    "Header",
    "Footer",
    "Checkbox",
    "RadioButton",
    "Switch",
    "Markdown",
    "notify",
    "update",
    "notice",
    "tell",
    "_tell",
    "bind",
    "add_column",
    "add_columns",
    "Prompt",
}
#: Calls whose arguments are a key and an action first: only their description (third) is shown.
BINDING = {"Binding", "bind"}
#: Keyword arguments that are shown (an id, a class, a variant are not).
SHOWN_KEYWORDS = {"label", "placeholder", "prompt", "description", "title", "sub_title", "tooltip", "message", "text"}
#: Keyword arguments shown whatever the call (not `description` or `help`: a command line's help is for whoever
#: installs the terminal, in English like the rest of the command line).
WIDGET_KEYWORDS = {"label", "placeholder", "prompt", "tooltip", "title", "sub_title"}
#: Attributes and class variables that are shown as a title.
SHOWN_NAMES = {"title", "sub_title", "TITLE", "SUB_TITLE"}
#: Calls whose result is a translated text (and the markers of one).
TRANSLATING = {"gettext", "ngettext", "pgettext", "N_", "NN_", "NC_"}
#: Words that are the same in every language, or say every language at once, on purpose.
SAME_IN_EVERY_LANGUAGE = {
    "Loket",  # the product's name
    "Welkom · Bienvenue · Welcome",  # the kiosk's first screen, before a language is chosen
}

MARKUP = re.compile(r"\[/?[a-z#][^\]]*\]")
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{[^}]*\}|%[sd]")


def is_words(text: str) -> bool:
    """Text a person reads as words: letters left once markup and placeholders are gone, and not only codes
    (every part holding a digit: "A012", "K7QX-M4TP")."""
    bare = PLACEHOLDER.sub(" ", MARKUP.sub(" ", text)).strip()
    if bare in SAME_IN_EVERY_LANGUAGE or not re.search(r"[^\W\d_]", bare):
        return False
    tokens = [token for token in re.split(r"[\s·,/()]+", bare) if re.search(r"[^\W\d_]", token)]
    return not all(re.search(r"\d", token) for token in tokens)


def literal_words(node: ast.AST) -> Iterator[tuple[int, str]]:
    """The untranslated words an expression may show: its string literals and f-strings' literal parts,
    through conditionals, `%` formatting, joins and concatenation; a call to a translating function is fine."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        if is_words(node.value):
            yield node.lineno, node.value
    elif isinstance(node, ast.JoinedStr):
        parts = "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
        if is_words(parts):
            yield node.lineno, parts
    elif isinstance(node, ast.IfExp):
        yield from literal_words(node.body)
        yield from literal_words(node.orelse)
    elif isinstance(node, ast.BinOp):
        yield from literal_words(node.left)
        if isinstance(node.op, ast.Add):
            yield from literal_words(node.right)
    elif isinstance(node, ast.BoolOp):
        for value in node.values:
            yield from literal_words(value)


def call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""


def untranslated(source: str, filename: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        shown: list[ast.AST] = []
        if isinstance(node, ast.Call) and call_name(node) in SHOWN_BY:
            shown += node.args[2:3] if call_name(node) in BINDING else node.args
            shown += [k.value for k in node.keywords if k.arg in SHOWN_KEYWORDS]
        elif isinstance(node, ast.Call) and call_name(node) not in TRANSLATING:
            shown += [k.value for k in node.keywords if k.arg in WIDGET_KEYWORDS]
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names = {t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in targets}
            if names & SHOWN_NAMES and node.value is not None:
                shown.append(node.value)
        for expression in shown:
            found += [f"{filename}:{line}: {text!r}" for line, text in literal_words(expression)]
    return found


def sources() -> list[Path]:
    return sorted(path for package in PACKAGES for path in (ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("path", sources(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_text_is_shown_to_staff_without_the_catalogs(path: Path) -> None:
    found = untranslated(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    assert not found, "shown without gettext/ngettext/pgettext:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "source",
    [
        'Static("Queue", classes="label")',
        'Button(f"Call next ({key})")',
        'self.notify("Counter closed.")',
        'Binding("n", "call", "Call next")',
        'Input(placeholder="username")',
        'self.query_one("#x", Static).update("Nobody here" if empty else text)',
        'widget.update("Served: %d" % n)',
        'self.title = "Counter terminal"',
        'self._tell(screen, f"No office {office}")',
        'Select(options, prompt="Choose")',
    ],
)
def test_the_scan_catches_untranslated_text_in_every_form(source: str) -> None:
    assert untranslated(source, "example.py"), source


@pytest.mark.parametrize(
    "source",
    [
        'Static(gettext(lang, "Queue"), classes="label", id="title")',
        'Button(f"{pgettext(lang, *label)} ({key})")',
        'Static("", id="notice")',
        'self.query_one("#arrow", Static).update("\\n\\n→")',
        'Input(placeholder="A012")',
        'Static(f"[b]{number}[/b]  {service}")',
        'line.update(f"! {alert}")',
        'TITLE = "Loket"',
    ],
)
def test_the_scan_lets_translated_text_symbols_markup_and_codes_pass(source: str) -> None:
    assert not untranslated(source, "example.py"), source


# -- (b) the clerk terminal, drawn --------------------------------------------------------------------------------

PASSWORD = "correct horse battery staple"


def english_left_over(language: str) -> dict[str, re.Pattern[str]]:
    """The English of every message whose translation in `language` differs: each literal part of 4 characters
    or more between placeholders that the translation does not hold itself, as a whole-word pattern."""
    with (ROOT / tooling.catalog_file(language)).open("rb") as po:
        catalog = read_po(po, locale=language)
    patterns = {}
    for message in catalog:
        if not message.id or not message.string:
            continue
        ids = [message.id] if isinstance(message.id, str) else list(message.id)
        strings = [message.string] if isinstance(message.string, str) else list(message.string)
        if ids[0] == strings[0]:
            continue
        translated = " ".join(strings)
        for msgid in ids:
            for part in PLACEHOLDER.split(msgid):
                part = part.strip(" .,:;()—-–~×!?'\"")
                if len(part) >= 4 and re.search(r"[^\W\d_]{2}", part) and part not in translated:
                    patterns[part] = re.compile(rf"(?<![\w]){re.escape(part)}(?![\w])")
    return patterns


def drawn(app: CounterApp) -> str:
    """What the terminal shows, line by line, from Textual's own screenshot (every widget, the footer too)."""
    lines: dict[float, list[tuple[float, float, str]]] = {}
    for match in re.finditer(r'<text [^>]*x="([\d.]+)" y="([\d.]+)" textLength="([\d.]+)"[^>]*>([^<]*)</text>',
                             app.export_screenshot()):  # fmt: skip
        x, y, length, text = float(match[1]), float(match[2]), float(match[3]), html.unescape(match[4])
        lines.setdefault(y, []).append((x, x + length, text.replace("\xa0", " ")))
    shown = []
    for y in sorted(lines):
        line, end = "", 0.0
        for x, right, text in sorted(lines[y]):
            line += (" " if x > end + 1 and line else "") + text
            end = right
        shown.append(line)
    return "\n".join(shown)


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Seeded]]:
    from tests.support import seed

    url = f"sqlite:///{tmp_path_factory.mktemp('staff-texts') / 'loket.db'}"
    seeded = seed(url, {**OFFICE, "clerks_choose_services": True})
    add_user(seeded.db, "ann", "town", Role.CLERK, PASSWORD, datetime.now(UTC))
    with running_server(url) as server:
        yield server, seeded


def post(server: Server, seeded: Seeded, role: Role, path: str, body: dict[str, object] | None = None) -> None:
    answer = httpx.post(f"{server.url}{path}", json=body, headers={"Authorization": f"Bearer {seeded.tokens[role]}"})
    assert answer.is_success, answer.text


@pytest.mark.parametrize("language", ["nl", "fr"])
async def test_the_clerk_terminal_shows_no_english_in_dutch_or_french(
    served: tuple[Server, Seeded], language: str
) -> None:
    server, seeded = served
    english = english_left_over(language)
    assert len(english) > 100, "the catalog gave too few messages to look for"
    seen: dict[str, str] = {}

    def look(where: str) -> None:
        seen[where] = drawn(app)

    app = CounterApp(CounterConfig(server=server.url, language=language))
    counter = seeded.counters["3" if language == "nl" else "2"]
    async with app.run_test(size=(160, 50)) as pilot:
        await tui.until(pilot, lambda: isinstance(app.screen, screens.LoginScreen), "the login screen")
        await tui.tap(pilot, "#username")
        await pilot.press(*"ann", "enter", *"wrong-password", "enter")
        await tui.until(pilot, lambda: tui.text(app, "#notice") != "", "the refusal")
        look("login, refused")
        await pilot.press("ctrl+u", *PASSWORD, "enter")
        await tui.until(pilot, lambda: isinstance(app.screen, screens.CounterScreen), "the counter choice")
        await pilot.pause(0.2)
        app.screen.query_one("#counter", Select).value = counter
        await pilot.pause(0.2)
        look("counter choice")
        await tui.tap(pilot, "#start")
        await tui.until(pilot, lambda: isinstance(app.screen, screens.DeskScreen), "the desk")
        await pilot.press("o")
        await tui.until(pilot, lambda: tui.text(app, "#notice") != "", "the counter opened")
        post(server, seeded, Role.KIOSK, "/api/offices/town/tickets", {"service": "C", "language": "nl"})
        post(server, seeded, Role.KIOSK, "/api/offices/town/tickets", {"service": "C", "language": "nl"})
        post(server, seeded, Role.KIOSK, "/api/offices/town/printer-status", {"kiosk": "hall", "state": "paper_out"})
        await pilot.press("n")
        await tui.until(pilot, lambda: "C00" in tui.text(app, "#current"), "a citizen called")
        await tui.until(pilot, lambda: tui.text(app, "#alerts") != "", "the printer alert")
        look("desk, a citizen called")
        await pilot.press("t")
        await tui.until(pilot, lambda: isinstance(app.screen, screens.Prompt), "the transfer question")
        look("transfer question")
        await pilot.press("escape")
        await tui.until(pilot, lambda: isinstance(app.screen, screens.DeskScreen), "the desk again")
        await pilot.press("f")
        await tui.until(pilot, lambda: "C00" not in tui.text(app, "#current"), "the citizen done")
        desk = app.screen
        assert isinstance(desk, screens.DeskScreen)
        assert desk.state is not None
        desk.show(desk.state, False, None, datetime.now(UTC))  # as when the server cannot be reached
        await pilot.pause(0.1)
        look("desk, offline")
        await app.stop_background()  # the next read would draw the server's truth over it

    problems = [
        f"{where}: {english_word!r}"
        for where, screen in seen.items()
        for english_word, pattern in english.items()
        if pattern.search(screen)
    ]
    assert not problems, "English on the screen:\n" + "\n".join(problems) + "\n\n" + "\n\n".join(seen.values())
    assert all(seen.values())


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_english_on_a_screen_is_found_and_the_translation_is_not_mistaken_for_it(language: str) -> None:
    english = english_left_over(language)

    def found(screen: str) -> list[str]:
        return [word for word, pattern in english.items() if pattern.search(screen)]

    assert {"Call next", "Recall"} <= set(found(" Call next (n)  Recall (r) "))
    assert "Nobody is waiting for your services" in found("Nobody is waiting for your services.")
    translated = " ".join(pgettext(language, *label) for _, _, label in screens.ACTIONS)
    assert found(translated) == []
