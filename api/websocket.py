"""Serving the office websocket (api/live.py's `/ws/offices/{office}` and the display page's socket): a snapshot
or a replay after `since`, then live events in sequence order.

Protocol (JSON text frames):
  server -> client  {"type": "snapshot", "seq": N, ...queue}      when `since` is absent or too old
                    {"seq": N, "type": "ticket.called", ...}        replayed, then live events
                    {"type": "ping", "seq": N}                      every ping interval; N = last seq sent
                    {"type": "error", "error": code, "detail": ...} then the socket closes
  client -> server  {"type": "pong"}                                answer to ping (any message counts)
A client that was away resumes with `?since=<last seq it processed>`.
"""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import WebSocket, WebSocketDisconnect
from starlette.concurrency import run_in_threadpool
from starlette.websockets import WebSocketState

from api.deps import resolve
from api.errors import ApiError
from live.hub import Subscription, encode, for_public
from scheduler.access import Permission
from scheduler.errors import DomainError
from service.parts import Parts
from service.snapshot import queue_snapshot

CLOSE_POLICY = 4401  # bad token; 4403: not allowed; 4404: no such office
CLOSE_RESUME = 4409  # too slow or fell behind: reconnect with ?since=


async def follow(websocket: WebSocket, office: str, since: int | None, secret: str | None) -> None:
    """The protocol above, for a client whose token is `secret` (from the query, a header or a cookie)."""
    parts: Parts = websocket.app.state.parts
    await websocket.accept()
    try:
        principal = await resolve(parts, secret)
        if not principal.may(Permission.READ, office):
            raise ApiError(403, "forbidden", f"this token may not follow office {office}")
        await run_in_threadpool(parts.db.read, lambda repo: repo.office(office))
    except ApiError as exc:
        await _refuse(websocket, {401: CLOSE_POLICY}.get(exc.status, 4403), exc.code, exc.detail)
        return
    except DomainError as exc:
        await _refuse(websocket, 4404, exc.code, exc.detail)
        return
    if since is not None and since < 0:
        await _refuse(websocket, 4400, "invalid_since", "since must be a sequence number, 0 or more")
        return

    staff = principal.may(Permission.SERVE, office)
    sub = await parts.hub.subscribe(office)
    try:
        last = await _start(websocket, parts, office, since, staff)
        await _serve(websocket, parts, sub, last, staff)
    except (WebSocketDisconnect, RuntimeError):
        pass  # the client left; nothing to tell it
    finally:
        parts.hub.unsubscribe(sub)
        if websocket.client_state is WebSocketState.CONNECTED:
            with contextlib.suppress(Exception):
                await websocket.close()


async def _refuse(websocket: WebSocket, code: int, error: str, detail: str) -> None:
    await websocket.send_json({"type": "error", "error": error, "detail": detail})
    await websocket.close(code=code, reason=error)


async def _start(websocket: WebSocket, parts: Parts, office: str, since: int | None, staff: bool) -> int:
    """Bring the client up to date; returns the last sequence number it has."""
    if since is not None:
        events = await run_in_threadpool(parts.db.events_after, office, since)
        if events is not None:
            for event in events:
                await websocket.send_text(encode(event if staff else for_public(event)))
            return events[-1]["seq"] if events else since
    now = parts.clock()
    snapshot = await run_in_threadpool(parts.db.read, lambda repo: queue_snapshot(repo, office, now, parts.policy))
    await websocket.send_text(encode({"type": "snapshot", **snapshot}))
    return int(snapshot["seq"])


async def _serve(websocket: WebSocket, parts: Parts, sub: Subscription, last: int, staff: bool) -> None:
    # Reading and sending run apart: a handler that only sends would never notice a vanished client.
    clock = asyncio.get_running_loop().time
    heard = clock()

    async def listen() -> None:
        nonlocal heard
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                raise WebSocketDisconnect(message.get("code", 1000))
            if message.get("text") is None:
                # The protocol is JSON text; a binary frame ends this connection only, plainly.
                await websocket.close(code=1003, reason="text frames only")
                return
            heard = clock()  # any text counts as a pong

    async def send() -> None:
        nonlocal last
        interval = parts.settings.ws_ping_interval_s
        # Pings go out every interval, busy or not: a client is judged on the pings it was sent. (Pinging only
        # in quiet moments closed every display of a busy office at its first lull: they had been sent
        # events, never a ping, so had never answered.)
        due = clock() + interval
        unanswered_since: float | None = None  # when the oldest ping not answered yet went out
        while True:
            now = clock()
            if now >= due:
                if unanswered_since is not None and heard >= unanswered_since:
                    unanswered_since = None  # answered
                if unanswered_since is None:
                    unanswered_since = now
                elif now - unanswered_since > 2 * interval:
                    await websocket.close(code=1001, reason="no answer to pings")
                    return
                await websocket.send_text(encode({"type": "ping", "seq": last}))
                due = now + interval
                continue
            try:
                # asyncio.timeout_at, not wait_for: no extra task per event, which counts at 500 clients.
                async with asyncio.timeout_at(due):
                    event = await sub.queue.get()
            except TimeoutError:
                continue
            if event is None:  # the hub gave up on us (too slow) or the server stops
                await websocket.close(code=CLOSE_RESUME if sub.overflowed else 1012, reason="resume with since")
                return
            if event.seq <= last:
                continue
            if event.seq > last + 1:
                gap = await run_in_threadpool(parts.db.events_after, sub.office, last)
                if gap is None:
                    await websocket.close(code=CLOSE_RESUME, reason="resume with since")
                    return
                for missed in gap:
                    if missed["seq"] < event.seq:
                        await websocket.send_text(encode(missed if staff else for_public(missed)))
            await websocket.send_text(event.text if staff else event.public_text)
            last = event.seq

    tasks = [asyncio.create_task(listen()), asyncio.create_task(send())]
    try:
        done, _pending = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            exc = task.exception()
            if exc is not None and not isinstance(exc, WebSocketDisconnect):
                raise exc
    finally:
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, WebSocketDisconnect, Exception):
                await task
