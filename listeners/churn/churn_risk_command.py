"""`/churn-risk [account] [share]`: one account's level, signals and next steps, or your book.

Thin: parse, look up, assess (services), render (bot/churn/blocks.py), reply.
"""

from __future__ import annotations

from slack_bolt import App

from bot.churn.blocks import (
    HELP_WORDS,
    candidates_blocks,
    churn_reply_blocks,
    help_blocks,
    no_match_blocks,
    own_book_blocks,
    usage_blocks,
)
from bot.churn.flow import assess_and_note, book, lookup
from bot.clock import now as clock_now
from bot.db.session import session_scope
from bot.events import first_delivery_of_command
from bot.guard import internal_only, share_refusal
from bot.runtime import Runtime
from services.mrkdwn import escape


def parse(text: str) -> tuple[str, bool]:
    """(account query, share?) from the command text; `share` is the last word."""
    words = text.split()
    share = bool(words) and words[-1].lower() == "share"
    return " ".join(words[:-1] if share else words), share


def handle_churn_risk(ack, command, respond, context) -> None:
    ack()
    rt: Runtime = context["rt"]
    if not first_delivery_of_command(rt, command):  # a redelivered request answers once
        return
    query, share = parse(command.get("text") or "")
    now = clock_now()
    if query.lower() in HELP_WORDS:  # help answers before any lookup, whatever data is loaded
        respond(response_type="ephemeral", text="How to use /churn-risk", blocks=help_blocks())
        return
    if share and not query:
        respond(response_type="ephemeral", text="Which account should I share?",
                blocks=usage_blocks("`share` needs an account before it."))
        return
    if len(query) > 200:
        respond(response_type="ephemeral", text="That account name is too long.",
                blocks=usage_blocks("That is longer than any account name (200 characters at most)."))
        return
    with session_scope(rt.session_factory) as s:
        if not query:
            assessments = book(s, command["user_id"], now)
            respond(response_type="ephemeral", text=f"Your book: {len(assessments)} accounts",
                    blocks=own_book_blocks(assessments, now))
            return
        matches = lookup(s, query)
        if not matches:
            respond(response_type="ephemeral", text=f"No account matches '{escape(query)}'.", blocks=no_match_blocks(query))
            return
        if len(matches) > 1:
            respond(response_type="ephemeral", text=f"'{escape(query)}' matches {len(matches)} accounts.",
                    blocks=candidates_blocks(query, [(a.id, a.name) for a in matches]))
            return
        assessment = assess_and_note(s, matches, now)[0]
    text = f"{escape(assessment.account.name)}: {assessment.level.replace('_', ' ')}"
    if share:
        refusal = share_refusal(rt, command.get("channel_id"))
        if refusal:
            respond(response_type="ephemeral", text=refusal)
            return
        respond(response_type="in_channel", text=text, blocks=churn_reply_blocks(assessment, now, shared=True))
        return
    respond(response_type="ephemeral", text=text, blocks=churn_reply_blocks(assessment, now))


def register(app: App) -> None:
    app.command("/churn-risk", middleware=[internal_only])(handle_churn_risk)
