"""`display.cli`: the languages option."""

from __future__ import annotations

import pytest

from display.cli import DisplayProblem, parse_languages


@pytest.mark.parametrize(
    ("given", "expected"),
    [("nl,fr", ("nl", "fr")), (" FR , nl ,en", ("fr", "nl", "en")), ("en", ("en",)), (("nl", "fr"), ("nl", "fr"))],
)
def test_languages(given: str | tuple[str, ...], expected: tuple[str, ...]) -> None:
    assert parse_languages(given) == expected


@pytest.mark.parametrize("given", ["", "nl,de", ","])
def test_unknown_or_no_languages_are_refused(given: str) -> None:
    with pytest.raises(DisplayProblem, match="--languages"):
        parse_languages(given)
