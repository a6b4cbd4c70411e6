"""`LoketApp`: the base of the kiosk, the clerk terminal and the display.

One convention for the three: the network runs in workers that post messages; the app's handlers keep the
data and hand it down to the screens; the workers are cancelled, and their cancellation awaited (their sockets
closed), before the app's client is closed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import UTC, datetime

from textual.app import App
from textual.worker import Worker, WorkerCancelled, WorkerFailed


def utc_now() -> datetime:
    return datetime.now(UTC)


class LoketApp(App[None]):
    """Subclasses start their long-running workers with `keep_running` and close their client in
    `close_client`; they do not define `on_unmount` (Textual would run both)."""

    def __init__(self, *, clock: Callable[[], datetime] | None = None) -> None:
        super().__init__()
        #: What time it is: tests pass their own.
        self.clock = clock or utc_now
        self._background: list[Worker[None]] = []

    def keep_running(self, *workers: Worker[None]) -> None:
        """Workers that live as long as the app (or until `stop_background`): following the office, refreshing."""
        self._background.extend(workers)

    def cancel_background(self) -> None:
        """Cancel the long-running workers without waiting for them (from a worker, which cannot await them)."""
        workers, self._background = self._background, []
        for worker in workers:
            worker.cancel()

    async def stop_background(self) -> None:
        """Cancel the long-running workers and let them finish their cancellation (closing their sockets)."""
        workers, self._background = self._background, []
        for worker in workers:
            worker.cancel()
        for worker in workers:
            with contextlib.suppress(WorkerCancelled, WorkerFailed):
                await worker.wait()

    async def close_client(self) -> None:
        """Close the app's connection to the server; called once the workers are gone."""

    async def on_unmount(self) -> None:
        await self.stop_background()
        await self.close_client()
