"""Link buttons ("Open in Stripe", "Open invoice"): Slack opens the URL and still sends the
action, which must be acknowledged or the user sees a warning."""

from __future__ import annotations

from slack_bolt import App


def on_link(ack) -> None:
    ack()


def register(app: App) -> None:
    for action_id in ("creditbot_open_stripe", "pay_open_invoice"):
        app.action(action_id)(on_link)
