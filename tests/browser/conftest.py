"""Real headless Chromium (Debian's `chromium`, never a downloaded browser) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from datetime import datetime

import pytest
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import _missing

CHROMIUM = os.environ.get("LOKET_TEST_CHROMIUM", "/usr/bin/chromium")


@pytest.fixture
async def browser() -> AsyncIterator[Browser]:
    if shutil.which(CHROMIUM) is None:
        _missing("Chromium", f"{CHROMIUM} not found; `make test` installs Debian's chromium with apt-get")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--autoplay-policy=no-user-gesture-required", "--no-sandbox"],
        )
        try:
            yield launched
        finally:
            await launched.close()


# The page's own clock at each change of an element's text: with the server's timestamp of what caused it
# (`called_at`), the delay from the server's commit to the page, without the test's own threads and polling.
CHANGE_CLOCK = """
window.__changes = [];
const lastText = new Map();
new MutationObserver(() => {
  for (const el of document.querySelectorAll("[id]")) {
    if (lastText.get(el.id) === el.textContent) continue;
    lastText.set(el.id, el.textContent);
    window.__changes.push({ id: el.id, text: el.textContent, at: Date.now() });
  }
}).observe(document, { subtree: true, childList: true, characterData: true });
"""


async def shown_after(page: Page, element_id: str, text: str, server_time: str) -> float:
    """Seconds from `server_time` (an ISO timestamp the server wrote) until `element_id` first held `text`,
    by the page's clock (one machine: one wall clock). The page needs `CHANGE_CLOCK` as an init script."""
    changes = await page.evaluate("window.__changes")
    at_ms = next(c["at"] for c in changes if c["id"] == element_id and text in c["text"])
    return float(at_ms) / 1000 - datetime.fromisoformat(server_time).timestamp()
