"""The Bolt app factory: one app per runtime, listeners registered per kind,
request signatures always verified, one central error handler."""

from __future__ import annotations

import logging

from slack_bolt import App

from bot.errors import handle_error
from bot.events import dedupe_events
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.app")


def create_app(rt: Runtime, *, register_listeners: bool = True) -> App:
    if not rt.settings.signing_secret:
        raise RuntimeError("SLACK_SIGNING_SECRET is required: every request from Slack is verified")
    app = App(
        client=rt.client,
        signing_secret=rt.settings.signing_secret,
        request_verification_enabled=True,
        token_verification_enabled=False,
        ignoring_self_events_enabled=True,
        logger=logging.getLogger("gtmbot.bolt"),
    )

    @app.middleware
    def inject_runtime(context, next):
        context["rt"] = rt
        return next()

    app.use(dedupe_events)
    app.error(handle_error)

    if register_listeners:
        from listeners import register_listeners as register_all

        register_all(app)
    return app
