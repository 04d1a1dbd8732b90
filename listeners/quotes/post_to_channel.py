"""The "Post to channel" button of /quote and /discount: re-render the same command and post it
for the channel, then replace the ephemeral copy with a short confirmation. Never into a channel shared with customers."""

from __future__ import annotations

from slack_bolt import Ack, App, BoltContext, Respond

from bot.guard import internal_only, share_refusal
from bot.quotes.blocks import POST_ACTION_ID, parse_post_value
from bot.quotes.reply import policy_from_settings, render
from bot.quotes.settings import QuoteSettings


def register(app: App) -> None:
    policy = policy_from_settings(QuoteSettings())

    @app.action(POST_ACTION_ID, middleware=[internal_only])
    def post_quote(ack: Ack, body: dict, context: BoltContext, respond: Respond) -> None:
        ack()
        action = (body.get("actions") or [{}])[0]
        parsed = parse_post_value(action.get("value") or "")
        if parsed is None:
            respond(text="That button is out of date: run the command again.", response_type="ephemeral",
                    replace_original=False)
            return
        command, text, role = parsed
        channel = (body.get("channel") or {}).get("id")
        refusal = share_refusal(context["rt"], channel)
        if refusal:
            respond(text=refusal, response_type="ephemeral", replace_original=False)
            return
        user = (body.get("user") or {}).get("id")
        fallback, blocks, ok = render(command, text, directory_role=role, policy=policy, shared_by=user)
        if not ok:
            respond(text=fallback, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        respond(text=fallback, blocks=blocks, response_type="in_channel", replace_original=False)
        # Replace the ephemeral copy (and its button) so a second tap cannot post it twice.
        respond(text="Posted to the channel.", response_type="ephemeral", replace_original=True)
