"""Listener middleware for `/incident`: internal people only (bot.guard), never from a channel
shared with a customer (spec C.2, E11b), since replies carry owners and counts."""

from __future__ import annotations

import json

from slack_bolt import BoltResponse

from bot.guard import is_external_channel
from bot.incidents.flow import SHARED_CHANNEL_REFUSAL


def not_in_shared_channel(body: dict, context, next) -> BoltResponse | None:
    if body.get("command") and is_external_channel(context["rt"], body.get("channel_id")):
        reply = {"response_type": "ephemeral", "text": SHARED_CHANNEL_REFUSAL}
        return BoltResponse(status=200, body=json.dumps(reply), headers={"content-type": "application/json;charset=utf-8"})
    return next()
