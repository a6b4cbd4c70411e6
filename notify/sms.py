"""SMS to citizens through an HTTP gateway (httpx, blocking, with a timeout).

Gateway contract (``LOKET_SMS_URL``, ``LOKET_SMS_TOKEN``):

- If the URL contains ``{to}`` and/or ``{text}``, they are replaced with the URL-encoded number and text and the
  URL is fetched with GET, e.g. ``https://sms.example.org/send?to={to}&msg={text}`` becomes
  ``https://sms.example.org/send?to=%2B32470123456&msg=Afspraak%20K7QX-M4TP%20...``.
- Otherwise the JSON ``{"to": "+32470123456", "text": "..."}`` is POSTed to the URL.
- If a token is set, it is sent as ``Authorization: Bearer TOKEN``.
- Numbers are E.164 (``+`` and the country code, digits only). Any 2xx answer means the gateway took the SMS;
  anything else (including a redirect) means it did not.

``SmsGateway.from_settings`` gives ``None`` when ``LOKET_SMS_URL`` is unset, meaning SMS is off.
``send_sms`` blocks (call it from a worker thread) and raises ``NotSent`` on any failure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

import httpx

from notify.errors import NotSent

if TYPE_CHECKING:
    from settings import Settings

__all__ = ["NotSent", "SmsGateway", "send_sms"]

E164 = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclass(frozen=True)
class SmsGateway:
    url: str
    token: str | None = None
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmsGateway | None:
        """The gateway of ``settings``; None when ``sms_url`` is unset (no SMS is sent)."""
        if not settings.sms_url:
            return None
        return cls(url=settings.sms_url, token=settings.sms_token or None)

    @property
    def templated(self) -> bool:
        """Whether the URL carries the message itself (GET) rather than receiving it as JSON (POST)."""
        return "{to}" in self.url or "{text}" in self.url

    def __repr__(self) -> str:
        # The token must not reach logs; a templated URL may hold a key of its own, so only the host is shown.
        token = "***" if self.token else None
        return f"SmsGateway(host={urlsplit(self.url).hostname!r}, token={token!r}, timeout_s={self.timeout_s})"


def build_request(gateway: SmsGateway, to: str, text: str) -> httpx.Request:
    """The HTTP request that asks ``gateway`` to send ``text`` to ``to`` (see the module's contract)."""
    if not E164.fullmatch(to):
        raise NotSent("not an E.164 phone number", permanent=True)
    headers = {"Authorization": f"Bearer {gateway.token}"} if gateway.token else {}
    # The timeout travels with the request: a transport used on its own has none by default.
    extensions = {"timeout": httpx.Timeout(gateway.timeout_s).as_dict()}
    try:
        if gateway.templated:
            # str.replace, not str.format: other braces in the URL are the gateway's business.
            url = gateway.url.replace("{to}", quote(to, safe="")).replace("{text}", quote(text, safe=""))
            return httpx.Request("GET", url, headers=headers, extensions=extensions)
        return httpx.Request("POST", gateway.url, json={"to": to, "text": text}, headers=headers, extensions=extensions)
    except httpx.InvalidURL:
        raise NotSent("the SMS gateway URL is not valid", permanent=True) from None


def send_sms(gateway: SmsGateway, to: str, text: str) -> None:
    """Hand ``text`` to the gateway for ``to``; raises NotSent on failure or a non-2xx answer.

    The request goes straight to an ``httpx.HTTPTransport`` rather than through an ``httpx.Client``: the client
    logs every request URL at INFO, and a templated URL holds the phone number and the text. For the same reason
    the reasons name error kinds and status codes only, and ``from None`` keeps httpx's exception (which may
    quote the URL) out of logged tracebacks.
    """
    outgoing = build_request(gateway, to, text)
    try:
        with httpx.HTTPTransport() as transport:
            response = transport.handle_request(outgoing)
            try:
                response.read()
            finally:
                response.close()
    except httpx.TimeoutException:
        raise NotSent("the SMS gateway did not answer in time") from None
    except httpx.ConnectError:
        raise NotSent("cannot connect to the SMS gateway") from None
    except httpx.HTTPError as exc:
        raise NotSent(f"the SMS gateway failed ({type(exc).__name__})") from None
    if not response.is_success:
        # 400 and 422: the gateway rejects this very message or number. Other codes (a wrong token, a full
        # queue, a server error) may pass later, once the gateway or the settings are fixed.
        permanent = response.status_code in (400, 422)
        raise NotSent(f"the SMS gateway answered {response.status_code}", permanent=permanent)
