"""Typed settings, read from CODEBLUE_* environment variables and validated at start-up."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator
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
    engine_selfcheck_seconds: float = Field(60.0, gt=0, description="how often open incidents' timers are checked")
    # Capped so an acknowledgement racing a page in flight waits at most this long (see notify/gate.py).
    notify_send_timeout_seconds: float = Field(10.0, gt=0, le=30)
    ingest_max_batch: int = Field(256, ge=1, le=10_000)
    session_idle_hours: float = Field(12.0, gt=0, le=24 * 30, description="a web session unused this long ends")
    session_max_hours: float = Field(7 * 24.0, gt=0, le=24 * 90, description="a web session ends this long after sign-in")
    live_poll_seconds: float = Field(1.0, gt=0, le=60, description="how often live pages look for changes")
    live_stream_seconds: float = Field(30.0, gt=0, le=3600, description="an event stream ends (and the browser "
                                       "reconnects) after this long, so restarts never wait on one")
    metrics_token: str = Field("", description="when set, /metrics needs 'Authorization: Bearer <token>'")
    evidence_max_bytes: int = Field(10 * 1024 * 1024, ge=1024, le=512 * 1024 * 1024,
                                    description="largest piece of evidence; uploads to the evidence routes may be this big")
    # Running a runbook's diagnostic commands from the server: off unless an admin turns it on.
    runbook_commands_enabled: bool = False
    runbook_command_allow: list[str] = Field(default_factory=list, description="executables that may run, e.g. [\"aws\"]")
    runbook_command_timeout_seconds: float = Field(30.0, gt=0, le=600)
    runbook_command_output_bytes: int = Field(256 * 1024, ge=1024, le=16 * 1024 * 1024)

    # Channels. Each is configured by its settings; one left without them is simply not built.
    # Webhook, Slack incoming webhook and PagerDuty need nothing but the contact method's address.
    smtp_host: str = ""
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: Literal["none", "starttls", "tls"] = "starttls"
    smtp_from: str = "codeblue@localhost"
    smtp_validate_certs: bool = True
    slack_bot_token: SecretStr = SecretStr("")
    slack_api_url: str = "https://slack.com/api/"
    twilio_account_sid: str = ""
    twilio_auth_token: SecretStr = SecretStr("")  # also verifies Twilio's inbound SMS webhook
    twilio_from_number: str = ""
    twilio_api_url: str = "https://api.twilio.com"
    pagerduty_events_url: str = "https://events.pagerduty.com/v2/enqueue"
    webhook_signing_secret: SecretStr = SecretStr("")

    # Optional single sign-on with OpenID Connect (needs the 'oidc' extra). Set the issuer and client id to turn it on.
    oidc_issuer: str = Field("", description="the provider's issuer URL, e.g. https://login.example.org/realms/x")
    oidc_discovery_url: str = Field("", description="default: the issuer's /.well-known/openid-configuration")
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_allowed_domains: str = Field("", description="comma-separated email domains that may sign in; empty = any")
    oidc_new_user_role: Literal["", "viewer", "responder", "commander", "compliance", "admin"] = Field(
        "", description="role of an account made on a first sign-on; empty = only existing accounts may sign in")
    oidc_role_claim: str = Field("", description="a claim (string or list) naming the role of a new account")
    oidc_role_map: dict[str, str] = Field(default_factory=dict,
                                          description='claim value → role, JSON, e.g. {"oncall-leads": "commander"}')
    oidc_button_label: str = "Sign in with single sign-on"
    # Communications. An incident of these severities gets its own Slack channel when the bot token is set.
    slack_incident_channel_severities: str = Field("P0,P1", pattern=r"^\s*(P[0-3]\s*(,\s*P[0-3]\s*)*)?$",
                                                   description="comma-separated; empty for none")
    # A status update overdue by this much is escalated to the manager; unset: half the cadence, at least 5 min.
    update_escalate_after_minutes: float | None = Field(None, gt=0, le=24 * 60)
    update_manager_contact: str = Field("engineering_manager", min_length=1, max_length=64,
                                        description="the pack contact an overdue status update escalates to")

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.env != "production":
            return self
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            raise ValueError("CODEBLUE_SECRET_KEY must be set to at least 32 random characters in production")
        if self.smtp_username and self.smtp_security == "none":
            raise ValueError("CODEBLUE_SMTP_SECURITY=none would send the SMTP password in clear; use starttls or tls")
        if self.oidc_issuer and not self.oidc_issuer.startswith("https://"):
            raise ValueError("CODEBLUE_OIDC_ISSUER must be an https:// URL in production")
        for name in ("slack_api_url", "twilio_api_url", "pagerduty_events_url"):
            if not getattr(self, name).startswith("https://"):
                raise ValueError(f"CODEBLUE_{name.upper()} must be an https:// URL in production")
        return self

    @model_validator(mode="after")
    def _complete_channels(self) -> Settings:
        # Half a channel's settings is a typo, not a choice: say so at start-up rather than drop pages later.
        if bool(self.smtp_username) != bool(self.smtp_password.get_secret_value()):
            raise ValueError("CODEBLUE_SMTP_USERNAME and CODEBLUE_SMTP_PASSWORD go together")
        if self.smtp_username and not self.smtp_host:
            raise ValueError("CODEBLUE_SMTP_USERNAME is set but CODEBLUE_SMTP_HOST is not")
        if self.twilio_account_sid or self.twilio_from_number:
            missing = [f"CODEBLUE_TWILIO_{n.upper()}" for n in ("account_sid", "auth_token", "from_number")
                       if not _value(getattr(self, f"twilio_{n}"))]
            if missing:
                raise ValueError(f"Twilio is half configured: {', '.join(missing)} missing")
        if bool(self.oidc_issuer) != bool(self.oidc_client_id):
            raise ValueError("CODEBLUE_OIDC_ISSUER and CODEBLUE_OIDC_CLIENT_ID go together")
        roles = {"viewer", "responder", "commander", "compliance", "admin"}
        wrong = sorted(v for v in self.oidc_role_map.values() if v not in roles)
        if wrong:
            raise ValueError(f"CODEBLUE_OIDC_ROLE_MAP maps to unknown roles: {', '.join(wrong)}")
        return self

    @property
    def public_url(self) -> str:
        """The address people and senders use to reach this server."""
        return (self.base_url or f"http://{self.host}:{self.port}").rstrip("/")

    @property
    def chat_channel_severities(self) -> frozenset[str]:
        return frozenset(p.strip() for p in self.slack_incident_channel_severities.split(",") if p.strip())

    @property
    def update_escalate_after(self) -> timedelta | None:
        return None if self.update_escalate_after_minutes is None else timedelta(minutes=self.update_escalate_after_minutes)

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
    def oidc_enabled(self) -> bool:
        return bool(self.oidc_issuer and self.oidc_client_id)

    @property
    def oidc_discovery(self) -> str:
        return self.oidc_discovery_url or self.oidc_issuer.rstrip("/") + "/.well-known/openid-configuration"

    @property
    def oidc_domains(self) -> frozenset[str]:
        return frozenset(d.strip().lower().lstrip("@") for d in self.oidc_allowed_domains.split(",") if d.strip())

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _value(value: str | SecretStr) -> str:
    return value.get_secret_value() if isinstance(value, SecretStr) else value
