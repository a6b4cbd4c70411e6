"""What the kiosk shows of the office, read from the server's queue snapshot: services, their names in the
citizen's language, whether they are served right now and the wait a newcomer would be told."""

from __future__ import annotations

from dataclasses import dataclass

from client.models import Improvement, Period, Snapshot, name_in


@dataclass(frozen=True)
class ServiceInfo:
    code: str
    names: dict[str, str]
    waiting: int
    estimated_wait_s: int
    #: Some counter with the skill is open (or only paused): a ticket taken now will be called today.
    served: bool

    def name(self, language: str) -> str:
        return name_in(self.names, language, self.code)


@dataclass(frozen=True)
class OfficeView:
    id: str
    name: str
    timezone: str
    services: tuple[ServiceInfo, ...]
    #: The office asks "Are you happy?" at the kiosk too, with these choices.
    happiness_at_kiosk: bool = False
    improvements: tuple[Improvement, ...] = ()
    #: Today's opening periods (empty: closed today; None: the server did not say).
    hours_today: tuple[Period, ...] | None = None

    def service(self, code: str) -> ServiceInfo | None:
        return next((s for s in self.services if s.code == code), None)


def office_view(snapshot: Snapshot) -> OfficeView:
    """The snapshot of `GET /api/offices/{office}/queue` (or the websocket's first message)."""
    staffed = {code for c in snapshot.counters if c.state in ("open", "paused") for code in c.services}
    office = snapshot.office
    return OfficeView(
        id=office.id,
        name=office.name,
        timezone=office.timezone,
        services=tuple(
            ServiceInfo(s.code, s.names, s.waiting, s.estimated_wait_s, served=s.code in staffed)
            for s in snapshot.services
        ),
        happiness_at_kiosk=office.happiness_at_kiosk,
        improvements=office.improvements,
        hours_today=office.hours_today,
    )
