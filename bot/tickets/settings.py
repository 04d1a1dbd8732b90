"""Settings of the :ticket: -> Zendesk capability (incidents-and-tickets.md A.2, C.8).

Every default the spec marks as a proposal or an operator choice lives here, env-overridable,
and is handed to the pure services as plain values. Handbook-backed defaults cite their line.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

# A.2.4 priority table [proposal]; the handbook only says org tags "inform" prioritisation
# (002_59a801b964a2a19e.txt:3180). Order is precedence: the most favourable tag wins.
DEFAULT_PRIORITY_MAP: dict[str, str] = {
    "priority_customer": "high",  # ARR >= $20K, 002_59a801b964a2a19e.txt:3205
    "paying_customer": "normal",  # 0 < ARR < $20K, 002_59a801b964a2a19e.txt:3223
    "trial": "normal",  # 002_59a801b964a2a19e.txt:3295
    "startup_plan": "normal",  # 002_59a801b964a2a19e.txt:3279
    "churned": "low",  # 002_59a801b964a2a19e.txt:3263
    "non_paying": "low",  # 002_59a801b964a2a19e.txt:3243
}


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [part.strip().lstrip("#") for part in value.split(",") if part.strip()]
    return value


class TicketSettings(BaseSettings):
    """Env names are the field names upper-cased (TICKET_EMOJI, ZENDESK_SET_PRIORITY, ...)."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", case_sensitive=False)

    # The reaction name without colons; :ticket: per 002_59a801b964a2a19e.txt:12625.
    ticket_emoji: str = "ticket"
    # Internal channels (names or ids) where the reaction also opens tickets; 002_59a801b964a2a19e.txt:11028.
    ticket_intake_channels: Annotated[list[str], NoDecode] = Field(
        default_factory=lambda: ["website-contact-sales"]
    )
    # Extra opted-in channels (names or ids) treated like customer channels even if not ext-shared
    # or mapped to an account [proposal]; empty by default.
    ticket_channels: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Where the "couldn't open the ticket yet" alert goes (A.2.9) [proposal].
    ticket_alert_channel: str = "support-customer-success"
    # Synced Slack replies are public comments unless this is false (A.2.5, Part F #11) [proposal].
    ticket_comments_public: bool = True
    zendesk_set_priority: bool = True
    zendesk_priority_map: Annotated[dict[str, str], NoDecode] = Field(
        default_factory=lambda: dict(DEFAULT_PRIORITY_MAP)
    )
    # Custom ticket field read by the "Set user's correct organization ID" Zap (002_59a801b964a2a19e.txt:3306).
    zendesk_org_id_field_id: int | None = None
    # A claimed/creating row older than this is reconciled by external_id (A.2.8 step 4).
    ticket_reconcile_after_s: int = 120
    # If not created within this long, post the one holding message and alert (A.2.9).
    ticket_holding_after_s: int = 120
    # In-request retry delays for Zendesk 5xx/timeouts before the ticket is queued (A.2.9: 1 s, 4 s, 15 s).
    zendesk_retry_delays_s: Annotated[list[float], NoDecode] = Field(default_factory=lambda: [1.0, 4.0, 15.0])
    # Queued tickets are retried this often after the in-request retries fail (A.2.9: every minute, up to 24 h).
    ticket_queue_retry_every_s: int = 60
    ticket_queue_give_up_after_s: int = 24 * 3600
    # At most one comment update per ticket per this many seconds (A.2.7; Zendesk allows 30 per 10 min).
    ticket_sync_min_interval_s: int = 20
    # Description cap, a safe margin under Zendesk's comment size limit (A.2.3 step 5) [proposal].
    ticket_description_max_chars: int = 60_000
    # Zendesk org lookups are cached this long (A.2.4 step 6) [proposal].
    zendesk_org_cache_s: int = 600
    # Zendesk user lookups by email (the author of synced replies, A.2.7) are cached this long [proposal].
    zendesk_user_cache_s: int = 600
    # Cached thread reads: conversations.replies results are reused this long (A.2.10) [proposal].
    ticket_thread_cache_s: int = 60

    @field_validator("ticket_intake_channels", "ticket_channels", mode="before")
    @classmethod
    def _csv(cls, value: object) -> object:
        return _split_csv(value)

    @field_validator("zendesk_retry_delays_s", mode="before")
    @classmethod
    def _delays(cls, value: object) -> object:
        if isinstance(value, str):
            return [float(part) for part in value.split(",") if part.strip()]
        return value

    @field_validator("zendesk_priority_map", mode="before")
    @classmethod
    def _priority_map(cls, value: object) -> object:
        if isinstance(value, str):
            value = json.loads(value)
        if isinstance(value, dict):
            allowed = {"low", "normal", "high", "urgent"}
            bad = {k: v for k, v in value.items() if v not in allowed}
            if bad:
                raise ValueError(
                    f"ZENDESK_PRIORITY_MAP values must be one of {sorted(allowed)}; got {bad}. "
                    'Example: {"priority_customer": "high", "non_paying": "low"}'
                )
        return value

    @field_validator("ticket_emoji", mode="before")
    @classmethod
    def _emoji(cls, value: object) -> object:
        return value.strip().strip(":") if isinstance(value, str) else value


@lru_cache(maxsize=1)
def get_ticket_settings() -> TicketSettings:
    return TicketSettings()
