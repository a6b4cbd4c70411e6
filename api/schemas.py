"""Request and response bodies. Unknown fields are refused, so a typo never passes silently."""

from __future__ import annotations

from typing import Annotated, Any, Literal, Self

from fastapi import Path
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

# Database ids are 64-bit signed; anything outside is a bad request, not a crash.
MAX_ID = 2**63 - 1
RowId = Annotated[int, Field(ge=1, le=MAX_ID)]


PathId = Annotated[int, Path(ge=1, le=MAX_ID)]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueTicket(Body):
    service: str | None = Field(
        None,
        min_length=1,
        max_length=8,
        description="The service's code letter, e.g. A (for a walk-in; with `appointment`, optional: the booked one)",
    )
    language: Literal["nl", "fr", "en"] = Field(description="The citizen's language")
    appointment: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="Booking code, to check in (e.g. K7QX-M4TP; any case, dash and spaces optional)",
    )
    code: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="A code to check in: a remote ticket's (e.g. K7QXM4) or a booking's (as `appointment`)",
    )

    @model_validator(mode="after")
    def _service_or_appointment(self) -> Self:
        if self.service is None and self.appointment is None and self.code is None:
            raise ValueError("give a service (walk-in) or an appointment or a code (to check in)")
        if self.appointment is not None and self.code is not None:
            raise ValueError("give a code or an appointment, not both")
        return self


class JoinRemotely(Body):
    service: str = Field(min_length=1, max_length=8, description="The service's code letter, e.g. A")
    language: Literal["nl", "fr", "en"] = Field(description="The citizen's language")
    travel_min: int = Field(description="The trip to the office in minutes: 5, 10, 20, 30 or 45")
    email: str | None = Field(None, max_length=254, description="To be told when to set off (or `phone`, or neither)")
    phone: str | None = Field(None, max_length=32, description="Mobile number for an SMS, +32... or national")


class JoinedRemotely(BaseModel):
    number: str
    code: str = Field(description="Typed or scanned at the kiosk on arrival, e.g. K7QXM4")
    service: str
    state: str
    here: bool = Field(description="False until the citizen checks in at the kiosk (or answers a call by number)")
    language: str
    status_url: str = Field(description="The citizen's live status page")
    people_ahead: int
    estimated_wait_s: int
    estimated_call_at: str = Field(description="When the turn is expected: ISO 8601 in the office's time zone")
    come_at: str | None = Field(description="When to set off (turn − trip − 5 min), kept current; office's zone")
    arrive_by: str | None = Field(description="Check in before this or the ticket becomes a no-show")
    travel_min: int
    told_by: list[str] = Field(description="Where the citizen is told to come: email, sms; empty: the page")


class BookAppointment(Body):
    service: str = Field(min_length=1, max_length=8, description="The service's code letter, e.g. A")
    slot_at: AwareDatetime = Field(description="When the appointment starts: ISO 8601 with a time zone")
    language: Literal["nl", "fr", "en"] = Field(description="The citizen's language")
    # Lengths of the name are the booking rule's to judge (`invalid_name`); the body limit bounds the rest.
    name: str | None = Field(None, description="The citizen's name (optional): one line, at most 80 characters")
    email: str | None = Field(
        None,
        max_length=254,
        description="For the confirmation and reminder; this or `phone` is required",
    )
    phone: str | None = Field(
        None, max_length=32, description="Mobile number, +32... or national (read as Belgian, LOKET_DEFAULT_REGION)"
    )
    remind_via: Literal["email", "sms", "none"] = Field("none", description="How to be reminded the day before")


class MoveAppointment(Body):
    slot_at: AwareDatetime = Field(description="The new start: a free slot of the same service")


class BookingOut(BaseModel):
    code: str = Field(description="What the citizen types or scans at the kiosk, e.g. K7QX-M4TP")
    office: str
    office_name: str
    service: str
    service_name: str = Field(description="In the booking's language")
    slot_at: str = Field(description="ISO 8601 in the office's time zone")
    duration_min: int
    state: Literal["booked", "checked_in", "cancelled", "no_show"]
    language: str
    name: str | None
    email: str | None
    phone: str | None = Field(description="E.164")
    remind_via: Literal["email", "sms", "none"]
    checklist: list[str] = Field(description="What to bring, in the booking's language")
    erased: bool = Field(description="The citizen's data was erased")
    manage_url: str = Field(description="The citizen's page to see, move, cancel or erase: keep it private")
    cancel_url: str
    ics_url: str


class TicketAction(Body):
    counter: RowId | None = Field(None, description="The counter acting (required for `call`)")
    to_service: str | None = Field(None, min_length=1, max_length=8, description="transfer: the service to go to")
    to_counter: RowId | None = Field(None, description="transfer: the counter to go to")


class CounterAction(Body):
    reason: str | None = Field(None, max_length=200, description="pause: why (lunch, break, meeting...)")


class ChooseServices(Body):
    services: list[Annotated[str, Field(min_length=1, max_length=8)]] = Field(
        max_length=64, description="The codes of the counter's skills it serves from now on (at least one)"
    )


class CallNumber(Body):
    number: str = Field(min_length=1, max_length=16, description="Today's ticket number, e.g. A012 (any case)")


class CounterToday(BaseModel):
    counter: int
    served: int = Field(description="Tickets finished at this counter today (office-local day)")
    no_shows: int = Field(description="Tickets marked no-show at this counter today")
    mean_service_s: float | None = Field(description="Mean seconds at the counter of those served; null: none yet")
    parked: int = Field(description="Today's tickets this counter parked that are still parked")


class Login(Body):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=200)


class IssuedTicket(BaseModel):
    id: int
    number: str
    service: str
    kind: str
    state: str
    language: str
    checked_in_at: str
    here: bool = Field(True, description="False only for a ticket joined from elsewhere and not checked in yet")
    people_ahead: int
    estimated_wait_s: int
    estimated_wait_range_s: list[int] = Field(description="80% range of the wait: [low, high] seconds")
    status_url: str
    timed_return_offer: str | None = Field(
        default=None,
        description="When the wait passes 5 minutes and the office allows it: the time (ISO 8601) the citizen may "
        "come back instead of waiting; accept with POST /api/status/{token}/timed-return",
    )


class Token(BaseModel):
    token: str
    role: str
    office: str | None
    username: str | None
    #: The staff member's language, as last chosen (`PUT /api/me/language`); None: not chosen yet.
    language: str | None = None


class Me(BaseModel):
    username: str | None
    role: str
    office: str | None
    language: str | None


class ChooseLanguage(Body):
    language: str = Field(max_length=8, description="nl, fr or en")


class ChosenLanguage(BaseModel):
    username: str
    language: str


Json = dict[str, Any]
