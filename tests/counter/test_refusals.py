"""A refusal from the server, said to the clerk in words in the terminal's language (pure)."""

from __future__ import annotations

import pytest

from client.errors import LoketError
from counter.refusals import Known, refusal_text


def refusal(code: str, **extra: object) -> LoketError:
    return LoketError(409, code, f"the server's own words for {code}", {"error": code, "detail": "...", **extra})


@pytest.mark.parametrize(
    ("language", "error", "known", "said"),
    [
        ("nl", refusal("counter_busy"), Known(number="A002"), "A002 staat nog aan uw loket"),
        ("fr", refusal("counter_busy"), Known(), "Quelqu’un est encore à votre guichet"),
        ("en", refusal("ticket_not_found"), Known(value="A099"), "There is no ticket A099 today."),
        ("fr", refusal("no_show_too_early", recalls_needed=2), Known(number="C001"), "encore 2 rappels"),
        (
            "nl",
            refusal("no_show_too_early", recalls_needed=0, no_show_from="2026-03-02T09:00:30+00:00"),
            Known(number="C001"),
            "C001 mag vanaf 10:00:30 als afwezig gemarkeerd worden.",  # Brussels time
        ),
        ("fr", refusal("bad_credentials"), Known(), "Nom d’utilisateur inconnu ou mot de passe erroné."),
    ],
)
def test_a_refusal_is_said_in_words_from_its_code(language: str, error: LoketError, known: Known, said: str) -> None:
    assert said in refusal_text(language, error, known)


def test_a_code_this_terminal_does_not_know_keeps_the_servers_words_after_a_translated_lead_in() -> None:
    assert (
        refusal_text("nl", refusal("something_new")) == "De server weigerde: the server's own words for something_new"
    )
