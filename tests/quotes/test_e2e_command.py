"""/quote and /discount through the Slack path: signed slash commands in, the reply read back from
the fake Slack. Every spec §5 example, each rule family, the guard, the button, bad input."""

from __future__ import annotations

from decimal import Decimal

import pytest

from bot.guard import EXTERNAL_CHANNEL_REFUSAL, REFUSAL, SLACK_UNAVAILABLE_CHANNEL
from bot.render import buttons
from tests.fakes.slack import EXTERNAL_USER, GUEST_USER
from tests.quotes.examples import (
    DISCOUNT_EXAMPLES,
    EXPANSION_EXAMPLES,
    EXTRA_EXAMPLES,
    QUOTE_EXAMPLES,
)

TEAM = {"team": [
    {"slack_id": "U0TAE01", "name": "Alex Rivera", "email": "alex@example.com", "role": "TAE", "region": "US"},
    {"slack_id": "U0CSM01", "name": "Dana Okafor", "email": "dana@example.com", "role": "CSM", "region": "EU"},
    {"slack_id": "U0TAM01", "name": "Tara Nguyen", "email": "tara@example.com", "role": "TAM", "region": "US"},
    {"slack_id": "U0BDR01", "name": "Riley Quinn", "email": "riley@example.com", "role": "BDR", "region": "US"},
]}


@pytest.fixture
def team_bot(seed, bot):
    seed(TEAM)
    return bot


def money(x: str) -> str:
    return f"${Decimal(x):,.2f}"


def pct(x: str) -> str:
    return f"{Decimal(x):.1f}%"


@pytest.mark.parametrize(("ex_id", "text", "status", "basis", "levers", "total", "discount", "price"),
                         QUOTE_EXAMPLES, ids=[r[0] for r in QUOTE_EXAMPLES])
def test_quote_example_through_slack(team_bot, ex_id, text, status, basis, levers, total, discount, price):
    reply = team_bot.command("/quote", text)
    assert reply.status == 200
    assert reply.first()["response_type"] == "ephemeral"
    shown = reply.text()
    if status == "OK":
        assert shown.startswith(f"*Price {money(price)}*")
        assert f"*Total discount {pct(total)}* · Discount {money(discount)} · *Price {money(price)}*" in shown
    elif status == "NOT_AVAILABLE":
        assert shown.startswith(":no_entry: *Not available:")
    elif status == "CUSTOM":
        assert shown.startswith(":telephone_receiver: *Custom pricing.*")
        assert "Ben Bradley" in shown  # the requester U0TAE01 is a TAE in the directory
    else:
        assert shown.startswith(":no_entry_sign: *Refused:")


VERDICT_OPENINGS = {
    "WITHIN_POLICY": ":white_check_mark: *", "EXCEEDS_POLICY": ":x: *", "NOT_PERMITTED": ":no_entry_sign: *",
    "CUSTOM_PRICING": ":telephone_receiver: *Custom pricing", "MARGIN_NEGATIVE_EXCEPTION": ":warning: *",
}


@pytest.mark.parametrize(("ex_id", "text", "verdict", "allowed", "excess", "approvers"),
                         DISCOUNT_EXAMPLES, ids=[r[0] for r in DISCOUNT_EXAMPLES])
def test_discount_example_through_slack(team_bot, ex_id, text, verdict, allowed, excess, approvers):
    shown = team_bot.command("/discount", text).text()
    assert shown.startswith(VERDICT_OPENINGS[verdict])
    if allowed is not None and verdict != "NOT_PERMITTED":
        assert f"{pct(allowed)}" in shown.splitlines()[0] or f"over the {pct(allowed)}" in shown
    if excess is not None:
        assert f"by {Decimal(excess).normalize():f} point" in shown or f"is {Decimal(excess).normalize():f} point" in shown
    for name in approvers:
        if name != "your manager":
            assert name in shown


@pytest.mark.parametrize(("ex_id", "text", "total", "price"), EXPANSION_EXAMPLES, ids=[r[0] for r in EXPANSION_EXAMPLES])
def test_expansion_example_through_slack(team_bot, ex_id, text, total, price):
    shown = team_bot.command("/quote", text).text()
    assert f"*Total discount {pct(total)}*" in shown and f"*Price {money(price)}*" in shown


@pytest.mark.parametrize(("ex_id", "text", "key", "amount"), EXTRA_EXAMPLES, ids=[r[0] for r in EXTRA_EXAMPLES])
def test_extra_credit_example_through_slack(team_bot, ex_id, text, key, amount):
    assert f": {money(amount)}*" in team_bot.command("/quote", text).text()


# --- approver by the requester's role in the team directory ------------------------------------------


@pytest.mark.parametrize(("user", "approver"), [
    ("U0TAE01", "*Approver: Ben Bradley*"), ("U0TAM01", "*Approver: Ben Bradley*"),
    ("U0CSM01", "*Approver: Simon Fisher*"), ("U0BDR01", "*Approver: Ben Bradley, Simon Fisher*"),
])
def test_discount_approver_follows_the_directory_role(team_bot, user, approver):
    assert approver in team_bot.command("/discount", "35% 60k", user=user).text()


