"""Block Kit for `/incident`: pure builders, plain data in, blocks (or a view) out.

Replies are read on phones: the thing to act on comes first, detail after. Nothing here is
ever posted in a customer channel except `customer_message_blocks` (spec C.4: never owner
names, counts, tags or internal notes in shared channels).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from bot.handbook_links import linkify
from services import mrkdwn as md
from services.handbook import strip_citations
from services.mrkdwn import escape as _esc
from services.mrkdwn import escape_keeping_mentions as _esc_m
from services.mrkdwn import mention as _mention

Block = dict[str, Any]

# action / callback ids shared with the listeners
DECLARE_CALLBACK = "incident_declare"
DRAFT_CALLBACK = "incident_draft"
PREVIEW_CALLBACK = "incident_preview"
UPGRADE_CALLBACK = "incident_upgrade_sev0"
ACTION_SEND_MINE = "incident_send_mine"
ACTION_SENT_MYSELF = "incident_sent_myself"
ACTION_HANDLING_1TO1 = "incident_handling_1to1"
ACTION_ASSIGN_BACKUPS = "incident_assign_backups"
ACTION_BROADCAST_REST = "incident_broadcast_rest"
ACTION_RETRY_FAILED = "incident_retry_failed"
ACTION_SHOW_LOG = "incident_show_log"
ACTION_DRAFT_UPDATE = "incident_draft_update"
ACTION_HANDOFF = "incident_handoff"
ACTION_SENT_MYSELF_ADJUST = "incident_sent_myself_adjust"
SENT_MYSELF_VIEW = "incident_sent_myself_view"
_SELECT_MAX = 100  # options in one multi_static_select (Block Kit)

PREVIEW_NAMES_SHOWN = 15  # spec C.5: "the first 15 names …and M more"
SECTION_TEXT_LIMIT = 3000  # Block Kit section text limit [external]
MAX_OPTION_TEXT = 75  # Block Kit option text / description limit [external]

PRODUCTS = (  # IMPORT.md §7 product names
    "product_analytics", "web_analytics", "session_replay", "feature_flags", "experiments", "surveys",
    "error_tracking", "data_warehouse", "data_pipelines", "llm_observability", "workflows", "logs",
    "posthog_ai", "group_analytics",
)  # fmt: skip


def _pt(text: str, limit: int = MAX_OPTION_TEXT) -> dict[str, Any]:
    """plain_text (never escaped: Slack shows it as is); handbook citations dropped, cut at a word."""
    return {"type": "plain_text", "text": md.clip(strip_citations(text)[0], limit), "emoji": True}


def _md(text: str) -> dict[str, Any]:
    """mrkdwn whose values are escaped; handbook citations become one link per page, cut at a word."""
    return {"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_TEXT_LIMIT)}


def _section(text: str) -> Block:
    return {"type": "section", "text": _md(text)}


def _context(*texts: str) -> Block:
    return {"type": "context", "elements": [_md(t) for t in texts[:10]]}


def _button(text: str, action_id: str, value: str, style: str | None = None, confirm: Mapping[str, str] | None = None) -> dict[str, Any]:
    b: dict[str, Any] = {"type": "button", "text": _pt(text), "action_id": action_id, "value": value}
    if style:
        b["style"] = style
    if confirm:
        b["confirm"] = {
            "title": _pt(confirm["title"], 100),
            "text": _md(confirm["text"]),
            "confirm": _pt(confirm.get("confirm", "Send now"), 30),
            "deny": _pt(confirm.get("deny", "Back"), 30),
        }
    return b


def _option(value: str, text: str, description: str | None = None) -> dict[str, Any]:
    o: dict[str, Any] = {"text": _pt(text), "value": value}
    if description:
        o["description"] = _pt(description)
    return o


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


# --- replies to the command -------------------------------------------------------------------


def text_blocks(text: str) -> list[Block]:
    """A plain ephemeral answer (refusals, usage errors, confirmations)."""
    return [_section(_esc_m(text))]


def message(text: str) -> tuple[str, list[Block]]:
    """(notification text, blocks) for a flow's plain-text post: values escaped (mentions and channel
    links kept), citations a handbook link in the blocks and left out of the notification."""
    return _esc_m(strip_citations(text)[0]), text_blocks(text)


def mrkdwn_message(mrkdwn: str) -> tuple[str, list[Block]]:
    """The same for text a builder here already made safe (e.g. `sev0_owner_notice`)."""
    return md.clip(strip_citations(mrkdwn)[0], 4000), [_section(mrkdwn)]


def usage_error_blocks(error: Mapping[str, str]) -> list[Block]:
    """{"message", "example"} → what was wrong first, then a command that works."""
    return [_section(f"{_esc_m(error['message'])}\nTry: {md.code(error['example'])}")]


def help_blocks(usage: str, open_incidents: Sequence[Mapping[str, Any]]) -> list[Block]:
    blocks = [_section(usage)]
    if open_incidents:
        blocks.append(_section("*Open incidents*\n" + "\n".join(incident_line(i) for i in open_incidents)))
    else:
        blocks.append(_context("No open incidents."))
    return blocks


def incident_line(i: Mapping[str, Any]) -> str:
    """`INC-7` · SEV 1 – Critical · Feature flags failing · CMOC @simon · next update 10:30 UTC"""
    parts = [f"*{_esc(i['public_id'])}*", _esc(i["severity_label"]), _esc(i["title"]), f"CMOC {_mention(i.get('cmoc'))}", _esc(i["status"])]
    if i.get("next_update_due"):
        parts.append(f"next update {i['next_update_due']}")
    if i.get("postmortem_due"):
        parts.append(f"postmortem due {i['postmortem_due']}")
    return " · ".join(parts)


def list_blocks(incidents: Sequence[Mapping[str, Any]]) -> list[Block]:
    if not incidents:
        return [_section("No open incidents. Declare one with `/incident declare sev1 Flag evaluation failing in EU`.")]
    return [_section("*Incidents*\n" + "\n".join(incident_line(i) for i in incidents))]


def status_blocks(s: Mapping[str, Any]) -> list[Block]:
    """The status card (spec C.2): severity, CMOC, last update, next due, notified X/Y, failures."""
    head = f"*{_esc(s['public_id'])} · {_esc(s['severity_label'])} · {_esc(s['status'])}*\n{_esc(s['title'])}"
    lines = [
        f"Next update due: *{s['next_update_due'] or '—'}*",
        f"Notified: *{s['notified']}/{s['affected']}* accounts" + (f" · {s['failed']} failed deliveries" if s.get("failed") else ""),
        f"CMOC: {_mention(s.get('cmoc'))}",
        f"Last customer update: {_esc(s.get('last_update') or 'none yet')}",
    ]
    if s.get("postmortem_due"):
        lines.append(f"Postmortem due: {s['postmortem_due']}")
    if s.get("sev0_initial_pending"):
        lines.insert(0, ":warning: The SEV 0 broadcast has not gone out yet: run `/incident update` to draft and send it.")
    return [_section(head), _section("\n".join(lines))]


def log_blocks(public_id: str, lines_by_message: Sequence[tuple[str, Sequence[str]]]) -> list[Block]:
    """The "central log of who’s been notified" (002_59a801b964a2a19e.txt:4221)."""
    blocks: list[Block] = [_section(f"*Who has been notified · {public_id}*")]
    if not lines_by_message:
        blocks.append(_context("No customer messages yet."))
    for title, lines in lines_by_message[:40]:
        blocks.append(_section(f"*{_esc(title)}*\n" + md.fit_lines([f"• {_esc_m(ln)}" for ln in lines], SECTION_TEXT_LIMIT - 200)))
    if len(lines_by_message) > 40:
        blocks.append(_context(f"…and {len(lines_by_message) - 40} earlier messages: the csv has every one."))
    blocks.append(_context(f"{md.code('/incident log ' + public_id + ' csv')} for a file (002_59a801b964a2a19e.txt:4221)"))
    return blocks


# --- modals -----------------------------------------------------------------------------------


def declare_modal(d: Mapping[str, Any]) -> dict[str, Any]:
    """The declare modal (spec C.3). d: severities [(level, label, description, examples)],
    severity (prefill or None), title, rota_hint, cmoc (default user), maintenance (bool)."""
    sev_options = [_option(str(level), label, f"{desc} e.g. {ex}") for level, label, desc, ex in d["severities"]]
    sev_element: dict[str, Any] = {"type": "static_select", "action_id": "value", "options": sev_options}
    if d.get("severity") is not None:
        sev_element["initial_option"] = sev_options[[o["value"] for o in sev_options].index(str(d["severity"]))]
    blocks: list[Block] = [
        {"type": "input", "block_id": "severity", "label": _pt("Severity"), "element": sev_element, "hint": _pt("Severity levels and update cadence from the handbook's incident templates", 150)},
        _input("feature", "Feature or service affected", "e.g. feature flags", d.get("feature", "")),
        _input("symptom", "What customers see", "e.g. flag evaluation errors", d.get("symptom", ""), multiline=True),
        _input("title", "Internal title", "e.g. Flag evaluation failing in EU", d.get("title", ""), optional=True),
        {
            "type": "input",
            "block_id": "cloud",
            "label": _pt("Cloud"),
            "element": {
                "type": "static_select",
                "action_id": "value",
                "options": [_option("US", "US"), _option("EU", "EU"), _option("both", "Both")],
                "initial_option": _option("both", "Both"),
            },
        },
        {
            "type": "input",
            "block_id": "products",
            "optional": True,
            "label": _pt("Products affected (empty = all)"),
            "element": {"type": "multi_static_select", "action_id": "value", "options": [_option(p, p.replace("_", " ")) for p in PRODUCTS]},
            "hint": _pt("Filters the affected accounts by product (002_59a801b964a2a19e.txt:4236)", 150),
        },
        {
            "type": "input",
            "block_id": "security",
            "optional": True,
            "label": _pt("Security"),
            "element": {"type": "checkboxes", "action_id": "value", "options": [_option("yes", "This is a security issue (002_59a801b964a2a19e.txt:4273)")]},
        },
        {
            "type": "input",
            "block_id": "cmoc",
            "label": _pt("CMOC"),
            "element": {"type": "users_select", "action_id": "value", **({"initial_user": d["cmoc"]} if d.get("cmoc") else {})},
            "hint": _pt(f"Rota now: {d.get('rota_hint', '')}", 150),
        },
        {"type": "input", "block_id": "incident_channel", "optional": True, "label": _pt("Engineering incident channel"), "element": {"type": "conversations_select", "action_id": "value"}},
        {"type": "input", "block_id": "eng_lead", "optional": True, "label": _pt("Engineering incident lead"), "element": {"type": "users_select", "action_id": "value"}},
    ]
    if d.get("maintenance"):
        blocks.append({"type": "input", "block_id": "window_start", "label": _pt("Window start (UTC)"), "element": {"type": "datetimepicker", "action_id": "value"}})
        blocks.append({"type": "input", "block_id": "window_end", "label": _pt("Window end (UTC)"), "element": {"type": "datetimepicker", "action_id": "value"}})
    return {
        "type": "modal",
        "callback_id": DECLARE_CALLBACK,
        "title": _pt("Maintenance" if d.get("maintenance") else "Declare incident", 24),
        "submit": _pt("Next: draft", 24),
        "close": _pt("Cancel", 24),
        "private_metadata": json.dumps({"maintenance": bool(d.get("maintenance")), "channel": d.get("channel")}),
        "blocks": blocks,
    }


def _input(block_id: str, label: str, placeholder: str, initial: str = "", *, optional: bool = False, multiline: bool = False) -> Block:
    element: dict[str, Any] = {"type": "plain_text_input", "action_id": "value", "placeholder": _pt(placeholder, 150), "multiline": multiline}
    if initial:
        element["initial_value"] = initial
    return {"type": "input", "block_id": block_id, "optional": optional, "label": _pt(label, 2000), "element": element}


FIELD_LABELS = {
    "feature": ("Feature or service", "e.g. the PostHog app"),
    "symptom": ("What customers see", "e.g. The PostHog app is unreachable."),
    "status": ("Status", "e.g. Root cause identified. Fix is being deployed."),
    "resolved_time": ("Resolved at (UTC)", "e.g. 11:42 UTC"),
    "root_cause": ("Root cause, one line", "e.g. Redis queue saturation"),
    "duration": ("Duration (start–end)", "e.g. 10:05–11:42 UTC"),
    "impact": ("Impact on customers", "e.g. events from 10:05–10:40 were delayed"),
    "sender": ("Signed by", "e.g. Simon"),
    "system": ("System or region", "e.g. the EU ingestion database"),
    "window": ("Time window", "e.g. 02:00–04:00 UTC, 25 Nov"),
    "note": ("Anything customers should check (optional)", "e.g. Reload your dashboards."),
    "date": ("Incident date", "e.g. 24 Nov"),
    "link": ("Postmortem link", "e.g. https://example.com/postmortem"),
}


def draft_modal(d: Mapping[str, Any]) -> dict[str, Any]:
    """The draft modal (spec C.3/C.6/C.7). d: incident_id, public_id, kind, template_label,
    template_source, handbook (bool), fields [(name, value)], band (low, high) or None,
    next_minutes, routes [(route, needs_reason, why)], route (default), tone_hints [str]."""
    blocks: list[Block] = [
        _section(f"*{_esc(d['public_id'])} · {_esc(d['kind'])}* from _{_esc(d['template_label'])}_"),
        _context(_esc(d["template_source"]) if d.get("handbook", True) else f"*Not a handbook template* · {_esc(d['template_source'])}"),
    ]
    for name, value in d["fields"]:
        label, placeholder = FIELD_LABELS.get(name, (name.replace("_", " ").capitalize(), ""))
        blocks.append(_input(f"f_{name}", label, placeholder or label, value or "", optional=name == "note", multiline=name in {"symptom", "status", "impact"}))
    if d.get("band"):
        low, high = d["band"]
        blocks.append(_input("next_minutes", f"Next update in (minutes, {low}–{high})", str(low), str(d.get("next_minutes") or low)))
    routes = d.get("routes") or []
    if len(routes) > 1:
        options = [_option(r, "Owners send it to their accounts" if r == "owners" else "Broadcast as the company now", why) for r, _needs, why in routes]
        chosen = next((o for o in options if o["value"] == d.get("route")), options[0])
        blocks.append({"type": "input", "block_id": "route", "label": _pt("Route"), "element": {"type": "radio_buttons", "action_id": "value", "options": options, "initial_option": chosen}})
        if any(needs for _r, needs, _w in routes):
            blocks.append(_input("reason", "Reason to broadcast (required for a broadcast)", "e.g. owners offline", optional=True))
    if d.get("extra_broadcast_option"):
        blocks.append(
            {
                "type": "input",
                "block_id": "rebroadcast",
                "optional": True,
                "label": _pt("Channels that got the SEV 0 messages"),
                "element": {"type": "checkboxes", "action_id": "value", "options": [_option("yes", d["extra_broadcast_option"])]},
            }
        )
    for hint in d.get("tone_hints", []):
        blocks.append(_context(f":warning: {_esc(hint)}"))
    return {
        "type": "modal",
        "callback_id": DRAFT_CALLBACK,
        "title": _pt(f"{d['public_id']} {d['kind']}", 24),
        "submit": _pt("Preview", 24),
        "close": _pt("Cancel", 24),
        "private_metadata": json.dumps({"incident_id": d["incident_id"], "kind": d["kind"]}),
        "blocks": blocks,
    }


def upgrade_modal(d: Mapping[str, Any]) -> dict[str, Any]:
    """`/incident sev sev0` asks before it upgrades (spec C.2), then pushes the SEV 0 draft.
    d: incident_id, public_id, title, from_label, accounts, sev0_sent (an earlier SEV 0 initial)."""
    if d.get("sev0_sent"):
        next_step = "Next: draft the update for the channels that got the earlier SEV 0 messages, preview, confirm."
    else:
        next_step = (
            "Next: the SEV 0 message (the handbook's SEV 0 template), then a preview of every affected customer "
            "channel and a tick box to confirm. Owners are tagged in the incident thread at the same moment."
        )
    blocks: list[Block] = [
        _section(f"*Upgrade {_esc(d['public_id'])} from {_esc(d['from_label'])} to SEV 0 – Emergency?*\n{_esc(d['title'])}"),
        _section(
            f"At SEV 0 you broadcast as the company to every affected customer channel ({d['accounts']} affected "
            f"accounts, plus customer channels with no account), instead of owners sending "
            f"(002_59a801b964a2a19e.txt:4228). Updates every 15–30 min (002_59a801b964a2a19e.txt:4131)."
        ),
        _context(next_step + " Nothing is posted in customer channels until you confirm."),
    ]
    return {
        "type": "modal",
        "callback_id": UPGRADE_CALLBACK,
        "title": _pt(f"{d['public_id']} to SEV 0", 24),
        "submit": _pt("Upgrade and draft", 24),
        "close": _pt("Cancel", 24),
        "private_metadata": json.dumps({"incident_id": d["incident_id"]}),
        "blocks": blocks,
    }


def notice_modal(public_id: str, text: str) -> dict[str, Any]:
    """A modal that only says why nothing happened (a modal without inputs cannot show errors)."""
    return {"type": "modal", "title": _pt(public_id, 24), "close": _pt("Close", 24), "blocks": [_section(text)]}


def customer_message_blocks(text: str) -> list[Block]:
    """Exactly what a customer sees: the message and nothing else."""
    return [_section(_esc(text))]


def preview_view(p: Mapping[str, Any]) -> dict[str, Any]:
    """Step 2 of a broadcast (spec C.5): the message as customers see it, the identity it is
    posted as, the channel count and names, exclusions with reasons, warnings, and a required
    confirm tick box (a modal's submit button cannot carry a `confirm` dialog).
    p: incident_id, comm_id, public_id, text, username, channel_names, excluded {reason: [names]},
    tone_hints [str], sla_accounts [names], earlier_failures [names]."""
    n = len(p["channel_names"])
    names = list(p["channel_names"])
    shown = ", ".join(f"#{_esc(x)}" for x in names[:PREVIEW_NAMES_SHOWN])
    more = f" …and {n - PREVIEW_NAMES_SHOWN} more" if n > PREVIEW_NAMES_SHOWN else ""
    blocks: list[Block] = [
        _section(f"*{n} channel{'s' if n != 1 else ''}* will get this, posted as {md.bold(p['username'])}"),
        _context("Customers see exactly this:"),
        *customer_message_blocks(p["text"]),
        {"type": "divider"},
        _section(f"*Audience:* {shown}{more}" if n else "*Audience:* no channels"),
    ]
    for reason, excluded in p.get("excluded", {}).items():
        listed = ", ".join(_esc(x) for x in excluded[:PREVIEW_NAMES_SHOWN]) + (f" …and {len(excluded) - PREVIEW_NAMES_SHOWN} more" if len(excluded) > PREVIEW_NAMES_SHOWN else "")
        blocks.append(_context(f"Excluded, {_esc(reason)}: {listed}"))
    warnings = [f":warning: {_esc(h)}" for h in p.get("tone_hints", [])]
    if p.get("sla_accounts"):
        warnings.append(f":warning: Uptime SLA accounts in the audience: {_esc(', '.join(p['sla_accounts']))} (002_59a801b964a2a19e.txt:4604-4617)")
    if p.get("earlier_failures"):
        warnings.append(f":warning: Earlier delivery failed in: {_esc(', '.join(p['earlier_failures']))}")
    if warnings:
        blocks.append(_section("\n".join(warnings)))
    blocks.append(
        {
            "type": "input",
            "block_id": "confirm",
            "label": _pt("Confirm"),
            "element": {
                "type": "checkboxes",
                "action_id": "value",
                "options": [_option("yes", f"Post this as {p['username']} in {n} customer channels now. It can't be undone.")],
            },
        }
    )
    return {
        "type": "modal",
        "callback_id": PREVIEW_CALLBACK,
        "title": _pt(f"{p['public_id']} preview", 24),
        "submit": _pt(f"Send to {n} channels", 24),
        "close": _pt("Back", 24),
        "private_metadata": json.dumps({"incident_id": p["incident_id"], "comm_id": p["comm_id"]}),
        "blocks": blocks,
    }


# --- the coordination thread in #group-cs-sales-support ---------------------------------------


def incident_card_blocks(c: Mapping[str, Any]) -> list[Block]:
    """The incident card (spec C.3), edited in place as things change. c: public_id, severity_label,
    title, status, cloud, cmoc, incident_channel, accounts, owners, channels, sla_accounts,
    next_update_due, rota_text."""
    status = c["status"].capitalize()
    head = f"*{_esc(c['public_id'])} · {_esc(c['severity_label'])} · {_esc(status)}*\n{_esc(c['title'])}"
    facts = [
        f"CMOC: {_mention(c.get('cmoc'))}",
        f"Next update due: {c.get('next_update_due') or '—'}",
        f"Affected: {c['accounts']} accounts · {c['owners']} owners · {c['channels']} channels" + (f" · {c['sla_accounts']} with uptime SLA" if c.get("sla_accounts") else ""),
        f"Cloud: {_esc(c['cloud'])}",
    ]
    if c.get("incident_channel"):
        facts.append(f"Engineering: {md.channel(c['incident_channel'])}")
    blocks = [_section(head), _section("\n".join(facts))]
    if c.get("rota_text"):
        blocks.append(_context(f"Rota: {_esc(c['rota_text'])}"))
    blocks.append(_context("All coordination happens in this thread (002_59a801b964a2a19e.txt:4223)"))
    return blocks


def owner_draft_blocks(d: Mapping[str, Any]) -> list[Block]:
    """The draft shared with owners (spec C.4). d: comm_id, seq, kind, severity_label, feature,
    cmoc, sample_text, senders [(slack_id, [account names], note)], problems [str]."""
    value = str(d["comm_id"])
    owners = " · ".join(f"{_mention(s)} ({len(names)}: {_esc(', '.join(names[:3]))}{'…' if len(names) > 3 else ''}){' ' + _esc(note) if note else ''}" for s, names, note in d["senders"])
    blocks: list[Block] = [
        _section(f"*Owners, please send this to your accounts now* (002_59a801b964a2a19e.txt:4238-4240)\n{owners or 'No owners to tag.'}"),
        {
            "type": "actions",
            "block_id": f"owners_{value}",
            "elements": [
                _button("Send to my channels", ACTION_SEND_MINE, value, "primary", {"title": "Send to your channels?", "text": "The bot posts this, signed with your name, in each of your affected channels that has not had it."}),
                _button("I sent it myself", ACTION_SENT_MYSELF, value),
                _button("I'm handling 1:1", ACTION_HANDLING_1TO1, value),
            ],
        },
        _section(f"*Draft {d['seq']} · {_esc(d['kind'])} · {_esc(d['severity_label'])} · {_esc(d['feature'])}*   CMOC: {_mention(d.get('cmoc'))}\n{_quote(_esc(d['sample_text']))}"),
    ]
    for problem in d.get("problems", []):
        blocks.append(_context(f":warning: {_esc(problem)}"))
    blocks.append(
        {
            "type": "actions",
            "block_id": f"cmoc_{value}",
            "elements": [_button("Assign backups", ACTION_ASSIGN_BACKUPS, value), _button("Broadcast the rest", ACTION_BROADCAST_REST, value)],
        }
    )
    blocks.append(_context("CMOC only: Assign backups · Broadcast the rest"))
    return blocks


def coverage_gap_blocks(text: str, comm_id: int) -> list[Block]:
    """Coverage check (spec C.4; E14)."""
    return [
        _section(_esc_m(text)),
        {"type": "actions", "elements": [_button("Assign backups", ACTION_ASSIGN_BACKUPS, str(comm_id)), _button("Broadcast the rest", ACTION_BROADCAST_REST, str(comm_id))]},
    ]


def sev0_owner_notice(owner_ids: Sequence[str], text: str) -> str:
    """SEV 0: owners told in #group-cs-sales-support at the same moment (002_59a801b964a2a19e.txt:4228)."""
    tags = " ".join(_mention(o) for o in owner_ids)
    return (
        f"{tags}\nSEV 0 broadcast going out to your accounts now. Take over the follow-up threads in your channels "
        f"once you're online (002_59a801b964a2a19e.txt:4228).\n{_quote(_esc(text))}"
    )


def progress_text(kind: str, severity_label: str, sent: int, total: int) -> str:
    return f"Sending {severity_label} {kind}… {sent}/{total}"


def _elapsed(seconds: float) -> str:
    s = int(round(seconds))
    return f"{s // 60}m{s % 60}s" if s >= 60 else f"{s}s"


def broadcast_summary_text(s: Mapping[str, Any]) -> str:
    """"Sent to 498/500 channels in 2m5s. 2 failed: #a (not_in_channel), #b (channel_not_found)." (E17b)"""
    text = f"Sent to {s['sent']}/{s['total']} channels in {_elapsed(s['elapsed_s'])}."
    if s.get("failed"):
        listed = ", ".join(f"#{_esc(name)} ({_esc(error)})" for name, error in s["failed"][:20])
        more = f" …and {len(s['failed']) - 20} more" if len(s["failed"]) > 20 else ""
        text += f" {len(s['failed'])} failed: {listed}{more}."
    if s.get("pending"):
        text += f" {s['pending']} still pending."
    return text


def broadcast_summary_blocks(s: Mapping[str, Any]) -> list[Block]:
    blocks = [_section(broadcast_summary_text(s))]
    buttons = [_button("Log", ACTION_SHOW_LOG, str(s["incident_id"]))]
    if s.get("failed"):
        n = len(s["failed"])
        buttons.insert(0, _button("Retry failed", ACTION_RETRY_FAILED, str(s["broadcast_id"]), confirm={"title": "Retry failed channels?", "text": f"Send to {n} customer channel{'s' if n != 1 else ''} again?"}))
    blocks.append({"type": "actions", "elements": buttons})
    return blocks


def reminder_blocks(text: str, incident_id: int, mention: Sequence[str] = ()) -> list[Block]:
    """A cadence reminder with a shortcut to draft the update (spec C.6)."""
    tags = " ".join(_mention(m) for m in mention)
    return [_section(f"{tags} {_esc_m(text)}".strip()), {"type": "actions", "elements": [_button("Draft update", ACTION_DRAFT_UPDATE, str(incident_id), "primary")]}]


def handoff_prompt_blocks(text: str, incident_id: int) -> list[Block]:
    return [_section(_esc_m(text)), {"type": "actions", "elements": [_button("Hand off", ACTION_HANDOFF, str(incident_id), "primary")]}]


def engagement_forward_text(account_name: str | None, channel_id: str, severity_label: str, reply: str, permalink: str, owner_id: str | None) -> str:
    """A customer reply forwarded to #support-customer-success (002_59a801b964a2a19e.txt:4294, 4298; E22).
    The reply is Slack's own mrkdwn: read back to text, then escaped, so a customer's @channel cannot ping us."""
    who = _esc(account_name) if account_name else md.channel(channel_id)
    owner = f" · owner {_mention(owner_id)}" if owner_id else " · no owner on record"
    return f"{who} replied to the {_esc(severity_label)} broadcast: “{md.clip(_esc_m(md.unescape(reply)), 1500)}” {permalink}{owner}"


def close_summary_blocks(c: Mapping[str, Any]) -> list[Block]:
    """`/incident close` (spec C.7; E26). c: public_id, timeline [str], not_notified [(name, owner)],
    failed [(channel, error)], sla_accounts [names], replies_forwarded, followups [str]."""
    never = c["not_notified"]
    blocks: list[Block] = [
        _section(f"*{_esc(c['public_id'])} closed.* " + ("Every affected account was notified." if not never else f"Not notified: {', '.join(f'{_esc(n)} (owner {_mention(o)})' for n, o in never)}")),
    ]
    if c.get("failed"):
        blocks.append(_section("Delivery failures: " + ", ".join(f"{md.channel(ch)} ({_esc(err)})" for ch, err in c["failed"])))
    if c.get("sla_accounts"):
        blocks.append(_section(f"Uptime SLA accounts affected: {_esc(', '.join(c['sla_accounts']))} (002_59a801b964a2a19e.txt:4604-4617); credits are the owners' call (002_59a801b964a2a19e.txt:1564)."))
    if c.get("timeline"):
        timeline = [f"• {_esc_m(t)}" for t in c["timeline"][:30]]
        if len(c["timeline"]) > 30:
            timeline.append(f"…and {len(c['timeline']) - 30} more events (`/incident log {_esc(c['public_id'])}`)")
        blocks.append(_section("*Timeline*\n" + md.fit_lines(timeline, SECTION_TEXT_LIMIT - 20)))
    blocks.append(_context(f"Customer replies forwarded: {c.get('replies_forwarded', 0)} · Engineering writes technical summary; GTM adds comms learnings (002_59a801b964a2a19e.txt:4250)"))
    return blocks


# --- "I sent it myself" (spec C.4) -----------------------------------------------------------------


def sent_myself_reply(text: str, comm_id: int) -> tuple[str, list[Block]]:
    """The answer to "I sent it myself": what was marked, and a way to correct it."""
    return _esc_m(text), [
        _section(_esc_m(text)),
        {"type": "actions", "elements": [_button("Not all of them? Adjust", ACTION_SENT_MYSELF_ADJUST, str(comm_id))]},
    ]


def _multi_select(block_id: str, label: str, options: Sequence[tuple[str, str]], selected: set[str],
                  hint: str | None = None) -> Block:
    opts = [_option(v, t) for v, t in options]
    element: dict[str, Any] = {"type": "multi_static_select", "action_id": "value", "options": opts,
                               "placeholder": _pt("Choose accounts")}
    chosen = [o for o in opts if o["value"] in selected]
    if chosen:
        element["initial_options"] = chosen
    block: dict[str, Any] = {"type": "input", "block_id": block_id, "optional": True, "label": _pt(label, 2000),
                             "element": element}
    if hint:
        block["hint"] = _pt(hint, 2000)
    return block


def sent_myself_modal(comm_id: int, seq: int, public_id: str, in_slack: Sequence[tuple[str, str]],
                      no_channel: Sequence[tuple[str, str]], told: set[str], by_email: set[str]) -> dict[str, Any]:
    """Which of the clicker's accounts they really told, and which accounts without a Slack channel
    they told by email. `in_slack`/`no_channel` are (account id, name); a list longer than one
    select holds is split over several, so no account is ever left out."""
    blocks: list[Block] = [_section(f"Draft {seq}: untick the accounts you did not reach. They stay on the "
                                    "not-notified list for a backup or the broadcast.")]
    for i in range(0, len(in_slack), _SELECT_MAX):
        part = in_slack[i:i + _SELECT_MAX]
        label = "Accounts you told" if i == 0 else f"Accounts you told (continued, {i + 1}–{i + len(part)})"
        blocks.append(_multi_select(f"told_{i // _SELECT_MAX}", label, part, told))
    for i in range(0, len(no_channel), _SELECT_MAX):
        part = no_channel[i:i + _SELECT_MAX]
        blocks.append(_multi_select(f"email_{i // _SELECT_MAX}", "Told by email (no Slack channel)", part, by_email,
                                    hint="These accounts have no shared Slack channel."))
    return {
        "type": "modal",
        "callback_id": SENT_MYSELF_VIEW,
        "title": _pt(f"{public_id} · sent myself", 24),
        "submit": _pt("Save"),
        "close": _pt("Cancel"),
        "private_metadata": json.dumps({"comm_id": comm_id}),
        "blocks": blocks,
    }


def notice_view(title: str, text: str) -> dict[str, Any]:
    """A modal's last step: what was done, with a Close button."""
    return {"type": "modal", "title": _pt(title, 24), "close": _pt("Close"), "blocks": [_section(_esc_m(text))]}
