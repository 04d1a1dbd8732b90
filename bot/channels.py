"""Channel settings may name channels (#sales-alerts) or give ids; Slack wants ids."""

from __future__ import annotations

from bot.runtime import Runtime


def channel_id(rt: Runtime, name_or_id: str) -> str:
    value = name_or_id.lstrip("#")
    if value[:1] in ("C", "G", "D") and value.upper() == value:
        return value
    key = f"chan-name:{value}"
    if key in rt.cache:
        return rt.cache[key]
    cursor = None
    while True:
        resp = rt.client.conversations_list(types="public_channel,private_channel", limit=200,
                                            exclude_archived=True, cursor=cursor)
        for chan in resp.get("channels", []):
            rt.cache[f"chan-name:{chan['name']}"] = chan["id"]
        if key in rt.cache:
            return rt.cache[key]
        cursor = (resp.get("response_metadata") or {}).get("next_cursor")
        if not cursor:
            raise LookupError(f"no Slack channel named #{value}: invite the bot there or set the channel id")
