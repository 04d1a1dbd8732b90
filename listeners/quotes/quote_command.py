"""`/quote`: price a prepaid credit purchase lever by lever (internal-only, ephemeral)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.guard import internal_only
from bot.quotes.reply import directory_role, policy_from_settings, render
from bot.quotes.settings import QuoteSettings


def register(app: App) -> None:
    policy = policy_from_settings(QuoteSettings())

    @app.command("/quote", middleware=[internal_only])
    def quote(ack: Ack, command: dict, context: BoltContext) -> None:
        # Pure and fast: the answer rides on the ack (well under Slack's 3 seconds).
        role = directory_role(context["rt"].session_factory, command.get("user_id"))
        text, blocks, _ = render("quote", command.get("text") or "", directory_role=role, policy=policy)
        ack(response_type="ephemeral", text=text, blocks=blocks)
