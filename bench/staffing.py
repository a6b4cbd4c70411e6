"""Does the staffing advice keep its promise? Replay each commune day with the counters it advises.

For every workload of ../shared/workloads/commune and every routing policy, the day is replayed by the
simulator three times: with the counters planned in its scenario, and with the advised extra counters
(`staffing.with_extra_shifts`) computed per hour and per half hour from that day's own arrivals. It
prints a markdown table of the share of walk-ins called within 5 minutes (target >= 90%), appointment
punctuality, mean and p95 wait, abandonments, and the extra counter-hours the advice costs.

Not a test (tests/scheduler/test_staffing.py holds the pass/fail check on commune-busy).
Run from the repository root:  .venv/bin/python bench/staffing.py [--workloads DIR] [--write FILE]
"""

from __future__ import annotations

import argparse
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from scheduler import forecast, routing, staffing  # noqa: E402
from scheduler.scenario import Scenario, parse_scenario  # noqa: E402
from scheduler.simulate import simulate  # noqa: E402
from scheduler.workload import Arrival, parse_arrivals  # noqa: E402

TARGET = 0.90


def load(toml: Path) -> tuple[Scenario, tuple[Arrival, ...]]:
    with toml.open("rb") as f:
        scenario = parse_scenario(tomllib.load(f))
    with toml.with_suffix(".csv").open(newline="") as f:
        return scenario, parse_arrivals(f)


def extra_counter_hours(advice: staffing.StaffingAdvice) -> float:
    return sum(e.counters * (iv.end_s - iv.start_s) for iv in advice.intervals for e in iv.extra) / 3600


def rows(toml: Path) -> list[list[str]]:
    scenario, arrivals = load(toml)
    visits = forecast.visits_from_workload(arrivals)
    plans: list[tuple[str, Scenario, float]] = [("as planned", scenario, 0.0)]
    for minutes in (60, 30):
        advice = staffing.advise(scenario, forecast.forecast(scenario, [visits], interval_s=minutes * 60))
        plans.append(
            (f"advised per {minutes} min", staffing.with_extra_shifts(scenario, advice), extra_counter_hours(advice))
        )
    out = []
    for label, plan, extra in plans:
        for policy in routing.POLICIES:
            m = simulate(plan, arrivals, policy).metrics()
            sl5 = float(m["walkin_sl5"] or 0)
            out.append(
                [
                    scenario.name,
                    label,
                    f"{extra:.1f}",
                    policy,
                    f"{sl5:.1%}" + ("" if label == "as planned" else (" ok" if sl5 >= TARGET else " MISS")),
                    f"{float(m['appointment_punctuality'] or 0):.1%}",
                    f"{float(m['mean_wait_s'] or 0):.0f}",
                    f"{float(m['p95_wait_s'] or 0):.0f}",
                    str(m["abandoned"]),
                ]
            )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workloads", type=Path, default=ROOT.parent / "shared" / "workloads", metavar="DIR")
    parser.add_argument("--write", type=Path, metavar="FILE", help="also write the markdown table to FILE")
    args = parser.parse_args()
    days = sorted((args.workloads / "commune").glob("*.toml"))
    if not days:
        print(f"no commune workloads under {args.workloads}", file=sys.stderr)
        return 2
    head = [
        "day",
        "staffing",
        "extra counter-h",
        "policy",
        "walk-ins <= 5 min",
        "appt. punctual",
        "mean s",
        "p95 s",
        "gave up",
    ]
    table = [head, ["---"] * len(head)]
    for toml in days:
        table += rows(toml)
    text = "\n".join("| " + " | ".join(r) + " |" for r in table)
    print(text)
    if args.write:
        args.write.write_text(text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
