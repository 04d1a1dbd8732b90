"""Buttons that record a manual act the escalation asked for: "Access suspended ✓" (step 3),
"Subscription cancelled ✓" (step 5) and "Customer responded" (spec §3.4, §3.6, §5.3).

The first press is recorded and said in the thread; a second press only tells the presser who
already did it."""

from __future__ import annotations

from slack_bolt import App

from bot.billing.actions import record_task
from bot.billing.blocks import day, task_recorded
from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.guard import internal_only

ACTIONS = ("pay_suspended_done", "pay_cancelled_done", "pay_responded")


def on_task_done(ack, body, action, context, client, respond) -> None:
    ack()
    rt = context["rt"]
    user = body["user"]["id"]
    now = clock_now()
    with session_scope(rt.session_factory) as session:
        recorded = record_task(session, action["value"], action["action_id"], user, now)
    if recorded is None:
        respond(text="I can't find that payment case any more; it may have been closed.",
                response_type="ephemeral", replace_original=False)
        return
    if not recorded.first:
        respond(text=f"Already recorded by <@{recorded.by}> on {day(recorded.at.date())}.",
                response_type="ephemeral", replace_original=False)
        return
    message = body.get("message") or {}
    reply = task_recorded(action["action_id"], user, now.date())
    client.chat_postMessage(channel=body["channel"]["id"], thread_ts=message.get("thread_ts") or message.get("ts"),
                            text=reply["text"], blocks=reply["blocks"])


def register(app: App) -> None:
    for action_id in ACTIONS:
        app.action(action_id, middleware=[internal_only])(on_task_done)
