"""Help always answers (issue 17): `help`, and no argument where that is not itself a query, show each
command's grammar and a working example on an empty database, escaped so Slack shows the placeholders."""

from __future__ import annotations

import pytest

from services.mrkdwn import stray_brackets, unescape
from tests.framework.blockkit import problems

# (command, text, what the grammar shows, a working example it offers)
HELP = [
    ("/quote", "help", "/quote <amount> [term]", "/quote 120k 2y net30"),
    ("/quote", "", "/quote <amount> [term]", "/quote 120k 2y net30"),
    ("/discount", "help", "/discount <proposed> <amount>", "/discount "),
    ("/discount", "", "/discount <proposed> <amount>", "/discount "),
    ("/handover-check", "help", "/handover-check <account> [to <TAM|CSM", "/handover-check Acme Robotics to TAM"),
    ("/handover-check", "", "/handover-check <account> [to <TAM|CSM", "/handover-check Acme Robotics to TAM"),
    ("/churn-risk", "help", "/churn-risk <account> [share]", "/churn-risk acme"),
    ("/incident", "help", "/incident declare", "/incident "),
    ("/incident", "", "/incident declare", "/incident "),
]


@pytest.mark.parametrize(("command", "text", "grammar", "example"), HELP)
def test_help_answers_on_an_empty_database(bot, command, text, grammar, example) -> None:
    reply = bot.command(command, text, user="U0TAE01")
    assert reply.status == 200
    messages = reply.messages()
    shown = unescape(reply.text())
    assert grammar in shown, shown
    assert example in shown.replace(grammar, ""), shown
    for bad in ("No account matches", "no account data", "only for members"):
        assert bad not in shown
    for msg in messages:
        assert not problems(msg), problems(msg)
        for block in msg.get("blocks") or []:
            assert not stray_brackets((block.get("text") or {}).get("text", ""))


def test_a_refused_button_names_the_button_not_a_command(bot, fake_slack) -> None:
    """A Slack Connect user clicking a forwarded button is told the button is members-only."""
    from tests.fakes.slack import EXTERNAL_USER

    reply = bot.action(action_id="churn_share", value="x", user=EXTERNAL_USER)
    [body] = reply.responses(1)
    assert body["text"].startswith("Sorry, this button is only for members of our own workspace")
    assert "command" not in body["text"]
    command = bot.command("/churn-risk", "acme", user=EXTERNAL_USER, user_team_id="T0CUSTOMER")
    assert command.ack["text"].startswith("Sorry, /churn-risk is only for members of our own workspace")
