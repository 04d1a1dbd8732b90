"""Customer Slack activity for W4 (churn-risk.md §4.4; IMPORT.md §12), read from every `message` event.

A global middleware, not a listener: Bolt runs only the first listener whose matchers accept an event
(`App.dispatch` returns that listener's response), and incidents and tickets claim some `message` events
(replies under broadcasts, ticketed threads), which are customer activity too. A middleware sees every
event before any listener, records, and always passes it on; a failure here is logged and never stops
another capability's listener."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.churn.activity import record_customer_message

log = logging.getLogger("gtmbot.churn.activity")


def record_customer_activity(body: dict, context, next) -> None:
    event = body.get("event") if body.get("type") == "event_callback" else None
    if isinstance(event, dict) and event.get("type") == "message":
        try:
            record_customer_message(context["rt"], event)
        except Exception:  # noqa: BLE001 - activity is best effort; the event must reach its listener
            log.exception("could not record customer Slack activity for %s", event.get("channel"))
    return next()


def register(app: App) -> None:
    app.use(record_customer_activity)
