"""Where to tell a waiting citizen that their turn is near: what the status page and the JSON API share.

Anyone holding a status token (it is printed on every ticket) can ask, so each ask spends the client
address's hourly budget, the address is checked and written in one form, and only a medium the server
sends on is accepted. That the ticket takes one contact, once, is the scheduler's rule (`citizen`).
"""

from __future__ import annotations

from scheduler.bookings import Contact, check_contact, check_offered
from service.appointments import phone_e164
from service.parts import Parts


def contact_to_tell(parts: Parts, email: str | None, phone: str | None, client: str) -> Contact:
    """The contact to keep, checked; Throttled (429) past the client's budget, Conflict `notification_not_offered`
    (409), Invalid `invalid_email`/`invalid_phone` (422)."""
    parts.notify_limit.spend(client)
    contact = check_contact(Contact(email=email, phone=phone_e164(phone, parts.settings.default_region)))
    check_offered(contact, parts.messenger.media())
    return contact
