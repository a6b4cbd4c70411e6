"""The recommendations to officials in words. The scheduler gives each as data (`scheduler.recommendations`:
a `kind`, its `numbers` and a `link`); the edges (the API, the dashboard) say it in nl/fr/en through the catalogs,
as `i18n.advice` does for the staffing advice, which the `staffing` recommendation reuses.

Written against the plain JSON shape, like `i18n.advice`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from i18n.advice import advice_lines
from i18n.catalog import gettext, ngettext
from i18n.messages import N_, NN_

# Translators: %(advice)s is one or more stretches of today, e.g. "10:00-11:00: open 1 more counter for Passport".
STAFFING = N_("Staffing today: %(advice)s.")
# Translators: %(percent)d%% is a percentage, e.g. "40%"; %(improvement)s the name of what citizens asked for.
TOP_IMPROVEMENT = N_(
    'Most chosen improvement this month: "%(improvement)s", in %(chosen)d of %(answers)d answers (%(percent)d%%).'
)
# Translators: %(text)s is a citizen's idea, quoted as they wrote it.
TOP_IDEA = NN_(
    'The citizens\' idea with the most votes (%(votes)d vote) has no answer yet: "%(text)s". Answer it, or plan it.',
    'The citizens\' idea with the most votes (%(votes)d votes) has no answer yet: "%(text)s". Answer it, or plan it.',
)
# Translators: %(service)s is a service's name; %(from)s and %(to)s are days (YYYY-MM-DD).
ESTIMATES_OFF = N_(
    "%(service)s: the wait announced at issue was outside its range for %(outside)d of %(checked)d citizens "
    "(%(percent)d%%, off by %(minutes)d min on average) from %(from)s to %(to)s. Check the service's mean duration "
    "and its counters."
)
# Translators: %(service)s is a service's name; %(from)s and %(to)s are days (YYYY-MM-DD).
NO_SHOWS = N_(
    "%(service)s: %(no_shows)d of %(due)d appointments (%(percent)d%%) never came from %(from)s to %(to)s. "
    "Remind these citizens earlier."
)
# Translators: %(hours)s is a list of hours with figures, e.g. "10:00-11:00 (30%, 12 of 40)".
LATE_HOURS = N_(
    "More than %(limit)d%% of walk-ins waited over %(promise)d minutes at %(hours)s, from %(from)s to %(to)s. "
    "Open a counter more at those hours, or move breaks."
)
# Translators: one hour in the list of late hours: "10:00-11:00 (30%, 12 of 40)".
LATE_HOUR = N_("%(start)s-%(end)s (%(percent)d%%, %(late)d of %(called)d)")


def _percent(share: float) -> int:
    return round(share * 100)


def text_of(recommendation: Mapping[str, Any], names: Mapping[str, Mapping[str, str]], language: str = "en") -> str:
    """One recommendation (`Recommendation.as_json()`) in `language`; `names["services"]` and
    `names["improvements"]` are the office's names in that language (a code without one is said as its code)."""
    kind, n = recommendation["kind"], recommendation["numbers"]
    services, improvements = names.get("services", {}), names.get("improvements", {})
    if kind == "staffing":
        return gettext(language, STAFFING) % {"advice": "; ".join(advice_lines(n["runs"], services, language))}
    if kind == "top_improvement":
        return gettext(language, TOP_IMPROVEMENT) % {
            "improvement": improvements.get(n["improvement"], n["improvement"]),
            "chosen": n["chosen"],
            "answers": n["answers"],
            "percent": _percent(n["share"]),
        }
    if kind == "top_idea":
        return ngettext(language, *TOP_IDEA, n["votes"]) % {"votes": n["votes"], "text": n["text"]}
    if kind == "estimates_off":
        return gettext(language, ESTIMATES_OFF) % {
            "service": services.get(n["service"], n["service"]),
            "outside": n["outside"],
            "checked": n["checked"],
            "percent": _percent(n["share"]),
            "minutes": round(n["mean_error_s"] / 60),
            "from": n["from"],
            "to": n["to"],
        }
    if kind == "no_shows":
        return gettext(language, NO_SHOWS) % {
            "service": services.get(n["service"], n["service"]),
            "no_shows": n["no_shows"],
            "due": n["due"],
            "percent": _percent(n["share"]),
            "from": n["from"],
            "to": n["to"],
        }
    if kind == "late_hours":
        hours = ", ".join(
            gettext(language, LATE_HOUR)
            % {
                "start": f"{h['hour']:02d}:00",
                "end": f"{(h['hour'] + 1) % 24:02d}:00",
                "percent": _percent(h["share"]),
                "late": h["late"],
                "called": h["called"],
            }
            for h in n["hours"]
        )
        return gettext(language, LATE_HOURS) % {
            "limit": _percent(n["limit"]),
            "promise": n["promise_min"],
            "hours": hours,
            "from": n["from"],
            "to": n["to"],
        }
    raise ValueError(f"no words for a recommendation of kind {kind!r}")
