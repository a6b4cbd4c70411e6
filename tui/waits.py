"""An estimated wait in words: one rule (under a minute is "no wait", else whole minutes) and one signature,
`wait_text(seconds, language, words)`. Each app brings its own words (the kiosk's sentence, the board's
short form), so the words stay with the screens that show them and in their catalogs."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class WaitWords:
    #: language -> the words for "no wait".
    none: Callable[[str], str]
    #: (language, minutes) -> the words for that many minutes.
    minutes: Callable[[str, int], str]


def wait_minutes(seconds: int) -> int | None:
    """Whole minutes to say (at least 1); None under a minute."""
    return None if seconds < 60 else max(1, round(seconds / 60))


def wait_text(seconds: int, language: str, words: WaitWords) -> str:
    minutes = wait_minutes(seconds)
    return words.none(language) if minutes is None else words.minutes(language, minutes)
