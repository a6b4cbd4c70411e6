"""``_()``, ``gettext()`` and ``ngettext()`` for Jinja2 templates.

After ``install_jinja(env)`` a template can write::

    {{ _("Your ticket") }}
    {{ _("Ticket %(number)s", number=ticket.number) }}
    {{ ngettext("%(n)d person ahead of you", "%(n)d people ahead of you", ahead, n=ahead) }}
    {% trans counter=counter %}It is your turn: please go to counter {{ counter }}.{% endtrans %}

The language is the ``language`` variable of the render context, so one shared
environment serves Dutch, French and English pages side by side::

    env.get_template("ticket.html").render(language="fr", ...)

Without that variable the ``language`` given to ``install_jinja`` is used.
Gettext is "new style": placeholders are filled from the keyword arguments and
escaped when autoescaping is on, so a literal percent sign is written ``%%``.
``{% trans %}`` blocks are trimmed (``ext.i18n.trimmed``), as ``babel.cfg``
extracts them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol, cast

import jinja2
from jinja2.runtime import Context

from i18n import catalog
from i18n.catalog import resolve_language, translations

LANGUAGE_VARIABLE = "language"
_I18N_EXTENSION = "jinja2.ext.InternationalizationExtension"


class _GettextEnvironment(Protocol):
    """The method that ``jinja2.ext.i18n`` adds to an environment."""

    def install_gettext_callables(
        self,
        gettext: Callable[..., str],
        ngettext: Callable[..., str],
        newstyle: bool | None = None,
    ) -> None: ...


def install_jinja(env: jinja2.Environment, language: str = "en") -> None:
    """Let ``env``'s templates translate; ``language`` is the default language.

    Adds the ``jinja2.ext.i18n`` extension if ``env`` lacks it. Call it before
    templates are loaded.
    """
    if _I18N_EXTENSION not in env.extensions:
        env.add_extension("jinja2.ext.i18n")
    env.policies["ext.i18n.trimmed"] = True
    default = resolve_language(language)

    def language_of(context: Context) -> str:
        value = context.get(LANGUAGE_VARIABLE)
        return resolve_language(value) if isinstance(value, str) else default

    @jinja2.pass_context
    def gettext(context: Context, message: str) -> str:
        return catalog.gettext(language_of(context), message)

    @jinja2.pass_context
    def ngettext(context: Context, singular: str, plural: str, n: int) -> str:
        return translations(language_of(context)).ngettext(singular, plural, n)

    cast(_GettextEnvironment, env).install_gettext_callables(gettext, ngettext, newstyle=True)
