"""Billing-alert settings: the spec's open choices (billing-alerts.md §9), overridable from the
environment. Defaults come from `services.billing.policy`, where each number carries its citation.
The channel is the foundation's SALES_ALERTS_CHANNEL (`bot.settings.Settings.sales_alerts_channel`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from services.billing import policy as P

NameList = Annotated[tuple[str, ...], NoDecode]


class BillingSettings(BaseSettings):
    """Read once at start-up; services receive the plain values, never this object."""

    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    payg_max_attempts: int = Field(P.PAYG_MAX_ATTEMPTS, ge=1)
    payg_day0: Literal["first_failure", "retries_exhausted"] = "first_failure"
    suspend_after_days: int = Field(P.SUSPEND_AFTER_DAYS, ge=2)
    cancel_after_suspend_days: int = Field(P.CANCEL_AFTER_SUSPEND_DAYS, ge=2)
    pre_notice_days: int = Field(P.PRE_NOTICE_DAYS, ge=1)
    unmanaged_escalation_threshold_usd: Decimal = P.UNMANAGED_ESCALATION_THRESHOLD_USD
    escalation_unmanaged_large: NameList = P.ESCALATION_UNMANAGED_LARGE
    escalation_no_owner: NameList = P.ESCALATION_NO_OWNER
    no_owner_fallback_users: NameList = P.CREDITBOT_NO_OWNER_FALLBACK
    repeat_missed_periods: int = Field(P.REPEAT_MISSED_PERIODS, ge=1)
    advance_months: int = Field(P.ADVANCE_MONTHS, ge=1)
    backlog_days: int = Field(P.BACKLOG_DAYS, ge=0)
    billing_tz: str = "UTC"
    creditbot_cron: str = P.CREDITBOT_CRON
    creditbot_include_startup: bool = False
    default_term_months: int = Field(P.DEFAULT_TERM_MONTHS, ge=1, le=60)
    burn_max_invoices: int = Field(P.BURN_MAX_INVOICES, ge=1)
    burn_lookback_days: int = Field(P.BURN_LOOKBACK_DAYS, ge=1)
    burn_min_days: int = Field(P.BURN_MIN_DAYS, ge=1)
    realert_earlier_days: int = Field(P.REALERT_EARLIER_DAYS, ge=1)
    episode_reset_ok_days: int = Field(P.EPISODE_RESET_OK_DAYS, ge=1)
    early_renewal_days: int = Field(P.EARLY_RENEWAL_DAYS, ge=0)
    payments_reconcile_interval: int = Field(P.PAYMENTS_RECONCILE_MINUTES, ge=1)
    payments_audit_cron: str = P.PAYMENTS_AUDIT_CRON

    @field_validator("escalation_unmanaged_large", "escalation_no_owner", "no_owner_fallback_users", mode="before")
    @classmethod
    def _split_names(cls, value: object) -> object:
        """`ESCALATION_NO_OWNER="Simon, U0LEAD1"`: comma-separated names or Slack ids."""
        if isinstance(value, str):
            return tuple(part.strip() for part in value.split(",") if part.strip())
        return value


def load_billing_settings() -> BillingSettings:
    return BillingSettings()
