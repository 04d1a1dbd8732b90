"""/handover-check in `gtmbot demo`: tour lines that reach every verdict and the bad-input replies.

The accounts are in bot/handover/demo_data.json (as of the demo date, 2025-06-02).
"""

from __future__ import annotations

from bot.demo import TOUR

HANDOVER_TOUR: list[tuple[str, str]] = [
    ("/handover-check: ✅ ready (TAE → TAM)", "/handover-check Harborline Robotics to TAM"),
    ("/handover-check: record a confirmation (you own it)", "click 2"),
    ("/handover-check: ⚠️ ready with warnings (too early after the credit purchase)", "/handover-check Copperleaf Health to TAM"),
    ("/handover-check: ❌ not ready (overdue invoice)", "/handover-check Duneway Freight to TAM"),
    ("/handover-check: ❌ not ready (Churn Risk, Poor health)", "/handover-check Kestrelway Travel to CSM"),
    ("/handover-check: no target = the policy's next step (TAM → CSM)", "/handover-check Emberfall Games"),
    ("/handover-check: CSM → TAM overlay to a person", "/handover-check Ionic Security to @tara"),
    ("/handover-check: 🚫 not allowed", "/handover-check Rivetstone Data to TAE"),
    ("/handover-check: ℹ️ not a handover (no owner)", "/handover-check Quartzfield Labs"),
    ("/handover-check: a typo gets suggestions, never a guess", "/handover-check Sablecrst"),
    ("/handover-check: two matches", "/handover-check Harborline"),
]

TOUR.extend(HANDOVER_TOUR)
