"""Typed settings, read from CODEBLUE_* environment variables and validated at start-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET = "development-only-secret-change-me"


class Settings(BaseSettings):
    """Everything an operator can configure."""

    model_config = SettingsConfigDict(env_prefix="CODEBLUE_", env_file=".env", extra="ignore")

    env: Literal["development", "production", "test"] = "development"
    database_url: str = "sqlite:///codeblue.db"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    base_url: str = ""
    secret_key: str = DEV_SECRET
    auto_migrate: bool = True
    packs_dir: Path | None = None
    max_body_bytes: int = Field(512 * 1024, ge=1024)
    log_level: str = "info"
    db_pool_size: int = Field(10, ge=1)
    ingest_rate_per_key: float = Field(5000.0, ge=0, description="requests per second per integration key; 0 = off")
    run_engine: bool = Field(True, description="run the engine inside `codeblue serve`")
    notify_max_attempts: int = Field(5, ge=1, le=50)
    notify_retry_base_seconds: float = Field(2.0, gt=0)
    notify_throttle_per_minute: int = Field(20, ge=0, description="messages per contact method per minute; 0 = off")
    twilio_auth_token: str = ""
    engine_selfcheck_seconds: float = Field(60.0, gt=0, description="how often open incidents' timers are checked")
    ingest_max_batch: int = Field(256, ge=1, le=10_000)
    session_idle_hours: float = Field(12.0, gt=0, le=24 * 30, description="a web session unused this long ends")
    session_max_hours: float = Field(7 * 24.0, gt=0, le=24 * 90, description="a web session ends this long after sign-in")
    live_poll_seconds: float = Field(1.0, gt=0, le=60, description="how often live pages look for changes")
    live_stream_seconds: float = Field(30.0, gt=0, le=3600, description="an event stream ends (and the browser "
                                       "reconnects) after this long, so restarts never wait on one")
    metrics_token: str = Field("", description="when set, /metrics needs 'Authorization: Bearer <token>'")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env == "production" and (self.secret_key == DEV_SECRET or len(self.secret_key) < 32):
            raise ValueError("CODEBLUE_SECRET_KEY must be set to at least 32 random characters in production")
        return self

    @property
    def public_url(self) -> str:
        """The address people and senders use to reach this server."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def session_idle(self) -> timedelta:
        return timedelta(hours=self.session_idle_hours)

    @property
    def session_lifetime(self) -> timedelta:
        return timedelta(hours=self.session_max_hours)

    @property
    def https(self) -> bool:
        """Whether people reach the server over TLS: cookies are then Secure and HSTS is sent."""
        return self.public_url.startswith("https://")

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
