"""The names people use for a teammate in `/handover-check … to <person>`: besides the directory's
name, their email's local part (`ines.duarte@…`) and, from Slack's `users.list`, their handle,
display name and real name (issue 16: `@ines.duarte` must find the same person as "Inês Duarte").

Slack is asked only when the directory alone does not know the text, and its answer is kept for a
few minutes per process; a Slack error is never cached, so the next command asks again."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import replace
from typing import Any

from slack_sdk.errors import SlackApiError

from services.handover.model import TeamMember

log = logging.getLogger("gtmbot.handover")

CACHE_KEY = "handover:slack_names"
CACHE_SECONDS = 600.0  # as the guard's user cache: a renamed handle is seen within ten minutes
PAGE = 200  # users.list page size Slack recommends


def email_alias(email: str | None) -> tuple[str, ...]:
    """`ines.duarte@example.com` -> ("ines.duarte",): most workspaces' handle convention."""
    local = (email or "").split("@", 1)[0].strip()
    return (local,) if local else ()


def _slack_names(user: Mapping[str, Any]) -> tuple[str, ...]:
    profile = user.get("profile") or {}
    names = (user.get("name"), user.get("real_name"), profile.get("display_name"), profile.get("real_name"),
             profile.get("display_name_normalized"), profile.get("real_name_normalized"))
    return tuple(dict.fromkeys(n for n in names if n))


def slack_names(rt) -> dict[str, tuple[str, ...]] | None:
    """Slack user id -> handle, display and real names, for the workspace's people (users.list,
    paged); None when Slack did not answer."""
    hit = rt.cache.get(CACHE_KEY)
    if hit and time.monotonic() - hit[0] < CACHE_SECONDS:
        return hit[1]
    names: dict[str, tuple[str, ...]] = {}
    cursor: str | None = None
    try:
        while True:
            page = rt.client.users_list(limit=PAGE, cursor=cursor) if cursor else rt.client.users_list(limit=PAGE)
            for user in page.get("members") or []:
                if not user.get("deleted") and not user.get("is_bot"):
                    names[user["id"]] = _slack_names(user)
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
    except SlackApiError as e:
        log.warning("users.list failed (%s): teammates are matched on the directory's names only",
                    e.response.get("error") if e.response is not None else e)
        return None
    rt.cache[CACHE_KEY] = (time.monotonic(), names)
    return names


def with_aliases(team: Mapping[str, TeamMember], extra: Mapping[str, Iterable[str]]) -> dict[str, TeamMember]:
    """The directory with each member's other names added."""
    return {sid: replace(m, aliases=tuple(dict.fromkeys((*m.aliases, *extra.get(sid, ()))))) for sid, m in team.items()}
