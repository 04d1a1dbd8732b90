"""Settings of /quote and /discount: the choices the spec leaves open (spec §3 [config]).

Env-overridable with the prefix `GTMBOT_QUOTE_`; the defaults are the spec's resolutions and the
handbook's names. Listeners read them once and pass plain values into the services.
"""

from __future__ import annotations

from typing import Literal

from pydantic_settings import BaseSettings, SettingsConfigDict


class QuoteSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GTMBOT_QUOTE_", extra="ignore")

    # Spec A1: lever-1 basis for terms over 12 months. "annual" (credit x 12 / term months) is the
    # conservative reading; "total" prices the whole multi-year credit.
    volume_basis: Literal["annual", "total"] = "annual"
    # 002_59a801b964a2a19e.txt:4450: Ben Bradley clears TAEs/TAMs, Simon Fisher clears CSMs.
    approver_tae_tam: str = "Ben Bradley"
    approver_csm: str = "Simon Fisher"
    # 002_59a801b964a2a19e.txt:4641: card payments for upfront purchases.
    card_contact: str = "Mine (Simon as backup)"
    # 002_59a801b964a2a19e.txt:5042: legal redlines.
    legal_contact: str = "Hector or Fraser in #legal"


def load_quote_settings() -> QuoteSettings:
    return QuoteSettings()
