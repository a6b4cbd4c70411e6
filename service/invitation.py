"""The appointment as an iCalendar file (`.ics`), in the office's time zone, for the citizen's own calendar."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from i18n import gettext, messages
from scheduler import calendar
from scheduler.model import Booking, Office, Service

PRODUCT = "-//Loket//Appointments//EN"


def invitation(booking: Booking, office: Office, service: Service, manage_url: str, now: datetime) -> bytes:
    zone = ZoneInfo(office.timezone)
    start = booking.slot_at.astimezone(zone)
    language = booking.language
    lines = [f"{gettext(language, messages.BOOKING_CODE)}: {booking.code}"]
    checklist = service.checklist_in(language)
    if checklist:
        lines += ["", gettext(language, messages.WHAT_TO_BRING), *(f"- {item}" for item in checklist)]
    lines += ["", gettext(language, messages.MANAGE_LINK), manage_url]
    event = Event()
    event.add("uid", f"{booking.code}@{office.id}.loket")
    event.add("dtstamp", now)
    event.add("dtstart", start)
    event.add("dtend", start + timedelta(seconds=calendar.slot_length_s(service)))
    event.add("summary", f"{service.name(language)} — {office.name}")
    event.add("location", office.name)
    event.add("description", "\n".join(lines))
    event.add("url", manage_url)
    event.add("status", "CANCELLED" if booking.state.value == "cancelled" else "CONFIRMED")
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event["summary"])
    alarm.add("trigger", timedelta(hours=-1))
    event.add_component(alarm)
    cal = Calendar()
    cal.add("prodid", PRODUCT)
    cal.add("version", "2.0")
    cal.add("method", "PUBLISH")
    cal.add_component(event)
    # Writes the VTIMEZONE of the office's zone, so calendars need not know it.
    cal.add_missing_timezones()
    return bytes(cal.to_ical())
