"""The Bolt app factory: one app per runtime, listeners registered per kind,
request signatures always verified, one central error handler."""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot.errors import handle_error
from bot.events import dedupe_events
from bot.runtime import Runtime

log = logging.getLogger("gtmbot.app")


class ContextPreservingExecutor(ThreadPoolExecutor):
    """Runs listeners with the request's context variables (its request id for logs)."""

    def submit(self, fn, /, *args, **kwargs):
        ctx = contextvars.copy_context()
        return super().submit(ctx.run, fn, *args, **kwargs)


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
        listener_executor=ContextPreservingExecutor(max_workers=16, thread_name_prefix="listener"),
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
