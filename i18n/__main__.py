"""Catalog upkeep, no Makefile or shell needed. From the repository root:

``python -m i18n update``
    Extract the messages of the citizen-facing code and templates (``babel.cfg``)
    into ``i18n/locale/loket.pot`` and merge them into the nl, fr and en
    catalogs. New messages arrive untranslated (English fills itself in); changed
    ones keep their old translation marked fuzzy. Then translate the empty and
    fuzzy ``msgstr`` lines (and remove the ``#, fuzzy`` flag) in the ``.po`` files.

``python -m pytest tests/test_i18n.py``
    Check that the template matches the code and that every message is
    translated, unfuzzy and keeps its placeholders, in every language.

``python -m i18n extract`` only rewrites the template. Files whose only
change would be a date are left alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from i18n import tooling


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m i18n", description="Keep Loket's translation catalogs up to date.")
    parser.add_argument("command", choices=("update", "extract"), help="what to refresh")
    args = parser.parse_args(argv)

    if args.command == "extract":
        changed = tooling.TEMPLATE_FILE if tooling.write_template() else None
        print(f"updated {changed}" if changed else "template unchanged")
        return 0

    changed_files = tooling.update()
    for path in changed_files:
        print(f"updated {path}")
    if not changed_files:
        print("template and catalogs unchanged")
    for language in tooling.progress():
        todo = language.untranslated + language.fuzzy
        status = "complete" if todo == 0 else f"{language.untranslated} untranslated, {language.fuzzy} fuzzy"
        print(f"{language.language}: {language.messages} messages, {status}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
