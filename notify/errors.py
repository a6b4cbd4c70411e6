"""The one error of this package."""

from __future__ import annotations


class NotSent(Exception):
    """A message did not leave: the reason is readable and never holds personal data.

    The reason names what failed ("connection refused", "the SMTP server answered 550"), never the address,
    number, text or link, so callers may log it as it is. ``permanent`` is True when sending the same message
    again will fail the same way (a refused recipient, a malformed number); False when a later try may work.
    """

    def __init__(self, reason: str, *, permanent: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.permanent = permanent
