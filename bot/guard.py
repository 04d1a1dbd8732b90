"""Who may see account data, and where it may be posted.

The bot's internal commands reveal account data (ARR, owners, payment trouble).
Only members of the installing workspace who are not guests may use them, and
such data is never posted into an externally shared (Slack Connect) channel."""

from __future__ import annotations

import json
import logging
import time
from typing import Any
from urllib.error import URLError

from slack_bolt import BoltResponse
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.runtime import Runtime

log = logging.getLogger("gtmbot.guard")

_TTL = 600.0

_MEMBERS_ONLY = (
    "is only for members of our own workspace: it shows internal account data. "
    "If you think you should have access, ask your Slack admin."
)
REFUSAL = f"Sorry, this command {_MEMBERS_ONLY}"  # when the request names no command


def refusal(body: dict[str, Any]) -> str:
    """The refusal for this request, naming what was refused: the command, the button, the form."""
    if body.get("command"):
        return f"Sorry, {body['command']} {_MEMBERS_ONLY}"
    if body.get("type") == "block_actions":
        action = (body.get("actions") or [{}])[0]
        label = ((action.get("text") or {}).get("text") or "").strip()
        return f"Sorry, this button{f' ({label})' if label else ''} {_MEMBERS_ONLY}"
    if body.get("type") == "view_submission":
        return f"Sorry, this form {_MEMBERS_ONLY}"
    return REFUSAL
EXTERNAL_CHANNEL_REFUSAL = (
    "I can't post that here: this channel is shared with people outside the company, and the reply "
    "contains internal account data. Run the command in an internal channel or a DM."
)


SLACK_UNAVAILABLE = (
    "Slack is not answering right now, so I can't check that you are a member of our workspace. "
    "Please try again in a minute."
)
SLACK_UNAVAILABLE_CHANNEL = (
    "Slack is not answering right now, so I can't check whether this channel is shared with people "
    "outside the company. Nothing was posted: please try again in a minute."
)

# Slack errors that say "not now", not "no": never cached as an answer.
TRANSIENT_ERRORS = {"internal_error", "fatal_error", "service_unavailable", "request_timeout", "ratelimited"}


class SlackUnavailable(Exception):
    """Slack did not answer a read (5xx, timeout, dropped connection) even after the client's retries."""


def _cached(rt: Runtime, key: str, fetch, *, fresh: bool = False) -> Any:
    """A Slack fact, cached for _TTL (`fresh`: read now, and keep the new answer). A transient
    failure raises SlackUnavailable and is not cached: one bad answer from Slack must not become ten
    minutes of a wrong one."""
    hit = rt.cache.get(key)
    now = time.monotonic()
    if hit and now - hit[0] < _TTL and not fresh:
        return hit[1]
    value = fetch()
    rt.cache[key] = (now, value)
    return value


def _read(call, *, missing: Any = None) -> Any:
    """Run a Slack read: its value; `missing` for a definite "no such thing"; SlackUnavailable when
    Slack could not answer (the client has already retried reads)."""
    try:
        return call()
    except SlackApiError as e:
        status = e.response.status_code if e.response is not None else 0
        error = e.response.get("error") if e.response is not None else None
        if status >= 500 or status == 429 or error in TRANSIENT_ERRORS:
            raise SlackUnavailable(error or f"HTTP {status}") from e
        return missing
    except (OSError, URLError) as e:  # timeouts, refused or dropped connections
        raise SlackUnavailable(str(e)) from e


def home_team_id(rt: Runtime) -> str:
    if rt.settings.slack_team_id:
        return rt.settings.slack_team_id

    def fetch() -> str:
        team = _read(lambda: rt.client.auth_test()["team_id"])
        if not team:
            raise SlackUnavailable("auth.test answered without a team")
        return team

    return _cached(rt, "auth.test", fetch)


def _user_info(rt: Runtime, user_id: str) -> dict[str, Any] | None:
    return _cached(rt, f"user:{user_id}", lambda: _read(lambda: rt.client.users_info(user=user_id)["user"]))


def user_info(rt: Runtime, user_id: str) -> dict[str, Any] | None:
    """The user's Slack profile; None when unknown or when Slack cannot be reached right now."""
    try:
        return _user_info(rt, user_id)
    except SlackUnavailable:
        return None


