"""`LoketClient`: the server's HTTP API as typed async methods.

Every refusal becomes a `LoketError` parsed from the server's `{"error", "detail"}` body; a server that
cannot be reached becomes `Unreachable`. Bodies come back as the typed models of `client.models`, parsed here
once (the citizen's `status` and the kiosk's reports stay JSON objects).
"""

from __future__ import annotations

from datetime import date, datetime
from types import TracebackType
from typing import Any, Literal, Self
from urllib.parse import quote

import httpx

from client.errors import LoketError, Unreachable
from client.models import (
    Booking,
    CitizenStatus,
    Counter,
    CounterDay,
    IssuedTicket,
    Me,
    NumberBlock,
    OfflineTicket,
    Session,
    Slot,
    Snapshot,
    SyncedTicket,
    Ticket,
)

Json = dict[str, Any]
TicketActionName = Literal["call", "recall", "start", "finish", "no-show", "park", "transfer", "cancel"]
CounterActionName = Literal["open", "pause", "resume", "close"]


def _segment(value: str | int) -> str:
    """One path segment, escaped (an office name never changes the path it is put in)."""
    return quote(str(value), safe="")


#: Seconds an idle connection is kept for the next request (under the server's 5 s keep-alive).
KEEPALIVE_S = 2.0


class LoketClient:
    """One server, one token. Use `async with LoketClient(...) as client:` or call `aclose()`.

    `token` may be None for the public calls (`login`, `status`). `transport` lets tests and tools
    plug in e.g. `httpx.ASGITransport(app)`.
    """

    def __init__(
        self,
        base_url: str,
        token: str | None,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        headers = {"Accept": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        # An idle connection is dropped before the server's keep-alive (uvicorn: 5 s) ends: a clerk pressing a key
        # just as the server closes it would otherwise be told the server cannot be reached.
        limits = httpx.Limits(keepalive_expiry=KEEPALIVE_S)
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"), headers=headers, timeout=timeout, transport=transport, limits=limits
        )

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # -- tickets ---------------------------------------------------------------------------------------

    async def issue_ticket(
        self,
        office: str,
        service: str | None,
        language: str,
        idempotency_key: str | None = None,
        *,
        appointment: str | None = None,
        code: str | None = None,
    ) -> IssuedTicket:
        """Issue a walk-in ticket for `service`, or check in `appointment` (its service is the booked one), or
        check in by `code`: a remote ticket's (answers that ticket, now here, `here` true) or a booking's (as
        `appointment`). Retrying with the same key returns the same ticket."""
        body: Json = {"language": language}
        if service is not None:
            body["service"] = service
        if appointment is not None:
            body["appointment"] = appointment
        if code is not None:
            body["code"] = code
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key is not None else None
        raw = await self._json("POST", f"/api/offices/{_segment(office)}/tickets", json=body, headers=headers)
        return IssuedTicket.of(raw)

    async def ticket_action(self, ticket_id: int, action: TicketActionName, **body: int | str | None) -> Ticket:
        """`call` (needs `counter=`), `recall`, `start`, `finish`, `no-show`, `park`, `transfer` (`to_service=`,
        `to_counter=`) or `cancel`. Answers with the ticket as it now is (after a transfer: the new waiting one)."""
        payload = {key: value for key, value in body.items() if value is not None}
        path = f"/api/tickets/{_segment(ticket_id)}/{_segment(action)}"
        return Ticket.of(await self._json("POST", path, json=payload or None))

    async def status(self, token: str) -> CitizenStatus:
        """What the holder of a ticket sees, by the ticket's status token (public)."""
        return CitizenStatus.of(await self._json("GET", f"/api/status/{_segment(token)}"))

    async def accept_timed_return(self, token: str) -> CitizenStatus:
        """The holder of a ticket accepts to come back later (its `timed_return_offer`); answers the status."""
        return CitizenStatus.of(await self._json("POST", f"/api/status/{_segment(token)}/timed-return"))

    async def answer_happiness(self, office: str, service: str, score: int, improvements: list[str]) -> Json:
        """The happiness question answered at the kiosk (offices that ask there): anonymous."""
        body = {"service": service, "score": score, "improvements": improvements}
        return await self._json("POST", f"/api/offices/{_segment(office)}/happiness", json=body)

    async def printer_status(self, office: str, kiosk: str, state: str, detail: str = "") -> Json:
        """A kiosk reports its printer's state (`ok`, `paper_low`, `paper_out`, `cover_open`, `unreachable`,
        `error`): staff hear it as a `printer.status` event."""
        body = {"kiosk": kiosk, "state": state, "detail": detail}
        return await self._json("POST", f"/api/offices/{_segment(office)}/printer-status", json=body)

    # -- offline kiosks --------------------------------------------------------------------------------------

    async def reserve_block(self, office: str, kiosk: str, service: str, size: int | None = None) -> NumberBlock:
        """Reserve today's next block of numbers of `service` for the kiosk named `kiosk` (its offline tickets):
        409 `too_many_blocks` past the day's cap, 404 `service_not_found`, 422 `invalid_kiosk`/`invalid_size`."""
        body: Json = {"kiosk": kiosk, "service": service}
        if size is not None:
            body["size"] = size
        return NumberBlock.of(await self._json("POST", f"/api/offices/{_segment(office)}/number-blocks", json=body))

    async def blocks(self, office: str, kiosk: str) -> list[NumberBlock]:
        """Today's blocks of the kiosk named `kiosk`, each with the sequences already synced from it (`used`)."""
        path = f"/api/offices/{_segment(office)}/number-blocks"
        body = _object(await self._send("GET", path, params={"kiosk": kiosk}))
        blocks = body.get("blocks")
        if not isinstance(blocks, list):
            raise LoketError(200, "unexpected_response", f"expected a list of blocks, got {body!r:.200}")
        day, prefix = body.get("day"), body.get("status_url_prefix")
        return [NumberBlock.of(raw, kiosk=kiosk, day=day, status_url_prefix=prefix) for raw in blocks]

    async def sync_ticket(self, office: str, key: str, entry: OfflineTicket) -> SyncedTicket:
        """Upload a ticket issued offline, with its own Idempotency-Key `key`: the first upload stores it (201),
        the same key again answers the same ticket (200, `created` False), never a second one. Refusals (409
        `number_not_reserved`, `number_taken`, `token_taken`; 422 `invalid_checked_in_at`, `unknown_appointment`
        ...) raise `LoketError`."""
        path = f"/api/offices/{_segment(office)}/tickets/offline"
        response = await self._send("POST", path, json=entry.body(), headers={"Idempotency-Key": key})
        return SyncedTicket.of(_object(response), created=response.status_code == 201)

    # -- appointments ------------------------------------------------------------------------------------

    async def free_slots(self, office: str, service: str, day: date) -> list[Slot]:
        """The slots of a bookable `service` on the office-local `day` still ahead, with their free seats
        (public; 422 `service_not_bookable`)."""
        path = f"/api/offices/{_segment(office)}/slots"
        response = await self._send("GET", path, params={"service": service, "day": day.isoformat()})
        body = response.json()
        if not isinstance(body, list):
            raise LoketError(response.status_code, "unexpected_response", f"expected a JSON list, got {body!r:.200}")
        return [Slot.of(raw) for raw in body]

    async def book_appointment(
        self, office: str, service: str, slot_at: datetime, language: str, *, name: str | None = None
    ) -> Booking:
        """Book `slot_at` (one of `free_slots`) for `service` with this client's token: staff book without a
        contact and without the per-address budget (409 `slot_full`; 403 for a token that may not)."""
        body: Json = {"service": service, "slot_at": slot_at.isoformat(), "language": language}
        if name is not None:
            body["name"] = name
        return Booking.of(await self._json("POST", f"/api/offices/{_segment(office)}/bookings", json=body))

    # -- offices and counters ----------------------------------------------------------------------------

    async def queue(self, office: str) -> Snapshot:
        """The office snapshot: waiting tickets per service, counters, recent calls and its `seq`."""
        return Snapshot.of(await self._json("GET", f"/api/offices/{_segment(office)}/queue"))

    async def call_next(self, counter: int) -> Ticket | None:
        """Call the best waiting ticket for this counter; None when nobody waits for it."""
        response = await self._send("POST", f"/api/counters/{_segment(counter)}/call-next")
        if response.status_code == 204:
            return None
        return Ticket.of(_object(response))

    async def counter_action(self, counter_id: int, action: CounterActionName, reason: str | None = None) -> Counter:
        """`open`, `pause` (with an optional reason), `resume` or `close` a counter."""
        payload = {"reason": reason} if reason is not None else None
        path = f"/api/counters/{_segment(counter_id)}/{_segment(action)}"
        return Counter.of(await self._json("POST", path, json=payload))

    async def set_counter_services(self, counter_id: int, services: list[str]) -> Counter:
        """Choose which of the counter's skills it serves today (where the office allows it); answers the
        counter with `services` (served now) and `skills` (all)."""
        path = f"/api/counters/{_segment(counter_id)}/services"
        return Counter.of(await self._json("PUT", path, json={"services": list(services)}))

    async def call_number(self, counter_id: int, number: str) -> Ticket:
        """Call today's waiting or parked ticket with this number (e.g. "A012", any case) at this counter."""
        path = f"/api/counters/{_segment(counter_id)}/call-number"
        return Ticket.of(await self._json("POST", path, json={"number": number}))

    async def counter_today(self, counter_id: int) -> CounterDay:
        """The counter's numbers today: `served`, `no_shows`, `mean_service_s` (or None), `parked`."""
        return CounterDay.of(await self._json("GET", f"/api/counters/{_segment(counter_id)}/today"))

    # -- access ------------------------------------------------------------------------------------------

    async def login(self, username: str, password: str) -> Session:
        """Exchange a password for a token: `{"token", "role", "office", "username"}`.

        This client keeps its own token; make a new `LoketClient` with the one returned.
        """
        return Session.of(await self._json("POST", "/api/login", json={"username": username, "password": password}))

    async def me(self) -> Me:
        """Whose this token is: username, role, office and stored language (None: never chosen)."""
        return Me.of(await self._json("GET", "/api/me"))

    async def set_language(self, language: str) -> Me:
        """Remember `language` (nl, fr, en) for this token's user: their terminal and pages speak it from now
        on. Refused with 400 `no_user` for a device token, 400 `invalid_language` for another language."""
        return Me.of(await self._json("PUT", "/api/me/language", json={"language": language}))

    # -- plumbing ----------------------------------------------------------------------------------------

    async def _json(
        self, method: str, path: str, *, json: Json | None = None, headers: dict[str, str] | None = None
    ) -> Json:
        return _object(await self._send(method, path, json=json, headers=headers))

    async def _send(
        self,
        method: str,
        path: str,
        *,
        json: Json | None = None,
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        try:
            response = await self._http.request(method, path, json=json, headers=headers, params=params)
        except httpx.TransportError as exc:
            raise Unreachable(f"{method} {self._http.base_url}{path}: {type(exc).__name__}: {exc}") from exc
        if response.status_code >= 400:
            raise _refusal(response)
        return response


def _refusal(response: httpx.Response) -> LoketError:
    try:
        body = response.json()
    except ValueError:
        body = None
    if isinstance(body, dict) and isinstance(body.get("error"), str):
        return LoketError(response.status_code, body["error"], str(body.get("detail", "")), body)
    # Not one of ours (a proxy, a load balancer): keep what it said.
    text = response.text.strip()[:200] or response.reason_phrase
    return LoketError(response.status_code, f"http_{response.status_code}", text)


def _object(response: httpx.Response) -> Json:
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise LoketError(
            response.status_code, "unexpected_response", f"expected a JSON object, got {response.text[:200]!r}"
        )
    return body
