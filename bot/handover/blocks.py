"""Block Kit for /handover-check: pure functions from the checker's report (or an error) to a message.

Phone first: verdict and transition on the first row, then what blocks the handover, then warnings,
then what a person must confirm (each with a Confirm button when it can be recorded), and all passes
collapsed into one line (handover-check.md §4.7).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from bot.handbook_links import linkify, page_link
from services import mrkdwn as md
from services.handover import policy as P
from services.handover.check import missing_data_fix, money
from services.handover.grammar import AccountRef, ErrorKind, HandoverError
from services.handover.model import CheckItem, HandoverReport, Status, Verdict

COMMAND = "/handover-check"
EXAMPLE = md.code(f"{COMMAND} Acme Robotics to TAM")
CONFIRM_ACTION_PREFIX = "handover_confirm"
SECTION_MAX_CHARS = 3000  # Slack's limit for a section's text
MAX_BLOCKS = 50
MAX_AMBIGUOUS_LISTED = 5  # keep the reply short on a phone

VERDICT_LABEL = {
    Verdict.READY: "✅ Ready to hand over",
    Verdict.READY_WITH_WARNINGS: "⚠️ Ready with warnings",
    Verdict.NOT_READY: "❌ Not ready",
    Verdict.NOT_ALLOWED: "🚫 Not allowed",
    Verdict.NOT_A_HANDOVER: "ℹ️ Not a handover",
}
TARGETS_HELP = "TAM, CSM (aka CSE / Technical CSM), US TAM, EU TAM, US CSM, EU CSM, or @mention a TAM/CSM"
GRAMMAR = f"{COMMAND} <account> [to <TAM|CSM|US TAM|EU TAM|US CSM|EU CSM|@person>]"
USAGE = (
    f"Usage: {md.code(GRAMMAR)} — e.g. {EXAMPLE}. "
    "Without `to`, I check the next step the policy gives for the current owner."
)
e = md.escape


def _text(text: str) -> dict:
    """A section of mrkdwn whose values are escaped; citations become handbook links."""
    return {"type": "section", "text": {"type": "mrkdwn", "text": md.clip(linkify(text), SECTION_MAX_CHARS)}}


def _ephemeral(text: str, blocks: list[dict] | None = None) -> dict:
    return {"response_type": "ephemeral", "text": text, "blocks": blocks or [_text(text)]}


def _fit(title: str, lines: Sequence[str], sep: str = "\n") -> str:
    """A section text under Slack's 3000-char limit: whole lines, then '…and N more' (for passes,
    infos and steps, where the first lines matter most)."""
    head = f"*{title}*\n"
    return head + md.fit_lines(lines, SECTION_MAX_CHARS - len(head), sep=sep)


def _fit_items(title: str, items: Sequence[CheckItem], report: HandoverReport) -> str:
    """Blocking items and warnings: every one stays visible with its fixer. When they do not all fit,
    each reason is shortened at a word to its share of the section, never the title or the tag."""
    head = f"*{title}*\n"
    parts = [_line_parts(i, report) for i in items]
    lines = [a + b + c for a, b, c in parts]
    room = SECTION_MAX_CHARS - len(head)
    if len("\n".join(lines)) <= room:
        return head + "\n".join(lines)
    share = (room - len(parts)) // max(len(parts), 1)
    return head + "\n".join(a + md.clip(b, max(share - len(a) - len(c), 10)) + c for a, b, c in parts)


def _who(item: CheckItem, report: HandoverReport) -> str:
    if item.fixer == "outgoing owner" and report.owner is not None:
        return md.mention(report.owner.slack_id)
    return e(item.fixer or "")


def _line_parts(item: CheckItem, report: HandoverReport) -> tuple[str, str, str]:
    """(title, reason, fixer tag) of one item's line, escaped."""
    who = _who(item, report)
    label = "confirm" if item.status is Status.CONFIRM else "fix"
    return f"• *{e(item.title)}* — ", md.escape_keeping_mentions(item.reason), (f" _({label}: {who})_" if who else "")


def _line(item: CheckItem, report: HandoverReport) -> str:
    return "".join(_line_parts(item, report))


def target_text(report: HandoverReport) -> str:
    """The target as command text ("" when it was the policy default), so a refresh checks the same one."""
    if report.default_target or report.target is None:
        return ""
    return report.target.label


def confirm_value(account_id: str, kind: str, target: str = "") -> str:
    return json.dumps({"account_id": account_id, "kind": kind, "target": target}, separators=(",", ":"))


