"""Block Kit for the :ticket: flow: pure builders, dict in, list of blocks out.

Public replies in shared channels carry the ticket number only (incidents-and-tickets.md A.2.6);
everything internal (agent link, priority, tags, org match) goes to ephemerals for staff.
"""

from __future__ import annotations

from typing import Any, Literal

from bot.handbook_links import linkify
from services.mrkdwn import escape, link
from services.tickets.policy import (
    HOLDING_TEXT,
    UNMATCHED_EXPLANATION,
    JoinChecklist,
    already_ticketed_text,
    confirmation_text,
)

Block = dict[str, Any]


def every(seconds: int) -> str:
    """"every minute", "every 5 minutes", "every 90 seconds": the configured cadence, said plainly."""
    if seconds == 60:
        return "every minute"
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return "every hour" if hours == 1 else f"every {hours} hours"
    if seconds % 60 == 0:
        return f"every {seconds // 60} minutes"
    return "every second" if seconds == 1 else f"every {seconds} seconds"


def _section(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def _context(text: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text}]}


def confirmation_blocks(data: dict[str, Any]) -> list[Block]:
    """Public thread reply. Keys: ticket_id, emoji (optional)."""
    return [_section(confirmation_text(int(data["ticket_id"]), data.get("emoji", "ticket")))]


def holding_blocks(data: dict[str, Any] | None = None) -> list[Block]:
    """Public, once, when Zendesk has been unreachable for a while (A.2.9)."""
    return [_section(HOLDING_TEXT)]


def internal_ticket_blocks(data: dict[str, Any]) -> list[Block]:
    """Ephemeral for an internal reactor: link first, then why the priority, then the org match.

    Keys: ticket_id, agent_url, priority (None when priority-setting is off), tier_tags, derived,
    unmatched (None or a reason key), channel_name, hint (optional text on how to fix a missing link).
    """
    ticket_id = int(data["ticket_id"])
    blocks = [_section(f":ticket: {link(data['agent_url'], f'Ticket #{ticket_id}')} is open in Zendesk.")]
    tags = list(data.get("tier_tags") or [])
    priority = data.get("priority")
    if priority:
        source = ", ".join(tags) if tags else "no tier tag"
        if data.get("derived"):
            source += ", derived by gtmbot from account data"
        blocks.append(_section(f"*Priority {escape(priority)}* ({escape(source)})"))
    else:
        blocks.append(_section("Priority left to Zendesk's own rules (ZENDESK_SET_PRIORITY=false)."))
    unmatched = data.get("unmatched")
    if unmatched:
        line = f"*No Zendesk organization:* {UNMATCHED_EXPLANATION[unmatched]}."
        if data.get("hint"):
            line += "\n" + linkify(escape(data["hint"]))  # the handbook's page, not FILE:LINE
        blocks.append(_section(line))
    else:
        blocks.append(_context("Organization matched by PostHog organization ID. Only you can see this."))
    return blocks


def already_ticketed_blocks(data: dict[str, Any]) -> list[Block]:
    """Ephemeral for a second reactor. Keys: ticket_id, agent_url (only for internal people)."""
    text = already_ticketed_text(int(data["ticket_id"]))
    if data.get("agent_url"):
        text += f" {link(data['agent_url'], 'Open it in Zendesk')}."
    return [_section(text)]


def hint_blocks(data: dict[str, Any]) -> list[Block]:
    """An ephemeral explaining why nothing was created and what works instead. Keys: text."""
    return [_section(str(data["text"]))]


AlertKind = Literal["outage", "failed", "credentials", "credentials_sync", "restored"]


def alert_blocks(data: dict[str, Any]) -> list[Block]:
    """Internal alert in the alert channel (#support-customer-success by default), A.2.9.

    Keys: kind (outage | failed | credentials | credentials_sync | restored; default outage), label (account or #channel),
    permalink, error, status (HTTP status, for credentials), ticket_id (for restored), attempts,
    retry_every_s (the configured TICKET_QUEUE_RETRY_EVERY_S, so the alert says what the bot really does).
    Each kind says what actually happened: a rejected token is not "Zendesk is not answering".
    """
    kind = data.get("kind") or "outage"
    label = escape(data["label"])
    thread = link(data.get("permalink"), "Open the thread")
    cadence = every(int(data.get("retry_every_s") or 60))
    if kind == "credentials":
        why = _credentials_why(data.get("status"))
        return [
            _section(
                f":rotating_light: *Zendesk {why}*: no ticket can be opened until an admin fixes "
                "`ZENDESK_EMAIL` / `ZENDESK_API_TOKEN` (the API user must be an agent with API token "
                f"access on). A ticket from *{label}* is waiting and will be opened once they work. {thread}."
            ),
            _context(
                f"gtmbot keeps the request and tries again {cadence}. Nothing has been said in the "
                "customer's channel."
            ),
        ]
    if kind == "credentials_sync":
        return [
            _section(
                f":rotating_light: *Zendesk {_credentials_why(data.get('status'))}*: replies in the thread of "
                f"ticket #{int(data['ticket_id'])} (*{label}*) are not reaching Zendesk until an admin fixes "
                f"`ZENDESK_EMAIL` / `ZENDESK_API_TOKEN`. {thread}."
            ),
            _context(f"gtmbot keeps the replies and tries again {cadence}; none is lost."),
        ]
    if kind == "restored":
        return [
            _section(
                f":white_check_mark: Zendesk accepts gtmbot's credentials again: the waiting ticket from "
                f"*{label}* is open as #{int(data['ticket_id'])}. {thread}."
            )
        ]
    if kind == "failed":
        return [
            _section(
                f":x: A ticket from *{label}* could not be opened: {escape(data['error'])}. {thread}."
            ),
            _context(
                f"gtmbot stopped after {data.get('attempts', 0)} attempts. React with :ticket: in the "
                "thread again to retry, or open the ticket in Zendesk by hand."
            ),
        ]
    return [
        _section(
            f":warning: A ticket from *{label}* is waiting: Zendesk is not answering "
            f"({escape(data['error'])}). {thread}."
        ),
        _context(f"gtmbot keeps retrying {cadence} ({data.get('attempts', 0)} attempts so far)."),
    ]


