"""Every Slack WebClient the bot makes: SLACK_API_URL as base, 429s retried
after Retry-After, transient connection errors retried."""

from __future__ import annotations

from slack_sdk import WebClient
from slack_sdk.http_retry.builtin_handlers import ConnectionErrorRetryHandler, RateLimitErrorRetryHandler

from bot.settings import Settings


def normalise_api_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def make_client(settings: Settings, *, token: str | None = None, max_429_retries: int = 5) -> WebClient:
    return WebClient(
        token=token or settings.bot_token,
        base_url=normalise_api_url(settings.slack_api_url),
        timeout=15,
        retry_handlers=[
            RateLimitErrorRetryHandler(max_retry_count=max_429_retries),
            ConnectionErrorRetryHandler(max_retry_count=2),
        ],
    )
