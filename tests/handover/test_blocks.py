"""The /handover-check reply: phone-first order, passes collapsed, Confirm buttons, bad-input texts."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

from bot.handover.blocks import error_message, no_data_message, report_message
from services.handover.check import check
from services.handover.grammar import AccountRef, ErrorKind, HandoverError
from services.handover.model import CheckItem, Invoice, Status
from tests.handover.service_fixtures import ALEX, OPTIONS, TEAM, TODAY, F, R, account, role

COBALT = account("Cobalt Health", ALEX, 30000, (F,), first_purchase_date=date(2025, 4, 1))


def texts(message: dict) -> list[str]:
    out = []
    for b in message["blocks"]:
        if "text" in b:
            out.append(b["text"]["text"])
        out += [f["text"] for f in b.get("fields", [])]
        out += [e["text"] for e in b.get("elements", [])]
    return out


def section_titles(message: dict) -> list[str]:
    return [b["text"]["text"].split("\n")[0] for b in message["blocks"] if b["type"] == "section" and "text" in b]


def test_example_c_reply_matches_the_spec_sample():
    """§4.7 sample payload for worked example C (Cobalt Health, today 2025-05-15)."""
    msg = report_message(check(COBALT, role("TAM"), TEAM, TODAY, OPTIONS))
    assert msg["response_type"] == "ephemeral"
    assert msg["text"] == "Handover check: Cobalt Health (TAE → TAM) — ⚠️ Ready with warnings"
    assert msg["blocks"][0] == {"type": "header", "text": {"type": "plain_text", "text": "Handover check: Cobalt Health"}}
    fields = [f["text"] for f in msg["blocks"][1]["fields"]]
    assert fields[0].startswith("*Verdict*\n⚠️ Ready with warnings")
    assert "*Transition*\nTAE → TAM" in fields
    assert "*Current owner*\n<@U0TAE01> (TAE)" in fields
    assert "*Target*\nTAM — suggested New Owner: US TAM" in fields
    assert "*ARR*\n$30,000" in fields
    assert "*Core products*\nReplay ✗ · Flags ✓ · Errors ✗ (1/3)" in fields
    assert "*Health*\nGood" in fields and "*Approver*\nFlag to Simon" in fields
    assert len(msg["blocks"]) <= 50


def test_failures_first_then_warnings_then_confirms_then_one_pass_line():
    snapshot = replace(COBALT, invoices=(Invoice("in_1", "open", Decimal("500"), date(2025, 4, 1)),))
    msg = report_message(check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS))
    titles = section_titles(msg)
    order = [next(i for i, t in enumerate(titles) if t.startswith(p)) for p in ("*❌ Blocking", "*⚠️ Warnings", "*☐ Confirm", "*✅ Passed")]
    assert order == sorted(order)
    passed = next(t for t in texts(msg) if t.startswith("*✅ Passed"))
    assert passed.count("\n") == 1 and " · " in passed  # all passes on one line


def test_blocking_lines_say_who_fixes():
    snapshot = replace(COBALT, invoices=(Invoice("in_1", "open", Decimal("500"), date(2025, 4, 1)),))
    msg = report_message(check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS))
    blocking = next(t for t in texts(msg) if t.startswith("*❌ Blocking"))
    assert "• *Open invoices* — unpaid: in_1, $500, 44 days overdue" in blocking
    assert "_(fix: <@U0TAE01>)_" in blocking


def test_confirm_items_have_a_confirm_button_each():
    report = check(COBALT, role("TAM"), TEAM, TODAY, OPTIONS)
    msg = report_message(report)
    buttons = [b["accessory"] for b in msg["blocks"] if "accessory" in b]
    assert [json.loads(b["value"])["kind"] for b in buttons] == ["onboarding_confirmed", "customer_told", "handover_call_booked"]
    assert all(b["text"]["text"] == "Confirm" and json.loads(b["value"])["account_id"] == report.account_id for b in buttons)
    assert len({b["action_id"] for b in buttons}) == 3


def test_ready_says_how_many_to_confirm():
    acme = account("Acme Robotics", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10))
    msg = report_message(check(acme, role("TAM"), TEAM, TODAY, OPTIONS))
    assert "✅ Ready to hand over — confirm the 3 items below" in msg["blocks"][1]["fields"][0]["text"]
    assert not any(t.startswith("*❌") or t.startswith("*⚠️") for t in texts(msg))


def test_default_target_is_said():
    acme = account("Acme Robotics", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10))
    msg = report_message(check(acme, None, TEAM, TODAY, OPTIONS))
    assert any("No target given — checked against the next step in policy: TAE → TAM" in t for t in texts(msg))
    assert "*Transition*\nTAE → TAM (default)" in texts(msg)


def test_missing_stripe_data_says_how_to_load_it():
    snapshot = replace(COBALT, unavailable_sources=frozenset({"Stripe"}))
    msg = report_message(check(snapshot, role("TAM"), TEAM, TODAY, OPTIONS))
    assert any("No Stripe data for this account — load it with `gtmbot sync stripe`" in t for t in texts(msg))
    assert not any("try again" in t for t in texts(msg))


def test_not_a_handover_and_not_allowed_are_one_clear_message():
    msg = report_message(check(account("Quartz Labs", None, 25000, (R,)), None, TEAM, TODAY, OPTIONS))
    assert msg["text"] == "Handover check: Quartz Labs — ℹ️ Not a handover"
    assert "this is an allocation" in texts(msg)[1] and "*US TAM*" in texts(msg)[1]


def test_long_sections_overflow_into_and_n_more():
    from bot.handover.blocks import _fit
    text = _fit("Passed", ["x" * 200] * 40)
    assert len(text) <= 3000 and text.endswith("more")


def test_passes_overflow_keep_reply_valid():
    report = check(COBALT, role("TAM"), TEAM, TODAY, OPTIONS)
    many = tuple(CheckItem(f"P{i}", "t", Status.PASS, "y" * 150) for i in range(60))
    msg = report_message(replace(report, items=report.items + many))
    assert all(len(t) <= 3000 for t in texts(msg)) and len(msg["blocks"]) <= 50


ACME = AccountRef("0189-acme", "Acme Robotics", "acme.io", "0189-acme", "U0TAE01")
FOODS = AccountRef("0200-foods", "Acme Foods", "acmefoods.com", None, "U0TAM01")


def test_usage_message():
    msg = error_message(HandoverError(ErrorKind.USAGE))
    assert msg["response_type"] == "ephemeral"
    # Escaped, so Slack shows the placeholders instead of eating them as links (issue 17).
    assert msg["text"].startswith(
        "Usage: `/handover-check &lt;account&gt; [to &lt;TAM|CSM|US TAM|EU TAM|US CSM|EU CSM|@person&gt;]`")
    assert "`/handover-check Acme Robotics to TAM`" in msg["text"]


def test_not_found_with_suggestion():
    sable = AccountRef("s", "Sable Systems", "sable.io")
    msg = error_message(HandoverError(ErrorKind.ACCOUNT_NOT_FOUND, query="Sabel", suggestions=(sable,)))
    assert msg["text"] == "I couldn't find an account matching “Sabel”. Did you mean: *Sable Systems* (sable.io)? Try `/handover-check Sable Systems`."


def test_not_found_without_suggestion_gives_example():
    msg = error_message(HandoverError(ErrorKind.ACCOUNT_NOT_FOUND, query="zzz"))
    assert "Use the account name, domain or PostHog org id" in msg["text"] and "`/handover-check" in msg["text"]


def test_ambiguous_lists_name_domain_owner():
    msg = error_message(HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query="Acme", matches=(FOODS, ACME)))
    assert msg["text"].startswith("“Acme” matches 2 accounts: Acme Foods (acmefoods.com, owner <@U0TAM01>), Acme Robotics (acme.io, owner <@U0TAE01>).")
    assert "`/handover-check acmefoods.com`" in msg["text"]


def test_unknown_target_lists_targets():
    msg = error_message(HandoverError(ErrorKind.UNKNOWN_TARGET, query="wizard", account=ACME))
    assert msg["text"].startswith("“wizard” isn't a role or teammate I know. Targets: TAM, CSM (aka CSE / Technical CSM)")
    assert "`/handover-check Acme Robotics to TAM`" in msg["text"]


def test_same_owner():
    msg = error_message(HandoverError(ErrorKind.SAME_OWNER, account=ACME, owner_slack_id="U0TAE01"))
    assert msg["text"].startswith("<@U0TAE01> already owns Acme Robotics — pick a different target")


def test_no_data_points_to_import():
    assert "gtmbot accounts import" in no_data_message()["text"]


def test_ambiguous_with_many_matches_lists_five_and_counts_the_rest():
    many = tuple(AccountRef(f"id{i}", f"Bench {i}", f"b{i}.io", None, "U0TAE01") for i in range(12))
    text = error_message(HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query="Bench", matches=many))["text"]
    assert text.startswith("“Bench” matches 12 accounts: Bench 0 (b0.io, owner <@U0TAE01>)")
    assert "Bench 4 (b4.io" in text and "Bench 5 (" not in text and "…and 7 more" in text


def test_confirm_buttons_carry_the_checked_target():
    """The refreshed reply after Confirm must check the same target: role, region or person."""
    from services.handover.model import Target
    from tests.handover.service_fixtures import PRIYA, person

    acme = account("Acme Robotics", ALEX, 48000, (R, F), first_purchase_date=date(2025, 1, 10))
    cases = [(role("TAM"), "TAM"), (Target("CSM", "EU"), "EU CSM"), (person(PRIYA), "<@U0TAM02>"), (None, "")]
    for target, expected in cases:
        msg = report_message(check(acme, target, TEAM, TODAY, OPTIONS))
        values = [json.loads(b["accessory"]["value"]) for b in msg["blocks"] if "accessory" in b]
        assert values and all(v["target"] == expected for v in values)


def test_a_single_overlong_line_is_cut_not_dropped():
    from bot.handover.blocks import _fit
    text = _fit("Blocking (1)", ["• *Open invoices* — " + "in_x, $1; " * 600])
    assert text.startswith("*Blocking (1)*\n• *Open invoices* — in_x") and text.endswith("…") and len(text) <= 3000


def test_ambiguous_from_a_partial_list_does_not_claim_a_count():
    msg = error_message(HandoverError(ErrorKind.ACCOUNT_AMBIGUOUS, query="Acme", matches=(FOODS, ACME), matches_complete=False))
    assert msg["text"].startswith("“Acme” matches several accounts, including: Acme Foods")
