"""The booking pages in process (httpx against the app, an adjustable clock), on an office with checklists."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

from tests.api.conftest import Api, serving
from tests.support import OFFICE, Seeded

CHECKLIST = {
    "nl": ["Uw oude identiteitskaart", "Een pasfoto"],
    "fr": ["Votre ancienne carte d'identité", "Une photo d'identité"],
    "en": ["Your old identity card", "A passport photo"],
}

#: The test office (bookable Monday to Friday 08:00-18:00, closed on Wednesday 11 March 2026), its identity
#: cards with what to bring, and a service that is not bookable.
BOOKING_OFFICE: dict[str, Any] = {
    **OFFICE,
    "closed": ["2026-03-11"],
    "service": [
        {**OFFICE["service"][0], "checklist": CHECKLIST},  # type: ignore[index]
        *OFFICE["service"][1:],  # type: ignore[index]
        {"code": "D", "name": "Driving licence", "mean_duration_s": 600},
    ],
    "counter": [{"name": "1", "services": ["A", "B", "D"]}, *OFFICE["counter"][1:]],  # type: ignore[index]
}


@pytest.fixture
async def api(sqlite_url: str, seeder: Callable[..., Seeded]) -> AsyncIterator[Api]:
    async with serving(sqlite_url, seeder(sqlite_url, BOOKING_OFFICE)) as served:
        yield served
