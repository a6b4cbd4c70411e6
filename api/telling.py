"""Where to tell a waiting citizen that their turn is near: what the status page and the JSON API share.

Anyone holding a status token (it is printed on every ticket) can ask, so each ask spends the client
address's hourly budget, the address is checked and written in one form, and only a medium the server
sends on is accepted. That the ticket takes one contact, once, is the scheduler's rule (`citizen`).
"""

from __future__ import annotations

from api.appointments import phone_e164
from api.deps import Parts
from api.errors import ApiError
from scheduler.bookings import Contact, check_contact


def contact_to_tell(parts: Parts, email: str | None, phone: str | None, client: str) -> Contact:
    """The contact to keep, checked; ApiError 429 past the client's budget, 409 `notification_not_offered`,
    422 `invalid_email`/`invalid_phone`."""
    parts.notify_limit.spend(client)
    contact = check_contact(Contact(email=email, phone=phone_e164(phone, parts.settings.default_region)))
    offered = parts.messenger.media()
    if (contact.email and "email" not in offered) or (contact.phone and "sms" not in offered):
        raise ApiError(
            409,
            "notification_not_offered",
            f"this office tells citizens by {' and '.join(offered) or 'neither e-mail nor SMS'} only",
        )
    return contact
