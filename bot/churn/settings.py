"""Settings of /churn-risk and the weekly digest: the spec's open defaults, env-overridable.

Env names are CHURN_<FIELD>, e.g. CHURN_PAYMENT_UNRESPONSIVE_DAYS=5 or
CHURN_DIGEST_HOUR=7. Handbook numbers are not here: they are cited constants in
services/churn/policy.py. Defaults come from `ChurnPolicy` so each is stated once.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.churn.model import Person
from services.churn.policy import ChurnPolicy
from services.churn.risk import ChurnPeople

_D = ChurnPolicy()


def _dec(value: Fraction) -> Decimal:
    return Decimal(value.numerator) / Decimal(value.denominator)


def _people(text: str) -> tuple[Person, ...]:
    return tuple(Person(part.strip()) for part in text.split(",") if part.strip())


class ChurnSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHURN_", extra="ignore")

    # churn-risk.md §4.2 [INF] thresholds
    usage_recent_window_days: int = _D.usage_recent_window_days
    usage_baseline_windows: int = _D.usage_baseline_windows
    downtrend_noise_floor: Decimal = _dec(_D.downtrend_noise_floor)
    seasonal_yoy_tolerance: Decimal = _dec(_D.seasonal_yoy_tolerance)
    seasonal_min_history_months: int = _D.seasonal_min_history_months
    optimization_note_days: int = _D.optimization_note_days
    owner_fact_memory_days: int = _D.owner_fact_memory_days
    billing_visit_window_days: int = _D.billing_visit_window_days
    billing_context_days: int = _D.billing_context_days
    champion_recent_days: int = _D.champion_recent_days
    ticket_spike_window_days: int = _D.ticket_spike_window_days
    ticket_spike_min: int = _D.ticket_spike_min
    ticket_spike_ratio: Decimal = _dec(_D.ticket_spike_ratio)
    ticket_baseline_days: int = _D.ticket_baseline_days
    warehouse_only_max_inapp_actions_30d: int = _D.warehouse_only_max_inapp_actions_30d
    not_source_of_truth_inapp_actions_30d: int = _D.not_source_of_truth_inapp_actions_30d
    payment_unresponsive_days: int = _D.payment_unresponsive_days
    suggest_flag_min_warnings: int = _D.suggest_flag_min_warnings
    health_stale_days: int = _D.health_stale_days
    usage_stale_days: int = _D.usage_stale_days
    one_sided_days: int = _D.one_sided_days
    points_f: int = _D.points_f
    points_w: int = _D.points_w
    competitor_vendors: str = ",".join(_D.competitor_vendors)  # 002:10670 names Amplitude, Mixpanel

    # The digest (§4.8): when. It posts to the shared CHURN_CHANNEL (bot.settings), the channel the
    # handbook gives churn posts (002:11532, 11963); the time zone is SCHEDULER_TIMEZONE.
    digest_day_of_week: str = "mon"
    digest_hour: int = 8
    digest_minute: int = 0
    # How much of it is in messages (what does not fit is in the attached CSV): accounts per list in
    # the summary (escalations, newly at risk, churned), and per owner's thread reply.
    digest_list_limit: int = Field(default=15, ge=1, le=60)
    digest_owner_limit: int = Field(default=25, ge=1, le=100)

    # People the handbook names; a Slack id or a team member's name (IMPORT.md §4).
    leadership: str = "Ben,Simon"  # 002:11558
    no_owner: str = "Simon"  # 002:3648
    unmanaged_large: str = "Simon,Dana"  # 002:3654
    team_leads: str = ""  # digest cc; empty = every team member with is_team_lead (002:12723, 12742)

    @field_validator("digest_day_of_week")
    @classmethod
    def _day(cls, value: str) -> str:
        value = value.strip().lower()[:3]
        if value not in ("mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            raise ValueError("use a weekday such as mon")
        return value

    def policy(self) -> ChurnPolicy:
        return ChurnPolicy(
            usage_recent_window_days=self.usage_recent_window_days,
            usage_baseline_windows=self.usage_baseline_windows,
            downtrend_noise_floor=Fraction(self.downtrend_noise_floor),
            seasonal_yoy_tolerance=Fraction(self.seasonal_yoy_tolerance),
            seasonal_min_history_months=self.seasonal_min_history_months,
            optimization_note_days=self.optimization_note_days,
            owner_fact_memory_days=self.owner_fact_memory_days,
            billing_visit_window_days=self.billing_visit_window_days,
            billing_context_days=self.billing_context_days,
            champion_recent_days=self.champion_recent_days,
            ticket_spike_window_days=self.ticket_spike_window_days,
            ticket_spike_min=self.ticket_spike_min,
            ticket_spike_ratio=Fraction(self.ticket_spike_ratio),
            ticket_baseline_days=self.ticket_baseline_days,
            warehouse_only_max_inapp_actions_30d=self.warehouse_only_max_inapp_actions_30d,
            not_source_of_truth_inapp_actions_30d=self.not_source_of_truth_inapp_actions_30d,
            payment_unresponsive_days=self.payment_unresponsive_days,
            suggest_flag_min_warnings=self.suggest_flag_min_warnings,
            health_stale_days=self.health_stale_days,
            usage_stale_days=self.usage_stale_days,
            one_sided_days=self.one_sided_days,
            points_f=self.points_f,
            points_w=self.points_w,
            competitor_vendors=tuple(v.strip() for v in self.competitor_vendors.split(",") if v.strip()),
        )

    def people(self, team_leads: tuple[Person, ...] = ()) -> ChurnPeople:
        """People as named in settings; the caller may resolve names to Slack ids first."""
        no_owner = _people(self.no_owner)
        return ChurnPeople(
            leadership=_people(self.leadership),
            no_owner=no_owner[0] if no_owner else Person("Simon"),
            unmanaged_large=_people(self.unmanaged_large),
            team_leads=_people(self.team_leads) or team_leads,
        )
