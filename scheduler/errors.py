"""Domain errors. Each carries a stable machine code that the API maps to an HTTP status."""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the office refused the request; nothing was changed.

    `extra` holds machine-readable facts a client may act on (e.g. when check-in opens); the API adds
    them to the error body next to `error` and `detail`.
    """

    code = "domain_error"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, object] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra: dict[str, object] = dict(extra or {})
        if code is not None:
            self.code = code


class NotFound(DomainError):
    code = "not_found"


class IllegalTransition(DomainError):
    """A ticket or counter was asked to do something its current state does not allow."""

    code = "illegal_transition"


class Conflict(DomainError):
    """The request clashes with the current state of the office (busy counter, reused key...)."""

    code = "conflict"


class Invalid(DomainError):
    """The request names things that exist but makes no sense together."""

    code = "invalid"


class Forbidden(DomainError):
    """The request proves no right to this (a citizen's token of no visit here): 403."""

    code = "forbidden"


class Throttled(DomainError):
    """Too many of these from one client (address, token) for now: try again in `retry_after_s` seconds."""

    code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after_s: int, code: str | None = None) -> None:
        super().__init__(detail, code=code)
        self.retry_after_s = retry_after_s
