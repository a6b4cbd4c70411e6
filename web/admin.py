"""`/admin/{office}`: the office run from a web page, for its managers and for admins (service.administration)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from web.page import PRIVATE, path

router = APIRouter(tags=["administration pages"])


@router.get("/admin")
async def admin_home(request: Request, office: str | None = None) -> Response:
    """An admin's start: `?office=ID` goes to that office's page."""
    if office:
        return RedirectResponse(path("admin", office), status_code=303, headers=PRIVATE)
    return RedirectResponse("/login", status_code=303, headers=PRIVATE)
