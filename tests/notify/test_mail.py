"""E-mail over SMTP against a real aiosmtpd server on loopback (its Controller runs its own thread and loop)."""

from __future__ import annotations

import email.policy
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from email.parser import BytesParser
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from notify.compose import confirmation
from notify.errors import NotSent
from notify.mail import SmtpConfig, send_email
from settings import Settings
from tests.notify.support import free_port, make_notice

ADDRESS = "zoe.lefevre@example.be"
SENDER = "loket@brussel.example.be"


class Inbox:
    """An aiosmtpd handler that keeps every envelope it accepts."""

    def __init__(self) -> None:
        self.envelopes: list[Envelope] = []

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


class RefusingRecipients:
    """Refuses every recipient, quoting the address back as real servers do."""

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"


class BusyAtData:
    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        return f"451 4.3.0 Try again later, {envelope.rcpt_tos[0]}"


class Authenticator:
    def __call__(
        self, server: SMTP, session: Session, envelope: Envelope, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data == (b"loket", b"s3cret")
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 235 or 535 itself


@contextmanager
def running(handler: object, **smtp_options: Any) -> Iterator[Controller]:
    """A real SMTP server on a free loopback port, in the Controller's own thread, for the ``with`` block."""
    controller = Controller(handler, hostname="127.0.0.1", port=free_port(), **smtp_options)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, Controller]]:
    handler = Inbox()
    with running(handler) as controller:
        yield handler, controller


def config_for(controller: Controller, **changes: Any) -> SmtpConfig:
    return SmtpConfig(host="127.0.0.1", port=int(controller.port), sender=SENDER, timeout_s=5.0, **changes)


def parse(envelope: Envelope) -> EmailMessage:
    assert isinstance(envelope.content, bytes)
    message = BytesParser(policy=email.policy.default).parsebytes(envelope.content)
    assert isinstance(message, EmailMessage)
    return message


def test_an_email_arrives_with_subject_sender_recipient_and_accented_utf8_text(inbox: tuple[Inbox, Controller]) -> None:
    handler, controller = inbox
    message = confirmation(make_notice(language="fr", citizen_name="Zoë Lefèvre", service_name="Carte d'identité"))

    send_email(config_for(controller), ADDRESS, message)

    [envelope] = handler.envelopes
    assert envelope.mail_from == SENDER
    assert envelope.rcpt_tos == [ADDRESS]
    received = parse(envelope)
    assert received["Subject"] == message.subject
    assert received["To"] == ADDRESS
    assert received["From"] == SENDER
    assert received["Auto-Submitted"] == "auto-generated"
    plain = received.get_body(("plain",))
    assert plain is not None
    assert plain.get_content_charset() == "utf-8"
    body = plain.get_content()
    assert "Bonjour Zoë Lefèvre," in body
    assert "Votre rendez-vous est confirmé." in body
    assert body.replace("\r\n", "\n") == message.text
    html = received.get_body(("html",))
    assert html is not None
    assert "Carte d&#x27;identité" in html.get_content()


def test_an_email_without_html_is_plain_text_only(inbox: tuple[Inbox, Controller]) -> None:
    handler, controller = inbox
    message = confirmation(make_notice())
    plain_only = type(message)(subject=message.subject, text=message.text, html=None, sms=message.sms)

    send_email(config_for(controller), ADDRESS, plain_only)

    received = parse(handler.envelopes[0])
    assert received.get_content_type() == "text/plain"
    assert "Beste Zoë Peeters," in received.get_content()


def test_the_client_logs_in_when_a_user_is_configured() -> None:
    handler = Inbox()
    with running(handler, authenticator=Authenticator(), auth_require_tls=False) as controller:
        send_email(config_for(controller, username="loket", password="s3cret"), ADDRESS, confirmation(make_notice()))
        with pytest.raises(NotSent, match="refused the login") as refused:
            send_email(config_for(controller, username="loket", password="wrong"), ADDRESS, confirmation(make_notice()))

    assert len(handler.envelopes) == 1
    assert "wrong" not in str(refused.value)


def test_a_refused_recipient_is_a_permanent_failure_that_does_not_name_the_address() -> None:
    with running(RefusingRecipients()) as controller, pytest.raises(NotSent) as refused:
        send_email(config_for(controller), ADDRESS, confirmation(make_notice()))

    assert str(refused.value) == "the SMTP server refused the recipient (550)"
    assert refused.value.permanent
    assert refused.value.__suppress_context__  # the original, which quotes the address, stays out of tracebacks


def test_a_temporary_refusal_may_be_tried_again_and_does_not_name_the_address() -> None:
    with running(BusyAtData()) as controller, pytest.raises(NotSent) as busy:
        send_email(config_for(controller), ADDRESS, confirmation(make_notice()))

    assert str(busy.value) == "the SMTP server answered 451"
    assert not busy.value.permanent


def test_nobody_listening_is_a_temporary_failure() -> None:
    config = SmtpConfig(host="127.0.0.1", port=free_port(), timeout_s=2.0)

    with pytest.raises(NotSent) as refused:
        send_email(config, ADDRESS, confirmation(make_notice()))

    assert str(refused.value) == "connection to the SMTP server refused"
    assert not refused.value.permanent
    assert ADDRESS not in str(refused.value)


def test_a_server_that_never_greets_times_out() -> None:
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        config = SmtpConfig(host="127.0.0.1", port=silent.getsockname()[1], timeout_s=0.3)

        with pytest.raises(NotSent, match="did not answer in time"):
            send_email(config, ADDRESS, confirmation(make_notice()))


def test_tls_against_a_plain_server_fails_cleanly(inbox: tuple[Inbox, Controller]) -> None:
    handler, controller = inbox

    with pytest.raises(NotSent, match="TLS"):
        send_email(config_for(controller, ssl=True), ADDRESS, confirmation(make_notice()))
    with pytest.raises(NotSent, match="does not support"):
        send_email(config_for(controller, starttls=True), ADDRESS, confirmation(make_notice()))
    assert handler.envelopes == []


@pytest.mark.parametrize("address", ["zoe@example.be\r\nBcc: everyone@example.be", "zoe@example.be\nX: y"])
def test_an_address_that_would_inject_headers_is_refused_before_connecting(address: str) -> None:
    config = SmtpConfig(host="127.0.0.1", port=free_port())

    with pytest.raises(NotSent) as refused:
        send_email(config, address, confirmation(make_notice()))

    assert refused.value.permanent
    assert "zoe" not in str(refused.value)


def test_the_password_stays_out_of_the_config_repr() -> None:
    assert "s3cret" not in repr(SmtpConfig(host="smtp.example.be", username="loket", password="s3cret"))


def test_settings_without_an_smtp_host_turn_email_off() -> None:
    assert SmtpConfig.from_settings(Settings(smtp_host=None)) is None


def test_settings_give_the_whole_smtp_config() -> None:
    settings = Settings(
        smtp_host="smtp.example.be",
        smtp_port=465,
        smtp_from="afspraken@brussel.example.be",
        smtp_user="loket",
        smtp_password="s3cret",
        smtp_ssl=True,
    )

    assert SmtpConfig.from_settings(settings) == SmtpConfig(
        host="smtp.example.be",
        port=465,
        sender="afspraken@brussel.example.be",
        username="loket",
        password="s3cret",
        ssl=True,
    )
