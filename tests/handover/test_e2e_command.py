"""/handover-check end to end: a signed slash command in, the ephemeral reply read back from the fake Slack.

One test per verdict and per bad-input reply (handover-check.md §4.6, §4.8), on the §5 date 2025-05-15.
"""

from __future__ import annotations

import re

from sqlalchemy import func, select

from bot.db.models import Flag
from bot.db.session import session_scope
from bot.fakes.driver import wait_idle
from services.mrkdwn import stray_brackets, unescape
from tests.fakes.slack import EXTERNAL_USER
from tests.handover.fixtures import handover_account

R, F, E = "session_replay", "feature_flags", "error_tracking"
CREDIT = {"amount": "60000.00", "discount_pct": "20", "term_start": "2025-01-10", "term_months": 12,
          "first_purchase_date": "2025-01-10"}
ACME = handover_account("1001-acme", "Acme Robotics", "U0TAE01", "48000.00", [R, F], credit=CREDIT, owner_since="2025-01-10")
COBALT = handover_account("1002-cobalt", "Cobalt Health", "U0TAE01", "30000.00", [F], owner_since="2025-04-01",
                          credit={**CREDIT, "term_start": "2025-04-01", "first_purchase_date": "2025-04-01"})
DUNE = handover_account(
    "dune", "Dune Logistics", "U0TAE01", "90000.00", [R, E], credit={**CREDIT, "first_purchase_date": "2024-11-01"},
    invoices=[{"id": "in_Dune1", "status": "open", "payment_method": "bank_transfer", "kind": "credit_purchase",
               "amount_due": "12000.00", "due_date": "2025-04-30"}])
RIVET = handover_account("1003-rivet", "Rivet Data", "U0TAM01", "50000.00", [R])
QUARTZ = handover_account("1004-quartz", "Quartz Labs", None, "25000.00", [R])
SABLE = handover_account("1005-sable", "Sable Systems", "U0CSM01", "30000.00", [R, F])
ACME_FOODS = handover_account("1006-acmefoods", "Acme Foods", "U0TAM01", "30000.00", [R, F])
PATH = handover_account("1007-pathtoprod", "Path to Prod Inc", "U0CSM01", "30000.00", [R, F], segments=["AM referral"])
EMBER = handover_account(
    "ember", "Ember Games", "U0TAM01", "120000.00", [R, F, E],
    credit={"amount": "150000.00", "discount_pct": "25", "term_start": "2025-01-01", "term_end": "2025-12-31"},
    notes=[{"id": "ember-plan", "kind": "account_plan", "title": "Q2 Account Plan - Ember Games", "updated_at": "2025-04-20T10:00:00Z"},
           {"id": "ember-levers", "kind": "expansion_levers", "title": "What we tried", "updated_at": "2025-04-28T10:00:00Z"}])
ECHO = {**handover_account("1008-echo", "Echo Ltd", "U0TAE01", "48000.00", [R, F], credit=CREDIT, owner_since="2025-01-10"),
        "stripe_customer_ids": []}
ION = handover_account("1009-ion", "Ion Security", "U0CSM01", "85000.00", [R], segments=["AM referral"])
UMBRA = handover_account("1010-umbra", "Umbra Ltd", "U0TAE01", "40000.00", [R, F], user_region_counts={"EU": 20, "US": 2},
                         credit={**CREDIT, "first_purchase_date": "2025-01-20"})


def check(bot, text: str, user: str = "U0TAE01"):
    reply = bot.command("/handover-check", text, user=user)
    assert reply.status == 200
    return reply


def assert_no_side_effects(bot, rt) -> None:
    """Bad input writes nothing and posts nothing but the ephemeral reply (spec §4.8)."""
    assert bot.slack.posts() == []
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Flag)) == 0


