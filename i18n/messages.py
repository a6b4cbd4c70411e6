"""Citizen-facing messages that code refers to by name.

``N_`` and ``NN_`` only mark text for extraction (``python -m i18n update``);
they translate nothing. Translate at the point of use, in the citizen's
language::

    from i18n import gettext, ngettext, messages

    gettext(ticket.language, messages.CALLED) % {"counter": counter.name}
    ngettext(ticket.language, *messages.PEOPLE_AHEAD, ahead) % {"n": ahead}
    pgettext(language, *messages.BOARD_RECALL)

In templates the same English text goes through ``_()``. A ``# Translators:``
comment right above a message is copied into the catalogs for the translators.
"""

from __future__ import annotations

from typing import NamedTuple


class Plural(NamedTuple):
    singular: str
    plural: str


class InContext(NamedTuple):
    context: str
    message: str


def N_(message: str) -> str:
    return message


def NN_(singular: str, plural: str) -> Plural:
    return Plural(singular, plural)


def NC_(context: str, message: str) -> InContext:
    """A message whose words differ from the same English elsewhere: ``pgettext(language, *message)``."""
    return InContext(context, message)


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

# Messages about a booked appointment, by e-mail and SMS (notify/compose.py).
# Translators: %(date)s is a full date, e.g. "Tuesday, 8 December 2026"; %(time)s a time of day, e.g. "10:30".
DATE_AT_TIME = N_("%(date)s at %(time)s")
# Translators: an e-mail subject; %(when)s is a date and time, e.g. "Tuesday, 8 December 2026 at 10:30".
SUBJECT_CONFIRMED = N_("Appointment confirmed: %(when)s")
# Translators: an e-mail subject, sent the day before; %(when)s is a date and time.
SUBJECT_REMINDER = N_("Reminder: your appointment on %(when)s")
# Translators: an e-mail subject; %(when)s is a date and time.
SUBJECT_CANCELLED = N_("Appointment cancelled: %(when)s")
# Translators: the first line of an e-mail; %(name)s is the citizen's name as they typed it.
GREETING_NAME = N_("Dear %(name)s,")
# Translators: the first line of an e-mail when we do not know the citizen's name.
GREETING = N_("Hello,")
APPOINTMENT_CONFIRMED = N_("Your appointment is confirmed.")
APPOINTMENT_REMINDER = N_("This is a reminder of your appointment.")
# Translators: the office or the citizen may have cancelled it; the details follow.
APPOINTMENT_CANCELLED = N_("The appointment below was cancelled.")
# Translators: one line of the details in an e-mail, e.g. "Service: Passports".
LABELLED = N_("%(label)s: %(value)s")
# Translators: a label before the date and time of the appointment.
DATE_AND_TIME = N_("Date and time")
# Translators: a label before the name and address of the office.
WHERE = N_("Where")
# Translators: a label before the code that identifies the booking, e.g. "K7QX-M4TP" (also typed at the kiosk).
BOOKING_CODE = N_("Booking code")
# Translators: followed by a list of documents, e.g. "your identity card", "a passport photo".
WHAT_TO_BRING = N_("Please bring:")
COME_EARLY = N_("Please come a few minutes early and check in at the kiosk in the waiting room with your booking code.")
# Translators: followed by a link on the next line.
MANAGE_LINK = N_("To see, move or cancel your appointment:")
# Translators: followed by a link on the next line; cancelling frees the time for another citizen.
CANCEL_LINK = N_("Cannot come? Cancel in one click, so that someone else can have your time:")
BOOK_AGAIN = N_("Do you still need to come? Please book a new appointment.")
# Translators: the closing of an e-mail, followed by the name of the office on the next line.
KIND_REGARDS = N_("Kind regards,")
# Translators: an SMS of about 200 characters once filled in; %(when)s is a date and time, %(link)s a web address.
# Plain characters keep an SMS cheap: in French ' rather than ’, and ordinary spaces before : and ?.
SMS_CONFIRMED = N_("Appointment %(code)s confirmed: %(service)s, %(when)s, %(office)s. Cannot come? Cancel: %(link)s")
# Translators: an SMS sent the day before; keep it short and plain, see the confirmation SMS.
SMS_REMINDER = N_("Reminder: %(service)s, %(when)s, %(office)s. Code %(code)s. Cannot come? Cancel: %(link)s")
# Translators: an SMS; keep it short and plain, see the confirmation SMS.
SMS_CANCELLED = N_("Your appointment %(code)s (%(service)s, %(when)s, %(office)s) was cancelled.")
# Walk-ins who asked at the status page to be told (e-mail subject and text, or SMS).
TURN_SOON = N_("Ticket %(number)s: your turn comes in about %(minutes)d minutes at %(office)s. Follow it: %(link)s")
TURN_NOW = N_("Ticket %(number)s: it is your turn now, at counter %(counter)s.")
TURN_SOON_SUBJECT = N_("Your turn is near: ticket %(number)s")
TURN_NOW_SUBJECT = N_("It is your turn: ticket %(number)s, counter %(counter)s")
# Citizens who joined the queue from elsewhere (scheduler/remote.py): when to set off, and a missed turn.
COME_NOW = N_(
    "Ticket %(number)s: time to set off for %(office)s. On arrival, check in at the kiosk with code %(code)s. "
    "Follow it: %(link)s"
)
COME_NOW_SUBJECT = N_("Time to set off: ticket %(number)s")
COME_EARLIER = N_(
    "Ticket %(number)s: your turn comes sooner. Set off at %(time)s for %(office)s and check in at the kiosk "
    "with code %(code)s. Follow it: %(link)s"
)
COME_EARLIER_SUBJECT = N_("Your turn comes sooner: ticket %(number)s")
COME_MISSED = N_(
    "Ticket %(number)s: you did not check in at %(office)s in time, so the ticket has lapsed. You can join the "
    "queue again: %(link)s"
)
COME_MISSED_SUBJECT = N_("Your ticket %(number)s has lapsed")

