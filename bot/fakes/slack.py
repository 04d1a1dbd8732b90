"""A local stand-in for the Slack Web API, speaking its wire format over real HTTP.

Used by the test suite (through `tests/fakes/slack.py`) and by `gtmbot demo`.
It keeps a small workspace (team, users incl. external ones, channels incl.
externally shared ones, messages and threads), answers reads consistently with
earlier writes, records every call with its parsed arguments, and can be told to
rate-limit a method (HTTP 429 with Retry-After), to fail the next calls, or to play a
network fault on the next call of a method (`faults`: accept then drop the connection,
accept then 5xx, 5xx before accepting, 429, stall past the client's timeout).

Response URLs (`response_url` of slash commands and actions) are served here too:
`POST {base}/response/{channel}/{token}`. So are file uploads (files.uploadV2's three steps):
files.getUploadURLExternal hands out `{base}/upload/v1/{file_id}`, the raw bytes are POSTed there,
and files.completeUploadExternal shares the file in a channel or thread as a message with `files`.
Uploaded files are kept in `files` for tests to read (`file_text(name)`).
"""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

from bot.fakes.faults import FaultScript, before_answer, drop

JSON_FIELDS = {"blocks", "attachments", "metadata", "view", "user_auth_blocks"}

INTERNAL_TEAM = "T0INTERNAL"


@dataclass
class Call:
    method: str
    args: dict[str, Any]
    token: str | None
    at: float
    status: int = 200
    response: dict[str, Any] = field(default_factory=dict)


@dataclass
class ResponseUrlPost:
    channel: str
    token: str
    body: dict[str, Any]
    at: float


@dataclass
class _Bucket:
    per_second: float
    burst: float
    per_channel: bool
    tokens: dict[str, float] = field(default_factory=dict)
    stamp: dict[str, float] = field(default_factory=dict)