def test_ready(bot, handover_seed):
    """Worked example A: TAE → TAM, 2/3 core, everything in place → ✅ with 3 items to confirm."""
    handover_seed(ACME)
    reply = check(bot, "Acme Robotics to TAM")
    msg = reply.first()
    assert msg["response_type"] == "ephemeral"
    assert msg["blocks"][0]["text"]["text"] == "Handover check: Acme Robotics"
    text = reply.text()
    assert "✅ Ready to hand over — confirm the 3 items below" in text
    assert "Blocking" not in text and "Warnings" not in text
    assert "TAM — suggested New Owner: US TAM" in text
    assert text.count("[Confirm]") == 3


def test_ready_with_warnings(bot, handover_seed):
    """Worked example C: 1 full month since the credit purchase → ⚠️ timing."""
    handover_seed(COBALT)
    text = check(bot, "Cobalt Health to TAM").text()
    assert "⚠️ Ready with warnings" in text
    assert "*⚠️ Warnings (1)*\n• *Timing* — 1 full month since the initial credit purchase (2025-04-01)" in text


def test_not_ready(bot, handover_seed):
    """Worked example D: an invoice 15 days overdue blocks, and the outgoing owner is told to fix it."""
    handover_seed(DUNE)
    text = check(bot, "Dune Logistics to TAM").text()
    assert "❌ Not ready" in text
    assert "• *Open invoices* — unpaid: in_Dune1, $12,000, 15 days overdue" in text
    assert "_(fix: <@U0TAE01>)_" in text
    assert "Outgoing owner fixes the ❌ items first; if stuck: team lead → Simon." in text


def test_many_overdue_invoices_keep_every_blocker_and_its_fixer_visible(bot, handover_seed):
    """Issue 17: 64 overdue invoices are summarised (count, total, oldest) before they are cut, and the
    other blockers (Churn Risk, a stale account plan) stay visible, each with its fix: tag."""
    invoices = [{"id": f"in_LongInvoiceIdentifier{n:03d}", "status": "open", "payment_method": "bank_transfer",
                 "kind": "usage", "amount_due": f"{1000 + n * 25}.50", "due_date": f"2025-04-{1 + n % 28:02d}"}
                for n in range(64)]
    many = handover_account(
        "many", "Many Invoices Co", "U0TAE01", "90000.00", [R, E], credit={**CREDIT, "first_purchase_date": "2024-11-01"},
        invoices=invoices, segments=["Churn Risk"], health_history=[{"period": "2025-05-12", "label": "Poor"}],
        notes=[{"id": "many-plan", "kind": "account_plan", "title": "Q4 Account Plan - Many Invoices Co",
                "updated_at": "2024-11-02T10:00:00Z"}])
    handover_seed(many)
    msg = check(bot, "Many Invoices Co to TAM").first()
    blocking = next(b["text"]["text"] for b in msg["blocks"] if b.get("text", {}).get("text", "").startswith("*❌ Blocking"))
    assert len(blocking) <= 3000
    lines = blocking.split("\n")[1:]
    assert blocking.startswith("*❌ Blocking (3)*\n") and len(lines) == 3, blocking
    invoice = next(x for x in lines if x.startswith("• *Open invoices*"))
    total = sum(1000 + n * 25 + 0.5 for n in range(64))
    assert f"64 unpaid invoices, ${total:,.0f}, oldest 44 days overdue" in invoice
    assert "…and 61 more" in invoice
    assert any(x.startswith("• *Customer health*") for x in lines)
    assert any(x.startswith("• *Account plan current*") for x in lines)
    assert all(x.endswith("_(fix: <@U0TAE01>)_") for x in lines), lines
    # Nothing is cut inside an amount: every dollar figure shown is whole.
    for amount in re.findall(r"\$[\d,.]*\d", blocking):
        assert re.fullmatch(r"\$\d{1,3}(?:,\d{3})*(?:\.\d{2})?", amount), amount


def test_not_allowed(bot, handover_seed):
    """Worked example S: TAM → TAE is not a path."""
    handover_seed(RIVET)
    text = check(bot, "Rivet Data to TAE", user="U0TAM01").text()
    assert "🚫 TAM → TAE isn't a handover path in the policy." in text


