"""Settings of /handover-check: the defaults the spec leaves open, env-overridable.

Each default comes from services/handover/policy.py (where its handbook citation lives), so the
number is stated once. Env names: HANDOVER_<FIELD>, e.g. HANDOVER_ACCOUNT_PLAN_MAX_AGE_DAYS=120.
"""

from __future__ import annotations

from pydantic_settings import BaseSettings, SettingsConfigDict

from services.handover import policy as P
from services.handover.model import Options


class HandoverSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="HANDOVER_", extra="ignore")

    # Spec A8: "up-to-date" account plan = updated within this many days.
    account_plan_max_age_days: int = P.DEFAULT_ACCOUNT_PLAN_MAX_AGE_DAYS
    # Spec A9: true makes an open invoice that is not yet due blocking (FAIL) instead of a warning.
    open_invoice_not_due_blocks: bool = P.DEFAULT_OPEN_INVOICE_NOT_DUE_BLOCKS
    # People named in the policy (DESIGN.md: approvers are settings with the handbook's values).
    allocator: str = "Simon"  # 002_59a801b964a2a19e.txt:2342, :2416, :2960
    top40_deciders: str = "Simon and Ben"  # 002_59a801b964a2a19e.txt:2398
    cs_lead: str = "Dana"  # 002_59a801b964a2a19e.txt:2711

    def options(self) -> Options:
        return Options(
            account_plan_max_age_days=self.account_plan_max_age_days,
            open_invoice_not_due_blocks=self.open_invoice_not_due_blocks,
            allocator=self.allocator,
            top40_deciders=self.top40_deciders,
            cs_lead=self.cs_lead,
        )
