"""Security headers, in one place for every answer: `nosniff` on all of them, and on every HTML page a
Content-Security-Policy without inline script, no framing by other sites and no referrer.

A route that sets one of these headers itself keeps its own (the ticket status page's, the docs pages'), so a
page can only be made stricter or looser on purpose, never by accident.
"""

from __future__ import annotations

import re

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: Scripts and styles only from files of this server: what another site or a stored text manages to put into a
#: page does not run. `data:` images for the browsers' own icons; inline SVG (QR codes, charts) needs nothing.
POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "connect-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers that predate it
    "Referrer-Policy": "no-referrer",  # tokens in addresses (/t/..., ?token=) never leave with a link
}
# A Host header that could add directives to the policy (";", spaces) is left out of it.
_HOST = re.compile(r"^[A-Za-z0-9.\-]+(:[0-9]{1,5})?$|^\[[0-9A-Fa-f:.]+\](:[0-9]{1,5})?$")


def policy(host: str | None, **looser: str) -> str:
    """The page policy; `looser` replaces directives (underscores for dashes) for a page that needs it. 'self'
    covers ws: and wss: of the same host in CSP 3 browsers; older browsers on waiting-room TVs need the
    display's websocket named."""
    directives = {**POLICY, **{name.replace("_", "-"): value for name, value in looser.items()}}
    if host and _HOST.match(host):
        directives["connect-src"] += f" ws://{host} wss://{host}"
    return "; ".join(f"{name} {value}" for name, value in directives.items())


class SecurityHeaders:
    """ASGI middleware: adds the headers when the response starts, whatever answered (route, error handler,
    static files)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                headers.setdefault("X-Content-Type-Options", "nosniff")
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("Content-Security-Policy", policy(host))
                    for name, value in PAGE_HEADERS.items():
                        headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)
