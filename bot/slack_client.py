"""Every Slack WebClient the bot makes: SLACK_API_URL as base, and slack-sdk retry handlers that follow
`bot.retry`'s rule.

- 429 waits `Retry-After` and asks again (any method: Slack refused it, nothing happened).
- Connection errors, timeouts and 5xx are retried only for reads (`users.info`,
  `conversations.history`, `auth.test`, …). A write that failed that way may have reached Slack: the
  error goes up to the caller, which treats the send as *uncertain* (the outbox and the broadcast
  sender look for the message's metadata key in the channel before any resend). slack-sdk's default
  handler retries connection errors on every method, so no client here is built without handlers.
- A connection refused before anything was sent is retried for any method.
"""

from __future__ import annotations

import socket
from http.client import RemoteDisconnected
from urllib.error import URLError
from urllib.parse import urlparse

from slack_bolt.context.respond import Respond
from slack_bolt.context.respond.internals import _build_message
from slack_sdk import WebClient
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState
from slack_sdk.webhook import WebhookClient, WebhookResponse

from bot.retry import DEFAULT_POLICY, RetryPolicy, parse_retry_after, policy_from_settings
from bot.settings import Settings

# A Web API method is a read when its verb (after the last dot) starts with one of these:
# users.info, users.lookupByEmail, users.getPresence, conversations.history/replies/info/list/members,
# auth.test, team.info, bots.info, chat.getPermalink, reactions.get, usergroups.list ...
READ_VERBS = ("info", "list", "history", "replies", "members", "test", "get", "lookup")


def normalise_api_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def api_method(url: str) -> str:
    """`https://slack.com/api/chat.postMessage?x=1` -> `chat.postMessage`."""
    return urlparse(url).path.rstrip("/").rsplit("/", 1)[-1]


def is_read(method: str) -> bool:
    verb = method.rsplit(".", 1)[-1]
    return "." in method and verb.startswith(READ_VERBS)


def _never_sent(error: BaseException | None) -> bool:
    """The connection was refused: the request cannot have reached Slack."""
    reason = getattr(error, "reason", None) if isinstance(error, URLError) else error
    return isinstance(reason, ConnectionRefusedError)


def _transient_error(error: BaseException | None) -> bool:
    if error is None:
        return False
    if isinstance(error, URLError) and not getattr(error, "code", None):
        return True  # URLError without an HTTP status: no answer came back
    return isinstance(error, (ConnectionError, RemoteDisconnected, TimeoutError, socket.timeout))


class _PolicyHandler(RetryHandler):
    """A slack-sdk handler whose waits come from a RetryPolicy (injectable sleep and jitter)."""

    def __init__(self, policy: RetryPolicy, max_retry_count: int) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self.policy = policy

    def _wait(self, state: RetryState, request: HttpRequest, response: HttpResponse | None) -> float:
        return self.policy.backoff(state.current_attempt + 1)

    def prepare_for_next_attempt(self, *, state: RetryState, request: HttpRequest,
                                 response: HttpResponse | None = None, error: Exception | None = None) -> None:
        state.next_attempt_requested = True
        self.policy.sleep(self._wait(state, request, response))
        state.increment_current_attempt()


class RateLimitHandler(_PolicyHandler):
    """429 on any method: wait Retry-After (capped), then ask again."""

    def __init__(self, policy: RetryPolicy = DEFAULT_POLICY) -> None:
        super().__init__(policy, policy.max_rate_limit_waits)

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        return response is not None and response.status_code == 429

    def _wait(self, state: RetryState, request: HttpRequest, response: HttpResponse | None) -> float:
        headers = {k.lower(): v for k, v in (response.headers if response is not None else {}).items()}
        raw = headers.get("retry-after")
        value = raw[0] if isinstance(raw, list) and raw else raw
        return self.policy.rate_limit_wait(parse_retry_after(value))


class ReadRetryHandler(_PolicyHandler):
    """Connection errors, timeouts and 5xx: retried for reads; for any method when nothing was sent."""

    def __init__(self, policy: RetryPolicy = DEFAULT_POLICY) -> None:
        super().__init__(policy, max(0, policy.max_attempts - 1))

    def _can_retry(self, *, state: RetryState, request: HttpRequest, response: HttpResponse | None = None,
                   error: Exception | None = None) -> bool:
        if response is not None and response.status_code >= 500:
            return is_read(api_method(request.url))
        if response is None and _transient_error(error):
            return _never_sent(error) or is_read(api_method(request.url))
        return False


def retry_handlers(policy: RetryPolicy = DEFAULT_POLICY, *, rate_limits: bool = True) -> list[RetryHandler]:
    """The handlers every WebClient gets. `rate_limits=False` for a sender that paces itself on 429s."""
    handlers: list[RetryHandler] = [ReadRetryHandler(policy)]
    if rate_limits:
        handlers.insert(0, RateLimitHandler(policy))
    return handlers


def make_client(settings: Settings, *, token: str | None = None, max_429_retries: int | None = None,
                rate_limits: bool = True, policy: RetryPolicy | None = None) -> WebClient:
    policy = policy or policy_from_settings(settings)
    if max_429_retries is not None:
        policy = policy.with_(max_rate_limit_waits=max_429_retries)
    return WebClient(
        token=token or settings.bot_token,
        base_url=normalise_api_url(settings.slack_api_url),
        timeout=settings.slack_timeout_s,  # type: ignore[arg-type]  (urllib takes a float)
        retry_handlers=retry_handlers(policy, rate_limits=rate_limits),
    )


def make_webhook_client(url: str, settings: Settings | None = None, policy: RetryPolicy | None = None) -> WebhookClient:
    """A response_url poster: a post is a write, so only 429s are retried (never a lost answer)."""
    policy = policy or (policy_from_settings(settings) if settings else DEFAULT_POLICY)
    timeout = settings.slack_timeout_s if settings else 15
    return WebhookClient(url=url, timeout=timeout, retry_handlers=[RateLimitHandler(policy)])


class SafeRespond(Respond):
    """Bolt's `respond()`, posting through `make_webhook_client`: Bolt's own builds a WebhookClient with
    slack-sdk's default handler, which resends a response_url post after a dropped connection."""

    def __init__(self, *, response_url: str | None, settings: Settings | None = None) -> None:
        super().__init__(response_url=response_url)
        self.settings = settings

    def __call__(self, text: str | dict = "", blocks=None, attachments=None, response_type=None,
                 replace_original=None, delete_original=None, unfurl_links=None, unfurl_media=None,
                 thread_ts=None, metadata=None) -> WebhookResponse:
        if self.response_url is None:
            raise ValueError("respond is unsupported here as there is no response_url")
        if isinstance(text, dict):
            message = _build_message(**text)
        else:
            message = _build_message(text=text, blocks=blocks, attachments=attachments, response_type=response_type,
                                     replace_original=replace_original, delete_original=delete_original,
                                     unfurl_links=unfurl_links, unfurl_media=unfurl_media, thread_ts=thread_ts,
                                     metadata=metadata)
        return make_webhook_client(self.response_url, self.settings).send_dict(message)
