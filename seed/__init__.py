"""The demo office that `loket demo` (and `make demo`) sets up."""

from __future__ import annotations

import tomllib
from pathlib import Path

from scheduler.scenario import Scenario, parse_scenario

DEMO_FILE = Path(__file__).with_name("demo.toml")


def demo_scenario() -> Scenario:
    with DEMO_FILE.open("rb") as f:
        return parse_scenario(tomllib.load(f))
