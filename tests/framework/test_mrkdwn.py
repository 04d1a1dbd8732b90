"""services.mrkdwn: the one escaping rule, the link helpers, and shortening that never breaks a word."""

from __future__ import annotations

from services import mrkdwn as md


def test_escape_turns_slacks_three_control_characters_into_entities() -> None:
    assert md.escape("ARR $17,400 < $20k & <!channel>") == "ARR $17,400 &lt; $20k &amp; &lt;!channel&gt;"
    assert md.escape(None) == ""
    assert md.unescape(md.escape("a < b & c > d &lt;")) == "a < b & c > d &lt;"


def test_code_span_is_escaped_and_cannot_be_closed_early() -> None:
    assert md.code("<account> `x`") == "`&lt;account&gt; 'x'`"


def test_mention_builds_the_user_form_only_from_a_user_id() -> None:
    assert md.mention("U0TAE01") == "<@U0TAE01>"
    assert md.mention("dana@acme.io") == "@dana@acme.io"
    assert md.mention("<!here>") == "@&lt;!here&gt;"
    assert md.mention(None, "Dana <ops>") == "@Dana &lt;ops&gt;"
    assert md.mention(None) == "nobody"
    assert md.mentions(["U1", None, "U2"]) == "<@U1> <@U2>"


def test_channel_usergroup_and_special_forms() -> None:
    assert md.channel("C0ACME") == "<#C0ACME>"
    assert md.channel(None, "#sales-alerts") == "#sales-alerts"
    assert md.usergroup("S0LEADS") == "<!subteam^S0LEADS>"
    assert md.usergroup("leads", "leads") == "@leads"
    assert md.special("here") == "<!here>"


def test_link_escapes_the_label_and_encodes_what_would_end_the_url() -> None:
    assert md.link("https://posthog.com/handbook/a#b", "Contract <rules> & more") == (
        "<https://posthog.com/handbook/a#b|Contract &lt;rules&gt; &amp; more>"
    )
    assert md.link("https://x.io/a b|c>d", "x") == "<https://x.io/a%20b%7Cc%3Ed|x>"
    assert md.link("javascript:alert(1)", "click") == "click"
    assert md.link(None, "Acme & Co") == "Acme &amp; Co"
    assert md.link("mailto:ops@acme.io") == "<mailto:ops@acme.io>"


def test_stray_brackets_finds_every_bracket_that_is_not_a_slack_form() -> None:
    ok = "<@U0TAE01> <#C0ACME> <!subteam^S1> <!here> <https://a.io/x|A> <mailto:a@b.io> &lt;x&gt;"
    assert md.stray_brackets(ok) == []
    assert md.stray_brackets("Usage: /handover-check <account>")
    assert md.stray_brackets("ARR $17,400 < $20k")
    assert md.stray_brackets("<javascript:x|y>")


def test_clip_cuts_at_a_word_never_inside_an_amount_entity_or_link() -> None:
    text = "overdue: INV-1 $12,400.00, INV-2 $9,300.00 &amp; <https://a.io/x|invoice> fix: <@U0TAE01>"
    for limit in range(10, len(text)):
        out = md.clip(text, limit)
        assert len(out) <= limit
        assert out.endswith("…")
        body = out[:-1].rstrip()
        assert text.startswith(body)
        assert not md.stray_brackets(body)
        rest = text[len(body):]
        assert rest == "" or rest[0] == " ", (limit, out)
    assert md.clip("short", 10) == "short"


def test_fit_lines_keeps_whole_lines_and_says_how_many_were_left_out() -> None:
    lines = [f"• INV-{i} $1,{i:03d}.00" for i in range(50)]
    out = md.fit_lines(lines, 200)
    assert len(out) <= 200
    kept = out.split("\n")
    assert kept[:-1] == lines[: len(kept) - 1]
    assert kept[-1] == f"…and {50 - (len(kept) - 1)} more"
    assert md.fit_lines(lines[:2], 200) == "\n".join(lines[:2])
    assert md.fit_lines([], 10) == ""
    assert md.plural(1, "invoice") == "1 invoice" and md.plural(64, "invoice") == "64 invoices"


def test_a_block_quote_marker_is_not_a_stray_bracket() -> None:
    assert md.stray_brackets("> quoted\n>\n> more") == []
    assert md.stray_brackets("a > b")


def test_escape_keeping_mentions_keeps_only_user_mentions() -> None:
    assert md.escape_keeping_mentions("confirmed by <@U0TAE01> & <!channel> <x>") == (
        "confirmed by <@U0TAE01> &amp; &lt;!channel&gt; &lt;x&gt;")
