"""Booking messages reach a real SMTP server (aiosmtpd) and a real HTTP SMS gateway on loopback, in the
citizen's language and with links that work; the minute round sends reminders once and marks no-shows;
the purge leaves no personal data past its date."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import httpx
import pytest
from starlette.concurrency import run_in_threadpool

from service import housekeeping
from tests.api.conftest import Api, Gateway, Inbox, serving
from tests.support import Seeded

SLOT = "2026-03-02T11:00:00+01:00"


@pytest.fixture
async def api(
    sqlite_url: str, seeder: Callable[..., Seeded], inbox: tuple[Inbox, int], gateway: Gateway
) -> AsyncIterator[Api]:
    settings = {"smtp_host": "127.0.0.1", "smtp_port": inbox[1], "smtp_from": "rdv@town.example"}
    async with serving(sqlite_url, seeder(sqlite_url), **settings, sms_url=gateway.url, sms_token="gw-secret") as api:
        yield api


async def book(api: Api, language: str, **contact: Any) -> dict[str, Any]:
    body = {"service": "B", "slot_at": SLOT, "language": language, **contact}
    r = await api.http.post("/api/offices/town/bookings", json=body)
    assert r.status_code == 201, r.text
    await api.parts.messenger.drain()
    return dict(r.json())


def body_of(mail: EmailMessage) -> str:
    part = mail.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content())


def path_of(url: str) -> str:
    return httpx.URL(url).path


async def test_the_confirmation_arrives_in_the_citizens_language_with_links_that_work(
    api: Api, inbox: tuple[Inbox, int]
) -> None:
    booked = await book(api, "fr", email="zoe@example.org", remind_via="email")
    [mail] = inbox[0].mails
    assert mail["To"] == "zoe@example.org"
    text = body_of(mail)
    assert booked["code"] in text
    assert "11:00" in text
    assert "Passeport" in text or "Passport" in text
    assert "rendez-vous" in text.lower()  # French, not English
    assert booked["manage_url"] in text
    assert booked["cancel_url"] in text
    seen = await api.http.get(path_of(booked["manage_url"]).replace("/booking/", "/api/bookings/"))
    assert seen.json()["code"] == booked["code"]


async def test_a_citizen_who_chose_sms_gets_the_confirmation_by_sms_too(api: Api, gateway: Gateway) -> None:
    booked = await book(api, "nl", phone="0470 12 34 56", remind_via="sms")
    [sms] = gateway.texts
    assert (sms["to"], sms["auth"]) == ("+32470123456", "Bearer gw-secret")
    assert booked["code"] in sms["text"]
    assert booked["cancel_url"] in sms["text"]


async def test_cancelling_is_confirmed_by_mail(api: Api, inbox: tuple[Inbox, int]) -> None:
    booked = await book(api, "nl", email="zoe@example.org")
    r = await api.http.post(path_of(booked["manage_url"]).replace("/booking/", "/api/bookings/") + "/cancel")
    assert r.status_code == 200
    await api.parts.messenger.drain()
    assert len(inbox[0].mails) == 2
    assert "geannuleerd" in body_of(inbox[0].mails[1]).lower()


async def test_the_reminder_is_sent_once_the_day_before_on_the_chosen_medium(
    api: Api, inbox: tuple[Inbox, int], gateway: Gateway
) -> None:
    api.clock.now -= timedelta(days=2)  # booked on Saturday for Monday
    await book(api, "en", email="zoe@example.org", phone="+32470123456", remind_via="sms")
    assert (len(inbox[0].mails), len(gateway.texts)) == (1, 1)
    await run_in_threadpool(housekeeping.bookings_round, api.parts)
    assert len(gateway.texts) == 1  # Saturday: more than 24 hours ahead
    api.clock.advance(days=1, hours=2)  # Sunday 11:30, 23.5 hours ahead
    for _ in range(2):
        await run_in_threadpool(housekeeping.bookings_round, api.parts)
    assert len(gateway.texts) == 2
    assert gateway.texts[1]["text"].startswith("Reminder")
    assert len(inbox[0].mails) == 1  # the reminder goes on the chosen medium only


async def test_a_booking_never_checked_in_becomes_a_no_show_after_fifteen_minutes(api: Api) -> None:
    booked = await book(api, "nl", phone="+32470123456")
    link = path_of(booked["manage_url"]).replace("/booking/", "/api/bookings/")
    api.clock.advance(minutes=90 + 15)  # 09:30 -> 11:15, the 11:00 slot 15 minutes later
    await run_in_threadpool(housekeeping.bookings_round, api.parts)
    assert (await api.http.get(link)).json()["state"] == "booked"
    api.clock.advance(minutes=1)
    await run_in_threadpool(housekeeping.bookings_round, api.parts)
    assert (await api.http.get(link)).json()["state"] == "no_show"


async def test_the_purge_leaves_no_personal_data_past_its_date(api: Api) -> None:
    booked = await book(api, "nl", name="Zoë Peeters", email="zoe@example.org", phone="+32470123456")
    link = path_of(booked["manage_url"]).replace("/booking/", "/api/bookings/")
    db = api.seeded.db
    now = api.clock.now + timedelta(days=30)
    assert housekeeping.purge_bookings(db, now, timedelta(days=30)) == 0  # 30 days after booking, not the slot
    now += timedelta(hours=2)
    assert housekeeping.purge_bookings(db, now, timedelta(days=30)) == 1
    assert (await api.http.get(link)).status_code == 404
    rows = db.read(lambda repo: repo.bookings_between("town", now - timedelta(days=60), now))
    assert [(b.code, b.name, b.email, b.phone, b.manage_token) for b in rows] == [
        (booked["code"], None, None, None, None)
    ]
