"""What only a server process does: `loket serve`'s app factory freezes its start-up out of the garbage collector's
way (full collections paused a loaded server for 100-120 ms each); apps made in tests do not, as they come and go."""

from __future__ import annotations

import gc

import pytest

from server import app_from_environment, create_app
from settings import Settings


async def test_the_server_processes_app_freezes_its_start_up_and_a_test_app_does_not(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOKET_DATABASE_URL", sqlite_url)
    served = app_from_environment()
    assert served.state.parts.settings.gc_freeze is True
    made = create_app(Settings(database_url=sqlite_url))
    assert made.state.parts.settings.gc_freeze is False
    frozen = gc.get_freeze_count()
    async with made.router.lifespan_context(made):
        assert gc.get_freeze_count() == frozen
    served_frozen = 0
    try:
        async with served.router.lifespan_context(served):
            served_frozen = gc.get_freeze_count()
    finally:
        gc.unfreeze()  # this test process goes on making and dropping apps
    assert served_frozen > frozen
