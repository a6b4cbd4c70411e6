"""Runtime translations, read straight from the ``.po`` catalogs.

The catalogs live in ``i18n/locale/<language>/LC_MESSAGES/loket.po``. They are
parsed with Babel the first time a language is asked for and kept for the life of
the process, so there is no compile step and nothing happens at import time.
Fuzzy entries are not used: until a translator has reviewed them, the English
text is shown.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
from importlib import resources

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

LANGUAGES = ("nl", "fr", "en")
DEFAULT_LANGUAGE = "en"
DOMAIN = "loket"


def resolve_language(language: str) -> str:
    """The supported language to use for ``language``.

    Accepts tags such as ``"fr-BE"``, ``"nl_BE"`` or ``"NL"``; anything that is
    not Dutch, French or English gives English.
    """
    primary = language.strip().replace("_", "-").partition("-")[0].lower()
    return primary if primary in LANGUAGES else DEFAULT_LANGUAGE


def translations(language: str) -> _gettext.NullTranslations:
    """The translations for ``language`` (English for unknown languages).

    The object is shared by every caller: use it, do not modify it.
    """
    return _load(resolve_language(language))


def gettext(language: str, message: str) -> str:
    """``message`` translated into ``language``; placeholders are left for the caller."""
    if not message:
        return message  # gettext("") would be the catalog's header
    return translations(language).gettext(message)


def ngettext(language: str, singular: str, plural: str, n: int) -> str:
    """The form of ``singular``/``plural`` that suits ``n`` in ``language``.

    Placeholders are left for the caller, e.g. ``ngettext(lang, s, p, n) % {"n": n}``.
    """
    return translations(language).ngettext(singular, plural, n)


def pgettext(language: str, context: str, message: str) -> str:
    """``message`` in ``context`` translated into ``language``: for the same English that reads otherwise
    in another place (``pgettext(language, *messages.BOARD_RECALL)``)."""
    return translations(language).pgettext(context, message)


@functools.lru_cache(maxsize=len(LANGUAGES))
def _load(language: str) -> _gettext.NullTranslations:
    source = resources.files("i18n") / "locale" / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    with source.open("rb") as po:
        catalog = read_po(po, locale=language, domain=DOMAIN, abort_invalid=True)
    mo = io.BytesIO()
    write_mo(mo, catalog, use_fuzzy=False)
    mo.seek(0)
    loaded = _gettext.GNUTranslations(mo)
    if language != DEFAULT_LANGUAGE:
        # A message the catalog lacks comes out as in the English catalog.
        loaded.add_fallback(_load(DEFAULT_LANGUAGE))
    return loaded
