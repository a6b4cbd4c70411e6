"""Shared fixtures: databases (a real SQLite file; the real PostgreSQL in a schema of its own)."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from urllib.parse import quote

import psycopg
import pytest

from tests.support import Seeded, seed

POSTGRES_URL = os.environ.get("LOKET_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def _missing(what: str, why: str) -> None:
    """On a laptop a missing service skips loudly; in CI it fails: CI must prove everything."""
    message = f"{what} is not available ({why}); these tests did NOT run"
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI=true but {message}", pytrace=False)
    pytest.skip(message)


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