class FakeSlack:
    """In-memory Slack workspace behind a ThreadingHTTPServer on 127.0.0.1:0."""

    def __init__(self, *, team_id: str = INTERNAL_TEAM, team_name: str = "Acme SaaS Inc",
                 bot_user_id: str = "U0GTMBOT", bot_token: str = "xoxb-test-token") -> None:
        self.team_id = team_id
        self.team_name = team_name
        self.bot_user_id = bot_user_id
        self.bot_id = "B0GTMBOT"
        self.bot_token = bot_token
        self._lock = threading.RLock()
        self._cond = threading.Condition(self._lock)
        self.users: dict[str, dict[str, Any]] = {}
        self.channels: dict[str, dict[str, Any]] = {}
        self.messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.ephemerals: list[dict[str, Any]] = []
        self.views: dict[str, dict[str, Any]] = {}
        self.home_views: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.responses: list[ResponseUrlPost] = []
        self.files: dict[str, dict[str, Any]] = {}  # file id -> name, title, length, content (bytes), shares
        self._ts = itertools.count(1)
        self._ts_base = int(time.time())
        self._last_ts = 0
        self._limits: dict[str, _Bucket] = {}
        self._failures: dict[str, list[tuple[int, str, float | None]]] = defaultdict(list)
        self._channel_failures: dict[tuple[str, str], str] = {}
        self._throttled: dict[tuple[str, str], tuple[float, float | None]] = {}
        self.enforce_token = True
        # Network faults per method ("chat.postMessage", "response_url"): see bot/fakes/faults.py.
        self.faults = FaultScript()
        self.add_user(bot_user_id, "gtmbot", is_bot=True)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ server
    def start(self) -> FakeSlack:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                self._dispatch()

            def do_POST(self) -> None:
                self._dispatch()

            def _dispatch(self) -> None:
                parsed = urlparse(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                name = "response_url" if parsed.path.startswith("/response/") else parsed.path.removeprefix("/api/")
                fault = fake.faults.take(name, fake._parse_body(dict(self.headers.items()), raw,
                                                                 parse_qs(parsed.query)))
                early = before_answer(fault)
                if early is not None:
                    status, headers, body = early
                    with fake._lock:
                        fake.calls.append(Call(name, {}, None, time.time(), status, body))
                        fake._cond.notify_all()
                else:
                    status, headers, body = fake._handle(
                        self.command, parsed.path, parse_qs(parsed.query), dict(self.headers.items()), raw
                    )
                if fault is not None and fault.kind == "drop_after":
                    return drop(self)
                if fault is not None and fault.kind == "error_after":
                    status, headers, body = fault.status, {}, {"ok": False, "error": "internal_error"}
                if fault is not None and fault.kind == "stall":
                    time.sleep(fault.stall_s)
                raw_body = isinstance(body, bytes)  # the upload URL answers in plain text, as Slack's does
                data = body if raw_body else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "text/plain; charset=utf-8" if raw_body
                                     else "application/json; charset=utf-8")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a stall)
                    self.close_connection = True

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-slack", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server, "FakeSlack not started"
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """Value for SLACK_API_URL."""
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, channel: str, token: str | None = None) -> str:
        token = token or f"r{next(self._ts)}"
        return f"http://127.0.0.1:{self.port}/response/{channel}/{token}"

    # ------------------------------------------------------------- seed state
    def add_user(self, user_id: str, name: str, *, team_id: str | None = None, email: str | None = None,
                 is_bot: bool = False, real_name: str | None = None, tz: str = "UTC",
                 is_restricted: bool = False, is_ultra_restricted: bool = False, hide_email: bool = False,
                 status_text: str = "", status_emoji: str = "", presence: str = "active") -> dict[str, Any]:
        team = team_id or self.team_id
        profile: dict[str, Any] = {
            "real_name": real_name or name, "display_name": name, "status_text": status_text,
            "status_emoji": status_emoji,
        }
        if email and not hide_email:
            profile["email"] = email
        user = {
            "id": user_id, "team_id": team, "name": name, "real_name": real_name or name,
            "is_bot": is_bot, "deleted": False, "tz": tz, "profile": profile,
            "is_restricted": is_restricted, "is_ultra_restricted": is_ultra_restricted,
            "is_stranger": team != self.team_id, "_email": email, "_presence": presence,
        }
        if is_bot:
            user["profile"]["bot_id"] = self.bot_id
        with self._lock:
            self.users[user_id] = user
        return user

    def add_channel(self, channel_id: str, name: str, *, is_ext_shared: bool = False,
                    is_private: bool = False, bot_is_member: bool = True,
                    members: list[str] | None = None) -> dict[str, Any]:
        chan = {
            "id": channel_id, "name": name, "is_channel": not is_private, "is_group": is_private,
            "is_private": is_private, "is_archived": False, "is_ext_shared": is_ext_shared,
            "is_shared": is_ext_shared, "is_org_shared": False, "is_member": bot_is_member,
            "created": self._ts_base, "_members": set(members or []),
        }
        if bot_is_member:
            chan["_members"].add(self.bot_user_id)
        with self._lock:
            self.channels[channel_id] = chan
        return chan

    def add_message(self, channel: str, text: str, *, user: str, thread_ts: str | None = None,
                    ts: str | None = None, **extra: Any) -> dict[str, Any]:
        with self._lock:
            return self._store_message(channel, {"text": text, "user": user, "thread_ts": thread_ts, "ts": ts,
                                                 **extra})

    # -------------------------------------------------------------- scripting
    def rate_limit(self, method: str, *, per_second: float, burst: float = 1, per_channel: bool = False) -> None:
        """Enforce a token bucket on `method`: beyond it, HTTP 429 with Retry-After.
        A per-channel bucket and a workspace-wide one can both be set on one method
        (Slack's chat.postMessage: ~1/s per channel plus a workspace cap)."""
        with self._lock:
            self._limits[method + ("#channel" if per_channel else "")] = _Bucket(per_second=per_second, burst=burst, per_channel=per_channel)

    def fail_channel(self, channel: str, *, error: str = "channel_not_found", method: str = "chat.postMessage") -> None:
        """Make every `method` call for this channel fail with a Slack error until cleared."""
        with self._lock:
            self._channel_failures[(method, channel)] = error

    def clear_channel_failures(self) -> None:
        with self._lock:
            self._channel_failures.clear()
            self._throttled.clear()

    def throttle_channel(self, channel: str, *, seconds: float = 10.0, method: str = "chat.postMessage") -> None:
        """Make `method` on this channel answer 429 for `seconds` from its first call after this
        (Retry-After: the time left), as Slack does for one busy channel while the others go on."""
        with self._lock:
            self._throttled[(method, channel)] = (seconds, None)

    def clear_rate_limits(self) -> None:
        with self._lock:
            self._limits.clear()

    def fail(self, method: str, *, error: str = "internal_error", status: int = 200, times: int = 1,
             retry_after: float | None = None) -> None:
        """Make the next `times` calls of `method` fail (HTTP status and/or Slack error)."""
        with self._lock:
            self._failures[method].extend([(status, error, retry_after)] * times)

    # ---------------------------------------------------------------- reading
    def calls_to(self, method: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.method == method and c.status == 200 and c.response.get("ok")]

    def posts(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Messages the bot posted (chat.postMessage), oldest first."""
        with self._lock:
            out = []
            for chan, msgs in self.messages.items():
                if channel and chan != channel:
                    continue
                out.extend(m for m in msgs if m.get("bot_id") == self.bot_id)
            return sorted(out, key=lambda m: float(m["ts"]))

    def channel_messages(self, channel: str) -> list[dict[str, Any]]:
        with self._lock:
            return list(self.messages.get(channel, []))

    def wait_for(self, predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
        """Wait until predicate() is truthy (it is re-checked after every call). Returns its value."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                value = predicate()
                if value:
                    return value
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise AssertionError("FakeSlack.wait_for timed out")
                self._cond.wait(min(remaining, 0.05))

    def shared_files(self, channel: str | None = None) -> list[dict[str, Any]]:
        """Files shared by files.completeUploadExternal (in `channel` if given), oldest first."""
        with self._lock:
            return [f for f in self.files.values() if f["shares"]
                    and (channel is None or any(sh["channel"] == channel for sh in f["shares"]))]

    def file_text(self, name: str) -> str:
        """The uploaded content of the (last) shared file with this name, as text."""
        with self._lock:
            found = [f for f in self.files.values() if f["name"] == name and f["shares"]]
            if not found:
                raise KeyError(name)
            return found[-1]["content"].decode("utf-8")

    def wait_for_response(self, count: int = 1, timeout: float = 10.0) -> ResponseUrlPost:
        """The `count`-th response_url post (1-based)."""
        self.wait_for(lambda: len(self.responses) >= count, timeout)
        return self.responses[count - 1]

    # ------------------------------------------------------------- internals
    def _next_ts(self) -> str:
        """Real-time message timestamps, strictly increasing (Slack's ts are unique per channel)."""
        micros = max(int(time.time() * 1_000_000), self._last_ts + 1)
        self._last_ts = micros
        return f"{micros // 1_000_000}.{micros % 1_000_000:06d}"

    def _store_message(self, channel: str, msg: dict[str, Any]) -> dict[str, Any]:
        msg = {k: v for k, v in msg.items() if v is not None}
        msg.setdefault("type", "message")
        msg["ts"] = msg.get("ts") or self._next_ts()
        self.messages[channel].append(msg)
        parent_ts = msg.get("thread_ts")
        if parent_ts and parent_ts != msg["ts"]:
            for parent in self.messages[channel]:
                if parent["ts"] == parent_ts:
                    parent["thread_ts"] = parent_ts
                    parent["reply_count"] = parent.get("reply_count", 0) + 1
                    parent["latest_reply"] = msg["ts"]
                    break
        self._cond.notify_all()
        return msg

    def _parse_body(self, headers: dict[str, str], raw: bytes, query: dict[str, list[str]]) -> dict[str, Any]:
        args: dict[str, Any] = {k: v[0] for k, v in query.items()}
        ctype = next((v for k, v in headers.items() if k.lower() == "content-type"), "")
        if raw:
            if "json" in ctype:
                args.update(json.loads(raw.decode()))
            else:
                args.update({k: v[0] for k, v in parse_qs(raw.decode(), keep_blank_values=True).items()})
        for key in JSON_FIELDS:
            if isinstance(args.get(key), str):
                try:
                    args[key] = json.loads(args[key])
                except ValueError:
                    pass
        return args

    def _take_token(self, method: str, args: dict[str, Any]) -> float | None:
        """Token buckets (workspace, then per channel); seconds to wait when refused."""
        for name in (method, method + "#channel"):
            wait = self._take_from(self._limits.get(name), args)
            if wait is not None:
                return wait
        return None

    def _take_from(self, bucket: _Bucket | None, args: dict[str, Any]) -> float | None:
        if not bucket:
            return None
        key = str(args.get("channel", "")) if bucket.per_channel else "*"
        now = time.monotonic()
        tokens = bucket.tokens.get(key, bucket.burst)
        tokens = min(bucket.burst, tokens + (now - bucket.stamp.get(key, now)) * bucket.per_second)
        bucket.stamp[key] = now
        if tokens >= 1:
            bucket.tokens[key] = tokens - 1
            return None
        bucket.tokens[key] = tokens
        return (1 - tokens) / bucket.per_second

    def _handle(self, verb: str, path: str, query: dict[str, list[str]], headers: dict[str, str],
                raw: bytes) -> tuple[int, dict[str, str], dict[str, Any]]:
        with self._lock:
            if path.startswith("/response/"):
                _, _, channel, token = path.split("/", 3)
                body = self._parse_body(headers, raw, query)
                self.responses.append(ResponseUrlPost(channel, token, body, time.time()))
                if body.get("response_type") == "in_channel":
                    self._store_message(channel, {"text": body.get("text"), "blocks": body.get("blocks"),
                                                  "bot_id": self.bot_id, "user": self.bot_user_id})
                self._cond.notify_all()
                return 200, {}, {"ok": True}
            if path.startswith("/upload/v1/"):
                return self._upload(verb, path.removeprefix("/upload/v1/"), raw)
            if not path.startswith("/api/"):
                return 404, {}, {"ok": False, "error": "not_found"}
            method = path[len("/api/"):]
            args = self._parse_body(headers, raw, query)
            auth = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
            token = auth.removeprefix("Bearer ").strip() or args.pop("token", None)
            call = Call(method, args, token, time.time())
            self.calls.append(call)
            status, extra_headers, body = self._respond(method, args, token)
            call.status, call.response = status, body
            self._cond.notify_all()
            return status, extra_headers, body

    def _respond(self, method: str, args: dict[str, Any], token: str | None
                 ) -> tuple[int, dict[str, str], dict[str, Any]]:
        if self._failures.get(method):
            status, error, retry_after = self._failures[method].pop(0)
            hdrs = {"Retry-After": str(math.ceil(retry_after))} if retry_after is not None else {}
            if status == 429 and not hdrs:
                hdrs = {"Retry-After": "1"}
            return status, hdrs, {"ok": False, "error": error}
        throttle = self._throttled.get((method, str(args.get("channel", ""))))
        if throttle is not None:
            seconds, since = throttle
            now = time.monotonic()
            if since is None:
                since = now
                self._throttled[(method, str(args.get("channel", "")))] = (seconds, since)
            if now < since + seconds:
                return 429, {"Retry-After": str(max(1, math.ceil(since + seconds - now)))}, {"ok": False, "error": "ratelimited"}
        wait = self._take_token(method, args)
        if wait is not None:
            return 429, {"Retry-After": str(max(1, math.ceil(wait)))}, {"ok": False, "error": "ratelimited"}
        if (method, str(args.get("channel", ""))) in self._channel_failures:
            return 200, {}, {"ok": False, "error": self._channel_failures[(method, str(args.get("channel", "")))]}
        if self.enforce_token and token != self.bot_token:
            return 200, {}, {"ok": False, "error": "invalid_auth"}
        handler = getattr(self, "_api_" + method.replace(".", "_"), None)
        if handler is None:
            return 200, {}, {"ok": False, "error": "unknown_method"}
        return 200, {}, handler(args)

    # -------------------------------------------------------------- API methods
    def _public_user(self, user: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in user.items() if not k.startswith("_")}

    def _public_channel(self, chan: dict[str, Any]) -> dict[str, Any]:
        out = {k: v for k, v in chan.items() if not k.startswith("_")}
        out["num_members"] = len(chan["_members"])
        return out

    def _api_auth_test(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": "https://acme.slack.com/", "team": self.team_name, "user": "gtmbot",
                "team_id": self.team_id, "user_id": self.bot_user_id, "bot_id": self.bot_id,
                "is_enterprise_install": False}

    def _api_team_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "team": {"id": self.team_id, "name": self.team_name, "domain": "acme"}}

    def _api_bots_info(self, args: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "bot": {"id": self.bot_id, "user_id": self.bot_user_id, "name": "gtmbot"}}

    def _api_users_info(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if not user:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": self._public_user(user)}

    def _api_users_lookupByEmail(self, args: dict[str, Any]) -> dict[str, Any]:
        email = (args.get("email") or "").lower()
        for user in self.users.values():
            if (user.get("_email") or "").lower() == email and user["team_id"] == self.team_id:
                return {"ok": True, "user": self._public_user(user)}
        return {"ok": False, "error": "users_not_found"}

    def _api_users_list(self, args: dict[str, Any]) -> dict[str, Any]:
        members = [self._public_user(u) for u in self.users.values() if u["team_id"] == self.team_id]
        return {"ok": True, "members": members, "response_metadata": {"next_cursor": ""}}

    def _api_users_getPresence(self, args: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(args.get("user", ""))
        if not user:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "presence": user["_presence"]}

    def _api_conversations_info(self, args: dict[str, Any]) -> dict[str, Any]:
        chan = self.channels.get(args.get("channel", ""))
        if not chan or (chan["is_private"] and not chan["is_member"]):
            return {"ok": False, "error": "channel_not_found"}  # Slack hides private channels the bot is not in
        return {"ok": True, "channel": self._public_channel(chan)}

    def _api_conversations_list(self, args: dict[str, Any]) -> dict[str, Any]:
        limit = int(args.get("limit") or 100)
        chans = sorted(self.channels.values(), key=lambda c: c["id"])
        start = int(args.get("cursor") or 0)
        page = chans[start:start + limit]
        nxt = str(start + limit) if start + limit < len(chans) else ""
        return {"ok": True, "channels": [self._public_channel(c) for c in page],
                "response_metadata": {"next_cursor": nxt}}

    def _api_conversations_members(self, args: dict[str, Any]) -> dict[str, Any]:
        chan = self.channels.get(args.get("channel", ""))
        if not chan:
            return {"ok": False, "error": "channel_not_found"}
        return {"ok": True, "members": sorted(chan["_members"]), "response_metadata": {"next_cursor": ""}}

    def _api_conversations_join(self, args: dict[str, Any]) -> dict[str, Any]:
        chan = self.channels.get(args.get("channel", ""))
        if not chan:
            return {"ok": False, "error": "channel_not_found"}
        chan["is_member"] = True
        chan["_members"].add(self.bot_user_id)
        return {"ok": True, "channel": self._public_channel(chan)}

    def _readable_channel(self, channel: str) -> tuple[dict[str, Any] | None, str | None]:
        chan = self.channels.get(channel)
        if not chan:
            return None, "channel_not_found"
        if not chan["is_member"]:
            return None, "not_in_channel"
        return chan, None

    def _visible(self, msg: dict[str, Any], include_metadata: bool) -> dict[str, Any]:
        out = dict(msg)
        if not include_metadata:
            out.pop("metadata", None)
        return out

    def _api_conversations_history(self, args: dict[str, Any]) -> dict[str, Any]:
        chan, err = self._readable_channel(args.get("channel", ""))
        if err:
            return {"ok": False, "error": err}
        include_md = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        oldest = float(args.get("oldest") or 0)
        latest = float(args.get("latest") or 1e12)
        limit = int(args.get("limit") or 100)
        top = [m for m in self.messages.get(chan["id"], [])
               if (m.get("thread_ts") in (None, m["ts"])) and oldest < float(m["ts"]) <= latest]
        top.sort(key=lambda m: float(m["ts"]), reverse=True)
        start = int(args.get("cursor") or 0)
        page = top[start:start + limit]
        more = start + limit < len(top)
        return {"ok": True, "messages": [self._visible(m, include_md) for m in page], "has_more": more,
                "response_metadata": {"next_cursor": str(start + limit) if more else ""}}

    def _api_conversations_replies(self, args: dict[str, Any]) -> dict[str, Any]:
        chan, err = self._readable_channel(args.get("channel", ""))
        if err:
            return {"ok": False, "error": err}
        ts = args.get("ts")
        msgs = [m for m in self.messages.get(chan["id"], []) if m["ts"] == ts or m.get("thread_ts") == ts]
        if not msgs:
            return {"ok": False, "error": "thread_not_found"}
        msgs.sort(key=lambda m: float(m["ts"]))
        oldest = float(args.get("oldest") or 0)
        include_md = str(args.get("include_all_metadata", "")).lower() in {"1", "true"}
        msgs = [m for m in msgs if m["ts"] == ts or float(m["ts"]) > oldest]
        limit = int(args.get("limit") or 1000)
        return {"ok": True, "messages": [self._visible(m, include_md) for m in msgs[:limit]],
                "has_more": len(msgs) > limit, "response_metadata": {"next_cursor": ""}}

    def _api_chat_postMessage(self, args: dict[str, Any]) -> dict[str, Any]:
        channel = args.get("channel", "")
        if channel in self.users:  # a DM: open an IM channel on the fly
            channel = self._im_channel(channel)
        chan = self.channels.get(channel)
        if not chan:
            return {"ok": False, "error": "channel_not_found"}
        if chan.get("is_archived"):
            return {"ok": False, "error": "is_archived"}
        if not chan["is_member"]:
            return {"ok": False, "error": "not_in_channel"}
        if not (args.get("text") or args.get("blocks") or args.get("attachments")):
            return {"ok": False, "error": "no_text"}
        msg = self._store_message(channel, {
            "text": args.get("text", ""), "blocks": args.get("blocks"), "attachments": args.get("attachments"),
            "thread_ts": args.get("thread_ts"), "metadata": args.get("metadata"), "bot_id": self.bot_id,
            "user": self.bot_user_id, "username": args.get("username"), "icon_emoji": args.get("icon_emoji"),
            "icon_url": args.get("icon_url"),
        })
        return {"ok": True, "channel": channel, "ts": msg["ts"], "message": msg}

    def _im_channel(self, user_id: str) -> str:
        cid = "D" + user_id[1:]
        if cid not in self.channels:
            self.add_channel(cid, f"dm-{user_id}", is_private=True, members=[user_id])
        return cid

    def _api_conversations_open(self, args: dict[str, Any]) -> dict[str, Any]:
        users = str(args.get("users", "")).split(",")
        return {"ok": True, "channel": {"id": self._im_channel(users[0])}}

    def _api_chat_postEphemeral(self, args: dict[str, Any]) -> dict[str, Any]:
        chan = self.channels.get(args.get("channel", ""))
        if not chan:
            return {"ok": False, "error": "channel_not_found"}
        if args.get("user") not in self.users:
            return {"ok": False, "error": "user_not_found"}
        self.ephemerals.append(dict(args))
        return {"ok": True, "message_ts": self._next_ts()}

    def _find(self, channel: str, ts: str) -> dict[str, Any] | None:
        return next((m for m in self.messages.get(channel, []) if m["ts"] == ts), None)

    def _api_chat_update(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._find(args.get("channel", ""), args.get("ts", ""))
        if not msg:
            return {"ok": False, "error": "message_not_found"}
        for key in ("text", "blocks", "attachments", "metadata"):
            if key in args:
                msg[key] = args[key]
        msg["edited"] = {"user": self.bot_user_id, "ts": self._next_ts()}
        return {"ok": True, "channel": args["channel"], "ts": msg["ts"], "text": msg.get("text", "")}

    def _api_chat_delete(self, args: dict[str, Any]) -> dict[str, Any]:
        msgs = self.messages.get(args.get("channel", ""), [])
        for i, m in enumerate(msgs):
            if m["ts"] == args.get("ts"):
                del msgs[i]
                return {"ok": True, "channel": args["channel"], "ts": args["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _api_chat_getPermalink(self, args: dict[str, Any]) -> dict[str, Any]:
        channel, ts = args.get("channel", ""), args.get("message_ts", "")
        if not self._find(channel, ts):
            return {"ok": False, "error": "message_not_found"}
        return {"ok": True, "channel": channel,
                "permalink": f"https://acme.slack.com/archives/{channel}/p{ts.replace('.', '')}"}

    def _api_reactions_add(self, args: dict[str, Any]) -> dict[str, Any]:
        msg = self._find(args.get("channel", ""), args.get("timestamp", ""))
        if not msg:
            return {"ok": False, "error": "message_not_found"}
        reactions = msg.setdefault("reactions", [])
        for r in reactions:
            if r["name"] == args.get("name"):
                if self.bot_user_id in r["users"]:
                    return {"ok": False, "error": "already_reacted"}
                r["users"].append(self.bot_user_id)
                r["count"] += 1
                return {"ok": True}
        reactions.append({"name": args.get("name"), "users": [self.bot_user_id], "count": 1})
        return {"ok": True}

    def _api_views_open(self, args: dict[str, Any]) -> dict[str, Any]:
        if not args.get("trigger_id"):
            return {"ok": False, "error": "invalid_trigger_id"}
        view = dict(args.get("view") or {})
        view["id"] = f"V{next(self._ts):08d}"
        self.views[view["id"]] = view
        return {"ok": True, "view": view}

    def _api_views_push(self, args: dict[str, Any]) -> dict[str, Any]:
        return self._api_views_open(args)

    def _api_views_update(self, args: dict[str, Any]) -> dict[str, Any]:
        vid = args.get("view_id")
        if vid not in self.views:
            return {"ok": False, "error": "not_found"}
        view = dict(args.get("view") or {})
        view["id"] = vid
        self.views[vid] = view
        return {"ok": True, "view": view}

    def _api_views_publish(self, args: dict[str, Any]) -> dict[str, Any]:
        user = args.get("user_id", "")
        if user not in self.users:
            return {"ok": False, "error": "user_not_found"}
        view = dict(args.get("view") or {})
        view["id"] = f"VH{user}"
        self.home_views[user] = view
        return {"ok": True, "view": view}

    # ------------------------------------------------------------ file uploads
    def _api_files_getUploadURLExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), str(args.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{next(self._ts):010d}"
        self.files[file_id] = {"id": file_id, "name": filename, "title": filename, "length": int(length),
                               "content": None, "shares": [], "created": int(time.time())}
        return {"ok": True, "upload_url": f"http://127.0.0.1:{self.port}/upload/v1/{file_id}", "file_id": file_id}

    def _upload(self, verb: str, file_id: str, raw: bytes) -> tuple[int, dict[str, str], bytes]:
        """The upload URL: the file's bytes as the POST body (Slack answers `OK - <length>`)."""
        f = self.files.get(file_id)
        if verb != "POST" or f is None or f["shares"]:
            return 404, {}, b"Not Found"
        if len(raw) != f["length"]:
            return 400, {}, b"Bad Request: length mismatch"
        f["content"] = raw
        self._cond.notify_all()
        return 200, {}, f"OK - {len(raw)}".encode()

    def _public_file(self, f: dict[str, Any]) -> dict[str, Any]:
        name = f["name"]
        public: dict[str, list[dict[str, Any]]] = {}
        for sh in f["shares"]:
            public.setdefault(sh["channel"], []).append({k: v for k, v in sh.items() if k != "channel"})
        return {"id": f["id"], "created": f["created"], "timestamp": f["created"], "name": name,
                "title": f["title"], "mimetype": "text/csv" if name.endswith(".csv") else "text/plain",
                "filetype": name.rsplit(".", 1)[-1] if "." in name else "text", "user": self.bot_user_id,
                "mode": "hosted", "is_external": False, "size": len(f["content"] or b""),
                "url_private": f"https://files.slack.com/files-pri/{self.team_id}-{f['id']}/{name}",
                "permalink": f"https://acme.slack.com/files/{self.bot_user_id}/{f['id']}/{name}",
                "shares": {"public": public} if public else {}}

    def _api_files_completeUploadExternal(self, args: dict[str, Any]) -> dict[str, Any]:
        try:
            items = json.loads(args.get("files") or "[]")
        except ValueError:
            return {"ok": False, "error": "invalid_arguments"}
        if not items or not all(isinstance(i, dict) and i.get("id") for i in items):
            return {"ok": False, "error": "invalid_arguments"}
        files = [self.files.get(i["id"]) for i in items]
        if any(f is None or f["content"] is None or f["shares"] for f in files):
            return {"ok": False, "error": "file_not_found"}
        channel = args.get("channel_id") or (args.get("channels") or "").split(",")[0]
        for f, item in zip(files, items, strict=True):
            f["title"] = item.get("title") or f["name"]
        if channel:
            chan = self.channels.get(channel)
            if not chan:
                return {"ok": False, "error": "channel_not_found"}
            if not chan["is_member"]:
                return {"ok": False, "error": "not_in_channel"}
            thread_ts = args.get("thread_ts") or None
            if thread_ts and not self._find(channel, thread_ts):
                return {"ok": False, "error": "invalid_thread_ts"}
            msg = self._store_message(channel, {
                "text": args.get("initial_comment") or "", "thread_ts": thread_ts, "upload": True,
                "bot_id": self.bot_id, "user": self.bot_user_id, "display_as_bot": False, "files": [],
            })
            for f in files:
                f["shares"].append({"channel": channel, "ts": msg["ts"], "thread_ts": thread_ts,
                                    "channel_name": chan["name"]})
            msg["files"] = [self._public_file(f) for f in files]
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in files]}
