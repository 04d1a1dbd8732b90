"""Customer replies under a broadcast are forwarded to #support-customer-success with the
owner tagged (002_59a801b964a2a19e.txt:4294, 4298; 4160; E22). A redelivered event posts nothing
new: the outbox key is the reply's (channel, ts)."""

from __future__ import annotations

from slack_bolt import App
from sqlalchemy import select

from bot.db.models import Account, AccountSlackChannel
from bot.db.session import session_scope
from bot.incidents.blocks import engagement_forward_text
from bot.incidents.dispatch import deliver_keys, engagement_channel
from bot.incidents.tables import Delivery, Incident
from bot.outbox import enqueue
from services.incidents.policy import SEVERITIES


def is_broadcast_reply(event: dict, context) -> bool:
    """Matcher: a human reply in the thread of one of our broadcast posts."""
    thread = event.get("thread_ts")
    if not thread or thread == event.get("ts") or event.get("bot_id") or event.get("subtype"):
        return False
    with session_scope(context["rt"].session_factory) as s:
        return s.scalar(select(Delivery.id).where(Delivery.channel_id == event.get("channel"), Delivery.slack_ts == thread, Delivery.status == "sent").limit(1)) is not None


def handle(event, client, context) -> None:
    rt = context["rt"]
    channel, ts = event["channel"], event["ts"]
    with session_scope(rt.session_factory) as s:
        d = s.scalar(select(Delivery).where(Delivery.channel_id == channel, Delivery.slack_ts == event["thread_ts"]).limit(1))
        inc = s.get(Incident, d.incident_id)
        account = s.scalar(select(Account).join(AccountSlackChannel).where(AccountSlackChannel.channel_id == channel))
        label = f"SEV {inc.severity}" if inc.severity == 0 else SEVERITIES[inc.severity].label
        name, owner = (account.name, account.owner_slack_id) if account else (None, None)
    link = client.chat_getPermalink(channel=channel, message_ts=ts).get("permalink", "")
    key = f"inc:reply:{channel}:{ts}"
    with session_scope(rt.session_factory) as s:
        enqueue(s, key=key, channel=engagement_channel(rt), text=engagement_forward_text(name, channel, label, event.get("text", ""), link, owner))
    deliver_keys(rt, [key])


def register(app: App) -> None:
    app.event("message", matchers=[is_broadcast_reply])(handle)
