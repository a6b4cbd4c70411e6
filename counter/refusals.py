"""What the clerk is told when the server refused something, in the clerk's language: one sentence per refusal
code (`LoketError.code`, the server's stable names), filled in with what the terminal knows (the ticket at the
counter, what the clerk typed) and the facts the refusal carries (`no_show_from`, `recalls_needed`). A code
this terminal does not know yet is said with the server's own words, after a translated lead-in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from client.errors import LoketError
from i18n import gettext, ngettext
from i18n.messages import N_, NN_
from tui.clock import local_clock


@dataclass(frozen=True)
class Known:
    """What the terminal knows when the refusal comes: the ticket at the counter, what the clerk typed."""

    number: str = ""
    value: str = ""
    timezone: str = "Europe/Brussels"


#: The refusals said the same whatever the ticket or the value.
PLAIN = {
    "bad_credentials": N_("Unknown username or wrong password."),
    "too_many_failed_logins": N_("Too many wrong passwords: wait a moment before you try again."),
    "unauthorized": N_("Your session has ended."),
    "invalid_token": N_("Your session has ended."),
    "forbidden": N_("Your account may not do this."),
    "counter_not_open": N_("Your counter is not open: open it first (o)."),
    "service_not_served": N_("This counter does not serve that service."),
    "not_your_ticket": N_("That ticket is at another counter, or was sent to another counter."),
    "service_unavailable": N_("No counter serves that service."),
    "ticket_changed": N_("Someone else changed the ticket meanwhile: look at the screen and try again."),
    "transfer_target_required": N_("Say where to: a service code, or a counter."),
    "illegal_transition": N_("That cannot be done in the ticket's or the counter's present state."),
    "services_not_choosable": N_("This office does not let clerks choose their services."),
    "invalid_services": N_("Choose services your counter can serve."),
    "counter_not_found": N_("There is no such counter in this office."),
    "office_not_found": N_("The server has no such office."),
    "too_many_requests": N_("Too many requests: wait a moment and try again."),
}


RECALLS_NEEDED = NN_(
    "Call %(number)s again first: %(n)d more recall, then wait before marking a no-show.",
    "Call %(number)s again first: %(n)d more recalls, then wait before marking a no-show.",
)


def refusal_text(language: str, refusal: LoketError, known: Known | None = None) -> str:
    """The refusal in `language`."""
    known = known or Known()
    code = refusal.code
    if code in PLAIN:
        return gettext(language, PLAIN[code])
    if code == "counter_busy":
        if known.number:
            return gettext(
                language, "%(number)s is still at your counter: finish, park, transfer or mark as no-show first."
            ) % {"number": known.number}
        return gettext(language, "A citizen is still at your counter: finish, park, transfer or mark as no-show first.")
    if code == "ticket_not_found":
        return gettext(language, "There is no ticket %(number)s today.") % {"number": known.value or "?"}
    if code == "service_not_found":
        return gettext(language, "There is no service %(service)s.") % {"service": known.value or "?"}
    if code == "no_show_too_early":
        return _no_show_too_early(language, refusal, known)
    return gettext(language, "The server refused: %(detail)s") % {"detail": refusal.detail or code}


def _no_show_too_early(language: str, refusal: LoketError, known: Known) -> str:
    recalls = refusal.body.get("recalls_needed")
    if isinstance(recalls, int) and recalls > 0:
        said = ngettext(language, *RECALLS_NEEDED, recalls)
        return said % {"number": known.number or "?", "n": recalls}
    at = refusal.body.get("no_show_from")
    if isinstance(at, str):
        when = local_clock(datetime.fromisoformat(at), known.timezone, seconds=True)
        return gettext(language, "%(number)s may be marked a no-show from %(time)s.") % {
            "number": known.number or "?",
            "time": when,
        }
    return gettext(language, "It is too early to mark a no-show.")