def _credentials_why(status: object) -> str:
    if status == 401:
        return "rejects gtmbot's credentials (401)"
    return f"refuses gtmbot's API user ({status})" if status else "rejects gtmbot's credentials"


def credentials_ephemeral_blocks(data: dict[str, Any]) -> list[Block]:
    """Private to an internal reactor while Zendesk rejects the credentials. Keys: alert_channel."""
    channel = escape("#" + str(data["alert_channel"]).lstrip("#"))
    return [
        _section(
            ":warning: No ticket is open yet: Zendesk rejected gtmbot's credentials. The request is kept "
            f"and {channel} has been alerted; the ticket opens by itself as soon as an admin fixes "
            "`ZENDESK_EMAIL` / `ZENDESK_API_TOKEN`."
        ),
        _context("Only you can see this. Nothing was posted in the channel."),
    ]


def join_checklist_blocks(checklist: JoinChecklist, *, emoji: str = "ticket") -> list[Block]:
    """Ephemeral to whoever /invite-d the bot into a customer channel (A.2.1): what is set up, what is
    missing and how to fix it, then the handbook's training message ready to paste."""
    ok, todo = ":white_check_mark:", ":warning:"
    name = escape("#" + checklist.channel_name)
    lines = []
    if checklist.name_ok:
        lines.append(f"{ok} {name} follows the `posthog-[customername]` naming.")
    else:
        lines.append(
            f"{todo} {name} does not follow the `posthog-[customername]` naming: rename it, e.g. "
            "`posthog-acme` (searchable, no acronyms; 002_59a801b964a2a19e.txt:12617)."
        )
    if checklist.shared:
        lines.append(f"{ok} Shared with the customer through Slack Connect.")
    else:
        lines.append(
            f"{todo} Not shared with the customer yet: invite their people to this channel, not to our "
            "workspace (002_59a801b964a2a19e.txt:12621)."
        )
    if checklist.mapped:
        owner = f" (owner {escape(checklist.owner_name)})" if checklist.owner_name else " (no owner recorded)"
        lines.append(f"{ok} Mapped to the account *{escape(checklist.account_name)}*{owner}.")
        if not checklist.has_org_id:
            lines.append(
                f"{todo} The account has no PostHog organization ID, so tickets from here get no Zendesk "
                "organization: add `posthog_org_id` with `gtmbot accounts import`."
            )
    else:
        lines.append(
            f"{todo} Not mapped to an account, so tickets from here get no Zendesk organization and only "
            "normal priority. Record the channel name in the Salesforce Account's Slack Channel field "
            "(002_59a801b964a2a19e.txt:12629), then run `gtmbot accounts import` with `slack_channel_ids` "
            "so gtmbot knows the channel."
        )
    head = (
        f":{emoji}: I'm in {name}. Anyone here, staff or customer, can now open a Zendesk ticket by reacting "
        f"with :{emoji}: to a message or mentioning me in a thread."
    )
    return [
        _section(head),
        _section("*Channel checklist*\n" + "\n".join(lines)),
        _section(
            "*Train the customer* (002_59a801b964a2a19e.txt:12662): paste this when you welcome them.\n"
            f"```{escape(checklist.training)}```"
        ),
        _context(
            "Only you can see this. If SupportHog or Pylon is also in this channel, remove it: one "
            f":{emoji}: would open two tickets."
        ),
    ]


def blocks_text(blocks: list[Block]) -> str:
    """Plain-text fallback for notifications and screen readers, from the same blocks."""
    parts: list[str] = []
    for block in blocks:
        if block["type"] == "section":
            parts.append(block["text"]["text"])
        elif block["type"] == "context":
            parts.extend(e["text"] for e in block["elements"])
    return "\n".join(parts)
