"""Who may see account data, and where it may be posted.

The bot's internal commands reveal account data (ARR, owners, payment trouble).
Only members of the installing workspace who are not guests may use them, and
such data is never posted into an externally shared (Slack Connect) channel."""

from __future__ import annotations

import json
import time
from typing import Any

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime

_TTL = 600.0

REFUSAL = (
    "Sorry, this command is only for members of our own workspace: it shows internal account data. "
    "If you think you should have access, ask your Slack admin."
)
EXTERNAL_CHANNEL_REFUSAL = (
    "I can't post that here: this channel is shared with people outside the company, and the reply "
    "contains internal account data. Run the command in an internal channel or a DM."
)


def _cached(rt: Runtime, key: str, fetch) -> Any:
    hit = rt.cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL:
        return hit[1]
    value = fetch()
    rt.cache[key] = (now, value)
    return value


def home_team_id(rt: Runtime) -> str:
    if rt.settings.slack_team_id:
        return rt.settings.slack_team_id
    return _cached(rt, "auth.test", lambda: rt.client.auth_test()["team_id"])


def user_info(rt: Runtime, user_id: str) -> dict[str, Any] | None:
    def fetch() -> dict[str, Any] | None:
        try:
            return rt.client.users_info(user=user_id)["user"]
        except SlackApiError:
            return None

    return _cached(rt, f"user:{user_id}", fetch)


def channel_info(client: WebClient, rt: Runtime, channel_id: str) -> dict[str, Any] | None:
    def fetch() -> dict[str, Any] | None:
        try:
            return client.conversations_info(channel=channel_id)["channel"]
        except SlackApiError:
            return None

    return _cached(rt, f"channel:{channel_id}", fetch)


def is_internal_user(rt: Runtime, body: dict[str, Any], user_id: str | None) -> bool:
    """A member of the installing workspace, not a guest, not a Slack Connect stranger."""
    if not user_id:
        return False
    home = home_team_id(rt)
    # Payload hints first (Slack sets these for users from other organisations).
    for key in ("user_team", "user_team_id"):
        if body.get(key) and body[key] != home:
            return False
    user = body.get("user")
    if isinstance(user, dict) and user.get("team_id") and user["team_id"] != home:
        return False
    info = user_info(rt, user_id)
    if not info:
        return False
    return (
        info.get("team_id") == home
        and not info.get("is_stranger")
        and not info.get("is_restricted")
        and not info.get("is_ultra_restricted")
        and not info.get("deleted")
    )


def is_external_channel(rt: Runtime, channel_id: str | None) -> bool:
    """True for Slack Connect channels (and unknown channels: fail closed)."""
    if not channel_id or channel_id.startswith("D"):
        return False
    info = channel_info(rt.client, rt, channel_id)
    if info is None:
        return True
    return bool(info.get("is_ext_shared") or info.get("is_shared") or info.get("is_pending_ext_shared"))


def requesting_user(body: dict[str, Any]) -> str | None:
    if body.get("user_id"):
        return body["user_id"]
    user = body.get("user")
    if isinstance(user, dict):
        return user.get("id")
    if isinstance(user, str):
        return user
    return body.get("event", {}).get("user")


def internal_only(body: dict[str, Any], context, respond, next) -> BoltResponse | None:
    """Listener middleware (Dispatch-style permission check) for commands and actions
    that reveal account data: strangers get an ephemeral refusal and nothing runs."""
    rt: Runtime = context["rt"]
    if is_internal_user(rt, body, requesting_user(body)):
        return next()
    if body.get("command"):
        reply = {"response_type": "ephemeral", "text": REFUSAL}
        return BoltResponse(status=200, body=json.dumps(reply),
                            headers={"content-type": "application/json;charset=utf-8"})
    if body.get("response_url") or body.get("response_urls"):
        respond(text=REFUSAL, response_type="ephemeral", replace_original=False)
    return BoltResponse(status=200, body="")
