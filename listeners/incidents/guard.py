"""Listener middleware for `/incident`: internal people only (bot.guard), never from a channel
shared with a customer (spec C.2, E11b), since replies carry owners and counts. A private channel
the bot is not in cannot be checked, so that is refused too, saying so and what to do instead."""

from __future__ import annotations

import json

from slack_bolt import BoltResponse

from bot.guard import SlackUnavailable, is_shared_channel, visible_channel
from bot.incidents.dispatch import coord_channel
from bot.incidents.flow import CANNOT_SEE_CHANNEL, SHARED_CHANNEL_REFUSAL, SLACK_CANNOT_CHECK_CHANNEL
from services.mrkdwn import channel as channel_link


def not_in_shared_channel(body: dict, context, next) -> BoltResponse | None:
    channel = body.get("channel_id") or ""
    if not body.get("command") or not channel or channel.startswith("D"):
        return next()
    rt = context["rt"]
    try:
        info = visible_channel(rt, channel)
    except SlackUnavailable:
        return _ephemeral(SLACK_CANNOT_CHECK_CHANNEL)
    if info is None:
        return _ephemeral(CANNOT_SEE_CHANNEL.format(coord=channel_link(coord_channel(rt))))
    if is_shared_channel(info):
        return _ephemeral(SHARED_CHANNEL_REFUSAL)
    return next()


def _ephemeral(text: str) -> BoltResponse:
    reply = {"response_type": "ephemeral", "text": text}
    return BoltResponse(status=200, body=json.dumps(reply), headers={"content-type": "application/json;charset=utf-8"})
