"""Operator contract: every environment variable DESIGN.md names, plus the
channels and people the handbook fixes, with the handbook's values as defaults.

Capability-specific policy defaults live in their own `bot/<capability>/settings.py`
so each capability can be changed without touching the others."""

from __future__ import annotations

from functools import lru_cache

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # Slack credentials and endpoint.
    slack_bot_token: SecretStr | None = None
    slack_signing_secret: SecretStr | None = None
    slack_app_token: SecretStr | None = None
    slack_api_url: str = "https://slack.com/api/"
    # The installing workspace; when unset it is learnt from auth.test.
    slack_team_id: str | None = None

    database_url: str = "sqlite:///gtmbot.db"

    stripe_api_key: SecretStr | None = None
    stripe_webhook_secret: SecretStr | None = None
    stripe_api_base: str = "https://api.stripe.com"

    zendesk_url: str | None = None
    zendesk_email: str | None = None
    zendesk_api_token: SecretStr | None = None

    vitally_api_url: str = "https://rest.vitally.io"
    vitally_api_key: SecretStr | None = None

    # Channels the handbook names (002_59a801b964a2a19e.txt:12592-12672, slack-channels page).
    # Values are channel names or ids; names are resolved to ids once at start-up.
    sales_alerts_channel: str = "sales-alerts"
    churn_channel: str = "customer-churn"
    cs_sales_support_channel: str = "group-cs-sales-support"
    support_cs_channel: str = "support-customer-success"

    # The weekly handbook check (docs/handbook-check.md): a local copy of the handbook kept current by
    # the operator (unset: the job does nothing), the channel its drift report goes to, and the policy
    # owners it tags per rule area: "quotes=U123,U456;churn=U789" (bot.handbook_check.owners).
    handbook_path: str | None = None
    sales_ops_channel: str = "sales-ops"
    handbook_owners: str = ""

    # Scheduler: run jobs inside `serve` (one process wins the database lease).
    scheduler_enabled: bool = True
    scheduler_lease_seconds: int = Field(default=60, ge=10)
    scheduler_timezone: str = "UTC"

    # Where user-facing handbook links point (a company hosting its own copy sets its own).
    handbook_base_url: str = "https://posthog.com/handbook"

    # Outbox sender.
    outbox_max_attempts: int = Field(default=8, ge=1)

    # Every client's timeouts and its one retry policy (bot/retry.py; README "Retries and uncertain
    # writes"): 429s wait Retry-After (capped); 5xx/timeouts on reads back off base*2^n (capped, jittered).
    slack_timeout_s: float = Field(default=15.0, gt=0)
    stripe_timeout_s: float = Field(default=30.0, gt=0)
    zendesk_timeout_s: float = Field(default=10.0, gt=0)
    retry_max_attempts: int = Field(default=4, ge=1)
    retry_backoff_base_s: float = Field(default=0.5, ge=0)
    retry_backoff_cap_s: float = Field(default=8.0, ge=0)
    retry_after_cap_s: float = Field(default=120.0, ge=0)

    # Work in flight (bot.recovery): every process records a heartbeat this often; work claimed by a
    # process whose heartbeat is older than WORK_STALE_SECONDS is taken over by a live one, which looks
    # for such work every WORK_RECOVERY_SECONDS. A request replayed this many times is given up.
    work_heartbeat_seconds: float = Field(default=3.0, gt=0)
    work_stale_seconds: float = Field(default=10.0, gt=0)
    work_recovery_seconds: float = Field(default=2.0, gt=0)
    inbound_max_attempts: int = Field(default=3, ge=1)
    # Done inbound records are kept this long to drop Slack's redeliveries (it retries for minutes).
    inbound_retention_hours: int = Field(default=24, ge=1)

    log_level: str = "INFO"
    log_json: bool = False

    @property
    def bot_token(self) -> str | None:
        return self.slack_bot_token.get_secret_value() if self.slack_bot_token else None

    @property
    def signing_secret(self) -> str | None:
        return self.slack_signing_secret.get_secret_value() if self.slack_signing_secret else None


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
