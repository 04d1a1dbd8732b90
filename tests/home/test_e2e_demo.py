"""`gtmbot demo` shows App Home and owner routing with the demo data."""

from __future__ import annotations

import io

from bot.demo import run_demo


def test_demo_home_and_route(tmp_path, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    lines = ["home", "home U0NOBODY", "route churn-ember", "route churn-cobalt", "route nope", "route"]
    assert run_demo(db_path=tmp_path / "demo.db", lines=lines, out=out) == 0
    text = out.getvalue()
    print(text)
    assert "here are your accounts" in text and "Vega Tools" in text  # the demo user Alex Rivera
    assert "no Home tab published for U0NOBODY" in text
    assert "The account has no owner; tagging Simon" in text
    assert "Tagging the owner Lukas Becker." in text
    assert "No account has the id 'nope'" in text
    assert "Give one account id, e.g. `route churn-ember`." in text


def test_demo_home_button_runs_the_handover_check(tmp_path, monkeypatch):
    """A 'Ready to move' row's button gives /handover-check's reply with no target (the policy's next step)."""
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", lines=["home", "click 7"],
                    out=out) == 0
    text = out.getvalue()
    assert "Marked “Ready to move”: check it is ready for its next owner" in text
    assert "7. Handover check (demo-harborline)" in text or "7. Handover check" in text
    after = text.split("> click 7", 1)[1]
    assert "Harborline Robotics" in after and "(no reply)" not in after
