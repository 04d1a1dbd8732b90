"""`gtmbot demo` reaches every /handover-check verdict with its demo accounts (as of 2025-06-02)."""

from __future__ import annotations

import io

from bot.demo import TOUR, run_demo
from bot.handover.demo import HANDOVER_TOUR


def test_handover_tour_is_registered():
    assert all(line in TOUR for line in HANDOVER_TOUR)


def test_demo_accounts_cover_every_verdict(tmp_path, monkeypatch):
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", lines=[line for _, line in HANDOVER_TOUR], out=out) == 0
    text = out.getvalue()
    chunks = text.split("\n> ")
    by_line = {c.split("\n", 1)[0].strip(): c for c in chunks}

    assert "✅ Ready to hand over — confirm the 3 items below" in by_line["/handover-check Harborline Robotics to TAM"]
    assert "✅ Ready to hand over — confirm the 2 items below" in by_line["click 2"]
    assert "confirmed by <@U0TAE01> on 2025-06-02" in by_line["click 2"]
    assert "⚠️ Ready with warnings" in by_line["/handover-check Copperleaf Health to TAM"]
    assert "❌ Not ready" in by_line["/handover-check Duneway Freight to TAM"]
    assert "days overdue" in by_line["/handover-check Duneway Freight to TAM"]
    assert "in the Churn Risk segment, health is Poor" in by_line["/handover-check Kestrelway Travel to CSM"]
    assert "TAM → CSM (default)" in by_line["/handover-check Emberfall Games"]
    assert "✅ Ready to hand over" in by_line["/handover-check Emberfall Games"]
    assert "✅ Ready to hand over" in by_line["/handover-check Ionic Security to @tara"]
    assert "🚫 TAM → TAE isn't a handover path" in by_line["/handover-check Rivetstone Data to TAE"]
    assert "has no current owner" in by_line["/handover-check Quartzfield Labs"]
    assert "Did you mean: *Sablecrest Systems*" in by_line["/handover-check Sablecrst"]
    # Other capabilities' demo data add more Harborlines: never a guess, always the choices.
    ambiguous = by_line["/handover-check Harborline"]
    assert "“Harborline” matches" in ambiguous and "Harborline Robotics" in ambiguous
    assert "Ready" not in ambiguous