def core_products_text(report: HandoverReport) -> str:
    marks = " · ".join(f"{e(P.CORE_PRODUCT_LABELS[p])} {'✓' if paid else '✗'}" for p, paid in report.core_products)
    return f"{marks} ({report.core_count}/{len(report.core_products)})"


def summary_text(report: HandoverReport) -> str:
    arrow = f" ({report.transition})" if report.transition else ""
    return f"Handover check: {e(report.account_name)}{arrow} — {VERDICT_LABEL[report.verdict]}"


def report_message(report: HandoverReport) -> dict:
    """The ephemeral reply for one checked account (verdicts READY … NOT_A_HANDOVER)."""
    header = md.clip(f"Handover check: {report.account_name}", 150)
    blocks: list[dict] = [{"type": "header", "text": {"type": "plain_text", "text": header}}]
    if report.verdict in (Verdict.NOT_ALLOWED, Verdict.NOT_A_HANDOVER):
        blocks.append(_text(md.escape_keeping_mentions(report.message) or VERDICT_LABEL[report.verdict]))
        blocks.append(_context(report))
        return {"response_type": "ephemeral", "text": summary_text(report), "blocks": blocks}

    confirms = report.by_status(Status.CONFIRM)
    verdict = VERDICT_LABEL[report.verdict]
    if report.verdict is Verdict.READY and confirms:
        verdict += f" — confirm the {len(confirms)} item{'s' if len(confirms) != 1 else ''} below"
    elif report.verdict is Verdict.READY_WITH_WARNINGS:
        verdict += " — once the warnings are resolved or accepted (see Approver)"
    transition = e(report.transition or "") + (" overlay" if report.overlay else "") + (" (default)" if report.default_target else "")
    target = _target_label(report)
    if report.suggested_new_owner and report.target and report.target.member is None:
        target += f" — suggested New Owner: {e(report.suggested_new_owner)}"
    owner = f"{md.mention(report.owner.slack_id)} ({e(report.owner.role)})" if report.owner else "none"
    fields = [
        ("Verdict", verdict), ("Transition", transition), ("Current owner", owner), ("Target", target),
        ("ARR", money(report.effective_arr)), ("Core products", core_products_text(report)),
        ("Health", e(report.health_label or "unknown")), ("Approver", e(report.approver or "—")),
    ]
    blocks.append({"type": "section", "fields": [{"type": "mrkdwn", "text": f"*{k}*\n{v}"} for k, v in fields]})
    if report.default_target:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"No target given — checked against the next step in policy: {e(report.transition)}"}]})
    blocks.append({"type": "divider"})

    fails, warns = report.by_status(Status.FAIL), report.by_status(Status.WARN)
    if fails:
        blocks.append(_text(_fit_items(f"❌ Blocking ({len(fails)})", fails, report)))
    if warns:
        blocks.append(_text(_fit_items(f"⚠️ Warnings ({len(warns)})", warns, report)))
    if confirms:
        blocks.extend(_confirm_blocks(report, confirms))
    passes = report.by_status(Status.PASS)
    if passes:
        blocks.append(_text(_fit(f"✅ Passed ({len(passes)})", [md.escape_keeping_mentions(i.reason) for i in passes], sep=" · ")))
    # The suggested New Owner is already in the Target field; don't say it twice on a phone.
    infos = [i for i in report.by_status(Status.INFO) if not (report.suggested_new_owner and i.id == "C14")]
    if infos:
        blocks.append(_text(_fit("ℹ️ Good to know", [f"• {md.escape_keeping_mentions(i.reason[:1].upper() + i.reason[1:])}" for i in infos])))
    if report.next_steps:
        steps = [f"{n}. {md.escape_keeping_mentions(s)}" for n, s in enumerate(report.next_steps, 1)]
        blocks.append(_text(_fit("Next steps", steps)))
    blocks.append(_context(report))
    return {"response_type": "ephemeral", "text": summary_text(report), "blocks": blocks[:MAX_BLOCKS]}


