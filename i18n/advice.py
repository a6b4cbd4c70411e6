"""The staffing advice in words. The scheduler gives it as data (`scheduler.staffing.run_json`: per stretch of
hours, how many more counters for which services); the edges (the live advice event, the `loket staffing`
command) say it in each language through the catalogs.

Written against the plain JSON shape, not the scheduler's classes, so that the terminal apps may import this
package without the scheduler.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from i18n import messages
from i18n.catalog import LANGUAGES, gettext, ngettext

#: One stretch of advice as the scheduler gives it:
#: {"start": "10:00", "end": "11:00", "extra": [{"skills": ["A"], "counters": 2}, ...]}.
RunJson = Mapping[str, Any]


def advice_lines(runs: Sequence[RunJson], names: Mapping[str, str] | None = None, language: str = "en") -> list[str]:
    """One sentence per stretch of hours, e.g. "10:00-11:00: open 2 more counters for Passport"; `names` are
    the services' names in `language` (a code without a name is said as its code)."""
    names = names or {}
    either = f" {gettext(language, messages.ADVICE_OR)} "
    lines = []
    for run in runs:
        parts = [
            ngettext(language, *messages.ADVICE_COUNTERS, extra["counters"])
            % {"n": extra["counters"], "skills": either.join(names.get(s, s) for s in extra["skills"])}
            for extra in run["extra"]
        ]
        lines.append(
            gettext(language, messages.ADVICE_LINE)
            % {"start": run["start"], "end": run["end"], "what": "; ".join(parts)}
        )
    return lines


def lines_by_language(runs: Sequence[RunJson], names: Mapping[str, Mapping[str, str]]) -> dict[str, list[str]]:
    """The sentences in every language; `names[language]` are the services' names in it."""
    return {language: advice_lines(runs, names.get(language), language) for language in LANGUAGES}
