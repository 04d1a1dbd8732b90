"""Settings of the importer and `gtmbot sync vitally` (env-overridable; IMPORT.md §12 defaults)."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

# IMPORT.md §12: Vitally trait names as the handbook's workspace spells them. `{product}` stands for
# a product name of IMPORT.md §7 (e.g. "session_replay_billing_limit"); "Paying for {Product}" uses
# the product's display name ("Paying for Session Replay").
DEFAULT_TRAIT_MAP: dict[str, str] = {
    "new_owner": "New Owner",
    "arr": "arr",
    "forecasted_mrr": "forecasted_mrr",
    "paying_for": "Paying for {Product}",
    "paid_products": "paidProducts",
    "billing_limit": "{product}_billing_limit",
    "last_month": "{product}_last_month",
    "stripe_customer_id": "Stripe Customer ID",
    "zendesk_id": "zendesk_id",
    "active_batch_exports": "active_batch_exports",
    "risk_indicators": "risk_indicators",
    "active_users_30d": "active_users_30d",
    "event_count": "Total event count",
    "site_url": "siteURL",
    "health_label": "Health Score Label",
}


class ImporterSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # VITALLY_TRAIT_MAP: JSON object overriding entries of DEFAULT_TRAIT_MAP, e.g.
    # '{"arr": "ARR (USD)", "event_count": "Events last week"}'.
    vitally_trait_map: dict[str, str] = Field(default_factory=dict)
    # Page size for Vitally's cursor pagination (its documented maximum is 100).
    vitally_page_size: int = Field(default=100, ge=1, le=100)
    # Records written per database transaction during a sync.
    vitally_batch_size: int = Field(default=200, ge=1)
    # Retries of one request on 429 / 5xx / network errors before the sync gives up.
    vitally_max_retries: int = Field(default=5, ge=0)
    vitally_timeout_seconds: float = Field(default=30.0, gt=0)
    # Vitally's web app, for `vitally_url` (e.g. https://acme.vitally.io); unset = not filled.
    vitally_app_url: str | None = None
    # Open (the handbook gives no bands): a Vitally score without a label trait becomes
    # Good at >= this, Concerning at >= VITALLY_HEALTH_CONCERNING_MIN, else Poor.
    vitally_health_good_min: float = Field(default=7.0, ge=0, le=10)
    vitally_health_concerning_min: float = Field(default=4.0, ge=0, le=10)

    def trait_map(self) -> dict[str, str]:
        return {**DEFAULT_TRAIT_MAP, **self.vitally_trait_map}
