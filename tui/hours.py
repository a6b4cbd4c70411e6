"""The office's opening hours of today in words: "Open today 08:30–12:30, 13:30–16:00" or "Closed today", in the
language asked for (the words from the catalogs, `i18n.messages`; the times written by Babel)."""

from __future__ import annotations

from collections.abc import Sequence

from babel.dates import format_time

from client.models import Period
from i18n import gettext, messages, resolve_language

#: The language as a Babel locale, for the way times are written.
LOCALES = {"nl": "nl_BE", "fr": "fr_BE", "en": "en_GB"}


def periods_text(periods: Sequence[Period], language: str) -> str:
    """`08:30–12:30, 13:30–16:00`."""
    locale = LOCALES[resolve_language(language)]
    return ", ".join(
        f"{format_time(opens, 'short', locale=locale)}–{format_time(closes, 'short', locale=locale)}"
        for opens, closes in periods
    )


def hours_today_text(hours_today: Sequence[Period] | None, language: str) -> str:
    """What to say of today's hours (`Office.hours_today`); empty when the server did not say them."""
    if hours_today is None:
        return ""
    if not hours_today:
        return gettext(language, messages.CLOSED_TODAY)
    return gettext(language, messages.OPEN_TODAY) % {"hours": periods_text(hours_today, language)}
