"""The wait a citizen is told when their ticket is issued is kept on the ticket, to be compared later."""

from __future__ import annotations

from scheduler import routing, usecases
from scheduler.memory import MemoryRepository
from tests.scheduler.conftest import OFFICE, Desk, at


def _issue(
    repo: MemoryRepository, token: str, *, key: str | None = None, policy: routing.Policy | None = None
) -> usecases.Issued:
    return usecases.issue_ticket(repo, OFFICE, "A", "nl", at(0), token=token, idempotency_key=key, policy=policy)


def test_the_estimate_told_at_issue_is_kept_on_the_ticket_and_is_what_the_kiosk_reads(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(1, 2)
    for n in (1, 2):
        _issue(repo, f"t{n}", policy=routing.loket)
    issued = _issue(repo, "t3", policy=routing.loket)
    # Two counters of 600 s for A, two citizens ahead: the third is called when the first one is done.
    assert issued.position is not None
    assert issued.position.estimated_wait_s == 600
    stored = repo.ticket(issued.ticket.id or 0)
    assert (stored.announced_wait_s, stored.announced_low_s, stored.announced_high_s) == (
        600,
        issued.position.low_s,
        issued.position.high_s,
    )
    assert stored == issued.ticket
    read_after = usecases.position(repo, stored, at(0), routing.loket)
    assert (read_after.estimated_wait_s, read_after.low_s, read_after.high_s) == (600, 0, 1266)


def test_without_the_kiosks_policy_no_estimate_is_kept(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    issued = _issue(repo, "t1")
    assert issued.position is None
    assert (issued.ticket.announced_wait_s, issued.ticket.announced_low_s, issued.ticket.announced_high_s) == (
        None,
        None,
        None,
    )


def test_a_replayed_request_returns_the_stored_ticket_without_a_new_estimate(
    desk: Desk, repo: MemoryRepository
) -> None:
    desk.open(1)
    first = _issue(repo, "t1", key="k", policy=routing.loket)
    _issue(repo, "t2", policy=routing.loket)
    again = _issue(repo, "t3", key="k", policy=routing.loket)
    assert (again.replayed, again.ticket, again.position) == (True, first.ticket, None)
    assert again.ticket.announced_wait_s == 0