def _confirm_blocks(report: HandoverReport, confirms: Sequence[CheckItem]) -> list[dict]:
    """One section per item; recordable ones carry a Confirm button for the outgoing owner."""
    blocks = [_text(f"*☐ Confirm before handing over ({len(confirms)})*")]
    for item in confirms:
        a, b, c = _line_parts(item, report)
        block = _text(a + md.clip(b, SECTION_MAX_CHARS - len(a) - len(c)) + c)
        if item.confirm_kind:
            block["block_id"] = f"handover_confirm:{item.id}"
            block["accessory"] = {
                "type": "button",
                "text": {"type": "plain_text", "text": "Confirm"},
                "action_id": f"{CONFIRM_ACTION_PREFIX}:{item.confirm_kind}",
                "value": confirm_value(report.account_id, item.confirm_kind, target_text(report)),
            }
        blocks.append(block)
    return blocks


def _context(report: HandoverReport) -> dict:
    parts = ["Policy: " + page_link(P.POLICY_PATH, "Account allocation & handover")]
    if report.today is not None:
        parts.append(f"checked {report.today.isoformat()}")
    for source in sorted(report.unavailable_sources):  # never loaded, not down: say how to load it
        parts.append(f"No {e(source)} data for this account — {missing_data_fix(source)}")
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(parts)}]}


# --- bad input ------------------------------------------------------------------------------

def _acct(a: AccountRef) -> str:
    return md.bold(a.name) + (f" ({e(a.domain)})" if a.domain else "")


def _target_label(report: HandoverReport) -> str:
    """The target as shown: a teammate as a mention, a role as text."""
    t = report.target
    if t is None:
        return "—"
    return md.mention(t.member.slack_id) if t.member is not None else e(t.label)


def error_message(error: HandoverError) -> dict:
    """A clear ephemeral reply saying what was wrong, with a command that works."""
    kind = error.kind
    if kind is ErrorKind.USAGE:
        text = (f"I couldn't read that: {e(error.detail)}. " if error.detail else "") + USAGE
    elif kind is ErrorKind.ACCOUNT_NOT_FOUND:
        text = f"I couldn't find an account matching “{e(error.query)}”."
        if error.suggestions:
            text += f" Did you mean: {', '.join(_acct(a) for a in error.suggestions)}? Try {md.code(f'{COMMAND} {error.suggestions[0].name}')}."
        else:
            text += f" Use the account name, domain or PostHog org id, e.g. {EXAMPLE}."
    elif kind is ErrorKind.ACCOUNT_AMBIGUOUS:
        shown = error.matches[:MAX_AMBIGUOUS_LISTED]
        listed = ", ".join(
            f"{e(a.name)} ({', '.join(x for x in (e(a.domain), f'owner {md.mention(a.owner_slack_id)}' if a.owner_slack_id else 'no owner') if x)})"
            for a in shown
        )
        if len(error.matches) > len(shown):
            listed += f" …and {len(error.matches) - len(shown)} more"
        pick = error.matches[0]
        how_many = f"{len(error.matches)} accounts" if error.matches_complete else "several accounts, including"
        text = (
            f"“{e(error.query)}” matches {how_many}: {listed}. Re-run with the domain or full name, "
            f"e.g. {md.code(f'{COMMAND} {pick.domain or pick.name}')}."
        )
    elif kind is ErrorKind.UNKNOWN_TARGET:
        name = error.account.name if error.account else "Acme Robotics"
        text = f"“{e(error.query)}” isn't a role or teammate I know. Targets: {TARGETS_HELP}. e.g. {md.code(f'{COMMAND} {name} to TAM')}."
    else:  # SAME_OWNER
        name = error.account.name if error.account else "the account"
        text = f"{md.mention(error.owner_slack_id)} already owns {e(name)} — pick a different target, e.g. {md.code(f'{COMMAND} {name} to TAM')}."
    return _ephemeral(text)


def no_data_message() -> dict:
    """The account model is empty: say where data comes from instead of failing every lookup."""
    return _ephemeral(
        "I have no account data yet, so I can't check a handover. Import accounts with "
        "`gtmbot accounts import FILE` or sync them with `gtmbot sync vitally` (and `gtmbot sync stripe` for invoices), "
        f"then try again, e.g. {EXAMPLE}."
    )


def confirmed_message(item_title: str, account_name: str, user_id: str, when: str) -> dict:
    return _ephemeral(f"☑️ Recorded: {md.bold(item_title)} for {e(account_name)}, confirmed by {md.mention(user_id)} at {e(when)}. Run {md.code(f'{COMMAND} {account_name}')} again to see it counted.")


def refusal_message(text: str) -> dict:
    """A refusal in plain words: escaped, with any mention in it kept."""
    return _ephemeral(md.escape_keeping_mentions(text))