def test_not_a_handover(bot, handover_seed):
    """Worked example R: no owner → allocation, suggested US TAM."""
    handover_seed(QUARTZ)
    text = check(bot, "Quartz Labs").text()
    assert "Quartz Labs has no current owner, so there's nothing to hand over — this is an allocation." in text
    assert "*US TAM* (1/3 core products → room to grow)" in text


def test_default_target_from_tam_is_csm(bot, handover_seed):
    """Worked example F: no target from a TAM → checked against TAM → CSM, ready, effective at quarter end."""
    handover_seed(EMBER)
    text = check(bot, "Ember Games", user="U0TAM01").text()
    assert "No target given — checked against the next step in policy: TAM → CSM" in text
    assert "✅ Ready to hand over — confirm the 4 items below" in text
    assert "Effective at quarter end 2025-06-30." in text


def test_person_target_over_hard_cap(bot, handover_seed):
    """Worked example V: Sam would hold 18+7+1 = 26 accounts with leads."""
    handover_seed(UMBRA)
    text = check(bot, "Umbra Ltd to <@U0TAM03>").text()
    assert "❌ Not ready" in text and "18+7+1 = 26" in text


def test_person_target_capacity_counts_the_accounts_they_own(bot, handover_seed):
    """Tara has no imported book size: C15 counts what she owns (IMPORT.md §4), "AM Managed" only,
    and "Leads" apart; a segment that merely contains the words is not counted."""
    owned = [handover_account(f"1011-tara{i}", f"Tara Book {i}", "U0TAM01", "30000.00", [R], segments=["AM Managed"])
             for i in range(3)]
    owned.append(handover_account("1011-taralead", "Tara Lead", "U0TAM01", "30000.00", [R], segments=["Leads"]))
    owned.append(handover_account("1011-taraother", "Tara Other", "U0TAM01", "30000.00", [R], segments=["Not AM Managed"]))
    handover_seed(UMBRA, *owned)
    text = check(bot, "Umbra Ltd to <@U0TAM01>").text()
    assert "Tara Nguyen has room (4 ≤ " in text and "; 5 ≤ " in text  # 3 managed + 1, with 1 lead


def test_path_to_prod_is_one_account(bot, handover_seed):
    """Worked example AC."""
    handover_seed(PATH)
    text = check(bot, "Path to Prod Inc", user="U0CSM01").text()
    assert "Handover check: Path to Prod Inc" in text and "CSM → TAM overlay (default)" in text
    assert "✅ Ready to hand over" in text


def test_usage(bot, handover_seed, rt):
    handover_seed(ACME)
    for text in ("", "help"):
        msg = check(bot, text).first()
        assert msg["response_type"] == "ephemeral"
        # Slack shows the placeholders (escaped, so not eaten as links) and TAM, the commonest target.
        assert not stray_brackets(msg["text"])
        assert unescape(msg["text"]).startswith(
            "Usage: `/handover-check <account> [to <TAM|CSM|US TAM|EU TAM|US CSM|EU CSM|@person>]`")
    assert_no_side_effects(bot, rt)


def test_unknown_account_suggests(bot, handover_seed, rt):
    """Worked example T."""
    handover_seed(SABLE, ACME)
    text = check(bot, "Sabel").text()
    assert text == ("I couldn't find an account matching “Sabel”. Did you mean: *Sable Systems* (sable.example)? "
                    "Try `/handover-check Sable Systems`.")
    assert_no_side_effects(bot, rt)


def test_ambiguous_account_lists_matches_never_picks(bot, handover_seed, rt):
    handover_seed(ACME, ACME_FOODS)
    text = check(bot, "Acme").text()
    assert text.startswith("“Acme” matches 2 accounts: Acme Foods (acmefoods.example, owner <@U0TAM01>), "
                           "Acme Robotics (acme.example, owner <@U0TAE01>).")
    assert "Handover check" not in text
    assert_no_side_effects(bot, rt)


