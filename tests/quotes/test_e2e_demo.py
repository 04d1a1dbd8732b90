"""`gtmbot demo` shows /quote and /discount working with no credentials."""

from __future__ import annotations

import io

from bot.demo import run_demo


def _demo(tmp_path, monkeypatch, *lines: str) -> str:
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", lines=list(lines), out=out) == 0
    return out.getvalue()


def test_demo_quotes_discounts_and_posts(tmp_path, monkeypatch):
    text = _demo(tmp_path, monkeypatch, "/quote 150k 3y --conversion --signatory-confirmed", "/discount 35% 60k",
                 "click 1", "as U0CSM01", "/discount 35% 60k")
    assert "*Price $97,500.00* for $150,000.00 of credit" in text
    assert "(only you can see this)" in text and "[1] Post to channel" in text
    assert "*Approver: Ben Bradley*" in text  # Alex Rivera is a TAE in the demo roster
    assert "Shared by <@U0TAE01>" in text
    assert "*Approver: Simon Fisher*" in text  # Dana Okafor is a CSM


def test_demo_tour_includes_quote_and_discount(tmp_path, monkeypatch):
    import bot.quotes.demo  # noqa: F401  (registers the tour lines, as start_demo does)
    from bot.demo import TOUR

    lines = [line for _, line in TOUR]
    assert "/quote 150k 3y --conversion --signatory-confirmed" in lines and "/discount 35% 60k" in lines
