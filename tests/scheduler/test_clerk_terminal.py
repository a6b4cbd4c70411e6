"""What the clerk terminal asks of the rules: services served today, recall rules before a no-show,
calling a ticket by its number, and the counter's numbers of the day."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from scheduler.errors import Conflict, IllegalTransition, Invalid, NotFound
from scheduler.lifecycle import Action, CounterAction
from scheduler.memory import MemoryRepository
from scheduler.model import Ticket, TicketState
from scheduler.scenario import parse_scenario
from scheduler.usecases import (
    act_on_counter,
    act_on_ticket,
    call_next,
    call_number,
    choose_services,
    counter_today,
    issue_ticket,
    queue_snapshot,
)
from tests.scheduler.conftest import OFFICE, Desk, at
from tests.scheduler.test_usecases import called, unchanged


def office_rules(repo: MemoryRepository, **rules: object) -> None:
    """Change the demo office's settings, as an office file would."""
    repo.offices[OFFICE] = replace(repo.offices[OFFICE], **rules)  # type: ignore[arg-type]


def seconds(n: float) -> timedelta:
    return timedelta(seconds=n)


# --- recall rules before a no-show -----------------------------------------------------------


@pytest.mark.parametrize(
    ("min_recalls", "delay_s", "recalls", "elapsed_s", "refusal"),
    [
        # (recalls_needed, no_show_from as seconds after the last call or recall), or None: allowed
        (1, 60, 1, 60, None),
        (1, 60, 1, 59, (0, 60)),
        (1, 60, 0, 600, (1, 660)),  # a recall now would restart the minute: from now + 60 s
        (1, 60, 0, 0, (1, 60)),
        (2, 30, 1, 120, (1, 150)),
        (2, 30, 2, 30, None),
        (2, 30, 3, 30, None),
        (0, 60, 0, 59, (0, 60)),
        (0, 60, 0, 60, None),
        (3, 0, 3, 0, None),
        (0, 0, 0, 0, None),
    ],
    ids=lambda v: str(v),
)
def test_no_show_needs_the_offices_recalls_and_delay_since_the_last_call(
    desk: Desk,
    repo: MemoryRepository,
    min_recalls: int,
    delay_s: int,
    recalls: int,
    elapsed_s: int,
    refusal: tuple[int, int] | None,
) -> None:
    office_rules(repo, no_show_min_recalls=min_recalls, no_show_delay_s=delay_s)
    desk.open(1)
    ticket = desk.issue("A", at(1))
    last_call = called(repo, 1, at(2)).called_at
    assert last_call is not None
    for i in range(recalls):
        last_call = at(2) + seconds(10 * (i + 1))
        act_on_ticket(repo, ticket.id or 0, Action.RECALL, last_call, counter_id=1)
    now = last_call + seconds(elapsed_s)

    if refusal is None:
        assert act_on_ticket(repo, ticket.id or 0, Action.NO_SHOW, now, counter_id=1).state is TicketState.NO_SHOW
        assert desk.events()[-1] == "ticket.no_show"
        return
    before = unchanged(repo)
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, ticket.id or 0, Action.NO_SHOW, now, counter_id=1)
    needed, from_s = refusal
    assert refused.value.code == "no_show_too_early"
    assert refused.value.extra == {
        "recalls_needed": needed,
        "no_show_from": (last_call + seconds(from_s)).isoformat(),
    }
    assert unchanged(repo) == before


def test_no_show_from_is_given_in_utc_and_the_detail_in_office_time(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    ticket = desk.issue("A", at(1))
    called(repo, 1, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.RECALL, at(3), counter_id=1)
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, ticket.id or 0, Action.NO_SHOW, at(3) + seconds(30), counter_id=1)
    assert refused.value.extra["no_show_from"] == "2026-03-02T08:34:00+00:00"
    assert "09:34:00" in refused.value.detail  # Brussels