def test_unknown_target(bot, handover_seed, rt):
    """Worked example AD."""
    handover_seed(ACME)
    text = check(bot, "Acme Robotics to wizard").text()
    assert text.startswith("“wizard” isn't a role or teammate I know. Targets: TAM, CSM")
    assert_no_side_effects(bot, rt)


def test_same_owner(bot, handover_seed, rt):
    """Worked example AH."""
    handover_seed(ACME)
    text = check(bot, "Acme Robotics to @alex").text()
    assert text.startswith("<@U0TAE01> already owns Acme Robotics — pick a different target")
    assert_no_side_effects(bot, rt)


def test_no_account_data(bot, handover_seed, rt):
    handover_seed()
    text = check(bot, "Acme Robotics").text()
    assert text.startswith("I have no account data yet") and "gtmbot accounts import" in text
    assert_no_side_effects(bot, rt)


def test_missing_stripe_data_never_passes(bot, handover_seed):
    """Worked example AJ: no Stripe data → invoices and finance contact cannot be verified → ⚠️, not ✅."""
    handover_seed(ECHO)
    text = check(bot, "Echo Ltd to TAM").text()
    assert "⚠️ Ready with warnings" in text
    assert ("• *Open invoices* — could not verify: no Stripe data for this account _(fix: load it with "
            "`gtmbot sync stripe`)_") in text
    assert "• *Finance contact* — could not verify: no Stripe data for this account" in text
    assert "No Stripe data for this account — load it with `gtmbot sync stripe`" in text
    assert "try again" not in text  # nothing is down: waiting would change nothing


def test_slack_connect_user_is_refused(bot, handover_seed):
    handover_seed(ACME)
    reply = bot.command("/handover-check", "Acme Robotics", user=EXTERNAL_USER)
    assert "only for members of our own workspace" in reply.text()


def _flags(rt, kind: str) -> list[Flag]:
    with session_scope(rt.session_factory) as s:
        return list(s.scalars(select(Flag).where(Flag.kind == kind)))


def test_confirm_button_records_who_and_when_and_next_check_counts_it(bot, handover_seed, rt):
    handover_seed(ACME)
    msg = check(bot, "Acme Robotics to TAM").first()
    told = next(b["accessory"] for b in msg["blocks"] if "accessory" in b and "customer_told" in b["accessory"]["action_id"])
    clicked = bot.click(told, user="U0TAE01", message=msg)
    refreshed = clicked.text()
    assert "✅ Ready to hand over — confirm the 2 items below" in refreshed
    assert "confirmed by <@U0TAE01> on 2025-05-15" in refreshed
    assert clicked.first()["replace_original"] is True
    [flag] = _flags(rt, "customer_told")
    assert flag.author == "U0TAE01" and flag.at.isoformat() == "2025-05-15T09:00:00+00:00"
    again = check(bot, "Acme Robotics to TAM").text()
    assert "confirm the 2 items below" in again and "confirmed by <@U0TAE01> on 2025-05-15" in again


def test_only_the_outgoing_owner_can_confirm(bot, handover_seed, rt):
    handover_seed(ACME)
    msg = check(bot, "Acme Robotics to TAM", user="U0TAM01").first()
    button = next(b["accessory"] for b in msg["blocks"] if "accessory" in b)
    text = bot.click(button, user="U0TAM01", message=msg).text()
    assert text == ("Only the outgoing owner can confirm handover items for Acme Robotics; "
                    "it is owned by <@U0TAE01>.")
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Flag)) == 0


