"""Real headless Chromium (Debian's `chromium`, never a downloaded browser) driven by Playwright."""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator

import pytest
from playwright.async_api import Browser, async_playwright

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
