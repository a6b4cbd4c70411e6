"""The desk screen on its own, in Textual's pilot (no server): the app may draw on it before it is mounted."""

from __future__ import annotations

import copy

from textual.app import App
from textual.widgets import DataTable, Static

from client.models import CounterDay, Snapshot
from counter import screens
from counter.desk import desk
from tests.counter.test_desk import NOW, SNAPSHOT


async def test_the_servers_answer_before_the_desk_is_mounted_is_painted_when_it_is() -> None:
    # The clerk terminal's refresh answered between the desk being pushed and its table getting its columns:
    # "More values provided than there are columns" crashed the terminal.
    app: App[None] = App()
    async with app.run_test(size=(140, 45)) as pilot:
        shown = screens.DeskScreen("ann")
        snapshot = copy.deepcopy(SNAPSHOT)
        snapshot["counters"][0]["ticket"].update(state="called", called_at=NOW.isoformat())
        shown.show(
            desk(Snapshot.of(snapshot), 1, NOW), True, CounterDay(counter=1, served=4), NOW
        )  # before it is mounted: kept, no crash
        await app.push_screen(shown)
        await pilot.pause()
        assert "A001" in str(shown.query_one("#current", Static).render())
        assert shown.query_one("#queue", DataTable).row_count == 3
        assert "4 served" in str(shown.query_one("#stats", Static).render())
