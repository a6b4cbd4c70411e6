"""E-mail to citizens over SMTP, with the standard library only.

``send_email`` blocks (call it from a worker thread, not from ``async def``) and either delivers the message to
the SMTP server or raises ``NotSent``. Configured by the ``LOKET_SMTP_*`` settings: ``SmtpConfig.from_settings``
gives ``None`` when ``LOKET_SMTP_HOST`` is unset, meaning e-mail is off.

- ``LOKET_SMTP_SSL=true``: TLS from the first byte (usually port 465);
- ``LOKET_SMTP_STARTTLS=true``: plain connection upgraded with STARTTLS (usually port 587);
- neither: plain SMTP, for a relay on the same host or network (port 25 or 587).
``LOKET_SMTP_USER`` / ``LOKET_SMTP_PASSWORD`` log in when the server wants it.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import TYPE_CHECKING

from notify.compose import Message
from notify.errors import NotSent

if TYPE_CHECKING:
    from settings import Settings

__all__ = ["NotSent", "SmtpConfig", "build_email", "send_email"]


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    sender: str = "loket@localhost"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    ssl: bool = False
    timeout_s: float = 10.0

    @classmethod
    def from_settings(cls, settings: Settings) -> SmtpConfig | None:
        """The SMTP server of ``settings``; None when ``smtp_host`` is unset (no e-mail is sent)."""
        if not settings.smtp_host:
            return None
        return cls(
            host=settings.smtp_host,
            port=settings.smtp_port,
            sender=settings.smtp_from,
            username=settings.smtp_user or None,
            password=settings.smtp_password,
            starttls=settings.smtp_starttls,
            ssl=settings.smtp_ssl,
        )

    def __repr__(self) -> str:
        # Keep the password out of logs and tracebacks that print the config.
        password = "***" if self.password else None
        return (
            f"SmtpConfig(host={self.host!r}, port={self.port}, sender={self.sender!r}, username={self.username!r}, "
            f"password={password!r}, starttls={self.starttls}, ssl={self.ssl}, timeout_s={self.timeout_s})"
        )


def build_email(config: SmtpConfig, to: str, message: Message) -> EmailMessage:
    """The MIME message: UTF-8 plain text, plus the HTML alternative when there is one."""
    email = EmailMessage()
    try:
        email["From"] = config.sender
        email["To"] = to
    except (ValueError, IndexError):
        # The header parser names the offending address in its error: do not pass it on.
        raise NotSent("not a valid e-mail address", permanent=True) from None
    email["Subject"] = message.subject
    email["Date"] = formatdate(usegmt=True)
    # A domain of our own: without one, make_msgid asks DNS for this host's name, which can hang.
    email["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2] or "localhost")
    # RFC 3834: out-of-office robots must not answer an automatic message.
    email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.text, charset="utf-8")
    if message.html is not None:
        email.add_alternative(message.html, subtype="html", charset="utf-8")
    return email


def send_email(config: SmtpConfig, to: str, message: Message) -> None:
    """Hand ``message`` to the SMTP server for ``to``; raises NotSent on any failure.

    The reasons carry SMTP reply codes and error kinds but never the server's reply text, which often quotes the
    recipient's address ("550 <x@example.org>: unknown user"). ``from None`` keeps the original exception, which
    may hold the address too, out of logged tracebacks.
    """
    email = build_email(config, to, message)
    try:
        with _connect(config) as smtp:
            if config.starttls and not config.ssl:
                smtp.starttls(context=ssl.create_default_context())
            if config.username:
                smtp.login(config.username, config.password or "")
            smtp.send_message(email)
    except smtplib.SMTPRecipientsRefused as exc:
        codes = sorted({code for code, _ in exc.recipients.values()})
        permanent = all(500 <= code < 600 for code in codes)
        raise NotSent(f"the SMTP server refused the recipient ({_codes(codes)})", permanent=permanent) from None
    except smtplib.SMTPAuthenticationError as exc:
        raise NotSent(f"the SMTP server refused the login ({exc.smtp_code})") from None
    except smtplib.SMTPResponseException as exc:
        raise NotSent(f"the SMTP server answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600) from None
    except smtplib.SMTPNotSupportedError:
        # E.g. an address with accents (SMTPUTF8) or STARTTLS on a server without it.
        raise NotSent("the SMTP server does not support what this message needs") from None
    except smtplib.SMTPServerDisconnected as exc:
        # smtplib turns a read that timed out into "disconnected"; the timeout is still its cause.
        if isinstance(exc.__context__, TimeoutError):
            raise NotSent("the SMTP server did not answer in time") from None
        raise NotSent("the SMTP server closed the connection") from None
    except smtplib.SMTPException as exc:
        raise NotSent(f"SMTP error ({type(exc).__name__})") from None
    except ssl.SSLError as exc:
        raise NotSent(f"TLS with the SMTP server failed ({exc.reason or type(exc).__name__})") from None
    except TimeoutError:
        raise NotSent("the SMTP server did not answer in time") from None
    except ConnectionRefusedError:
        raise NotSent("connection to the SMTP server refused") from None
    except OSError as exc:
        raise NotSent(f"cannot reach the SMTP server ({exc.strerror or type(exc).__name__})") from None


def _connect(config: SmtpConfig) -> smtplib.SMTP:
    if config.ssl:
        return smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout_s, context=ssl.create_default_context()
        )
    return smtplib.SMTP(config.host, config.port, timeout=config.timeout_s)


def _codes(codes: list[int]) -> str:
    return ", ".join(str(code) for code in codes)
