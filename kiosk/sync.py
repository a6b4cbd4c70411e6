"""Uploading the journal: every ticket issued offline, in the order it was issued, each with its own
Idempotency-Key (its journal `key`), so an upload whose answer was lost is asked again and never makes a
second ticket.

A refusal about the ticket itself (a 4xx such as `number_taken` or `unknown_appointment`) is journalled as
refused, with its reason, and never sent again. No answer, a server error (5xx) or a refusal of the kiosk
rather than of the ticket (401, 403, 408, 429: a token revoked, too many requests) stops the round: the rest is
sent at the next one, in the same order.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from client.errors import LoketError, Unreachable
from client.http import LoketClient
from kiosk.journal import Journal, RefusedRecord, SyncedRecord
from kiosk.offline import offline_ticket

log = logging.getLogger(__name__)

#: Refusals that are about the kiosk or the moment, not the ticket: try again later.
RETRY_LATER = frozenset({401, 403, 408, 425, 429})


@dataclass
class SyncReport:
    """One round: the numbers stored (with the ticket's id), the ones refused (with the server's code), the
    ones still waiting, and why the round stopped early (empty: it did not)."""

    synced: list[tuple[str, int]] = field(default_factory=list)
    refused: list[tuple[str, str, str]] = field(default_factory=list)
    #: Stored and at once cancelled by the server: synced after their day ended.
    cancelled: list[str] = field(default_factory=list)
    #: Appointments checked in offline the online rules would have refused: number -> "early" / "late".
    notes: dict[str, str] = field(default_factory=dict)
    pending: int = 0
    stopped: str = ""
    reachable: bool = True

    def summary(self) -> str:
        parts = [f"{len(self.synced)} synced"]
        if self.refused:
            parts.append(f"{len(self.refused)} refused")
        if self.cancelled:
            parts.append(f"{len(self.cancelled)} cancelled (day ended)")
        parts.append(f"{self.pending} waiting")
        return ", ".join(parts)


def should_retry(error: LoketError) -> bool:
    return error.status >= 500 or error.status in RETRY_LATER


async def sync(client: LoketClient, journal: Journal, office: str, kiosk: str) -> SyncReport:
    """Upload every ticket of the journal the server has neither stored nor refused yet."""
    report = SyncReport()
    waiting = journal.refresh().unsynced()
    for position, record in enumerate(waiting):
        try:
            stored = await client.sync_ticket(office, record.key, offline_ticket(record, kiosk))
        except Unreachable as exc:
            report.stopped, report.reachable = str(exc), False
            report.pending = len(waiting) - position
            return report
        except LoketError as refusal:
            if should_retry(refusal):
                report.stopped = f"{refusal.status} {refusal.code}: {refusal.detail}"
                report.pending = len(waiting) - position
                return report
            log.warning("the server refused offline ticket %s: %s %s", record.number, refusal.code, refusal.detail)
            journal.append(RefusedRecord(record.key, refusal.code, refusal.detail))
            report.refused.append((record.number, refusal.code, refusal.detail))
            continue
        journal.append(SyncedRecord(record.key, stored.id))
        report.synced.append((record.number, stored.id))
        if stored.state == "cancelled":
            report.cancelled.append(record.number)
        if stored.note:
            report.notes[record.number] = stored.note
    return report
