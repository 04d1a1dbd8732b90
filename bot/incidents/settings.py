"""Settings for `/incident` (spec C.8): channels, CMOC rota, working hours, pacing, reminder leads.

Every value is overridable from the environment under the name shown; defaults are the
handbook's where it has one (cited), otherwise the spec's [proposal]. Services never read
this: listeners and jobs pass plain values in.
"""

from __future__ import annotations

import json
from functools import cached_property

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.incidents.policy import RotaPair, WorkingWindow, parse_window

# IMPORT.md §4: regions are US / EU / APAC; the handbook's Americas / EMEA are synonyms (4221).
REGION_SYNONYMS = {"americas": "US", "us": "US", "emea": "EU", "eu": "EU", "apac": "APAC"}


def _split(value: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in value.replace(";", ",").split(",") if part.strip())


class IncidentSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", frozen=True)

    # 002_59a801b964a2a19e.txt:4223 "All coordination … in #group-cs-sales-support".
    # Unset = the foundation's CS_SALES_SUPPORT_CHANNEL (default group-cs-sales-support).
    incident_coordination_channel: str | None = Field(None, alias="INCIDENT_COORDINATION_CHANNEL")
    # 002_59a801b964a2a19e.txt:4294 "engagement notification channel … #support-customer-success".
    # Unset = the foundation's SUPPORT_CS_CHANNEL (default support-customer-success).
    engagement_channel: str | None = Field(None, alias="ENGAGEMENT_CHANNEL")
    # 002_59a801b964a2a19e.txt:12811 (Slack ids or team names; names resolve against the team directory)
    cmoc_eu: str = Field("Simon,Dana", alias="CMOC_EU")
    cmoc_us: str = Field("Landon,Tyler", alias="CMOC_US")
    # [proposal] spec B.3: the handbook gives no clock hours
    eu_hours: str = Field("Mon-Fri 09:00-18:00 Europe/London", alias="EU_HOURS")
    us_hours: str = Field("Mon-Fri 09:00 America/New_York - 18:00 America/Los_Angeles", alias="US_HOURS")
    # 002_59a801b964a2a19e.txt:4221 names the roles only: JSON {"Americas": [...], "EMEA": [...], "APAC": [...]}
    regional_backups: str = Field('{"Americas": [], "EMEA": [], "APAC": []}', alias="REGIONAL_BACKUPS")
    # [proposal] spec C.2: extra people allowed to declare/broadcast besides the rota and team leads
    cmoc_allowed: str = Field("", alias="CMOC_ALLOWED")
    # 002_59a801b964a2a19e.txt:4284 "Send as … PostHog, not your own user"
    broadcast_username: str = Field("PostHog", alias="BROADCAST_USERNAME")
    broadcast_icon_url: str = Field("", alias="BROADCAST_ICON_URL")
    # spec D.3: 4/s = 240/min, under Slack's "several hundred messages per minute"
    slack_post_rate_per_sec: float = Field(4.0, gt=0, alias="SLACK_POST_RATE_PER_SEC")
    slack_post_burst: int = Field(8, ge=1, alias="SLACK_POST_BURST")
    # issue 18: the pace ramps up from SLACK_POST_RATE_PER_SEC to the workspace's real limit, never above this
    slack_post_rate_max_per_sec: float = Field(50.0, gt=0, alias="SLACK_POST_RATE_MAX_PER_SEC")
    # [proposal] spec C.4 / C.6 / C.7 reminder lead times
    reminder_lead_minutes: int = Field(5, ge=0, alias="INCIDENT_REMINDER_LEAD_MINUTES")
    postmortem_reminder_hours: int = Field(4, ge=0, alias="INCIDENT_POSTMORTEM_REMINDER_HOURS")
    coverage_check_sev1_minutes: int = Field(10, ge=1, alias="INCIDENT_COVERAGE_CHECK_SEV1_MINUTES")
    coverage_check_minutes: int = Field(30, ge=1, alias="INCIDENT_COVERAGE_CHECK_MINUTES")
    handoff_lead_minutes: int = Field(30, ge=0, alias="INCIDENT_HANDOFF_LEAD_MINUTES")
    maintenance_before_hours: int = Field(24, ge=0, alias="INCIDENT_MAINTENANCE_BEFORE_HOURS")
    maintenance_last_call_hours: int = Field(1, ge=0, alias="INCIDENT_MAINTENANCE_LAST_CALL_HOURS")

    @field_validator("eu_hours", "us_hours")
    @classmethod
    def _hours_parse(cls, value: str) -> str:
        parse_window("check", value)  # raises a ValueError with an example
        return value

    @field_validator("regional_backups")
    @classmethod
    def _backups_parse(cls, value: str) -> str:
        _parse_backups(value)
        return value

    @cached_property
    def windows(self) -> dict[str, WorkingWindow]:
        return {"EU": parse_window("EU", self.eu_hours), "US": parse_window("US", self.us_hours)}

    def rota(self, resolve: dict[str, str] | None = None) -> tuple[RotaPair, ...]:
        """EU pair first (12811 names it first). `resolve` maps names to Slack ids."""
        resolve = resolve or {}
        return (
            RotaPair("EU", tuple(resolve.get(x.lower(), x) for x in _split(self.cmoc_eu))),
            RotaPair("US", tuple(resolve.get(x.lower(), x) for x in _split(self.cmoc_us))),
        )

    @cached_property
    def backups(self) -> dict[str, tuple[str, ...]]:
        return _parse_backups(self.regional_backups)

    @cached_property
    def extra_allowed(self) -> tuple[str, ...]:
        return _split(self.cmoc_allowed)


def _parse_backups(value: str) -> dict[str, tuple[str, ...]]:
    example = 'e.g. REGIONAL_BACKUPS=\'{"Americas": ["U0BOB"], "EMEA": [], "APAC": []}\''
    try:
        raw = json.loads(value)
        if not isinstance(raw, dict):
            raise ValueError
        out: dict[str, tuple[str, ...]] = {"US": (), "EU": (), "APAC": ()}
        for region, people in raw.items():
            key = REGION_SYNONYMS[str(region).lower()]
            if not isinstance(people, list):
                raise ValueError
            out[key] = tuple(str(p) for p in people)
        return out
    except (ValueError, KeyError) as exc:
        raise ValueError(f"REGIONAL_BACKUPS must be JSON with regions Americas/EMEA/APAC; {example}") from exc


def load() -> IncidentSettings:
    return IncidentSettings()
