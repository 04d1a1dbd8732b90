"""Block Kit builders for /quote and /discount: what the rep reads, in the order a phone shows it."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.quotes.blocks import (
    POST_ACTION_ID,
    blocks_text,
    discount_blocks,
    discount_fallback_text,
    error_blocks,
    help_blocks,
    parse_post_value,
    quote_blocks,
    quote_fallback_text,
)
from services.quotes.discounts import check_discount
from services.quotes.grammar import HelpRequest, ParseError, parse_discount, parse_quote
from services.quotes.pricing import price_quote
from tests.quotes.examples import DISCOUNT_EXAMPLES, QUOTE_EXAMPLES


def render_quote(text: str, **kw):
    return quote_blocks(price_quote(parse_quote(text).deal), command_text=text, **kw)


def render_discount(text: str, **kw):
    return discount_blocks(check_discount(parse_discount(text)), command_text=text, **kw)


def first_line(blocks) -> str:
    return blocks_text(blocks).splitlines()[0]


def button(blocks):
    actions = [b for b in blocks if b["type"] == "actions"]
    return actions[0]["elements"][0] if actions else None


def test_quote_leads_with_price_and_discount():
    blocks = render_quote("150k 3y --conversion --signatory-confirmed")
    assert first_line(blocks) == "*Price $97,500.00* for $150,000.00 of credit · *35.0% off*"
    text = blocks_text(blocks)
    for line in ("1. Volume ($25k-$59,999 tier): *20.0%*", "2. Length of commitment (3 years): *+5.0%*",
                 "3. Timing of cash (3 yrs upfront, Net 30): *+5.0%*", "4. Ability to forecast (conversion): *+5.0%*",
                 "ARR (discounted) $32,500.00", "45.0% → $82,500.00", "|Contract rules>"):
        assert line in text
    # order: price, levers, payment, warnings, small print, button
    assert text.index("Total discount") < text.index("*Payment*") < text.index(":warning:") < text.index("Never:")
    assert blocks[-1]["type"] == "actions"


def test_negative_lever_is_shown_signed():
    assert "*-5.0%*" in blocks_text(render_quote("120k net60"))


def test_not_available_shows_why_and_the_upfront_alternative():
    text = blocks_text(render_quote("40k monthly"))
    assert text.startswith(":no_entry: *Not available: No discounts for customers paying monthly")
    assert "*Paid upfront instead (Net 30): 20.0% → $32,000.00.*" in text


def test_refused_and_custom():
    assert first_line(render_quote("50k check")).startswith(":no_entry_sign: *Refused: We absolutely do not accept")
    custom = blocks_text(render_quote("1.2m --role=csm"))
    assert "*Custom pricing.*" in custom and "Simon Fisher" in custom


def test_extras_are_shown_with_amounts():
    assert "*Startup roll-off free credit (~2 months): $4,166.67*" in blocks_text(render_quote("25k --startup"))


def test_post_button_round_trips_the_command():
    b = button(render_quote("25k 2y", role="TAE"))
    assert b["action_id"] == POST_ACTION_ID and b["text"]["text"] == "Post to channel"
    assert parse_post_value(b["value"]) == ("quote", "25k 2y", "TAE")


@pytest.mark.parametrize("value", ["", "not json", "[]", '{"cmd":"rm","text":"x"}', '{"cmd":"quote","text":5}'])
def test_foreign_button_values_are_rejected(value):
    assert parse_post_value(value) is None


def test_shared_copy_has_no_button_and_says_who_shared():
    blocks = render_quote("25k", shared_by="U0TAE01")
    assert button(blocks) is None
    assert "Shared by <@U0TAE01> · `/quote 25k`" in blocks_text(blocks)


def test_too_long_command_gets_no_button():
    long_text = "25k " + "--new " * 400
    blocks = quote_blocks(price_quote(parse_quote("25k").deal), command_text=long_text)
    assert button(blocks) is None and "Too long to post" in blocks_text(blocks)


def test_discount_exceeds_names_the_approver_first():
    blocks = render_discount("35% 60k --role=tae")
    lines = blocks_text(blocks).splitlines()
    assert lines[0] == ":x: *35.0% exceeds policy by 10 points.* Policy maximum for this deal: 25.0%."
    assert lines[1].startswith("*Approver: Ben Bradley*.")
    assert "*How the policy maximum is built*" in blocks_text(blocks)


def test_discount_within_and_price_form():
    text = first_line(render_discount("price=90000 120k net60 --role=csm"))
    assert text == (":white_check_mark: *25.0% (price $90,000.00) is within policy.* Policy maximum for this deal: "
                    "25.0%.")


def test_discount_not_permitted_and_margin_negative():
    assert "is not permitted.* No approver can lift this." in first_line(render_discount("5% 20k --reason=case-study"))
    text = blocks_text(render_discount("45% 300k --exception=competitor-takeaway --role=tae"))
    assert "margin-negative exception route" in text and "Your manager first" in text


def test_fallback_texts():
    assert quote_fallback_text(price_quote(parse_quote("25k").deal)) == (
        "Quote: $20,000.00 for $25,000.00 credit (20.0% off)")
    assert discount_fallback_text(check_discount(parse_discount("35% 60k"))) == (
        "Discount 35.0%: exceeds policy (maximum 25.0%)")


def test_help_and_error_blocks_carry_a_working_example():
    h = parse_quote("help")
    assert isinstance(h, HelpRequest)
    assert "Try: `/quote 120k 2y net30 --renewal --days-to-expiry=75`" in blocks_text(help_blocks(h))
    with pytest.raises(ParseError) as err:
        parse_discount("30% banana")
    text = blocks_text(error_blocks(err.value))
    assert "'banana' is not an amount" in text and "Try: `/discount 30% 60k" in text


def _valid(blocks):
    assert 0 < len(blocks) <= 50
    for b in blocks:
        assert b["type"] in ("section", "context", "actions")
        if b["type"] == "section":
            assert 0 < len(b["text"]["text"]) <= 3000
        if b["type"] == "context":
            assert all(len(e["text"]) <= 3000 for e in b["elements"])


@pytest.mark.parametrize("row", QUOTE_EXAMPLES, ids=[r[0] for r in QUOTE_EXAMPLES])
def test_every_quote_example_renders_valid_blocks(row):
    _valid(render_quote(row[1]))


@pytest.mark.parametrize("row", DISCOUNT_EXAMPLES, ids=[r[0] for r in DISCOUNT_EXAMPLES])
def test_every_discount_example_renders_valid_blocks(row):
    _valid(render_discount(row[1]))


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=60))
def test_any_text_renders_something_valid(text):
    for parse, render in ((parse_quote, quote_blocks), (parse_discount, discount_blocks)):
        try:
            cmd = parse(text)
        except ParseError as err:
            _valid(error_blocks(err))
            continue
        if isinstance(cmd, HelpRequest):
            _valid(help_blocks(cmd))
        elif parse is parse_quote:
            _valid(render(price_quote(cmd.deal), command_text=text))
        else:
            _valid(render(check_discount(cmd), command_text=text))


def test_user_text_cannot_ping_the_channel_or_break_formatting():
    with pytest.raises(ParseError) as err:
        parse_quote("25k <!channel>")
    assert "&lt;!channel&gt;" in blocks_text(error_blocks(err.value))
    shared = blocks_text(quote_blocks(price_quote(parse_quote("25k").deal), command_text="25k `<!here>`",
                                      shared_by="U0TAE01"))
    assert "<!here>" not in shared and "`/quote 25k '&lt;!here&gt;'`" in shared
