"""The dashboard's Measures panel: each measure with its verdict, its effects with their intervals and the replay's
expected effect, in the manager's language."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from scheduler.model import Role
from tests.api.conftest import Api
from tests.api.test_measures import STARTED, constructed_days, register
from tests.web.test_booking_pages import parse
from tests.web.test_dashboard import page


def section(html: str, start: str, end: str) -> str:
    """The page's HTML from `start` to the first `end` after it."""
    at = html.index(start)
    return html[at : html.index(end, at)]


async def test_a_measure_shows_its_verdict_effects_intervals_and_expected_effect_in_dutch(api: Api) -> None:
    constructed_days(api.seeded.db, api.seeded.counters["1"])
    api.clock.now = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    body = {
        "title": "Loket in plaats van fifo",
        "kind": "before-after",
        "started": STARTED.isoformat(),
        "setting": {"name": "policy", "a": "fifo", "b": "loket"},
    }
    created = (await register(api, body)).json()
    r = await page(api, api.seeded.tokens[Role.MANAGER], lang="nl")
    assert r.status_code == 200, r.text
    panel = section(r.text, f'id="measure-{created["id"]}"', "</div>")
    assert "Loket in plaats van fifo" in panel
    assert re.search(r'class="verdict verdict-better">beter<', panel)
    row = section(panel, 'data-metric="within_5_min"', "</tr>")
    cells = [re.sub(r"\s+", " ", cell).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)]
    assert cells[:3] == ["70%", "80%", "+10 procentpunt"]
    assert "…" in cells[3]
    assert cells[4].startswith("+")  # loket instead of fifo: expected to call more within five minutes
    assert cells[5] == "beter"
    assert "Vergeleken dagen: 28 en 28." in parse(r).text


async def test_without_measures_the_panel_says_how_to_register_one(api: Api) -> None:
    r = await page(api, api.seeded.tokens[Role.MANAGER], lang="fr")
    assert "POST /api/offices/town/measures" in section(r.text, 'id="no-measures"', "</p>")
