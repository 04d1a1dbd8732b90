"""`gtmbot demo` shows churn risk with the demo data (bot/churn/demo_data.json)."""

from __future__ import annotations

import io

from bot.demo import run_demo


def test_demo_churn_risk_and_digest(tmp_path, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    lines = ["/churn-risk cobalt", "/churn-risk", "jobs run churn_digest", "posts C0CHURN"]
    assert run_demo(db_path=tmp_path / "demo.db", lines=lines, out=out) == 0
    text = out.getvalue()
    assert ":red_circle: AT RISK" in text and "Cobalt Fintech" in text
    assert "Your book:" in text and "Vega Tools" in text  # Alex Rivera owns Vega Tools and Lumen Dev
    assert "churn_digest: digest 2025-W23" in text
    assert "Churn-risk digest, week 2025-W23" in text


def test_demo_tour_includes_churn(tmp_path, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", tour=True, out=out) == 0
    text = out.getvalue()
    assert "### The weekly churn-risk digest in #customer-churn" in text
    assert "Churn-risk digest, week 2025-W23" in text
