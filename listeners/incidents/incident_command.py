"""`/incident`: parse (services.incidents.grammar), then one step of bot.incidents.flow, then reply.

Everyone internal may read (help, status, list, log); only the rota CMOCs, team leads and
CMOC_ALLOWED may declare or act (spec C.2 and issue 8). Replies are ephemeral.
"""

from __future__ import annotations

from slack_bolt import App

from bot.db.session import session_scope
from bot.events import first_delivery_of_command
from bot.guard import internal_only
from bot.incidents import blocks, flow, store
from listeners.incidents.guard import not_in_shared_channel
from services.incidents import grammar

READ_ONLY = {"help", "status", "list", "log"}
WHAT = {"declare": "declare an incident", "maintenance": "declare maintenance", "update": "send updates", "resolve": "resolve", "sev": "change severity", "handoff": "hand off", "close": "close", "postmortem": "share the postmortem"}


def handle(ack, body, client, respond, context) -> None:
    ack()
    rt = context["rt"]
    user, channel = body["user_id"], body.get("channel_id", "")
    if not first_delivery_of_command(rt, body):  # a redelivered request answers once
        return
    parsed = grammar.parse(body.get("text", ""))
    if isinstance(parsed, grammar.UsageError):
        respond(text=parsed.text(), blocks=blocks.usage_error_blocks({"message": parsed.message, "example": parsed.example}), response_type="ephemeral")
        return
    cmd = parsed
    if cmd.action == "help":
        respond(text=grammar.usage_text(), blocks=blocks.help_blocks(grammar.usage_text(), flow.list_rows(rt)), response_type="ephemeral")
        return
    if cmd.action == "list":
        rows = flow.list_rows(rt)
        respond(text="Incidents", blocks=blocks.list_blocks(rows), response_type="ephemeral")
        return
    if cmd.action in ("declare", "maintenance"):
        if not flow.may_command(rt, user):
            respond(text=flow.NOT_ALLOWED.format(what=WHAT[cmd.action]), response_type="ephemeral")
            return
        client.views_open(trigger_id=body["trigger_id"], view=flow.declare_view(rt, user, cmd.severity, cmd.title, channel, maintenance=cmd.action == "maintenance"))
        return
    with session_scope(rt.session_factory) as s:
        inc = store.get(s, cmd.incident)
        if isinstance(inc, str) or inc is None:
            respond(text=inc or "No such incident.", response_type="ephemeral")
            return
        if cmd.action == "status":
            st = flow.status_payload(s, inc)
            respond(text=f"{st['public_id']} {st['severity_label']}", blocks=blocks.status_blocks(st), response_type="ephemeral")
            return
        if cmd.action == "log":
            if cmd.csv:
                respond(text=f"```{flow.log_csv(s, inc)}```", response_type="ephemeral")
            else:
                respond(text=f"Who has been notified · {inc.public_id}", blocks=blocks.log_blocks(inc.public_id, flow.log_lines(s, inc)), response_type="ephemeral")
            return
        inc_id, status, severity = inc.id, inc.status, inc.severity
        if not flow.may_command(rt, user, inc):
            respond(text=flow.NOT_ALLOWED.format(what=WHAT.get(cmd.action, "do that")), response_type="ephemeral")
            return
    if cmd.action in ("update", "resolve"):
        if status != "open":
            respond(text=f"This incident is {status}; nothing to {cmd.action}.", response_type="ephemeral")
            return
        client.views_open(trigger_id=body["trigger_id"], view=flow.draft_view(rt, inc_id, flow.next_draft_kind(rt, inc_id, cmd.action), user))
    elif cmd.action == "sev" and cmd.severity == 0 and severity != 0 and status == "open":
        client.views_open(trigger_id=body["trigger_id"], view=flow.upgrade_view(rt, inc_id))  # asks first (spec C.2)
    elif cmd.action == "sev":
        respond(text=flow.change_severity(rt, user, inc_id, cmd.severity), response_type="ephemeral")
    elif cmd.action == "handoff":
        target = cmd.user.slack_id if cmd.user and cmd.user.slack_id else _by_name(rt, cmd.user.name if cmd.user else "")
        if not target:
            respond(text=f"I don't know `@{cmd.user.name if cmd.user else ''}`. Mention them, e.g. `/incident handoff INC-7 @Landon`.", response_type="ephemeral")
            return
        respond(text=flow.handoff(rt, user, inc_id, target), response_type="ephemeral")
    elif cmd.action == "close":
        respond(text=flow.close(rt, user, inc_id), response_type="ephemeral")
    elif cmd.action == "postmortem":
        respond(text=flow.record_postmortem(rt, user, inc_id, cmd.url), response_type="ephemeral")
        client.views_open(trigger_id=body["trigger_id"], view=flow.draft_view(rt, inc_id, "postmortem", user))


def _by_name(rt, name: str) -> str | None:
    with session_scope(rt.session_factory) as s:
        ids = store.resolve_people(s, [name])
        return ids[0] if ids and ids[0] != name else None


def register(app: App) -> None:
    app.command("/incident", middleware=[internal_only, not_in_shared_channel])(handle)
