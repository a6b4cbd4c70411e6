"""`/ws/offices/{office}`: the office's live events for kiosks, clerk terminals and displays (the protocol is in
api/websocket.py)."""

from __future__ import annotations

from fastapi import APIRouter, WebSocket

from api.websocket import follow

router = APIRouter(tags=["live"])


@router.websocket("/ws/offices/{office}")
async def office_events(websocket: WebSocket, office: str, since: int | None = None, token: str | None = None) -> None:
    header = websocket.headers.get("authorization", "")
    secret = token or (header[7:] if header.lower().startswith("bearer ") else None)
    await follow(websocket, office, since, secret)
