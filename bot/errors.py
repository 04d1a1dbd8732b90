"""One place that turns any exception in a listener into a short, friendly,
ephemeral apology with a reference id, and logs the traceback under that id."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from slack_sdk import WebClient

log = logging.getLogger("gtmbot.errors")


def apology(ref: str) -> str:
    return (
        f"Sorry, something went wrong on my side and nothing was changed. "
        f"Please try again in a minute; if it keeps happening, tell #gtmbot-help and quote reference `{ref}`."
    )


def handle_error(error: Exception, body: dict[str, Any], respond, client: WebClient, logger) -> None:
    ref = uuid.uuid4().hex[:8]
    log.error("listener failed [ref=%s]", ref, exc_info=error)
    text = apology(ref)
    try:
        if body.get("response_url") or (body.get("response_urls") or []):
            respond(text=text, response_type="ephemeral", replace_original=False)
            return
        event = body.get("event") or {}
        user = event.get("user") or (body.get("user") or {}).get("id")
        channel = event.get("channel") or event.get("item", {}).get("channel")
        if user and channel:
            client.chat_postEphemeral(channel=channel, user=user, text=text)
    except Exception:  # the apology itself must never raise
        log.exception("could not deliver the apology [ref=%s]", ref)
