"""Sends requests into a running gtmbot exactly as Slack does: slash commands and
interactivity as signed form posts, events as signed JSON, with Slack's
headers (X-Slack-Signature, X-Slack-Request-Timestamp, X-Slack-Retry-Num).

Replies are read back from the FakeSlack the bot talks to. Used by the tests and
by `gtmbot demo`."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from bot.fakes.slack import FakeSlack, ResponseUrlPost
from bot.render import blocks_to_text

_ids = itertools.count(1)


def wait_until(predicate: Callable[[], Any], timeout: float = 15.0, *, interval: float = 0.02,
               message: str = "condition not met in time") -> Any:
    """Poll `predicate` until it is truthy and return its value; AssertionError after `timeout`.
    The one way tests wait: for the condition they expect, never for a fixed time."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"{message} (waited {timeout:g} s)")
        time.sleep(interval)


def wait_idle(timeout: float = 30.0) -> None:
    """Wait until the bot in this process has finished every listener and background send it started:
    the positive signal to wait for before asserting that nothing more happened."""
    from bot.work import wait_idle as idle

    if not idle(timeout):
        raise AssertionError(f"the bot still had work in flight after {timeout:g} s")


def sign(secret: str, timestamp: str, body: bytes) -> str:
    base = f"v0:{timestamp}:".encode() + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Reply:
    """What the user saw: the HTTP ack and whatever came back on the response_url."""

    status: int
    ack_body: str
    slack: FakeSlack
    response_channel: str | None = None
    response_token: str | None = None
    _posts: list[ResponseUrlPost] = field(default_factory=list)

    @property
    def ack(self) -> dict[str, Any] | None:
        try:
            return json.loads(self.ack_body) if self.ack_body else None
        except ValueError:
            return {"text": self.ack_body}

    def responses(self, count: int = 1, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The first `count` bodies posted to this request's response_url (waits for them)."""
        token = self.response_token

        def mine() -> list[ResponseUrlPost]:
            return [p for p in self.slack.responses if p.token == token]

        self.slack.wait_for(lambda: len(mine()) >= count, timeout)
        return [p.body for p in mine()]

    def messages(self, timeout: float = 10.0) -> list[dict[str, Any]]:
        """Everything shown to the user: the ack body if it carried a message, else
        the response_url posts (waiting for the first one)."""
        ack = self.ack
        if ack and (ack.get("text") or ack.get("blocks")):
            extra = [p.body for p in self.slack.responses if p.token == self.response_token]
            return [ack, *extra]
        return self.responses(1, timeout) + [
            p.body for p in self.slack.responses if p.token == self.response_token][1:]

    def text(self, timeout: float = 10.0) -> str:
        return "\n".join(blocks_to_text(m.get("blocks"), m.get("text", "")) for m in self.messages(timeout))

    def first(self, timeout: float = 10.0) -> dict[str, Any]:
        return self.messages(timeout)[0]


class SlackDriver:
    def __init__(self, base_url: str, signing_secret: str, slack: FakeSlack, *, team_id: str | None = None,
                 api_app_id: str = "A0GTMBOT") -> None:
        self.url = base_url.rstrip("/") + "/slack/events"
        self.secret = signing_secret
        self.slack = slack
        self.team_id = team_id or slack.team_id
        self.api_app_id = api_app_id
        self.http = httpx.Client(timeout=30)

    # ---------------------------------------------------------------- signing
    def post_raw(self, body: bytes, content_type: str, *, timestamp: int | None = None,
                 signature: str | None = None, retry_num: int | None = None,
                 retry_reason: str = "http_timeout") -> httpx.Response:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        headers = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": ts,
            "X-Slack-Signature": signature or sign(self.secret, ts, body),
        }
        if retry_num is not None:
            headers["X-Slack-Retry-Num"] = str(retry_num)
            headers["X-Slack-Retry-Reason"] = retry_reason
        return self.http.post(self.url, content=body, headers=headers)

    # --------------------------------------------------------------- commands
    def command_body(self, command: str, text: str = "", *, user: str = "U0TAE01", channel: str = "C0GENERAL",
                     team_id: str | None = None, user_team_id: str | None = None) -> tuple[bytes, str, str]:
        token = f"cmd{next(_ids)}"
        form = {
            "token": "legacy-verification-token", "team_id": team_id or self.team_id, "team_domain": "acme",
            "channel_id": channel, "channel_name": self._channel_name(channel), "user_id": user,
            "user_name": self._user_name(user), "command": command, "text": text, "api_app_id": self.api_app_id,
            "is_enterprise_install": "false", "response_url": self.slack.response_url(channel, token),
            "trigger_id": f"{next(_ids)}.{uuid.uuid4().hex[:12]}",
        }
        if user_team_id:
            form["user_team_id"] = user_team_id
        return urlencode(form).encode(), channel, token

    def command(self, command: str, text: str = "", *, user: str = "U0TAE01", channel: str = "C0GENERAL",
                team_id: str | None = None, user_team_id: str | None = None, **signing: Any) -> Reply:
        body, chan, token = self.command_body(command, text, user=user, channel=channel, team_id=team_id,
                                              user_team_id=user_team_id)
        resp = self.post_raw(body, "application/x-www-form-urlencoded", **signing)
        return Reply(resp.status_code, resp.text, self.slack, chan, token)

    # ----------------------------------------------------------------- events
    def event(self, event: dict[str, Any], *, event_id: str | None = None, retry_num: int | None = None,
              **signing: Any) -> httpx.Response:
        envelope = {
            "token": "legacy-verification-token", "team_id": self.team_id, "api_app_id": self.api_app_id,
            "event": event, "type": "event_callback", "event_id": event_id or f"Ev{next(_ids):010d}",
            "event_time": int(time.time()), "authorizations": [{
                "enterprise_id": None, "team_id": self.team_id, "user_id": self.slack.bot_user_id,
                "is_bot": True, "is_enterprise_install": False}],
            "is_ext_shared_channel": False,
        }
        body = json.dumps(envelope).encode()
        return self.post_raw(body, "application/json", retry_num=retry_num, **signing)

    # ---------------------------------------------------------- interactivity
    def action(self, *, action_id: str, value: str = "", user: str = "U0TAE01", channel: str = "C0GENERAL",
               message: dict[str, Any] | None = None, block_id: str = "b0", container: dict | None = None,
               response_token: str | None = None, view: dict[str, Any] | None = None,
               **signing: Any) -> Reply:
        token = response_token or f"act{next(_ids)}"
        payload: dict[str, Any] = {
            "type": "block_actions", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user, "username": self._user_name(user), "team_id": self._user_team(user)},
            "api_app_id": self.api_app_id, "token": "legacy-verification-token",
            "container": container or {"type": "message", "channel_id": channel, "is_ephemeral": True},
            "trigger_id": f"{next(_ids)}.{uuid.uuid4().hex[:12]}",
            "channel": {"id": channel, "name": self._channel_name(channel)},
            "response_url": self.slack.response_url(channel, token),
            "actions": [{"action_id": action_id, "block_id": block_id, "value": value, "type": "button",
                         "action_ts": f"{time.time():.6f}"}],
        }
        if message is not None:
            payload["message"] = message
        if view is not None:
            payload["view"] = view
            payload["container"] = {"type": "view", "view_id": view.get("id", "V0")}
        body = urlencode({"payload": json.dumps(payload)}).encode()
        resp = self.post_raw(body, "application/x-www-form-urlencoded", **signing)
        return Reply(resp.status_code, resp.text, self.slack, channel, token)

    def click(self, button: dict[str, Any], *, user: str = "U0TAE01", channel: str = "C0GENERAL",
              message: dict[str, Any] | None = None) -> Reply:
        """Press a button element taken from a reply's blocks."""
        return self.action(action_id=button["action_id"], value=button.get("value", ""), user=user,
                           channel=channel, message=message)

    def view_submission(self, view: dict[str, Any], values: dict[str, dict[str, dict[str, Any]]], *,
                        user: str = "U0TAE01") -> httpx.Response:
        submitted = dict(view)
        submitted.setdefault("id", f"V{next(_ids):08d}")
        submitted["state"] = {"values": values}
        payload = {
            "type": "view_submission", "team": {"id": self.team_id, "domain": "acme"},
            "user": {"id": user, "username": self._user_name(user), "team_id": self._user_team(user)},
            "api_app_id": self.api_app_id, "token": "legacy-verification-token",
            "trigger_id": f"{next(_ids)}.{uuid.uuid4().hex[:12]}", "view": submitted,
        }
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return self.post_raw(body, "application/x-www-form-urlencoded")

    # --------------------------------------------------------------- helpers
    def _user_name(self, user: str) -> str:
        return (self.slack.users.get(user) or {}).get("name", user.lower())

    def _user_team(self, user: str) -> str:
        return (self.slack.users.get(user) or {}).get("team_id", self.team_id)

    def _channel_name(self, channel: str) -> str:
        return (self.slack.channels.get(channel) or {}).get("name", "unknown")
