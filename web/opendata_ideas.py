"""Open data: an office's citizens' ideas as they stand now, `/open-data/{office}/ideas.csv` and `.json`, public,
no token, CC BY 4.0 like the daily files (web/opendata.py).

One row per idea shown on the ideas page, most votes first (equal votes newest first): what anyone reads there,
nothing more (who proposed or voted is not stored at all). Hidden ideas never appear; how many the office hid is
published beside the rows, not in them: the JSON file's `hidden` field, and the CSV answer's `X-Hidden-Ideas`
header (a CSV file has no place for a figure that is not a row; the dictionary page says the same number).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, Response

from api.deps import PartsDep
from scheduler.ideas import Idea
from service import ideas
from service.changes import read
from service.parts import Parts
from web.opendata import LICENCE

router = APIRouter(tags=["open data"])

SUMMARY = "One row per idea of the office's citizens shown on its ideas page now, most votes first"
#: Seconds a client may keep the file: ideas and votes come in all day.
MAX_AGE_S = 60


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    meaning: str
    value: Callable[[Idea], Any]


COLUMNS = [
    Column("id", "integer", "The idea's number (as in the API: /api/ideas/{id}/vote)", lambda i: i.id),
    Column("day", "date", "The office-local day it was proposed (YYYY-MM-DD)", lambda i: i.day.isoformat()),
    Column("language", "string", "The language it is written in: nl, fr or en", lambda i: i.language),
    Column("text", "string", "The idea as the citizen wrote it (at most 500 characters)", lambda i: i.text),
    Column("votes", "integer", "Votes of citizens, one per visit at most", lambda i: i.votes),
    Column(
        "state",
        "string",
        "open (no decision yet), planned, done or declined, as the office's answer set it",
        lambda i: i.state.value,
    ),
    Column("answer", "string", "The office's answer; empty while it has not answered", lambda i: i.answer),
]  # fmt: skip


def rows(listed: list[Idea]) -> list[dict[str, Any]]:
    return [{c.name: c.value(i) for c in COLUMNS} for i in listed]


def as_csv(listed: list[Idea]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([c.name for c in COLUMNS])
    for row in rows(listed):
        writer.writerow(["" if value is None else value for value in row.values()])
    return out.getvalue()


async def _ideas(parts: Parts, office: str) -> tuple[str, list[Idea], int]:
    found = await read(parts, lambda repo: repo.office(office))  # NotFound: 404
    return found.name, await ideas.listed(parts, office), await ideas.hidden_count(parts, office)


async def hidden(parts: Parts, office: str) -> int:
    """How many of the office's ideas a manager hid (for the dictionary page)."""
    return await ideas.hidden_count(parts, office)


def _headers(office: str, extension: str, hidden: int, now: datetime) -> dict[str, str]:
    return {
        "Link": f'<{LICENCE["url"]}>; rel="license", </open-data/{office}>; rel="describedby"',
        "X-License": LICENCE["id"],
        "X-Hidden-Ideas": str(hidden),
        "Content-Disposition": f'inline; filename="{office}-ideas-{now.date().isoformat()}.{extension}"',
        "Access-Control-Allow-Origin": "*",
        "Cache-Control": f"public, max-age={MAX_AGE_S}",
    }


@router.get("/open-data/{office}/ideas.csv", response_class=Response, summary="ideas.csv: the office's ideas now")
async def ideas_csv(office: str, parts: PartsDep) -> Response:
    _name, listed, hidden = await _ideas(parts, office)
    body = as_csv(listed)
    headers = {**_headers(office, "csv", hidden, parts.clock()), "Access-Control-Expose-Headers": "X-Hidden-Ideas"}
    return Response(body, media_type="text/csv; charset=utf-8", headers=headers)


@router.get("/open-data/{office}/ideas.json", response_class=JSONResponse, summary="ideas.json: the office's ideas now")
async def ideas_json(office: str, parts: PartsDep) -> Response:
    name, listed, hidden = await _ideas(parts, office)
    now = parts.clock()
    body = {
        "office": office,
        "office_name": name,
        "file": "ideas",
        "at": now.isoformat(),
        "licence": {**LICENCE, "attribution": f"{name}, via Loket open data"},
        "dictionary": f"/open-data/{office}",
        "hidden": hidden,
        "fields": [{"name": c.name, "type": c.type} for c in COLUMNS],
        "rows": rows(listed),
    }
    return JSONResponse(body, headers=_headers(office, "json", hidden, now))
