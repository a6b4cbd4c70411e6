"""`loket display`: the waiting-room display in a terminal."""

from __future__ import annotations

from collections.abc import Sequence

from display.app import DisplayApp, DisplayConfig
from i18n import LANGUAGES


class DisplayProblem(Exception):
    """Something a person must fix (a bad option): said in one line."""


def parse_languages(text: str | Sequence[str]) -> tuple[str, ...]:
    """`nl,fr` (or a sequence) as a tuple of language codes the board has texts for."""
    parts = text.split(",") if isinstance(text, str) else list(text)
    languages = tuple(part.strip().lower() for part in parts if part.strip())
    unknown = [language for language in languages if language not in LANGUAGES]
    if not languages or unknown:
        raise DisplayProblem(
            f"--languages: {', '.join(unknown) or 'none given'}; choose among {', '.join(LANGUAGES)} (e.g. nl,fr)"
        )
    return languages


def run(server: str, token: str, office: str, languages: str | Sequence[str] = ("nl", "fr")) -> None:
    """Run the display until it is stopped (Ctrl+C / Ctrl+Q)."""
    DisplayApp(DisplayConfig(server=server, token=token, office=office, languages=parse_languages(languages))).run()