def test_role_flag_overrides_the_directory(team_bot):
    assert "*Approver: Simon Fisher*" in team_bot.command("/discount", "35% 60k --role=csm", user="U0TAE01").text()


def test_custom_pricing_approver_for_a_csm(team_bot):
    shown = team_bot.command("/quote", "1.2m", user="U0CSM01").text()
    assert "Take it to Simon Fisher" in shown and "spec A29" in shown


# --- rule families through Slack ---------------------------------------------------------------------


@pytest.mark.parametrize(("text", "fragment"), [
    ("40k monthly", "No discounts for customers paying monthly"),                    # R1
    ("50k split", "buy fewer credits upfront"),                                        # R2
    ("50k check", "do not accept payment by check"),                                   # R7
    ("50k --country=SY", "No service to companies in Syria"),                          # R63
    ("24k 2y --new --signatory-confirmed", "Levers 2-4 need the $25k volume tier"),    # R12
    ("60k --new --signatory-confirmed", "designated signatory"),                       # R20
    ("70k --renewal --days-to-expiry=90 --credits-ran-out", "re-entry into a credit plan"),  # R21
    ("60k --new --signatory-confirmed --missed-sign-date", "withdrawn"),               # R22
    ("18k --self-serve", "$1,500.00/month x 12"),                                      # R25-R27
    ("20k --nonprofit", "Non-profit (below $25k): *15.0%*"),                           # R28
    ("25k --startup", "start the contract 2 months later"),                            # R30-R33
    ("55k --buyout-months=9", "team lead approval"),                                   # R41
    ("50k --competitor-quote=50k", "full quote document"),                             # R42
    ("50k card", "tell Mine (Simon as backup)"),                                       # R44
    ("200k 2y aws", "AWS Marketplace private offers are 12-month"),                    # R45
    ("400k", "uptime SLA"),                                                            # §2.13 thresholds
    ("19k", "sales-assist threshold"),                                                 # §2.13
    ("150k 3y --conversion --signatory-confirmed", "Alternative reading (total-credit basis"),  # A1
    ("25k net180", "clamped to 0%"),                                                   # A4
])
def test_rule_family_through_slack(team_bot, text, fragment):
    assert fragment in team_bot.command("/quote", text).text()


def test_every_quote_lists_what_is_never_allowed(team_bot):
    shown = team_bot.command("/quote", "60k").text()
    assert "Never: No discount for monthly payers · no quarterly" in shown and "no case-study discounts" in shown


@pytest.mark.parametrize("reason", ["case-study", "price-guarantee", "year1-ratchet", "free-services", "legacy-coupon"])
def test_refusals_no_approver_can_lift_through_slack(team_bot, reason):
    shown = team_bot.command("/discount", f"5% 100k --reason={reason}").text()
    assert "is not permitted.* No approver can lift this." in shown


def test_margin_negative_route_through_slack(team_bot):
    shown = team_bot.command("/discount", "45% 300k --exception=strategic-logo").text()
    assert "Your manager first (with the margin calculation), then Ben Bradley" in shown


# --- help, bad input, fuzz ------------------------------------------------------------------------------


@pytest.mark.parametrize("command", ["/quote", "/discount"])
def test_help_and_empty_show_the_grammar_and_an_example(team_bot, command):
    for text in ("help", ""):
        shown = team_bot.command(command, text).text()
        assert f"*{command}*:" in shown and f"Try: `{command} " in shown


@pytest.mark.parametrize(("command", "text", "fragment"), [
    ("/quote", "25k banana", "I don't know 'banana'."),
    ("/quote", "lots", "'lots' is not an amount"),
    ("/quote", "25k card net60", "card means charged on the contract start date"),
    ("/discount", "60k", "needs the proposed discount"),
    ("/discount", "30% 60k --role=ceo", "--role is tae, tam or csm"),
])
def test_bad_input_says_what_was_wrong_with_a_working_example(team_bot, command, text, fragment):
    reply = team_bot.command(command, text)
    shown = reply.text()
    assert fragment in shown and "Try: `" in shown
    assert reply.first()["response_type"] == "ephemeral"
    example = shown.split("Try: `")[1].split("`")[0]
    worked = team_bot.command(command, example.split(" ", 1)[1]).text()
    assert "Try: `" not in worked  # the example is a real answer, not another error


@pytest.mark.parametrize("text", [
    "<@U0TAE01> 25k", "25k \u2014new \u2014signatory-confirmed", "💸💸💸", "25k " + "x" * 3000, "%", "price=",
    "25k --expansion-of=::: --month=1", "1" * 400, "25k\n2y\tnet60", "--new 25k", "&lt;25k&gt;",
])
def test_odd_input_never_gets_a_traceback(team_bot, text):
    for command in ("/quote", "/discount"):
        shown = team_bot.command(command, text).text()
        assert "something went wrong" not in shown and shown


# --- guard and the Post to channel button ------------------------------------------------------------


