"""*Open in Vitally* is a link button; Slack still sends the click, which needs an ack."""

from __future__ import annotations

from slack_bolt import App


def handle_open(ack) -> None:
    ack()


def register(app: App) -> None:
    app.action("churn_open_vitally")(handle_open)
