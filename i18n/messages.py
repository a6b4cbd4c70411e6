"""Citizen-facing messages that code refers to by name.

``N_`` and ``NN_`` only mark text for extraction (``python -m i18n update``);
they translate nothing. Translate at the point of use, in the citizen's
language::

    from i18n import gettext, ngettext, messages

    gettext(ticket.language, messages.CALLED) % {"counter": counter.name}
    ngettext(ticket.language, *messages.PEOPLE_AHEAD, ahead) % {"n": ahead}

In templates the same English text goes through ``_()``. A ``# Translators:``
comment right above a message is copied into the catalogs for the translators.
"""

from __future__ import annotations

from typing import NamedTuple


class Plural(NamedTuple):
    singular: str
    plural: str


def N_(message: str) -> str:
    return message


def NN_(singular: str, plural: str) -> Plural:
    return Plural(singular, plural)


# The ticket page and the kiosk's printed ticket.
YOUR_TICKET = N_("Your ticket")
# Translators: %(number)s is the ticket number, e.g. "A042".
TICKET_NUMBER = N_("Ticket %(number)s")
# Translators: a heading, the kind of help the citizen came for (e.g. "Passports").
SERVICE = N_("Service")
STATUS_OF_YOUR_TICKET = N_("Status of your ticket")
LANGUAGE = N_("Language")
THIS_PAGE_UPDATES_ITSELF = N_("This page updates by itself.")
NO_TICKET_HAS_THIS_CODE = N_("No ticket has this code.")

# What the citizen is told, one per ticket state.
WAITING_TO_BE_CALLED = N_("Please wait, you will be called.")
# Translators: %(counter)s is the name or number of a counter (desk), e.g. "3".
CALLED = N_("It is your turn: please go to counter %(counter)s.")
# Translators: %(counter)s is the name or number of a counter (desk), e.g. "3".
CALLED_AGAIN = N_("You were called again: please go to counter %(counter)s.")
SERVED = N_("Thank you for your visit.")
NO_SHOW = N_("You did not come when called. Please ask at the reception.")
# Translators: the clerk set the ticket aside for a while (e.g. the citizen must fetch a document).
PARKED = N_("Please wait, you will be called back.")
TRANSFERRED = N_("You were sent on to another service.")
CANCELLED = N_("This ticket was cancelled.")

# Short status labels.
STATUS_WAITING = N_("Waiting")
STATUS_CALLED = N_("Called")
STATUS_SERVING = N_("Being served")
STATUS_DONE = N_("Done")

# The wait estimate.
ESTIMATED_WAIT = N_("Estimated wait")
# Translators: %(minutes)d is at least 2.
ABOUT_MINUTES = N_("about %(minutes)d minutes")
LESS_THAN_A_MINUTE = N_("less than a minute")
# Translators: %(n)d is the number of people who will be called before this citizen.
PEOPLE_AHEAD = NN_("%(n)d person ahead of you", "%(n)d people ahead of you")
