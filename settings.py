"""Settings from the environment (LOKET_*), built by the entry points and passed down; never at import."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="LOKET_", extra="ignore")

    database_url: str = Field("sqlite:///loket.db", description="sqlite:///FILE or postgresql://USER@HOST/DB")
    public_url: str = Field("http://127.0.0.1:8000", description="Base of the links printed on tickets")
    migrate_on_start: bool = Field(True, description="Bring the database schema up to date at start-up")
    max_body_bytes: int = Field(16_384, description="Larger request bodies get 413")
    event_retention_days: int = Field(7, description="Events kept for `?since=` replays")
    ws_ping_interval_s: float = Field(20.0, description="Seconds between pings to websocket clients")
    ws_queue_size: int = Field(2000, description="Events buffered per slow websocket client before it must resume")
    bus_poll_interval_s: float = Field(
        2.0, description="Safety net: how often live offices are checked for missed events"
    )
    token_cache_s: float = Field(5.0, description="Seconds a token lookup is remembered (a revocation takes this long)")
    policy: str = Field("loket", description="Who a counter calls next: fifo, appointments-first, loket")
    db_pool_size: int = 10
