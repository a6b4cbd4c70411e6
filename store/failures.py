"""Which database errors mean "unreachable or busy, try again" rather than a bug in our own SQL."""

from __future__ import annotations

import sqlite3

import psycopg
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeout

# sqlite3.OperationalError also covers our own SQL mistakes ("no such table"): only these words mean "retry".
_SQLITE_UNAVAILABLE = ("locked", "busy", "unable to open", "disk i/o", "readonly", "disk is full")

#: The exception types that may mean the database is unavailable; `database_unavailable` decides.
DATABASE_ERRORS: tuple[type[BaseException], ...] = (
    DBAPIError,
    PoolTimeout,
    psycopg.OperationalError,
    sqlite3.OperationalError,
)


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached or is busy (down, restarting, connection cut, pool exhausted, locked):
    worth retrying in a few seconds, unlike an error in our own SQL."""
    if isinstance(exc, PoolTimeout):
        return True
    if isinstance(exc, DBAPIError) and exc.connection_invalidated:
        return True
    cause = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(cause, psycopg.OperationalError):
        return True  # connection failures, admin shutdown, lock and serialisation timeouts: all transient
    if isinstance(cause, sqlite3.OperationalError):
        message = str(cause).lower()
        return any(word in message for word in _SQLITE_UNAVAILABLE)
    return False


def ping(engine: Engine) -> None:
    """Raises when the database does not answer."""
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
