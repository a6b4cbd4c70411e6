"""Translations for citizen-facing text (Dutch, French, English), with Babel.

Messages are written in English in the code and templates and translated from
the catalogs in ``i18n/locale/<language>/LC_MESSAGES/loket.po``::

    from i18n import gettext, ngettext

    gettext("nl", "Your ticket")                                # "Uw ticket"
    ngettext("fr", "%(n)d person ahead of you", "%(n)d people ahead of you", 3) % {"n": 3}

Templates: ``i18n.install_jinja(env)``. Catalog upkeep: ``python -m i18n update``
(see ``i18n/__main__.py``).
"""

from i18n.catalog import (
    DEFAULT_LANGUAGE,
    DOMAIN,
    LANGUAGES,
    gettext,
    ngettext,
    pgettext,
    resolve_language,
    translations,
)
from i18n.jinja import install_jinja

__all__ = [
    "DEFAULT_LANGUAGE",
    "DOMAIN",
    "LANGUAGES",
    "gettext",
    "install_jinja",
    "ngettext",
    "pgettext",
    "resolve_language",
    "translations",
]