def test_confirm_keeps_the_person_target(bot, handover_seed):
    """The refreshed reply after a Confirm checks the same target as the original (here a person)."""
    handover_seed(ION)
    msg = check(bot, "Ion Security to <@U0TAM02>", user="U0CSM01").first()
    button = next(b["accessory"] for b in msg["blocks"] if "accessory" in b)
    clicked = bot.click(button, user="U0CSM01", message=msg)
    fields = [f["text"] for b in clicked.first()["blocks"] for f in b.get("fields", [])]
    assert "*Target*\n<@U0TAM02>" in fields
    assert "*Transition*\nCSM → TAM overlay" in fields


def test_second_click_records_nothing_new(bot, handover_seed, rt):
    handover_seed(ACME)
    msg = check(bot, "Acme Robotics to TAM").first()
    button = next(b["accessory"] for b in msg["blocks"] if "accessory" in b and "customer_told" in b["accessory"]["action_id"])
    bot.click(button, user="U0TAE01", message=msg).text()
    second = bot.click(button, user="U0TAE01", message=msg).text()
    assert "confirm the 2 items below" in second
    assert len(_flags(rt, "customer_told")) == 1


def test_overlay_is_named_in_the_transition(bot, handover_seed):
    handover_seed(ION)
    text = check(bot, "Ion Security to TAM", user="U0CSM01").text()
    assert "*Transition* CSM → TAM overlay" in text


def test_slack_escaped_ampersand_in_account_name(bot, handover_seed):
    handover_seed(handover_account("1099-jj", "Johnson & Jones", "U0TAE01", "48000.00", [R, F], credit=CREDIT))
    text = check(bot, "Johnson &amp; Jones to TAM").text()
    assert "Handover check: Johnson & Jones" in text


def test_redelivered_command_replies_once(bot, handover_seed):
    """The same request twice (same trigger_id) gets one reply (spec §4.7)."""
    handover_seed(ACME)
    body, _, token = bot.command_body("/handover-check", "Acme Robotics to TAM")
    for _ in range(2):
        assert bot.post_raw(body, "application/x-www-form-urlencoded").status_code == 200
    bot.slack.wait_for(lambda: any(p.token == token for p in bot.slack.responses), 10)
    wait_idle()  # both deliveries' listeners have finished
    assert len([p for p in bot.slack.responses if p.token == token]) == 1


def test_out_of_date_button_says_so_and_records_nothing(bot, handover_seed, rt):
    handover_seed(ACME)
    reply = bot.action(action_id="handover_confirm:customer_told", value='{"account_id": "1001-acme", "kind": "nonsense"}')
    assert unescape(reply.text()).startswith("That button is out of date. Run `/handover-check <account>` again")
    assert _flags(rt, "nonsense") == [] and _flags(rt, "customer_told") == []


def test_slack_connect_user_cannot_press_confirm(bot, handover_seed, rt):
    handover_seed(ACME)
    msg = check(bot, "Acme Robotics to TAM").first()
    button = next(b["accessory"] for b in msg["blocks"] if "accessory" in b)
    assert "only for members of our own workspace" in bot.click(button, user=EXTERNAL_USER, message=msg).text()
    with session_scope(rt.session_factory) as s:
        assert s.scalar(select(func.count()).select_from(Flag)) == 0


def test_account_by_its_customer_channel(bot, handover_seed):
    """The shared resolver (bot/accounts.py) also takes the customer channel, as every command does."""
    handover_seed({**ACME, "slack_channel_ids": ["C0ACMEHO"]})
    text = check(bot, "<#C0ACMEHO|ext-acme-robotics> to TAM").text()
    assert "Handover check: Acme Robotics" in text and "✅ Ready to hand over" in text


def test_many_matches_are_listed_in_part_never_picked(bot, handover_seed, rt):
    handover_seed(*(handover_account(f"12{i:02d}-acme{i}", f"Acme Unit {i}", "U0TAE01", "30000.00", [R]) for i in range(5)))
    text = check(bot, "Acme Unit").text()
    assert text.startswith("“Acme Unit” matches several accounts, including: Acme Unit 0 (acme0.example, owner <@U0TAE01>)")
    assert "Handover check" not in text
    assert_no_side_effects(bot, rt)