def test_a_citizen_being_served_is_never_a_no_show_whatever_the_recalls(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, no_show_min_recalls=0, no_show_delay_s=0)
    desk.open(1)
    ticket = desk.issue("A", at(1))
    called(repo, 1, at(2))
    act_on_ticket(repo, ticket.id or 0, Action.START, at(3), counter_id=1)
    with pytest.raises(IllegalTransition):
        act_on_ticket(repo, ticket.id or 0, Action.NO_SHOW, at(10), counter_id=1)


def test_another_counter_hears_not_your_ticket_before_the_recall_rules(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 2)
    ticket = desk.issue("A", at(1))
    called(repo, 1, at(2))
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, ticket.id or 0, Action.NO_SHOW, at(2), counter_id=2)
    assert refused.value.code == "not_your_ticket"


# --- services served today -------------------------------------------------------------------


def test_services_cannot_be_chosen_where_the_office_does_not_allow_it(desk: Desk, repo: MemoryRepository) -> None:
    before = unchanged(repo)
    with pytest.raises(Conflict) as refused:
        choose_services(repo, 1, ["A"], at(1))
    assert refused.value.code == "services_not_choosable"
    assert unchanged(repo) == before


@pytest.mark.parametrize(
    ("chosen", "unknown"),
    [([], []), (["C"], ["C"]), (["A", "C", "Z"], ["C", "Z"])],
    ids=["none", "not-a-skill", "some-unknown"],
)
def test_chosen_services_must_be_some_of_the_counters_skills(
    repo: MemoryRepository, chosen: list[str], unknown: list[str]
) -> None:
    office_rules(repo, clerks_choose_services=True)
    before = unchanged(repo)
    with pytest.raises(Invalid) as refused:
        choose_services(repo, 1, chosen, at(1))
    assert refused.value.code == "invalid_services"
    assert refused.value.extra == {"unknown": unknown, "skills": ["A", "B"]}
    assert all(code in refused.value.detail for code in unknown)
    assert unchanged(repo) == before


