""""Invoice needs changes": the routing for a disputed overdue invoice, in the thread (spec §3.8)."""

from __future__ import annotations

from slack_bolt import App

from bot.billing.blocks import needs_changes_reply
from bot.guard import internal_only


def on_needs_changes(ack, body, client) -> None:
    ack()
    message = body.get("message") or {}
    reply = needs_changes_reply(body["user"]["id"])
    client.chat_postMessage(channel=body["channel"]["id"], thread_ts=message.get("thread_ts") or message.get("ts"),
                            text=reply["text"], blocks=reply["blocks"])


def register(app: App) -> None:
    app.action("pay_needs_changes", middleware=[internal_only])(on_needs_changes)