def test_slack_connect_and_guest_users_are_refused(team_bot):
    assert team_bot.command("/quote", "25k", user=EXTERNAL_USER, user_team_id="T0CUSTOMER").ack == {
        "response_type": "ephemeral", "text": REFUSAL.replace("this command", "/quote")}
    assert "only for members of our own workspace" in team_bot.command("/discount", "20% 60k", user=GUEST_USER).text()


def test_post_to_channel_posts_the_same_answer_and_replaces_the_ephemeral(team_bot, fake_slack):
    reply = team_bot.command("/quote", "150k 3y --conversion --signatory-confirmed", channel="C0GENERAL")
    message = reply.first()
    [(_, button)] = buttons(message["blocks"])
    assert button["text"]["text"] == "Post to channel"
    click = team_bot.click(button, channel="C0GENERAL", message=message)
    bodies = click.responses(2)
    posted = bodies[0]
    assert posted["response_type"] == "in_channel"
    from bot.render import blocks_to_text

    text = blocks_to_text(posted["blocks"])
    assert text.startswith("*Price $97,500.00*") and "Shared by <@U0TAE01>" in text
    assert not buttons(posted["blocks"])
    assert bodies[1]["replace_original"] is True and bodies[1]["text"] == "Posted to the channel."
    assert not bodies[1].get("blocks")  # the button is gone: a second tap cannot post twice
    assert any("Price $97,500.00" in (m.get("text") or "") or "Price $97,500.00" in blocks_to_text(m.get("blocks"))
               for m in fake_slack.channel_messages("C0GENERAL"))


def test_post_to_channel_refused_once_the_channel_is_shared_with_a_customer(team_bot, fake_slack):
    """The channel was internal at the first post; shared with a customer since (Slack Connect), the
    next post is refused even though the bot asked about this channel moments ago."""
    for shared in (False, True):
        fake_slack.channels["C0GENERAL"]["is_ext_shared"] = shared
        reply = team_bot.command("/quote", "25k", channel="C0GENERAL")
        [(_, button)] = buttons(reply.first()["blocks"])
        answer = team_bot.click(button, channel="C0GENERAL", message=reply.first()).responses(1)[0]
        if not shared:
            assert answer["response_type"] == "in_channel"
    assert answer["text"] == EXTERNAL_CHANNEL_REFUSAL
    assert len(fake_slack.channel_messages("C0GENERAL")) == 1  # the first post only


def test_post_to_channel_when_slack_cannot_say_whether_the_channel_is_shared(team_bot, fake_slack):
    """Slack down while the bot checks the channel: nothing is posted, and the rep is told Slack is
    not answering (not that their internal channel is shared with customers)."""
    reply = team_bot.command("/quote", "25k", channel="C0GENERAL")
    [(_, button)] = buttons(reply.first()["blocks"])
    fake_slack.fail("conversations.info", status=503, error="service_unavailable", times=20)
    answer = team_bot.click(button, channel="C0GENERAL").responses(1)[0]
    assert answer["text"] == SLACK_UNAVAILABLE_CHANNEL
    assert answer["replace_original"] is False  # the quote and its button stay for a retry
    assert fake_slack.channel_messages("C0GENERAL") == []


def test_post_to_channel_keeps_the_requesters_role(team_bot):
    reply = team_bot.command("/discount", "35% 60k", user="U0CSM01")
    [(_, button)] = buttons(reply.first()["blocks"])
    posted = team_bot.click(button, user="U0CSM01").responses(1)[0]
    from bot.render import blocks_to_text

    assert "*Approver: Simon Fisher*" in blocks_to_text(posted["blocks"])


def test_post_to_channel_refused_in_a_customer_channel(team_bot, fake_slack):
    fake_slack.add_channel("C0EXTACME", "ext-acme", is_ext_shared=True)
    reply = team_bot.command("/quote", "25k", channel="C0EXTACME")
    [(_, button)] = buttons(reply.first()["blocks"])
    answer = team_bot.click(button, channel="C0EXTACME").responses(1)[0]
    assert answer["text"] == EXTERNAL_CHANNEL_REFUSAL
    assert fake_slack.channel_messages("C0EXTACME") == []


def test_a_forged_button_value_is_answered_not_crashed(team_bot):
    answer = team_bot.action(action_id="post_quote", value='{"cmd":"rm -rf","text":"x"}').responses(1)[0]
    assert "out of date" in answer["text"]


@pytest.mark.parametrize(("months", "credit"), [(6, "25,000.00"), (9, "25,000.00"), (2, "8,333.33")],
                         ids=["X07-6", "X07-9", "X07-2"])
def test_x07_buyout_through_slack(team_bot, months, credit):
    """X07 on a $50k/yr contract: $66,666.67 credit at 25 % is a $50,000.00 price."""
    shown = team_bot.command("/quote", f"66,666.67 --buyout-months={months}").text()
    assert "*Price $50,000.00*" in shown
    assert f"Contract buyout credit ({min(months, 6)} months): ${credit}*" in shown
