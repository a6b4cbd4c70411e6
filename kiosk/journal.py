"""The kiosk's journal: one JSON object a line, each written, flushed and `os.fsync`ed before the kiosk does
anything that depends on it (a ticket is journalled before it is printed), so a power cut loses none.

Lines, by `type`:

* ``block``: a block of numbers reserved for this kiosk (the kiosk knows it offline, after a restart too);
* ``ticket``: a ticket issued offline (its number is used from then on, printed or not);
* ``printed``: its paper came out (or the printer said why not);
* ``synced``: the server stored it (its `id`);
* ``refused``: the server refused it for good (`code`, `detail`): never sent again.

A torn last line (the power went mid-write) is ignored when read, and cut off before the next line is
written. A damaged line elsewhere is skipped and counted. Several processes may share a journal (the app and
`loket kiosk --issue` or `--sync`): every write, and every read-decide-write (choosing the next number),
holds an exclusive `flock` on the file, and each process reads what the others appended since.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from client.models import DEFAULT_TIMEZONE

log = logging.getLogger(__name__)


def default_path(office: str, name: str, environ: Mapping[str, str]) -> Path:
    """`$XDG_STATE_HOME/loket/kiosk-{office}-{name}.jsonl`, else `~/.local/state/loket/...`."""
    state = environ.get("XDG_STATE_HOME") or str(Path(environ.get("HOME") or Path.home()) / ".local" / "state")
    return Path(state) / "loket" / f"kiosk-{_safe(office)}-{_safe(name)}.jsonl"


def _safe(part: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", part) or "_"


@dataclass(frozen=True)
class BlockRecord:
    """A reserved block, with what the kiosk needs to issue from it without the server: the office's name and
    time zone and the service's names."""

    office: str
    kiosk: str
    service: str
    day: date
    first: int
    last: int
    status_url_prefix: str
    office_name: str = ""
    timezone: str = DEFAULT_TIMEZONE
    names: dict[str, str] = field(default_factory=dict)

    type = "block"


@dataclass(frozen=True)
class TicketRecord:
    """A ticket issued offline: a walk-in of `service` numbered `seq` of its block (`number`), or a booking's
    `appointment` code checked in (`number` is the code, `seq` None)."""

    key: str
    number: str
    service: str | None
    appointment: str | None
    language: str
    checked_in_at: datetime
    token: str
    day: date | None = None
    seq: int | None = None

    type = "ticket"


@dataclass(frozen=True)
class PrintedRecord:
    key: str
    printer: str = "ok"

    type = "printed"


@dataclass(frozen=True)
class SyncedRecord:
    key: str
    id: int

    type = "synced"


@dataclass(frozen=True)
class RefusedRecord:
    key: str
    code: str
    detail: str = ""

    type = "refused"


Record = BlockRecord | TicketRecord | PrintedRecord | SyncedRecord | RefusedRecord


def to_line(record: Record) -> bytes:
    raw: dict[str, Any] = {"type": record.type, **asdict(record)}
    return (json.dumps(raw, ensure_ascii=False, separators=(",", ":"), default=_iso) + "\n").encode()


def _iso(value: object) -> str:
    if isinstance(value, date | datetime):
        return value.isoformat()
    raise TypeError(f"not JSON: {value!r}")


def of_line(line: bytes) -> Record | None:
    """The record of one journal line; None for a line of a type this kiosk does not know. Raises ValueError
    (or KeyError, TypeError) for a damaged line."""
    raw = json.loads(line)
    if not isinstance(raw, dict):
        raise ValueError("not a JSON object")
    kind = raw.get("type")
    if kind == "block":
        return BlockRecord(
            office=str(raw["office"]),
            kiosk=str(raw["kiosk"]),
            service=str(raw["service"]),
            day=date.fromisoformat(raw["day"]),
            first=int(raw["first"]),
            last=int(raw["last"]),
            status_url_prefix=str(raw["status_url_prefix"]),
            office_name=str(raw.get("office_name") or ""),
            timezone=str(raw.get("timezone") or DEFAULT_TIMEZONE),
            names={str(k): str(v) for k, v in (raw.get("names") or {}).items()},
        )
    if kind == "ticket":
        return TicketRecord(
            key=str(raw["key"]),
            number=str(raw["number"]),
            service=_text(raw.get("service")),
            appointment=_text(raw.get("appointment")),
            language=str(raw["language"]),
            checked_in_at=datetime.fromisoformat(raw["checked_in_at"]),
            token=str(raw["token"]),
            day=date.fromisoformat(raw["day"]) if raw.get("day") else None,
            seq=int(raw["seq"]) if raw.get("seq") is not None else None,
        )
    if kind == "printed":
        return PrintedRecord(key=str(raw["key"]), printer=str(raw.get("printer") or "ok"))
    if kind == "synced":
        return SyncedRecord(key=str(raw["key"]), id=int(raw["id"]))
    if kind == "refused":
        return RefusedRecord(key=str(raw["key"]), code=str(raw["code"]), detail=str(raw.get("detail") or ""))
    return None


