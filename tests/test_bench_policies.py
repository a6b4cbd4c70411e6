"""bench/policies.py writes only its own section of docs/benchmarks.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.support import ROOT


@pytest.fixture(scope="module")
def policies() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_policies", ROOT / "bench" / "policies.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def section(policies: ModuleType, body: str) -> str:
    return f"{policies.START}\n{body}\n{policies.END}"


def test_the_section_between_the_markers_is_replaced_and_the_rest_kept(policies: ModuleType, tmp_path: Path) -> None:
    path = tmp_path / "benchmarks.md"
    before, after = "# Benchmarks\n\nserver numbers\n\n", "\n\n## What was measured\n\ntext\n"
    path.write_text(before + section(policies, "old table") + after, encoding="utf-8")
    policies.write_section(path, section(policies, "new table"))
    assert path.read_text(encoding="utf-8") == before + section(policies, "new table") + after


@pytest.mark.parametrize("existing", ["", "# Benchmarks\n\nserver numbers\n"])
def test_the_markers_are_appended_when_absent(policies: ModuleType, tmp_path: Path, existing: str) -> None:
    path = tmp_path / "benchmarks.md"
    if existing:
        path.write_text(existing, encoding="utf-8")
    policies.write_section(path, section(policies, "table"))
    policies.write_section(path, section(policies, "table again"))
    text = path.read_text(encoding="utf-8")
    assert text.startswith(existing.rstrip("\n"))
    assert text.endswith(section(policies, "table again") + "\n")
    assert text.count(policies.START) == 1


def test_the_built_days_are_the_same_for_the_same_seed_and_not_a_shared_workload(policies: ModuleType) -> None:
    first = policies.built_days()
    assert first == policies.built_days()
    assert [name for name, _, _ in first] == [name for name, *_ in policies.BUILT_DAYS]
    assert all(name.startswith("built-") and arrivals for name, _, arrivals in first)
