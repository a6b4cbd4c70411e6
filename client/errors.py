"""What can go wrong talking to a Loket server: a refusal, or no server to talk to."""

from __future__ import annotations

from typing import Any


class ClientError(Exception):
    """Base of every error this package raises."""


class LoketError(ClientError):
    """The server answered with a refusal: `status` (HTTP), `code` (machine-readable) and `detail` (for people).

    `body` holds the whole error body, e.g. `problems` of a 422.
    """

    def __init__(self, status: int, code: str, detail: str, body: dict[str, Any] | None = None) -> None:
        super().__init__(f"{status} {code}: {detail}")
        self.status = status
        self.code = code
        self.detail = detail
        self.body: dict[str, Any] = body if body is not None else {"error": code, "detail": detail}


class Unreachable(ClientError):
    """No answer from the server: refused, reset, timed out, or the name does not resolve.

    A request that failed this way may or may not have been applied; `POST` requests that must happen
    once (issuing a ticket) are safe to retry with the same `Idempotency-Key`.
    """
