"""CHURN_* environment settings feed the policy the services use (churn-risk.md §4.2)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from pydantic import ValidationError

from bot.churn.settings import ChurnSettings
from services.churn.policy import ChurnPolicy


def test_defaults_are_the_spec_defaults(monkeypatch):
    for key in list(__import__("os").environ):
        if key.startswith("CHURN_"):
            monkeypatch.delenv(key)
    s = ChurnSettings()
    assert s.policy() == ChurnPolicy()
    assert (s.digest_day_of_week, s.digest_hour, s.digest_minute) == ("mon", 8, 0)
    people = s.people()
    assert [p.label for p in people.leadership] == ["Ben", "Simon"]
    assert people.no_owner.label == "Simon" and [p.label for p in people.unmanaged_large] == ["Simon", "Dana"]


def test_env_overrides(monkeypatch):
    monkeypatch.setenv("CHURN_PAYMENT_UNRESPONSIVE_DAYS", "5")
    monkeypatch.setenv("CHURN_SEASONAL_YOY_TOLERANCE", "0.05")
    monkeypatch.setenv("CHURN_COMPETITOR_VENDORS", "Amplitude, Heap")
    monkeypatch.setenv("CHURN_LEADERSHIP", "U0BEN,U0SIMON")
    s = ChurnSettings()
    policy = s.policy()
    assert policy.payment_unresponsive_days == 5
    assert policy.seasonal_yoy_tolerance == Fraction(1, 20)
    assert policy.competitor_vendors == ("Amplitude", "Heap")
    assert all(p.is_slack_id for p in s.people().leadership)


def test_bad_weekday_is_rejected(monkeypatch):
    monkeypatch.setenv("CHURN_DIGEST_DAY_OF_WEEK", "someday")
    with pytest.raises(ValidationError):
        ChurnSettings()
