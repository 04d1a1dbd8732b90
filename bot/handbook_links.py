"""Handbook links in replies: the operator's HANDBOOK_BASE_URL, bound once at start-up.

Builders are pure functions called from many places (commands, jobs, the demo), so rather than pass
the base URL through each of them, `build_runtime` binds it here and builders call `linkify`."""

from __future__ import annotations

from services import handbook
from services.mrkdwn import link

_base_url = handbook.DEFAULT_BASE_URL


def configure(base_url: str | None) -> None:
    global _base_url
    _base_url = (base_url or handbook.DEFAULT_BASE_URL).rstrip("/")


def base_url() -> str:
    return _base_url


def linkify(text: str) -> str:
    """`text` with its FILE:LINE citations replaced by one handbook link per page (services.handbook)."""
    return handbook.linkify(text, _base_url)


def page_link(path: str, label: str) -> str:
    """A link to a handbook page by its path, e.g. `growth/sales/account-allocation`."""
    return link(f"{_base_url}/{path.strip('/')}", label)