def _text(value: object) -> str | None:
    return str(value) if value is not None else None


@dataclass
class JournalState:
    """What the journal says, line after line."""

    blocks: list[BlockRecord] = field(default_factory=list)
    tickets: dict[str, TicketRecord] = field(default_factory=dict)
    printed: dict[str, str] = field(default_factory=dict)
    synced: dict[str, int] = field(default_factory=dict)
    refused: dict[str, RefusedRecord] = field(default_factory=dict)
    #: Lines that could not be read (not the torn last one).
    damaged: int = 0

    def apply(self, record: Record) -> None:
        if isinstance(record, BlockRecord):
            if record not in self.blocks:
                self.blocks.append(record)
        elif isinstance(record, TicketRecord):
            self.tickets.setdefault(record.key, record)
        elif isinstance(record, PrintedRecord):
            self.printed[record.key] = record.printer
        elif isinstance(record, SyncedRecord):
            self.synced[record.key] = record.id
        else:
            self.refused[record.key] = record

    def unsynced(self) -> list[TicketRecord]:
        """The tickets the server has not stored nor refused yet, in the order they were issued."""
        return [t for key, t in self.tickets.items() if key not in self.synced and key not in self.refused]

    def used(self, service: str, day: date) -> set[int]:
        """The sequences of `service` on `day` this kiosk gave (every journalled ticket: printed or not)."""
        return {t.seq for t in self.tickets.values() if t.service == service and t.day == day and t.seq is not None}


class Journal:
    """The journal at `path` (its folder is made when missing). `state` is what it holds, as of the last
    `refresh()` (every `append` and `locked()` refreshes first)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self.state = JournalState()
        self._offset = 0
        self._fd: int | None = None
        self._held = 0

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> Journal:
        self.refresh()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _file(self) -> int:
        if self._fd is None:
            folder = self.path.parent
            if not folder.exists():
                folder.mkdir(parents=True, exist_ok=True)
            created = not self.path.exists()
            self._fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o600)
            if created:
                _sync_folder(folder)
        return self._fd

    @contextlib.contextmanager
    def locked(self) -> Iterator[JournalState]:
        """Hold the journal against other processes (reentrant), with the state read up to its end."""
        fd = self._file()
        if self._held == 0:
            fcntl.flock(fd, fcntl.LOCK_EX)
        self._held += 1
        try:
            self._read_new(fd)
            yield self.state
        finally:
            self._held -= 1
            if self._held == 0:
                fcntl.flock(fd, fcntl.LOCK_UN)

    def refresh(self) -> JournalState:
        """Read what was appended since (by this process or another)."""
        with self.locked() as state:
            return state

    def append(self, record: Record) -> None:
        """Write one line and make it durable (flush + fsync) before returning."""
        with self.locked():
            fd = self._file()
            end = os.fstat(fd).st_size
            if end > self._offset:
                # A torn line (the power went while it was written): cut it off, or the next line would join it.
                log.warning("journal %s: dropping a torn last line of %d bytes", self.path, end - self._offset)
                os.ftruncate(fd, self._offset)
            line = to_line(record)
            written = os.write(fd, line)
            if written != len(line):  # a full disk: the line is torn, cut it off and say so
                os.ftruncate(fd, self._offset)
                raise OSError(f"journal {self.path}: only {written} of {len(line)} bytes written")
            os.fsync(fd)
            self._offset += written
            self.state.apply(record)

    def _read_new(self, fd: int) -> None:
        size = os.fstat(fd).st_size
        if size < self._offset:  # replaced by a shorter file: read it again from the start
            self.state, self._offset = JournalState(), 0
        if size == self._offset:
            return
        data = os.pread(fd, size - self._offset, self._offset)
        complete = data.rfind(b"\n") + 1  # a last line without its newline is torn (or being written): not yet
        for line in data[:complete].splitlines():
            if not line.strip():
                continue
            try:
                record = of_line(line)
            except (ValueError, KeyError, TypeError) as exc:
                self.state.damaged += 1
                log.warning("journal %s: skipping a damaged line (%s): %.80r", self.path, exc, line)
                continue
            if record is not None:
                self.state.apply(record)
        self._offset += complete


def _sync_folder(folder: Path) -> None:
    """Make a new file's name durable too (its folder's entry)."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
