"""Transactions around the use cases, and the office's numbered event log."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any, Literal, TypeVar

from sqlalchemy import Engine, delete, func, text
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scheduler.errors import NotFound
from scheduler.events import Event
from store.engine import reader
from store.repository import SqlRepository
from store.tables import CounterRow, EventRow, OfficeRow

T = TypeVar("T")

WireEvent = dict[str, Any]

#: What a change holds while its use case runs (see `Database.write`): the office, one counter, or nothing.
Hold = int | Literal["office", "nothing"]
#: Times a change that held less than the office runs again after meeting a unique key taken meanwhile.
RACE_RETRIES = 3


def wire(office: str, seq: int, type_: str, data: dict[str, Any], at: datetime) -> WireEvent:
    """An event as clients receive it: `seq` and `type` first, then what happened."""
    return {"seq": seq, "type": type_, "office": office, "at": at.isoformat(), **data}


class Database:
    def __init__(self, engine: Engine, clock: Callable[[], datetime] | None = None) -> None:
        self.engine = engine
        # What `read` reads the offices at (a change is read at its own `now`): the settings an alternating measure
        # puts in force that day apply to reads too. None: offices as stored.
        self.clock = clock
        self._reader = reader(engine)
        # SQLite has one writer at a time. This process's writers queue here and the next one starts the moment
        # the last has committed, instead of polling in SQLite's busy handler, which sleeps up to 100 ms between
        # tries and lets newcomers overtake a thread that has waited long: under a region's load that made some
        # requests wait seconds. Other processes (`loket purge`) still meet the busy timeout. Reentrant: a
        # thread that opens a second writer meets the busy timeout, as before, instead of a deadlock.
        self._writers: contextlib.AbstractContextManager[object] = (
            threading.RLock() if engine.dialect.name == "sqlite" else contextlib.nullcontext()
        )

    @contextlib.contextmanager
    def transaction(self, *, expire_on_commit: bool = True) -> Iterator[Session]:
        """A session in a write transaction, committed at the end (rolled back on an exception)."""
        with self._writers, Session(self.engine, expire_on_commit=expire_on_commit) as session, session.begin():
            yield session

    @property
    def reader(self) -> Engine:
        """The engine for read-only sessions: on SQLite they do not take the write lock."""
        return self._reader

    @property
    def is_postgres(self) -> bool:
        return self.engine.dialect.name == "postgresql"

    def write(
        self, office_id: str, now: datetime, fn: Callable[[SqlRepository], T], *, hold: Hold = "office"
    ) -> tuple[T, list[WireEvent]]:
        """Run `fn` in one transaction; number and store its events on commit.

        The events are numbered under the office row's lock, taken only once `fn` is done, so the sequence
        numbers are contiguous and in commit order with one worker or many, and the lock is held from there to
        the commit only. What the change holds while `fn` runs (PostgreSQL; SQLite has one writer at a time
        anyway) is `hold`: "office" (the default) serialises it with the office's other office-wide changes
        (bookings, joins, housekeeping: rules that look across the office), a counter id with what else is done
        at that counter, "nothing" only the rows it claims (issuing a walk-in ticket: numbers come from their
        own locked row, claims are compare-and-set, the idempotency key is unique). A change that held less
        than the office and met a unique key taken meanwhile by another runs again, on what is now there.
        """
        for attempt in range(RACE_RETRIES + 1):
            try:
                return self._write(office_id, now, fn, hold)
            except IntegrityError:
                if hold == "office" or attempt == RACE_RETRIES:
                    raise
        raise AssertionError("unreachable")

    def _write(
        self, office_id: str, now: datetime, fn: Callable[[SqlRepository], T], hold: Hold
    ) -> tuple[T, list[WireEvent]]:
        with self.transaction(expire_on_commit=False) as session:
            if self.is_postgres and hold == "office":
                # Not the office row: it is taken last, for numbering, by every change. Holding it from the start
                # here while a lighter change held a number row and waited for it would deadlock.
                session.execute(text("SELECT pg_advisory_xact_lock(hashtext(:office))"), {"office": office_id})
            elif self.is_postgres and isinstance(hold, int):
                session.exec(select(CounterRow.id).where(CounterRow.id == hold).with_for_update()).first()
            repo = SqlRepository(session, now)
            result = fn(repo)
            office = session.exec(
                select(OfficeRow)
                .where(OfficeRow.id == office_id)
                .with_for_update()
                .execution_options(populate_existing=True)  # the seq as committed now, not as read earlier
            ).first()
            if office is None:
                raise NotFound(f"no office {office_id!r}", code="office_not_found")
            events = self._append(session, office, repo.pending, now)
        return result, events

    def read(self, fn: Callable[[SqlRepository], T]) -> T:
        with Session(self._reader) as session, session.begin():
            return fn(SqlRepository(session, self.clock() if self.clock is not None else None))

    def _append(self, session: Session, office: OfficeRow, pending: list[Event], now: datetime) -> list[WireEvent]:
        if not pending:
            return []
        out = []
        for event in pending:
            if event.office != office.id:
                raise AssertionError(f"event of office {event.office} emitted while holding {office.id}")
            office.seq += 1
            session.add(EventRow(office=office.id, seq=office.seq, type=event.type, data=event.data, created_at=now))
            out.append(wire(office.id, office.seq, event.type, event.data, now))
        session.add(office)
        return out

    def events_after(self, office_id: str, since: int, limit: int = 1000) -> list[WireEvent] | None:
        """The events after `since`, or None when they are no longer all kept (the client needs a snapshot)."""
        with Session(self._reader) as session, session.begin():
            office = session.get(OfficeRow, office_id)
            if office is None:
                raise NotFound(f"no office {office_id!r}", code="office_not_found")
            if since > office.seq:
                return None  # the client knows a future we don't: another database, or a reset
            if since == office.seq:
                return []
            oldest = session.exec(select(func.min(EventRow.seq)).where(EventRow.office == office_id)).one()
            if oldest is None or oldest > since + 1 or office.seq - since > limit:
                return None
            rows = session.exec(
                select(EventRow)
                .where(EventRow.office == office_id, col(EventRow.seq) > since, col(EventRow.seq) <= office.seq)
                .order_by(col(EventRow.seq))
            )
            return [wire(r.office, r.seq, r.type, r.data, r.created_at) for r in rows]

    def office_ids(self) -> list[str]:
        with Session(self._reader) as session:
            return list(session.exec(select(OfficeRow.id).order_by(col(OfficeRow.id))).all())

    def forget_events_before(self, before: datetime) -> int:
        """Drop old events; clients that were away longer resync from a snapshot."""
        with self.transaction() as session:
            result = session.execute(delete(EventRow).where(col(EventRow.created_at) < before))
            return int(result.rowcount)  # type: ignore[attr-defined]