def test_chosen_services_are_saved_shown_and_announced(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    counter = choose_services(repo, 1, ["B"], at(1))
    assert (counter.serving, counter.services) == (frozenset({"B"}), frozenset({"A", "B"}))
    assert repo.counter(1) == counter
    _, event = repo.events[OFFICE][-1]
    assert event.type == "counter.services"
    assert event.data == {
        "counter": {
            "id": 1,
            "name": "Loket 1",
            "services": ["B"],
            "skills": ["A", "B"],
            "state": "closed",
            "pause_reason": None,
        }
    }
    # Choosing every skill is the same as no choice.
    assert choose_services(repo, 1, ["A", "B", "A"], at(2)).serving is None


def test_call_next_only_calls_the_services_chosen_today(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    desk.open(1)
    desk.issue("A", at(1))
    desk.issue("B", at(2))
    choose_services(repo, 1, ["B"], at(3))
    assert called(repo, 1, at(4)).number == "B001"  # A001 came first, but counter 1 serves only B today
    act_on_ticket(repo, 2, Action.FINISH, at(5), counter_id=1)
    assert call_next(repo, 1, at(6)) is None
    choose_services(repo, 1, ["A", "B"], at(7))
    assert called(repo, 1, at(8)).number == "A001"


def test_a_ticket_of_a_service_not_chosen_cannot_be_called_by_name(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    desk.open(1)
    a = desk.issue("A", at(1))
    choose_services(repo, 1, ["B"], at(2))
    with pytest.raises(Conflict) as refused:
        act_on_ticket(repo, a.id or 0, Action.CALL, at(3), counter_id=1)
    assert refused.value.code == "service_not_served"


def test_the_snapshot_kiosks_read_shows_what_each_counter_serves_now(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    desk.open(1, 2)
    desk.issue("B", at(1))
    served_before = queue_snapshot(repo, OFFICE, at(2))
    choose_services(repo, 1, ["A"], at(2))
    snap = queue_snapshot(repo, OFFICE, at(3))
    counters = {c["id"]: c for c in snap["counters"]}
    assert (counters[1]["services"], counters[1]["skills"]) == (["A"], ["A", "B"])
    # What the kiosk greys: B is served by no open or paused counter any more.
    staffed = {s for c in snap["counters"] if c["state"] in ("open", "paused") for s in c["services"]}
    assert staffed == {"A"}
    # B001 was next at idle counter 1; now no counter plays it forward: only the rough rule (one passport, 900 s).
    assert [w["estimated_wait_s"] for w in served_before["waiting"]] == [0]
    assert [w["estimated_wait_s"] for w in snap["waiting"]] == [900]


def test_a_service_no_counter_serves_now_is_not_issued(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    choose_services(repo, 1, ["A"], at(1))  # only counter 1 has the skill B
    with pytest.raises(Conflict) as refused:
        issue_ticket(repo, OFFICE, "B", "nl", at(2), token="t")
    assert refused.value.code == "service_unavailable"


def test_closing_the_counter_goes_back_to_all_its_skills(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    desk.open(1)
    choose_services(repo, 1, ["A"], at(1))
    act_on_counter(repo, 1, CounterAction.PAUSE, at(2), reason="coffee")
    act_on_counter(repo, 1, CounterAction.RESUME, at(3))
    assert repo.counter(1).serving == frozenset({"A"})  # a pause keeps the choice
    closed = act_on_counter(repo, 1, CounterAction.CLOSE, at(4))
    assert closed.serving is None
    _, event = repo.events[OFFICE][-1]
    assert (event.type, event.data["counter"]["services"]) == ("counter.closed", ["A", "B"])


def test_services_may_be_chosen_before_opening_and_hold_once_open(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, clerks_choose_services=True)
    choose_services(repo, 1, ["B"], at(1))
    desk.open(1, now=at(2))
    assert repo.counter(1).serving_now == frozenset({"B"})


# --- calling a ticket by its number ----------------------------------------------------------


def test_a_waiting_ticket_is_called_by_its_number_in_any_case(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    later = desk.issue("A", at(2))
    ticket = call_number(repo, 1, " a002 ", at(3))
    assert (ticket.id, ticket.state, ticket.counter_id, ticket.called_at) == (later.id, TicketState.CALLED, 1, at(3))
    _, event = repo.events[OFFICE][-1]
    assert (event.type, event.data["ticket"]["counter"]) == ("ticket.called", {"id": 1, "name": "Loket 1"})


def test_a_parked_ticket_is_called_back_by_its_number(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1)
    desk.issue("A", at(1))
    first = called(repo, 1, at(2))
    act_on_ticket(repo, first.id or 0, Action.PARK, at(3), counter_id=1)
    assert call_number(repo, 1, "A001", at(4)).state is TicketState.CALLED


def test_a_transferred_number_calls_the_ticket_that_continues_the_visit(desk: Desk, repo: MemoryRepository) -> None:
    desk.open(1, 3)
    desk.issue("A", at(1))
    first = called(repo, 1, at(2))
    moved = act_on_ticket(repo, first.id or 0, Action.TRANSFER, at(3), counter_id=1, to_service="C")
    ticket = call_number(repo, 3, "A001", at(4))
    assert (ticket.id, ticket.service, ticket.counter_id) == (moved.id, "C", 3)


def _yesterdays_ticket(desk: Desk) -> Ticket:
    return desk.issue("A", at(-24 * 60))


@pytest.mark.parametrize(
    ("setup", "number", "counter", "error", "code"),
    [
        ("none", "A009", 1, NotFound, "ticket_not_found"),
        ("yesterday", "A001", 1, NotFound, "ticket_not_found"),
        ("done", "A001", 1, IllegalTransition, "illegal_transition"),
        ("waiting", "A001", 3, Conflict, "service_not_served"),
        ("busy", "A002", 1, Conflict, "counter_busy"),
        ("waiting", "A001", 2, Conflict, "counter_not_open"),
    ],
    ids=["unknown", "yesterday", "done", "not-served", "busy", "not-open"],
)
def test_calling_by_number_follows_the_rules_of_calling_by_name(
    desk: Desk,
    repo: MemoryRepository,
    setup: str,
    number: str,
    counter: int,
    error: type[Exception],
    code: str,
) -> None:
    desk.open(1, 3)
    if setup == "yesterday":
        _yesterdays_ticket(desk)
    if setup in ("waiting", "done", "busy"):
        desk.issue("A", at(1))
    if setup == "busy":
        desk.issue("A", at(1))
        called(repo, 1, at(2))
    if setup == "done":
        act_on_ticket(repo, called(repo, 1, at(2)).id or 0, Action.FINISH, at(3), counter_id=1)
    before = unchanged(repo)
    with pytest.raises(error) as refused:
        call_number(repo, counter, number, at(5))
    assert getattr(refused.value, "code", None) == code
    assert unchanged(repo) == before


# --- the counter's numbers of the day --------------------------------------------------------


def test_the_counters_day_counts_its_own_citizens_of_today(desk: Desk, repo: MemoryRepository) -> None:
    office_rules(repo, no_show_min_recalls=0, no_show_delay_s=0)
    desk.open(1, 2)
    # Yesterday at counter 1: not today's.
    old = _yesterdays_ticket(desk)
    act_on_ticket(repo, old.id or 0, Action.CALL, at(-24 * 60 + 1), counter_id=1)
    act_on_ticket(repo, old.id or 0, Action.FINISH, at(-24 * 60 + 5), counter_id=1)
    assert counter_today(repo, 1, at(0)) == {
        "counter": 1,
        "served": 0,
        "no_shows": 0,
        "mean_service_s": None,
        "parked": 0,
    }
    for _ in range(6):
        desk.issue("A", at(1))
    a = called(repo, 1, at(2))  # served 5 min, from the start
    act_on_ticket(repo, a.id or 0, Action.START, at(3), counter_id=1)
    act_on_ticket(repo, a.id or 0, Action.FINISH, at(8), counter_id=1)
    b = called(repo, 1, at(8))  # finished without start: 6 min from the call
    act_on_ticket(repo, b.id or 0, Action.FINISH, at(14), counter_id=1)
    c = called(repo, 1, at(14))
    act_on_ticket(repo, c.id or 0, Action.NO_SHOW, at(15), counter_id=1)
    d = called(repo, 1, at(15))
    act_on_ticket(repo, d.id or 0, Action.PARK, at(16), counter_id=1)
    e = called(repo, 1, at(16))  # parked, then called back and served elsewhere: not counter 1's
    act_on_ticket(repo, e.id or 0, Action.PARK, at(17), counter_id=1)
    act_on_ticket(repo, e.id or 0, Action.CALL, at(18), counter_id=2)
    act_on_ticket(repo, e.id or 0, Action.FINISH, at(20), counter_id=2)

    assert counter_today(repo, 1, at(21)) == {
        "counter": 1,
        "served": 2,
        "no_shows": 1,
        "mean_service_s": 330.0,
        "parked": 1,
    }
    assert counter_today(repo, 2, at(21))["served"] == 1


# --- the office file -------------------------------------------------------------------------

FILE = {"name": "o", "service": [{"code": "A"}], "counter": [{"name": "1", "services": ["A"]}]}


def test_office_file_keys_default_to_fixed_services_and_one_recall_and_a_minute() -> None:
    scenario = parse_scenario(FILE)
    assert (scenario.clerks_choose_services, scenario.no_show_min_recalls, scenario.no_show_delay_s) == (False, 1, 60)
    chosen = parse_scenario({**FILE, "clerks_choose_services": True, "no_show_min_recalls": 0, "no_show_delay_s": 90})
    assert (chosen.clerks_choose_services, chosen.no_show_min_recalls, chosen.no_show_delay_s) == (True, 0, 90)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("clerks_choose_services", "yes"),
        ("no_show_min_recalls", -1),
        ("no_show_min_recalls", 1.5),
        ("no_show_delay_s", "60"),
        ("no_show_delay_s", True),
    ],
)
def test_office_file_with_a_bad_recall_rule_or_flag_is_refused_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(Invalid) as refused:
        parse_scenario({**FILE, key: value})
    assert refused.value.code == "invalid_office_file"
    assert key in refused.value.detail
