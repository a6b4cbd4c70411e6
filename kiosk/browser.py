"""The kiosk served to a browser (`loket kiosk ... --web`): textual-serve with the kiosk's own page.

A hall kiosk is usually a 1080×1920 portrait touch screen running Chromium in kiosk mode. The page's text is
`FONT_PX` CSS pixels high unless its address asks otherwise (`/?fontsize=40`), the font is served from here
(kiosk/templates/app_index.html says what else differs from textual-serve's page), and kiosk.tcss lays the
screens out over the whole height of such a terminal (about 56 columns by 45 rows).
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web
from textual_serve.server import Server

#: The text's height in CSS pixels: readable standing at arm's length, also for older eyes.
FONT_PX = 32
TEMPLATES = Path(__file__).resolve().parent / "templates"


class KioskWebServer(Server):
    """textual-serve's server with the kiosk's page and its default text size."""

    def __init__(self, command: str, *, host: str, port: int, font_px: int = FONT_PX) -> None:
        super().__init__(command, host=host, port=port, title="Loket", templates_path=TEMPLATES)
        self.font_px = font_px

    async def handle_index(self, request: web.Request) -> web.StreamResponse:
        if "fontsize" not in request.query:
            request = request.clone(rel_url=request.rel_url.update_query(fontsize=self.font_px))
        return await super().handle_index(request)