# The booking pages (web/booking.py): what the citizen is told when something cannot be done.
PAGE_NOT_FOUND = N_("Page not found")
BOOK_CANNOT_BE_DONE = N_("This cannot be done")
BOOK_SOMETHING_WRONG = N_("This could not be done. Please try again, or ask at the office.")
BOOK_INVALID_NAME = N_("Enter your name on one line, with at most 80 characters.")
BOOK_INVALID_EMAIL = N_("Enter an e-mail address like name@example.com.")
BOOK_EMAIL_REQUIRED = N_("Enter your e-mail address to be reminded by e-mail.")
BOOK_CONTACT_REQUIRED = N_("Enter an e-mail address or a mobile number, so that we can send you the confirmation.")
BOOK_INVALID_PHONE = N_("Enter a phone number like 0470 12 34 56 or +32 470 12 34 56.")
BOOK_PHONE_REQUIRED = N_("Enter your mobile number to be reminded by SMS.")
BOOK_INVALID_REMIND_VIA = N_("Choose how you want to be reminded.")
BOOK_TOO_MANY_BOOKINGS = N_(
    "You already have as many appointments to come at this office as one person may. "
    "Cancel one before you book another."
)
BOOK_TOO_MANY_REQUESTS = N_(
    "Too many bookings and changes came from your connection in the last hour. Please try again later."
)
BOOK_TOO_MANY_TODAY = N_(
    "This e-mail address or phone number already made as many bookings today as one person may. "
    "Please try again tomorrow."
)
BOOK_SLOT_FULL = N_("Sorry, someone else has just booked that time. Please choose another time.")
BOOK_SLOT_GONE = N_("That time can no longer be booked. Please choose another time.")
BOOK_TIME_REQUIRED = N_("Choose a time.")
BOOK_NO_SUCH_OFFICE = N_("There is no such office. Check the address of the page.")
BOOK_NO_SUCH_SERVICE = N_("This office takes no appointments for this service online.")
BOOK_DAY_NOT_BOOKABLE = N_("This day cannot be booked. Please choose another day.")
BOOKING_NOT_FOUND = N_("No appointment has this link. Check that you copied the whole link from your confirmation.")
BOOKING_IS_CANCELLED = N_("This appointment was cancelled: it can no longer be changed.")
BOOKING_IS_PAST = N_("This appointment has passed: it can no longer be changed.")
BOOKING_IS_CHECKED_IN = N_("You have checked in for this appointment: please ask at the counter.")
BOOKING_CHANGED = N_("Your appointment changed meanwhile. Please look at it again.")
# The state of a booked appointment, on its page.
BOOKING_STATE_BOOKED = N_("Your appointment is booked.")
BOOKING_STATE_CANCELLED = N_("This appointment was cancelled.")
BOOKING_STATE_CHECKED_IN = N_("You checked in for this appointment.")
BOOKING_STATE_PAST = N_("This appointment has passed.")

