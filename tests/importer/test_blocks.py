"""The shared "which account?" reply: the answer first, the exact command per suggestion, an example."""

from __future__ import annotations

from bot.importer.blocks import account_lookup_blocks, account_lookup_text

SUGGESTIONS = [
    {"id": "0189-acme", "name": "Acme Robotics", "owner": "Alex Rivera"},
    {"id": "0201-acmefoods", "name": "Acme Foods", "owner": None},
]


def texts(blocks):
    out = []
    for block in blocks:
        if block["type"] == "section":
            out.append(block["text"]["text"])
        else:
            out.extend(e["text"] for e in block["elements"])
    return out


def test_ambiguous_lists_each_account_with_its_command():
    blocks = account_lookup_blocks({"query": "acme", "command": "/churn-risk", "example": "/churn-risk acme.io",
                                    "ambiguous": True, "suggestions": SUGGESTIONS})
    first, listing, hint = texts(blocks)
    assert first.startswith("*Which account?*") and "“acme” matches more than one" in first
    assert listing.splitlines() == [
        "• *Acme Robotics* · Alex Rivera — `/churn-risk 0189-acme`",
        "• *Acme Foods* · no owner — `/churn-risk 0201-acmefoods`",
    ]
    assert hint == "Name an account by id, name, domain or Slack channel, e.g. `/churn-risk acme.io`"


def test_no_match_with_close_names():
    blocks = account_lookup_blocks({"query": "Acme Robtics", "command": "/handover-check", "suggestions": SUGGESTIONS[:1]})
    assert texts(blocks)[0] == "*No account matches “Acme Robtics”.* Did you mean:"


def test_no_match_and_nothing_close():
    blocks = account_lookup_blocks({"query": "zz", "command": "/churn-risk", "example": "/churn-risk acme"})
    assert len(blocks) == 2 and texts(blocks)[0] == "*No account matches “zz”.*"
    assert account_lookup_text({"query": "zz"}) == "No account matches “zz”"


def test_empty_query_asks_for_an_account():
    blocks = account_lookup_blocks({"query": " ", "command": "/churn-risk", "example": "/churn-risk acme"})
    assert texts(blocks)[0] == "*Which account?* `/churn-risk` needs an account."


def test_user_text_is_escaped():
    blocks = account_lookup_blocks({"query": "<!channel> & co", "suggestions": []})
    assert "&lt;!channel&gt; &amp; co" in texts(blocks)[0]


def test_account_card_puts_the_owner_first():
    from bot.importer.blocks import account_card_blocks

    blocks = account_card_blocks({"id": "0191-ember", "name": "Ember Health", "owner": None, "arr": "$28,800.00",
                                  "segments": ["$20K ARR"], "channel": "C0EMBER", "health": "Good"})
    assert texts(blocks) == ["*Ember Health* (`0191-ember`) · *no owner*\nARR $28,800.00 · health Good",
                             "Segments: $20K ARR · Channel <#C0EMBER>"]
