"""`gtmbot demo` runs with no credentials: demo data loaded, the real app behind a local Slack."""

from __future__ import annotations

import io

from bot.demo import run_demo


def _demo(tmp_path, monkeypatch, *lines: str) -> str:
    monkeypatch.setenv("GTMBOT_NOW", "2025-06-02T09:00:00Z")
    out = io.StringIO()
    assert run_demo(db_path=tmp_path / "demo.db", lines=list(lines), out=out) == 0
    return out.getvalue()


def test_demo_starts_with_the_demo_workspace_and_answers_help(tmp_path, monkeypatch):
    text = _demo(tmp_path, monkeypatch, "help", "users", "channels")
    assert "You are Alex Rivera (U0TAE01) in #general" in text
    assert "click <n>" in text
    assert "Dana Okafor" in text and "CSM EU" in text
    assert "Casey Customer" in text and "customer (Slack Connect)" in text
    assert "#sales-alerts" in text and "shared with a customer" in text


def test_demo_explains_unknown_input(tmp_path, monkeypatch):
    text = _demo(tmp_path, monkeypatch, "/no-such-command hi", "frobnicate", "as U0NOBODY")
    assert "/no-such-command is not a command gtmbot knows" in text
    assert "I don't know `frobnicate`" in text
    assert "Usage: as U0CSM01" in text


def test_demo_switches_user_and_lists_jobs(tmp_path, monkeypatch):
    text = _demo(tmp_path, monkeypatch, "as U0CSM01", "jobs list", "jobs run outbox_flush --dry-run")
    assert "You are now Dana Okafor (U0CSM01)." in text
    assert "outbox_flush" in text
    assert "outbox_flush: nothing to post" in text
