"""The spec's open choices are settings: GTMBOT_QUOTE_* changes the answer without a code change."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.quotes.settings import QuoteSettings


def test_defaults_are_the_spec_resolutions(monkeypatch):
    for name in ("VOLUME_BASIS", "APPROVER_TAE_TAM", "APPROVER_CSM", "CARD_CONTACT", "LEGAL_CONTACT"):
        monkeypatch.delenv(f"GTMBOT_QUOTE_{name}", raising=False)
    s = QuoteSettings()
    assert (s.volume_basis, s.approver_tae_tam, s.approver_csm) == ("annual", "Ben Bradley", "Simon Fisher")


def test_a_wrong_basis_is_refused_at_start(monkeypatch):
    monkeypatch.setenv("GTMBOT_QUOTE_VOLUME_BASIS", "yearly")
    with pytest.raises(ValidationError):
        QuoteSettings()


def test_env_settings_reach_the_slack_replies(monkeypatch, bot_factory):
    monkeypatch.setenv("GTMBOT_QUOTE_VOLUME_BASIS", "total")
    monkeypatch.setenv("GTMBOT_QUOTE_APPROVER_CSM", "Sam Roe")
    bot = bot_factory()
    quote = bot.command("/quote", "150k 3y --conversion --signatory-confirmed").text()
    assert quote.startswith("*Price $82,500.00*")  # Q14T: total-credit basis, 45 %
    assert "Conservative reading (annual-credit basis, spec A1): 35.0% → $97,500.00." in quote
    assert "*Approver: Sam Roe*" in bot.command("/discount", "50% 60k --role=csm").text()