def _channel_info(client: WebClient, rt: Runtime, channel_id: str, *, fresh: bool = False) -> dict[str, Any] | None:
    """The channel's facts; None when unknown; SlackUnavailable when Slack cannot say right now."""
    return _cached(rt, f"channel:{channel_id}",
                   lambda: _read(lambda: client.conversations_info(channel=channel_id)["channel"]), fresh=fresh)


def forget_channel(rt: Runtime, channel_id: str) -> None:
    """Drop the cached facts of a channel that changed (left, archived, renamed, shared), and the
    name it was known by (bot.channels maps a setting's #name to an id)."""
    rt.cache.pop(f"channel:{channel_id}", None)
    for key in [k for k, v in list(rt.cache.items()) if k.startswith("chan-name:") and v == channel_id]:
        rt.cache.pop(key, None)


def channel_info(client: WebClient, rt: Runtime, channel_id: str, *, fresh: bool = False) -> dict[str, Any] | None:
    """The channel's facts; None when unknown or when Slack cannot be reached right now (not cached)."""
    try:
        return _channel_info(client, rt, channel_id, fresh=fresh)
    except SlackUnavailable:
        return None


def internal_status(rt: Runtime, body: dict[str, Any], user_id: str | None) -> bool:
    """A member of the installing workspace, not a guest, not a Slack Connect stranger. Raises
    SlackUnavailable when Slack cannot tell us right now."""
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
    info = _user_info(rt, user_id)
    if not info:
        return False
    return (
        info.get("team_id") == home
        and not info.get("is_stranger")
        and not info.get("is_restricted")
        and not info.get("is_ultra_restricted")
        and not info.get("deleted")
    )


def is_internal_user(rt: Runtime, body: dict[str, Any], user_id: str | None) -> bool:
    """`internal_status`, failing closed (False) while Slack cannot answer; nothing is cached then."""
    try:
        return internal_status(rt, body, user_id)
    except SlackUnavailable:
        return False


def visible_channel(rt: Runtime, channel_id: str) -> dict[str, Any] | None:
    """The channel's facts, or None when the bot cannot see it (a private channel it is not in;
    Slack answers channel_not_found). Raises SlackUnavailable when Slack cannot answer right now."""
    return _channel_info(rt.client, rt, channel_id)


def is_shared_channel(info: dict[str, Any]) -> bool:
    return bool(info.get("is_ext_shared") or info.get("is_shared") or info.get("is_pending_ext_shared"))


def share_refusal(rt: Runtime, channel_id: str | None) -> str | None:
    """Why account data may not be posted in this channel, or None when it may (an internal channel
    or a DM). Fails closed, and says which way: a Slack Connect or unknown channel is refused as
    such; when Slack cannot tell us right now the user is told that, not that the channel is shared.
    Read afresh, not from the cache: a channel shared with a customer a minute ago must not get
    account data because it was internal when last asked (and another process may have seen the change)."""
    if not channel_id or channel_id.startswith("D"):
        return None
    try:
        info = _channel_info(rt.client, rt, channel_id, fresh=True)
    except SlackUnavailable as e:
        log.warning("channel check: Slack is not answering (%s)", e)
        return SLACK_UNAVAILABLE_CHANNEL
    if info is None or info.get("is_ext_shared") or info.get("is_shared") or info.get("is_pending_ext_shared"):
        return EXTERNAL_CHANNEL_REFUSAL
    return None


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
    try:
        if internal_status(rt, body, requesting_user(body)):
            return next()
        text = refusal(body)
    except SlackUnavailable as e:  # not "you are not a member": we could not ask
        log.warning("internal-only check: Slack is not answering (%s)", e)
        text = SLACK_UNAVAILABLE
    if body.get("command"):
        reply = {"response_type": "ephemeral", "text": text}
        return BoltResponse(status=200, body=json.dumps(reply),
                            headers={"content-type": "application/json;charset=utf-8"})
    if body.get("response_url") or body.get("response_urls"):
        respond(text=text, response_type="ephemeral", replace_original=False)
    return BoltResponse(status=200, body="")
