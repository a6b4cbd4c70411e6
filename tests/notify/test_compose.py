"""Composing the messages: the citizen's language, the office's local time, links, checklist, escaping, SMS size."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pytest

from notify.compose import SMS_MAX_CHARS, BookingNotice, Message, cancellation, confirmation, reminder, when
from tests.notify.support import CANCEL_URL, MANAGE_URL, SUMMER, WINTER, make_notice

Compose = Callable[[BookingNotice], Message]

# (language, season, what Babel and the catalogs must write): the same 10:30 in Brussels, winter and summer.
MOMENTS = [
    ("nl", WINTER, "dinsdag 8 december 2026 om 10:30"),
    ("nl", SUMMER, "dinsdag 7 juli 2026 om 10:30"),
    ("fr", WINTER, "mardi 8 décembre 2026 à 10:30"),
    ("fr", SUMMER, "mardi 7 juillet 2026 à 10:30"),
    ("en", WINTER, "Tuesday, 8 December 2026 at 10:30"),
    ("en", SUMMER, "Tuesday, 7 July 2026 at 10:30"),
]
# A word each language must use, and English words a translated text must not contain.
WORDS = {
    "nl": ("afspraak", ("appointment", "Please", "Booking code")),
    "fr": ("rendez-vous", ("appointment", "Please", "Booking code")),
    "en": ("appointment", ("afspraak", "rendez-vous")),
}
KINDS: list[tuple[str, Compose]] = [
    ("confirmation", confirmation),
    ("reminder", reminder),
    ("cancellation", cancellation),
]
WITH_LINKS: list[tuple[str, Compose]] = KINDS[:2]


def moment_id(value: object) -> str:
    return value.strftime("%b") if isinstance(value, datetime) else str(value)


@pytest.mark.parametrize(("language", "slot_at", "local"), MOMENTS, ids=moment_id)
@pytest.mark.parametrize(("kind", "compose"), KINDS, ids=[kind for kind, _ in KINDS])
def test_every_message_gives_the_code_and_the_local_time_in_the_citizens_language(
    kind: str, compose: Compose, language: str, slot_at: datetime, local: str
) -> None:
    message = compose(make_notice(language=language, slot_at=slot_at))

    assert local in message.subject
    assert local in message.text
    assert "K7QX-M4TP" in message.text
    assert "K7QX-M4TP" in message.sms
    assert local in message.sms
    assert message.html is not None
    assert local in message.html
    word, foreign = WORDS[language]
    assert word in message.subject.lower() + message.text.lower()
    assert not [english for english in foreign if english in message.text]
    # The UTC hour must not leak through as if it were local.
    assert "09:30" not in message.text
    assert "08:30" not in message.text


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(("kind", "compose"), WITH_LINKS, ids=[kind for kind, _ in WITH_LINKS])
def test_confirmation_and_reminder_carry_the_cancel_link_the_manage_link_and_the_checklist(
    kind: str, compose: Compose, language: str
) -> None:
    message = compose(make_notice(language=language))

    assert CANCEL_URL in message.text
    assert MANAGE_URL in message.text
    assert CANCEL_URL in message.sms
    assert "uw oude identiteitskaart" in message.text
    assert "een recente pasfoto" in message.text
    assert message.html is not None
    assert f'href="{CANCEL_URL}"' in message.html
    assert "<li>een recente pasfoto</li>" in message.html


def test_the_reminder_puts_the_cancel_link_before_the_manage_link() -> None:
    text = reminder(make_notice()).text

    assert text.index(CANCEL_URL) < text.index(MANAGE_URL)


def test_the_cancellation_offers_no_cancel_link_and_no_checklist() -> None:
    message = cancellation(make_notice())

    assert CANCEL_URL not in message.text
    assert CANCEL_URL not in message.sms
    assert "pasfoto" not in message.text
    assert "geannuleerd" in message.subject
    assert "geannuleerd" in message.sms


@pytest.mark.parametrize(
    ("language", "subject", "greeting", "lead", "bring"),
    [
        ("nl", "Afspraak bevestigd: ", "Beste Zoë Peeters,", "Uw afspraak is bevestigd.", "Mee te brengen:"),
        ("fr", "Rendez-vous confirmé\u00a0: ", "Bonjour Zoë Peeters,", "Votre rendez-vous est confirmé.", "À apporter"),
        ("en", "Appointment confirmed: ", "Dear Zoë Peeters,", "Your appointment is confirmed.", "Please bring:"),
    ],
)
def test_the_confirmation_reads_naturally_in_each_language(
    language: str, subject: str, greeting: str, lead: str, bring: str
) -> None:
    message = confirmation(make_notice(language=language))

    assert message.subject.startswith(subject)
    assert message.text.startswith(f"{greeting}\n\n{lead}\n\n")
    assert bring in message.text


def test_the_details_are_labelled_lines_in_dutch() -> None:
    text = confirmation(make_notice()).text

    assert "Dienst: Identiteitskaart\n" in text
    assert "Datum en uur: dinsdag 8 december 2026 om 10:30\n" in text
    assert "Waar: Gemeentehuis Brussel, Grasmarkt 1, 1000 Brussel\n" in text
    assert "Boekingscode: K7QX-M4TP\n" in text
    assert "- uw oude identiteitskaart\n- een recente pasfoto\n" in text
    assert text.endswith("Met vriendelijke groeten,\nGemeentehuis Brussel\n")


@pytest.mark.parametrize(("language", "greeting"), [("nl", "Goedendag,"), ("fr", "Bonjour,"), ("en", "Hello,")])
def test_without_a_name_the_greeting_is_general(language: str, greeting: str) -> None:
    message = reminder(make_notice(language=language, citizen_name=None))

    assert message.text.startswith(f"{greeting}\n")


def test_an_empty_checklist_and_a_missing_address_leave_no_empty_lines() -> None:
    message = confirmation(make_notice(checklist=(), office_address=None))

    assert "Mee te brengen" not in message.text
    assert "Waar: Gemeentehuis Brussel\n" in message.text
    assert message.html is not None
    assert "<ul>" not in message.html


def test_names_typed_by_people_are_escaped_in_the_html_and_left_alone_in_the_text() -> None:
    message = confirmation(
        make_notice(
            service_name="Rijbewijs <b>& co",
            office_name='Antenne "Noord" <script>',
            citizen_name="Tom & Jerry",
            checklist=("<i>kopie</i>",),
        )
    )

    assert message.html is not None
    assert "Rijbewijs &lt;b&gt;&amp; co" in message.html
    assert "Antenne &quot;Noord&quot; &lt;script&gt;" in message.html
    assert "Tom &amp; Jerry" in message.html
    assert "<li>&lt;i&gt;kopie&lt;/i&gt;</li>" in message.html
    assert "<b>" not in message.html
    assert "<script>" not in message.html
    assert "Rijbewijs <b>& co" in message.text


def test_the_html_is_marked_with_the_language() -> None:
    message = confirmation(make_notice(language="fr"))

    assert message.html is not None
    assert '<html lang="fr">' in message.html


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(("kind", "compose"), KINDS, ids=[kind for kind, _ in KINDS])
def test_an_sms_with_long_names_is_cut_to_size_but_keeps_code_time_and_link(
    kind: str, compose: Compose, language: str
) -> None:
    notice = make_notice(language=language, office_name="Gemeentehuis " * 30, service_name="Verblijfsvergunning " * 20)

    sms = compose(notice).sms

    assert len(sms) <= SMS_MAX_CHARS
    assert "K7QX-M4TP" in sms
    assert when(notice) in sms
    if compose is not cancellation:
        assert sms.endswith(CANCEL_URL)
    assert "..." in sms


@pytest.mark.parametrize("language", ["nl", "fr", "en"])
@pytest.mark.parametrize(("kind", "compose"), KINDS, ids=[kind for kind, _ in KINDS])
def test_an_ordinary_sms_is_neither_cut_nor_written_with_characters_outside_gsm(
    kind: str, compose: Compose, language: str
) -> None:
    sms = compose(make_notice(language=language)).sms

    assert len(sms) <= 200
    assert "..." not in sms
    # Curly quotes and non-breaking spaces would turn the SMS into UCS-2, 70 characters a part.
    assert not {"’", "\u00a0", "\u202f", "…"} & set(sms)


def test_an_absurdly_long_cancel_link_still_gives_an_sms_of_legal_size() -> None:
    sms = confirmation(make_notice(cancel_url="https://loket.example.be/" + "x" * 400)).sms

    assert len(sms) == SMS_MAX_CHARS
    assert sms.endswith("...")


def test_a_language_tag_with_a_region_or_an_unknown_language_is_understood() -> None:
    assert "afspraak" in confirmation(make_notice(language="nl-BE")).text
    assert "appointment" in confirmation(make_notice(language="de")).text


def test_times_follow_the_office_time_zone_not_the_server() -> None:
    assert when(make_notice(timezone="America/New_York")) == "dinsdag 8 december 2026 om 04:30"


def test_a_notice_refuses_a_time_without_zone() -> None:
    with pytest.raises(ValueError, match="aware"):
        make_notice(slot_at=datetime(2026, 12, 8, 10, 30))


@pytest.mark.parametrize(
    "name",
    ["Ann\nYour account is blocked: pay at https://evil.example", "Ann\u202eevil", "A" * 81],
    ids=["new line and a link", "direction override", "too long"],
)
@pytest.mark.parametrize(("kind", "compose"), KINDS, ids=[kind for kind, _ in KINDS])
def test_a_name_that_does_not_fit_a_greeting_is_not_quoted(kind: str, compose: Compose, name: str) -> None:
    """Names booked before they were checked are still in the database: the letters never write them."""
    message = compose(make_notice(language="en", citizen_name=name))
    for body in (message.text, message.html or "", message.subject):
        assert "evil" not in body
        assert "A" * 81 not in body
        assert "\u202e" not in body


@pytest.mark.parametrize(("kind", "compose"), KINDS, ids=[kind for kind, _ in KINDS])
def test_the_name_is_quoted_in_the_greeting_line_only(kind: str, compose: Compose) -> None:
    message = compose(make_notice(language="en", citizen_name="Zoë Peeters"))
    lines = [line for line in message.text.splitlines() if "Zoë Peeters" in line]
    assert len(lines) == 1
    assert lines[0].startswith("Dear")
    assert "Zoë Peeters" not in message.subject + message.sms
