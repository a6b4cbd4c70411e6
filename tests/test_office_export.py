"""`loket office export` writes an office as it is now (after changes through the administration) as an office file
that `loket serve --office-file` reads back to the same office; `loket user add --language` remembers the language."""

from __future__ import annotations

import asyncio
import tomllib
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from scheduler.access import Principal
from scheduler.model import Role
from scheduler.scenario import parse_scenario
from server import create_app
from service import administration
from settings import Settings
from store import admin
from store.admin import apply_scenario
from store.database import Database
from store.engine import make_engine
from store.migrate import upgrade
from tests.support import ROOT, seed
from tests.test_cli import loket

MANAGER = Principal(Role.MANAGER, "town", "mia")
NAMES = {"nl": "Rijbewijs", "fr": "Permis de conduire", "en": "Driving licence"}
#: Quotes, accents and a backslash: the file must still read back the same.
PHOTO = 'Photo "récente" = 1 an'


async def administer(url: str) -> None:
    """Changes a manager makes on the administration page (through the same service layer)."""
    app = create_app(Settings(database_url=url), clock=lambda: datetime(2026, 3, 2, 8, tzinfo=UTC))
    async with app.router.lifespan_context(app):
        parts = app.state.parts
        await administration.add_service(
            parts,
            MANAGER,
            "town",
            {"code": "D", "names": NAMES, "slot_s": 1200, "checklist": {"fr": [PHOTO, "Ancien permis (A\\B)"]}},
        )
        await administration.change_settings(
            parts, MANAGER, "town", {"remote_join": False, "walk_in_by_hour": {"9": 0.75}, "name": "Stadhuis"}
        )
        await administration.set_hours(parts, MANAGER, "town", {"mon": [["08:30", "12:30"], ["13:30", "16:00"]]})
        await administration.set_closed(parts, MANAGER, "town", {"days": ["2026-12-24"]})
        await administration.add_counter(
            parts, MANAGER, "town", {"name": "4", "skills": ["D"], "shifts": [["08:30", "12:00"]]}
        )
        await administration.set_improvements(
            parts, MANAGER, "town", {"improvements": [{"code": "wait", "names": {"nl": "Korter wachten"}}]}
        )


def without_header(text: str) -> str:
    """The file without its first line (the comment saying when it was exported)."""
    first, _, rest = text.partition("\n")
    assert first.startswith("# Office town, exported ")
    return rest


def test_an_exported_office_loads_into_a_fresh_database_as_the_same_office(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/first.db"
    seed(url).db.engine.dispose()
    asyncio.run(administer(url))
    out = tmp_path / "town.toml"
    exported = loket("office", "export", "town", "--out", str(out), url=url)
    assert exported.returncode == 0, exported.stderr
    first = out.read_text()
    data = tomllib.loads(first)
    assert (data["title"], data["remote_join"], data["closed"]) == ("Stadhuis", False, ["2026-12-24"])
    assert data["service"][-1] == {
        "code": "D",
        "name": "Driving licence",
        "names": NAMES,
        "mean_duration_s": 600,
        "bookable": False,
        "slot_s": 1200,
        "checklist": {"fr": [PHOTO, "Ancien permis (A\\B)"]},
    }
    assert data["hours"] == {"mon": [["08:30", "12:30"], ["13:30", "16:00"]]}

    fresh = f"sqlite:///{tmp_path}/fresh.db"
    upgrade(fresh)
    db = Database(make_engine(fresh))
    apply_scenario(db, parse_scenario(data))
    db.engine.dispose()
    again = loket("office", "export", "town", url=fresh)
    assert again.returncode == 0, again.stderr
    assert without_header(again.stdout) == without_header(first)


def test_export_of_an_unknown_office_says_so(tmp_path: Path) -> None:
    result = loket("office", "export", "nowhere", url=f"sqlite:///{tmp_path}/empty.db")
    assert result.returncode == 2
    assert "no office 'nowhere'" in result.stderr


def test_user_add_remembers_the_language_and_refuses_another(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/users.db"
    seeded = seed(url)
    added = loket(
        "user", "add", "an", "--office", "town", "--language", "fr", "--password-stdin", url=url, stdin="long enough\n"
    )
    assert added.returncode == 0, added.stderr
    assert admin.user_language(seeded.db, "an") == "fr"
    refused = loket(
        "user", "add", "bo", "--office", "town", "--language", "de", "--password-stdin", url=url, stdin="long enough\n"
    )
    assert (refused.returncode, "nl, fr, en" in refused.stderr) == (2, True)
    seeded.db.engine.dispose()


def test_the_demo_office_file_exported_reads_back_as_the_same_office(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path}/demo.db"
    upgrade(url)
    db = Database(make_engine(url))
    with (ROOT / "seed" / "demo.toml").open("rb") as f:
        original = parse_scenario(tomllib.load(f))
    apply_scenario(db, original)
    db.engine.dispose()
    exported = loket("office", "export", "demo", url=url)
    assert exported.returncode == 0, exported.stderr
    back = parse_scenario(tomllib.loads(exported.stdout))
    # The file said opens/closes; the export says the hours they made.
    assert replace(back, opens=original.opens, closes=original.closes) == original
