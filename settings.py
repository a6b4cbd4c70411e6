"""Settings from the environment (LOKET_*), built by the entry points and passed down; never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOKET_", extra="ignore")

    database_url: str = Field("sqlite:///loket.db", description="sqlite:///FILE or postgresql://USER@HOST/DB")
    public_url: str = Field("http://127.0.0.1:8000", description="Base of the links printed on tickets")
    migrate_on_start: bool = Field(True, description="Bring the database schema up to date at start-up")
    gc_freeze: bool = Field(
        False, description="Freeze what start-up made out of the garbage collector's way (server processes)"
    )
    max_body_bytes: int = Field(16_384, description="Larger request bodies get 413")
    event_retention_days: int = Field(7, description="Events kept for `?since=` replays")
    ws_ping_interval_s: float = Field(20.0, description="Seconds between pings to websocket clients")
    ws_queue_size: int = Field(2000, description="Events buffered per slow websocket client before it must resume")
    bus_poll_interval_s: float = Field(
        2.0, description="Safety net: how often live offices are checked for missed events"
    )
    token_cache_s: float = Field(5.0, description="Seconds a token lookup is remembered (a revocation takes this long)")
    policy: str = Field("loket", description="Who a counter calls next: fifo, appointments-first, loket")
    db_pool_size: int = Field(
        10, ge=1, description="Database connections per worker (PostgreSQL: workers × (this + 2) must fit)"
    )
    metrics_token: str | None = Field(None, description="If set, GET /metrics takes this token (or an admin token)")
    limit_concurrency: int | None = Field(
        None,
        ge=1,
        description="Connections (websockets included) one server process holds before new requests get 503; "
        "unset: half the process's file-handle limit (raised to its hard limit at start-up), at most 10000",
    )

    # Online booking (issue 7).
    booking_weeks: int = Field(6, description="How many weeks ahead citizens can book")
    booking_cap: int = Field(
        3, description="Active (future) bookings allowed per e-mail address or phone number; 0 for no cap"
    )
    booking_day_cap: int = Field(
        6,
        description="Bookings one e-mail address or phone number may make per office and day (cancelled ones "
        "too); 0 for no cap",
    )
    booking_rate_per_hour: int = Field(
        20, description="Bookings, moves and cancellations one client address may make per hour; 0 for no limit"
    )
    purge_after_days: int = Field(30, description="Days after the appointment its personal data is erased")
    no_show_after_min: int = Field(15, description="Minutes after its slot a booking never checked in is a no-show")
    reminder_hours: int = Field(24, description="Hours before the appointment the reminder is sent; 0 for none")
    default_region: str = Field("BE", description="Country of phone numbers written without +country code")

    # Messages to citizens: e-mail over SMTP, SMS through an HTTP gateway. Unset host/URL: that medium is off.
    smtp_host: str | None = Field(None, description="SMTP server; unset: no e-mail is sent")
    smtp_port: int = Field(587, description="SMTP port")
    smtp_from: str = Field("loket@localhost", description="From address of the e-mails")
    smtp_user: str | None = Field(None, description="SMTP login, if the server wants one")
    smtp_password: str | None = Field(None, description="SMTP password")
    smtp_starttls: bool = Field(False, description="Upgrade the SMTP connection with STARTTLS")
    smtp_ssl: bool = Field(False, description="Connect to the SMTP server over TLS from the start (port 465)")
    sms_url: str | None = Field(
        None,
        description="SMS gateway URL; {to} and {text} in it are filled in (URL-encoded) and it is fetched with GET, "
        "otherwise JSON {to, text} is POSTed to it; unset: no SMS is sent",
    )
    messages_per_hour: int = Field(
        200, description="E-mails and SMS one office may send per hour; past it they are withheld; 0 for no limit"
    )
    join_rate_per_hour: int = Field(
        10, description="Joins of the queue from elsewhere one client address may make per hour; 0 for no limit"
    )
    ideas_rate_per_hour: int = Field(
        10, description="Ideas one client address may propose per hour (the /ideas page and the API); 0 for no limit"
    )
    notify_rate_per_hour: int = Field(
        10, description="Requests to be told by e-mail or SMS one client address may make per hour; 0 for no limit"
    )
    sms_token: str | None = Field(None, description="Sent to the SMS gateway as `Authorization: Bearer TOKEN`")

    def status_url(self, token: str = "") -> str:
        """A ticket's status page at the public address (what its QR code opens); without a token, the prefix an
        offline kiosk adds its own tokens to."""
        return f"{self.public_url.rstrip('/')}/t/{token}"
