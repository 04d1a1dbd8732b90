"""Log: the central log of who has been notified (002_59a801b964a2a19e.txt:4221), ephemeral."""

from __future__ import annotations

from slack_bolt import App

from bot.db.session import session_scope
from bot.guard import internal_only
from bot.incidents import blocks, flow
from bot.incidents.tables import Incident


def handle(ack, body, respond, context) -> None:
    ack()
    rt = context["rt"]
    with session_scope(rt.session_factory) as s:
        inc = s.get(Incident, int(body["actions"][0]["value"]))
        bl = blocks.log_blocks(inc.public_id, flow.log_lines(s, inc))
    respond(text="Who has been notified", blocks=bl, response_type="ephemeral", replace_original=False)


def register(app: App) -> None:
    app.action(blocks.ACTION_SHOW_LOG, middleware=[internal_only])(handle)
