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

    # Scheduler: run jobs inside `serve` (one process wins the database lease).
    scheduler_enabled: bool = True
    scheduler_lease_seconds: int = Field(default=60, ge=10)
    scheduler_timezone: str = "UTC"

    # Where user-facing handbook links point (a company hosting its own copy sets its own).
    handbook_base_url: str = "https://posthog.com/handbook"

    # Outbox sender.
    outbox_max_attempts: int = Field(default=8, ge=1)

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
