"""Logging: plain or JSON lines, request/ref ids carried by records, and secrets
(Slack tokens, Stripe keys, signing secrets, API tokens) redacted from every line."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys

SECRET_PATTERNS = [
    (re.compile(r"xox[abposr]-[A-Za-z0-9-]+"), "[redacted]"),
    (re.compile(r"xapp-[A-Za-z0-9-]+"), "[redacted]"),
    (re.compile(r"\b(sk|rk)_(live|test)_[A-Za-z0-9]+"), "[redacted]"),
    (re.compile(r"whsec_[A-Za-z0-9]+"), "[redacted]"),
    (re.compile(r"(?i)(authorization:\s*(?:bearer|basic)\s+)[A-Za-z0-9+/=._-]+"), r"\1[redacted]"),
]


# The Slack request (or job run) a log line belongs to; carried into listener threads.
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = request_id_var.get()
        return True


def redact(text: str, secrets: list[str] | None = None) -> str:
    """Remove configured secret values and anything shaped like a token."""
    for value in secrets or []:
        if value and len(value) >= 6:
            text = text.replace(value, "[redacted]")
    for pattern, replacement in SECRET_PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFormatter(logging.Formatter):
    def __init__(self, *, json_lines: bool, secrets: list[str]) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s")
        self.json_lines = json_lines
        self.secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        if self.json_lines:
            data = {"ts": self.formatTime(record), "level": record.levelname, "logger": record.name,
                    "msg": record.getMessage()}
            for key in ("request_id", "ref", "job"):
                if hasattr(record, key):
                    data[key] = getattr(record, key)
            if record.exc_info:
                data["exc"] = self.formatException(record.exc_info)
            return redact(json.dumps(data), self.secrets)
        return redact(super().format(record), self.secrets)


def configure_logging(settings) -> None:
    secrets = [s.get_secret_value() for s in (
        settings.slack_bot_token, settings.slack_signing_secret, settings.slack_app_token,
        settings.stripe_api_key, settings.stripe_webhook_secret, settings.zendesk_api_token,
        settings.vitally_api_key) if s is not None]
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(RedactingFormatter(json_lines=settings.log_json, secrets=secrets))
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(settings.log_level.upper())
    for noisy in ("slack_bolt", "slack_sdk", "httpx", "apscheduler", "waitress"):
        logging.getLogger(noisy).setLevel(max(logging.WARNING, root.level))
