"""Refuse state-changing requests that another web site's page sends from a citizen's browser.

The citizen forms (booking, move, cancel, erase, leave, running late, notify, happiness) work without
JavaScript, so they are plain form posts, which any site can make a visitor's browser send: a hidden form on
`evil.example` could book slots or cancel appointments with the visitor's links. Browsers say where such a
post comes from: `Sec-Fetch-Site: same-origin` (fetch metadata, every current browser) passes; otherwise
`Origin` (or, from older browsers, `Referer`) must be the server's own origin (the address it was reached at,
or `LOKET_PUBLIC_URL`), else 403 `cross_site_post`; `Origin: null` (a sandboxed frame, or any page whose
referrer policy hides it) is nobody's. Requests with none of these headers are not from a page at all (kiosks,
terminals, scripts) and pass: what they may do, their tokens decide.

Browsers from before fetch metadata (Safari before 16.4, on phones that cannot update) send `Origin: null` on
our own pages' posts too, since the pages hide their referrer. For them every page sets `loket_site=1`, a
`SameSite=Strict` cookie that says nothing about anyone: a browser never sends it with a post that another
site started, so its presence on a post without fetch metadata is the browser's word that we sent the form.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.errors import send_refusal

#: Methods that change something; GET and HEAD never do.
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
#: The cookie of our own pages, for browsers without fetch metadata (above).
SITE_COOKIE = "loket_site"
_SITE_COOKIE_SENT = re.compile(rb"(^|;)\s*loket_site=1\s*(;|$)")


def origin_of(url: str) -> str | None:
    """`scheme://host[:port]` of a URL, lower case; None when it has none (also for the `null` origin)."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}".lower()


def same_site(claimed: str | None, host: str | None, public_origin: str | None) -> bool:
    """Whether the page that sent the request (`claimed`: its origin) is this server's: its host and port are
    the `Host` the request was sent to (whatever the scheme: a proxy may end TLS), or it is the public origin."""
    if claimed is None:
        return False
    if public_origin is not None and claimed == public_origin:
        return True
    return host is not None and urlsplit(claimed).netloc == host.strip().lower()


class SameOrigin:
    def __init__(self, app: ASGIApp, public_url: str) -> None:
        self.app = app
        self.public_origin = origin_of(public_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies = b";".join(value for name, value in scope.get("headers", []) if name.lower() == b"cookie")
        has_cookie = bool(_SITE_COOKIE_SENT.search(cookies))
        if scope["method"] not in UNSAFE:
            await self.app(scope, receive, send if has_cookie else _with_site_cookie(scope, send))
            return
        headers = {name.lower(): value.decode("latin-1") for name, value in scope.get("headers", [])}
        refused_source = self._foreign_source(headers, has_cookie)
        if refused_source is None:
            await self.app(scope, receive, send)
        else:
            await self._refuse(send, refused_source)

    def _foreign_source(self, headers: dict[bytes, str], has_cookie: bool) -> str | None:
        """None when a state-changing request may pass; else where it came from, for the refusal."""
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site is None and has_cookie:
            return None  # an older browser, on a form of ours (above)
        if fetch_site == "same-origin":
            # The browser's own word, which no page can forge. Needed too: under the pages' `Referrer-Policy:
            # no-referrer` a browser sends `Origin: null` even for a post to the page's own origin.
            return None
        origin, referer = headers.get(b"origin"), headers.get(b"referer")
        if origin is None and referer is None:
            return None  # not from a page: a kiosk, a terminal, a script
        claimed = origin_of(origin) if origin is not None else origin_of(referer or "")
        if same_site(claimed, headers.get(b"host"), self.public_origin):
            return None
        return origin if origin is not None else "the referring page"

    async def _refuse(self, send: Send, source: str) -> None:
        detail = f"this form was sent from another web site ({source[:100]}): open the office's own page"
        await send_refusal(send, 403, "cross_site_post", detail)


def _with_site_cookie(scope: Scope, send: Send) -> Send:
    """`send` that gives every HTML page the site cookie (Secure over https)."""
    secure = "; Secure" if scope.get("scheme") == "https" else ""

    async def sending(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = MutableHeaders(scope=message)
            if headers.get("content-type", "").startswith("text/html"):
                headers.append("Set-Cookie", f"{SITE_COOKIE}=1; Path=/; HttpOnly; SameSite=Strict{secure}")
        await send(message)

    return sending
