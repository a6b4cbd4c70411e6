"""Shared fixtures: databases (a real SQLite file; the real PostgreSQL in a schema of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn
from urllib.parse import quote

import psycopg
import pytest

from tests.support import ROOT, Seeded, seed

POSTGRES_URL = os.environ.get("LOKET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
# The shared workload days (../shared/workloads/FORMAT.md): beside the repository, wherever it is cloned,
# or wherever LOKET_WORKLOADS points.
WORKLOADS = Path(os.environ.get("LOKET_WORKLOADS") or ROOT.parent / "shared" / "workloads")


def _missing(what: str, why: str) -> NoReturn:
    """On a laptop a missing service skips loudly; in CI it fails: CI must prove everything."""
    message = f"{what} is not available ({why}); these tests did NOT run"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


def workloads() -> Path:
    """The shared workloads folder; when it holds no day, through the gate (a skip here, a failure in CI)."""
    if not any(WORKLOADS.glob("*/*.csv")):
        _missing(
            f"the shared workloads at {WORKLOADS}",
            "check out shared/ beside the repository or point LOKET_WORKLOADS at its workloads/ folder",
        )
    return WORKLOADS


def workload_days() -> list[Path]:
    """Every workload day's CSV, for parametrize; one placeholder when there are none, so that the test runs
    and goes through the gate in `workloads()` instead of being silently collected as an empty set."""
    return sorted(WORKLOADS.glob("*/*.csv")) or [WORKLOADS / "no-workload-day.csv"]


@pytest.fixture
def proc_net_tcp() -> None:
    """For tests that find which worker process holds a connection through /proc/net/tcp (Linux)."""
    if not Path("/proc/net/tcp").exists():
        _missing("/proc/net/tcp", "these tests find each worker's connections through /proc")


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/loket.db"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh schema in the real PostgreSQL, dropped afterwards."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(POSTGRES_URL, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE SCHEMA "{schema}"')
    except psycopg.OperationalError as exc:
        _missing(f"PostgreSQL at {POSTGRES_URL}", str(exc).strip().splitlines()[0])
    sep = "&" if "?" in POSTGRES_URL else "?"
    yield f"{POSTGRES_URL}{sep}options={quote(f'-csearch_path={schema}')}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Both databases, for tests that must hold on each."""
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    return str(request.getfixturevalue(name))


@pytest.fixture
def seeder() -> Iterator[Callable[..., Seeded]]:
    """`seeder(url[, office])`: a migrated, seeded database whose engine is closed after the test."""
    made: list[Seeded] = []

    def make(url: str, office: dict[str, object] | None = None) -> Seeded:
        made.append(seed(url, office))
        return made[-1]

    yield make
    for seeded in made:
        seeded.db.engine.dispose()
