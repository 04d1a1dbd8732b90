"""The bot was /invite-d into a channel (`member_joined_channel` for its own user, incidents-and-tickets.md
A.2.1; 002_59a801b964a2a19e.txt:12625 "use a slash command in Slack to invite it: /invite @SupportHog").
The inviter gets a private checklist for a customer channel: naming, sharing, the account mapping that
decides the Zendesk organization, and the handbook's training text to paste for the customer."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from sqlalchemy import select

from bot.db.models import Account, AccountSlackChannel
from bot.db.session import session_scope
from bot.guard import channel_info, user_info
from bot.runtime import Runtime
from bot.tickets.blocks import join_checklist_blocks
from bot.tickets.flow import _account_facts, _ephemeral, _is_internal, channel_facts, ticket_settings
from services.tickets import policy

log = logging.getLogger("gtmbot.tickets")


@dataclass(frozen=True)
class JoinOutcome:
    sent: bool
    reason: str


def bot_name(rt: Runtime, bot_user_id: str) -> str:
    """The name people type after @ (the handbook's "@SupportHog" becomes this)."""
    info = user_info(rt, bot_user_id) or {}
    profile = info.get("profile") or {}
    return profile.get("display_name") or info.get("name") or profile.get("real_name") or "gtmbot"


def on_bot_joined(
    rt: Runtime, channel_id: str, inviter: str | None, *, bot_user_id: str, event_ts: str
) -> JoinOutcome:
    # What we knew about the channel predates joining it (sharing may have changed): read it afresh.
    rt.cache.pop(f"channel:{channel_id}", None)
    facts = channel_facts(rt, channel_id)
    if not policy.should_send_join_checklist(facts.kind, facts.name):
        log.debug("joined %s (%s): not a customer channel, no checklist", channel_id, facts.name)
        return JoinOutcome(False, "not a customer channel")
    if not inviter:
        log.info("joined customer channel %s without an inviter: no one to send the checklist to", channel_id)
        return JoinOutcome(False, "no inviter")
    if not _is_internal(rt, inviter):
        return JoinOutcome(False, "inviter is not one of ours")  # the checklist names the account and owner
    info = channel_info(rt.client, rt, channel_id) or {}
    with session_scope(rt.session_factory) as s:
        account = s.scalar(
            select(Account).join(AccountSlackChannel).where(AccountSlackChannel.channel_id == channel_id)
        )
        account_facts = _account_facts(account) if account else None
    emoji = ticket_settings(rt).ticket_emoji
    checklist = policy.join_checklist(
        facts.name,
        is_ext_shared=bool(info.get("is_ext_shared") or info.get("is_pending_ext_shared")),
        account=account_facts,
        bot_name=bot_name(rt, bot_user_id),
        emoji=emoji,
    )
    _ephemeral(
        rt,
        channel_id,
        inviter,
        join_checklist_blocks(checklist, emoji=emoji),
        key=f"ticket-join-checklist:{channel_id}:{inviter}:{event_ts}",
    )
    return JoinOutcome(True, "checklist sent")
