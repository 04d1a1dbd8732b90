"""`gtmbot demo`: the `account` verb finds demo accounts the way every command does."""

from __future__ import annotations

import io

from bot.demo import run_demo


def test_account_lookup_in_the_demo(tmp_path, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", lines=["account acme.io", "account fjrod", "account"], out=out) == 0
    text = out.getvalue()
    assert "*Acme Robotics* (`0189-acme`) · owner Alex Rivera (TAE)" in text
    assert "ARR $48,000.00 · credit left $38,500.00, term ends 2026-01-10 · health Good" in text
    assert "*No account matches “fjrod”.* Did you mean:" in text and "`account 0190-fjord`" in text
    assert "*Which account?* `account` needs an account." in text
