"""Display tests: a socket left open by a test is reported on that test, not on whichever test the garbage
collector happens to run in."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest


@pytest.fixture(autouse=True)
def collect_garbage_after_each_test() -> Iterator[None]:
    yield
    gc.collect()
