"""`loket simulate SCENARIO.toml ARRIVALS.csv [--policy NAME] [--json]` as a user runs it."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

import loket
from scheduler import routing
from tests.conftest import workloads
from tests.support import ROOT

FORMAT_KEYS = {
    "served",
    "abandoned",
    "walkin_sl5",
    "appointment_punctuality",
    "mean_wait_s",
    "p95_wait_s",
    "max_wait_s",
    "estimate_mae_s",
    "estimate_mae_ql_s",
}

SCENARIO = """\
name = "town"
opens = "09:00:00"
closes = "12:00:00"

[[service]]
code = "A"
name = "Identity card"
mean_duration_s = 600

[[counter]]
name = "1"
services = ["A"]
shifts = [["09:00:00", "12:00:00"]]
"""

ARRIVALS = """\
id,kind,service,arrival,slot,duration_s,patience_s
1,walkin,A,09:00:00,,600,
2,walkin,A,09:01:00,,600,
3,appointment,A,09:15:00,09:20:00,300,
4,appointment,A,,10:00:00,300,
5,walkin,A,09:02:00,,600,60
"""


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    scenario, arrivals = tmp_path / "town.toml", tmp_path / "town.csv"
    scenario.write_text(SCENARIO, encoding="utf-8")
    arrivals.write_text(ARRIVALS, encoding="utf-8")
    return scenario, arrivals


def run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "loket", "simulate", *map(str, args)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = CliRunner().invoke(loket.app, ["simulate", *map(str, args)])
    return result.exit_code, result.stdout, result.stderr


def test_json_prints_one_object_with_the_metrics_of_format_md_and_the_policy(files: tuple[Path, Path]) -> None:
    result = run(*files, "--json")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert FORMAT_KEYS | {"policy"} <= metrics.keys()
    assert metrics["policy"] == routing.DEFAULT_POLICY
    # 1 called at 09:00, 2 at 09:10 (540 s), 3 due at 09:20 and called then, 5 gave up after 60 s.
    assert (metrics["came"], metrics["served"], metrics["abandoned"], metrics["no_shows"]) == (4, 3, 1, 1)
    assert metrics["max_wait_s"] == 540
    assert metrics["walkin_sl5"] == pytest.approx(1 / 3)
    assert metrics["appointment_punctuality"] == 1.0


def test_without_json_it_prints_a_readable_table(files: tuple[Path, Path]) -> None:
    code, out, err = invoke(*files, "--policy", "fifo")
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == "town, policy fifo"
    rows = {line.split()[0]: line.split()[1] for line in out.splitlines()[1:]}
    assert rows.keys() >= FORMAT_KEYS
    assert (rows["served"], rows["abandoned"], rows["walkin_sl5"], rows["max_wait_s"]) == ("3", "1", "33.3%", "540")


@pytest.mark.parametrize("policy", sorted(routing.POLICIES))
def test_every_policy_can_be_chosen_by_name(files: tuple[Path, Path], policy: str) -> None:
    code, out, err = invoke(*files, "--policy", policy, "--json")
    assert code == 0, err
    assert json.loads(out)["policy"] == policy


@pytest.mark.parametrize(
    ("scenario_text", "arrivals_text", "extra", "message"),
    [
        (SCENARIO, ARRIVALS, ["--policy", "fastest"], "--policy: unknown policy 'fastest'; known:"),
        ("name = ", ARRIVALS, [], "is not valid TOML"),
        (SCENARIO.replace('services = ["A"]', 'services = ["Q"]'), ARRIVALS, [], "unknown services Q"),
        (SCENARIO, ARRIVALS + "6,walkin,A,9h30,,60,\n", [], "line 7 (id 6), column 'arrival': '9h30'"),
        (SCENARIO, ARRIVALS + "7,walkin,B,09:30:00,,60,\n", [], "line 7 (id 7): service 'B' is not a service"),
        (SCENARIO, "", [], "arrivals file is empty"),
    ],
)
def test_bad_input_gives_a_readable_message_and_exit_code_2(
    tmp_path: Path, scenario_text: str, arrivals_text: str, extra: list[str], message: str
) -> None:
    scenario, arrivals = tmp_path / "s.toml", tmp_path / "a.csv"
    scenario.write_text(scenario_text, encoding="utf-8")
    arrivals.write_text(arrivals_text, encoding="utf-8")
    code, out, err = invoke(scenario, arrivals, *extra)
    assert (code, out) == (2, "")
    assert err.startswith("loket: ")
    assert message in err


@pytest.mark.parametrize("missing", ["scenario", "arrivals"])
def test_a_missing_file_is_named(files: tuple[Path, Path], tmp_path: Path, missing: str) -> None:
    scenario, arrivals = files
    absent = tmp_path / "absent"
    code, _, err = invoke(absent if missing == "scenario" else scenario, absent if missing == "arrivals" else arrivals)
    assert code == 2
    assert f"cannot read {'office' if missing == 'scenario' else 'arrivals'} file {absent}" in err


def test_a_file_that_is_not_text_is_refused_without_a_traceback(files: tuple[Path, Path]) -> None:
    scenario, arrivals = files
    arrivals.write_bytes(b"\xff\xfe\x00id,kind\x00")
    result = run(scenario, arrivals)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "is not UTF-8 text" in result.stderr


def test_a_real_workload_day_replays_from_the_command_line() -> None:
    day = workloads() / "commune" / "commune-calm"
    result = run(day.with_suffix(".toml"), day.with_suffix(".csv"), "--json", "--policy", "fifo")
    assert result.returncode == 0, result.stderr
    metrics = json.loads(result.stdout)
    assert metrics["served"] + metrics["abandoned"] == metrics["came"]
    assert metrics["scenario"] == "commune-calm"


def test_remote_share_adds_the_remote_metrics_to_the_json(files: tuple[Path, Path]) -> None:
    code, out, _ = invoke(*files, "--json", "--remote-share", "1", "--travel-min", "10-20")
    assert code == 0
    metrics = json.loads(out)
    assert {"remote_in_room_sl5", "remote_count", "remote_missed", "in_room_sl5", "walkin_sl5"} <= metrics.keys()
    assert metrics["remote_count"] == 3  # every walk-in of the day joined from elsewhere
    assert metrics["walkins"] == 0


@pytest.mark.parametrize("travel", ["10", "30-5", "a-b", "-5"])
def test_a_bad_travel_range_is_refused_with_exit_code_2(files: tuple[Path, Path], travel: str) -> None:
    code, _, err = invoke(*files, "--remote-share", "0.5", "--travel-min", travel)
    assert code == 2
    assert "--travel-min" in err
