"""PostgreSQL's LISTEN/NOTIFY, the SQL behind the live bus of several server processes.

The bus (live/bus.py) owns the connections' lifecycle and the retries; the statements live here, with the
rest of the SQL.
"""

from __future__ import annotations

from typing import Any

import psycopg

from store.engine import CONNECT_TIMEOUT_S

CHANNEL = "loket_events"
# NOTIFY channels are per database, not per schema: deployments that share a database, one schema each,
# would hear each other's offices. Each schema gets its own channel, named by the connection's schema.
_SCHEMA_CHANNEL = "%s || '_' || left(md5(coalesce(current_schema(), '')), 16)"
# NOTIFY payloads must stay under 8000 bytes; bigger batches travel as "look in the log".
MAX_PAYLOAD = 7000

Connection = psycopg.AsyncConnection[Any]
#: What a lost or unreachable database raises.
Unreachable = psycopg.OperationalError


async def connect(conninfo: str) -> Connection:
    return await psycopg.AsyncConnection.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S)


async def listen(conn: Connection) -> str:
    """LISTEN on this schema's channel; returns the channel's name."""
    cursor = await conn.execute(f"SELECT {_SCHEMA_CHANNEL}", (CHANNEL,))
    channel = str((await cursor.fetchone() or [CHANNEL])[0])
    await conn.execute(f"LISTEN {channel}")
    return channel


async def notify(conn: Connection, payload: str) -> None:
    await conn.execute(f"SELECT pg_notify({_SCHEMA_CHANNEL}, %s)", (CHANNEL, payload))
