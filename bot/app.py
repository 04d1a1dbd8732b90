"""The Bolt app factory: one app per runtime, listeners registered per kind,
request signatures always verified, one central error handler."""

from __future__ import annotations

import contextvars
import logging
from concurrent.futures import ThreadPoolExecutor

from slack_bolt import App

from bot import events
from bot.errors import handle_error
from bot.runtime import Runtime
from bot.slack_client import SafeRespond
from bot.work import tracked

log = logging.getLogger("gtmbot.app")


class ContextPreservingExecutor(ThreadPoolExecutor):
    """Runs listeners with the request's context variables (its request id for logs), each counted
    as work in flight (bot.work) and against its inbound record (bot.events) until it returns."""

    def submit(self, fn, /, *args, **kwargs):
        ctx = contextvars.copy_context()
        delivery = events.current()  # the inbound request this task works for: done when all return
        if delivery is None:
            return super().submit(tracked(ctx.run), fn, *args, **kwargs)
        delivery.enter()

        def run(*a, **kw):
            try:
                return fn(*a, **kw)
            finally:
                delivery.leave()

        return super().submit(tracked(ctx.run), run, *args, **kwargs)


# Control characters other than tab and newline: never meaningful in a command or a message, and
# PostgreSQL refuses NUL in any text it stores or compares (found by tests/reliability/test_fuzz.py).
_CONTROL = dict.fromkeys(c for c in range(32) if chr(c) not in "\t\n")


def strip_control_characters(body, next):
    """Clean the free text of slash commands and message events before any listener reads it."""
    if isinstance(body.get("text"), str):
        body["text"] = body["text"].translate(_CONTROL)
    event = body.get("event")
    for part in (event, event.get("message") if isinstance(event, dict) else None):
        if isinstance(part, dict) and isinstance(part.get("text"), str):
            part["text"] = part["text"].translate(_CONTROL)
    return next()


class DurableApp(App):
    """Bolt's App, with each dispatch tracked so a request's record is marked done when all of its
    work has returned (bot.events)."""

    def dispatch(self, req):
        with events.dispatching():
            return super().dispatch(req)


def create_app(rt: Runtime, *, register_listeners: bool = True) -> App:
    if not rt.settings.signing_secret:
        raise RuntimeError("SLACK_SIGNING_SECRET is required: every request from Slack is verified")
    app = DurableApp(
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
        if context.response_url:  # respond() never resends a post whose answer was lost
            context["respond"] = SafeRespond(response_url=context.response_url, settings=rt.settings)
        return next()

    app.use(strip_control_characters)

    app.use(events.record_inbound)
    app.error(handle_error)

    if register_listeners:
        from listeners import register_listeners as register_all

        register_all(app)
    return app
