"""`/discount`: is a proposed discount within policy, and who must approve it (internal-only, ephemeral)."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext

from bot.guard import internal_only
from bot.quotes.reply import directory_role, policy_from_settings, render
from bot.quotes.settings import QuoteSettings


def register(app: App) -> None:
    policy = policy_from_settings(QuoteSettings())

    @app.command("/discount", middleware=[internal_only])
    def discount(ack: Ack, command: dict, context: BoltContext) -> None:
        # The approver follows the requester's role in the team directory unless --role says otherwise.
        role = directory_role(context["rt"].session_factory, command.get("user_id"))
        text, blocks, _ = render("discount", command.get("text") or "", directory_role=role, policy=policy)
        ack(response_type="ephemeral", text=text, blocks=blocks)
