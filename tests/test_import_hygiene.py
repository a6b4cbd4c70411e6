"""The dependency rules of ARCHITECTURE.md that import-linter cannot see (top-level modules, stdlib only)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEVICE_APPS = {"textual", "kiosk", "counter", "display", "client"}


def imported_roots(path: Path) -> set[str]:
    roots: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


@pytest.mark.parametrize("path", sorted((ROOT / "scheduler").rglob("*.py")), ids=lambda p: p.name)
def test_scheduler_imports_only_the_standard_library_and_itself(path: Path) -> None:
    foreign = imported_roots(path) - set(sys.stdlib_module_names) - {"scheduler", "__future__"}
    assert foreign == set(), f"{path.name} imports {sorted(foreign)}"


@pytest.mark.parametrize(
    "path",
    [
        ROOT / "server.py",
        ROOT / "settings.py",
        *sorted((ROOT / "api").rglob("*.py")),
        *sorted((ROOT / "store").rglob("*.py")),
    ],
    ids=lambda p: str(p.relative_to(ROOT)),
)
def test_server_side_never_imports_terminal_or_device_apps(path: Path) -> None:
    assert imported_roots(path) & DEVICE_APPS == set()
