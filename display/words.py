"""The terminal board's words, in the language it shows at the moment, from the catalogs (`i18n.messages`)."""

from __future__ import annotations

from dataclasses import dataclass

from i18n import gettext, messages, pgettext
from tui.waits import WaitWords
from tui.waits import wait_text as _wait_text


@dataclass(frozen=True)
class Labels:
    ticket: str
    counter: str
    waiting: str
    wait: str
    service: str
    previous: str
    recall: str
    no_calls: str
    no_wait: str
    minutes: str  # with %(n)d
    offline: str
    connecting: str
    on_the_way: str  # with %(n)d


def labels(language: str) -> Labels:
    """The texts of the board in `language` (English for a language we have no catalog for)."""
    return Labels(
        ticket=gettext(language, messages.BOARD_TICKET),
        counter=gettext(language, messages.BOARD_COUNTER),
        waiting=pgettext(language, *messages.BOARD_WAITING),
        wait=gettext(language, messages.BOARD_WAIT),
        service=gettext(language, messages.BOARD_SERVICE),
        previous=gettext(language, messages.BOARD_PREVIOUS),
        recall=pgettext(language, *messages.BOARD_RECALL),
        no_calls=gettext(language, messages.BOARD_NO_CALLS),
        no_wait=pgettext(language, *messages.BOARD_NO_WAIT),
        minutes=gettext(language, messages.BOARD_MINUTES),
        offline=gettext(language, messages.BOARD_OFFLINE),
        connecting=pgettext(language, *messages.BOARD_CONNECTING),
        on_the_way=gettext(language, messages.BOARD_ON_THE_WAY),
    )


#: The board's short words for a wait: "± 10 min", or "none" under a minute.
BOARD_WAITS = WaitWords(
    none=lambda language: labels(language).no_wait,
    minutes=lambda language, n: labels(language).minutes % {"n": n},
)


def wait_text(seconds: int, language: str) -> str:
    """An estimated wait as the board says it."""
    return _wait_text(seconds, language, BOARD_WAITS)
