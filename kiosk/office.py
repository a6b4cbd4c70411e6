"""What the kiosk shows of the office, read from the server's queue snapshot: services, their names in the
citizen's language, whether they are served right now and the wait a newcomer would be told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    names: dict[str, str]
    waiting: int
    estimated_wait_s: int
    #: Some counter with the skill is open (or only paused): a ticket taken now will be called today.
    served: bool

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or next(iter(self.names.values()), self.code)


@dataclass(frozen=True)
class Improvement:
    code: str
    names: dict[str, str]

    def name(self, language: str) -> str:
        return self.names.get(language) or self.names.get("en") or self.code


@dataclass(frozen=True)
class OfficeView:
    id: str
    name: str
    timezone: str
    services: tuple[ServiceInfo, ...]
    #: The office asks "Are you happy?" at the kiosk too, with these choices.
    happiness_at_kiosk: bool = False
    improvements: tuple[Improvement, ...] = ()

    def service(self, code: str) -> ServiceInfo | None:
        return next((s for s in self.services if s.code == code), None)


def office_view(snapshot: dict[str, Any]) -> OfficeView:
    """The snapshot of `GET /api/offices/{office}/queue` (or the websocket's first message)."""
    counters = snapshot.get("counters", [])
    staffed = {code for c in counters if c.get("state") in ("open", "paused") for code in c.get("services", [])}
    office = snapshot["office"]
    return OfficeView(
        id=office["id"],
        name=office["name"],
        timezone=office.get("timezone", "Europe/Brussels"),
        services=tuple(
            ServiceInfo(
                code=s["code"],
                names=dict(s.get("names") or {}),
                waiting=int(s.get("waiting", 0)),
                estimated_wait_s=int(s.get("estimated_wait_s", 0)),
                served=s["code"] in staffed,
            )
            for s in snapshot.get("services", [])
        ),
        happiness_at_kiosk=bool(office.get("happiness_at_kiosk", False)),
        improvements=tuple(
            Improvement(str(i["code"]), dict(i.get("names") or {})) for i in office.get("improvements", [])
        ),
    )
