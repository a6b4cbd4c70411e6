"""Engines: an SQLite file in WAL mode with a busy timeout, or PostgreSQL when the URL says so."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

SQLITE_BUSY_TIMEOUT_MS = 30_000
#: Seconds to reach PostgreSQL: a database whose packets vanish must fail fast (503), not hold threads.
CONNECT_TIMEOUT_S = 5


def normalise_url(url: str) -> str:
    """`postgresql://` and `postgres://` mean psycopg 3 here, the one PostgreSQL driver we ship."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def is_postgres(url: str) -> bool:
    return make_url(url).get_backend_name() == "postgresql"


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    url = normalise_url(url)
    if is_postgres(url):
        connect_args = {} if "connect_timeout" in make_url(url).query else {"connect_timeout": CONNECT_TIMEOUT_S}
        # No overflow: every worker stays within its pool, so `workers × (pool + 2)` connections (two more for
        # live events) is what a deployment needs from PostgreSQL's max_connections (100 by default). Beyond
        # it PostgreSQL refused connections under load ("too many clients": 503s at 4 workers).
        return create_engine(url, pool_size=pool_size, max_overflow=0, pool_pre_ping=True, connect_args=connect_args)
    if make_url(url).get_backend_name() != "sqlite":
        raise ValueError(f"unsupported database URL {make_url(url)!r}: use sqlite:///FILE or postgresql://...")
    engine = create_engine(
        url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}, pool_size=pool_size
    )
    event.listen(engine, "connect", _sqlite_connect)
    event.listen(engine, "begin", _sqlite_begin)
    return engine


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # Take transactions out of pysqlite's hands so that `begin` below decides how they start.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    # FULL: a ticket the kiosk was told about survives a power cut too, not only a crash of the process
    # (NORMAL in WAL mode may lose the last commits); one fsync per commit is cheap at an office's pace.
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # Writers take the write lock up front (BEGIN IMMEDIATE): a read-then-write transaction can
    # then never fail half-way on a lock upgrade, and two claims of one ticket serialise.
    mode = connection.get_execution_options().get("loket_sqlite_begin", "IMMEDIATE")
    connection.exec_driver_sql(f"BEGIN {mode}")


def reader(engine: Engine) -> Engine:
    """The same database for read-only work: a consistent snapshot without blocking writers."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(loket_sqlite_begin="DEFERRED")
    return engine.execution_options(isolation_level="REPEATABLE READ", postgresql_readonly=True)