# The ticket's status page (web/status.py, web/static/status.js): the wait, and why something cannot be done.
# Translators: the estimated wait and, in brackets, the range it will most likely fall in; all in minutes,
# e.g. "about 12 minutes (8–17)". %(minutes)d is at least 2.
STATUS_WAIT_RANGE = N_("about %(minutes)d minutes (%(low)d–%(high)d)")
STATUS_NOT_WAITING = N_("Your ticket is no longer waiting, so this can no longer be done.")
STATUS_CHANGED = N_("Your ticket changed meanwhile. Please look at it again.")
STATUS_ALREADY_LATE = N_("You already moved back once: that can be done only once.")
STATUS_LATE_NOT_OFFERED = N_("This office does not move tickets back in the queue.")
# Translators: the offer to leave the waiting room and come back at a given time.
STATUS_RETURN_NOT_OFFERED = N_("Coming back later is not (or no longer) offered for this ticket.")
STATUS_CONTACT_REQUIRED = N_("Enter an e-mail address or a mobile number.")
STATUS_CONTACT_ALREADY_SET = N_("This ticket already has an address for its messages: it cannot be changed.")
STATUS_TOO_MANY_REQUESTS = N_("Too many requests came from your connection in the last hour. Please try again later.")
STATUS_NOT_OFFERED = N_("Messages cannot be sent that way from this office.")
STATUS_AFTER_THE_VISIT = N_("This question comes after your visit.")
STATUS_ALREADY_ANSWERED = N_("You already answered this question. Thank you!")
STATUS_SURVEY_CLOSED = N_("Your visit was too long ago to answer this question.")
STATUS_CHOOSE_A_SCORE = N_("Choose a score from 1 to 10.")
STATUS_AT_MOST_THREE = N_("Choose at most 3 things.")
STATUS_UNKNOWN_IMPROVEMENT = N_("Choose only from the list.")

# The terminal display board (display/words.py). Its own words where the browser board's (web/display.py) differ.
BOARD_TICKET = N_("Ticket")
# Translators: the place where a citizen is served ("loket" / "guichet").
BOARD_COUNTER = N_("Counter")
# Translators: a column heading: how many people wait for the service.
BOARD_WAITING = NC_("terminal board", "Waiting")
# Translators: a column heading: the estimated wait for the service.
BOARD_WAIT = N_("Wait")
# Translators: after the number waiting for a service on the board: how many of them joined from elsewhere and
# are not in the room yet, e.g. "5 (2 on their way)".
BOARD_ON_THE_WAY = N_("%(n)d on their way")
BOARD_SERVICE = N_("Service")
BOARD_PREVIOUS = N_("Previous calls")
# Translators: shown on the terminal board when a ticket is called again.
BOARD_RECALL = NC_("terminal board", "Recall")
BOARD_NO_CALLS = N_("No calls yet")
# Translators: in the wait column when the wait is under a minute.
BOARD_NO_WAIT = NC_("terminal board", "none")
# Translators: an estimated wait on the board; %(n)d is a whole number of minutes.
BOARD_MINUTES = N_("± %(n)d min")
# Translators: a small mark on the terminal board while it has lost its connection to the server.
BOARD_OFFLINE = N_("offline")
BOARD_CONNECTING = NC_("terminal board", "Connecting to the office…")

# The staffing advice (i18n/advice.py), for managers and clerks: one line per stretch of hours.
# Translators: %(start)s and %(end)s are times of day, e.g. "10:00-11:00: open 2 more counters for Passports".
# %(what)s is one or more of the counter messages below, joined by "; ".
ADVICE_LINE = N_("%(start)s-%(end)s: open %(what)s")
# Translators: %(skills)s is the name of a service, e.g. "Passports" (or several joined by "or").
ADVICE_COUNTERS = NN_("%(n)d more counter for %(skills)s", "%(n)d more counters for %(skills)s")
# Translators: between the names of services, e.g. "Passports or Identity cards".
ADVICE_OR = N_("or")

# The office's opening hours today, on the kiosk and on the displays (tui/hours.py, web/static/display.js).
# Translators: %(hours)s is one or more opening periods of today, e.g. "08:30–12:30, 13:30–16:00".
OPEN_TODAY = N_("Open today %(hours)s")
CLOSED_TODAY = N_("Closed today")

# A kiosk's printer fault, told to the staff (the clerk terminal's alerts, the display page's staff view).
# Translators: e.g. "Kiosk hall-1: printer out of paper"; %(kiosk)s is the kiosk's name.
PRINTER_ALERT = N_("Kiosk %(kiosk)s: printer %(state)s")
#: A kiosk printer's states (`printer.status`), as the staff read them.
PRINTER_STATES = {
    "paper_low": NC_("printer state", "paper low"),
    "paper_out": NC_("printer state", "out of paper"),
    "cover_open": NC_("printer state", "cover open"),
    "unreachable": NC_("printer state", "unreachable"),
    "error": NC_("printer state", "error"),
}
